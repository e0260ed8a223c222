"""The Article: what every ingest format produces and what the engine indexes.

One dataclass crosses the whole pipeline: parsers (``newsearch.ingest``) fill in what the file
says, the entity extractor (``newsearch.entities``) adds people, places and organisations, and the
engine stores it. ``to_json()`` is the shape ``newsearch extract`` prints.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

#: Where an article's publication date came from.
DATE_SOURCES = ("header", "relative", "metadata", "body", "none")

#: The article formats the ingest stage reads.
FORMATS = ("scraped", "text", "json", "html", "reuters")


@dataclass
class Article:
    """One news article, as parsed from a file (a file may hold many)."""

    path: str
    """Absolute path of the source file."""
    format: str
    """One of :data:`FORMATS`."""
    title: str = ""
    body: str = ""
    position: int = 0
    """Position of the article inside its file (0 for one-article files)."""
    url: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    section: str = ""
    published: str | None = None
    """ISO 8601: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` (no time zone: the wall time)."""
    date_source: str = "none"
    crawled: str | None = None
    """ISO 8601 crawl date of a scraped page, when the page says it."""
    tags: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    file_signature: str = ""
    """``size:mtime_ns`` of the source file when it was read (incremental indexing)."""
    id: str = ""
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = article_id(self.path, self.position)
        if not self.content_hash:
            self.content_hash = content_hash(self.title, self.body)

    @property
    def date(self) -> str | None:
        """The publication day, ``YYYY-MM-DD``, or None when undated."""
        return self.published[:10] if self.published else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        # The shape `newsearch extract` prints: identity first, body last.
        order = ["id", "path", "position", "format", "title", "authors", "publisher", "section",
                 "published", "date_source", "crawled", "url", "tags", "people", "places", "orgs",
                 "content_hash", "file_signature", "body"]
        return {key: data[key] for key in order}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


def article_id(path: str, position: int = 0) -> str:
    """A stable id from the file path and the position in the file: 16 hex digits."""
    key = f"{path}\x00{position}".encode("utf-8", "surrogatepass")
    return hashlib.sha1(key).hexdigest()[:16]


_SPACE = re.compile(r"\s+")


def content_hash(title: str, body: str) -> str:
    """Hash of the normalised title and body: the same story saved twice hashes the same."""
    text = _SPACE.sub(" ", f"{title}\n{body}").strip().casefold()
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def normalize_value(value: str) -> str:
    """The matching key of a facet value: case, accents, punctuation and spacing folded.

    ``"Xi  Jinping"``, ``"xi jinping"`` and ``"Xi-Jinping"`` share one key; entity and facet
    filters compare these keys, and display keeps the canonical form.
    """
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w]+", " ", text.casefold())
    return " ".join(text.split())


def dedupe_values(values: list[str]) -> list[str]:
    """Drop values whose key repeats an earlier one, keeping order and the first spelling."""
    seen: set[str] = set()
    out = []
    for value in values:
        value = _SPACE.sub(" ", value).strip()
        key = normalize_value(value)
        if key and key not in seen:
            seen.add(key)
            out.append(value)
    return out
