"""Plain-text articles: title line, optional header lines, body (part of the ingest stage).

Layout (the BBC News files are the simplest case: title, blank line, paragraphs)::

    Title of the story
    Date: 2019-03-12            <- optional header lines, in any order, before the body
    By Lena Hartmann
    Source: Meridian Wire
    Section: Business

    First paragraph...

Header lines: ``Date:`` / ``Published:`` / ``Updated:`` or a line that is only a date
(date_source ``header``); ``By X`` / ``Author: X`` (authors, split on "and" and commas);
``Source:`` / ``Publisher:`` (publisher); ``Section:`` / ``Category:``; ``Tags:`` / ``Keywords:``;
``URL:`` or a bare URL; ``People:`` / ``Places:`` / ``Organisations:`` (the file's own
annotations). Without a header date, a dateline at the very start of the body
(``LONDON, March 3, 2022 -``) gives date_source ``body``.
"""

from __future__ import annotations

import re

from newsearch.article import Article
from newsearch.dates import parse_date, to_iso
from newsearch.ingest.base import (
    NO_BODY,
    NO_TITLE,
    IngestError,
    ParseContext,
    clean_paragraphs,
    one_line,
    paragraphs_from_lines,
    split_authors,
    split_list,
)

MAX_TITLE_CHARS = 300
MAX_HEADER_LINES = 12

_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,24}?)\s*:\s*(.*\S)\s*$")
_FIELD_NAMES = {
    "date": "date", "published": "date", "published on": "date", "publication date": "date",
    "posted": "date", "posted on": "date", "updated": "date", "dateline": "date",
    "first published": "date", "pubdate": "date",
    "by": "authors", "author": "authors", "authors": "authors", "byline": "authors",
    "writer": "authors", "reporter": "authors",
    "source": "publisher", "publisher": "publisher", "publication": "publisher",
    "site": "publisher", "site name": "publisher", "outlet": "publisher",
    "section": "section", "category": "section", "desk": "section",
    "tags": "tags", "keywords": "tags", "topics": "tags", "hashtags": "tags",
    "url": "url", "link": "url", "source url": "url",
    "people": "people", "persons": "people", "places": "places", "locations": "places",
    "organisations": "orgs", "organizations": "orgs", "orgs": "orgs", "companies": "orgs",
    "title": "title", "headline": "title",
}
_BYLINE = re.compile(r"^\s*by\s+([^\W\d][^.!?]{1,100})$", re.IGNORECASE)
_URL = re.compile(r"^\s*(https?://\S+)\s*$")
_MONTH = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_BODY_DATELINE = re.compile(
    r"^[A-Z][A-Za-z .'\-]{1,40},\s*((?:" + _MONTH + r"\s+\d{1,2},?\s+\d{4})|(?:\d{1,2}\s+" + _MONTH
    + r",?\s+\d{4}))\s*(?:\(|-|–|—|:)",
    re.IGNORECASE,
)


def parse(text: str, ctx: ParseContext) -> list[Article]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index == len(lines):
        raise IngestError(NO_BODY, "no text in the file")
    title = re.sub(r"^#{1,6}\s+", "", one_line(lines[index]))  # a Markdown heading
    field = _FIELD.match(title)
    if field and _FIELD_NAMES.get(field.group(1).strip().lower()) == "title":
        title = field.group(2).strip()
    elif field and _FIELD_NAMES.get(" ".join(field.group(1).lower().split())):
        # "Date: ...", "Source: ..." first: header lines without a title line above them.
        raise IngestError(NO_TITLE, f"no title line: the file starts with the header line "
                                    f"{title[:60]!r}")
    index += 1
    fields: dict[str, list[str]] = {}
    seen_header = 0
    while index < len(lines) and seen_header < MAX_HEADER_LINES:
        line = lines[index].strip()
        if not line:
            index += 1
            continue
        kind, value = _header(line, ctx)
        if kind is None:
            break
        fields.setdefault(kind, []).append(value)
        seen_header += 1
        index += 1
    paragraphs = paragraphs_from_lines(lines[index:])
    body = clean_paragraphs(paragraphs)
    if len(title) > MAX_TITLE_CHARS:
        raise IngestError(
            NO_TITLE, f"the first line is {len(title)} characters long: not a title line"
        )
    if not title:
        raise IngestError(NO_TITLE, "no title line")
    if not body:
        raise IngestError(NO_BODY, "a title but no article text")
    published, date_source = None, "none"
    for candidate in fields.get("date", []):
        published, date_source = ctx.date(candidate, "header")
        if published:
            break
    if published is None and "date" not in fields:
        match = _BODY_DATELINE.match(body)
        if match:
            value = parse_date(match.group(1), date_order=ctx.date_order)
            if value is not None:
                published, date_source = to_iso(value), "body"
    authors: list[str] = []
    for value in fields.get("authors", []):
        authors.extend(split_authors(value))
    return [
        ctx.article(
            "text",
            0,
            title=title,
            body=body,
            authors=authors,
            publisher=(fields.get("publisher") or [""])[0],
            section=(fields.get("section") or [""])[0],
            url=(fields.get("url") or [""])[0],
            published=published,
            date_source=date_source,
            tags=[t for value in fields.get("tags", []) for t in split_list(value)],
            people=[t for value in fields.get("people", []) for t in split_list(value)],
            places=[t for value in fields.get("places", []) for t in split_list(value)],
            orgs=[t for value in fields.get("orgs", []) for t in split_list(value)],
        )
    ]


def _header(line: str, ctx: ParseContext) -> tuple[str | None, str]:
    """``(kind, value)`` when ``line`` is a header line, ``(None, "")`` when the body starts."""
    if len(line) > 160:
        return None, ""
    field = _FIELD.match(line)
    if field:
        kind = _FIELD_NAMES.get(" ".join(field.group(1).lower().split()))
        if kind and kind != "title":
            return kind, field.group(2).strip()
    byline = _BYLINE.match(line)
    if byline:
        return "authors", byline.group(1)
    url = _URL.match(line)
    if url:
        return "url", url.group(1)
    if len(line) <= 60 and parse_date(line, date_order=ctx.date_order) is not None:
        return "date", line
    return None, ""
