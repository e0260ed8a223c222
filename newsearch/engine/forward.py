"""Engine-neutral forward index: per-document facet values, days and content hashes as numpy.

Part of the engine stage. An index library answers "which documents match"; everything after
that (filters, duplicate collapse, disjunctive facet counts, the date histogram and date sorts)
is array work on structures built once per commit from the index and cached by the engine:

- :class:`FacetColumn`: one facet field as CSR arrays, document number -> value ids, with a
  value table (normalised key and display form of each value);
- :class:`ForwardIndex`: every facet column plus per-document arrays (publication day as a
  proleptic Gregorian ordinal, ``-1`` when undated; content-hash group id; live mask).

:func:`evaluate` runs the part of a search that does not need scores. Nothing here imports an
index library, so every engine can build a :class:`ForwardIndex` and share this code.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from newsearch.article import normalize_value
from newsearch.engine.base import (
    UNDATED,
    FacetValue,
    Filters,
    HistogramBucket,
    histogram_granularity,
)

UNDATED_DAY = -1
DATE_FACETS = ("year", "month")


def lru_get(cache: OrderedDict, key: object) -> object | None:
    """``cache[key]`` marked as just used, or None (the caller holds the cache's lock)."""
    hit = cache.get(key)
    if hit is not None:
        cache.move_to_end(key)
    return hit


def facet_key(field_name: str, value: str) -> str:
    """The matching key of a facet value (dates keep their digits and dashes)."""
    if field_name in DATE_FACETS:
        return value.strip().lower()
    return normalize_value(value)


@dataclass
class FacetColumn:
    """One multi-valued facet field: CSR ``indptr``/``values`` plus the value table."""

    name: str
    keys: list[str]
    displays: list[str]
    indptr: np.ndarray
    """int64, ``ndocs + 1`` entries: doc ``d`` has ``values[indptr[d]:indptr[d+1]]``."""
    values: np.ndarray
    """int32 value ids."""
    key_index: dict[str, int] = field(default_factory=dict)
    _owner: np.ndarray | None = None
    _words: list[tuple[str, ...]] | None = None
    _word_list: list[str] | None = None
    _word_ids: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not self.key_index:
            self.key_index = {key: i for i, key in enumerate(self.keys)}

    @property
    def nvalues(self) -> int:
        return len(self.keys)

    @property
    def owner(self) -> np.ndarray:
        """The document of every value slot (same length as ``values``)."""
        if self._owner is None:
            counts = np.diff(self.indptr)
            self._owner = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        return self._owner

    @property
    def words(self) -> list[tuple[str, ...]]:
        if self._words is None:
            self._words = [tuple(key.split()) for key in self.keys]
        return self._words

    def values_with_word_prefix(self, prefix: str) -> np.ndarray:
        """Value ids having a word (or run of words, for a multi-word ``prefix``) that starts
        with ``prefix`` (a normalised key); by binary search in a sorted word list."""
        if self._word_list is None:
            pairs = sorted((word, vid) for vid, words in enumerate(self.words)
                           for word in set(words))
            self._word_list = [w for w, _ in pairs]
            self._word_ids = np.asarray([v for _, v in pairs], dtype=np.int64)
        first = prefix.split()[0] if prefix.split() else ""
        lo = bisect.bisect_left(self._word_list, first)
        hi = bisect.bisect_left(self._word_list, first + "\U0010ffff")
        cands = np.unique(self._word_ids[lo:hi])
        if " " not in prefix:
            return cands
        n = len(prefix.split())
        out = []
        for vid in cands.tolist():
            words = self.words[vid]
            if any(" ".join(words[i:i + n]).startswith(prefix) for i in range(len(words))):
                out.append(vid)
        return np.asarray(out, dtype=np.int64)

    def ids_for(self, values: Iterable[str]) -> list[int]:
        out = []
        for value in values:
            vid = self.key_index.get(facet_key(self.name, value))
            if vid is not None:
                out.append(vid)
        return out

    def doc_mask(self, value_ids: Sequence[int], ndocs: int) -> np.ndarray:
        """Documents having any of ``value_ids``."""
        mask = np.zeros(ndocs, dtype=bool)
        if len(value_ids) == 0 or len(self.values) == 0:
            return mask
        wanted = np.zeros(self.nvalues, dtype=bool)
        wanted[np.asarray(value_ids, dtype=np.int64)] = True
        mask[self.owner[wanted[self.values]]] = True
        return mask

    def count(self, docs: np.ndarray | None, docmask: np.ndarray | None = None) -> np.ndarray:
        """Per value id, the number of documents of ``docs`` (sorted docnums) having it."""
        if self.nvalues == 0:
            return np.zeros(0, dtype=np.int64)
        if docs is None:
            return np.bincount(self.values, minlength=self.nvalues)
        ndocs = len(self.indptr) - 1
        if len(docs) * 4 > ndocs and docmask is not None:
            # Many documents: one pass over every value slot.
            return np.bincount(self.values[docmask[self.owner]], minlength=self.nvalues)
        starts = self.indptr[docs]
        lengths = self.indptr[docs + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(self.nvalues, dtype=np.int64)
        offsets = np.cumsum(lengths) - lengths
        idx = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)
        return np.bincount(self.values[idx], minlength=self.nvalues)

    def values_of(self, docnum: int) -> list[str]:
        return [self.displays[v] for v in self.values[self.indptr[docnum]:self.indptr[docnum + 1]]]


def date_columns(days: np.ndarray) -> tuple[FacetColumn, FacetColumn, np.ndarray, np.ndarray]:
    """The ``year`` and ``month`` facet columns (one value per document, ``undated`` when the
    day is unknown) and the per-document year and month-index arrays (``-1`` undated)."""
    ndocs = len(days)
    years = np.full(ndocs, -1, dtype=np.int32)
    months = np.full(ndocs, -1, dtype=np.int32)  # year * 12 + month - 1
    dated = days >= 0
    if dated.any():
        uniq, inverse = np.unique(days[dated], return_inverse=True)
        ys = np.empty(len(uniq), dtype=np.int32)
        ms = np.empty(len(uniq), dtype=np.int32)
        for i, ordinal in enumerate(uniq.tolist()):
            d = date.fromordinal(int(ordinal))
            ys[i], ms[i] = d.year, d.year * 12 + d.month - 1
        years[dated] = ys[inverse]
        months[dated] = ms[inverse]
    year_col = _single_value_column("year", years, lambda y: f"{y:04d}")
    month_col = _single_value_column("month", months, lambda m: f"{m // 12:04d}-{m % 12 + 1:02d}")
    return year_col, month_col, years, months


def _single_value_column(name: str, codes: np.ndarray, label) -> FacetColumn:  # noqa: ANN001
    uniq, inverse = np.unique(codes, return_inverse=True)
    keys = [UNDATED if c < 0 else label(int(c)) for c in uniq.tolist()]
    indptr = np.arange(len(codes) + 1, dtype=np.int64)
    return FacetColumn(name, keys, list(keys), indptr, inverse.astype(np.int32).ravel())


@dataclass
class ForwardIndex:
    """Everything a search needs per document, for one commit of one index."""

    ndocs: int
    live: np.ndarray
    """bool per docnum: False for deleted documents."""
    days: np.ndarray
    """int32 ordinal of the publication day, ``UNDATED_DAY`` when undated."""
    hash_ids: np.ndarray
    """int32 content-hash group per document."""
    columns: dict[str, FacetColumn]
    years: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    months: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    _live_docs: np.ndarray | None = None
    _filter_cache: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _doc_counts: dict[str, np.ndarray] = field(default_factory=dict)
    _group_sizes: np.ndarray | None = None

    @classmethod
    def build(cls, ndocs: int, live: np.ndarray, days: np.ndarray, hashes: Sequence[str],
              columns: Mapping[str, FacetColumn]) -> ForwardIndex:
        days = np.asarray(days, dtype=np.int32)
        _, hash_ids = np.unique(np.asarray(hashes, dtype=object).astype(str), return_inverse=True)
        year_col, month_col, years, months = date_columns(days)
        cols = dict(columns)
        cols["year"], cols["month"] = year_col, month_col
        return cls(ndocs, np.asarray(live, dtype=bool), days, hash_ids.astype(np.int32).ravel(),
                   cols, years, months)

    @property
    def live_docs(self) -> np.ndarray:
        if self._live_docs is None:
            self._live_docs = np.flatnonzero(self.live)
        return self._live_docs

    @property
    def group_sizes(self) -> np.ndarray:
        """Live documents per content-hash group."""
        if self._group_sizes is None:
            self._group_sizes = np.bincount(self.hash_ids[self.live],
                                            minlength=int(self.hash_ids.max(initial=-1)) + 1)
        return self._group_sizes

    def doc_counts(self, field_name: str) -> np.ndarray:
        """Per value id of a facet, the number of live documents having it."""
        counts = self._doc_counts.get(field_name)
        if counts is None:
            col = self.columns[field_name]
            counts = col.count(self.live_docs, self.live)
            self._doc_counts[field_name] = counts
        return counts

    def value_mask(self, field_name: str, values: Sequence[str]) -> np.ndarray:
        """Documents having any of ``values`` of a facet (cached per commit)."""
        col = self.columns[field_name]
        ids = tuple(sorted(set(col.ids_for(values))))
        key = (field_name, ids)
        with self._lock:
            mask = lru_get(self._filter_cache, key)
            if mask is not None:
                return mask
        mask = col.doc_mask(ids, self.ndocs)
        mask.flags.writeable = False
        with self._lock:
            self._filter_cache[key] = mask
            while len(self._filter_cache) > 64:
                self._filter_cache.popitem(last=False)
        return mask

    def date_mask(self, start: date | None, end: date | None) -> np.ndarray:
        mask = self.days >= 0
        if start is not None:
            mask &= self.days >= start.toordinal()
        if end is not None:
            mask &= self.days <= end.toordinal()
        return mask

    def group_counts(self, col: FacetColumn, mask: np.ndarray) -> np.ndarray:
        """Per value of ``col``, the number of content-hash groups (stories, copies
        collapsed) with a document in ``mask`` having the value: what a filter on the value
        then finds, even when the copies of a story differ in their values."""
        docs = np.flatnonzero(mask)
        groups = self.hash_ids[docs]
        in_set = np.bincount(groups, minlength=len(self.group_sizes))
        multi = in_set[groups] > 1
        if not multi.any():
            return col.count(docs, mask)
        single = docs[~multi]
        single_mask = np.zeros(self.ndocs, dtype=bool)
        single_mask[single] = True
        counts = col.count(single, single_mask)
        # Copies: each (value, story) pair once.
        copies = docs[multi]
        starts = col.indptr[copies]
        lengths = col.indptr[copies + 1] - starts
        total = int(lengths.sum())
        if total:
            offsets = np.cumsum(lengths) - lengths
            idx = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)
            values = col.values[idx].astype(np.int64)
            owners = np.repeat(self.hash_ids[copies].astype(np.int64), lengths)
            pairs = np.unique(values * (int(self.hash_ids.max()) + 1) + owners)
            counts = counts + np.bincount(pairs // (int(self.hash_ids.max()) + 1),
                                          minlength=col.nvalues)
        return counts

    def duplicates(self, docnum: int) -> np.ndarray:
        """Live documents sharing ``docnum``'s content hash, itself excluded."""
        if self.group_sizes[self.hash_ids[docnum]] <= 1:
            return np.zeros(0, dtype=np.int64)
        same = np.flatnonzero((self.hash_ids == self.hash_ids[docnum]) & self.live)
        return same[same != docnum]

    # -- ordering -----------------------------------------------------------------------

    def rank(self, docs: np.ndarray, sort: str) -> np.ndarray:
        """``docs`` reordered by date (``newest``/``oldest``; undated last, then docnum)."""
        days = self.days[docs].astype(np.int64)
        undated = days < 0
        key = -days if sort == "newest" else days
        return docs[np.lexsort((docs, key, undated))]

    def collapse(self, docs: np.ndarray, sort: str) -> np.ndarray:
        """One document per content hash out of ``docs`` (sorted docnums): the first by the
        sort order (``relevance``: the lowest docnum; equal texts score alike). Sorted output."""
        if len(docs) < 2:
            return docs
        hashes = self.hash_ids[docs]
        if sort in ("newest", "oldest"):
            days = self.days[docs].astype(np.int64)
            key = -days if sort == "newest" else days
            order = np.lexsort((docs, key, days < 0, hashes))
        else:
            order = np.lexsort((docs, hashes))
        sorted_hashes = hashes[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = sorted_hashes[1:] != sorted_hashes[:-1]
        return np.sort(docs[order[first]])

    def freshness(self, docs: np.ndarray) -> np.ndarray:
        """1 for the newest article of the index, 0 for the oldest (and undated)."""
        dated = self.days[self.live]
        dated = dated[dated >= 0]
        out = np.zeros(len(docs), dtype=np.float64)
        if len(dated) == 0:
            return out
        lo, hi = int(dated.min()), int(dated.max())
        days = self.days[docs]
        if hi == lo:
            out[days >= 0] = 1.0
            return out
        ok = days >= 0
        out[ok] = (days[ok] - lo) / (hi - lo)
        return out


@dataclass
class Evaluation:
    """What :func:`evaluate` found: the matching documents after filters and collapse."""

    docs: np.ndarray
    """Sorted docnums of the hits (one per content hash when collapsing)."""
    total: int
    facets: dict[str, list[FacetValue]]
    histogram: list[HistogramBucket]
    granularity: str
    undated: int


def evaluate(
    fwd: ForwardIndex,
    matched: np.ndarray | None,
    filters: Filters,
    *,
    facets: Sequence[str] = (),
    facet_limit: int = 10,
    histogram: bool = False,
    collapse: bool = True,
    sort: str = "relevance",
) -> Evaluation:
    """Apply filters, collapse, count facets (disjunctively) and build the histogram.

    ``matched`` is a bool mask over docnums of what the query matched (None: every document).
    """
    base = fwd.live.copy() if matched is None else (matched & fwd.live)
    for name, values in filters.exclude.items():
        if values and name in fwd.columns:
            base &= ~fwd.value_mask(name, values)
    if filters.start is not None or filters.end is not None:
        base &= fwd.date_mask(filters.start, filters.end)
    includes: dict[str, np.ndarray] = {}
    for name, values in filters.include.items():
        if not values:
            continue
        if name not in fwd.columns:
            includes[name] = np.zeros(fwd.ndocs, dtype=bool)
        else:
            includes[name] = fwd.value_mask(name, values)
    final_mask = base.copy()
    for mask in includes.values():
        final_mask &= mask

    def docs_of(mask: np.ndarray) -> np.ndarray:
        docs = np.flatnonzero(mask)
        return fwd.collapse(docs, sort) if collapse else docs

    docs = docs_of(final_mask)

    facet_out: dict[str, list[FacetValue]] = {}
    for name in facets:
        col = fwd.columns.get(name)
        if col is None:
            continue
        if name in includes:
            # Disjunctive: the counts of F ignore the include filter on F.
            mask = base.copy()
            for other, omask in includes.items():
                if other != name:
                    mask &= omask
        else:
            mask = final_mask
        counts = fwd.group_counts(col, mask) if collapse else col.count(np.flatnonzero(mask),
                                                                         mask)
        facet_out[name] = top_values(col, counts, facet_limit, filters.include.get(name, ()))

    buckets: list[HistogramBucket] = []
    granularity = "month"
    days = fwd.days[docs]
    undated = int((days < 0).sum())
    if histogram:
        buckets, granularity = make_histogram(fwd, docs)
    return Evaluation(docs, len(docs), facet_out, buckets, granularity, undated)


def top_values(col: FacetColumn, counts: np.ndarray, limit: int,
               selected: Sequence[str] = ()) -> list[FacetValue]:
    """The ``limit`` most frequent values (count desc, then display), selected ones always."""
    nonzero = np.flatnonzero(counts)
    if len(nonzero) > limit:
        # Partial selection first, then an exact order among the candidates.
        cut = counts[nonzero][np.argpartition(-counts[nonzero], limit - 1)[limit - 1]]
        nonzero = nonzero[counts[nonzero] >= cut]
    chosen = sorted(nonzero.tolist(), key=lambda v: (-int(counts[v]), col.displays[v]))[:limit]
    out = [FacetValue(col.displays[v], int(counts[v])) for v in chosen]
    shown = set(chosen)
    for value in selected:
        vid = col.key_index.get(facet_key(col.name, value))
        if vid is None:
            out.append(FacetValue(value, 0))
        elif vid not in shown:
            shown.add(vid)
            out.append(FacetValue(col.displays[vid], int(counts[vid]) if len(counts) else 0))
    return out


def make_histogram(fwd: ForwardIndex, docs: np.ndarray) -> tuple[list[HistogramBucket], str]:
    days = fwd.days[docs]
    dated = days >= 0
    if not dated.any():
        return [], "month"
    days = days[dated]
    lo, hi = int(days.min()), int(days.max())
    granularity = histogram_granularity(date.fromordinal(lo), date.fromordinal(hi))
    if granularity == "day":
        counts = np.bincount(days - lo, minlength=hi - lo + 1)
        return [HistogramBucket(date.fromordinal(lo + i).isoformat(), int(c))
                for i, c in enumerate(counts.tolist())], granularity
    if granularity == "month":
        months = fwd.months[docs][dated]
        mlo, mhi = int(months.min()), int(months.max())
        counts = np.bincount(months - mlo, minlength=mhi - mlo + 1)
        return [HistogramBucket(f"{(mlo + i) // 12:04d}-{(mlo + i) % 12 + 1:02d}", int(c))
                for i, c in enumerate(counts.tolist())], granularity
    years = fwd.years[docs][dated]
    ylo, yhi = int(years.min()), int(years.max())
    counts = np.bincount(years - ylo, minlength=yhi - ylo + 1)
    return [HistogramBucket(f"{ylo + i:04d}", int(c)) for i, c in enumerate(counts.tolist())], \
        granularity
