"""The writer lock of an index directory: ``INDEX_DIR/write.lock``, an OS file lock (flock)
holding the writer's pid. Part of the engine stage (write side), shared by the engines that
write an index (Whoosh and tantivy).

The lock is released by the OS when the process dies, so a lock file left by a killed writer
does not lock the index; a second writer fails at once with :class:`IndexLocked` naming the
holder's pid ("index is being written by process N").
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path

from newsearch.engine.base import EngineError, IndexLocked

LOCK_FILE = "write.lock"

_HELD: set[int] = set()
"""Descriptors of the write locks this process holds."""


def _drop_held_in_child() -> None:
    """After a fork: the child closes its copies of the write-lock descriptors, so that the
    lock lives and dies with the writer process, never with a parser worker it forked."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_drop_held_in_child)


def lock_holder(path: Path) -> int | None:
    try:
        text = path.read_text("ascii").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def acquire(index_dir: Path) -> int:
    """Lock ``index_dir`` for writing; returns the lock's file descriptor."""
    path = Path(index_dir) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            pid = lock_holder(path)
            who = f"process {pid}" if pid else "another process"
            raise IndexLocked(f"index is being written by {who}", pid) from None
        raise EngineError(f"cannot lock {path}: {exc}") from exc
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    _HELD.add(fd)
    return fd


def release(fd: int | None) -> None:
    if fd is None:
        return
    _HELD.discard(fd)
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(fd)
