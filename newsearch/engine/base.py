"""The engine interface: the one narrow door between newsearch and an index library.

Everything above the engine (ingest, query language, search, snippets, API, web, CLI) talks
to :class:`Engine` (read side) and :class:`EngineWriter` (write side) with the types below.
Only the modules ``newsearch.engine.<name>_engine`` import an index library (Whoosh, tantivy).

Contract every engine keeps (the cross-engine tests check it):

- Text fields ``title`` and ``body`` are analysed with ``newsearch.analysis`` semantics
  (Unicode words, lower case, Snowball English stems). Ranking is BM25F over title and body
  with a title boost.
- Facet fields (``people places orgs tags publisher section authors``) match on
  ``newsearch.article.normalize_value`` keys and report the canonical display form.
  ``year`` (``"2022"``) and ``month`` (``"2022-08"``) are facet fields derived from the
  publication date; an undated article has the value ``"undated"`` in both.
- Filters: values of one field are ORed, fields are ANDed, exclusions remove; facet counts
  are disjunctive (the counts of field F ignore the include filter on F, so the other values of
  F stay selectable) and values that are selected are always reported, even with count 0.
- ``collapse=True``: articles with the same ``content_hash`` count and appear once (the first by
  the sort order), with the others' ids in :attr:`EngineHit.duplicates`.
- A new commit is picked up by :meth:`Engine.refresh` without reopening the process.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from newsearch.article import Article
from newsearch.querytree import MatchAll, Node

#: Facet fields an engine counts: the query-tree facet fields plus the derived date facets.
ENGINE_FACETS = ("people", "places", "orgs", "tags", "publisher", "section", "authors", "year",
                 "month")
SORTS = ("relevance", "newest", "oldest")
UNDATED = "undated"


def histogram_granularity(first: date, last: date) -> str:
    """The histogram's bucket size for dates from ``first`` to ``last``: ``day`` (a span of
    at most 90 days), ``month`` (at most six years, leap days included) or ``year``."""
    span = last.toordinal() - first.toordinal()
    if span <= 90:
        return "day"
    if span <= 6 * 366:
        return "month"
    return "year"


class EngineError(Exception):
    """The index cannot be opened or written (missing, corrupt, locked...)."""


class IndexLocked(EngineError):
    """Another process is writing this index."""

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


class QueryTooExpensive(EngineError):
    """The query would expand to too many terms or run past the time limit."""


@dataclass(frozen=True)
class Filters:
    include: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    start: date | None = None
    """Publication day from (inclusive); a date filter leaves undated articles out."""
    end: date | None = None
    """Publication day to (inclusive)."""

    def is_empty(self) -> bool:
        return not (any(self.include.values()) or any(self.exclude.values()) or self.start
                    or self.end)


@dataclass(frozen=True)
class EngineQuery:
    query: Node = field(default_factory=MatchAll)
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    """relevance | newest | oldest (undated articles last in both date orders)."""
    recency_boost: float = 0.0
    """0 = off; otherwise relevance is multiplied by ``1 + recency_boost * freshness``, where
    freshness falls from 1 (newest article of the index) to 0 (oldest)."""
    offset: int = 0
    limit: int = 10
    facets: tuple[str, ...] = ()
    facet_limit: int = 10
    histogram: bool = False
    collapse: bool = True


@dataclass
class EngineHit:
    article: Article
    score: float
    duplicates: list[str] = field(default_factory=list)
    """Ids of the other articles with the same content hash."""


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class HistogramBucket:
    start: str
    """``YYYY`` (year), ``YYYY-MM`` (month) or ``YYYY-MM-DD`` (day) of the bucket."""
    count: int


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    histogram: list[HistogramBucket] = field(default_factory=list)
    granularity: str = "month"
    """day | month | year: chosen from the span of the matching dates (≤ 90 days: day,
    ≤ 6 years: month, else year). Buckets run without gaps from first to last."""
    undated: int = 0
    """Matching articles without a date (not in the histogram)."""


@dataclass
class IndexStats:
    engine: str
    articles: int
    first_date: str | None
    last_date: str | None
    undated: int
    size_bytes: int
    publishers: list[FacetValue]
    people: list[FacetValue]
    places: list[FacetValue]
    orgs: list[FacetValue]
    generation: str


class Engine(ABC):
    """Read side of an index. Thread-safe for concurrent searches."""

    name: str = ""

    @abstractmethod
    def search(self, query: EngineQuery) -> EngineResult: ...

    @abstractmethod
    def count(self, query: Node, filters: Filters | None = None) -> int:
        """Number of matching articles (duplicates collapsed)."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None: ...

    @abstractmethod
    def duplicates_of(self, article: Article) -> list[str]:
        """Ids of the other articles with this article's content hash."""

    @abstractmethod
    def more_like_this(self, article_id: str, limit: int = 5) -> list[EngineHit]: ...

    @abstractmethod
    def facet_values(self, field: str, prefix: str = "", limit: int = 20) -> list[FacetValue]:
        """Values of a facet over the whole index whose words start with ``prefix``
        (case-insensitive), most frequent first."""

    @abstractmethod
    def suggest_word(self, word: str) -> str | None:
        """The most frequent indexed word within a small edit distance of ``word`` (lower
        case, unstemmed) that is more frequent than ``word`` itself, or None."""

    @abstractmethod
    def word_frequency(self, word: str) -> int:
        """Number of articles containing the (unstemmed, lower-case) word in title or body."""

    @abstractmethod
    def stats(self, top: int = 10) -> IndexStats: ...

    @abstractmethod
    def generation(self) -> str:
        """Identifies the commit this reader sees."""

    @abstractmethod
    def refresh(self) -> bool:
        """Switch to the newest commit if there is one; True when it switched."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(slots=True)
class PreparedArticle:
    """What an engine writer's :attr:`EngineWriter.prepare` made of an article in a parser
    process: what the indexer and the writer read of it, and the engine's own ``payload``
    (the tantivy engine: its document fields, the stored article among them). It crosses
    from the parser process to the writing one in place of the article: the smaller, the
    less both spend pickling it."""

    id: str
    path: str
    content_hash: str
    payload: Any


class EngineWriter(ABC):
    """Write side of an index: one writer at a time (a second gets :class:`IndexLocked`)."""

    default_batch: int = 500
    """Articles per commit when the caller names none: an engine whose commits cost more
    (a segment and merges per commit) asks for bigger batches."""

    prepare: Callable[[Article], Article | PreparedArticle] | None = None
    """Optional work on each article that the indexer runs in its parser processes before
    the articles reach :meth:`add` (a picklable module-level function: the tantivy engine
    computes its document fields there), so that the one writing process does less. What
    it returns reaches :meth:`add` in place of the article."""

    sample_size: int = 0
    """Articles this writer wants to :meth:`learn` from before the run's first ones (the
    tantivy engine, while its index holds no documents: its pair words)."""

    def learn(self, articles: Iterable[Article]) -> None:
        """See a sample of the articles to come (up to :attr:`sample_size`, from files spread
        over the archive) before any is added. Nothing to learn by default."""
        return None

    @abstractmethod
    def indexed_files(self) -> dict[str, str]:
        """Every indexed source path -> the ``file_signature`` it was indexed with."""

    @abstractmethod
    def add(self, articles: Iterable[Article | PreparedArticle]) -> None:
        """Add articles (or what this writer's :attr:`prepare` made of them)."""

    @abstractmethod
    def delete_paths(self, paths: Iterable[str]) -> None:
        """Remove every article read from these source files."""

    @abstractmethod
    def commit(self) -> None:
        """Make everything added and deleted so far durable and visible (fsynced)."""

    @abstractmethod
    def close(self) -> None:
        """Release the lock; what was not committed is discarded."""

    def __enter__(self) -> EngineWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
