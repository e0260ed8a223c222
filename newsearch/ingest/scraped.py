"""Scraped news pages, boilerplate and all (part of the ingest stage).

The layout of ``../shared/seeds/*.txt``, line by line::

     date 2022-08-18 ContributorsPublishersAdvertisers     <- crawl date (``crawled``)
    World                                                  <- section
    Allies, Pals or Foes? ...                              <- title
    By James Bickerton                                     <- authors (optional)
    Newsweek                                               <- publisher (often repeated)
    Newsweek
     5 days ago                                            <- age, or an absolute date
    <body paragraphs, with image URL lines>
    Comments / 0                                           <- end of the article
    Related / teasers of other outlets (outlet, title, text, SECTION)
    RELATED PEOPLE / Person / name ...                     <- the page's own annotations
    IN THIS ARTICLE / #Tag#Tag...                          <- hashtags -> tags
    YOU MAY ALSO LIKE / Place / "Beijing, CN" / Country / "China" ...
    <publisher profile: name, city, follower counts, ABOUT, blurb, URL, Community Policy>

Only the article's own paragraphs become the body: image URL lines, comment counters, teasers of
other stories, the annotation blocks and the publisher profile are dropped, so a word used only
in a teaser never makes this article match. "Person" lines give ``people``, "Place" and
"Country" lines give ``places`` ("Beijing, CN" -> "Beijing"), "Organization" lines ``orgs``,
hashtags ``tags``. A relative age is resolved against the crawl date (date_source ``relative``);
an absolute date is date_source ``header``.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from newsearch.article import Article
from newsearch.dates import parse_date, parse_relative, to_iso
from newsearch.ingest.base import (
    NO_BODY,
    NO_TITLE,
    IngestError,
    ParseContext,
    clean_paragraphs,
    one_line,
    paragraphs_from_lines,
    split_authors,
)

_CRAWL = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b")
_BYLINE = re.compile(r"^by\s+(.{2,120})$", re.IGNORECASE)
_END = re.compile(
    r"^(?:comments\s*/\s*\d+|comments|related|related (?:stories|articles|people)|"
    r"in this article|you may also like|community policy|more from .{1,40})$",
    re.IGNORECASE,
)
_DROP = re.compile(r"^(?:https?://\S+|www\.\S+|advertisement|ad|sponsored|image|photo)$",
                   re.IGNORECASE)
_CAPS_SECTION = re.compile(r"^[A-Z][A-Z0-9 &/'.\-]{1,30}$")
_COUNTRY_CODE = re.compile(r",\s*[A-Z]{2}$")
_ANNOTATIONS = {
    "person": "people", "people": "people",
    "place": "places", "country": "places", "city": "places", "state": "places",
    "location": "places",
    "organization": "orgs", "organisation": "orgs", "company": "orgs",
}
MAX_HEADER_LINES = 12
#: An absolute date, plausible or not ("Feb 30, 2022", "31/02/22"): an age line.
_DATE_LIKE = re.compile(
    r"^(?:updated|published|posted)?\s*[A-Za-z]{3,9}\.? \d{1,2}, \d{4}$"
    r"|^\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}$",
    re.IGNORECASE,
)


def parse(text: str, ctx: ParseContext) -> list[Article]:
    lines = [one_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    start = 0
    crawled: date | None = None
    while start < len(lines) and not lines[start]:
        start += 1
    if start < len(lines):
        match = _CRAWL.match(lines[start])
        if match:
            value = parse_date(match.group(1))
            crawled = value if isinstance(value, date) else None
            start += 1

    header, body_start, age = _header(lines, start, crawled, ctx)
    section, title, authors, publisher = _read_header(header)
    if not title:
        raise IngestError(NO_TITLE, "no title line found in the page header")

    body_end = len(lines)
    for i in range(body_start, len(lines)):
        if _END.match(lines[i]):
            body_end = i
            break
    # A teaser or the publisher profile before the first marker (or without any) ends it too.
    body_end = _teaser_cut(lines, body_start, body_end)
    body_lines = ["" if _DROP.match(line) else line for line in lines[body_start:body_end]]
    body = clean_paragraphs(paragraphs_from_lines(body_lines))
    if not body:
        raise IngestError(NO_BODY, "the page has a title but no article text")

    people, places, orgs, tags = _annotations(lines[body_end:])
    published, date_source = _date(age, crawled, ctx)
    return [
        ctx.article(
            "scraped",
            0,
            title=title,
            body=body,
            authors=authors,
            publisher=publisher,
            section=section,
            published=published,
            date_source=date_source,
            crawled=to_iso(crawled) if crawled else None,
            tags=tags,
            people=people,
            places=places,
            orgs=orgs,
        )
    ]


def _is_age(line: str, crawled: date | None, ctx: ParseContext) -> bool:
    if not line or len(line) > 60:
        return False
    if parse_relative(line) is not None:
        return True
    reference = datetime(crawled.year, crawled.month, crawled.day) if crawled else None
    if parse_date(line, date_order=ctx.date_order, reference=reference) is not None:
        return True
    # An absolute date that is not plausible (impossible, or after the crawl) is still the age
    # line: it ends the header, and the article is undated.
    return bool(_DATE_LIKE.match(line))


def _header(
    lines: list[str], start: int, crawled: date | None, ctx: ParseContext
) -> tuple[list[str], int, str | None]:
    """The header lines (section, title, byline, publisher), where the body starts, the age."""
    header: list[str] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if not line:
            continue
        if _is_age(line, crawled, ctx):
            return header, i + 1, line
        if len(line) > 200 or len(header) >= MAX_HEADER_LINES or _END.match(line):
            break
        header.append(line)
    # No age line: the header ends before the first paragraph-like line.
    header = []
    for i in range(start, len(lines)):
        line = lines[i]
        if not line:
            continue
        if len(line) > 120 or len(header) >= 6:
            return header, i, None
        header.append(line)
    return header, len(lines), None


def _read_header(header: list[str]) -> tuple[str, str, list[str], str]:
    """``(section, title, authors, publisher)`` from the header lines."""
    byline = next((i for i, line in enumerate(header) if _BYLINE.match(line)), None)
    publisher = ""
    authors: list[str] = []
    if byline is not None:
        before = header[:byline]
        authors = split_authors(_BYLINE.match(header[byline]).group(1))  # type: ignore[union-attr]
        after = header[byline + 1:]
        publisher = after[0] if after else ""
    else:
        before = list(header)
        if len(before) >= 2 and before[-1] == before[-2]:
            publisher = before[-1]
            while before and before[-1] == publisher:
                before.pop()
        elif len(before) >= 3 or (len(before) == 2 and len(before[0]) > len(before[1])):
            publisher = before.pop()  # [section,] title, publisher
    if not before:
        return "", "", authors, publisher
    title = max(before, key=len)
    section = before[0] if before[0] != title and len(before[0]) <= 40 else ""
    return section, title, authors, publisher


def _teaser_cut(lines: list[str], start: int, end: int) -> int:
    """Without an end marker: cut before the first teaser (outlet, title, text, SECTION) or the
    publisher profile (a line "ABOUT" or "Followers")."""
    for i in range(start, end):
        line = lines[i]
        if line in ("ABOUT", "Followers"):
            return max(start, i - 8) if line == "Followers" else i
        if (_CAPS_SECTION.match(line) and sum(ch.isalpha() for ch in line) >= 3
                and i - 5 >= start and lines[i - 1] and len(lines[i - 1]) > 40
                and not lines[i - 2] and lines[i - 3] and not lines[i - 4] and lines[i - 5]):
            return i - 5
    return end


def _annotations(tail: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    found: dict[str, list[str]] = {"people": [], "places": [], "orgs": []}
    tags: list[str] = []
    for i, line in enumerate(tail):
        kind = _ANNOTATIONS.get(line.lower())
        if kind and i + 1 < len(tail) and tail[i + 1] and len(tail[i + 1]) <= 80:
            value = tail[i + 1]
            if kind == "places":
                value = _COUNTRY_CODE.sub("", value)
            found[kind].append(value)
        elif line.startswith("#") and len(line) > 1:
            tags.extend(tag.strip() for tag in line.split("#") if tag.strip())
    return found["people"], found["places"], found["orgs"], tags


def _date(age: str | None, crawled: date | None, ctx: ParseContext) -> tuple[str | None, str]:
    if not age:
        return None, "none"
    relative = parse_relative(age)
    if relative is not None:
        if crawled is None:
            ctx.warn(f"relative age {age!r} but no crawl date: article undated")
            return None, "none"
        reference = datetime(crawled.year, crawled.month, crawled.day)
        if relative.sub_day:
            # The crawl date has no time of day: an age in hours is the crawl day itself.
            return to_iso(crawled), "relative"
        return to_iso(relative.resolve(reference).date()), "relative"
    reference = datetime(crawled.year, crawled.month, crawled.day, 23, 59) if crawled else None
    return ctx.date(age, "header", reference=reference)
