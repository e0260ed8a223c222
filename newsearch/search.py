"""Search: the one ``search()`` every shell (web page, REST API, CLI) calls.

It takes a :class:`SearchRequest` (built by ``newsearch.params.parse_search_params`` from a
query string, or directly), parses the query with ``newsearch.query``, asks the engine, and
returns one :class:`SearchResult` that the shells render as HTML, JSON or text.

Ranking extras live here, above the engine: the AND -> OR fallback for pasted sentences,
"did you mean" spelling suggestions, snippets and facet flags. No Flask or Click here.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from newsearch.article import Article, normalize_value
from newsearch.engine.base import (
    Engine,
    EngineHit,
    EngineQuery,
    EngineResult,
    Filters,
)
from newsearch.query import MAX_QUERY_LENGTH, _lex, parse_query
from newsearch.querytree import And, MatchAll, Node, Not, Or, Phrase, Prefix, Term
from newsearch.snippets import highlight, highlight_title, snippet

FALLBACK_BELOW = 3
"""A multi-word AND query with fewer hits than this is rerun as OR of its words."""
SUGGEST_BELOW = 3
"""Did-you-mean is tried when the query finds fewer hits than this."""
RARE_WORD = 3
"""Did-you-mean replaces a word found in at most this many articles (typos do get indexed)..."""
RARE_RATIO = 20
"""... when its suggestion is in this many times as many articles (or the word in none)."""
RECENCY_BOOST = 1.0
"""``recency=true``: relevance times ``1 + RECENCY_BOOST * freshness``."""
EXPORT_CHUNK = 500
SIMILAR = 5

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
#: Engine facet field -> request parameter name (the inverse of FACET_PARAMS).
PARAM_OF_FIELD = {value: key for key, value in FACET_PARAMS.items()}


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


@dataclass
class SimilarArticle:
    id: str
    title: str
    published: str | None
    publisher: str
    score: float


@dataclass
class ArticleView:
    """One article for the article page and ``GET /api/v1/articles/<id>``."""

    article: Article
    title_html: str
    body_html: str
    """The whole body, HTML-escaped, with the query's words in ``<mark>`` when a query is
    given."""
    similar: list[SimilarArticle]
    duplicates: list[str]

    def to_json(self) -> dict[str, Any]:
        data = self.article.to_json()
        data["title_html"] = self.title_html
        data["body_html"] = self.body_html
        data["similar"] = [asdict(s) for s in self.similar]
        data["duplicates"] = list(self.duplicates)
        return data


class UnknownFacet(ValueError):
    """A facet name that is not one of :data:`FACET_PARAMS` (nor an engine facet field)."""


# -- query planning ---------------------------------------------------------------------------

def _is_free_text(node: Node) -> bool:
    return isinstance(node, (Term, Phrase, Prefix)) and node.field in (None, "title", "body")


#: English function words: in the OR fallback they would match nearly every article and
#: drown the words that carry the meaning of a pasted sentence. (Only the fallback drops
#: them; AND queries and phrases keep every word.)
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
s t
""".split())
COMMON_FRACTION = 0.3
"""In the OR fallback, a word found in more than this share of all articles is dropped
(unless no other word is left): it cannot tell articles apart."""


def fallback_query(node: Node, engine: Engine | None = None) -> Node | None:
    """The OR form of a multi-word AND query, or None when ``node`` is not an AND of at least
    two free-text words.

    The free-text words become optional, ranked by BM25 on how many and how well they match;
    everything else (field terms, dates, NOT) stays required. Unquoted compounds the analyser
    splits (``nam's``, ``u.s``) count as their words. Stop words and (given ``engine``)
    words in more than :data:`COMMON_FRACTION` of the articles are left out, unless that
    would leave nothing.
    """
    if not isinstance(node, And):
        return None
    leaves = [c for c in node.children if _is_free_text(c)]
    if len(leaves) < 2:
        return None
    rest = [c for c in node.children if not _is_free_text(c)]
    words: list[Node] = []
    for leaf in leaves:
        if isinstance(leaf, Phrase):
            words.extend(Term(w, leaf.field) for w in leaf.text.split())
        else:
            words.append(leaf)
    words = list(dict.fromkeys(words))
    kept = [w for w in words if not (isinstance(w, Term) and w.text.lower() in STOP_WORDS)]
    if engine is not None and kept:
        total = engine.count(MatchAll())
        if total >= 20:
            common = [w for w in kept if isinstance(w, Term)
                      and engine.word_frequency(w.text.lower()) > COMMON_FRACTION * total]
            if len(common) < len(kept):
                kept = [w for w in kept if w not in common]
    chosen = kept or words
    optional = chosen[0] if len(chosen) == 1 else Or(tuple(chosen))
    if not rest:
        return optional
    if all(isinstance(c, Not) for c in rest):
        return And((optional, *rest))
    return And((*rest, optional))


def _filters(request: SearchRequest) -> Filters:
    return Filters(include={k: tuple(v) for k, v in request.include.items() if v},
                   exclude={k: tuple(v) for k, v in request.exclude.items() if v},
                   start=request.date_from, end=request.date_to)


def _sort(request: SearchRequest, node: Node) -> str:
    if request.sort == "relevance" and isinstance(node, MatchAll):
        return "newest"  # browsing the archive: every score is the same
    return request.sort


def _max_length(settings: Mapping[str, Any] | None) -> int:
    return int((settings or {}).get("max_query_length", MAX_QUERY_LENGTH))


# -- did you mean -----------------------------------------------------------------------------

_TEXT_FIELDS_FOR_SUGGEST = {None, "title", "body", "text"}


def suggest_query(engine: Engine, text: str) -> str | None:
    """The query string with misspelled words replaced by the index's more frequent
    neighbours; field prefixes, operators, quotes and dates are kept. None when no word
    changes."""
    try:
        tokens = _lex(text)
    except ValueError:
        return None
    edits: list[tuple[int, int, str]] = []
    field: str | None = None  # the field of the next token
    groups: list[str | None] = [None]  # the field of each open parenthesis
    for tok in tokens:
        if tok.kind == "FIELD":
            field = tok.text
            continue
        current = field if field is not None else groups[-1]
        if tok.kind == "LPAREN":
            groups.append(current)
        elif tok.kind == "RPAREN" and len(groups) > 1:
            groups.pop()
        elif tok.kind in ("WORD", "PHRASE") and current in _TEXT_FIELDS_FOR_SUGGEST \
                and "*" not in tok.text:
            offset = tok.pos + (1 if tok.kind == "PHRASE" else 0)
            for m in re.finditer(r"[^\W_]+", tok.text):
                word = m.group().lower()
                if len(word) < 3 or word.isdigit():
                    continue
                freq = engine.word_frequency(word)
                if freq > RARE_WORD:
                    continue  # a word many articles use is not a typo
                better = engine.suggest_word(word)
                if better and better != word and (
                        freq == 0 or engine.word_frequency(better) >= RARE_RATIO * freq):
                    edits.append((offset + m.start(), offset + m.end(), better))
        field = None
    if not edits:
        return None
    out, last = [], 0
    for start, end, word in edits:
        out.append(text[last:start])
        out.append(word)
        last = end
    out.append(text[last:])
    return "".join(out)


# -- search -----------------------------------------------------------------------------------

def _facet_entries(result: EngineResult, request: SearchRequest) -> dict[str, list[FacetEntry]]:
    out: dict[str, list[FacetEntry]] = {}
    for field_name, values in result.facets.items():
        param = PARAM_OF_FIELD.get(field_name, field_name)
        selected = {normalize_value(v) for v in request.include.get(field_name, ())}
        excluded = {normalize_value(v) for v in request.exclude.get(field_name, ())}
        entries = []
        seen = set()
        for fv in values:
            key = normalize_value(fv.value)
            seen.add(key)
            entries.append(FacetEntry(fv.value, fv.count, key in selected, key in excluded))
        for value in request.include.get(field_name, ()):
            if normalize_value(value) not in seen:
                seen.add(normalize_value(value))
                entries.append(FacetEntry(value, 0, True, False))
        for value in request.exclude.get(field_name, ()):
            if normalize_value(value) not in seen:
                seen.add(normalize_value(value))
                entries.append(FacetEntry(value, 0, False, True))
        out[param] = entries
    return out


def _bucket(start: str, count: int) -> TimelineBucket:
    parts = start.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        first, last = date(year, 1, 1), date(year, 12, 31)
    elif len(parts) == 2:
        month = int(parts[1])
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
    else:
        first = last = date(year, int(parts[1]), int(parts[2][:2]))
    return TimelineBucket(first.isoformat(), last.isoformat(), start, count)


def _hit(hit: EngineHit, node: Node) -> Hit:
    a = hit.article
    return Hit(id=a.id, title=a.title, title_html=highlight_title(a.title, node),
               snippet_html=snippet(a.body, node), url=a.url, path=a.path, format=a.format,
               publisher=a.publisher, authors=list(a.authors), section=a.section,
               published=a.published, date_source=a.date_source, people=list(a.people),
               places=list(a.places), orgs=list(a.orgs), tags=list(a.tags),
               score=float(hit.score), duplicates=list(hit.duplicates))


def plan_query(engine: Engine, request: SearchRequest,
               settings: Mapping[str, Any] | None = None) -> tuple[Node, bool]:
    """The query tree ``request`` runs with, and whether it is the OR fallback (for export:
    the same articles the search page showed)."""
    node = parse_query(request.q, max_length=_max_length(settings))
    alt = fallback_query(node, engine)
    if alt is not None and engine.count(node, _filters(request)) < FALLBACK_BELOW:
        if engine.count(alt, _filters(request)) > 0:
            return alt, True
    return node, False


def search(engine: Engine, request: SearchRequest, *,
           settings: Mapping[str, Any] | None = None) -> SearchResult:
    """Run ``request`` on ``engine``: the one search every shell calls.

    Raises ``QuerySyntaxError`` for a query that cannot be read and the engine's
    ``QueryTooExpensive`` for one that would cost too much; the shells answer both with 400.
    """
    started = time.perf_counter()
    node = parse_query(request.q, max_length=_max_length(settings))
    filters = _filters(request)
    query = EngineQuery(
        query=node, filters=filters, sort=_sort(request, node),
        recency_boost=RECENCY_BOOST if request.recency else 0.0,
        offset=(request.page - 1) * request.size, limit=request.size,
        facets=tuple(request.facets), facet_limit=request.facet_size, histogram=True,
        collapse=True)
    result = engine.search(query)
    strict_total = result.total
    fallback = False
    alt = fallback_query(node, engine) if strict_total < FALLBACK_BELOW else None
    if alt is not None:
        alt_result = engine.search(replace(query, query=alt))
        if alt_result.total > strict_total:
            result, fallback = alt_result, True

    did_you_mean = None
    if strict_total < SUGGEST_BELOW and request.q.strip():
        corrected = suggest_query(engine, request.q)
        if corrected and corrected != request.q:
            try:
                corrected_node = parse_query(corrected, max_length=_max_length(settings))
            except ValueError:
                corrected_node = None
            if corrected_node is not None and engine.count(corrected_node, filters) > \
                    strict_total:
                did_you_mean = corrected

    hits = [_hit(h, node) for h in result.hits]
    timeline = [_bucket(b.start, b.count) for b in result.histogram]
    return SearchResult(
        request=request, total=result.total, hits=hits,
        facets=_facet_entries(result, request), timeline=timeline,
        granularity=result.granularity, undated=result.undated,
        took_ms=round((time.perf_counter() - started) * 1000, 2), did_you_mean=did_you_mean,
        fallback=fallback, engine=engine.name)


# -- other reads ------------------------------------------------------------------------------

def get_article(engine: Engine, article_id: str, q: str | None = None, *,
                settings: Mapping[str, Any] | None = None) -> ArticleView | None:
    """The article with this id (None when there is none), highlighted for ``q``."""
    node = parse_query(q, max_length=_max_length(settings)) if q and q.strip() else None
    article = engine.get(article_id)
    if article is None:
        return None
    similar = [SimilarArticle(h.article.id, h.article.title, h.article.published,
                              h.article.publisher, float(h.score))
               for h in engine.more_like_this(article_id, SIMILAR)]
    return ArticleView(article=article, title_html=highlight_title(article.title, node),
                       body_html=highlight(article.body, node), similar=similar,
                       duplicates=engine.duplicates_of(article))


def facet_field(name: str) -> str:
    """Engine field of a facet named by its request parameter (``person``) or field
    (``people``); :class:`UnknownFacet` otherwise."""
    if name in FACET_PARAMS:
        return FACET_PARAMS[name]
    if name in PARAM_OF_FIELD:
        return name
    raise UnknownFacet(f"unknown facet {name!r}: choose from {', '.join(FACET_PARAMS)}")


def facet_lookup(engine: Engine, name: str, prefix: str = "", limit: int = 20
                 ) -> list[FacetEntry]:
    """Values of one facet over the whole index whose words start with ``prefix``."""
    return [FacetEntry(v.value, v.count)
            for v in engine.facet_values(facet_field(name), prefix, limit)]


EXPORT_COLUMNS = ("id", "title", "published", "publisher", "authors", "section", "url",
                  "people", "places", "orgs", "tags", "duplicates", "path", "score")


def export_rows(engine: Engine, request: SearchRequest, *,
                settings: Mapping[str, Any] | None = None,
                chunk: int = EXPORT_CHUNK) -> Iterator[dict[str, Any]]:
    """Metadata of EVERY article the request matches (all pages, in its sort order),
    fetched from the engine ``chunk`` at a time. Lists are lists (the CSV writer joins them).
    Uses the same AND -> OR fallback decision as :func:`search`."""
    node, _fallback = plan_query(engine, request, settings)
    query = EngineQuery(query=node, filters=_filters(request), sort=_sort(request, node),
                        recency_boost=RECENCY_BOOST if request.recency else 0.0,
                        offset=0, limit=chunk, facets=(), histogram=False, collapse=True)
    offset = 0
    while True:
        result = engine.search(replace(query, offset=offset))
        for hit in result.hits:
            a = hit.article
            yield {"id": a.id, "title": a.title, "published": a.published,
                   "publisher": a.publisher, "authors": list(a.authors), "section": a.section,
                   "url": a.url, "people": list(a.people), "places": list(a.places),
                   "orgs": list(a.orgs), "tags": list(a.tags),
                   "duplicates": list(hit.duplicates), "path": a.path,
                   "score": float(hit.score)}
        offset += len(result.hits)
        if not result.hits or offset >= result.total:
            break


def index_stats(engine: Engine, top: int = 10) -> dict[str, Any]:
    """The index's size, date span and top values, as plain JSON data."""
    return asdict(engine.stats(top))
