"""What the ingest parsers share: the error and its reasons, the parse context, text helpers.

Part of the ingest stage. ``newsearch.ingest`` re-exports :class:`IngestError` and the reason
constants; the format modules (``scraped``, ``plaintext``, ``jsonfmt``, ``htmlpage``,
``reuters``) build :class:`~newsearch.article.Article` objects with the helpers here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from newsearch.article import Article, Memo, _squeeze, dedupe_values
from newsearch.dates import parse_date, to_iso

log = logging.getLogger("newsearch.ingest")

# Reasons a whole file is skipped (IngestError.reason) or passed over by the walker.
TOO_LARGE = "too-large"
EMPTY = "empty"
BINARY = "binary"
UNKNOWN_FORMAT = "unknown-format"
NO_TITLE = "no-title"
NO_BODY = "no-body"
UNDECODABLE = "undecodable"
UNREADABLE = "unreadable"
VANISHED = "vanished"
PARSE_ERROR = "parse-error"
SYMLINK_LOOP = "symlink-loop"
UNSUPPORTED_TYPE = "unsupported-type"
NOT_FOUND = "not-found"

#: Every skip reason, machine string -> human label (summaries print the labels).
SKIP_REASONS: dict[str, str] = {
    TOO_LARGE: "file larger than the size limit",
    EMPTY: "empty file",
    BINARY: "binary file, not text",
    UNKNOWN_FORMAT: "format not recognised",
    NO_TITLE: "no title found",
    NO_BODY: "no article text found",
    UNDECODABLE: "text encoding could not be decoded",
    UNREADABLE: "could not be read (permissions or I/O error)",
    VANISHED: "file disappeared before it was read",
    PARSE_ERROR: "malformed content",
    SYMLINK_LOOP: "symbolic link loop",
    UNSUPPORTED_TYPE: "not an article file (image, PDF, archive...)",
    NOT_FOUND: "path does not exist",
}


class IngestError(Exception):
    """A file yields no usable article; ``reason`` is one of :data:`SKIP_REASONS`."""

    def __init__(self, reason: str, message: str, path: str | None = None) -> None:
        if reason not in SKIP_REASONS:
            raise ValueError(f"unknown ingest skip reason {reason!r}")
        self.reason = reason
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def __reduce__(self) -> tuple[type[IngestError], tuple[str, str, str | None]]:
        # picklable across worker processes
        return (type(self), (self.reason, self.message, self.path))


@dataclass
class ParseContext:
    """What a format parser knows about the file besides its text."""

    path: str
    date_order: str = "mdy"
    name: str = ""
    """The file name (without a ``.gz`` suffix), for messages and extension hints."""
    warnings: list[str] = field(default_factory=list)
    """Per-article problems that did not stop the file (bad JSON line, impossible date...)."""

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        log.info("%s: %s", self.path, message)

    def article(
        self, fmt: str, position: int, *, lists_clean: bool = False, lines_clean: bool = False,
        **fields: object,
    ) -> Article:
        """An Article of this file, with list fields cleaned and duplicates dropped.

        ``lists_clean``: the list fields come from :func:`split_list` and
        :func:`split_authors`, which clean and deduplicate (a second time changes nothing).
        ``lines_clean``: the title, publisher, section and url are strings that
        :func:`one_line` made (a second time changes nothing)."""
        for key in () if lists_clean else ("authors", "tags", "people", "places", "orgs"):
            if key in fields:
                fields[key] = dedupe_values([v for v in fields[key] if v])  # type: ignore[union-attr]
        for key in () if lines_clean else ("title", "publisher", "section", "url"):
            if key in fields:
                fields[key] = one_line(str(fields[key] or ""))
        return Article(path=self.path, format=fmt, position=position, **fields)  # type: ignore[arg-type]

    def date(
        self, text: str | None, source: str, reference: datetime | None = None
    ) -> tuple[str | None, str]:
        """``(published, date_source)`` for a date string; ``(None, "none")`` when unusable."""
        if not text or not str(text).strip():
            return None, "none"
        value = parse_date(str(text), date_order=self.date_order, reference=reference)
        if value is None:
            self.warn(f"date {str(text).strip()[:60]!r} is not a usable date: article undated")
            return None, "none"
        return to_iso(value), source


_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces."""
    if text.isprintable():
        return _squeeze(text, printable=True)  # no control character for _CONTROL to replace
    return " ".join(_CONTROL.sub(" ", text).split())


def clean_paragraphs(paragraphs: list[str]) -> str:
    """Join paragraphs with a blank line, each collapsed to one line, empty ones dropped."""
    out = [one_line(p) for p in paragraphs]
    return "\n\n".join(p for p in out if p)


def paragraphs_from_lines(lines: list[str]) -> list[str]:
    """Group lines into paragraphs at blank lines."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


#: One or more blank (empty or white-space) lines, with the line break before them.
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")


def clean_text(text: str) -> str:
    """Normalise a body: control characters out, paragraphs separated by one blank line."""
    return "\n\n".join(_clean_text_paragraphs(text))


#: The ASCII characters that are not printable, but the line break.
_ASCII_CONTROL = bytes(range(10)) + bytes(range(11, 32)) + b"\x7f"


def _printable_lines(text: str) -> bool:
    """``text.replace("\\n", "").isprintable()``: for an ASCII text (its only unprintable
    characters are the control bytes) a C pass over its bytes, much faster than a copy and the
    per-character test."""
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_CONTROL)) == len(data)
    return text.replace("\n", "").isprintable()


def _clean_text_paragraphs(text: str) -> list[str]:
    """The paragraphs of :func:`clean_text` (each non-empty, its words joined by single
    spaces)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    printable = _printable_lines(text)  # (a printable text has no control character)
    if not printable:
        text = _CONTROL.sub("", text)
    # = clean_paragraphs(paragraphs_from_lines(text.split("\n"))), in one pass: with the
    # control characters gone one_line is " ".join(p.split()), and a paragraph (lines up to a
    # blank line) joined and split again is the words of its lines
    out = [_squeeze(chunk, printable) for chunk in _BLANK_LINES.split(text)]
    return [p for p in out if p]


_BY = re.compile(r"^by\s+", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"[,;|]")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\|)\s*", re.IGNORECASE)
_AUTHOR_SUFFIX = re.compile(
    r"\s*(?:,\s*)?\b(?:staff writer|staff reporter|correspondent|reporter|editor)s?\b.*$",
    re.IGNORECASE,
)


_JOB_WORDS = frozenset(
    "writer reporter correspondent editor contributor columnist analyst producer journalist "
    "staff desk team newsroom senior chief deputy associate contributing special political "
    "foreign business sport sports science tech technology economic economics world news "
    "health investigative".split()
)


def split_authors(value: object) -> list[str]:
    """Authors from a string (``"By A and B"``, ``"A, B"``) or a list (of strings or dicts)."""
    if type(value) is list and len(value) == 1 and type(value[0]) is str and len(value[0]) <= 300:
        return list(_authors_in[value[0]])  # (one byline: deduplicated; 0.57 -> 0.20 us)
    if value is None:
        return []
    if isinstance(value, dict):
        value = value.get("name") or value.get("full_name") or ""
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:  # (a short string: the last step below, without the call)
            out.extend(_authors_in[item] if type(item) is str and len(item) <= 300
                       else split_authors(item))
        return dedupe_values(out)
    text = str(value)
    return list(_authors_in[text] if len(text) <= 300 else _authors_of(text))


def _authors_of(value: str) -> tuple[str, ...]:
    """The authors of one byline string."""
    text = _BY.sub("", one_line(value))
    names = []
    for part in _AUTHOR_SPLIT.split(text):
        words = part.lower().strip(" .-").split()
        if words and all(w in _JOB_WORDS or w.rstrip("s") in _JOB_WORDS for w in words):
            continue  # "Senior Writer", "Political Editor": a job title, not a name
        part = _AUTHOR_SUFFIX.sub("", part).strip(" .-")
        if part and len(part) <= 80 and any(ch.isalpha() for ch in part):
            names.append(part)
    return tuple(dedupe_values(names))


def split_list(value: object) -> list[str]:
    """Tags and similar from a list, or from a string separated by commas or semicolons."""
    if type(value) is list and len(value) == 1 and type(value[0]) is str and len(value[0]) <= 300:
        return list(_list_in[value[0]])  # (one string: its values are deduplicated)
    if value is None:
        return []
    if isinstance(value, dict):
        value = value.get("name") or value.get("label") or value.get("value") or ""
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:  # (a short string: the last step below, without the call)
            out.extend(_list_in[item] if type(item) is str and len(item) <= 300
                       else split_list(item))
        return dedupe_values(out)
    text = str(value)
    return list(_list_in[text] if len(text) <= 300 else _list_of(text))


def _list_of(value: str) -> tuple[str, ...]:
    """The values of one string of :func:`split_list`."""
    return tuple(dedupe_values([one_line(p) for p in _LIST_SPLIT.split(value) if p.strip()]))


_list_in = Memo(_list_of, 20_000)
"""``_list_of``, cached: tags and names repeat from article to article."""
_authors_in = Memo(_authors_of, 20_000)
"""``_authors_of``, cached: bylines repeat from article to article."""


def derive_title(body: str, max_chars: int = 100) -> str:
    """A title for an article without one: its first sentence, cut at a word under max_chars."""
    text = one_line(body)
    if not text:
        return ""
    match = re.match(r"(.+?[.!?])(?:\s|$)", text)
    sentence = match.group(1) if match and len(match.group(1)) <= max_chars else text
    if len(sentence) <= max_chars:
        return sentence
    cut = sentence[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-") + "…"


def day_of(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
