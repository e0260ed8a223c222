"""Reuters-21578 SGML: one article per ``<REUTERS>`` element (part of the ingest stage).

The files are SGML, not XML (no root element, bare ``>``, numeric references to control
characters), so they are read with regular expressions, one story at a time:

- ``<DATE>`` -> ``published`` (``26-FEB-1987 15:01:01.79`` -> ``1987-02-26T15:01:01``), with
  date_source ``metadata``: the date is the wire's own metadata. Trailing junk after the time
  (``&#9;&#9;F``, ``RM``) is ignored; an impossible time (``605:12:19``) keeps the day only.
- ``<TITLE>`` -> title; a story without one (``TYPE="UNPROC"``) takes its first line, and one
  with neither gets its first sentence.
- ``<DATELINE>`` (``SALVADOR, Feb 26 -``) starts the body, as on the wire.
- ``<BODY>`` -> body, without the closing ``Reuter &#3;``; ``&lt;Texaco Inc>`` becomes
  ``Texaco Inc``; control characters are dropped; wrapped lines are joined into paragraphs.
  ``TYPE="BRIEF"`` stories have only a title (their "Blah blah blah." filler is dropped) and
  are kept as title-only articles.
- ``TOPICS``, ``PLACES``, ``PEOPLE``, ``ORGS``, ``EXCHANGES`` values -> ``tags`` (the
  collection's own categories, not extracted entities). Publisher: ``Reuters``, unless the story
  has a ``<SOURCE>`` element (not in the original collection: the fictional wire stories of
  ``samples/`` use it so they are not attributed to Reuters).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime

from newsearch.article import Article
from newsearch.dates import to_iso
from newsearch.ingest.base import (
    NO_BODY,
    PARSE_ERROR,
    IngestError,
    ParseContext,
    clean_paragraphs,
    derive_title,
    one_line,
)

_STORY = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.DOTALL | re.IGNORECASE)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_FIELD = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.DOTALL | re.IGNORECASE)
    for name in ("DATE", "TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES", "TITLE", "DATELINE",
                 "BODY", "SOURCE")
}
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT>", re.DOTALL | re.IGNORECASE)
_D = re.compile(r"<D>(.*?)</D>", re.DOTALL | re.IGNORECASE)
_DATE = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,3}):(\d{2}):(\d{2})(?:\.\d+)?", re.IGNORECASE
)
_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
_COMPANY = re.compile(r"&lt;([^&<>\n]{1,120}?)>")
_REUTER_END = re.compile(r"\s*\bReuter(?:s)?\b\s*(?:&#3;)?\s*$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
TAG_FIELDS = ("TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES")


def parse(text: str, ctx: ParseContext) -> list[Article]:
    stories = list(_STORY.finditer(text))
    if not stories:
        raise IngestError(PARSE_ERROR, "no <REUTERS> story in the SGML file")
    articles: list[Article] = []
    for position, match in enumerate(stories):
        article = _story(match.group(1), match.group(2), position, ctx)
        if article is not None:
            articles.append(article)
    if not articles:
        raise IngestError(NO_BODY, f"none of the {len(stories)} stories has a title or text")
    return articles


def _unescape(raw: str) -> str:
    text = _COMPANY.sub(r"\1", raw)
    text = html.unescape(text)
    return _CONTROL.sub("", text)


def _date(raw: str, ctx: ParseContext) -> tuple[str | None, str]:
    match = _DATE.search(_unescape(raw))
    if not match:
        if raw.strip():
            ctx.warn(f"Reuters date {raw.strip()[:40]!r} not understood: story undated")
        return None, "none"
    day, month, year, hour, minute, second = match.groups()
    month_number = _MONTHS.get(month.upper())
    if month_number is None:
        return None, "none"
    try:
        day_value = date(int(year), month_number, int(day))
    except ValueError:
        ctx.warn(f"Reuters date {raw.strip()[:40]!r} is impossible: story undated")
        return None, "none"
    try:
        stamp = datetime(day_value.year, day_value.month, day_value.day, int(hour), int(minute),
                         int(second))
    except ValueError:
        return to_iso(day_value), "metadata"  # a bad time keeps the day
    return to_iso(stamp), "metadata"


def _paragraphs(raw: str, keep_lines: bool = False) -> str:
    """Wire copy: paragraphs start on an indented line; wrapped lines are joined."""
    lines = raw.replace("\r\n", "\n").split("\n")
    if keep_lines:  # tables of UNPROC stories: one line each
        return "\n".join(line.rstrip() for line in lines if line.strip()).strip("\n")
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() or (line.startswith((" ", "\t")) and current):
            if current:
                paragraphs.append(" ".join(current))
            current = []
        if line.strip():
            current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    return clean_paragraphs(paragraphs)


def _story(attrs: str, inner: str, position: int, ctx: ParseContext) -> Article | None:
    attributes = dict(_ATTR.findall(attrs))
    newid = attributes.get("NEWID", "")
    tags: list[str] = []
    for name in TAG_FIELDS:
        field = _FIELD[name].search(inner)
        if field:
            tags.extend(one_line(_unescape(v)) for v in _D.findall(field.group(1)))
    source = _FIELD["SOURCE"].search(inner)
    date_match = _FIELD["DATE"].search(inner)
    published, date_source = _date(date_match.group(1), ctx) if date_match else (None, "none")

    text_match = _TEXT.search(inner)
    text_attrs, text = (text_match.group(1), text_match.group(2)) if text_match else ("", "")
    kind = (dict(_ATTR.findall(text_attrs)).get("TYPE") or "NORM").upper()
    title_match = _FIELD["TITLE"].search(text)
    title = one_line(_unescape(title_match.group(1))) if title_match else ""
    body_match = _FIELD["BODY"].search(text)
    dateline_match = _FIELD["DATELINE"].search(text)
    dateline = one_line(_unescape(dateline_match.group(1))) if dateline_match else ""
    if body_match:
        raw_body = _REUTER_END.sub("", body_match.group(1))
        body = _paragraphs(_unescape(raw_body))
    elif kind == "UNPROC" or not title_match:
        raw = _REUTER_END.sub("", _TAG.sub("", text))
        lines = [line for line in _unescape(raw).split("\n") if line.strip()]
        if not title and lines:
            title = one_line(lines.pop(0))
        body = _paragraphs("\n".join(lines), keep_lines=True)
    else:
        body = ""  # BRIEF: title only ("Blah blah blah." is filler)
    if body and dateline:
        body = f"{dateline.rstrip(' -')} - {body}"
    if not title and body:
        title = derive_title(body)
    if not title and not body:
        ctx.warn(f"story {position} (NEWID {newid or '?'}): no title and no text, skipped")
        return None
    return ctx.article(
        "reuters",
        position,
        title=title,
        body=body,
        publisher=one_line(_unescape(source.group(1))) if source else "Reuters",
        published=published,
        date_source=date_source,
        tags=tags,
    )
