"""The tantivy engine: the engine interface (``newsearch.engine.base``) over tantivy-py.

Part of the engine stage of the pipeline, beside ``whoosh_engine``: the indexer writes articles
through :class:`TantivyWriter` and ``search()`` reads them through :class:`TantivyEngine`.
Only this module imports ``tantivy``.

Design (measured in docs/performance.md):

- Text: ``title`` and ``body`` hold the stems of tantivy's ``en_stem`` chain (letters and
  digits, lower case, Snowball English), which is what ``newsearch.analysis`` does; query words
  are analysed with an identical tantivy ``TextAnalyzer`` so that query and index always agree.
  ``words`` holds the distinct unstemmed lower-case words of title and body (doc ids only) for
  "did you mean", word frequencies and prefix expansion. The parser processes analyse the text
  (:func:`analyse`, each distinct token once per process) and hand tantivy the terms separated
  by spaces: tantivy would otherwise split the body three times and stem it twice.
- Facets: one raw, fast text field per facet holding the canonical display form of each value
  (the writer keeps one spelling per ``normalize_value`` key). Filters translate keys to the
  displays through the term dictionary; counts and the histogram come from tantivy's
  aggregations (one aggregation request per group of disjunctive facets), which measured
  faster than fetching every matching document into numpy arrays.
- Dates: ``day`` (``YYYYMMDD``) and ``ts`` (``YYYYMMDDHHMMSS``) integer fast fields for ranges,
  the histogram and date sorts; ``year`` and ``month`` text facets.
- Duplicates: per commit, the content hashes held by two or more documents are read from the
  term dictionary; a query that matches several copies keeps the first by the sort order and
  excludes the others, so totals, facet counts and hits are collapsed.
- The whole article is stored as JSON bytes; the index is in ``INDEX_DIR/tantivy``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import tantivy

from newsearch.analysis import stem
from newsearch.article import Article, normalize_value
from newsearch.engine import lockfile
from newsearch.engine.base import (
    ENGINE_FACETS,
    SORTS,
    UNDATED,
    Engine,
    EngineError,
    EngineHit,
    EngineQuery,
    EngineResult,
    EngineWriter,
    FacetValue,
    Filters,
    HistogramBucket,
    IndexLocked,
    IndexStats,
    PreparedArticle,
    QueryTooExpensive,
    histogram_granularity,
)
from newsearch.querytree import (
    FACET_FIELDS,
    And,
    DateRange,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
)

NAME = "tantivy"
EXACT_SEGMENT_SIZE = 1 << 30
"""Candidates per segment that make a terms aggregation count every value."""
FEW_VALUES = 400
"""A facet of at most this many values is counted in full at once, and asked of the
complement in full (its top is often close-run: ``authors``, 300 near-even values)."""
CHECK_EXTRA = 50
"""Values asked of a terms aggregation beyond its size, with ten times as many candidates
per segment, so that :func:`_settled_top` can prove its top exact (at 100,000 articles,
``zin``, 54 % of the archive: 11.2 ms against 14.5 for every candidate of every segment;
the facets proved exact but for ``authors``, whose 300 values are near-even, which is why
a facet with few values is asked for all of them at once)."""
SCHEMA_VERSION = 5
META_FILE = "newsearch.json"
SUBDIR = "tantivy"

TITLE_BOOST = 2.5
"""Weight of a title match relative to a body match."""
MAX_EXPANSION = 1000
"""Most distinct words (or facet values) a prefix may expand to before the query is refused."""
MAX_EXPANDED = 4000
"""Most words all the prefixes of one query may expand to."""
MAX_LEAVES = 200
"""Most words, phrases and prefixes in one query tree."""
MAX_DEPTH = 64
MAX_PHRASE_DOCS = 8
"""Most documents (this many times the archive's) that a query's phrases may walk positions
in: at 100,000 articles, about a second of work."""
MIN_PREFIX = 2
MAX_TOKEN_CHARS = 40
WRITER_HEAP = 256_000_000
WRITER_THREADS = 1
"""tantivy's indexing threads. One: the parser processes already keep every core busy, and
each thread makes its own segment per commit (two threads left twice as many segments)."""
AGG_CHUNK = 50_000
"""Most buckets asked of one aggregation (tantivy refuses more than 65,000)."""
COMPLEMENT_SHARE = 0.65
"""Facet counts of a query matching more than this share of the live documents are taken as
the whole index's counts (cached per commit) minus the counts of the documents it does not
match: an aggregation costs in proportion to the documents it visits. (Set when the
complement returned every value it has: at half the index, 100,000 articles, 47 ms against
29 ms for the direct count. With :data:`COMPLEMENT_TOP` the two cost the same near half:
13.6 against 14.3 ms at 54 %, 12.0 against 17.3 at 72 %.)"""
COMPLEMENT_TOP = 200
"""Values per facet first asked of the complement (those it holds most) when the facet has
more than twice as many: enough to settle the top of a query that matches most of the
archive in almost every case (each other value is at most as frequent in the complement as
the last of them, :meth:`_Totals.minus`); when not, the facet is asked again for every
value. At 100,000 articles, ``"the foul"`` (70 % of the archive): the complement's ~9,800
buckets cost 11.3 ms to aggregate and 2.1 to subtract, 1,400 cost 8.6 and 1.2 (engine time
18.6 -> 16.2 ms, alternating runs)."""
RECENCY_WINDOW = 200
"""With a recency boost, this many top hits (at least) are re-ranked."""

Occur = tantivy.Occur
Q = tantivy.Query

_TEXT_FIELDS = ("title", "body")
_DATE_FACETS = ("year", "month")
_MISSING = object()


def _tokens_analyzer() -> tantivy.TextAnalyzer:
    """The words of a text as written (letters and digits, at most 40 bytes): the tokens that
    :data:`_STEMS` and :data:`_LOWER` map one by one."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS + 1))
            .build())


def _words_analyzer() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS + 1))
            .filter(tantivy.Filter.lowercase())
            .build())


def _stem_analyzer() -> tantivy.TextAnalyzer:
    """The same chain as tantivy's built-in ``en_stem`` (the stems of title and body)."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def _analysed_analyzer() -> tantivy.TextAnalyzer:
    """The index-side analyser of the text fields: their text arrives analysed (terms
    separated by spaces, see :func:`_fields`), so tantivy only splits it."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


_TOKENS = _tokens_analyzer()
_STEM = _stem_analyzer()
_WORDS = _words_analyzer()
_ANALYSED = _analysed_analyzer()
ANALYSED_TOKENIZER = "ns_analysed"
"""Tokenizer name of the fields written as analysed terms (title, body, words, pairs)."""


MEMO_SIZE = 500_000
"""Most tokens :data:`_STEMS` holds (then it starts afresh)."""
_STEMS: dict[str, str] = {}
"""token -> its stem exactly as ``en_stem`` makes it (the analysers work token by token), or
'' for a token ``en_stem`` drops (40 bytes or more); per process, filled by :func:`analyse`."""
_LOWER: dict[str, str] = {}
"""token -> the token as the ``words`` field holds it (lower case)."""
_STEMLESS: set[str] = set()
"""The tokens of :data:`_STEMS` that have no stem (''), and those of more than 40 bytes
(no word either): rare, so a text is checked against them, not each of its stems."""
_ASCII_SEPARATORS = {c: " " for c in range(128) if not chr(c).isalnum()}
"""ASCII characters that are not letters or digits -> a space: in ASCII text, tantivy's simple
tokenizer keeps exactly the runs of letters and digits, and lower-casing makes no letter a
separator, so ``text.lower().translate(_ASCII_SEPARATORS).split()`` are its words (1.7x
faster than either tantivy's tokenizer or a regular expression: no per-match objects)."""


def _learn(tokens: list[str]) -> None:
    """Put ``tokens`` (distinct, new) into :data:`_STEMS` and :data:`_LOWER`: one analyser
    call for all of them (a call per token cost more than the rest of the analysis)."""
    # A token over 40 bytes (from ASCII text: tantivy's tokenizer drops them) is no word.
    long = [t for t in tokens if len(t) > MAX_TOKEN_CHARS]
    if long:
        _STEMS.update(dict.fromkeys(long, ""))
        _STEMLESS.update(long)
        tokens = [t for t in tokens if len(t) <= MAX_TOKEN_CHARS]
    # Each token is one run of letters and digits under 41 bytes: analysed with spaces
    # between them, each gives exactly one word, and one stem unless en_stem drops it.
    _LOWER.update(zip(tokens, _WORDS.analyze(" ".join(tokens)), strict=True))
    kept = [t for t in tokens if len(t) < 10 or len(t.encode("utf-8", "surrogatepass")) < 40]
    if len(kept) < len(tokens):
        dropped = set(tokens).difference(kept)
        _STEMS.update(dict.fromkeys(dropped, ""))
        _STEMLESS.update(dropped)
    _STEMS.update(zip(kept, _STEM.analyze(" ".join(kept)), strict=True))


def _learn_new(tokens: list[str]) -> None:
    """Learn the tokens of a text that :data:`_STEMS` does not hold yet."""
    distinct = set(tokens)
    new = [t for t in distinct if t not in _STEMS]
    if len(_STEMS) + len(new) > MEMO_SIZE:
        # Full: start afresh with this text's tokens (all of them are needed).
        _STEMS.clear()
        _LOWER.clear()
        _STEMLESS.clear()
        new = list(distinct)
    _learn(new)


#: Very common English words (as stems). Every two neighbouring words of which one is common
#: are also indexed as one token ("said_the") in ``title_pairs`` / ``body_pairs``: a phrase
#: of two words, one of them common, is then one term to look up instead of two long
#: position lists to walk (the common-grams method of Lucene's CommonGramsFilter).
COMMON = frozenset(stem(word) for word in (
    "a about after all also an and are as at be been but by can could did do for from had "
    "has have he her his how i if in into is it its just more most my new no not now of on "
    "one only or other our out over said says say she so some than that the their them then "
    "there these they this those to up us was we were what when which who will with would "
    "you your").split())


PAIR_SAMPLE = 2_000
"""Articles (from files spread over the archive) that a new index learns its pair words from."""
PAIR_SHARE = 0.01
"""A stem is a pair word when at least this share of the sample's articles (and two) hold it."""


def learn_pair_words(articles: Iterable[Article]) -> frozenset[str]:
    """The pair words of an index: the stems (other than :data:`COMMON`) found in at least
    :data:`PAIR_SHARE` of these articles (title and body). A pair of a common word and a
    rare one is not worth its cost: a phrase with a rare word walks few positions anyway, and
    the rare pairs were most of the pairs field's distinct terms (557,502 of a 20,000-article
    sample; 48,740 with the top 2,000 words), which made it the dearest field to index."""
    df: dict[str, int] = defaultdict(int)
    n = 0
    for a in articles:
        n += 1
        for s in set(analyse(f"{a.title}\n{a.body}").stems):
            df[s] += 1
    floor = max(2, PAIR_SHARE * n)
    return frozenset(s for s, count in df.items() if count >= floor and s not in COMMON)


def _pairs_of(stems: Sequence[str], pairable: frozenset[str]) -> list[str]:
    """The pairs-field terms of a text (its stems): every two neighbours of which one is a
    common word and the other a common or pair word (``pairable``: :data:`COMMON` and the
    index's pair words)."""
    common = COMMON  # (a subset of pairable: the test below is the docstring's)
    return [f"{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)
            if (a in common and b in pairable) or (b in common and a in pairable)]


@dataclass
class Analysed:
    """A text as the index receives it: its stems in order (the positions of title and body;
    no gap where ``en_stem`` drops a word too long, as the Whoosh engine's positions) and
    its lower-case words (``words``: each distinct token once, so a word may come twice in
    two spellings). Identical, token by token, to what tantivy's ``en_stem`` chain
    (:data:`_STEM`, also used on query words) and the words chain (:data:`_WORDS`) make of
    the text."""

    stems: list[str]
    words: list[str]


def analyse(text: str) -> Analysed:
    ascii_text = text.isascii()
    # ASCII text lower-cased first: the tokens are the words as the words field holds them.
    tokens = (text.lower().translate(_ASCII_SEPARATORS).split() if ascii_text
              else _TOKENS.analyze(text))
    try:
        stems = list(map(_STEMS.__getitem__, tokens))
    except KeyError:  # tokens new to this process's table: learned first
        _learn_new(tokens)
        stems = list(map(_STEMS.__getitem__, tokens))
    distinct = set(tokens)  # (each token's hash is computed by now)
    if _STEMLESS and not _STEMLESS.isdisjoint(distinct):
        stems = [s for s in stems if s]
        if ascii_text:  # (ASCII bytes are characters: the 41-byte rule is a length)
            distinct = {t for t in distinct if len(t) <= MAX_TOKEN_CHARS}
    words = list(distinct) if ascii_text else list(set(map(_LOWER.__getitem__, distinct)))
    return Analysed(stems, words)


def _pair_of(stems: Sequence[str], pairable: frozenset[str]) -> str | None:
    """The pairs-field term of a two-word phrase (its stems), if the index holds one."""
    found = _pairs_of(stems, pairable) if len(stems) == 2 else []
    return found[0] if found else None


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("path", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("src", tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_bytes_field("article", stored=True)
    # Text fields receive their terms analysed (_fields): tantivy splits them at spaces.
    sb.add_text_field("title", tokenizer_name=ANALYSED_TOKENIZER)
    sb.add_text_field("body", tokenizer_name=ANALYSED_TOKENIZER)
    sb.add_text_field("words", tokenizer_name=ANALYSED_TOKENIZER, index_option="basic")
    sb.add_text_field("title_pairs", tokenizer_name=ANALYSED_TOKENIZER, index_option="freq")
    sb.add_text_field("body_pairs", tokenizer_name=ANALYSED_TOKENIZER, index_option="freq")
    for name in ENGINE_FACETS:
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_integer_field("day", indexed=True, fast=True)
    sb.add_integer_field("ts", fast=True)
    sb.add_text_field("chash", tokenizer_name="raw", index_option="basic")
    # 1 on every document whose content hash another document has (or had: deleting a copy
    # leaves the mark, a harmless superset). Set by the writer, which re-adds the first copy
    # with the mark when a second one arrives.
    sb.add_integer_field("dup", indexed=True)
    for name in FACET_FIELDS:
        # The 63-bit hash of each value's normalize_value key: numeric terms aggregations
        # cost no term-dictionary lookups per segment (3x faster than on the strings).
        sb.add_integer_field(name + "_h", indexed=True, fast=True)
    return sb.build()


SCHEMA = _schema()
MARKED = Q.term_query(SCHEMA, "dup", 1)
"""The documents that have (or had) copies."""


#: tantivy's own lock files in an index directory (``.tantivy-meta.lock``,
#: ``.tantivy-writer.lock``): OS file locks (flock) held through a file descriptor.
TANTIVY_LOCK_PREFIX = ".tantivy-"


def _close_inherited_locks() -> None:
    """After a fork (the indexer's parser processes): close the child's copies of the
    descriptors of tantivy's lock files. tantivy takes its meta lock for moments (a reader
    reload, a commit's garbage collection); a fork in such a moment gave the child a
    descriptor of the locked file, and an flock lives until every descriptor of it is closed:
    the writer's next commit then waited for the lock for ever (it happened once in a
    20,000-article build). Closing a copy is not unlocking: the parent's locks stay held."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:  # pragma: no cover - no /proc (not Linux)
        return
    for name in names:
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the listing's own descriptor, already closed
        base = os.path.basename(target)
        if base.startswith(TANTIVY_LOCK_PREFIX) and base.endswith(".lock"):
            with contextlib.suppress(OSError):
                os.close(int(name))


os.register_at_fork(after_in_child=_close_inherited_locks)


def _open_index(path: Path, create: bool) -> tantivy.Index:
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
        else:
            if not tantivy.Index.exists(str(path)):
                raise EngineError(f"no tantivy index at {path}")
            index = tantivy.Index.open(str(path))
    except ValueError as exc:
        raise EngineError(f"cannot open the tantivy index at {path}: {exc}") from None
    index.register_tokenizer(ANALYSED_TOKENIZER, _ANALYSED)
    return index


def _write_meta(index_dir: Path, pair_words: Iterable[str] | None = None) -> None:
    """Write the index's meta file (engine, schema version, pair words: those given, else
    the ones it names already)."""
    meta = index_dir / META_FILE
    words = sorted(pair_words) if pair_words is not None else sorted(_read_pair_words(index_dir))
    tmp = index_dir / f".{META_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"engine": NAME, "schema_version": SCHEMA_VERSION, "pair_words": words}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, meta)


def _meta(index_dir: Path) -> dict[str, Any]:
    try:
        meta = json.loads((index_dir / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _read_meta(index_dir: Path) -> tuple[str | None, int | None]:
    """The engine and schema version that the index's meta file names (None where unread)."""
    meta = _meta(index_dir)
    try:
        version = int(meta["schema_version"])
    except (KeyError, ValueError, TypeError):
        version = None
    return meta.get("engine"), version


def _read_pair_words(index_dir: Path) -> frozenset[str]:
    """The pair words the index's meta file names (:func:`learn_pair_words`)."""
    words = _meta(index_dir).get("pair_words")
    return frozenset(w for w in words if isinstance(w, str)) if isinstance(words, list) \
        else frozenset()


def _all_hits(searcher: tantivy.Searcher, query: tantivy.Query) -> list:
    """Every (score, address) matching ``query`` (counted first: tantivy needs a limit)."""
    return searcher.search(query, max(1, searcher.search(query, 1).count)).hits


def _stored(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> Article:
    return _article_of(searcher.doc(address)["article"][0])


# ---------------------------------------------------------------------------------- dates

def _date_parts(published: str | None) -> tuple[int, int] | None:
    """(day as YYYYMMDD, timestamp as YYYYMMDDHHMMSS) of an ISO date, or None."""
    if not published:
        return None
    try:
        moment = datetime.fromisoformat(published[:19])
    except ValueError:
        return None
    day = moment.year * 10000 + moment.month * 100 + moment.day
    ts = day * 1_000_000 + moment.hour * 10000 + moment.minute * 100 + moment.second
    return day, ts


def _day_int(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _int_day(value: int) -> date:
    return date(value // 10000, value // 100 % 100, value % 100)


def _settled_top(result: dict[str, Any], size: int) -> list[dict[str, Any]] | None:
    """The exact top ``size`` buckets of a terms aggregation asked for more than ``size``
    values with ``show_term_doc_count_error``, or None when its numbers cannot prove them.

    Each segment sends its most frequent candidates, so a bucket's count may miss what the
    segments that did not send it hold (its ``doc_count_error_upper_bound``), and a value
    no segment sent may hold up to the sum of every segment's last count (the result's). The
    top is settled when its buckets miss nothing and no other value can exceed the last of
    them (one tied with it is as good: tantivy too picks among the values tied at the last
    count, and the caller asks for more values when such ties matter, ``_settled``)."""
    buckets = result["buckets"]
    head = buckets[:size]
    if any(b.get("doc_count_error_upper_bound") for b in head):
        return None
    bound = result.get("doc_count_error_upper_bound") or 0  # a value no segment sent
    if result.get("sum_other_doc_count") and buckets:  # values cut after the merge
        bound += buckets[-1]["doc_count"]
    for b in buckets[size:]:
        bound = max(bound, b["doc_count"] + (b.get("doc_count_error_upper_bound") or 0))
    if len(head) < size and bound or head and head[-1]["doc_count"] < bound:
        return None
    return [{"key": b["key"], "doc_count": b["doc_count"]} for b in head]


def _aggregate_exact(snap: _Snapshot, query: tantivy.Query,
                     request: dict[str, Any]) -> dict[str, Any]:
    """Run an aggregation request whose terms counts are exact.

    A terms aggregation merges each segment's top candidates (``segment_size``), so with many
    segments a value's count can come out short. Each one is asked for :data:`CHECK_EXTRA`
    more values than its size with their error bounds, and asked again with every candidate
    of every segment when those cannot prove the top (:func:`_settled_top`). Facets of few
    values (:meth:`_Snapshot.has_few_values`) are counted in full at once.
    """
    searcher = snap.searcher
    few = {spec["terms"]["field"] for spec in request.values()
           if "terms" in spec and snap.has_few_values(spec["terms"]["field"])}

    def exact(spec: dict[str, Any]) -> dict[str, Any]:
        return {"terms": {**spec["terms"], "segment_size": EXACT_SEGMENT_SIZE}}

    def checked(spec: dict[str, Any]) -> dict[str, Any]:
        if spec["terms"]["field"] in few:
            return exact(spec)
        size = spec["terms"]["size"] + CHECK_EXTRA
        return {"terms": {**spec["terms"], "size": size, "segment_size": 10 * size,
                          "show_term_doc_count_error": True}}

    agg = searcher.aggregate(query, {name: checked(spec) if "terms" in spec else spec
                                     for name, spec in request.items()})
    again = {}
    for name, spec in request.items():
        if "terms" not in spec or spec["terms"]["field"] in few:
            continue
        top = _settled_top(agg[name], spec["terms"]["size"])
        if top is None:
            again[name] = exact(spec)
        else:
            agg[name] = {"buckets": top}
    if again:
        agg.update(searcher.aggregate(query, again))
    return agg


# -------------------------------------------------------------------------------- writer

def _facet_key(name: str, value: str) -> str:
    if name in _DATE_FACETS:
        return value.strip()
    return normalize_value(value)


def _prefix_key(name: str, value: str) -> str:
    """A prefix folded like a key but without the alias table ("un" stays "un")."""
    if name in _DATE_FACETS:
        return value.strip()
    return normalize_value(value, aliases=False)


_norm = lru_cache(maxsize=200_000)(normalize_value)


@lru_cache(maxsize=200_000)
def value_hash(key: str) -> int:
    """A facet key as a non-negative 63-bit integer (stable across processes)."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def prepare(article: Article, pairable: frozenset[str] = COMMON) -> PreparedArticle:
    """The article's document fields, computed ahead: run by the indexer in its parser
    processes, so that the one writing process only hands them to tantivy. Only they cross
    back (the stored JSON among them holds the whole article): pickling the article beside
    them cost the writing process 0.039 ms per article to unpickle, against 0.013.
    ``pairable``: :data:`COMMON` and the index's pair words."""
    return PreparedArticle(article.id, article.path, article.content_hash,
                           _fields(article, pairable))


def _article(item: Article | PreparedArticle) -> Article:
    """The whole article of what :meth:`TantivyWriter.add` received."""
    if isinstance(item, PreparedArticle):
        return _article_of(item.payload["article"])
    return item


def _stored_json(article: Article) -> bytes:
    """The stored form of an article (the ``article`` field): its JSON, by orjson (3x faster
    than ``json``: 0.010 against 0.028 ms per article, in the parser processes)."""
    return orjson.dumps(vars(article))  # vars(): the fields as they are (asdict() copies)


def _article_of(stored: bytes) -> Article:
    """An article from its stored JSON (the ``article`` field)."""
    return Article.from_json(orjson.loads(bytes(stored)))


def _document(item: Article | PreparedArticle, pairable: frozenset[str],
              dup: bool = False) -> tantivy.Document:
    """The tantivy document of an article (facet values as written, one per key). Prepared
    fields are used once: then only the stored article stays (the writer keeps the articles
    of a batch until its commit, and the other fields are most of their memory)."""
    if isinstance(item, PreparedArticle) and "id" in item.payload:
        fields = item.payload
        item.payload = {"article": fields["article"]}
    else:
        fields = _fields(_article(item), pairable)
    if dup:
        fields = {**fields, "dup": 1}
    return tantivy.Document(**fields)


def _fields(a: Article, pairable: frozenset[str]) -> dict[str, Any]:
    title, body = analyse(a.title), analyse(a.body)
    fields: dict[str, Any] = {
        "id": a.id,
        "path": a.path,
        "src": f"{a.path}\x00{a.file_signature}",
        "article": _stored_json(a),
        "title": " ".join(title.stems),
        "body": " ".join(body.stems),
        "words": " ".join(title.words + body.words),
        "title_pairs": " ".join(_pairs_of(title.stems, pairable)),
        "body_pairs": " ".join(_pairs_of(body.stems, pairable)),
        "chash": a.content_hash,
    }
    for name in FACET_FIELDS:
        values = getattr(a, name)
        if isinstance(values, str):
            values = [values] if values else []
        out = []
        hashes = []
        seen = set()
        for value in values:
            key = _norm(value)
            if key and key not in seen:
                seen.add(key)
                out.append(value)
                hashes.append(value_hash(key))
        fields[name] = out
        if hashes:
            fields[name + "_h"] = hashes
    parts = _date_parts(a.published)
    if parts:
        day, ts = parts
        fields["day"] = day
        fields["ts"] = ts
        fields["year"] = f"{day // 10000:04d}"
        fields["month"] = f"{day // 10000:04d}-{day // 100 % 100:02d}"
    else:
        fields["year"] = UNDATED
        fields["month"] = UNDATED
    return fields


class TantivyWriter(EngineWriter):
    """One writer per index (tantivy's lock file); commit per batch."""

    default_batch = 10_000
    """A commit flushes a segment and may start merges: at 500 articles per commit, 10,000
    articles took 1.5x as long to index as at 5,000 (same run). With one indexing thread
    (:data:`WRITER_THREADS`) a commit makes one segment of this size and tantivy merges
    eight of them into one, so 100,000 articles end in 3 segments (80,000 + 2 x 10,000) and
    10,000 in one. Queries visit every segment: at 100,000 articles the benchmark's full
    result p95 was 16.1-16.4 ms on 3 segments against 17.6 on 5 (two runs each, same
    minutes), and 18.6 on 12 against 17.1 on 5 (another pair)."""

    def __init__(self, index_dir: Path, rebuild: bool) -> None:
        self.index_dir = index_dir
        path = index_dir / SUBDIR
        index_dir.mkdir(parents=True, exist_ok=True)
        # Our pid lock first (newsearch.engine.lockfile): a second writer is told which
        # process holds the index, and fails at once.
        self._lock_fd: int | None = lockfile.acquire(index_dir)
        try:
            engine, version = _read_meta(index_dir)
            if version not in (None, SCHEMA_VERSION) and engine == NAME:
                if not rebuild:
                    raise EngineError(f"{index_dir} was built by another newsearch version "
                                      f"(tantivy schema {version}); rebuild it with --rebuild")
                if path.exists():
                    shutil.rmtree(path)  # another schema: start the tantivy files afresh
            self._index = _open_index(path, create=True)
            try:
                self._writer = self._index.writer(heap_size=WRITER_HEAP,
                                                  num_threads=WRITER_THREADS)
            except ValueError as exc:
                if "lock" in str(exc).lower():
                    raise IndexLocked(f"{index_dir} is being written by another process") \
                        from None
                raise EngineError(f"cannot write the index at {index_dir}: {exc}") from None
            if rebuild:
                self._writer.delete_all_documents()
            _write_meta(index_dir)
            self._pairable: frozenset[str] | None = None
            """:data:`COMMON` and the pair words; None while the index holds no documents
            (its first articles teach them: :meth:`learn`)."""
            if not rebuild and self._index.searcher().num_docs:
                self._pairable = COMMON | _read_pair_words(index_dir)
        except BaseException:
            lockfile.release(self._lock_fd)
            self._lock_fd = None
            raise
        self._rebuild = rebuild
        self._hashes: dict[str, bool] | None = None
        """Content hash -> whether its documents carry the duplicate mark (committed and
        pending documents of this writer)."""
        self._pending: dict[str, Article | PreparedArticle] = {}
        """Unmarked articles added since the last commit, by content hash."""
        self._deleted: set[str] = set()
        """Source paths deleted since the last commit."""
        self._dirty = rebuild
        """Whether documents were added or deleted since the last commit."""

    @property
    def sample_size(self) -> int:
        return PAIR_SAMPLE if self._pairable is None else 0

    def learn(self, articles: Iterable[Article]) -> None:
        """Learn the index's pair words (:func:`learn_pair_words`) from a sample of the
        articles to come, and record them in the meta file: every document of the index is
        written with them, and queries read them there. Only while the index holds no
        documents; later runs keep them (``--rebuild`` learns afresh)."""
        if self._pairable is not None:
            return
        words = learn_pair_words(articles)
        _write_meta(self.index_dir, words)
        self._pairable = COMMON | words

    def _pairs(self) -> frozenset[str]:
        if self._pairable is None:
            self.learn(())
        return self._pairable  # type: ignore[return-value]

    @property
    def prepare(self) -> Callable[[Article], PreparedArticle]:  # type: ignore[override]
        """Run on each article in the indexer's parser processes (``newsearch.indexer``)."""
        return functools.partial(prepare, pairable=self._pairs())

    def indexed_files(self) -> dict[str, str]:
        self._index.reload()
        searcher = self._index.searcher()
        out: dict[str, str] = {}
        if searcher.num_docs == 0:
            return out
        # The term dictionary still lists deleted documents' terms: count the live ones,
        # in chunks that stay under tantivy's limit of buckets per aggregation.
        terms = [term for term, _ in searcher.terms_with_prefix("src", "")]
        for start in range(0, len(terms), AGG_CHUNK):
            chunk = terms[start:start + AGG_CHUNK]
            agg = searcher.aggregate(Q.term_set_query(SCHEMA, "src", chunk), {"src": {
                "terms": {"field": "src", "size": len(chunk), "segment_size": len(chunk)}}})
            for bucket in agg["src"]["buckets"]:
                path, _, signature = bucket["key"].rpartition("\x00")
                out[path] = signature
        return out

    def _known_hashes(self) -> dict[str, bool]:
        if self._hashes is None:
            self._hashes = {}
            if not self._rebuild:
                self._index.reload()
                searcher = self._index.searcher()
                for term, _ in searcher.terms_with_prefix("chash", ""):
                    self._hashes[term] = False
                for _, address in _all_hits(searcher, MARKED):
                    self._hashes[_stored(searcher, address).content_hash] = True
        return self._hashes

    def add(self, articles: Iterable[Article | PreparedArticle]) -> None:
        if self._pairable is None:  # not taught by the indexer: by the first articles
            articles = list(articles)
            self.learn(a for a in articles if isinstance(a, Article))
        pairable = self._pairs()
        self._dirty = True
        known = self._known_hashes()
        for article in articles:
            h = article.content_hash
            state = known.get(h)
            if state is False:
                copies = self._live_copies(h)
                if copies:
                    # A second copy: the first ones get the duplicate mark too.
                    for copy in copies:
                        self._writer.delete_documents_by_term("id", copy.id)
                        self._writer.add_document(_document(copy, pairable, dup=True))
                    self._pending.pop(h, None)
                    known[h] = True
                else:
                    state = None  # the earlier copy is being deleted: this one is alone
            if state is None:
                known[h] = False
                self._pending[h] = article
                self._writer.add_document(_document(article, pairable))
            else:
                self._writer.add_document(_document(article, pairable, dup=True))

    def _live_copies(self, content_hash: str) -> list[Article | PreparedArticle]:
        """The unmarked documents with this hash that stay (pending ones of this batch, or
        committed ones whose file is not being deleted)."""
        pending = self._pending.get(content_hash)
        if pending is not None:
            return [pending]
        self._index.reload()
        searcher = self._index.searcher()
        query = Q.term_query(SCHEMA, "chash", content_hash)
        copies: list[Article | PreparedArticle] = [
            _stored(searcher, address) for _, address in _all_hits(searcher, query)]
        return [copy for copy in copies if copy.path not in self._deleted]

    def delete_paths(self, paths: Iterable[str]) -> None:
        self._dirty = True
        for path in paths:
            self._writer.delete_documents_by_term("path", path)
            self._deleted.add(path)
        for h, article in list(self._pending.items()):
            if article.path in self._deleted:
                del self._pending[h]

    def commit(self) -> None:
        try:
            self._writer.commit()
        except ValueError as exc:
            raise EngineError(f"commit failed: {exc}") from None
        self._pending.clear()
        self._deleted.clear()
        self._rebuild = False
        self._dirty = False

    def close(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is None:
            return
        self._writer = None
        try:
            if self._dirty:
                writer.rollback()  # what was not committed is dropped
            # Let the merges the last commit started finish (a rollback would cancel them
            # and leave up to eight more small segments, which every query then visits).
            writer.wait_merging_threads()
        except ValueError:  # pragma: no cover - nothing left to release
            pass
        finally:
            lockfile.release(getattr(self, "_lock_fd", None))
            self._lock_fd = None


def open_writer(index_dir: Path, rebuild: bool = False) -> TantivyWriter:
    return TantivyWriter(Path(index_dir), rebuild)


# -------------------------------------------------------------------------------- reader

def _levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of a and b, or limit + 1 when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@dataclass
class _DupDoc:
    """A document whose content hash other documents share: what collapsing needs."""

    id: str
    chash: str
    values: dict[str, list[str]]
    """Facet -> the canonical display values (``year`` and ``month`` included)."""
    day: int | None
    group: int = -1
    """Index of its group in :class:`_Groups` when every live copy has the same facet values
    and day (the usual case, counted with numpy); -1 otherwise."""

    def signature(self) -> tuple:
        return tuple(tuple(self.values[name]) for name in ENGINE_FACETS), self.day


@dataclass
class _Groups:
    """The uniform groups of copies as arrays: group -> its counted values (CSR) and day."""

    values: list[tuple[str, str]]
    """Value id -> (facet, display)."""
    indptr: np.ndarray
    ids: np.ndarray
    days: np.ndarray
    """Day (YYYYMMDD) of each group, 0 when undated."""
    _by_facet: dict[str, tuple[np.ndarray, list[str]]] | None = None
    """Facet -> its value ids and their displays (built on first use)."""

    @classmethod
    def build(cls, docs: Iterable[_DupDoc]) -> _Groups:
        by_hash: dict[str, list[_DupDoc]] = defaultdict(list)
        for doc in docs:
            by_hash[doc.chash].append(doc)
        table: dict[tuple[str, str], int] = {}
        indptr = [0]
        ids: list[int] = []
        days: list[int] = []
        for members in by_hash.values():
            first = members[0]
            if len({m.signature() for m in members}) != 1:
                continue  # copies that differ: counted one by one
            for member in members:
                member.group = len(days)
            for name in ENGINE_FACETS:
                for value in first.values[name]:
                    ids.append(table.setdefault((name, value), len(table)))
            indptr.append(len(ids))
            days.append(first.day or 0)
        return cls(list(table), np.asarray(indptr, dtype=np.int64),
                   np.asarray(ids, dtype=np.int64), np.asarray(days, dtype=np.int64))

    def overcount(self, group_ids: list[int], over: _Overcount) -> None:
        if not group_ids or not len(self.days):
            return
        matched = np.bincount(np.asarray(group_ids, dtype=np.int64), minlength=len(self.days))
        extra = np.maximum(matched - 1, 0)
        if not extra.any():
            return
        over.total += int(extra.sum())
        weights = np.repeat(extra, np.diff(self.indptr))
        per_value = np.bincount(self.ids, weights=weights, minlength=len(self.values))
        if self._by_facet is None:
            by_facet: dict[str, tuple[np.ndarray, list[str]]] = {}
            for name in ENGINE_FACETS:
                vids = [i for i, (facet, _) in enumerate(self.values) if facet == name]
                by_facet[name] = (np.array(vids, dtype=np.int64),
                                  [self.values[i][1] for i in vids])
            self._by_facet = by_facet
        for name, (vids, displays) in self._by_facet.items():
            if not len(vids):
                continue
            counts = per_value[vids]
            hit = np.flatnonzero(counts)
            table = over.values[name]
            for i, n in zip(hit.tolist(), counts[hit].astype(np.int64).tolist(), strict=True):
                table[displays[i]] += n
        dated = (extra > 0) & (self.days > 0)
        for day, n in zip(self.days[dated].tolist(), extra[dated].tolist(), strict=True):
            over.days[day] += n


@dataclass
class _Budget:
    leaves: int = 0
    expanded: int = 0
    phrase_docs: int = 0
    """Documents the query's phrases walk positions in (for each, its rarest term's)."""


@dataclass
class _Overcount:
    total: int = 0
    values: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: defaultdict(int) for name in ENGINE_FACETS})
    days: dict[int, int] = field(default_factory=lambda: defaultdict(int))


class _Unsettled:
    """What :meth:`_Totals.minus` returns when the buckets it was given cannot settle the top."""


UNSETTLED = _Unsettled()


@dataclass
class _Totals:
    """A facet's values and their counts: numbers (sorted) for the hashed fields, strings
    for the date fields."""

    keys: np.ndarray | list[str]
    counts: np.ndarray
    index: dict[str, int] | None = None
    """String key -> position (the date fields; None for numbers)."""

    @classmethod
    def of(cls, buckets: list[dict[str, Any]]) -> _Totals:
        if buckets and not isinstance(buckets[0]["key"], str):
            pairs = sorted((int(b["key"]), b["doc_count"]) for b in buckets)
            return cls(np.array([k for k, _ in pairs], dtype=np.int64),
                       np.array([n for _, n in pairs], dtype=np.int64))
        keys = [b["key"] for b in buckets]
        return cls(keys, np.array([b["doc_count"] for b in buckets], dtype=np.int64),
                   {k: i for i, k in enumerate(keys)})

    def _positions(self, keys: list) -> np.ndarray | None:
        if self.index is None:
            wanted = np.array(keys, dtype=np.int64)
            if len(self.keys) == 0:
                return None
            at = np.searchsorted(self.keys, wanted)
            at[at >= len(self.keys)] = 0
            return at if np.array_equal(self.keys[at], wanted) else None
        try:
            return np.array([self.index[k] for k in keys], dtype=np.int64)
        except KeyError:
            return None

    def minus(self, buckets: list[dict[str, Any]], size: int,
              less: dict[Any, int] | None = None,
              floor: int = 0) -> list[dict[str, Any]] | None | _Unsettled:
        """The ``size`` largest counts once the counts of ``buckets`` and then ``less`` (key
        -> number) are taken away, as aggregation buckets; None if a key is not in this
        table (a value newer than the table: the caller counts directly).

        ``floor``: ``buckets`` are only the most frequent values, and each other value may
        have up to this many to take away. :data:`UNSETTLED` when such a value could be in
        the top (the caller asks for every value)."""
        counts = self.counts.copy()
        known = np.zeros(len(counts), dtype=bool)
        for keys, numbers, exact in (
                ([b["key"] for b in buckets], [b["doc_count"] for b in buckets], True),
                (list(less or ()), list((less or {}).values()), False)):
            if not keys:
                continue
            at = self._positions(keys)
            if at is None:
                return None
            known[at] |= exact
            np.subtract.at(counts, at, np.array(numbers, dtype=np.int64))
        if floor:
            # Exact for the values of buckets, at least count - floor for the others: the
            # top is settled when no other value can reach its size-th count.
            lower = np.where(known, counts, counts - floor)
            positive = lower[lower > 0]
            kth = 1 if len(positive) < size else \
                np.partition(positive, len(positive) - size)[len(positive) - size]
            if np.any(~known & (counts >= kth)):
                return UNSETTLED
        live = np.flatnonzero(counts > 0)
        if len(live) > size:
            # Every value that ties with the size-th count too: the caller breaks ties by name.
            kth = np.partition(counts[live], len(live) - size)[len(live) - size]
            live = live[counts[live] >= kth]
        keys = self.keys
        return [{"key": int(keys[i]) if self.index is None else keys[i],
                 "doc_count": int(counts[i])} for i in live]


class _Snapshot:
    """One committed generation: its searcher and the caches keyed to it."""

    def __init__(self, index: tantivy.Index, generation: str, index_dir: Path) -> None:
        self.searcher = index.searcher()
        self.generation = generation
        self.pairable = COMMON | _read_pair_words(index_dir)
        """:data:`COMMON` and the pair words the documents were written with."""
        self._lock = threading.Lock()
        self._displays: dict[str, dict[str, list[str]]] = {}
        self._key_freq: dict[str, dict[str, int]] = {}
        self._canonical: dict[str, dict[str, str]] = {}
        self._hash_displays: dict[str, dict[int, str]] = {}
        self._display_hashes: dict[str, dict[str, int]] = {}
        self.suggestions: dict[str, str | None] = {}
        self._facet_words: dict[str, list[tuple[str, str]]] = {}
        self._dups: list[str] | None = None
        self._dup_info: dict[tuple[int, int], _DupDoc] | None = None
        self._dup_groups: dict[str, list[str]] | None = None
        self.groups = _Groups.build(())
        self._bounds: tuple[int, int] | None | object = _MISSING
        self._vocab: dict[str, list[tuple[str, int]]] = {}
        self._totals: dict[str, _Totals | None] = {}

    # Counts over the whole index ---------------------------------------------------------
    def totals(self, field: str) -> _Totals | None:
        """Every value of the fast field ``field`` with its number of live documents, or None
        when it has more values than one aggregation may return."""
        with self._lock:
            if field in self._totals:
                return self._totals[field]
        found: _Totals | None = None
        try:
            agg = self.searcher.aggregate(Q.all_query(), {"t": {"terms": {
                "field": field, "size": AGG_CHUNK + 1, "segment_size": AGG_CHUNK + 1}}})
        except ValueError:  # too many buckets
            agg = None
        if agg is not None and len(agg["t"]["buckets"]) <= AGG_CHUNK \
                and not agg["t"].get("sum_other_doc_count"):
            found = _Totals.of(agg["t"]["buckets"])
        with self._lock:
            self._totals[field] = found
        return found

    # Facet value tables ----------------------------------------------------------------
    def displays(self, name: str) -> dict[str, list[str]]:
        """normalize_value key -> the display terms indexed for it (usually one)."""
        table = self._displays.get(name)
        if table is None:
            forms: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for display, freq in self.searcher.terms_with_prefix(name, ""):
                forms[_facet_key(name, display)].append((-freq, display))
            # The spelling found in most documents first (ties: the smallest), as Whoosh.
            table = {key: [d for _, d in sorted(found)] for key, found in forms.items()}
            self._key_freq[name] = {key: -sum(f for f, _ in found)
                                    for key, found in forms.items()}
            self._displays[name] = table
        return table

    def key_freq(self, name: str) -> dict[str, int]:
        self.displays(name)
        return self._key_freq[name]

    def canonical(self, name: str, display: str) -> str:
        cache = self._canonical.get(name)
        if cache is None:
            cache = self._canonical[name] = {}
        found = cache.get(display)
        if found is None:
            forms = self.displays(name).get(_facet_key(name, display))
            found = cache[display] = forms[0] if forms else display
        return found

    def merged(self, name: str, buckets: Iterable[dict[str, Any]]) -> dict[str, int]:
        """Aggregation buckets of a facet (displays, or value hashes for the ``*_h``
        fields) -> canonical display -> count."""
        counts: dict[str, int] = defaultdict(int)
        by_hash = self.hash_displays(name) if name in FACET_FIELDS else None
        for bucket in buckets:
            key = bucket["key"]
            if by_hash is not None:
                display = by_hash.get(int(key))
                if display is None:
                    continue  # a value of documents newer than this generation's table
            else:
                display = self.canonical(name, key)
            counts[display] += bucket["doc_count"]
        return counts

    def display_hashes(self, name: str) -> dict[str, int]:
        """Canonical display -> value hash (the inverse of :meth:`hash_displays`)."""
        table = self._display_hashes.get(name)
        if table is None:
            table = {display: h for h, display in self.hash_displays(name).items()}
            self._display_hashes[name] = table
        return table

    def has_few_values(self, field: str) -> bool:
        """Whether the facet of the fast field ``field`` (a facet's, or its ``*_h`` one) has
        at most :data:`FEW_VALUES` values: those are counted in full at once, directly
        (:func:`_aggregate_exact`) and in the complement (``TantivyEngine._aggregate``)."""
        return len(self.displays(field[:-2] if field.endswith("_h") else field)) <= FEW_VALUES

    def hash_displays(self, name: str) -> dict[int, str]:
        """value_hash(key) -> canonical display, for the hashed facet fields."""
        table = self._hash_displays.get(name)
        if table is None:
            table = {value_hash(key): forms[0] for key, forms in self.displays(name).items()}
            self._hash_displays[name] = table
        return table

    def keys_matching(self, name: str, text: str, prefix: bool) -> list[str]:
        """Keys of facet ``name`` equal to ``text``, containing it as whole words, or (with
        ``prefix``) having words that start with it."""
        # A prefix is folded without alias mapping ("un" must not become "united nations").
        needle = _prefix_key(name, text) if prefix else _facet_key(name, text)
        if not needle:
            return []
        keys = self.displays(name)
        if not prefix:
            padded = f" {needle} "
            return [k for k in keys if k == needle or padded in f" {k} "]
        return [k for k in keys if k.startswith(needle) or f" {needle}" in k]

    # Duplicates -------------------------------------------------------------------------
    def dup_hashes(self) -> list[str]:
        """Content hashes of the documents with the duplicate mark."""
        if self._dups is None:
            self._dups = sorted({doc.chash for doc in self.dup_info().values()})
        return self._dups

    def dup_info(self) -> dict[tuple[int, int], _DupDoc]:
        """(segment, doc) -> :class:`_DupDoc` of every live document with a shared hash."""
        if self._dup_info is None:
            info: dict[tuple[int, int], _DupDoc] = {}
            for _, address in _all_hits(self.searcher, MARKED):
                article = _stored(self.searcher, address)
                values = {}
                for name in FACET_FIELDS:
                    raw = getattr(article, name)
                    raw = [raw] if isinstance(raw, str) else raw
                    table = self.displays(name)
                    values[name] = sorted({table[k][0] for k in
                                           (normalize_value(v) for v in raw if v)
                                           if k in table})
                parts = _date_parts(article.published)
                day = parts[0] if parts else None
                values["year"] = [f"{day // 10000:04d}" if day else UNDATED]
                values["month"] = [f"{day // 10000:04d}-{day // 100 % 100:02d}" if day
                                   else UNDATED]
                info[(address.segment_ord, address.doc)] = _DupDoc(
                    article.id, article.content_hash, values, day)
            self.groups = _Groups.build(info.values())
            self._dup_info = info
        return self._dup_info

    def dup_groups(self) -> dict[str, list[str]]:
        """Content hash -> ids of every live copy (only hashes with two or more)."""
        if self._dup_groups is None:
            groups: dict[str, list[str]] = defaultdict(list)
            for doc in self.dup_info().values():
                groups[doc.chash].append(doc.id)
            self._dup_groups = {h: sorted(ids) for h, ids in groups.items() if len(ids) > 1}
        return self._dup_groups

    # Dates --------------------------------------------------------------------------------
    def bounds(self) -> tuple[int, int] | None:
        """First and last publication day (YYYYMMDD) of the whole index."""
        if self._bounds is _MISSING:
            agg = self.searcher.aggregate(Q.all_query(), {
                "lo": {"min": {"field": "day"}}, "hi": {"max": {"field": "day"}}})
            lo, hi = agg["lo"]["value"], agg["hi"]["value"]
            self._bounds = None if lo is None or hi is None else (int(lo), int(hi))
        return self._bounds  # type: ignore[return-value]

    # Vocabulary ---------------------------------------------------------------------------
    def vocabulary(self, initial: str) -> list[tuple[str, int]]:
        with self._lock:
            words = self._vocab.get(initial)
        if words is None:
            words = self.searcher.terms_with_prefix("words", initial)
            with self._lock:
                self._vocab[initial] = words
        return words


def _read_generation(path: Path) -> str:
    try:
        meta = json.loads((path / "meta.json").read_text("utf-8"))
        return str(meta.get("opstamp", 0))
    except (OSError, ValueError):
        return "0"


class TantivyEngine(Engine):
    """Read side over tantivy: keeps one searcher per commit, switched by :meth:`refresh`."""

    name = NAME

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._path = index_dir / SUBDIR
        _, version = _read_meta(index_dir)
        if version != SCHEMA_VERSION:
            raise EngineError(f"{index_dir} was built by another newsearch version (tantivy "
                              f"schema {version}, this one reads {SCHEMA_VERSION}): rebuild it "
                              f"with `newsearch index --rebuild`")
        self._index = _open_index(self._path, create=False)
        self._index.config_reader(reload_policy="manual")
        self._swap = threading.Lock()
        self._snap = _Snapshot(self._index, _read_generation(self._path), index_dir)
        self._closed = False

    # Lifecycle ------------------------------------------------------------------------------
    def generation(self) -> str:
        return self._snap.generation

    def refresh(self) -> bool:
        with self._swap:
            generation = _read_generation(self._path)
            if generation == self._snap.generation:
                return False
            self._index.reload()
            self._snap = _Snapshot(self._index, generation, self.index_dir)
            return True

    def close(self) -> None:
        self._closed = True

    # Query compilation -------------------------------------------------------------------
    def _text_query(self, field: str, words: Sequence[str]) -> tantivy.Query:
        if len(words) == 1:
            return Q.term_query(SCHEMA, field, words[0])
        return Q.phrase_query(SCHEMA, field, list(words))

    @staticmethod
    def _charge_phrase(snap: _Snapshot, budget: _Budget, fields: Sequence[str],
                       words: Sequence[str], pairs: Sequence[str]) -> None:
        """Count the documents a phrase walks positions in (those of its rarest term, or of
        its rarest common-word pair) and refuse the query past :data:`MAX_PHRASE_DOCS` times
        the archive: tantivy cannot stop a search once started (the Whoosh engine has a time
        limit), and a phrase of two words in most articles costs ~1 ms per 1,000 of them."""
        for name in fields:
            if pairs:
                docs = min(snap.searcher.doc_freq(name + "_pairs", p) for p in pairs)
            else:
                docs = min(snap.searcher.doc_freq(name, w) for w in words)
            budget.phrase_docs += docs
        if budget.phrase_docs > MAX_PHRASE_DOCS * max(snap.searcher.num_docs, 1000):
            raise QueryTooExpensive("the phrases of the query are too common to look up "
                                    "together; use fewer or rarer ones")

    def _narrowed_phrase(self, field: str, words: Sequence[str],
                         pairs: Sequence[str]) -> tantivy.Query:
        """A phrase of three or more words with common-word pairs in it ("said the foul"):
        the documents holding every such pair first (each pair is far rarer than its common
        word), positions for those documents only. A document that holds the phrase holds
        each of its pairs, so the answer, and the score (the pairs count 0), are the
        phrase's own."""
        clauses = [(Occur.Must, Q.const_score_query(
            Q.term_query(SCHEMA, field + "_pairs", pair), 0.0)) for pair in dict.fromkeys(pairs)]
        return Q.boolean_query([*clauses, (Occur.Must, self._text_query(field, words))])

    def _on_text_fields(self, fields: Sequence[str], make) -> tantivy.Query:  # noqa: ANN001
        parts = []
        for name in fields:
            query = make(name)
            if name == "title" and len(fields) > 1:
                query = Q.boost_query(query, TITLE_BOOST)
            parts.append((Occur.Should, query))
        return parts[0][1] if len(parts) == 1 else Q.boolean_query(parts)

    def _facet_query(self, snap: _Snapshot, name: str, keys: Iterable[str]) -> tantivy.Query:
        table = snap.displays(name)
        terms = [display for key in keys for display in table.get(key, ())]
        if not terms:
            return Q.empty_query()
        if len(terms) == 1:
            return Q.term_query(SCHEMA, name, terms[0])
        return Q.term_set_query(SCHEMA, name, terms)

    def compile(self, node: Node, snap: _Snapshot | None = None) -> tantivy.Query:
        """Our query tree as a tantivy query (:class:`QueryTooExpensive` past the limits)."""
        return self._compile(node, snap or self._snap, _Budget())

    def _compile(self, node: Node, snap: _Snapshot, budget: _Budget,
                 depth: int = 0) -> tantivy.Query:
        if depth > MAX_DEPTH:
            raise QueryTooExpensive("the query is nested too deeply")
        if isinstance(node, (Term, Phrase, Prefix)):
            budget.leaves += 1
            if budget.leaves > MAX_LEAVES:
                raise QueryTooExpensive(f"the query has more than {MAX_LEAVES} terms")
        if isinstance(node, MatchAll):
            return Q.all_query()
        if isinstance(node, (Term, Phrase)):
            if node.field in FACET_FIELDS:
                keys = snap.keys_matching(node.field, node.text, prefix=False)
                if len(keys) > MAX_EXPANSION:
                    raise QueryTooExpensive(f"{node.field}:{node.text} matches too many values")
                return self._facet_query(snap, node.field, keys)
            words = _STEM.analyze(node.text)
            if not words:
                return Q.empty_query()
            fields = (node.field,) if node.field in _TEXT_FIELDS else _TEXT_FIELDS
            pair = _pair_of(words, snap.pairable)
            if pair is not None:
                # One term of the pairs field instead of two position lists.
                return self._on_text_fields(
                    fields, lambda f: Q.term_query(SCHEMA, f + "_pairs", pair))
            inner = _pairs_of(words, snap.pairable) if len(words) > 2 else []
            if len(words) > 1:
                self._charge_phrase(snap, budget, fields, words, inner)
            if inner:
                return self._on_text_fields(
                    fields, lambda f: self._narrowed_phrase(f, words, inner))
            return self._on_text_fields(fields, lambda f: self._text_query(f, words))
        if isinstance(node, Prefix):
            if node.field in FACET_FIELDS:
                if len(_prefix_key(node.field, node.prefix)) < MIN_PREFIX:
                    raise QueryTooExpensive(
                        f"a wildcard needs at least {MIN_PREFIX} letters before the *")
                keys = snap.keys_matching(node.field, node.prefix, prefix=True)
                budget.expanded += len(keys)
                if len(keys) > MAX_EXPANSION or budget.expanded > MAX_EXPANDED:
                    raise QueryTooExpensive(
                        f"{node.field}:{node.prefix}* matches more than {MAX_EXPANSION} values")
                return self._facet_query(snap, node.field, keys)
            return self._prefix_query(snap, node, budget)
        if isinstance(node, DateRange):
            return Q.range_query(
                SCHEMA, "day", tantivy.FieldType.Integer,
                lower_bound=_day_int(node.start) if node.start else 0,
                upper_bound=_day_int(node.end) if node.end else 99_991_231)
        if isinstance(node, And):
            must = [c for c in node.children if not isinstance(c, Not)]
            nots = [c.child for c in node.children if isinstance(c, Not)]
            clauses = [(Occur.Must, self._compile(c, snap, budget, depth + 1)) for c in must]
            if not clauses:
                clauses = [(Occur.Must, Q.all_query())]
            clauses += [(Occur.MustNot, self._compile(c, snap, budget, depth + 1)) for c in nots]
            return clauses[0][1] if len(clauses) == 1 else Q.boolean_query(clauses)
        if isinstance(node, Or):
            if not node.children:
                return Q.empty_query()
            subs = [(Occur.Should, self._compile(c, snap, budget, depth + 1))
                    for c in node.children]
            return subs[0][1] if len(subs) == 1 else Q.boolean_query(subs)
        if isinstance(node, Not):
            child = self._compile(node.child, snap, budget, depth + 1)
            return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, child)])
        raise EngineError(f"cannot compile query node {node!r}")

    def _prefix_query(self, snap: _Snapshot, node: Prefix, budget: _Budget) -> tantivy.Query:
        words = _WORDS.analyze(node.prefix)
        if not words or len(words[-1]) < MIN_PREFIX:
            raise QueryTooExpensive(
                f"a wildcard needs at least {MIN_PREFIX} letters before the *: {node.prefix!r}")
        prefix = words[-1]
        found = snap.searcher.terms_with_prefix("words", prefix, limit=MAX_EXPANSION + 1)
        budget.expanded += len(found)
        if len(found) > MAX_EXPANSION:
            raise QueryTooExpensive(
                f"{node.prefix}* matches more than {MAX_EXPANSION} words; make it longer")
        if budget.expanded > MAX_EXPANDED:
            raise QueryTooExpensive("the wildcards of the query match too many words")
        stems = sorted({s for word, _ in found for s in _STEM.analyze(word)})
        if not stems:
            return Q.empty_query()
        lead = [s for w in words[:-1] for s in _STEM.analyze(w)]
        fields = (node.field,) if node.field in _TEXT_FIELDS else _TEXT_FIELDS

        def make(field: str) -> tantivy.Query:
            if len(stems) == 1:
                return Q.term_query(SCHEMA, field, stems[0])
            return Q.term_set_query(SCHEMA, field, stems)

        expanded = self._on_text_fields(fields, make)
        if not lead:
            return expanded
        # "covid-19*": the other words as words, the last one expanded.
        clauses = [(Occur.Must, self._on_text_fields(fields, lambda f, w=w: Q.term_query(
            SCHEMA, f, w))) for w in lead]
        return Q.boolean_query([*clauses, (Occur.Must, expanded)])

    def _filter_clauses(
        self, snap: _Snapshot, filters: Filters, skip: str | None = None
    ) -> list[tuple[Occur, tantivy.Query]]:
        """Filters as non-scoring clauses; ``skip`` leaves out the include filter of a field
        (for its disjunctive facet counts)."""
        clauses: list[tuple[Occur, tantivy.Query]] = []
        for name, values in filters.include.items():
            if not values or name == skip:
                continue
            keys = {_facet_key(name, v) for v in values}
            clauses.append((Occur.Must, Q.const_score_query(
                self._facet_query(snap, name, keys), 0.0)))
        for name, values in filters.exclude.items():
            if not values:
                continue
            keys = {_facet_key(name, v) for v in values}
            clauses.append((Occur.MustNot, self._facet_query(snap, name, keys)))
        if filters.start or filters.end:
            clauses.append((Occur.Must, Q.const_score_query(
                self.compile(DateRange(filters.start, filters.end), snap), 0.0)))
        return clauses

    @staticmethod
    def _combine(base: tantivy.Query,
                 clauses: list[tuple[Occur, tantivy.Query]]) -> tantivy.Query:
        if not clauses:
            return base
        return Q.boolean_query([(Occur.Must, base), *clauses])

    # Search ---------------------------------------------------------------------------------
    def _ordered(self, snap: _Snapshot, query: tantivy.Query, sort: str, limit: int,
                 offset: int = 0) -> tantivy.SearchResult:
        limit = max(1, limit)
        if sort == "newest":
            return snap.searcher.search(query, limit, offset=offset, order_by_field="ts",
                                        order=tantivy.Order.Desc)
        if sort == "oldest":
            return snap.searcher.search(query, limit, offset=offset, order_by_field="ts",
                                        order=tantivy.Order.Asc)
        return snap.searcher.search(query, limit, offset=offset)

    @staticmethod
    def _load(snap: _Snapshot, address: tantivy.DocAddress) -> Article:
        return _stored(snap.searcher, address)

    def _dup_matches(self, snap: _Snapshot, query: tantivy.Query) -> list[_DupDoc]:
        """The documents matching ``query`` whose content hash other documents share."""
        info = snap.dup_info()
        if not info:
            return []
        restricted = Q.boolean_query([
            (Occur.Must, query),
            (Occur.Must, Q.const_score_query(MARKED, 0.0)),
        ])
        found = snap.searcher.search(restricted, len(info), count=False)
        out = []
        for _, address in found.hits:
            doc = info.get((address.segment_ord, address.doc))
            if doc is not None:
                out.append(doc)
        return out

    @staticmethod
    def _overcount(snap: _Snapshot, matches: list[_DupDoc]) -> _Overcount:
        """How much plain counts exceed collapsed ones: each story counts once overall, and
        once per facet value and per date bucket."""
        over = _Overcount()
        uniform = [doc.group for doc in matches if doc.group >= 0]
        snap.groups.overcount(uniform, over)
        groups: dict[str, list[_DupDoc]] = defaultdict(list)
        for doc in matches:
            if doc.group < 0:
                groups[doc.chash].append(doc)
        for members in groups.values():
            if len(members) < 2:
                continue
            over.total += len(members) - 1
            for name in ENGINE_FACETS:
                counts: dict[str, int] = defaultdict(int)
                for doc in members:
                    for value in doc.values[name]:
                        counts[value] += 1
                for value, n in counts.items():
                    if n > 1:
                        over.values[name][value] += n - 1
            days: dict[int, int] = defaultdict(int)
            for doc in members:
                if doc.day is not None:
                    days[doc.day] += 1
            for day, n in days.items():
                if n > 1:
                    over.days[day] += n - 1
        return over

    def search(self, query: EngineQuery) -> EngineResult:
        if query.sort not in SORTS:
            raise EngineError(f"unknown sort {query.sort!r}; choose one of {', '.join(SORTS)}")
        snap = self._snap
        base = self.compile(query.query, snap)
        filtered = self._combine(base, self._filter_clauses(snap, query.filters))
        matches = self._dup_matches(snap, filtered) if query.collapse else []
        over = self._overcount(snap, matches)
        wanted = query.offset + query.limit
        boosted = bool(query.recency_boost) and query.sort == "relevance"
        if not over.total and not boosted:
            result = self._ordered(snap, filtered, query.sort, query.limit, query.offset)
            ranked = list(result.hits)
        else:
            fetch = wanted + over.total
            if boosted:
                fetch = max(fetch, RECENCY_WINDOW)
            result = self._ordered(snap, filtered, query.sort, fetch)
            ranked = list(result.hits)
            if boosted:
                ranked = self._rerank(snap, ranked, query.recency_boost)
            if over.total:
                ranked = self._collapse_hits(snap, ranked)
            ranked = ranked[query.offset:wanted]
        groups = snap.dup_groups() if query.collapse else {}
        hits = []
        for score, address in ranked[:query.limit]:
            article = self._load(snap, address)
            others = [i for i in groups.get(article.content_hash, ()) if i != article.id]
            hits.append(EngineHit(article, float(score) if query.sort == "relevance" else 0.0,
                                  others))
        out = EngineResult(total=result.count - over.total, hits=hits)
        if query.facets or query.histogram:
            self._facets(snap, query, base, over, out, result.count)
        return out

    @staticmethod
    def _collapse_hits(snap: _Snapshot, ranked: list) -> list:
        info = snap.dup_info()
        seen: set[str] = set()
        out = []
        for score, address in ranked:
            doc = info.get((address.segment_ord, address.doc))
            if doc is not None:
                if doc.chash in seen:
                    continue
                seen.add(doc.chash)
            out.append((score, address))
        return out

    def _rerank(self, snap: _Snapshot, hits: list, boost: float) -> list[tuple[float, Any]]:
        if not hits:
            return []
        bounds = snap.bounds()
        days = snap.searcher.fast_field_values("day", [address for _, address in hits])
        lo = hi = 0
        if bounds:
            lo, hi = (_int_day(b).toordinal() for b in bounds)
        out = []
        for (score, address), day in zip(hits, days, strict=True):
            fresh = 0.0
            if bounds and day is not None:
                fresh = ((_int_day(int(day)).toordinal() - lo) / (hi - lo)) if hi > lo else 1.0
            out.append((float(score) * (1.0 + boost * fresh), address))
        out.sort(key=lambda item: -item[0])
        return out

    # Facets and the histogram -----------------------------------------------------------------
    @staticmethod
    def _aggregate(snap: _Snapshot, q: tantivy.Query, request: dict[str, Any],
                   matched: int | None,
                   less: dict[str, tuple[int, dict[Any, int]]] | None = None) -> dict[str, Any]:
        """``request``'s aggregations over the documents matching ``q`` (``matched`` of
        them, if known). The terms counts of a query that matches most of the index are the
        index's counts minus those of the documents it does not match (exact, and cheaper:
        an aggregation costs in proportion to the documents it visits).

        ``less``: per terms aggregation, (size, display -> number): on that path the numbers
        are taken away before the top ``size`` values are picked, and the result says so
        (``"corrected": True``); otherwise the caller corrects the counts."""
        live = snap.searcher.num_docs
        terms = {name: spec for name, spec in request.items() if "terms" in spec}
        if not terms or live < 1000:
            return _aggregate_exact(snap, q, request)
        if matched is None:
            matched = snap.searcher.search(q, 1).count
        if matched <= COMPLEMENT_SHARE * live:
            return _aggregate_exact(snap, q, request)
        totals = {name: snap.totals(spec["terms"]["field"]) for name, spec in terms.items()}
        if any(t is None for t in totals.values()) \
                or sum(len(t.counts) for t in totals.values()) > AGG_CHUNK:
            return _aggregate_exact(snap, q, request)
        rest = Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, q)])
        out: dict[str, Any] = {}
        # The complement's most frequent values first (COMPLEMENT_TOP), every value for the
        # facets whose top they leave unsettled.
        pending = terms
        for first in (True, False):
            try:
                agg = snap.searcher.aggregate(rest, {name: {"terms": {
                    "field": spec["terms"]["field"],
                    # (a facet of few values, all of them: its top is often close-run)
                    "size": COMPLEMENT_TOP if first and not snap.has_few_values(
                        spec["terms"]["field"]) else AGG_CHUNK,
                    "segment_size": AGG_CHUNK}} for name, spec in pending.items()})
            except ValueError:  # too many buckets after all
                return _aggregate_exact(snap, q, request)
            for name, spec in pending.items():
                size, minus = (less or {}).get(name, (spec["terms"]["size"], {}))
                if minus and name in FACET_FIELDS:
                    keys = snap.display_hashes(name)
                    if any(v not in keys for v in minus):
                        return _aggregate_exact(snap, q, request)
                    minus = {keys[v]: n for v, n in minus.items()}
                found = agg[name]["buckets"]
                floor = found[-1]["doc_count"] if agg[name].get("sum_other_doc_count") else 0
                buckets = totals[name].minus(found, size, minus, floor)
                if buckets is None:
                    return _aggregate_exact(snap, q, request)
                if not isinstance(buckets, _Unsettled):
                    out[name] = {"buckets": buckets, "corrected": name in (less or {})}
            pending = {name: spec for name, spec in pending.items() if name not in out}
            if not pending:
                break
        others = {name: spec for name, spec in request.items() if name not in terms}
        if others:
            out.update(snap.searcher.aggregate(q, others))
        return out

    @staticmethod
    def _corrected(snap: _Snapshot, name: str, buckets: list[dict[str, Any]],
                   extras: dict[str, int]) -> dict[str, int]:
        """A facet's buckets as display -> count, less the duplicates' over-counts."""
        counts = snap.merged(name, buckets)
        for value, extra in extras.items():
            if value in counts:
                counts[value] -= extra
        return counts

    @staticmethod
    def _settled(buckets: list[dict[str, Any]], counts: dict[str, int], asked: int,
                 size: int) -> bool:
        """Whether the top ``size`` of ``counts`` (plain counts of the ``asked`` largest
        buckets, less the duplicate corrections) is final: every value left out counts at
        most the smallest bucket returned, so it can neither pass nor tie (ties go by name)
        a corrected count above that."""
        if len(buckets) < asked:
            return True  # every value came back
        floor = min(b["doc_count"] for b in buckets)
        top = sorted((c for c in counts.values() if c > 0), reverse=True)
        return len(top) >= size and top[size - 1] > floor

    def _facets(self, snap: _Snapshot, query: EngineQuery, base: tantivy.Query,
                over: _Overcount, out: EngineResult, matched: int | None = None) -> None:
        filters = query.filters
        selected = {name: values for name, values in filters.include.items() if values}
        size = max(query.facet_limit, 1)
        groups: dict[str | None, list[str]] = {None: []}
        for name in query.facets:
            groups.setdefault(name if name in selected else None, []).append(name)
        counted: dict[str, dict[str, int]] = {}
        asked: dict[str, tuple[tantivy.Query, _Overcount]] = {}
        for skip, names in groups.items():
            if skip is None and not names and not query.histogram:
                continue
            q = self._combine(base, self._filter_clauses(snap, filters, skip=skip))
            group_over = over
            if skip is not None and query.collapse:
                # Without this field's filter, other copies may match.
                group_over = self._overcount(snap, self._dup_matches(snap, q))
            # _aggregate_exact: each terms count proved exact, or counted in full.
            # The histogram's count of every month also gives the month and year facets.
            all_months = skip is None and query.histogram
            derived = {"month", "year"} & set(names) if all_months else set()
            # The top size + 20 by plain count; when the duplicate corrections could lift a
            # value beyond them into the top, that facet is asked again (_settled).
            request: dict[str, Any] = {
                name: {"terms": {"field": name + "_h" if name in FACET_FIELDS else name,
                                 "size": size + 20}}
                for name in names if name not in derived}
            for name in names:
                asked[name] = (q, group_over)
            if all_months:
                request["_month"] = {"terms": {"field": "month", "size": 5_000}}
                request["_lo"] = {"min": {"field": "day"}}
                request["_hi"] = {"max": {"field": "day"}}
            less = {name: (size + 20, group_over.values[name]) for name in request
                    if name in group_over.values}
            agg = self._aggregate(snap, q, request,
                                  matched if skip is None and group_over is over else None,
                                  less)
            if "month" in derived:
                agg["month"] = agg["_month"]
            if "year" in derived:
                years: dict[str, int] = defaultdict(int)
                for bucket in agg["_month"]["buckets"]:
                    years[bucket["key"][:4] if bucket["key"] != UNDATED else UNDATED] += \
                        bucket["doc_count"]
                agg["year"] = {"buckets": [{"key": k, "doc_count": n}
                                           for k, n in years.items()]}
            for name in names:
                buckets = agg[name]["buckets"]
                if agg[name].get("corrected"):
                    counted[name] = snap.merged(name, buckets)
                    continue
                extras = group_over.values[name]
                counts = self._corrected(snap, name, buckets, extras)
                asked_size = request[name]["terms"]["size"] if name in request else 0
                while asked_size and not self._settled(buckets, counts, asked_size, size) \
                        and asked_size < AGG_CHUNK:
                    # Values beyond the buckets could still enter the top (after the
                    # duplicate corrections, or tied with the last one): ask for more.
                    asked_size = min(AGG_CHUNK, max(asked_size * 4, size + 20 + len(extras)))
                    buckets = _aggregate_exact(snap, q, {name: {"terms": {
                        **request[name]["terms"], "size": asked_size}}})[name]["buckets"]
                    counts = self._corrected(snap, name, buckets, extras)
                counted[name] = counts
            if skip is None and query.histogram:
                self._histogram(snap, q, agg, over, out)
        for name in query.facets:
            counts = counted.get(name, {})
            values = sorted(((v, c) for v, c in counts.items() if c > 0),
                            key=lambda kv: (-kv[1], kv[0]))
            facet = [FacetValue(value, count) for value, count in values[:query.facet_limit]]
            shown = {_facet_key(name, v.value) for v in facet}
            table = snap.displays(name) if name in selected else {}
            for value in selected.get(name, ()):
                key = _facet_key(name, value)
                if key in shown:
                    continue
                shown.add(key)
                forms = table.get(key)
                if not forms:
                    facet.append(FacetValue(value, 0))
                    continue
                display = forms[0]
                count = counts.get(display)
                if count is None and name in asked:
                    # Not among the top buckets: count it exactly.
                    q, group_over = asked[name]
                    count = snap.searcher.search(self._combine(q, [(
                        Occur.Must, Q.const_score_query(self._facet_query(snap, name, [key]),
                                                        0.0))]), 1).count
                    count -= group_over.values[name].get(display, 0)
                facet.append(FacetValue(display, max(0, count or 0)))
            out.facets[name] = facet

    def _histogram(self, snap: _Snapshot, q: tantivy.Query, agg: dict[str, Any],
                   over: _Overcount, out: EngineResult) -> None:
        months = {b["key"]: b["doc_count"] for b in agg["_month"]["buckets"]}
        for label, extra in over.values["month"].items():
            if label in months:
                months[label] -= extra
        out.undated = months.pop(UNDATED, 0)
        lo, hi = agg["_lo"]["value"], agg["_hi"]["value"]
        if lo is None or hi is None or not months:
            out.granularity = "month"
            out.histogram = []
            return
        first, last = _int_day(int(lo)), _int_day(int(hi))
        out.granularity = histogram_granularity(first, last)
        buckets: list[HistogramBucket] = []
        if out.granularity == "day":
            days_agg = snap.searcher.aggregate(q, {"d": {"terms": {
                "field": "day", "size": 1000, "segment_size": 1000}}})
            counts = {int(b["key"]): b["doc_count"] for b in days_agg["d"]["buckets"]}
            for ordinal in range(first.toordinal(), last.toordinal() + 1):
                day = date.fromordinal(ordinal)
                key = _day_int(day)
                buckets.append(HistogramBucket(day.isoformat(),
                                               counts.get(key, 0) - over.days.get(key, 0)))
        elif out.granularity == "month":
            year, month = first.year, first.month
            while (year, month) <= (last.year, last.month):
                label = f"{year:04d}-{month:02d}"
                buckets.append(HistogramBucket(label, months.get(label, 0)))
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            # A story whose copies fall in different months of one year counts once there.
            years: dict[str, int] = defaultdict(int)
            for label, count in months.items():
                years[label[:4]] += count
            for label, extra in over.values["year"].items():
                months_extra = sum(n for m, n in over.values["month"].items()
                                   if m.startswith(label))
                years[label] -= extra - months_extra
            for year in range(first.year, last.year + 1):
                buckets.append(HistogramBucket(f"{year:04d}", years.get(f"{year:04d}", 0)))
        out.histogram = buckets

    # Other reads ------------------------------------------------------------------------------
    def count(self, query: Node, filters: Filters | None = None) -> int:
        return self.search(EngineQuery(query=query, filters=filters or Filters(),
                                       limit=1)).total

    def get(self, article_id: str) -> Article | None:
        snap = self._snap
        result = snap.searcher.search(Q.term_query(SCHEMA, "id", article_id), 1)
        if not result.hits:
            return None
        return self._load(snap, result.hits[0][1])

    def duplicates_of(self, article: Article) -> list[str]:
        snap = self._snap
        result = snap.searcher.search(Q.term_query(SCHEMA, "chash", article.content_hash), 1)
        if result.count <= 1:
            return []
        result = snap.searcher.search(Q.term_query(SCHEMA, "chash", article.content_hash),
                                      result.count)
        ids = [self._load(snap, address).id for _, address in result.hits]
        return sorted(i for i in ids if i != article.id)

    def more_like_this(self, article_id: str, limit: int = 5) -> list[EngineHit]:
        snap = self._snap
        article = self.get(article_id)
        if article is None:
            return []
        # The fields' analyser only splits analysed text (_fields): hand it the stems.
        like = Q.more_like_this_document_fields_query(
            SCHEMA, {name: [" ".join(analyse(getattr(article, name)).stems)]
                     for name in _TEXT_FIELDS},
            min_doc_frequency=1, min_term_frequency=1, max_query_terms=25,
            max_doc_frequency=max(10, snap.searcher.num_docs // 2), min_word_length=3)
        skip = [article.id, *self.duplicates_of(article)]
        query = Q.boolean_query([(Occur.Must, like),
                                 (Occur.MustNot, Q.term_set_query(SCHEMA, "id", skip)),
                                 (Occur.MustNot, Q.term_query(SCHEMA, "chash",
                                                              article.content_hash))])
        result = snap.searcher.search(query, max(1, limit * 3))
        hits: list[EngineHit] = []
        seen = {article.content_hash}
        for score, address in result.hits:
            other = self._load(snap, address)
            if other.content_hash in seen:
                continue
            seen.add(other.content_hash)
            hits.append(EngineHit(other, float(score)))
            if len(hits) == limit:
                break
        return hits

    def facet_values(self, field: str, prefix: str = "", limit: int = 20) -> list[FacetValue]:
        if field not in ENGINE_FACETS:
            raise EngineError(f"unknown facet {field!r}")
        snap = self._snap
        keys = (snap.keys_matching(field, prefix, prefix=True) if _prefix_key(field, prefix)
                else list(snap.displays(field)))
        # Rank by the term dictionary's document frequency (deleted documents included until
        # a merge), then count the best candidates exactly.
        freq = snap.key_freq(field)
        keys.sort(key=lambda k: -freq.get(k, 0))
        counts = []
        for key in keys[:max(3 * limit, limit + 20)]:
            total = snap.searcher.search(self._facet_query(snap, field, [key]), 1).count
            if total:
                counts.append((snap.displays(field)[key][0], total))
        counts.sort(key=lambda kv: (-kv[1], kv[0]))
        return [FacetValue(value, count) for value, count in counts[:limit]]

    def word_frequency(self, word: str) -> int:
        words = _WORDS.analyze(word)
        if len(words) != 1:
            return 0
        snap = self._snap
        return snap.searcher.search(Q.term_query(SCHEMA, "words", words[0]), 1).count

    def suggest_word(self, word: str) -> str | None:
        words = _WORDS.analyze(word)
        if len(words) != 1:
            return None
        word = words[0]
        snap = self._snap
        if word in snap.suggestions:
            return snap.suggestions[word]
        found = self._suggest(snap, word)
        if len(snap.suggestions) < 10_000:
            snap.suggestions[word] = found
        return found

    def _suggest(self, snap: _Snapshot, word: str) -> str | None:
        own = self.word_frequency(word)
        limit = 1 if len(word) <= 4 else 2
        # Candidates share the first letter (as Whoosh's corrector with prefix=1); the
        # nearest distance that has any candidate wins, then the most frequent word.
        by_distance: dict[int, list[tuple[str, int]]] = defaultdict(list)
        letters = set(word)
        size = len(word)
        for term, freq in snap.vocabulary(word[0]):
            # Cheap bounds first: each edit changes the length by at most one and the set of
            # letters by at most two.
            if term == word or abs(len(term) - size) > limit or \
                    len(letters.symmetric_difference(term)) > 2 * limit:
                continue
            distance = _levenshtein(word, term, limit)
            if distance <= limit:
                by_distance[distance].append((term, freq))
        for distance in sorted(by_distance):
            # The term dictionary counts deleted documents until a merge: count live ones.
            live = [(term, self.word_frequency(term)) for term, _ in by_distance[distance]]
            better = [(term, freq) for term, freq in live if freq > own]
            if not better:
                return None
            return min(better, key=lambda tf: (-tf[1], tf[0]))[0]
        return None

    def stats(self, top: int = 10) -> IndexStats:
        snap = self._snap
        searcher = snap.searcher
        request: dict[str, Any] = {
            name: {"terms": {"field": name + "_h", "size": top + 20}}
            for name in ("publisher", "people", "places", "orgs")}
        request["lo"] = {"min": {"field": "day"}}
        request["hi"] = {"max": {"field": "day"}}
        agg = _aggregate_exact(snap, Q.all_query(), request) if searcher.num_docs else {}
        undated = searcher.search(Q.term_query(SCHEMA, "year", UNDATED), 1).count

        def top_values(name: str) -> list[FacetValue]:
            buckets = agg.get(name, {}).get("buckets", []) if agg else []
            counts = sorted(snap.merged(name, buckets).items(), key=lambda kv: (-kv[1], kv[0]))
            return [FacetValue(value, count) for value, count in counts[:top]]

        lo = agg.get("lo", {}).get("value") if agg else None
        hi = agg.get("hi", {}).get("value") if agg else None
        size = sum(p.stat().st_size for p in self._path.rglob("*") if p.is_file())
        return IndexStats(
            engine=NAME,
            articles=searcher.num_docs,
            first_date=_int_day(int(lo)).isoformat() if lo is not None else None,
            last_date=_int_day(int(hi)).isoformat() if hi is not None else None,
            undated=undated,
            size_bytes=size,
            publishers=top_values("publisher"),
            people=top_values("people"),
            places=top_values("places"),
            orgs=top_values("orgs"),
            generation=snap.generation,
        )


def open_engine(index_dir: Path) -> TantivyEngine:
    return TantivyEngine(Path(index_dir))


__all__ = ["NAME", "SCHEMA_VERSION", "TantivyEngine", "TantivyWriter",
           "open_engine", "open_writer"]
