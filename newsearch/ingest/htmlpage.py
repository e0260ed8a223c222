"""HTML article pages: main text and metadata extracted with trafilatura (part of the ingest stage).

trafilatura (``bare_extraction``) finds the main text and drops navigation, comments and
boilerplate; its metadata gives title, author, site name, URL, date, categories and tags. The
page is never fetched or followed: only the file's own markup is read (htmldate runs without its
extensive text search, so the date comes from the page's metadata and URL: date_source
``metadata``). ``<meta property="article:published_time">`` is preferred when it carries a time;
``article:section`` gives the section, ``article:tag`` / ``keywords`` / ``news_keywords`` the tags.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from newsearch.article import Article
from newsearch.ingest.base import (
    NO_BODY,
    NO_TITLE,
    PARSE_ERROR,
    IngestError,
    ParseContext,
    clean_paragraphs,
    derive_title,
    one_line,
    split_authors,
    split_list,
)

# trafilatura logs every page it finds poor; the ingest stage reports skips itself.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)

_META_DATE = ("article:published_time", "og:published_time", "datepublished", "date",
              "pubdate", "publishdate", "dc.date", "dc.date.issued", "sailthru.date")
_META_SECTION = ("article:section", "section", "category")
_META_TAGS = ("article:tag", "news_keywords", "keywords")


def _meta(tree: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "")
        content = element.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), []).append(content.strip())
    return found


def parse(text: str, ctx: ParseContext) -> list[Article]:
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    tree = load_html(text)
    if tree is None:
        raise IngestError(PARSE_ERROR, "the HTML could not be parsed")
    meta = _meta(tree)
    max_date = datetime.now().strftime("%Y-%m-%d")
    try:
        doc = bare_extraction(
            tree,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            favor_precision=False,
            date_extraction_params={
                "original_date": True,
                "extensive_search": False,
                "max_date": max_date,
            },
        )
    except (ValueError, TypeError) as exc:  # trafilatura on pathological markup
        raise IngestError(PARSE_ERROR, f"HTML extraction failed: {exc}") from None
    if doc is None:
        raise IngestError(NO_BODY, "no article text found in the HTML page")
    body_text = doc.text or ""
    paragraphs = [line for line in body_text.split("\n") if line.strip()]
    title = one_line(doc.title or "")
    if paragraphs and title and one_line(paragraphs[0]) == title:
        paragraphs = paragraphs[1:]
    body = clean_paragraphs(paragraphs)
    if not body:
        raise IngestError(NO_BODY, "no article text found in the HTML page")
    if not title:
        h1 = next((one_line(el.text_content()) for el in tree.iter("h1")), "")
        title = h1 or ""
    if not title:
        raise IngestError(NO_TITLE, "the HTML page has no <title>, og:title or <h1>")
    if len(title) > 300:
        title = derive_title(title, 200)

    published, date_source = None, "none"
    for key in _META_DATE:
        for value in meta.get(key, []):
            published, date_source = ctx.date(value, "metadata")
            if published:
                break
        if published:
            break
    if not published and doc.date:
        published, date_source = ctx.date(doc.date, "metadata")

    section = next((meta[k][0] for k in _META_SECTION if k in meta), "")
    if not section and doc.categories:
        section = doc.categories[0]
    tags: list[str] = []
    for key in _META_TAGS:
        for value in meta.get(key, []):
            tags.extend(split_list(value))
    if not tags and doc.tags:
        tags = split_list(doc.tags)
    publisher = doc.sitename or ""
    if not publisher:  # "Story title | Site Name" in <title>
        raw_title = next((one_line(el.text_content()) for el in tree.iter("title")), "")
        match = re.match(r"^(.+?)\s+[|\u2013\u2014-]\s+([^|\u2013\u2014]{2,40})$", raw_title)
        if match and one_line(match.group(1)) == title:
            publisher = match.group(2).strip()
    authors = split_authors(doc.author) if doc.author else []
    if not authors:
        for key in ("author", "article:author", "byl", "dc.creator"):
            for value in meta.get(key, []):
                if not value.startswith("http"):
                    authors.extend(split_authors(value))
    return [
        ctx.article(
            "html",
            0,
            title=title,
            body=body,
            url=doc.url or "",
            authors=authors,
            publisher=publisher,
            section=section,
            published=published,
            date_source=date_source,
            tags=tags,
        )
    ]
