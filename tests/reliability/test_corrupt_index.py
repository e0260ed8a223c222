"""A truncated or corrupt newest commit is detected, never wiped silently.

Whoosh keeps only the newest table of contents (older TOCs are deleted when a commit lands),
so a process that starts on a damaged newest commit must refuse with a clear message, while a
process that already serves the index keeps serving the last good commit. ``newsearch index``
on a damaged index must fail without writing anything (no silent rebuild from empty).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from reliability_support import PYTHON, child_env, make_archive

from newsearch.app import create_app
from newsearch.engine import EngineError, open_engine
from newsearch.indexer import EXIT_FAILURE, update_index


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(index_dir.iterdir())
            if p.is_file() and p.name != "write.lock"}


def _newest(index_dir: Path, suffix: str) -> Path:
    files = [p for p in index_dir.iterdir() if p.name.endswith(suffix)]
    if suffix == ".toc":
        return max(files, key=lambda p: int(p.name.rsplit("_", 1)[1].split(".")[0]))
    return max(files, key=lambda p: p.stat().st_mtime_ns)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(0, len(data), 7):  # scattered bit rot through the whole file
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.fixture
def two_commits(tmp_path: Path) -> tuple[Path, Path]:
    archive = tmp_path / "archive"
    make_archive(archive / "one", 30, seed=11)
    index_dir = tmp_path / "index"
    assert update_index([archive], index_dir, engine="whoosh", jobs=1).articles == 30
    make_archive(archive / "two", 30, seed=12)
    assert update_index([archive], index_dir, jobs=1).articles == 30
    return archive, index_dir


@pytest.mark.parametrize("damage", ["truncate-toc", "garble-toc", "truncate-segment",
                                    "delete-toc"])
def test_damaged_newest_commit_is_refused_clearly_and_never_wiped(
        two_commits: tuple[Path, Path], damage: str) -> None:
    archive, index_dir = two_commits
    kind, target = damage.split("-")
    victim = _newest(index_dir, ".toc" if target == "toc" else ".seg")
    if kind == "truncate":
        _truncate(victim)
    elif kind == "garble":
        _garble(victim)
    else:
        victim.unlink()
    before = _snapshot(index_dir)

    # A reader that starts now refuses with a clear message (HTTP 503 from the app; no
    # reader of this index was opened in this process, so nothing older is cached).
    app = create_app({"index": str(index_dir), "TESTING": True})
    try:
        response = app.test_client().get("/api/v1/search?q=report")
        assert response.status_code == 503, response.get_data(as_text=True)
        message = response.get_json()["error"]["message"]
        assert "cannot be opened" in message or "no index" in message, message
        page = app.test_client().get("/?q=report")
        assert page.status_code == 503 and b"Traceback" not in page.data
    finally:
        app.extensions["newsearch"].close()

    # `newsearch index` on it: a clear error, exit status 2, and nothing written or removed.
    summary = update_index([archive], index_dir, jobs=1)
    assert summary.exit_status == EXIT_FAILURE
    assert summary.error and ("corrupt" in summary.error or "damaged" in summary.error
                              or "cannot be opened" in summary.error), summary.error
    assert summary.articles == 0
    assert _snapshot(index_dir) == before, "the damaged index was changed"

    # --rebuild is the explicit way out (on a copy: the checks below need the damage).
    copy = index_dir.parent / "rebuilt"
    shutil.copytree(index_dir, copy)
    rebuilt = update_index([archive], copy, jobs=1, rebuild=True)
    assert rebuilt.error is None and rebuilt.articles == 60

    # Through the real CLI too (a subprocess): the message, no traceback.
    if damage != "truncate-toc":
        return
    cli = subprocess.run([PYTHON, "-m", "newsearch.cli", "index", str(archive), "--index",
                          str(index_dir), "--jobs", "1", "--quiet"],
                         capture_output=True, text=True, env=child_env(), timeout=120)
    assert cli.returncode == EXIT_FAILURE
    assert "Traceback" not in cli.stderr
    assert "--rebuild" in cli.stderr
    assert _snapshot(index_dir) == before



def test_running_reader_keeps_serving_the_last_good_commit(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    make_archive(archive / "one", 30, seed=21)
    index_dir = tmp_path / "index"
    update_index([archive], index_dir, engine="whoosh", jobs=1)
    app = create_app({"index": str(index_dir), "TESTING": True})
    client = app.test_client()
    try:
        first = client.get("/api/v1/search?q=report&size=1")
        assert first.status_code == 200 and first.get_json()["total"] == 30
        # A new commit lands, and then its table of contents is damaged.
        make_archive(archive / "two", 30, seed=22)
        update_index([archive], index_dir, jobs=1)
        _truncate(_newest(index_dir, ".toc"))
        again = client.get("/api/v1/search?q=report&size=1")
        assert again.status_code == 200
        assert again.get_json()["total"] == 30, "the last good commit is still served"
        health = client.get("/api/v1/health")
        assert health.status_code == 200
    finally:
        app.extensions["newsearch"].close()


def test_open_engine_error_names_the_problem(two_commits: tuple[Path, Path]) -> None:
    _, index_dir = two_commits
    _truncate(_newest(index_dir, ".toc"))
    code = ("from newsearch.engine import open_engine\n"
            f"open_engine({str(index_dir)!r})\n")
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True,
                          env=child_env(), timeout=120)
    assert proc.returncode != 0
    assert "EngineError" in proc.stderr and "cannot be opened" in proc.stderr


def test_tantivy_damaged_meta_is_refused_not_wiped(tmp_path: Path) -> None:
    pytest.importorskip("tantivy")
    archive = tmp_path / "archive"
    make_archive(archive, 30, seed=31)
    index_dir = tmp_path / "index"
    assert update_index([archive], index_dir, engine="tantivy", jobs=1).articles == 30
    meta = index_dir / "tantivy" / "meta.json"
    _truncate(meta)
    before = {p.name: p.read_bytes() for p in (index_dir / "tantivy").iterdir()
              if p.is_file() and "lock" not in p.name}
    code = ("from newsearch.engine import open_engine\n"
            f"open_engine({str(index_dir)!r})\n")
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True,
                          env=child_env(), timeout=120)
    assert proc.returncode != 0 and "EngineError" in proc.stderr, proc.stderr[-2000:]
    summary = update_index([archive], index_dir, jobs=1)
    assert summary.exit_status == EXIT_FAILURE, summary
    after = {p.name: p.read_bytes() for p in (index_dir / "tantivy").iterdir()
             if p.is_file() and "lock" not in p.name}
    assert after == before
    assert os.path.exists(meta)


def test_engine_error_is_an_engine_error_in_process(two_commits: tuple[Path, Path]) -> None:
    """In the test process a cached reader may exist: a damaged index opened for the first
    time under another path spelling is still an EngineError, never a raw exception."""
    _, index_dir = two_commits
    _garble(_newest(index_dir, ".toc"))
    other = index_dir.parent / "alias"
    other.symlink_to(index_dir)
    try:
        with open_engine(other) as engine:  # the cached last good commit, if any
            assert engine.stats().articles in (30, 60)
    except EngineError as exc:
        assert "cannot be opened" in str(exc)
