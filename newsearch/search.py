"""Search: the one ``search()`` every shell (web page, REST API, CLI) calls.

It takes a :class:`SearchRequest` (built by ``newsearch.params.parse_search_params`` from a
query string, or directly), parses the query with ``newsearch.query``, asks the engine, and
returns one :class:`SearchResult` that the shells render as HTML, JSON or text.

CONTRACT (implementation pending in this module: see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

#: Request parameter name -> engine facet field.
FACET_PARAMS = {
    "person": "people",
    "place": "places",
    "org": "orgs",
    "tag": "tags",
    "publisher": "publisher",
    "section": "section",
    "author": "authors",
    "year": "year",
    "month": "month",
}
#: Engine facet field -> request parameter name.
FACET_FIELDS = {value: key for key, value in FACET_PARAMS.items()}


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    include: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Engine facet field (``people``, ``year``...) -> selected values."""
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    recency: bool = False
    page: int = 1
    size: int = 10
    facets: tuple[str, ...] = ("people", "places", "orgs", "tags", "publisher", "section",
                               "authors", "year", "month")
    facet_size: int = 10


@dataclass
class Hit:
    id: str
    title: str
    title_html: str
    """Title, HTML-escaped, with matched words in ``<mark>``."""
    snippet_html: str
    """Best fragments of the body, HTML-escaped, matched words in ``<mark>``; the opening of
    the article when the body has no match."""
    url: str
    path: str
    format: str
    publisher: str
    authors: list[str]
    section: str
    published: str | None
    date_source: str
    people: list[str]
    places: list[str]
    orgs: list[str]
    tags: list[str]
    score: float
    duplicates: list[str]
    """Ids of the other copies of this article (same content hash)."""


@dataclass
class FacetEntry:
    value: str
    count: int
    selected: bool = False
    excluded: bool = False


@dataclass
class TimelineBucket:
    start: str
    """First day of the bucket, ``YYYY-MM-DD``."""
    end: str
    """Last day of the bucket, ``YYYY-MM-DD``."""
    label: str
    """``2022``, ``2022-08`` or ``2022-08-13``."""
    count: int


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetEntry]]
    """Keyed by request parameter name (``person``, ``place``...)."""
    timeline: list[TimelineBucket]
    granularity: str
    undated: int
    took_ms: float
    did_you_mean: str | None = None
    fallback: bool = False
    """True when no article had all the words and the hits match any of them."""
    engine: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.size))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        request = data.pop("request")
        data["page"] = self.request.page
        data["size"] = self.request.size
        data["pages"] = self.pages
        data["query"] = request["q"]
        data["sort"] = request["sort"]
        return data
