"""JSON and JSON Lines exports of news scrapers (part of the ingest stage).

Accepted shapes: one article object; an array of article objects; an object holding the array
under ``articles`` (or ``items``, ``data``, ``results``, ``documents``, ``docs``, ``stories``,
``entries``, ``posts``); JSON Lines, one article object per line. Field names are matched without
regard to case, first match wins:

=========  ================================================================================
field      JSON keys
=========  ================================================================================
title      title, headline, name
body       maintext, text, body, content, article, article_text, full_text, description,
           summary
published  date_publish, published, published_at, publishedAt, pubDate, date, datetime,
           created_at, date_published, datePublished, time (date_source ``metadata``)
authors    authors, author, byline, creator, by (list, string "A and B" / "A, B", or objects
           with a ``name``)
url        url, link, canonical_url, source_url
publisher  publisher, source, source_name, site_name, source_domain, domain, outlet
section    section, category, categories, desk
tags       tags, keywords, topics, hashtags
entities   people / persons, places / locations, orgs / organizations / organisations
=========  ================================================================================

A record without a title gets one from its first sentence; a record without title and text, a
line that is not JSON, or a value that is not an object is skipped (noted in the warnings), the
rest of the file is kept. This reads the output of ``../shared/tools/conll_docs.py``
(``{"id", "title", "text", "date"}``), one article per line, in order.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from functools import lru_cache
from typing import Any

from newsearch.article import Article, _words_hash
from newsearch.ingest.base import (
    NO_BODY,
    PARSE_ERROR,
    IngestError,
    ParseContext,
    _clean_text_paragraphs,
    derive_title,
    one_line,
    split_authors,
    split_list,
)

TITLE_KEYS = ("title", "headline", "name")
BODY_KEYS = ("maintext", "text", "body", "content", "article", "article_text", "full_text",
             "fulltext", "description", "summary")
DATE_KEYS = ("date_publish", "published", "published_at", "publishedat", "pubdate", "date",
             "datetime", "date_published", "datepublished", "created_at", "time")
AUTHOR_KEYS = ("authors", "author", "byline", "creator", "by")
URL_KEYS = ("url", "link", "canonical_url", "source_url")
PUBLISHER_KEYS = ("publisher", "source", "source_name", "site_name", "sitename", "source_domain",
                  "domain", "outlet")
SECTION_KEYS = ("section", "category", "categories", "desk")
TAG_KEYS = ("tags", "keywords", "topics", "hashtags")
PEOPLE_KEYS = ("people", "persons")
PLACE_KEYS = ("places", "locations")
ORG_KEYS = ("orgs", "organizations", "organisations")
LIST_KEYS = ("articles", "items", "data", "results", "documents", "docs", "stories", "entries",
             "posts")


#: A JSON escape of a UTF-16 surrogate (``\\ud83d``): only those give lone surrogates.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_text(value: Any) -> Any:
    """``value`` with each lone surrogate in its strings replaced by U+FFFD. JSON may escape
    half of a UTF-16 pair alone (``"\\ud800"``), which is no text: Python keeps it, but no
    engine can index it (tantivy refused the whole file), and no file decoder makes one."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if not value.isascii() else value
    if isinstance(value, dict):
        return {_valid_text(k): _valid_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_valid_text(v) for v in value]
    return value


def parse(text: str, ctx: ParseContext) -> list[Article]:
    records = _records(text, ctx)
    if _SURROGATE_ESCAPE.search(text):  # (a pair is two escapes: valid, and left as it is)
        records = [_valid_text(record) for record in records]
    articles: list[Article] = []
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            ctx.warn(f"record {position}: not a JSON object, skipped")
            continue
        article = _article(record, position, ctx)
        if article is not None:
            articles.append(article)
    if not articles:
        raise IngestError(NO_BODY, f"none of the {len(records)} JSON records has a title or text")
    return articles


def _records(text: str, ctx: ParseContext) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            first = text.lstrip().split("\n", 1)[0]
            try:
                json.loads(first)
            except json.JSONDecodeError:
                raise IngestError(
                    PARSE_ERROR, f"not valid JSON (line {exc.lineno}, column {exc.colno}): "
                    f"{exc.msg}"
                ) from None
        return _json_lines(text, ctx)
    except RecursionError:
        raise IngestError(PARSE_ERROR, "JSON nested too deeply") from None
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lowered = {str(k).lower(): v for k, v in data.items()}
        for key in LIST_KEYS:
            value = lowered.get(key)
            if isinstance(value, list) and (not value or isinstance(value[0], dict)):
                return value
        return [data]
    raise IngestError(PARSE_ERROR, f"JSON holds a {type(data).__name__}, not articles")


#: ``raw_decode`` reads one value at the start of a string, without ``json.loads``'s look for
#: white space before and after it and its checks (5.8 -> 4.9 us per bench-data feed line).
_raw_decode = json.JSONDecoder().raw_decode


def _json_line(line: str) -> Any:
    """``json.loads(line)``: a line that holds one value and nothing else is read at once; any
    other (white space around the value, bad JSON) as ``json.loads`` reads it, or fails."""
    try:
        value, end = _raw_decode(line)
    except json.JSONDecodeError:
        return json.loads(line)
    return value if end == len(line) else json.loads(line)


def _json_lines(text: str, ctx: ParseContext) -> list[Any]:
    records: list[Any] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            records.append(_json_line(line))
        except (json.JSONDecodeError, RecursionError) as exc:
            ctx.warn(f"line {number}: not valid JSON ({getattr(exc, 'msg', exc)}), skipped")
            records.append(None)
    return records


#: Values that count as missing: the next key of the field is tried.
_EMPTY = (None, "", [], {})


#: The fields :func:`_article` reads, each as the keys tried in turn (matched without regard
#: to case; the first whose value is not empty, one of ``_EMPTY``, wins).
_FIELD_KEYS = (TITLE_KEYS, BODY_KEYS, DATE_KEYS, URL_KEYS, AUTHOR_KEYS, PUBLISHER_KEYS,
               SECTION_KEYS, TAG_KEYS, PEOPLE_KEYS, PLACE_KEYS, ORG_KEYS)


@lru_cache(maxsize=256)
def _schema(keys: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """For a record with these keys, in this order: per field of ``_FIELD_KEYS``, the record's
    own keys to try, in that order (of two keys that differ in case only, the later one). The
    records of a file mostly have the same keys: this is worked out once for them, not a
    lower-case copy of each record and a look-up per key (4.1 -> 1.8 us per record of the
    bench-data feeds)."""
    own: dict[str, str] = {}
    for key in keys:
        own[str(key).lower()] = key
    return tuple(tuple(own[name] for name in names if name in own) for names in _FIELD_KEYS)


def _values(record: dict[str, Any]) -> list[Any]:
    """The value of each field of ``_FIELD_KEYS`` in a record (None if it has none)."""
    out = []
    for keys in _schema(tuple(record)):
        value = None
        for key in keys:
            found = record[key]
            if found not in _EMPTY:
                value = found
                break
        out.append(value)
    return out


def _string(value: Any) -> str:
    """The value as one line of text (a fixed point of ``one_line``)."""
    if type(value) is str:
        return one_line(value)
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or value.get("id") or ""
    if isinstance(value, list):
        value = next((v for v in value if v), "")
        return _string(value)
    return one_line(str(value))


def _article(record: dict[str, Any], position: int, ctx: ParseContext) -> Article | None:
    (title, body_value, date_value, url, authors, publisher, section, tags, people, places,
     orgs) = _values(record)  # (once per record, not once per field)
    title = _string(title)
    if isinstance(body_value, list):
        body_value = "\n\n".join(str(v) for v in body_value if v)
    paragraphs = _clean_text_paragraphs(str(body_value)) if body_value is not None else []
    body = "\n\n".join(paragraphs)  # = clean_text(str(body_value))
    if not title and not body:
        ctx.warn(f"record {position}: no title and no text, skipped")
        return None
    if not title:
        title = derive_title(body)
    if isinstance(date_value, (int, float)) and not isinstance(date_value, bool):
        published, date_source = _epoch(date_value, ctx)
    else:
        published, date_source = ctx.date(_string(date_value), "metadata")
    # The title as the Article gets it (ParseContext.article) and the paragraphs are each
    # their words joined by single spaces: all of them, the empty title left out, are the
    # words content_hash joins; without the pass over the body it would make.
    shown_title = one_line(title)
    words = " ".join([shown_title, *paragraphs] if shown_title else paragraphs)
    return ctx.article(
        "json",
        position,
        lists_clean=True,
        lines_clean=True,  # (_string's, and the title as ParseContext.article would make it)
        content_hash=_words_hash(words),
        title=shown_title,
        body=body,
        url=_string(url),
        authors=split_authors(authors),
        publisher=_string(publisher),
        section=_string(section),
        published=published,
        date_source=date_source,
        tags=split_list(tags),
        people=split_list(people),
        places=split_list(places),
        orgs=split_list(orgs),
    )


def _epoch(value: float, ctx: ParseContext) -> tuple[str | None, str]:
    """A Unix time stamp (seconds, or milliseconds when it is too large for seconds)."""
    from datetime import datetime

    seconds = value / 1000 if value > 10**11 else value
    try:
        stamp = datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        ctx.warn(f"time stamp {value!r} out of range: article undated")
        return None, "none"
    return ctx.date(stamp.isoformat(timespec="seconds"), "metadata")
