"""The Whoosh engine: newsearch's index on Whoosh (``whoosh-reloaded``), read and write sides.

Part of the engine stage; the only module besides ``tantivy_engine`` that imports an index
library. Design (docs/indexing.md; measured facts in ``../shared/notes``):

- Text: ``title`` (boosted) and ``body`` analysed by :class:`NewsAnalyzer`, a thin wrapper of
  :func:`newsearch.analysis.tokenize` (or pre-analysed in the parser processes), with
  positions (phrases). ``words`` holds the unstemmed words of each article with doc-only
  postings: spelling suggestions and word frequencies.
- Facets: per facet field ``F``, ``F`` stores the display forms and ``F_w`` indexes the words
  of the normalised values with positions and a gap between values (``person:putin`` finds
  "Vladimir Putin"; a phrase never spans two values). One ``facets`` column holds every facet
  value of a document: the source of the forward index.
- Reading: one shared :class:`_State` per index directory and commit: an open searcher, a
  :class:`newsearch.engine.forward.ForwardIndex` (built from columns, decoded once per
  segment) and :class:`_Arrays` (field lengths, cached postings and positions).
  :class:`_Evaluator` answers a query tree with numpy (postings read block by block, BM25
  over title and body; phrases as a merge of position arrays read straight from the posting
  blocks, :func:`phrase_starts`); filters, collapse, facet counts, histogram and date sorts
  are numpy too.
  Handles (:class:`WhooshEngine`) are cheap, so a request may open its own.
- Writing: one writer at a time (our own ``write.lock``, a flock holding the writer's pid),
  buffered adds and deletes written by one Whoosh segment writer per commit, whose segment
  files, table of contents and directory are fsynced before the commit is reported; merges
  (tiered) in commits of their own.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain
from pathlib import Path
from pickle import loads as _loads

import numpy as np
from whoosh import columns, fields, formats
from whoosh import query as wq
from whoosh.analysis import Analyzer, Token
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError, FileIndex, clean_files
from whoosh.matching import ListMatcher
from whoosh.scoring import BM25F
from whoosh.writing import NO_MERGE, SegmentWriter

from newsearch import querytree as qt
from newsearch.analysis import MAX_TOKEN_CHARS, WORD, stem, terms, tokenize
from newsearch.article import Article, normalize_value
from newsearch.engine import lockfile
from newsearch.engine.base import (
    Engine,
    EngineError,
    EngineHit,
    EngineQuery,
    EngineResult,
    EngineWriter,
    FacetValue,
    Filters,
    IndexStats,
    QueryTooExpensive,
)
from newsearch.engine.forward import (
    FacetColumn,
    ForwardIndex,
    evaluate,
    lru_get,
    top_values,
)
from newsearch.engine.prepost import PrePosted, prepost

log = logging.getLogger(__name__)

ANALYSIS_ATTR = "_analysis"
"""Attribute of an Article holding its pre-analysed text (``newsearch.pipeline.analyze``)."""

NAME = "whoosh"
SCHEMA_VERSION = 2
META_FILE = "newsearch.json"
INDEX_NAME = "MAIN"
TITLE_BOOST = 2.5
VALUE_GAP = 100
"""Position gap between two values of a facet field: phrases never span values."""
FACET_FIELDS = qt.FACET_FIELDS
SEP = "\x1f"
RS = "\x1e"
FACETS_COLUMN = "facets"
_CONTROL = re.compile("[\x1e\x1f]")

MAX_LEAVES = 200
MAX_PREFIX_TERMS = 1000
MAX_EXPANDED_TERMS = 4000
MIN_PREFIX = 2
MAX_DEPTH = 64


# -- Whoosh fixes ------------------------------------------------------------------------


def _cached_reader(self, fieldname, column):  # noqa: ANN001, ANN202
    """W3PerDocReader._cached_reader that also remembers a missing column: Whoosh asks for the
    length column of unscored fields once per posting, and each miss was an ``os.stat``
    (about a quarter of commit time when profiled)."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader

# W3PostingsWriter.finish_postings calls ``terminfo.set_inline`` but the method is named
# ``set_inlined``: with an ``inlinelimit`` above 1 (inline short posting lists in the term
# table, which Whoosh's readers support) writing failed. Our batch writer inlines.
if not hasattr(whoosh3.W3TermInfo, "set_inline"):
    whoosh3.W3TermInfo.set_inline = whoosh3.W3TermInfo.set_inlined



class _InlinedMatcher(ListMatcher):
    """Matcher of an inlined posting list. Whoosh's ListMatcher gives ``""`` (a str) as the
    value of a posting without one (doc-only fields), where a block matcher gives None, and
    merging such a segment then fails (values must be bytes or None)."""

    def value(self):  # noqa: ANN201
        return super().value() if self._values else None


_postings_reader = whoosh3.W3Codec.postings_reader


def _inlined_postings_reader(self, dbfile, terminfo, format_, term=None,  # noqa: ANN001, ANN202
                             scorer=None):
    if terminfo.is_inlined():
        ids, weights, values = terminfo.inlined_postings()
        return _InlinedMatcher(ids, weights, values, format_, scorer=scorer, term=term,
                               terminfo=terminfo)
    return _postings_reader(self, dbfile, terminfo, format_, term=term, scorer=scorer)


whoosh3.W3Codec.postings_reader = _inlined_postings_reader

INLINE_LIMIT = 16
"""Posting lists shorter than this are kept in the term table instead of a block of their
own in the postings file (most terms of a batch segment occur in a few documents: writing a
block per term, pickled and compressed, was the biggest commit cost)."""


# -- analysis ----------------------------------------------------------------------------


class NewsAnalyzer(Analyzer):
    """Whoosh face of :func:`newsearch.analysis.tokenize`: same terms, positions, offsets."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,  # noqa: ANN001
                 removestops=True, start_pos=0, start_char=0, tokenize_=True, mode="",
                 **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in tokenize(value):
            t.text = tok.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[tok.start:tok.end]
            if positions:
                t.pos = start_pos + tok.position
            if chars:
                t.startchar = start_char + tok.start
                t.endchar = start_char + tok.end
            yield t


class WordsAnalyzer(Analyzer):
    """The distinct lower-case, unstemmed words of a text (spelling data)."""

    def __call__(self, value, positions=False, chars=False, mode="", **kwargs):  # noqa: ANN001
        t = Token(positions, chars, mode=mode, **kwargs)
        seen: set[str] = set()
        for i, match in enumerate(WORD.finditer(value)):
            word = match.group().lower()
            if len(word) > MAX_TOKEN_CHARS or word in seen:
                continue
            seen.add(word)
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = i
            if chars:
                t.startchar, t.endchar = match.start(), match.end()
            yield t


class ValueWordsAnalyzer(Analyzer):
    """Words of facet values separated by ``\\x1e``, from their normalised keys, with a
    position gap between values."""

    def __call__(self, value, positions=False, chars=False, mode="", **kwargs):  # noqa: ANN001
        t = Token(positions, chars, mode=mode, **kwargs)
        pos = 0
        for part in value.split("\x1e"):
            for word in normalize_value(part).split():
                t.text = word
                t.boost = 1.0
                t.stopped = False
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = 0, 0
                yield t
                pos += 1
            pos += VALUE_GAP


def build_schema() -> fields.Schema:
    news = NewsAnalyzer()
    spec: dict[str, fields.FieldType] = {
        "id": fields.ID(stored=True, unique=True),
        "path": fields.ID(stored=True, sortable=True),
        "file_signature": fields.ID(stored=True, sortable=True),
        "position": fields.STORED(),
        "format": fields.ID(stored=True),
        "url": fields.STORED(),
        "title": fields.TEXT(analyzer=news, stored=True, field_boost=TITLE_BOOST),
        "body": fields.TEXT(analyzer=news, stored=True),
        "words": fields.FieldType(formats.Existence(), WordsAnalyzer()),
        "published": fields.STORED(),
        "day": fields.NUMERIC(int, bits=32, signed=True, sortable=True),
        "year": fields.ID(),
        "month": fields.ID(),
        "content_hash": fields.ID(stored=True, sortable=True),
        "date_source": fields.ID(stored=True),
        "crawled": fields.STORED(),
        # Every facet value of the article in one per-document column: the source of the
        # forward index (reading a column is far faster than walking postings term by term).
        FACETS_COLUMN: fields.COLUMN(columns.VarBytesColumn()),
    }
    for name in FACET_FIELDS:
        spec[name] = fields.STORED()
        spec[name + "_w"] = fields.FieldType(formats.Positions(), ValueWordsAnalyzer(),
                                             scorable=True)
    return fields.Schema(**spec)


SCHEMA = build_schema()


def _day(published: str | None) -> int:
    if not published:
        return -1
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return -1


def document_fields(article: Article) -> dict[str, object]:
    """The Whoosh document of an article."""
    day = _day(article.published)
    if day >= 0:
        d = date.fromordinal(day)
        year, month = f"{d.year:04d}", f"{d.year:04d}-{d.month:02d}"
    else:
        year = month = "undated"
    doc: dict[str, object] = {
        "id": article.id,
        "path": article.path,
        "file_signature": article.file_signature,
        "position": article.position,
        "format": article.format,
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "words": f"{article.title}\n{article.body}",
        "_stored_title": article.title,
        "_stored_body": article.body,
        "published": article.published,
        "day": day,
        "year": year,
        "month": month,
        "content_hash": article.content_hash,
        "date_source": article.date_source,
        "crawled": article.crawled,
    }
    analysis = getattr(article, ANALYSIS_ATTR, None)
    if analysis is not None:
        # Analysed in a parser process (newsearch.pipeline.analyze): lists bypass the analyzer,
        # one token per item at consecutive positions, exactly what NewsAnalyzer would give.
        doc["title"], doc["body"], doc["words"] = analysis
    blobs: list[str] = []
    for name in FACET_FIELDS:
        raw = getattr(article, name)
        values = [raw] if isinstance(raw, str) else list(raw)
        values = [v for v in values if v and normalize_value(v)]
        doc[name] = raw
        if values:
            doc[name + "_w"] = "\x1e".join(values)
        blobs.append(SEP.join(_CONTROL.sub(" ", v) for v in values))
    doc[FACETS_COLUMN] = RS.join(blobs).encode("utf-8", "surrogatepass")
    return doc


def _article(stored: dict) -> Article:
    return Article(
        path=stored.get("path", ""), format=stored.get("format", ""),
        title=stored.get("title", ""), body=stored.get("body", ""),
        position=stored.get("position", 0) or 0, url=stored.get("url", "") or "",
        authors=list(stored.get("authors") or []), publisher=stored.get("publisher") or "",
        section=stored.get("section") or "", published=stored.get("published"),
        date_source=stored.get("date_source") or "none", crawled=stored.get("crawled"),
        tags=list(stored.get("tags") or []), people=list(stored.get("people") or []),
        places=list(stored.get("places") or []), orgs=list(stored.get("orgs") or []),
        file_signature=stored.get("file_signature", ""), id=stored.get("id", ""),
        content_hash=stored.get("content_hash", ""),
    )


# -- query compilation -----------------------------------------------------------------


class _Compiler:
    """The guards on the size of a query (leaves, prefix expansion); :class:`_Evaluator`
    evaluates the tree."""

    def __init__(self, reader) -> None:  # noqa: ANN001
        self.reader = reader
        self.leaves = 0
        self.expanded = 0

    def _expand(self, fieldname: str, prefix: str) -> list[str]:
        if len(prefix) < MIN_PREFIX:
            raise QueryTooExpensive(
                f"a wildcard needs at least {MIN_PREFIX} letters before the *: {prefix!r}*")
        out = []
        for btext in self.reader.expand_prefix(fieldname, prefix):
            out.append(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
            if len(out) > MAX_PREFIX_TERMS:
                raise QueryTooExpensive(
                    f"{prefix}* matches more than {MAX_PREFIX_TERMS} words; make it longer")
        self.expanded += len(out)
        if self.expanded > MAX_EXPANDED_TERMS:
            raise QueryTooExpensive("the wildcards of the query match too many words")
        return out


# -- query evaluation on arrays -------------------------------------------------------

K1 = 1.2
B = 0.75
FACET_WORD_WEIGHT = 0.5
"""A facet word (``person:putin``) scores this fraction of its idf: it mostly filters."""


def _leaf_postings(leaf, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:  # noqa: ANN001
    """Document numbers and weights of one term in one segment, read block by block."""
    terms = leaf._terms
    if (field, btext) not in terms:
        return None
    m = terms.matcher(field, btext, leaf.schema[field].format)
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    try:
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64))
            weights.append(np.asarray(m._weights, dtype=np.float32))
            m._next_block()
    except AttributeError:  # pragma: no cover - another Whoosh: the public, slower way
        m = terms.matcher(field, btext, leaf.schema[field].format)
        ids, weights = [], []
        got_ids, got_w = [], []
        while m.is_active():
            got_ids.append(m.id())
            got_w.append(m.weight())
            m.next()
        ids, weights = [np.asarray(got_ids, dtype=np.int64)], [np.asarray(got_w, np.float32)]
    if not ids:
        return None
    return np.concatenate(ids), np.concatenate(weights)


POSITIONS_CACHE_BYTES = 128 * 1024 * 1024
"""Memory of a commit's positions cache (position keys, 8 bytes each, and bitmaps). One term
may take half of it (8M positions: a word 80 times in each of 100,000 articles); a term with
more positions is read again by each phrase that needs it."""
BITMAP_MIN_KEYS = 32_768
"""A cached term with at least this many positions gets a :class:`PositionBitmap` the first
time a phrase looks positions up in it."""
RESTRICT_FACTOR = 8
"""A term whose positions are not cached is read in full (and cached) for a phrase unless
the phrase's candidate documents are fewer than its document frequency / this factor; then
only the blocks and postings of the candidates are decoded (and nothing is cached)."""
_POS_SHIFT = 32
"""A position key is ``docnum << 32 | position``: sorted by document, then position."""
_POS_MASK = (1 << _POS_SHIFT) - 1


def _decode_position_lists(values: list[bytes]) -> Sequence[list[int]]:
    """The delta lists of encoded positions. Each value is ``pack_uint(n)`` + a protocol 2
    pickle of a list (``\\x80\\x02`` ... ``.``): their middles, between a MARK and a TUPLE,
    make one pickle of a tuple of the lists, read in one call instead of one per posting.
    Anything else (another encoding) is read value by value."""
    try:
        lists = _loads(b"\x80\x02(" + b"".join([v[6:-1] for v in values]) + b"t.")
        if len(lists) == len(values) and all(type(x) is list for x in lists):
            return lists
    except Exception:  # noqa: BLE001, S110 - not the expected encoding: the slow way
        pass
    return [_loads(v[4:]) for v in values]


def _position_keys(docs: np.ndarray, values: list[bytes]) -> np.ndarray:
    """Sorted position keys of postings (``docs`` ascending, ``values`` their encoded
    :class:`whoosh.formats.Positions`: a 4-byte count and a pickled list of deltas)."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    lists = _decode_position_lists(values)
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    pos = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    pos -= np.repeat(pos[starts] - deltas[starts], counts)  # restart the sum at each doc
    return (np.repeat(docs, counts) << _POS_SHIFT) | pos


def _leaf_position_keys(leaf, field: str, btext: bytes, offset: int,  # noqa: ANN001
                        want: np.ndarray | None, check) -> np.ndarray | None:  # noqa: ANN001
    """Position keys of one term in one segment, read block by block from the postings
    file (no matcher per document). ``want``: only these local docnums (sorted); blocks
    without any of them are skipped unread. ``check`` is called every few blocks (time
    limit)."""
    terms = leaf._terms
    if (field, btext) not in terms:
        return None
    m = terms.matcher(field, btext, leaf.schema[field].format)
    docs: list[np.ndarray] = []
    values: list[bytes] = []
    if isinstance(m, ListMatcher):  # an inlined posting list (a few postings)
        ids = np.asarray(m._ids, dtype=np.int64)
        vals = list(m._values)
        if want is not None:
            sel = np.flatnonzero(np.isin(ids, want))
            ids, vals = ids[sel], [vals[i] for i in sel]
        return _position_keys(ids + offset, vals)
    prev_max = -1
    blocks = 0
    while m.is_active():
        blocks += 1
        if blocks & 63 == 1:  # the first block, then every 64th
            check()
        max_id = m.block_max_id()
        if want is not None:
            lo = int(np.searchsorted(want, prev_max, side="right"))
            hi = int(np.searchsorted(want, max_id, side="right"))
            prev_max = max_id
            if lo == hi:
                m._next_block()
                continue
        m._read_ids()
        m._read_values()
        ids = np.asarray(m._ids, dtype=np.int64)
        vals = m._values
        if want is not None:
            sel = np.flatnonzero(np.isin(ids, want[lo:hi], assume_unique=True))
            ids = ids[sel]
            vals = [vals[i] for i in sel]
        docs.append(ids)
        values.extend(vals)
        m._next_block()
    if not docs:
        return None
    return _position_keys(np.concatenate(docs) + offset, values)


def _in_sorted(needles: np.ndarray, haystack: np.ndarray) -> np.ndarray:
    """Which of ``needles`` are in the sorted array ``haystack``."""
    if not len(haystack):
        return np.zeros(len(needles), dtype=bool)
    idx = np.searchsorted(haystack, needles)
    idx[idx == len(haystack)] = 0
    return haystack[idx] == needles


class PositionBitmap:
    """The positions of one term as a bit set over the span of each document that holds it
    (bit ``base[doc] + position``, ``span[doc]`` = its last position + 1): membership of a
    position key is a few gathers, where a binary search in millions of keys misses the
    cache at every step. Built from a term's sorted position keys; about ``span / 8`` bytes
    plus 12 bytes per document of the index."""

    def __init__(self, keys: np.ndarray, ndocs: int) -> None:
        docs = keys >> _POS_SHIFT
        pos = keys & _POS_MASK
        last = np.flatnonzero(np.concatenate((docs[1:] != docs[:-1], [True])))
        self.span = np.zeros(ndocs, dtype=np.int32)
        self.span[docs[last]] = pos[last] + 1
        self.base = np.cumsum(self.span, dtype=np.int64) - self.span
        bit = self.base[docs] + pos  # sorted and distinct
        byte = bit >> 3
        runs = np.flatnonzero(np.concatenate(([True], byte[1:] != byte[:-1])))
        self.bits = np.zeros(int(byte[-1]) + 1 if len(byte) else 1, dtype=np.uint8)
        # Distinct bits of one byte: their sum is their union.
        self.bits[byte[runs]] = np.add.reduceat(
            np.left_shift(1, bit & 7).astype(np.uint8), runs)
        self.nbytes = self.bits.nbytes + self.span.nbytes + self.base.nbytes

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Which of ``keys`` (position keys, any order) are positions of the term."""
        docs = keys >> _POS_SHIFT
        inside = (docs >= 0) & (docs < len(self.span))
        docs = np.where(inside, docs, 0)
        pos = keys & _POS_MASK
        ok = inside & (pos < self.span[docs])
        bit = np.where(ok, self.base[docs] + pos, 0)
        got = np.right_shift(self.bits[bit >> 3], (bit & 7).astype(np.uint8)) & 1
        return ok & got.astype(bool)


def phrase_starts(keys: list[np.ndarray],
                  bitmaps: list[PositionBitmap | None] | None = None) -> np.ndarray:
    """Position keys where the words of a phrase start: ``s`` such that ``s + i`` is in
    ``keys[i]`` (each sorted) for every word ``i``. Smallest array first; each step looks the
    remaining starts up in the next word's positions (its bitmap when given, else a binary
    search), or the next word's positions up in the starts when those are fewer, so a common
    word costs a lookup per position of the rarer one, not a pass over its own positions."""
    order = sorted(range(len(keys)), key=lambda i: len(keys[i]))
    first = order[0]
    starts = keys[first] - first
    for i in order[1:]:
        if not len(starts):
            break
        k = keys[i]
        bitmap = bitmaps[i] if bitmaps else None
        if bitmap is not None and len(starts) <= len(k):
            starts = starts[bitmap.contains(starts + i)]
        elif len(starts) <= len(k):
            starts = starts[_in_sorted(starts + i, k)]
        else:
            shifted = k - i
            starts = shifted[_in_sorted(shifted, starts)]
    return starts


class _Arrays:
    """Per-commit arrays for scoring: field lengths, a cache of term postings, and a cache
    of term positions for phrases (sorted position keys, and bitmaps of the common terms)."""

    def __init__(self, reader, ndocs: int, live: np.ndarray,  # noqa: ANN001
                 io_lock: threading.RLock) -> None:
        self.reader = reader
        self.io_lock = io_lock
        """Whoosh's files are read through shared file objects: one reader at a time."""
        self.ndocs = ndocs
        self.live = live
        self.nlive = max(1, int(live.sum()))
        self.lengths: dict[str, np.ndarray] = {}
        self.avg: dict[str, float] = {}
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = \
            OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()
        self._positions: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._bitmaps: dict[tuple[str, str], PositionBitmap] = {}
        self.positions_bytes = 0
        """Memory held by the positions cache (keys and bitmaps)."""

    def field_lengths(self, field: str) -> np.ndarray:
        lengths = self.lengths.get(field)
        if lengths is None:
            lengths = np.zeros(self.ndocs, dtype=np.float32)
            with self.io_lock:
                for leaf, offset in self.reader.leaf_readers():
                    data = _segment_lengths(leaf, field)
                    lengths[offset:offset + len(data)] = data
            live_lengths = lengths[self.live]
            # avg first: another thread that finds the lengths reads the average next.
            self.avg[field] = float(live_lengths.mean()) if len(live_lengths) else 1.0
            self.lengths[field] = lengths
        return lengths

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, text)
        with self._lock:
            hit = lru_get(self._postings, key)
            if hit is not None:
                return hit
        btext = text.encode("utf-8")
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        with self.io_lock:
            for leaf, offset in self.reader.leaf_readers():
                got = _leaf_postings(leaf, field, btext)
                if got is not None:
                    ids.append(got[0] + offset)
                    weights.append(got[1])
        result = (np.concatenate(ids), np.concatenate(weights)) if ids else \
            (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        with self._lock:
            self._postings[key] = result
            self._cached += len(result[0])
            while self._cached > 4_000_000 and self._postings:
                _, old = self._postings.popitem(last=False)
                self._cached -= len(old[0])
        return result

    def cached_position_keys(self, field: str, text: str) -> np.ndarray | None:
        """The term's position keys if the cache holds them."""
        with self._lock:
            return lru_get(self._positions, (field, text))

    def position_keys(self, field: str, text: str, candidates: np.ndarray,
                      check) -> np.ndarray:  # noqa: ANN001
        """Sorted position keys (``docnum << 32 | position``) of a term in ``field``: all of
        them (read once per commit and kept in a bounded LRU cache), or, when the term is
        not cached and ``candidates`` (sorted docnums) are far fewer than its documents,
        those of the candidates only, read from their blocks alone and not cached."""
        key = (field, text)
        hit = self.cached_position_keys(field, text)
        if hit is not None:
            return hit
        df = len(self.postings(field, text)[0])
        restrict = len(candidates) * RESTRICT_FACTOR < df
        btext = text.encode("utf-8")
        parts: list[np.ndarray] = []
        with self.io_lock:
            for leaf, offset in self.reader.leaf_readers():
                want = None
                if restrict:
                    n = leaf.doc_count_all()
                    lo, hi = np.searchsorted(candidates, [offset, offset + n])
                    if lo == hi:
                        continue
                    want = candidates[lo:hi] - offset
                got = _leaf_position_keys(leaf, field, btext, offset, want, check)
                if got is not None:
                    parts.append(got)
        result = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if not restrict and result.nbytes <= POSITIONS_CACHE_BYTES // 2:
            with self._lock:
                if key not in self._positions:
                    self._positions[key] = result
                    self.positions_bytes += result.nbytes
                    self._evict_positions()
        return result

    def position_bitmap(self, field: str, text: str) -> PositionBitmap | None:
        """A cached term's :class:`PositionBitmap` (built on first use), or None: the term
        is not cached or has too few positions for a bitmap to pay."""
        key = (field, text)
        with self._lock:
            bitmap = self._bitmaps.get(key)
            keys = self._positions.get(key)
        if bitmap is not None or keys is None or len(keys) < BITMAP_MIN_KEYS:
            return bitmap
        bitmap = PositionBitmap(keys, self.ndocs)
        with self._lock:
            if key in self._positions and key not in self._bitmaps:
                self._bitmaps[key] = bitmap
                self.positions_bytes += bitmap.nbytes
                self._evict_positions()
        return bitmap

    def _evict_positions(self) -> None:
        """Drop least recently used terms until the cache fits (caller holds the lock)."""
        while self.positions_bytes > POSITIONS_CACHE_BYTES and self._positions:
            old_key, old = self._positions.popitem(last=False)
            self.positions_bytes -= old.nbytes
            bitmap = self._bitmaps.pop(old_key, None)
            if bitmap is not None:
                self.positions_bytes -= bitmap.nbytes

    def clear_positions(self) -> None:
        with self._lock:
            self._positions.clear()
            self._bitmaps.clear()
            self.positions_bytes = 0

    def bm25(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Docnums containing the term and their BM25 scores in ``field``."""
        ids, weights = self.postings(field, text)
        if not len(ids):
            return ids, weights
        lengths = self.field_lengths(field)[ids]
        df = len(ids)
        idf = np.log(1.0 + (self.nlive - df + 0.5) / (df + 0.5))
        norm = K1 * (1.0 - B + B * lengths / max(self.avg[field], 1e-6))
        return ids, (idf * weights * (K1 + 1.0) / (weights + norm)).astype(np.float32)


_LENGTHS: dict[tuple[str, str, str], np.ndarray] = {}


def _segment_lengths(leaf, field: str) -> np.ndarray:  # noqa: ANN001
    segment = getattr(leaf, "_segment", None)
    key = (id(leaf.storage()) if segment is None else "", getattr(segment, "segment_id",
                                                                  lambda: "")(), field)
    with _SEGMENTS_LOCK:
        got = _LENGTHS.get(key)
    if got is not None and len(got) == leaf.doc_count_all():
        return got
    n = leaf.doc_count_all()
    # (Whoosh returns None, not the default, for an empty field.)
    out = np.fromiter((leaf.doc_field_length(d, field, 0) or 0 for d in range(n)),
                      dtype=np.float32, count=n)
    with _SEGMENTS_LOCK:
        _LENGTHS[key] = out
        if len(_LENGTHS) > 512:
            _LENGTHS.pop(next(iter(_LENGTHS)))
    return out


class _Evaluator:
    """Evaluates a query tree to a mask of matching docnums and a relevance score per doc:
    postings read straight from the segments, BM25 over title (boosted) and body in numpy.
    Phrases intersect their words' postings, then merge the words' positions (read straight
    from the segments' posting blocks, cached per commit) in numpy."""

    def __init__(self, state: _State, limit: float) -> None:
        self.state = state
        self.limit = limit
        self.arrays = state.arrays
        self.ndocs = state.fwd.ndocs
        self.compiler = _Compiler(state.searcher.reader())
        self.deadline = time.monotonic() + limit
        self.grace = limit
        """Seconds the query may add, once, for filling the commit's positions caches (a
        word's positions, its bitmap): bounded work done once per word and commit, for
        which the first phrase on a very common word after a commit (1.35 s to read, 0.75 s
        for the bitmap at 100,000 articles) was refused under load."""

    def check_time(self, allowance: float = 0.0) -> None:
        if time.monotonic() > self.deadline + allowance:
            raise QueryTooExpensive(
                f"the query ran for more than {self.limit:g} s; make it more specific")

    def check_filling(self) -> None:
        """:meth:`check_time` while a cache is filled: the grace left counts too."""
        self.check_time(self.grace)

    def filled(self, started: float) -> None:
        """Move the deadline by the time a cache fill took since ``started``, out of the
        grace."""
        used = min(self.grace, max(0.0, time.monotonic() - started))
        self.grace -= used
        self.deadline += used

    def run(self, node: qt.Node) -> tuple[np.ndarray, np.ndarray]:
        score = np.zeros(self.ndocs, dtype=np.float32)
        mask = self.eval(node, score, 0)
        return mask, score

    def eval(self, node: qt.Node, score: np.ndarray | None, depth: int) -> np.ndarray:
        self.check_time()
        if depth > MAX_DEPTH:
            raise QueryTooExpensive("the query is nested too deeply")
        if isinstance(node, (qt.Term, qt.Phrase, qt.Prefix)):
            self.compiler.leaves += 1
            if self.compiler.leaves > MAX_LEAVES:
                raise QueryTooExpensive(f"the query has more than {MAX_LEAVES} terms")
        if isinstance(node, qt.MatchAll):
            return self.state.fwd.live.copy()
        if isinstance(node, qt.DateRange):
            return self.state.fwd.date_mask(node.start, node.end)
        if isinstance(node, qt.Not):
            return ~self.eval(node.child, None, depth + 1) & self.state.fwd.live
        if isinstance(node, qt.And):
            mask = None
            for child in node.children:
                m = self.eval(child, score, depth + 1)
                mask = m if mask is None else (mask & m)
            return mask if mask is not None else self.state.fwd.live.copy()
        if isinstance(node, qt.Or):
            mask = np.zeros(self.ndocs, dtype=bool)
            for child in node.children:
                mask |= self.eval(child, score, depth + 1)
            return mask
        if isinstance(node, (qt.Term, qt.Phrase)):
            if node.field in FACET_FIELDS:
                return self.facet_words(node.field, node.text, score)
            return self.text(node.field, node.text, score)
        if isinstance(node, qt.Prefix):
            return self.prefix(node.field, node.prefix, score)
        raise EngineError(f"unknown query node {node!r}")

    @staticmethod
    def _add(mask: np.ndarray, score: np.ndarray | None, ids: np.ndarray,
             scores: np.ndarray) -> None:
        mask[ids] = True
        if score is not None:
            score[ids] += scores  # docnums of one term's postings are distinct

    def text(self, field: str | None, text: str, score: np.ndarray | None) -> np.ndarray:
        stems = [t.text for t in tokenize(text)]
        mask = np.zeros(self.ndocs, dtype=bool)
        if not stems:
            return mask
        fieldnames = ("title", "body") if field is None else (field,)
        if len(stems) == 1:
            for name in fieldnames:
                ids, sc = self.arrays.bm25(name, stems[0])
                self._add(mask, score, ids, sc)
            return mask
        # A phrase: the documents where its words stand next to each other...
        for name in fieldnames:
            mask[self.phrase_docs(name, stems)] = True
        mask &= self.state.fwd.live
        # ...and the phrase scores as the sum of its words.
        if score is not None and mask.any():
            for name in fieldnames:
                for stem_ in dict.fromkeys(stems):
                    ids, sc = self.arrays.bm25(name, stem_)
                    keep = mask[ids]
                    score[ids[keep]] += sc[keep]
        return mask

    def phrase_docs(self, field: str, words: list[str]) -> np.ndarray:
        """Docnums where ``words`` (analysed terms of ``field``) stand at consecutive
        positions: the documents holding every word first (postings, numpy), then the
        words' positions (:meth:`_Arrays.position_keys`) merged in numpy."""
        distinct = list(dict.fromkeys(words))
        keys = {word: self.arrays.cached_position_keys(field, word) for word in distinct}
        missing = [word for word in distinct if keys[word] is None]
        if missing:
            # Documents holding every word: a word's positions are read for these only when
            # they are far fewer than its own documents.
            postings = sorted((self.arrays.postings(field, word)[0] for word in distinct),
                              key=len)
            candidates = postings[0]
            for ids in postings[1:]:
                if not len(candidates):
                    break
                candidates = candidates[_in_sorted(candidates, ids)]
            if not len(candidates):
                return candidates
            for word in missing:
                self.check_time()
                started = time.monotonic()
                keys[word] = self.arrays.position_keys(field, word, candidates,
                                                       self.check_filling)
                self.filled(started)
        self.check_time()
        # A bitmap is built on a term's second phrase, not while its positions are first read
        # (at 100,000 articles: 0.4 s per very common word, which with the read itself put a
        # first phrase past the query time limit).
        started = time.monotonic()
        bitmaps = {word: None if word in missing else self.arrays.position_bitmap(field, word)
                   for word in distinct}
        self.filled(started)
        self.check_time()
        docs = phrase_starts([keys[word] for word in words],
                             [bitmaps[word] for word in words]) >> _POS_SHIFT
        if len(docs) > 1:  # sorted: keep the first of each run
            docs = docs[np.concatenate(([True], docs[1:] != docs[:-1]))]
        return docs

    def facet_words(self, field: str, text: str, score: np.ndarray | None) -> np.ndarray:
        words = normalize_value(text).split()
        mask = np.zeros(self.ndocs, dtype=bool)
        if not words:
            return mask
        if len(words) == 1:
            ids, _ = self.arrays.postings(field + "_w", words[0])
        else:
            ids = self.phrase_docs(field + "_w", words)
            ids = ids[self.state.fwd.live[ids]]
        mask[ids] = True
        if score is not None and len(ids):
            df = len(ids)
            idf = np.log(1.0 + (self.arrays.nlive - df + 0.5) / (df + 0.5))
            score[ids] += np.float32(FACET_WORD_WEIGHT * idf)
        return mask

    def prefix(self, field: str | None, prefix: str, score: np.ndarray | None) -> np.ndarray:
        mask = np.zeros(self.ndocs, dtype=bool)
        if field in FACET_FIELDS:
            # Values (not documents) whose words start with the prefix: the value table of
            # the forward index answers, "xi jin*" never matches "Anna Xi" + "Jinping Zhou".
            want = normalize_value(prefix, aliases=False)  # "un*" must not become "united nations"
            if len(want.replace(" ", "")) < MIN_PREFIX:
                raise QueryTooExpensive(
                    f"a wildcard needs at least {MIN_PREFIX} letters before the *: {prefix!r}*")
            col = self.state.fwd.columns[field]
            sub = col.doc_mask(col.values_with_word_prefix(want).tolist(), self.ndocs)
            if score is not None:
                score[sub] += np.float32(FACET_WORD_WEIGHT)
            return sub
        words = [w.lower() for w in WORD.findall(prefix)]
        if not words:
            raise QueryTooExpensive("an empty wildcard matches everything")
        with self.state.lock:  # the lexicon is read through shared file objects
            expanded = self.compiler._expand("words", words[-1])
        stems = sorted({stem(w) for w in expanded})
        fieldnames = ("title", "body") if field is None else (field,)
        best = np.zeros(self.ndocs, dtype=np.float32)
        for name in fieldnames:
            for stem_ in stems:
                self.check_time()
                ids, sc = self.arrays.bm25(name, stem_)
                mask[ids] = True
                np.maximum.at(best, ids, sc)
        for word in words[:-1]:
            mask &= self.text(field, word, score)
        if score is not None:
            score += np.where(mask, best, 0).astype(np.float32)
        return mask


# -- read side -------------------------------------------------------------------------


def _storage(index_dir: Path, readonly: bool) -> FileStorage:
    return FileStorage(str(index_dir), readonly=readonly)


class _TrackingStorage(FileStorage):
    """FileStorage remembering the files it opens until told otherwise: Whoosh leaves the
    table of contents open when it cannot read it, and we close it."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.opened: list | None = []

    def open_file(self, name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        f = super().open_file(name, *args, **kwargs)
        if self.opened is not None:
            self.opened.append(f)
        return f

    def close_opened(self) -> None:
        for f in self.opened or ():
            with contextlib.suppress(Exception):
                f.close()
        self.opened = None


def _latest_generation(index_dir: Path) -> int:
    pattern = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
    best = -1
    try:
        names = os.listdir(index_dir)
    except OSError:
        return -1
    for name in names:
        m = pattern.match(name)
        if m:
            best = max(best, int(m.group(1)))
    return best


class _State:
    """One commit of one index, opened: a searcher and the forward index (shared by handles)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.lock = threading.RLock()
        self.users = 0
        self.closed = False
        storage = _TrackingStorage(str(index_dir), readonly=True)
        try:
            self.ix = FileIndex(storage, schema=SCHEMA, indexname=INDEX_NAME)
            self.searcher = self.ix.searcher(weighting=BM25F())
        except EmptyIndexError:
            storage.close_opened()
            raise EngineError(f"no Whoosh index in {index_dir}") from None
        except Exception as exc:  # noqa: BLE001 - a corrupt TOC or segment, whatever Whoosh says
            storage.close_opened()
            raise EngineError(f"the index in {index_dir} cannot be opened: {exc}") from None
        storage.opened = None
        self.generation = self.searcher.reader().generation()
        if self.generation is None:
            self.generation = self.ix.latest_generation()
        started = time.perf_counter()
        self.fwd = self._build_forward()
        self.arrays = _Arrays(self.searcher.reader(), self.fwd.ndocs, self.fwd.live, self.lock)
        self.build_seconds = time.perf_counter() - started
        self._id_cache: dict[int, str] = {}
        self.body_df: dict[str, int] = {}
        """Body stem -> document frequency (more like this), filled as asked."""

    def _build_forward(self) -> ForwardIndex:
        reader = self.searcher.reader()
        ndocs = reader.doc_count_all()
        leaves = reader.leaf_readers() if ndocs else []
        segs = [(_segment_data(self.index_dir, leaf), offset) for leaf, offset in leaves]
        _prune_segment_cache(self.index_dir, {data.key for data, _ in segs})
        live = np.ones(ndocs, dtype=bool)
        days = np.full(ndocs, -1, dtype=np.int64)
        hashes: list[str] = []
        for (data, offset), (leaf, _) in zip(segs, leaves, strict=True):
            days[offset:offset + data.ndocs] = data.days
            hashes.extend(data.hashes)
            if leaf.has_deletions():
                for d in _deleted_docs(leaf):
                    live[offset + d] = False
        cols = {name: _merge_columns(name, ndocs, [(data.cols[name], offset)
                                                   for data, offset in segs])
                for name in FACET_FIELDS}
        return ForwardIndex.build(ndocs, live, days, hashes, cols)

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.searcher.close()


class _SegmentData:
    """The forward-index data of one (immutable) segment: decoded once, reused by every
    commit that still holds the segment."""

    def __init__(self, key: tuple[str, str], leaf) -> None:  # noqa: ANN001
        self.key = key
        self.ndocs = n = leaf.doc_count_all()
        self.days = np.fromiter(leaf.column_reader("day"), dtype=np.int64, count=n) \
            if leaf.has_column("day") else np.full(n, -1, dtype=np.int64)
        self.hashes = [str(h) for h in leaf.column_reader("content_hash")] \
            if leaf.has_column("content_hash") else [""] * n
        blobs = list(leaf.column_reader(FACETS_COLUMN, translate=False)) \
            if leaf.has_column(FACETS_COLUMN) else [b""] * n
        nf = len(FACET_FIELDS)
        key_ids: list[dict[str, int]] = [{} for _ in range(nf)]
        spellings: list[list[dict[str, int]]] = [[] for _ in range(nf)]
        indptr = [[0] for _ in range(nf)]
        vals: list[list[int]] = [[] for _ in range(nf)]
        keys_of = _KEYS
        for blob in blobs:
            parts = blob.decode("utf-8", "surrogatepass").split(RS) if blob else ()
            for fi in range(nf):
                part = parts[fi] if fi < len(parts) else ""
                if part:
                    ids, local, seen = key_ids[fi], vals[fi], set()
                    for value in part.split(SEP):
                        key = keys_of.get(value)
                        if key is None:
                            if len(keys_of) > 1_000_000:
                                keys_of.clear()
                            key = keys_of[value] = normalize_value(value)
                        if not key or key in seen:
                            continue
                        seen.add(key)
                        vid = ids.get(key)
                        if vid is None:
                            vid = ids[key] = len(ids)
                            spellings[fi].append({})
                        counts = spellings[fi][vid]
                        counts[value] = counts.get(value, 0) + 1
                        local.append(vid)
                indptr[fi].append(len(vals[fi]))
        self.cols = {
            name: (list(key_ids[fi]), spellings[fi], np.asarray(indptr[fi], dtype=np.int64),
                   np.asarray(vals[fi], dtype=np.int32))
            for fi, name in enumerate(FACET_FIELDS)}


_KEYS: dict[str, str] = {}
"""Facet value -> normalised key, shared by every segment decoded (values repeat a lot)."""
_SEGMENTS: dict[tuple[str, str], _SegmentData] = {}
_SEGMENTS_LOCK = threading.Lock()


def _segment_data(index_dir: Path, leaf) -> _SegmentData:  # noqa: ANN001
    segment = getattr(leaf, "_segment", None)
    seg_id = segment.segment_id() if segment is not None else None
    if seg_id is None:  # pragma: no cover - not a Whoosh 2.7 segment reader
        return _SegmentData((os.path.realpath(index_dir), f"anon-{id(leaf)}"), leaf)
    key = (os.path.realpath(index_dir), seg_id)
    with _SEGMENTS_LOCK:
        data = _SEGMENTS.get(key)
    if data is None or data.ndocs != leaf.doc_count_all():
        data = _SegmentData(key, leaf)
        with _SEGMENTS_LOCK:
            _SEGMENTS[key] = data
    return data


def _prune_segment_cache(index_dir: Path, keep: set[tuple[str, str]]) -> None:
    root = os.path.realpath(index_dir)
    with _SEGMENTS_LOCK:
        for key in [k for k in _SEGMENTS if k[0] == root and k not in keep]:
            del _SEGMENTS[key]


def _deleted_docs(leaf) -> Iterable[int]:  # noqa: ANN001
    segment = getattr(leaf, "_segment", None)
    try:
        return list(segment.deleted_docs())
    except Exception:  # noqa: BLE001 - fall back to the public, slower way
        return [d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)]


def _merge_columns(name: str, ndocs: int, parts: list[tuple[tuple, int]]) -> FacetColumn:
    """One facet column of the whole index from the segments' local columns."""
    key_index: dict[str, int] = {}
    spellings: list[dict[str, int]] = []
    indptrs: list[np.ndarray] = []
    values: list[np.ndarray] = []
    base = 0
    for (keys, local_spellings, indptr, vals), _offset in parts:
        mapping = np.empty(len(keys), dtype=np.int32)
        for i, key in enumerate(keys):
            gid = key_index.get(key)
            if gid is None:
                gid = key_index[key] = len(spellings)
                spellings.append({})
            mapping[i] = gid
            merged = spellings[gid]
            for spelling, count in local_spellings[i].items():
                merged[spelling] = merged.get(spelling, 0) + count
        values.append(mapping[vals] if len(vals) else vals)
        indptrs.append(indptr[1:] + base)
        base += len(vals)
    indptr = np.concatenate([np.zeros(1, dtype=np.int64)] + indptrs) if indptrs else \
        np.zeros(ndocs + 1, dtype=np.int64)
    vals = np.concatenate(values).astype(np.int32) if values else np.zeros(0, dtype=np.int32)
    displays = [min(sp.items(), key=lambda kv: (-kv[1], kv[0]))[0] for sp in spellings]
    return FacetColumn(name, list(key_index), displays, indptr, vals, key_index)


_STATES: dict[str, _State] = {}
_STATES_LOCK = threading.Lock()


def _acquire_state(index_dir: Path) -> _State:
    key = os.path.realpath(index_dir)
    with _STATES_LOCK:
        state = _STATES.get(key)
        latest = _latest_generation(index_dir)
        if state is None or state.closed or state.generation != latest:
            try:
                new = _State(index_dir)
            except EngineError:
                if state is None or state.closed:
                    raise
                log.warning("newest commit of %s cannot be opened; serving generation %s",
                            index_dir, state.generation, exc_info=True)
                new = state
            if state is not None and new is not state:
                _STATES[key] = new
                if state.users == 0:
                    state.close()
            state = new
            _STATES[key] = state
        state.users += 1
        _IDLE.pop(key, None)
        return state


MAX_IDLE_STATES = 4
"""Opened indexes kept open with no handle (the next open is then instant); older ones close."""
_IDLE: OrderedDict[str, _State] = OrderedDict()


def _release_state(index_dir: Path, state: _State) -> None:
    key = os.path.realpath(index_dir)
    with _STATES_LOCK:
        state.users -= 1
        if state.users > 0:
            return
        if _STATES.get(key) is not state:
            state.close()
            return
        _IDLE[key] = state
        _IDLE.move_to_end(key)
        while len(_IDLE) > MAX_IDLE_STATES:
            old_key, old = _IDLE.popitem(last=False)
            if old.users <= 0 and _STATES.get(old_key) is old:
                del _STATES[old_key]
                old.close()


def _time_limit() -> float:
    """Seconds a query may run (setting ``query_timeout``)."""
    from newsearch.settings import SettingsError, load_settings

    try:
        return float(load_settings()["query_timeout"])
    except SettingsError:
        return 2.0


def open_engine(index_dir: Path) -> WhooshEngine:
    return WhooshEngine(Path(index_dir))


def _pinned(method):  # noqa: ANN001, ANN202
    """Run a read method of :class:`WhooshEngine` on one commit, kept open until it returns:
    a handle shared by a server's threads is refreshed by one thread while others search,
    and the refresh must not close the commit they are reading (ReaderClosed)."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if getattr(self._pin, "state", None) is not None:  # a nested call: already pinned
            return method(self, *args, **kwargs)
        with _STATES_LOCK:
            state = self._state
            if state is None or state.closed:
                raise EngineError("the engine is closed")
            state.users += 1
        self._pin.state = state
        try:
            return method(self, *args, **kwargs)
        finally:
            self._pin.state = None
            _release_state(self.index_dir, state)

    return call


class WhooshEngine(Engine):
    """Read side. Cheap to open: the searcher and arrays are shared per index and commit."""

    name = NAME

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        if not (self.index_dir / META_FILE).exists() and _latest_generation(self.index_dir) < 0:
            raise EngineError(f"no index at {self.index_dir}")
        _check_schema(self.index_dir)
        self._state: _State | None = _acquire_state(self.index_dir)
        self._swap = threading.Lock()
        self._pin = threading.local()
        self.time_limit = _time_limit()

    # -- plumbing -----------------------------------------------------------------------

    @property
    def state(self) -> _State:
        pinned = getattr(self._pin, "state", None)
        if pinned is not None:
            return pinned
        if self._state is None:
            raise EngineError("the engine is closed")
        return self._state

    def generation(self) -> str:
        return str(self.state.generation)

    def refresh(self) -> bool:
        with self._swap:
            old = self.state
            if _latest_generation(self.index_dir) == old.generation:
                return False
            new = _acquire_state(self.index_dir)
            if new is old:
                _release_state(self.index_dir, new)
                return False
            self._state = new
            _release_state(self.index_dir, old)
            return True

    def close(self) -> None:
        with self._swap:
            if self._state is not None:
                _release_state(self.index_dir, self._state)
                self._state = None

    # -- searching ----------------------------------------------------------------------

    def _matched(self, state: _State, node: qt.Node
                 ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Bool mask of matching docnums and relevance scores (None, None: everything)."""
        if isinstance(node, qt.MatchAll):
            return None, None
        return _Evaluator(state, self.time_limit).run(node)

    def search(self, query: EngineQuery) -> EngineResult:
        state = self.state
        fwd = state.fwd
        if query.sort not in ("relevance", "newest", "oldest"):
            raise EngineError(f"unknown sort {query.sort!r}")
        mask, scores = self._matched(state, query.query)
        relevance = query.sort == "relevance" and scores is not None
        collapse_sort = query.sort if query.sort != "relevance" else (
            "newest" if scores is None else "relevance")
        ev = evaluate(fwd, mask, query.filters, facets=query.facets,
                      facet_limit=query.facet_limit, histogram=query.histogram,
                      collapse=query.collapse, sort=collapse_sort)
        offset, limit = max(0, query.offset), max(0, query.limit)
        page: list[tuple[int, float]] = []
        if limit and offset < ev.total:
            if relevance:
                page = self._ranked(fwd, scores, ev.docs, offset, limit, query.recency_boost)
            else:
                order = fwd.rank(ev.docs, "newest" if query.sort == "relevance" else query.sort)
                page = [(int(d), 0.0) for d in order[offset:offset + limit]]
        hits = []
        with state.lock:
            for docnum, score in page:
                article = _article(state.searcher.stored_fields(docnum))
                dups = self._dup_ids(state, docnum) if query.collapse else []
                hits.append(EngineHit(article, float(score), dups))
        return EngineResult(total=ev.total, hits=hits, facets=ev.facets, histogram=ev.histogram,
                            granularity=ev.granularity, undated=ev.undated)

    @staticmethod
    def _ranked(fwd: ForwardIndex, scores: np.ndarray, docs: np.ndarray, offset: int,
                limit: int, recency_boost: float) -> list[tuple[int, float]]:
        """The page of ``docs`` by score (times the recency factor), best first; ties by
        docnum."""
        s = scores[docs].astype(np.float64)
        if recency_boost > 0:
            s *= 1.0 + recency_boost * fwd.freshness(docs)
        want = offset + limit
        if len(docs) > 2 * want:
            cut = np.partition(-s, want - 1)[want - 1]
            keep = -s <= cut
            docs, s = docs[keep], s[keep]
        order = np.lexsort((docs, -s))[offset:offset + limit]
        return [(int(docs[i]), float(s[i])) for i in order]

    def _dup_ids(self, state: _State, docnum: int) -> list[str]:
        others = state.fwd.duplicates(docnum)
        return [state.searcher.stored_fields(int(d))["id"] for d in others]

    def count(self, query: qt.Node, filters: Filters | None = None) -> int:
        state = self.state
        mask, _ = self._matched(state, query)
        return evaluate(state.fwd, mask, filters or Filters()).total

    def _docnum(self, state: _State, article_id: str) -> int | None:
        with state.lock:
            docnum = state.searcher.document_number(id=article_id)
        if docnum is None or not state.fwd.live[docnum]:
            return None
        return docnum

    def get(self, article_id: str) -> Article | None:
        state = self.state
        docnum = self._docnum(state, article_id)
        if docnum is None:
            return None
        with state.lock:
            return _article(state.searcher.stored_fields(docnum))

    def duplicates_of(self, article: Article) -> list[str]:
        state = self.state
        with state.lock:
            docs = [d for d in state.searcher.docs_for_query(
                wq.Term("content_hash", article.content_hash))]
            ids = [state.searcher.stored_fields(d)["id"] for d in docs
                   if state.fwd.live[d]]
        return [i for i in ids if i != article.id]

    @staticmethod
    def _key_terms(state: _State, text: str, count: int = 25) -> list[tuple[str, float]]:
        """The ``count`` stems of ``text`` with the highest tf x idf in the body field, as
        tantivy's more-like-this picks them: stems of 3 letters or more, found in at least
        one document and in at most half of them. (Whoosh's key_terms_from_text analyses the
        text again and reads each term's collection frequency: 190 ms for one article.)"""
        tf: dict[str, int] = {}
        for term in terms(text):
            if len(term) >= 3:
                tf[term] = tf.get(term, 0) + 1
        n = max(1, state.arrays.nlive)
        scored = []
        known = state.body_df
        with state.lock:
            for word, freq in tf.items():
                df = known.get(word)
                if df is None:
                    df = state.searcher.doc_frequency("body", word)
                    if len(known) < 500_000:
                        known[word] = df
                if 0 < df <= max(10, n // 2):
                    scored.append((freq * float(np.log(1.0 + (n - df + 0.5) / (df + 0.5))),
                                   word))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(word, weight) for weight, word in scored[:count]]

    def more_like_this(self, article_id: str, limit: int = 5) -> list[EngineHit]:
        state = self.state
        docnum = self._docnum(state, article_id)
        if docnum is None:
            return []
        fwd = state.fwd
        own = int(fwd.hash_ids[docnum])
        hits: list[EngineHit] = []
        with state.lock:
            stored = state.searcher.stored_fields(docnum)
        text = f"{stored.get('title') or ''}\n{(stored.get('body') or '')[:20000]}"
        kts = self._key_terms(state, text)
        if not kts:
            return []
        # The key terms scored on arrays (BM25 x key-term weight), like any other query.
        scores = np.zeros(fwd.ndocs, dtype=np.float32)
        for word, weight in kts:
            ids, sc = state.arrays.bm25("body", word)
            scores[ids] += np.float32(weight) * sc
        scores[~fwd.live] = 0
        scores[fwd.hash_ids == own] = 0  # itself and its copies
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return []
        want = min(len(candidates), limit * 3 + 10)
        if len(candidates) > want:
            cut = np.partition(-scores[candidates], want - 1)[want - 1]
            candidates = candidates[-scores[candidates] <= cut]
        order = candidates[np.lexsort((candidates, -scores[candidates]))]
        seen = {own}
        with state.lock:
            for d in order.tolist():
                h = int(fwd.hash_ids[d])
                if h in seen:
                    continue
                seen.add(h)
                hits.append(EngineHit(_article(state.searcher.stored_fields(d)),
                                      float(scores[d]), self._dup_ids(state, d)))
                if len(hits) >= limit:
                    break
        return hits

    def facet_values(self, field: str, prefix: str = "", limit: int = 20) -> list[FacetValue]:
        fwd = self.state.fwd
        col = fwd.columns.get(field)
        if col is None:
            raise EngineError(f"unknown facet field {field!r}")
        counts = fwd.doc_counts(field)
        if prefix:
            want = normalize_value(prefix, aliases=False) if field not in ("year", "month") \
                else prefix.strip().lower()
            if want:
                ok = np.zeros(col.nvalues, dtype=bool)
                ok[col.values_with_word_prefix(want)] = True
                counts = np.where(ok, counts, 0)
        return top_values(col, counts, limit)

    def word_frequency(self, word: str) -> int:
        state = self.state
        word = word.lower()
        with state.lock:
            reader = state.searcher.reader()
            if not reader.has_deletions():
                return reader.doc_frequency("words", word)
            docs = list(state.searcher.docs_for_query(wq.Term("words", word)))
        return int(state.fwd.live[np.asarray(docs, dtype=np.int64)].sum()) if docs else 0

    def suggest_word(self, word: str) -> str | None:
        word = word.lower()
        if not word or len(word) > MAX_TOKEN_CHARS:
            return None
        state = self.state
        maxdist = 1 if len(word) <= 4 else 2
        with state.lock:
            reader = state.searcher.reader()
            own = reader.doc_frequency("words", word)
            best: tuple[int, int, str] | None = None
            candidates: set[str] = set()
            for dist in range(1, maxdist + 1):
                candidates.update(reader.terms_within("words", word, dist, prefix=1))
                if candidates - {word}:
                    break
            for cand in candidates:
                if cand == word:
                    continue
                freq = reader.doc_frequency("words", cand)
                if freq <= own:
                    continue
                key = (_distance(word, cand), -freq, cand)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

    def stats(self, top: int = 10) -> IndexStats:
        state = self.state
        fwd = state.fwd
        days = fwd.days[fwd.live]
        dated = days[days >= 0]
        size = 0
        with os.scandir(self.index_dir) as entries:
            for entry in entries:
                if entry.is_file():
                    size += entry.stat().st_size

        def tops(name: str) -> list[FacetValue]:
            return top_values(fwd.columns[name], fwd.doc_counts(name), top)

        return IndexStats(
            engine=NAME, articles=int(fwd.live.sum()),
            first_date=date.fromordinal(int(dated.min())).isoformat() if len(dated) else None,
            last_date=date.fromordinal(int(dated.max())).isoformat() if len(dated) else None,
            undated=int((days < 0).sum()), size_bytes=size,
            publishers=tops("publisher"), people=tops("people"), places=tops("places"),
            orgs=tops("orgs"), generation=str(state.generation))


for _name in ("search", "count", "get", "duplicates_of", "more_like_this", "facet_values",
              "word_frequency", "suggest_word", "stats"):
    setattr(WhooshEngine, _name, _pinned(getattr(WhooshEngine, _name)))


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


# -- write side ------------------------------------------------------------------------


def _fsync_path(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_schema(index_dir: Path) -> None:
    """Refuse an index written with another schema version (it would answer wrongly)."""
    try:
        meta = json.loads((index_dir / META_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise EngineError(f"{index_dir / META_FILE} is unreadable: {exc}") from None
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise EngineError(
            f"the index in {index_dir} was built with schema version {version} and this "
            f"newsearch reads version {SCHEMA_VERSION}: rebuild it with `newsearch index "
            f"ARCHIVE --index {index_dir} --rebuild`")


def write_meta(index_dir: Path) -> None:
    """Write ``newsearch.json`` atomically (temp file, fsync, rename, fsync the directory)."""
    meta = {"engine": NAME, "schema_version": SCHEMA_VERSION}
    tmp = index_dir / f".{META_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(meta, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / META_FILE)
    _fsync_path(index_dir, directory=True)


class _SyncMixin:
    """Whoosh writers that fsync the new segment files before the table of contents is
    written, and the TOC and the directory after: a reported commit survives power loss."""

    synced: set[str]
    storage: FileStorage
    schema: fields.Schema
    generation: int
    indexname: str

    def _commit_toc(self, segments):  # noqa: ANN001, ANN202
        folder = Path(self.storage.folder)
        segment_ids = {s.segment_id() for s in segments}
        for name in os.listdir(folder):
            if name in self.synced:
                continue
            if any(name.startswith(sid + ".") for sid in segment_ids):
                _fsync_path(folder / name)
                self.synced.add(name)
        toc = TOC(self.schema, segments, self.generation)
        toc.write(self.storage, self.indexname)
        _fsync_path(folder / TOC._filename(self.indexname, self.generation))
        _fsync_path(folder, directory=True)
        clean_files(self.storage, self.indexname, self.generation, segments)


MERGE_FACTOR = 10
"""Segments of one size tier (doc counts within a power of ten) merged together."""
MAX_DELETED_FRACTION = 0.3


def plan_merge(segments: list) -> tuple[list, list]:
    """Tiered merge plan: ``(to_merge, to_keep)``. When a size tier (live documents within a
    power of ten) holds :data:`MERGE_FACTOR` segments they are merged, and so is any segment
    that is mostly deleted documents. Each article is rewritten about log10(N / batch) times
    in all, where Whoosh's MERGE_SMALL kept re-merging everything small into ever larger
    segments (most of the indexing time on the Reuters collection)."""
    tiers: dict[int, list] = {}
    merge: list = []
    keep: list = []
    for seg in segments:
        total = seg.doc_count_all()
        deleted = seg.deleted_count() if seg.has_deletions() else 0
        if total == 0 or deleted / total > MAX_DELETED_FRACTION:
            merge.append(seg)
            continue
        tiers.setdefault(len(str(total - deleted)), []).append(seg)
    for tier in sorted(tiers):
        segs = tiers[tier]
        (merge if len(segs) >= MERGE_FACTOR else keep).extend(segs)
    return merge, keep


def tiered_merge(writer, segments):  # noqa: ANN001, ANN201
    """Whoosh merge policy applying :func:`plan_merge`."""
    from whoosh.reading import SegmentReader

    merge, keep = plan_merge(segments)
    for seg in merge:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return keep


class _SyncSegmentWriter(_SyncMixin, SegmentWriter):
    pass


FAST_MERGE = True
"""Merges through :class:`_BatchSegmentWriter` (postings streamed term by term); False:
Whoosh's own merge (the reference the tests compare with)."""


class _BatchSegmentWriter(_SyncSegmentWriter):
    """The segment writer of a commit's batch of new documents: Whoosh's own writer with a
    faster posting path. Whoosh sends every posting of every document through a sorting
    pool (one tuple each), sorts them all at commit and looks each document's field length
    up again in the length column while writing; here postings are grouped per field and
    term as they come (pre-analysed token lists are counted directly, without Whoosh's
    token objects), field lengths are remembered, and the terms are written field by field
    in sorted order through the same codec, so the segment is the one Whoosh would write.
    It also merges (``add_reader``): stored fields and columns the Whoosh way, postings
    streamed term by term (``whoosh_write_engine.merge_postings``); a writer either adds
    documents or merges segments."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._postings: dict[str, dict[bytes, list]] = {}
        self._lengths: dict[str, dict[int, int]] = {}
        self._merged: list = []

    def add_reader(self, reader):  # noqa: ANN001, ANN201
        """Merge a segment: stored fields and columns the Whoosh way, postings streamed term
        by term at flush (``whoosh_write_engine.merge_postings``) instead of through
        Whoosh's pool one posting at a time (about 8 ms of CPU per article)."""
        from whoosh.reading import SegmentReader

        from newsearch.engine.whoosh_write_engine import merged_lengths

        self._check_state()
        if self._postings:
            raise ValueError("_BatchSegmentWriter: merge segments or add documents, not both")
        basedoc = self.docnum
        names = set(self.schema.names()) | {
            f for f in reader.indexed_field_names() if f in self.schema}
        docmap = self.write_per_doc(names, reader)
        merged_lengths(reader, basedoc, docmap, self.schema, self._lengths)
        # The caller closes ``reader`` at once: the postings are read at flush.
        self._merged.append((SegmentReader(self.storage, self.schema, reader.segment()),
                             basedoc, docmap))
        self._added = True

    def add_document(self, **fields):  # noqa: ANN003, ANN201
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        postings = self._postings
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    terms = postings.get(fieldname)
                    if terms is None:
                        terms = postings[fieldname] = {}
                    fmt = field.format
                    if isinstance(value, list) and type(fmt) is formats.Positions:
                        # Not pre-analysed (no parser processes): count and encode here.
                        value = prepost(value)
                    if type(value) is PrePosted and type(fmt) is formats.Positions:
                        # Counted and encoded by prepost (in a parser process, or just above).
                        length, tbs, freqs, vals = value
                        fb = fmt.field_boost
                        for tb, freq, vbytes in zip(tbs, freqs, vals, strict=True):
                            item = (docnum, freq * fb, vbytes)
                            got = terms.get(tb)
                            if got is None:
                                terms[tb] = [item]
                            else:
                                got.append(item)
                    elif isinstance(value, list) and type(fmt) is formats.Existence:
                        item = (docnum, fmt.field_boost, b"")
                        for text in set(value):
                            tb = text.encode("utf-8")
                            got = terms.get(tb)
                            if got is None:
                                terms[tb] = [item]
                            else:
                                got.append(item)
                        length = len(set(value))
                    else:
                        for tb, freq, weight, vbytes in field.index(value):
                            item = (docnum, weight, vbytes)
                            got = terms.get(tb)
                            if got is None:
                                terms[tb] = [item]
                            else:
                                got.append(item)
                            length += freq
                    if not field.scorable:
                        length = 0
                    elif length:
                        lengths = self._lengths.get(fieldname)
                        if lengths is None:
                            lengths = self._lengths[fieldname] = {}
                        lengths[docnum] = length
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                       length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        from newsearch.engine.whoosh_write_engine import write_postings

        self.perdocwriter.close()
        fw = self.fieldwriter
        if self._merged:
            from newsearch.engine.whoosh_write_engine import merge_postings

            try:
                merge_postings(fw, self.schema, self._merged, self._lengths)
            finally:
                for reader, _, _ in self._merged:
                    reader.close()
                self._merged = []
        write_postings(fw, self.schema, self._postings, self._lengths)
        self._postings = {}
        self._lengths = {}
        fw.close()




def open_writer(index_dir: Path, rebuild: bool = False) -> WhooshWriter:
    return WhooshWriter(Path(index_dir), rebuild=rebuild)


class WhooshWriter(EngineWriter):
    """Write side: holds ``write.lock`` (with our pid) from open to close."""

    name = NAME
    accepts_analysis = True
    """``add`` uses the text analysis attached by ``newsearch.pipeline.analyze``."""
    default_batch = 20_000
    """A segment's term table costs per distinct term: 4,000 articles in one segment hold
    118,500 terms, in four segments 303,000; and every commit's segment is merged again as
    the index grows. 100,000 articles of 4 kB: 246 articles/s at 5,000 per commit, 404 at
    20,000 (the writer's peak memory 2.6 -> 3.0 GB). A crash loses at most one batch: at
    Whoosh's speed, under a minute of work."""

    def __init__(self, index_dir: Path, rebuild: bool = False) -> None:
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fd = self._lock()
        try:
            self._clean_leftovers()
            exists = _latest_generation(self.index_dir) >= 0
            if rebuild or not exists:
                self._create(rebuild)
            elif not (self.index_dir / META_FILE).exists():
                write_meta(self.index_dir)
            else:
                _check_schema(self.index_dir)
            storage = _TrackingStorage(str(self.index_dir), readonly=False)
            try:
                self.ix = FileIndex(storage, schema=SCHEMA, indexname=INDEX_NAME)
                self.ix.reader().close()  # every segment of the newest commit opens
                storage.opened = None
            except Exception as exc:  # noqa: BLE001 - a corrupt TOC or segment
                storage.close_opened()
                raise EngineError(
                    f"the index in {self.index_dir} cannot be opened ({type(exc).__name__}: "
                    f"{exc}): its newest commit is truncated or corrupt. Nothing was changed; "
                    f"restore the folder from a backup or rebuild it with --rebuild") from exc
        except BaseException:
            self._unlock()
            raise
        self._adds: list[Article] = []
        self._deletes: set[str] = set()
        self._synced: set[str] = set()
        self.commits = 0

    # -- lock ---------------------------------------------------------------------------

    def _lock(self) -> int:
        return lockfile.acquire(self.index_dir)

    def _unlock(self) -> None:
        fd = getattr(self, "_lock_fd", None)
        self._lock_fd = None
        lockfile.release(fd)

    # -- set-up -------------------------------------------------------------------------

    def _clean_leftovers(self) -> None:
        """Remove what a killed writer left: temp TOCs, temp dirs, our temp meta files."""
        toc_tmp = re.compile(rf"^_{INDEX_NAME}_[0-9]+\.toc\..+$")
        for entry in list(os.scandir(self.index_dir)):
            name = entry.name
            if toc_tmp.match(name) or (name.startswith(f".{META_FILE}.")
                                       and name.endswith(".tmp")):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            elif name.endswith(".tmp") and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)

    def _create(self, rebuild: bool) -> None:
        known = (self.index_dir / META_FILE).exists() or _latest_generation(self.index_dir) >= 0
        for entry in list(os.scandir(self.index_dir)):
            name = entry.name
            if name in (lockfile.LOCK_FILE, META_FILE) or name.startswith("."):
                continue
            if not known:
                raise EngineError(f"{self.index_dir} is not empty and holds no index; refusing "
                                  f"to write an index into it")
            if not rebuild and name.endswith(".seg"):
                # Segments without any table of contents: a damaged index, never wiped
                # silently.
                raise EngineError(f"{self.index_dir} holds index segments but no table of "
                                  f"contents (_{INDEX_NAME}_N.toc): the index is damaged. "
                                  f"Nothing was changed; restore it from a backup or rebuild "
                                  f"it with --rebuild")
            # An index of ours (maybe of another engine) being rebuilt: empty it.
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        storage = _storage(self.index_dir, readonly=False)
        TOC.create(storage, SCHEMA, INDEX_NAME)
        _fsync_path(self.index_dir / TOC._filename(INDEX_NAME, 0))
        _fsync_path(self.index_dir, directory=True)
        write_meta(self.index_dir)

    # -- EngineWriter ---------------------------------------------------------------------

    def indexed_files(self) -> dict[str, str]:
        out: dict[str, str] = {}
        with self.ix.reader() as reader:
            n = reader.doc_count_all()
            if not n:
                return out
            paths = reader.column_reader("path")
            sigs = reader.column_reader("file_signature")
            deleted = set()
            if reader.has_deletions():
                for leaf, offset in reader.leaf_readers():
                    if leaf.has_deletions():
                        deleted.update(offset + d for d in range(leaf.doc_count_all())
                                       if leaf.is_deleted(d))
            for docnum, (path, sig) in enumerate(zip(paths, sigs, strict=False)):
                if docnum not in deleted and path:
                    out[path] = sig
        return out

    def add(self, articles: Iterable[Article]) -> None:
        self._adds.extend(articles)

    def delete_paths(self, paths: Iterable[str]) -> None:
        paths = set(paths)
        if not paths:
            return
        self._deletes |= paths
        self._adds = [a for a in self._adds if a.path not in paths]

    @property
    def pending(self) -> int:
        return len(self._adds) + len(self._deletes)

    def commit(self) -> None:
        if not self._adds and not self._deletes:
            return
        # One process writes: the cores are busy parsing (Whoosh's MpWriter would compete
        # with the parser processes and re-merge its sub-segments on one core anyway).
        writer = _BatchSegmentWriter(self.ix, limitmb=256,
                                     codec=whoosh3.W3Codec(inlinelimit=INLINE_LIMIT))
        writer.synced = self._synced
        try:
            for path in sorted(self._deletes):
                writer.delete_by_term("path", path)
            for article in self._adds:
                writer.add_document(**document_fields(article))
            # The batch alone: a merge in the same commit would make a crash lose both.
            writer.commit(mergetype=NO_MERGE)
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        self._adds = []
        self._deletes = set()
        self.commits += 1
        self._merge()

    def _merge(self) -> None:
        """Merge segments when the tiered plan says so, in a commit of its own (a crash
        during a long merge loses the merge, never an article)."""
        merge, _ = plan_merge(self.ix._segments())
        if len(merge) < 2 and not any(seg.has_deletions() for seg in merge):
            return
        merger = (_BatchSegmentWriter(self.ix, limitmb=256,
                                      codec=whoosh3.W3Codec(inlinelimit=INLINE_LIMIT))
                  if FAST_MERGE else _SyncSegmentWriter(self.ix, limitmb=256))
        merger.synced = self._synced
        try:
            merger.commit(mergetype=tiered_merge)
        except BaseException:
            with contextlib.suppress(Exception):
                merger.cancel()
            raise

    def close(self) -> None:
        self._adds = []
        self._deletes = set()
        self._unlock()
