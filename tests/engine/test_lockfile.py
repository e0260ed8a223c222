"""The writer lock (newsearch/engine/lockfile.py), shared by both engines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsearch.engine import IndexLocked, lockfile, open_writer


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_lock_names_the_writer_and_refuses_a_second_one(engine: str, tmp_path: Path) -> None:
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    index = tmp_path / "index"
    with open_writer(index, engine=engine):
        assert lockfile.lock_holder(index / lockfile.LOCK_FILE) == os.getpid()
        with pytest.raises(IndexLocked) as info:
            lockfile.acquire(index)
        assert info.value.pid == os.getpid()
        assert f"process {os.getpid()}" in str(info.value)
    # Released: the lock can be taken again.
    lockfile.release(lockfile.acquire(index))


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_a_forked_child_does_not_inherit_the_lock(engine: str, tmp_path: Path) -> None:
    """Parser workers are forked from the writing process: if they kept a copy of the lock's
    descriptor, a killed indexer would leave its index locked until they exit."""
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    index = tmp_path / "index"
    with open_writer(index, engine=engine):
        held = set(lockfile._HELD)
        assert held, "the writer registers its lock descriptor"
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            still_open = 0
            for fd in held:
                try:
                    os.fstat(fd)
                    still_open += 1
                except OSError:
                    pass
            os._exit(10 + still_open)
        _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 10, "the child closed every lock descriptor"
    assert not lockfile._HELD
