"""URL state of the search page: the query string is the whole state of a view.

Part of the web shell. Every link on the search page (a facet value to include or exclude, a
chip to remove, a timeline bar, a sort order, a page) is the current query string with one
change, made by :func:`with_changes`. Plain functions over lists of ``(name, value)`` pairs:
no Flask here, so they are easy to test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

Pairs = list[tuple[str, str]]

#: Facets shown in the sidebar, in order: request parameter -> heading.
SIDEBAR_FACETS: dict[str, str] = {
    "person": "People",
    "place": "Places",
    "org": "Organisations",
    "tag": "Tags",
    "publisher": "Publishers",
    "section": "Sections",
    "author": "Authors",
    "year": "Years",
}
#: Every facet parameter a filter may name (the sidebar's plus ``month``).
FILTER_PARAMS = (*SIDEBAR_FACETS, "month")
#: Singular labels for chips ("person: Xi Jinping").
FILTER_LABELS = {
    "person": "person", "place": "place", "org": "organisation", "tag": "tag",
    "publisher": "publisher", "section": "section", "author": "author", "year": "year",
    "month": "month",
}
#: Entity kinds of the entity page -> request parameter of their filter.
ENTITY_KINDS = {"person": "person", "place": "place", "org": "org"}

#: Parameters only the web page uses (never passed to ``parse_search_params``).
WEB_ONLY = ("more",)

EXCLUDE_PREFIX = "not_"
"""An exclusion filter is the facet parameter with this prefix: ``not_person=Xi Jinping``."""


def exclude_param(param: str) -> str:
    return EXCLUDE_PREFIX + param


def clean_pairs(args: Iterable[tuple[str, str]]) -> Pairs:
    """The request's pairs without empty values and without repeats of the same pair."""
    out: Pairs = []
    seen: set[tuple[str, str]] = set()
    for key, value in args:
        value = value.strip() if key != "q" else value
        if value == "" or (key, value) in seen:
            continue
        seen.add((key, value))
        out.append((key, value))
    return out


def with_changes(
    pairs: Sequence[tuple[str, str]],
    *,
    add: Iterable[tuple[str, str]] = (),
    remove: Iterable[tuple[str, str]] = (),
    drop: Iterable[str] = (),
    replace: Mapping[str, str | None] | None = None,
    keep_page: bool = False,
) -> str:
    """The query string (without ``?``) of ``pairs`` changed as asked.

    ``remove`` drops exact pairs, ``drop`` drops every value of a name, ``replace`` sets
    every value of a name (None removes it), ``add`` appends pairs that are not there yet.
    Adding a value removes its opposite (including a person removes its exclusion and the
    other way round). The page number goes back to 1 unless ``keep_page`` is true or
    ``replace`` names ``page``.
    """
    replace = dict(replace or {})
    add = list(add)
    removed = {(k, v) for k, v in remove}
    for key, value in add:
        if key.startswith(EXCLUDE_PREFIX):
            removed.add((key[len(EXCLUDE_PREFIX):], value))
        else:
            removed.add((EXCLUDE_PREFIX + key, value))
    dropped = {*drop, *replace}
    if not keep_page and "page" not in replace:
        dropped.add("page")
    out = [(k, v) for k, v in pairs if k not in dropped and (k, v) not in removed]
    for key, value in replace.items():
        if value is not None and value != "":
            out.append((key, value))
    for pair in add:
        if pair not in out:
            out.append(pair)
    if ("page", "1") in out:
        out.remove(("page", "1"))
    return urlencode(out)


@dataclass(frozen=True)
class Chip:
    """One active filter shown above the results, with the link that removes it."""

    kind: str
    """``include``, ``exclude`` or ``date``."""
    label: str
    value: str
    remove_qs: str


def filter_chips(pairs: Sequence[tuple[str, str]]) -> list[Chip]:
    """The removable chips of the active filters, in the order they were added."""
    chips: list[Chip] = []
    for key, value in pairs:
        if key in FILTER_PARAMS:
            chips.append(Chip("include", FILTER_LABELS[key], value,
                              with_changes(pairs, remove=[(key, value)])))
        elif key.startswith(EXCLUDE_PREFIX) and key[len(EXCLUDE_PREFIX):] in FILTER_PARAMS:
            label = FILTER_LABELS[key[len(EXCLUDE_PREFIX):]]
            chips.append(Chip("exclude", label, value,
                              with_changes(pairs, remove=[(key, value)])))
        elif key in ("from", "to"):
            chips.append(Chip("date", key, value, with_changes(pairs, drop=[key])))
    return chips


def hidden_fields(pairs: Sequence[tuple[str, str]], skip: Iterable[str] = ()) -> Pairs:
    """The pairs a search form carries as hidden inputs so that a new query keeps the
    filters and the sort: everything but the query, the page and ``skip``."""
    skipped = {"q", "page", *WEB_ONLY, *skip}
    return [(k, v) for k, v in pairs if k not in skipped]
