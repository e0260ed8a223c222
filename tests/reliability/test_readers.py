"""Readers: the app opens the index read-only, keeps serving while a writer works, switches
to each new commit without a restart, and leaks no open files across commits (both engines,
the real Flask app over a real index)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from reliability_support import make_archive

from newsearch.app import create_app
from newsearch.engine import open_writer
from newsearch.indexer import update_index
from newsearch.ingest import read_articles


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _stale_handles(index_dir: Path) -> list[str]:
    """Open files and memory maps of this process that point to files of the index that
    were deleted (what an old commit's reader leaks when it is never closed)."""
    prefix = os.path.realpath(index_dir)
    stale = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(prefix) and target.endswith("(deleted)"):
            stale.append(target)
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if prefix in line and line.rstrip().endswith("(deleted)"):
                stale.append(line.split(None, 5)[-1].strip())
    return stale


def _handles_into(index_dir: Path) -> list[str]:
    prefix = os.path.realpath(index_dir) + os.sep
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(prefix):
            out.append(target)
    return out


def _tree(index_dir: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for root, _dirs, files in os.walk(index_dir):
        for name in files:
            st = os.stat(os.path.join(root, name))
            out[os.path.relpath(os.path.join(root, name), index_dir)] = (st.st_size,
                                                                          st.st_mtime_ns)
    return out


@pytest.fixture(params=["whoosh", "tantivy"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, Path]:
    engine = request.param
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    archive = tmp_path / "archive"
    make_archive(archive / "base", 60, seed=41)
    extra = make_archive(tmp_path / "extra", 25, seed=42, jsonl_every=0)
    index_dir = tmp_path / "index"
    assert update_index([archive], index_dir, engine=engine, jobs=1).articles == 60
    return engine, index_dir, Path(next(iter(extra))).parent


def _total(client) -> int:  # noqa: ANN001
    response = client.get("/api/v1/search?size=1&facets=none")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["total"]


def test_reader_switches_commits_without_restart_and_leaks_no_files(
        setup: tuple[str, Path, Path]) -> None:
    engine, index_dir, extra = setup
    app = create_app({"index": str(index_dir), "TESTING": True})
    client = app.test_client()
    try:
        assert _total(client) == 60
        client.get("/api/v1/search?q=report&size=5")  # warm everything up once
        files = sorted(extra.iterdir())
        before = _fds()
        for i in range(20):
            articles = read_articles(files[i])
            with open_writer(index_dir) as writer:
                writer.add(articles)
                writer.commit()
            assert _total(client) == 61 + i, f"commit {i} not seen without a restart"
            client.get("/api/v1/search?q=report&size=5")
        # tantivy closes some descriptors and maps of a finished writer or an old reader from
        # its own threads a moment later (seen: +3 for under 2 s); a leak is what is still
        # open after that, so sample until the state is clean or 5 s have passed, and judge
        # the last sample.
        deadline = time.monotonic() + 5.0
        while True:
            after = _fds()
            inside = _handles_into(index_dir)
            stale = _stale_handles(index_dir)
            clean = not stale and after - len(inside) <= before
            if clean or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        # A leak shows as handles on files that old commits used and merges deleted, or as
        # more handles into the index than it has files; other handles must not pile up.
        assert stale == [], "handles on files of old commits"
        assert len(inside) <= len(list(index_dir.rglob("*"))), inside
        assert len(set(inside)) == len(inside), "a file of the index opened twice"
        assert after - len(inside) <= before, f"{before} -> {after} open files"
    finally:
        app.extensions["newsearch"].close()


def test_reader_serves_while_a_writer_works_and_never_writes(
        setup: tuple[str, Path, Path]) -> None:
    engine, index_dir, extra = setup
    app = create_app({"index": str(index_dir), "TESTING": True})
    client = app.test_client()
    try:
        before = _tree(index_dir)
        for q in ("report", "plan", "date:2015", "person:mireles"):
            assert client.get(f"/api/v1/search?q={q}").status_code == 200
        assert client.get("/?q=report").status_code == 200
        assert _tree(index_dir) == before, "serving searches changed files in the index"
        # The reader takes no lock: a writer opens while the app is up, and the app keeps
        # answering from the last commit while the writer has uncommitted work.
        files = sorted(extra.iterdir())
        with open_writer(index_dir) as writer:
            writer.add(read_articles(files[0]))
            assert _total(client) == 60
            writer.commit()
            assert _total(client) == 61
            writer.add(read_articles(files[1]))
            assert _total(client) == 61
        # Closed without a commit: the uncommitted article never shows.
        assert _total(client) == 61
    finally:
        app.extensions["newsearch"].close()
