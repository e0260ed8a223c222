"""The ingest stage: article files -> :class:`~newsearch.article.Article` objects.

``read_articles(path)`` reads one file (gzip-compressed or not), sniffs its format from the
content (:mod:`newsearch.ingest.sniff`), hands the text to one parser per format and returns the
articles in file order. A file that yields nothing usable raises :class:`IngestError` with a
machine ``reason`` (see :data:`SKIP_REASONS`); a bad record inside a many-article file (one broken
JSON line, one story without text) skips that record only and is noted in ``warnings``.

Walking folders (which files, hidden files, symlink loops) is :mod:`newsearch.ingest.walk`;
dates are :mod:`newsearch.dates`. The formats are described in ``docs/formats.md``.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsearch.article import Article
from newsearch.ingest import htmlpage, jsonfmt, plaintext, reuters, scraped
from newsearch.ingest.base import (
    BINARY,
    EMPTY,
    NO_BODY,
    NO_TITLE,
    NOT_FOUND,
    PARSE_ERROR,
    SKIP_REASONS,
    SYMLINK_LOOP,
    TOO_LARGE,
    UNDECODABLE,
    UNKNOWN_FORMAT,
    UNREADABLE,
    UNSUPPORTED_TYPE,
    VANISHED,
    IngestError,
    ParseContext,
)
from newsearch.ingest.sniff import decode, is_binary, is_gzip, sniff_format

__all__ = [
    "BINARY", "EMPTY", "NO_BODY", "NO_TITLE", "NOT_FOUND", "PARSE_ERROR", "SKIP_REASONS",
    "SYMLINK_LOOP", "TOO_LARGE", "UNDECODABLE", "UNKNOWN_FORMAT", "UNREADABLE",
    "UNSUPPORTED_TYPE", "VANISHED", "DEFAULT_MAX_BYTES", "PARSERS", "IngestError", "IngestResult",
    "read_articles", "read_file",
]

DEFAULT_MAX_BYTES = 50 * 2**20

#: One parser per format: ``parse(text, ctx) -> list[Article]``.
PARSERS: dict[str, Callable[[str, ParseContext], list[Article]]] = {
    "scraped": scraped.parse,
    "text": plaintext.parse,
    "json": jsonfmt.parse,
    "html": htmlpage.parse,
    "reuters": reuters.parse,
}


@dataclass
class IngestResult:
    """Everything read from one file: its articles and how they were read."""

    path: str
    format: str
    articles: list[Article]
    encoding: str
    compressed: bool = False
    file_signature: str = ""
    warnings: list[str] = field(default_factory=list)


def _os_error(exc: OSError, path: str) -> IngestError:
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        return IngestError(VANISHED, "the file disappeared before it was read", path)
    if isinstance(exc, IsADirectoryError):
        return IngestError(UNREADABLE, "is a directory, not a file", path)
    reason = exc.strerror or exc.__class__.__name__
    return IngestError(UNREADABLE, f"cannot read the file: {reason}", path)


def _gunzip(data: bytes, max_bytes: int, path: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(PARSE_ERROR, f"corrupt gzip data: {exc}", path) from None
    if len(out) > max_bytes:
        raise IngestError(
            TOO_LARGE, f"decompresses to more than the limit of {max_bytes:,} bytes", path
        )
    return out


def read_file(
    path: Path | str, *, date_order: str = "mdy", max_bytes: int = DEFAULT_MAX_BYTES
) -> IngestResult:
    """Read one article file; see :func:`read_articles`. Also returns format, encoding, warnings."""
    path = Path(path)
    shown = str(path.absolute())
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _os_error(exc, shown) from None
    if not stat.S_ISREG(st.st_mode):  # (os.path.isfile would stat the file again)
        raise IngestError(UNREADABLE, "not a regular file", shown)
    if st.st_size > max_bytes:
        raise IngestError(
            TOO_LARGE, f"{st.st_size:,} bytes is more than the limit of {max_bytes:,}", shown
        )
    if st.st_size == 0:
        raise IngestError(EMPTY, "the file is empty", shown)
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _os_error(exc, shown) from None
    if len(data) > max_bytes:  # grew after the stat
        raise IngestError(TOO_LARGE, f"more than the limit of {max_bytes:,} bytes", shown)
    name = path.name
    compressed = False
    for _ in range(2):  # a .gz, or (rarely) a .gz inside a .gz
        if not is_gzip(data):
            break
        data = _gunzip(data, max_bytes, shown)
        compressed = True
        if name.lower().endswith(".gz"):
            name = name[:-3]
    if not data or data.isspace():  # (= not data.strip(), without a copy of the file)
        raise IngestError(EMPTY, "the file holds only white space", shown)
    if is_gzip(data) or is_binary(data):
        raise IngestError(BINARY, "binary content (NUL or control bytes), not text", shown)
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:
        raise IngestError(UNDECODABLE, f"cannot decode the text: {exc.reason}", shown) from None
    fmt = sniff_format(text, name)
    if fmt not in PARSERS:
        raise IngestError(
            UNKNOWN_FORMAT, "not an article format we read (XML, RTF, PDF or similar)", shown
        )
    ctx = ParseContext(path=shown, date_order=date_order, name=name)
    if encoding not in ("utf-8", "utf-8-sig"):
        ctx.warn(f"not valid UTF-8: decoded as {encoding}")
    try:
        articles = PARSERS[fmt](text, ctx)
    except IngestError as exc:
        if exc.path is None:
            raise IngestError(exc.reason, exc.message, shown) from None
        raise
    except RecursionError:
        raise IngestError(PARSE_ERROR, "content nested too deeply to parse", shown) from None
    if not articles:
        raise IngestError(NO_BODY, "no article with any text", shown)
    signature = f"{st.st_size}:{st.st_mtime_ns}"
    for article in articles:
        article.file_signature = signature
    return IngestResult(
        path=shown,
        format=fmt,
        articles=articles,
        encoding=encoding,
        compressed=compressed,
        file_signature=signature,
        warnings=ctx.warnings,
    )


def read_articles(
    path: Path | str, *, date_order: str = "mdy", max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Article]:
    """The articles of one file, in file order (``position`` = index of the record in the file).

    Sniffs the format from the content (``.gz`` of any format too, decompressed up to
    ``max_bytes``), sets ``path`` (absolute, symlinks not resolved), ``format`` and
    ``file_signature`` (``"size:mtime_ns"``). Raises :class:`IngestError` when the file yields no
    usable article; ``error.reason`` is one of :data:`SKIP_REASONS`.
    """
    return read_file(path, date_order=date_order, max_bytes=max_bytes).articles
