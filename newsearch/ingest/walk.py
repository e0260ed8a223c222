"""Which files to read: walking the archive folders (part of the ingest stage).

``iter_files(paths)`` yields a :class:`FileEntry` for every candidate article file and a
:class:`Skipped` for what it passes over with a reason worth reporting:

- folders are walked depth-first in sorted order (names compared as strings), following
  symbolic links to folders but never into a loop: the ``(st_dev, st_ino)`` of every folder
  entered is remembered and a second visit is reported as ``symlink-loop``;
- hidden files and folders (names starting with ``.``) are passed over silently;
- obvious non-articles are ``unsupported-type``: images, PDFs, office documents, archives other
  than ``.gz``, audio and video, executables, and collection paperwork (``README``,
  ``LICENSE``, ``SOURCE.md``...);
- unreadable folders, broken links and entries that are not regular files (named pipes,
  sockets, devices: never opened) are ``unreadable``, paths that do not exist ``not-found``;
- odd names (spaces, unicode, bytes that are not UTF-8) are kept as they are: paths are never
  decoded or resolved, so a file is reported under the name it was found by.

A path given directly as a file is yielded as is (even with an unusual extension: asking for it
is reason enough to try).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsearch.ingest.base import NOT_FOUND, SYMLINK_LOOP, UNREADABLE, UNSUPPORTED_TYPE

#: Extensions that are never article files.
UNSUPPORTED_EXTENSIONS = frozenset(
    """
    png jpg jpeg gif webp bmp tif tiff svg ico heic avif psd raw
    pdf doc docx xls xlsx ppt pptx odt ods odp rtf epub mobi
    zip tar tgz bz2 xz 7z rar zst lz4 jar war whl egg
    mp3 mp4 m4a m4v wav flac ogg oga ogv avi mov mkv webm wmv
    exe dll so dylib o a pyc pyo class bin dat iso img dmg deb rpm
    woff woff2 ttf otf eot
    db sqlite sqlite3 pickle pkl npy npz parquet feather
    css js map dtd lock
    """.split()
)
#: File names of collection paperwork, not articles (compared case-insensitively).
NON_ARTICLE_NAMES = frozenset(
    name.lower()
    for name in (
        "README", "README.md", "README.txt", "README.rst", "LICENSE", "LICENSE.txt",
        "LICENSE.md", "COPYING", "NOTICE", "SOURCE.md", "CHANGELOG.md", "Thumbs.db",
        "desktop.ini",
    )
)


@dataclass(frozen=True)
class FileEntry:
    """A file to read."""

    path: Path


@dataclass(frozen=True)
class Skipped:
    """A path passed over: ``reason`` is one of ``newsearch.ingest.SKIP_REASONS``."""

    path: Path
    reason: str
    message: str


def is_unsupported(name: str) -> bool:
    """True for names that are obviously not article files."""
    lowered = name.lower()
    if lowered in NON_ARTICLE_NAMES:
        return True
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    suffix = lowered.rsplit(".", 1)[-1] if "." in lowered else ""
    return suffix in UNSUPPORTED_EXTENSIONS


def iter_files(paths: Iterable[Path | str]) -> Iterator[FileEntry | Skipped]:
    """Every candidate file under ``paths`` (files as given, folders walked in sorted order)."""
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                yield Skipped(path, UNREADABLE, "broken symbolic link")
            else:
                yield Skipped(path, NOT_FOUND, "no such file or folder")
            continue
        except OSError as exc:
            reason = SYMLINK_LOOP if _is_loop_error(exc) else UNREADABLE
            yield Skipped(path, reason, exc.strerror or str(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, st, seen_dirs)
        else:
            yield FileEntry(path)


def _is_loop_error(exc: OSError) -> bool:
    import errno

    return exc.errno == errno.ELOOP


def _walk(
    folder: Path, st: os.stat_result, seen: set[tuple[int, int]]
) -> Iterator[FileEntry | Skipped]:
    key = (st.st_dev, st.st_ino)
    if key in seen:
        yield Skipped(folder, SYMLINK_LOOP, "folder already visited (symbolic link loop)")
        return
    seen.add(key)
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Skipped(folder, UNREADABLE, f"cannot list the folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
            is_file = not is_dir and entry.is_file(follow_symlinks=True)
        except OSError as exc:
            reason = SYMLINK_LOOP if _is_loop_error(exc) else UNREADABLE
            yield Skipped(path, reason, exc.strerror or str(exc))
            continue
        if is_dir:
            try:
                sub = os.stat(path)
            except OSError as exc:
                reason = SYMLINK_LOOP if _is_loop_error(exc) else UNREADABLE
                yield Skipped(path, reason, exc.strerror or str(exc))
                continue
            yield from _walk(path, sub, seen)
        elif is_file:
            if is_unsupported(entry.name):
                yield Skipped(path, UNSUPPORTED_TYPE, "not an article file (by its name)")
            else:
                yield FileEntry(path)
        elif entry.is_symlink():
            # A link to nothing, or to itself (ELOOP makes is_dir/is_file false).
            try:
                os.stat(path)
            except OSError as exc:
                if _is_loop_error(exc):
                    yield Skipped(path, SYMLINK_LOOP, "symbolic link loop")
                else:
                    yield Skipped(path, UNREADABLE, "broken symbolic link")
            else:
                yield Skipped(path, UNREADABLE, "not a regular file (a link to a named pipe, "
                                                "socket or device)")
        else:
            # A named pipe, socket or device: never opened (reading one can block forever),
            # but reported, since it has the name of an article file.
            yield Skipped(path, UNREADABLE, "not a regular file (named pipe, socket or device)")
