"""Snippets: highlighted, HTML-escaped fragments of an article for a query.

Part of the search stage: ``search()`` calls these pure functions for every hit. Matching
follows ``newsearch.analysis.tokenize``, so a highlighted word is one the engines matched: same
Unicode words, lower case and Snowball stems; a prefix (``sanction*``) marks words that start
with it; phrases are marked only where their words stand together, in order.

Speed: the body is not tokenised. One compiled regex per query (cached) finds, at C speed, the
words that begin with the first letters of a query stem or prefix (:func:`_leads`: a stem keeps
all but at most its last two letters); only those words are stemmed and checked, and a phrase
reads the few words after its first one. The spans are exactly those of tokenising every word
(``tests/test_snippets.py`` compares them with that reference); fragment boundaries are found
with character regexes around the chosen windows.

Safety: every character of the article is escaped with ``html.escape(quote=True)``; the only
markup in the output is our own ``<mark>`` elements, so markup inside an article shows as text.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from newsearch.analysis import MAX_TOKEN_CHARS, WORD, stem, tokenize
from newsearch.article import normalize_value
from newsearch.querytree import FACET_FIELDS, Node, Phrase, Prefix, Term, positive_terms

ELLIPSIS = " … "
_SPACE = re.compile(r"\s+")
FRAGMENT_CHARS = 240
"""Target length of one fragment."""
MAX_FRAGMENTS = 3
SCAN_CHARS = 1_000_000
"""Only the first this many characters of a huge body are scanned for matches (a regex finds
the candidate words, so a 1 MB body costs milliseconds: ``benchmarks/bench_snippets.py``)."""
OPENING_CHARS = 280
HIGHLIGHT_CHARS = 1_000_000
"""The article page marks matches in this many characters of the body."""


@dataclass(frozen=True)
class Matcher:
    """What to mark: a sequence of stems (one for a word) or a lower-case word prefix."""

    stems: tuple[str, ...] = ()
    prefix: str = ""
    fields: tuple[str, ...] = ("title", "body")

    @property
    def key(self) -> str:
        return self.prefix + "*" if self.prefix else " ".join(self.stems)


def matchers_for(node: Node) -> list[Matcher]:
    """The matchers of a query tree's positive leaves (not those under NOT)."""
    out: list[Matcher] = []
    for leaf in positive_terms(node):
        field = getattr(leaf, "field", None)
        fields: tuple[str, ...] = ("title", "body") if field is None or field in FACET_FIELDS \
            else (field,)
        if isinstance(leaf, Prefix):
            prefix = leaf.prefix.lower()
            if field in FACET_FIELDS:
                prefix = normalize_value(prefix).split(" ")[0] if normalize_value(prefix) else ""
            if prefix:
                out.append(Matcher(prefix=prefix, fields=fields))
        elif isinstance(leaf, (Term, Phrase)):
            stems = tuple(t.text for t in tokenize(leaf.text))
            if stems:
                out.append(Matcher(stems=stems, fields=fields))
    unique: list[Matcher] = []
    for m in out:
        if m not in unique:
            unique.append(m)
    return unique


def _leads(key: str) -> set[str]:
    """Lower-case beginnings that every word whose stem is (or starts with) ``key`` begins with.

    A Snowball English stem keeps its word's letters except the last one (``happy`` ->
    ``happi``, ``agency`` -> ``agenc``) or, in ``dying``/``lying``/``tying``/``vying``, the
    last two (``die``); the first letter is always kept. ``tests/test_snippets.py`` checks
    this against the stemmer.
    """
    out = {key[:max(1, len(key) - 1)]}
    if key.endswith("ie"):
        out.add(key[:-2] + "y")
    return out


@dataclass(frozen=True)
class _Plan:
    """How to find one field's matches: the candidate regex and the matchers by kind."""

    candidates: re.Pattern[str]
    """Words beginning with a lead, in the lower-cased text."""
    candidates_any_case: re.Pattern[str]
    """The same in the text itself (case-insensitive, slower): for the rare text whose lower
    case is longer than itself (``İ``), where offsets in the lower-cased text would be wrong."""
    phrases: tuple[Matcher, ...]
    singles: dict[str, str]
    prefixes: tuple[Matcher, ...]


@lru_cache(maxsize=1024)
def _plan(matchers: tuple[Matcher, ...], field: str) -> _Plan | None:
    active = [m for m in matchers if field in m.fields]
    if not active:
        return None
    singles: dict[str, str] = {}
    phrases = []
    prefixes = []
    leads: set[str] = set()
    for m in active:
        if m.prefix:
            prefixes.append(m)
            leads |= _leads(m.prefix)
        else:
            if len(m.stems) == 1:
                singles.setdefault(m.stems[0], m.key)
            else:
                phrases.append(m)
            leads |= _leads(m.stems[0])
    phrases.sort(key=lambda m: -len(m.stems))  # the longest phrase wins where they overlap
    # A lead that starts with a shorter lead adds no candidates.
    kept = sorted(lead for lead in leads
                  if not any(other != lead and lead.startswith(other) for other in leads))
    # Whole words (runs of letters and digits, as analysis.WORD) beginning with a lead. The
    # look-behind after the lead (not before it) lets the regex engine skip to the lead's
    # first letter: 5-40x faster than testing the word boundary at every character.
    pattern = "(?:" + "|".join(f"{re.escape(lead)}(?<![^\\W_]{re.escape(lead)})"
                               for lead in kept) + r")[^\W_]*"
    return _Plan(re.compile(pattern), re.compile(pattern, re.IGNORECASE), tuple(phrases),
                 singles, tuple(prefixes))


def _following_stems(text: str, pos: int, count: int) -> list[tuple[str, int]]:
    """(stem, end) of the next ``count`` tokens after ``pos``, as ``analysis.tokenize`` has them."""
    out: list[tuple[str, int]] = []
    if count <= 0:
        return out
    for match in WORD.finditer(text, pos):
        word = match.group()
        if len(word) > MAX_TOKEN_CHARS:
            continue
        out.append((stem(word.lower()), match.end()))
        if len(out) == count:
            break
    return out


def _spans(text: str, matchers: list[Matcher], field: str) -> list[tuple[int, int, str]]:
    """(start, end, matcher key) of every match in ``text``, sorted, not overlapping.

    The same spans as tokenising and stemming every word of ``text`` (the reference in
    ``tests/test_snippets.py``), found cheaply: one regex per query picks the words that could
    stem to a query term (C speed), and only those are stemmed; a phrase reads the few words
    after its first one.
    """
    if not text:
        return []
    plan = _plan(tuple(matchers), field)
    if plan is None:
        return []
    phrases, singles, prefixes = plan.phrases, plan.singles, plan.prefixes
    spans: list[tuple[int, int, str]] = []
    lowered = text.lower()
    if len(lowered) == len(text):  # (lower-casing kept every character's offset)
        found = plan.candidates.finditer(lowered)
    else:
        found = plan.candidates_any_case.finditer(text)
    for match in found:
        start, end = match.span()
        if end - start > MAX_TOKEN_CHARS:
            continue
        lower = text[start:end].lower()  # (as analysis.tokenize: the word's own lower case)
        term = stem(lower)
        done = False
        for m in phrases:
            if term == m.stems[0]:
                rest = _following_stems(text, end, len(m.stems) - 1)
                if len(rest) == len(m.stems) - 1 and all(
                        t == s for (t, _e), s in zip(rest, m.stems[1:], strict=True)):
                    spans.append((start, rest[-1][1], m.key))
                    done = True
                    break
        if done:
            continue
        if term in singles:
            spans.append((start, end, singles[term]))
            continue
        for m in prefixes:
            if lower.startswith(m.prefix) or term.startswith(m.prefix):
                spans.append((start, end, m.key))
                break
    spans.sort(key=lambda span: (span[0], -span[1]))
    merged: list[tuple[int, int, str]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            continue
        merged.append(span)
    return merged


def _render(text: str, spans: list[tuple[int, int, str]], start: int, end: int) -> str:
    parts = []
    pos = start
    for s, e, _key in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts.append(html.escape(text[pos:s], quote=True))
        parts.append("<mark>" + html.escape(text[s:e], quote=True) + "</mark>")
        pos = e
    parts.append(html.escape(text[pos:end], quote=True))
    return "".join(parts)


def highlight(text: str, node: Node | None, field: str = "body") -> str:
    """The whole ``text``, escaped, with every match of the query marked (in the first
    :data:`HIGHLIGHT_CHARS` characters; the rest of a huge text is escaped only)."""
    if node is None:
        return html.escape(text, quote=True)
    head = text[:HIGHLIGHT_CHARS]
    marked = _render(head, _spans(head, matchers_for(node), field), 0, len(head))
    return marked + html.escape(text[HIGHLIGHT_CHARS:], quote=True)


def highlight_title(title: str, node: Node | None) -> str:
    return highlight(title, node, "title")


def _word_start(text: str, pos: int, floor: int) -> int:
    """Move ``pos`` back to the start of a sentence close by, else of the word."""
    pos = max(floor, min(pos, len(text)))
    window = text[max(floor, pos - 60):pos]
    for mark in (". ", "! ", "? ", "\n"):
        cut = window.rfind(mark)
        if cut >= 0:
            return max(floor, pos - 60) + cut + len(mark)
    while pos > floor and not text[pos - 1].isspace():
        pos -= 1
        if pos <= floor:
            return floor
    return pos


def _sentence_start(text: str, low: int, high: int) -> int | None:
    """Start of the last sentence or paragraph that begins in ``[low, high]``."""
    best = None
    for m in re.finditer(r"(?:[.!?]['\"’”)]?\s+|\n\s*)(?=\S)", text[low:high]):
        best = low + m.end()
    if low == 0 and best is None:
        return 0
    return best


def _sentence_end(text: str, low: int, high: int) -> int | None:
    """End of the first sentence that ends in ``[low, high]`` (after its full stop)."""
    m = re.search(r"[.!?]['\"’”)]?(?=\s|$)", text[max(0, low):high])
    return max(0, low) + m.end() if m else None


def _word_end(text: str, pos: int, ceiling: int) -> int:
    pos = min(pos, ceiling)
    while pos < ceiling and not text[pos].isspace():
        pos += 1
    return pos


def _opening(text: str, length: int = OPENING_CHARS) -> str:
    text = text.strip()
    if len(text) <= length:
        return _SPACE.sub(" ", html.escape(text, quote=True))
    cut = text.rfind(" ", 0, length)
    cut = cut if cut > length // 2 else length
    return _SPACE.sub(" ", html.escape(text[:cut].rstrip(), quote=True)) + " …"


def _candidates(spans: list[tuple[int, int, str]],
                fragment_chars: int) -> list[tuple[int, int, int, int, int]]:
    """(weight, count, -start of its match, start, end) of a window around each match, best
    first: the number of distinct query terms it holds (phrases count double), then the number
    of matches, then coming first."""
    # Candidate windows start a little before each match. A window holds the spans that
    # start in it and end by its end: spans are sorted and disjoint, so those are a run
    # [lo, hi) of the list, and both bounds only move forward from one match to the next.
    starts = [s for s, _e, _k in spans]
    ends = [e for _s, e, _k in spans]
    keys_of = [k for _s, _e, k in spans]
    weight_of = {k: 2 if " " in k else 1 for k in keys_of}  # phrases count double
    only_key = next(iter(weight_of)) if len(weight_of) == 1 else None
    candidates = []
    lo = hi = 0
    for s in starts:
        w_start = max(0, s - fragment_chars // 4)
        w_end = w_start + fragment_chars
        while starts[lo] < w_start:
            lo += 1
        while hi < len(ends) and ends[hi] <= w_end:
            hi += 1
        count = max(0, hi - lo)
        if not count:
            weight = 0
        elif only_key is not None:
            weight = weight_of[only_key]
        else:
            weight = sum(weight_of[k] for k in set(keys_of[lo:hi]))
        candidates.append((weight, count, -s, w_start, w_end))
    candidates.sort(reverse=True)
    return candidates


def _windows(spans: list[tuple[int, int, str]], fragment_chars: int,
             max_fragments: int) -> list[tuple[int, int]]:
    """The windows (start, end) the fragments are cut around, in text order: the best
    candidates (:func:`_candidates`) that do not overlap, each after the first adding a query
    term not shown yet."""
    candidates = _candidates(spans, fragment_chars)
    starts = [s for s, _e, _k in spans]
    ends = [e for _s, e, _k in spans]
    keys_of = [k for _s, _e, k in spans]
    all_keys = set(keys_of)

    def inside_keys(w_start: int, w_end: int) -> set[str]:
        """Keys of the spans wholly inside ``[w_start, w_end)`` (spans are sorted, disjoint)."""
        keys = set()
        i = bisect_left(starts, w_start)
        while i < len(spans) and ends[i] <= w_end:
            keys.add(keys_of[i])
            i += 1
        return keys

    chosen: list[tuple[int, int]] = []
    covered: set[str] = set()
    for _weight, _count, _neg, w_start, w_end in candidates:
        if len(chosen) >= max_fragments or (chosen and covered >= all_keys):
            break  # (no later fragment could add a term)
        if any(w_start < c_end and w_end > c_start for c_start, c_end in chosen):
            continue
        inside = inside_keys(w_start, w_end)
        if chosen and not (inside - covered) and len(chosen) >= 1:
            # a later fragment must show a term not shown yet, unless the first one shows all
            continue
        chosen.append((w_start, w_end))
        covered |= inside
    if not chosen:  # pragma: no cover - the best candidate is always taken
        chosen = [(candidates[0][3], candidates[0][4])]
    chosen.sort()
    return chosen


def snippet(body: str, node: Node | None, *, fragment_chars: int = FRAGMENT_CHARS,
            max_fragments: int = MAX_FRAGMENTS) -> str:
    """The best 1-3 highlighted fragments of ``body`` joined with " … ", or its opening.

    Fragments are chosen anywhere in the body (the first :data:`SCAN_CHARS` characters are
    scanned): each window is scored by the number of distinct query terms it holds (phrases
    count double), then by the number of matches; later fragments must add a match.
    """
    if not body:
        return ""
    if node is None:
        return _opening(body)
    scanned = body[:SCAN_CHARS]
    spans = [s for s in _spans(scanned, matchers_for(node), "body")]
    if not spans:
        return _opening(body)

    chosen = _windows(spans, fragment_chars, max_fragments)
    starts = [s for s, _e, _k in spans]

    pieces = []
    for w_start, w_end in chosen:
        first_span = starts[bisect_left(starts, w_start)]
        start = _sentence_start(scanned, max(0, w_start - 60), first_span)
        if start is None:
            start = _word_start(scanned, w_start, 0)
            if start > first_span:
                start = w_start
        end = _sentence_end(scanned, start + fragment_chars - 60, start + fragment_chars)
        if end is None:
            end = _word_end(scanned, max(start + fragment_chars, start + 40), len(scanned))
        last = bisect_left(starts, w_end) - 1  # the last span starting in the window
        last_in = spans[last][1] if last >= 0 and starts[last] >= w_start else end
        end = max(end, _word_end(scanned, last_in, len(scanned)))
        pieces.append((start, end))
    # merge fragments that touch after widening
    merged: list[tuple[int, int]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    rendered = [_SPACE.sub(" ", _render(scanned, spans, s, e)).strip() for s, e in merged]
    text = ELLIPSIS.join(rendered)
    if merged[0][0] > 0:
        text = "… " + text
    if merged[-1][1] < len(body.rstrip()):
        text = text + " …"
    return text
