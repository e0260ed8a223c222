"""Format sniffing: which parser reads a file, decided from its content (part of the ingest stage).

The extension is only a tie-breaker: a JSON export saved as ``.txt`` is still JSON, and a text
file named ``.json`` that holds no JSON is read as text. Also here: gzip detection, binary
detection and decoding (UTF-8, then cp1252, then latin-1, recorded).
"""

from __future__ import annotations

import codecs
import re

GZIP_MAGIC = b"\x1f\x8b"

# Control bytes that never appear in text (tab, newline, form feed and carriage return do).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_SCRAPED_HEADER = re.compile(r"^\s*date \d{4}-\d{2}-\d{2}\b")
_AGE_LINE = re.compile(
    r"^\s*(?:updated\s+|posted\s+|published\s+)?(?:\d+|an?|one)\s+"
    r"(?:sec|second|min|minute|hr|hour|day|week|wk|month|mo|year|yr)s?\s+ago\s*$"
    r"|^\s*(?:yesterday|just now)\s*$",
    re.IGNORECASE,
)
_COMMENTS = re.compile(r"^Comments / \d+\s*$", re.MULTILINE)
_HTML_START = re.compile(
    r"^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html\b|<head\b|<body\b|<meta\b"
    r"|<title\b|<article\b)",
    re.IGNORECASE | re.DOTALL,
)
_REUTERS_START = re.compile(r"^(?:<!doctype\s+lewis\b|<reuters\b)", re.IGNORECASE)
# Markup and documents we do not read as articles: other XML (RSS, SVG...), RTF, PDF, PostScript.
_OTHER_MARKUP = re.compile(r"^(?:<\?xml\b|<rss\b|<feed\b|<svg\b|\{\\rtf|%PDF-|%!PS)", re.IGNORECASE)
_JSON_OBJECT = re.compile(r'^\{\s*(?:"|\})')
_JSON_ARRAY = re.compile(r'^\[\s*(?:\{|\]|"|-?\d|true\b|false\b|null\b|\[)')


def is_gzip(data: bytes) -> bool:
    return data[:2] == GZIP_MAGIC


def is_binary(data: bytes) -> bool:
    """NUL bytes, or many control bytes, in the first 8 KB (a UTF-16 BOM is text)."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # (one pass, not 29)
    return controls / len(head) > 0.05


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``: UTF-8 (BOM or not), UTF-16 with a BOM, else cp1252, else latin-1.

    Raises ``UnicodeDecodeError`` only for a UTF-16 BOM followed by invalid UTF-16.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_format(text: str, name: str = "") -> str:
    """The format of a decoded file: ``json``, ``reuters``, ``html``, ``scraped``, ``text``, or
    ``unknown`` for markup and documents that are not articles (RSS or other XML, RTF, PDF)."""
    head = text[:4096].lstrip("\ufeff \t\r\n")
    if _JSON_OBJECT.match(head) or _JSON_ARRAY.match(head):
        return "json"
    if _REUTERS_START.match(head):
        return "reuters"
    if _HTML_START.match(head):
        return "html"
    if _OTHER_MARKUP.match(head):
        return "unknown"
    if looks_scraped(text):
        return "scraped"
    lowered = name.lower()
    if lowered.endswith((".html", ".htm", ".xhtml")) and "<" in head[:200] and re.search(
        r"<(?:p|div|h1|title)\b", text[:20000], re.IGNORECASE
    ):
        return "html"
    if lowered.endswith((".sgm", ".sgml")) and "<REUTERS" in text[:20000]:
        return "reuters"
    return "text"


def looks_scraped(text: str) -> bool:
    """The scraped-page signature: the crawl header line, or a byline/age header with the page's
    boilerplate (``Comments / N``) further down."""
    lines = text[:20000].splitlines()
    if lines and _SCRAPED_HEADER.match(lines[0]):
        return True
    top = [line for line in lines[:20] if line.strip()][:12]
    has_age = any(_AGE_LINE.match(line.replace("\u00a0", " ")) for line in top)
    has_byline = any(line.startswith("By ") and len(line) < 100 for line in top)
    return has_age and (has_byline or bool(_COMMENTS.search(text)))
