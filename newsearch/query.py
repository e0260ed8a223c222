"""Query language: the text a user types -> our engine-neutral query tree.

This is the "query language" stage of the pipeline: a small recursive-descent parser of our
own (no Whoosh parser) that builds ``newsearch.querytree`` nodes, which each engine compiles.

Syntax (see docs/api.md, "Query language"):

- words: ``climate talks`` (all words must match: AND is the default)
- ``OR``, ``AND``, ``NOT`` (upper case only; lower-case ``and``/``or``/``not`` are words)
  and a leading ``-`` (``-sport``); a leading ``+`` is accepted and ignored
- ``"exact phrases"`` and parentheses ``(a OR b) -c`` (at most :data:`MAX_DEPTH` deep)
- field prefixes ``title:`` ``body:`` ``person:`` ``place:`` ``org:`` ``publisher:``
  ``author:`` ``section:`` ``tag:`` (and the aliases of ``querytree.QUERY_FIELDS``); a field
  applies to a word, a ``"quoted value"`` or a ``(group)``. A facet field takes one whole
  value: ``person:"Xi Jinping"``, ``org:AT&T``. An unknown prefix such as ``foo:bar`` or a time
  ``10:30`` is NOT an error: it is ordinary text (the words ``foo bar``, as a phrase).
- prefix wildcards ``sanction*`` (at least :data:`MIN_PREFIX` letters before the ``*``; a
  leading or lone ``*`` and wildcards inside a word are errors)
- dates: ``date:2022``, ``date:2022-08``, ``date:2022-08-13``,
  ``date:[2022-08-01 TO 2022-08-31]`` (either end may be ``*``; ends may be years or months);
  ``after:2022-08`` and ``before:2022-08-13`` are EXCLUSIVE (strictly after the whole period
  named, strictly before its first day).

A word made of several words for the analyser (``covid-19``, ``U.S.``) becomes a phrase.
Anything the parser cannot read raises :class:`QuerySyntaxError` with a 0-based
``position`` and a message that gives the 1-based column. No other exception escapes
:func:`parse_query` for any input string.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from newsearch.analysis import MAX_TOKEN_CHARS, WORD
from newsearch.article import normalize_value
from newsearch.querytree import (
    FACET_FIELDS,
    QUERY_FIELDS,
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

MAX_DEPTH = 20
"""Deepest nesting of parentheses."""
MAX_TERMS = 100
"""Most words, phrases, prefixes and dates in one query."""
MAX_QUERY_LENGTH = 2000
"""Default longest query (the ``max_query_length`` setting overrides it)."""
MIN_PREFIX = 2
"""Fewest characters before a trailing ``*``."""

DATE_FIELDS = ("date", "after", "before")
_OPERATORS = {"AND", "OR", "NOT"}


class QuerySyntaxError(ValueError):
    """The query cannot be read; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class _Tok:
    kind: str
    """WORD, PHRASE, FIELD, RANGE, LPAREN, RPAREN, NEG, AND, OR, NOT, END."""
    text: str
    pos: int


def _col(pos: int) -> str:
    return f"column {pos + 1}"


_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_SPECIAL = set('()"')


def _lex(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            tokens.append(_Tok("LPAREN", ch, i))
            i += 1
            continue
        if ch == ")":
            tokens.append(_Tok("RPAREN", ch, i))
            i += 1
            continue
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError(f"unclosed quote at {_col(i)}", i)
            tokens.append(_Tok("PHRASE", text[i + 1:end], i))
            i = end + 1
            continue
        if ch in "-+" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
            # A sign at the start of a word; "covid-19" keeps its hyphen (not a word start).
            if ch == "-":
                tokens.append(_Tok("NEG", ch, i))
            i += 1
            continue
        match = _FIELD_RE.match(text, i)
        if match:
            name = match.group(1).lower()
            if name in QUERY_FIELDS or name in DATE_FIELDS:
                tokens.append(_Tok("FIELD", name, i))
                i = match.end()
                if name == "date" and i < n and text[i] in "[{":
                    close = "]" if text[i] == "[" else "}"
                    end = text.find(close, i + 1)
                    if end < 0:
                        raise QuerySyntaxError(f"unclosed date range '{text[i]}' at {_col(i)}", i)
                    tokens.append(_Tok("RANGE", text[i + 1:end], i))
                    i = end + 1
                continue
        start = i
        while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
            i += 1
        word = text[start:i]
        if word in _OPERATORS:
            tokens.append(_Tok(word, word, start))
        elif word in {"&&", "||"}:
            tokens.append(_Tok("AND" if word == "&&" else "OR", word, start))
        else:
            tokens.append(_Tok("WORD", word, start))
    tokens.append(_Tok("END", "", n))
    return tokens


def _parse_day(text: str, pos: int, *, end: bool) -> date:
    """First (or last, with ``end``) day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text.strip())
    if not m:
        raise QuerySyntaxError(
            f"bad date {text!r} at {_col(pos)}: use YYYY, YYYY-MM or YYYY-MM-DD", pos)
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    try:
        if year < 1:
            raise ValueError("year 0")
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last) if end else date(year, month, 1)
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise QuerySyntaxError(f"impossible date {text!r} at {_col(pos)}", pos) from None


def _shift(day: date, days: int, pos: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise QuerySyntaxError(f"date out of range at {_col(pos)}", pos) from None


class _Parser:
    def __init__(self, text: str, max_terms: int) -> None:
        self.text = text
        self.tokens = _lex(text)
        self.i = 0
        self.terms = 0
        self.max_terms = max_terms

    # -- helpers ---------------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        if tok.kind != "END":
            self.i += 1
        return tok

    def count(self, pos: int) -> None:
        self.terms += 1
        if self.terms > self.max_terms:
            raise QuerySyntaxError(
                f"too many terms: a query may have at most {self.max_terms} words, phrases "
                f"and dates (the limit is passed at {_col(pos)})", pos)

    # -- grammar -----------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "END":
            return MatchAll()
        node = self.or_expr(depth=0, field=None)
        tok = self.tok
        if tok.kind == "RPAREN":
            raise QuerySyntaxError(f"unmatched ')' at {_col(tok.pos)}", tok.pos)
        if tok.kind != "END":  # pragma: no cover - every other token starts a term
            raise QuerySyntaxError(f"unexpected {tok.text!r} at {_col(tok.pos)}", tok.pos)
        return node or MatchAll()

    def or_expr(self, depth: int, field: str | None) -> Node | None:
        children = [self.and_expr(depth, field)]
        while self.tok.kind == "OR":
            op = self.take()
            if self.tok.kind in ("END", "RPAREN", "OR", "AND"):
                raise QuerySyntaxError(f"OR at {_col(op.pos)} needs a term after it", op.pos)
            if children[-1] is None:
                raise QuerySyntaxError(f"OR at {_col(op.pos)} needs a term before it", op.pos)
            children.append(self.and_expr(depth, field))
        kept = [_positive(c) for c in children if c is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(tuple(kept))

    def and_expr(self, depth: int, field: str | None) -> Node | None:
        children: list[Node] = []
        first = True
        while True:
            tok = self.tok
            if tok.kind in ("END", "RPAREN", "OR"):
                break
            if tok.kind == "AND":
                self.take()
                if first or self.tok.kind in ("END", "RPAREN", "OR", "AND"):
                    raise QuerySyntaxError(
                        f"AND at {_col(tok.pos)} needs a term on both sides", tok.pos)
                continue
            first = False
            node = self.unary(depth, field)
            if node is not None:
                children.append(node)
        if not children:
            return None
        if len(children) == 1:
            return children[0]
        if all(isinstance(c, Not) for c in children):
            children.insert(0, MatchAll())
        return And(tuple(children))

    def unary(self, depth: int, field: str | None) -> Node | None:
        negate = False
        while self.tok.kind in ("NOT", "NEG"):
            op = self.take()
            if self.tok.kind in ("END", "RPAREN", "OR", "AND"):
                raise QuerySyntaxError(
                    f"{'NOT' if op.kind == 'NOT' else '-'} at {_col(op.pos)} needs a term "
                    f"after it", op.pos)
            negate = not negate
        node = self.primary(depth, field)
        if node is None or not negate:
            return node
        return node.child if isinstance(node, Not) else Not(node)

    def primary(self, depth: int, field: str | None) -> Node | None:
        tok = self.take()
        if tok.kind == "LPAREN":
            if depth + 1 > MAX_DEPTH:
                raise QuerySyntaxError(
                    f"parentheses nested too deep at {_col(tok.pos)} (at most {MAX_DEPTH})",
                    tok.pos)
            node = self.or_expr(depth + 1, field)
            close = self.take()
            if close.kind != "RPAREN":
                raise QuerySyntaxError(f"unclosed '(' at {_col(tok.pos)}", tok.pos)
            if node is None:
                raise QuerySyntaxError(f"empty parentheses at {_col(tok.pos)}", tok.pos)
            return node
        if tok.kind == "FIELD":
            if field is not None:
                raise QuerySyntaxError(
                    f"field {tok.text}: inside another field at {_col(tok.pos)}", tok.pos)
            nxt = self.tok
            if nxt.kind == "RANGE":
                self.take()
                return self.date_range(nxt)
            if nxt.kind in ("WORD", "PHRASE", "LPAREN"):
                name = tok.text if tok.text in DATE_FIELDS else (QUERY_FIELDS[tok.text] or "text")
                node = self.primary(depth, name)
                if node is None:
                    raise QuerySyntaxError(
                        f"{tok.text}: at {_col(tok.pos)} has an empty value", tok.pos)
                return node
            raise QuerySyntaxError(
                f"{tok.text}: at {_col(tok.pos)} needs a value right after the colon", tok.pos)
        if tok.kind == "PHRASE":
            return self.leaf(tok.text, tok.pos, field, quoted=True)
        if tok.kind == "WORD":
            return self.leaf(tok.text, tok.pos, field, quoted=False)
        if tok.kind == "RANGE":  # pragma: no cover - the lexer only emits it after date:
            raise QuerySyntaxError(f"unexpected date range at {_col(tok.pos)}", tok.pos)
        if tok.kind == "RPAREN":
            raise QuerySyntaxError(f"unmatched ')' at {_col(tok.pos)}", tok.pos)
        raise QuerySyntaxError(  # pragma: no cover - operators are handled by the callers
            f"unexpected {tok.text or 'end of query'} at {_col(tok.pos)}", tok.pos)

    # -- leaves ------------------------------------------------------------------------------
    def date_range(self, tok: _Tok) -> Node:
        parts = re.split(r"\s+TO\s+", tok.text.strip(), flags=re.IGNORECASE)
        if len(parts) != 2:
            raise QuerySyntaxError(
                f"date range at {_col(tok.pos)} must look like [2022-08-01 TO 2022-08-31]",
                tok.pos)
        self.count(tok.pos)
        start = None if parts[0].strip() == "*" else _parse_day(parts[0], tok.pos, end=False)
        end = None if parts[1].strip() == "*" else _parse_day(parts[1], tok.pos, end=True)
        if start and end and start > end:
            raise QuerySyntaxError(f"date range at {_col(tok.pos)} ends before it starts",
                                   tok.pos)
        return DateRange(start, end)

    def leaf(self, text: str, pos: int, field: str | None, *, quoted: bool) -> Node | None:
        if field in DATE_FIELDS:
            if quoted:
                text = text.strip()
            self.count(pos)
            first = _parse_day(text, pos, end=False)
            last = _parse_day(text, pos, end=True)
            if field == "date":
                return DateRange(first, last)
            if field == "after":
                return DateRange(_shift(last, 1, pos), None)
            return DateRange(None, _shift(first, -1, pos))
        index_field = None if field == "text" else field
        if index_field in FACET_FIELDS:
            return self.facet_leaf(text, pos, index_field, quoted=quoted)
        if not quoted and "*" in text:
            return self.prefix_leaf(text, pos, index_field)
        words = [w for w in WORD.findall(text) if len(w) <= MAX_TOKEN_CHARS]
        if not words:
            if quoted and field is not None:
                raise QuerySyntaxError(f"empty value at {_col(pos)}", pos)
            return None  # punctuation only: nothing to search for
        self.count(pos)
        if len(words) == 1:
            return Term(words[0], index_field)
        return Phrase(" ".join(words), index_field)

    def facet_leaf(self, text: str, pos: int, field: str, *, quoted: bool) -> Node:
        value = " ".join(text.split())
        if not quoted and value.endswith("*"):
            stem = value.rstrip("*")
            if "*" in stem or len(normalize_value(stem)) < MIN_PREFIX:
                raise QuerySyntaxError(
                    f"a wildcard at {_col(pos)} needs at least {MIN_PREFIX} letters before "
                    f"the '*', only at the end", pos)
            self.count(pos)
            return Prefix(stem, field)
        if not normalize_value(value):
            raise QuerySyntaxError(f"empty value at {_col(pos)}", pos)
        self.count(pos)
        return Phrase(value, field) if quoted or " " in value else Term(value, field)

    def prefix_leaf(self, text: str, pos: int, field: str | None) -> Node:
        star = text.index("*")
        if star == 0:
            raise QuerySyntaxError(
                f"a wildcard cannot start a word (at {_col(pos)}): write at least "
                f"{MIN_PREFIX} letters before the '*'", pos)
        stem, rest = text[:star], text[star:]
        if rest.strip("*"):
            raise QuerySyntaxError(
                f"a wildcard is only allowed at the end of a word (at {_col(pos + star)})",
                pos + star)
        words = WORD.findall(stem)
        if len(words) != 1 or words[0] != stem.strip(".,;!?'") or len(words[0]) < MIN_PREFIX:
            raise QuerySyntaxError(
                f"a wildcard at {_col(pos + star)} needs at least {MIN_PREFIX} letters or "
                f"digits before the '*'", pos + star)
        self.count(pos)
        return Prefix(words[0].lower(), field)


def _positive(node: Node) -> Node:
    """A Not under an Or means 'everything but': make that explicit for the engines."""
    if isinstance(node, Not):
        return And((MatchAll(), node))
    return node


def parse_query(text: str, *, max_length: int = MAX_QUERY_LENGTH,
                max_terms: int = MAX_TERMS) -> Node:
    """Parse a query string into a query tree; an empty query is :class:`MatchAll`.

    Raises :class:`QuerySyntaxError` (and nothing else) when the query cannot be read.
    """
    if not isinstance(text, str):
        raise QuerySyntaxError("the query must be text", 0)
    if len(text) > max_length:
        raise QuerySyntaxError(
            f"the query is too long: {len(text)} characters, at most {max_length}", max_length)
    try:
        node = _Parser(text, max_terms).parse()
    except QuerySyntaxError:
        raise
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise QuerySyntaxError("the query is nested too deeply", 0) from None
    if isinstance(node, Not):
        return And((MatchAll(), node))
    return node


def query_words(node: Node) -> list[str]:
    """The free-text words of a query (not under NOT, not in facet fields): for the fallback."""
    from newsearch.querytree import positive_terms

    out: list[str] = []
    for leaf in positive_terms(node):
        if isinstance(leaf, Term) and leaf.field in (None, "title", "body"):
            out.append(leaf.text)
    return out
