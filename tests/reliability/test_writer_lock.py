"""One writer: a second ``newsearch index`` on an index being written exits at once with
"index is being written by process N" and exit status 3, and the first run is unaffected.
Also: a lock file left by a killed writer does not lock the index (both engines, real
subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from reliability_support import child_env, index_command, inspect_index, make_archive

EXIT_LOCKED = 3


def _wait_for_lock_holder(index_dir: Path, pid: int, timeout: float = 60.0) -> None:
    """Wait until ``write.lock`` names ``pid`` (the writer is open)."""
    lock = index_dir / "write.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if lock.read_text("ascii").strip() == str(pid):
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"the first run never took the lock ({lock})")


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_second_indexer_exits_at_once_and_first_is_unaffected(engine: str,
                                                                tmp_path: Path) -> None:
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    # A bigger archive when a fast machine finishes the first run before the second starts.
    for attempt, n_articles in enumerate((300, 1500)):
        archive = tmp_path / f"archive-{attempt}"
        expected = make_archive(archive, n_articles, seed=3)
        index_dir = tmp_path / f"index-{attempt}"
        first = subprocess.Popen(index_command(archive, index_dir, engine, batch_size=50,
                                               jobs=1),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=child_env())
        try:
            _wait_for_lock_holder(index_dir, first.pid)
            started = time.monotonic()
            second = subprocess.run(index_command(archive, index_dir, engine, batch_size=50,
                                                  jobs=1),
                                    capture_output=True, text=True, env=child_env(),
                                    timeout=60)
            seconds = time.monotonic() - started
            overlapped = first.poll() is None
        finally:
            out, err = first.communicate(timeout=300)
        if overlapped:
            break
    else:
        pytest.fail("the first run always ended before the second was tried")
    assert second.returncode == EXIT_LOCKED, (second.stdout, second.stderr)
    assert f"is being written by process {first.pid}" in second.stderr
    # "At once": no waiting for the lock (the time is mostly Python starting up).
    assert seconds < 20
    assert first.returncode == 0, err
    contents = inspect_index(index_dir)
    assert contents.articles == sum(expected.values())
    assert dict(contents.per_path) == expected


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_lock_file_of_a_killed_writer_does_not_lock_the_index(engine: str,
                                                             tmp_path: Path) -> None:
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    archive = tmp_path / "archive"
    expected = make_archive(archive, 150, seed=4)
    index_dir = tmp_path / "index"
    proc = subprocess.Popen(index_command(archive, index_dir, engine, batch_size=50, jobs=1),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=child_env(), start_new_session=True)
    _wait_for_lock_holder(index_dir, proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (index_dir / "write.lock").exists()
    result = subprocess.run(index_command(archive, index_dir, engine, batch_size=50, jobs=1),
                            capture_output=True, text=True, env=child_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    assert inspect_index(index_dir).articles == sum(expected.values())
