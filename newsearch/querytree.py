"""Our own query tree: what the query parser (``newsearch.query``) builds and each engine compiles.

The tree is engine-neutral. Text values are kept as the user wrote them; engines analyse them
with ``newsearch.analysis`` (text fields) or ``newsearch.article.normalize_value`` (facet
fields), so both engines answer one tree the same way.

Fields (``field=None`` means the default text fields, title and body):

- text fields: ``title``, ``body``
- facet fields (exact value, case- and punctuation-insensitive): ``people``, ``places``, ``orgs``,
  ``tags``, ``publisher``, ``section``, ``authors``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

TEXT_FIELDS = ("title", "body")
FACET_FIELDS = ("people", "places", "orgs", "tags", "publisher", "section", "authors")

#: Field prefixes of the query language -> index field names.
QUERY_FIELDS = {
    "title": "title",
    "body": "body",
    "text": None,
    "person": "people",
    "people": "people",
    "place": "places",
    "places": "places",
    "org": "orgs",
    "orgs": "orgs",
    "organisation": "orgs",
    "organization": "orgs",
    "tag": "tags",
    "tags": "tags",
    "publisher": "publisher",
    "source": "publisher",
    "author": "authors",
    "by": "authors",
    "section": "section",
}


class Node:
    """Base of every query tree node."""


@dataclass(frozen=True)
class MatchAll(Node):
    """Every article (the empty query)."""


@dataclass(frozen=True)
class Term(Node):
    """One word (text field) or one value (facet field)."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase(Node):
    """Words in this order, next to each other (text fields); for a facet field, one value."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Prefix(Node):
    """Words (or facet values) starting with ``prefix`` (``sanction*``)."""

    prefix: str
    field: str | None = None


@dataclass(frozen=True)
class DateRange(Node):
    """Publication day between ``start`` and ``end``, both inclusive; None leaves a side open."""

    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    """Excludes what ``child`` matches; only meaningful inside an ``And`` (or alone: all but)."""

    child: Node


def positive_terms(node: Node) -> list[Node]:
    """The Term/Phrase/Prefix leaves that are not under a Not: what highlighting marks."""
    if isinstance(node, (Term, Phrase, Prefix)):
        return [node]
    if isinstance(node, (And, Or)):
        out: list[Node] = []
        for child in node.children:
            out.extend(positive_terms(child))
        return out
    return []
