"""Request parsing: URL query parameters -> :class:`~newsearch.search.SearchRequest`.

The one pure function the web page, the REST API and the CLI share, so every shell validates
a search the same way and rejects bad input at the edge with :class:`ParamError` (HTTP 400,
``click.BadParameter``).

Parameters (all optional; unknown parameters are ignored):

- ``q``: the query (see ``newsearch.query``); at most ``max_query_length`` characters.
- include filters, repeatable: ``person place org tag publisher section author year month``
  (``year=2022``, ``month=2022-08``, or ``undated``). Values of one parameter are ORed,
  parameters are ANDed.
- exclusion filters, repeatable: the same names prefixed ``not_`` (``not_person=...``).
- ``from``, ``to``: publication day bounds, inclusive (``YYYY-MM-DD``; ``YYYY-MM`` and
  ``YYYY`` mean the first day for ``from`` and the last day for ``to``).
- ``sort``: ``relevance`` (default with a query), ``newest`` (default without), ``oldest``.
- ``page`` (1..``max_page``), ``size`` (1..``max_page_size``, default ``page_size``).
- ``facets``: comma list of facet parameter names (``person,year``), ``all`` (default) or
  ``none``; ``facet_size`` (1..:data:`MAX_FACET_SIZE`, default ``facet_size``).
- ``recency``: ``true``/``false`` (``1/0``, ``yes/no``, ``on/off``): boost recent articles
  in relevance order.

For a single-valued parameter given twice, the first value counts.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from newsearch.search import FACET_PARAMS, SearchRequest
from newsearch.settings import load_settings

EXCLUDE_PREFIX = "not_"
SORTS = ("relevance", "newest", "oldest")
MAX_FACET_SIZE = 1000
MAX_FILTER_VALUES = 50
"""Most values one filter parameter may carry."""
MAX_VALUE_LENGTH = 300
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ParamError(ValueError):
    """A request parameter is invalid; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def _getlist(args: Any, name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        values = args.get(name, [])
    if values is None:
        return []
    if isinstance(values, (str, bytes)):
        values = [values]
    out = []
    for value in values:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out.append(str(value))
    return out


def _first(args: Any, name: str) -> str | None:
    values = _getlist(args, name)
    return values[0] if values else None


def _int(args: Any, name: str, default: int, low: int, high: int) -> int:
    raw = _first(args, name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise ParamError(name, f"{name} must be a whole number, got {raw[:50]!r}")
    value = int(text)
    if not low <= value <= high:
        raise ParamError(name, f"{name} must be between {low} and {high}, got {value}")
    return value


def parse_day(text: str, *, end: bool = False) -> date:
    """``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY``: first day, or last with ``end``)."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text.strip())
    if not m:
        raise ValueError("expected a date like 2022-08-13, 2022-08 or 2022")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if year < 1:
        raise ValueError("year 0 does not exist")
    if month is None:
        return date(year, 12, 31) if end else date(year, 1, 1)
    month_no = int(month)
    if not 1 <= month_no <= 12:
        raise ValueError(f"month {month_no} does not exist")
    if day is None:
        return date(year, month_no, calendar.monthrange(year, month_no)[1] if end else 1)
    return date(year, month_no, int(day))


def _date(args: Any, name: str, *, end: bool) -> date | None:
    raw = _first(args, name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return parse_day(raw, end=end)
    except ValueError as exc:
        raise ParamError(name, f"{name}: {exc} (got {raw[:50]!r})") from None


def _values(args: Any, name: str) -> tuple[str, ...]:
    values = []
    for raw in _getlist(args, name):
        value = " ".join(raw.split())
        if not value:
            continue
        if len(value) > MAX_VALUE_LENGTH:
            raise ParamError(name, f"{name} values may be at most {MAX_VALUE_LENGTH} "
                                   "characters long")
        if name.removeprefix(EXCLUDE_PREFIX) == "year" and not (
                value == "undated" or re.fullmatch(r"\d{4}", value)):
            raise ParamError(name, f"{name} must be a year like 2022 (or 'undated'), "
                                   f"got {value[:50]!r}")
        if name.removeprefix(EXCLUDE_PREFIX) == "month" and not (
                value == "undated" or re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value)):
            raise ParamError(name, f"{name} must be a month like 2022-08 (or 'undated'), "
                                   f"got {value[:50]!r}")
        if value not in values:
            values.append(value)
    if len(values) > MAX_FILTER_VALUES:
        raise ParamError(name, f"at most {MAX_FILTER_VALUES} values of {name}")
    return tuple(values)


def parse_search_params(args: Mapping[str, Any] | Any,
                        settings: Mapping[str, Any] | None = None) -> SearchRequest:
    """Build a :class:`SearchRequest` from request parameters, or raise :class:`ParamError`.

    ``args`` maps a parameter name to a list of strings (``parse_qs`` output,
    ``MultiDict.to_dict(flat=False)``), or is a MultiDict (``getlist``); a plain string
    value is taken as a one-element list. ``settings`` defaults to ``load_settings()``.
    """
    settings = load_settings() if settings is None else settings
    q = _first(args, "q") or ""
    max_len = int(settings.get("max_query_length", 2000))
    if len(q) > max_len:
        raise ParamError("q", f"the query is too long: {len(q)} characters, at most {max_len}")
    if "\x00" in q:
        raise ParamError("q", "the query contains a NUL character")

    include: dict[str, tuple[str, ...]] = {}
    exclude: dict[str, tuple[str, ...]] = {}
    for param, field_name in FACET_PARAMS.items():
        values = _values(args, param)
        if values:
            include[field_name] = values
        excluded = _values(args, EXCLUDE_PREFIX + param)
        if excluded:
            exclude[field_name] = excluded

    date_from = _date(args, "from", end=False)
    date_to = _date(args, "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise ParamError("from", f"from ({date_from}) is after to ({date_to})")

    sort = (_first(args, "sort") or "").strip().lower()
    if not sort:
        sort = "relevance" if q.strip() else "newest"
    if sort not in SORTS:
        raise ParamError("sort", f"sort must be one of {', '.join(SORTS)}, got {sort[:50]!r}")

    page = _int(args, "page", 1, 1, int(settings.get("max_page", 1000)))
    max_size = int(settings.get("max_page_size", 100))
    size = _int(args, "size", min(int(settings.get("page_size", 10)), max_size), 1, max_size)
    facet_size = _int(args, "facet_size", int(settings.get("facet_size", 10)), 1,
                      MAX_FACET_SIZE)

    facets: tuple[str, ...] = tuple(FACET_PARAMS.values())
    raw_facets = _first(args, "facets")
    if raw_facets is not None and raw_facets.strip().lower() not in ("", "all"):
        if raw_facets.strip().lower() == "none":
            facets = ()
        else:
            chosen: list[str] = []
            for name in raw_facets.split(","):
                name = name.strip().lower()
                if not name:
                    continue
                if name not in FACET_PARAMS:
                    raise ParamError("facets", f"facets: unknown facet {name[:50]!r}; choose from "
                                               f"{', '.join(FACET_PARAMS)}, all or none")
                if FACET_PARAMS[name] not in chosen:
                    chosen.append(FACET_PARAMS[name])
            facets = tuple(chosen)

    raw_recency = (_first(args, "recency") or "").strip().lower()
    if raw_recency not in _TRUE | _FALSE:
        raise ParamError("recency", f"recency must be true or false, got {raw_recency[:50]!r}")

    return SearchRequest(q=q, include=include, exclude=exclude, date_from=date_from,
                         date_to=date_to, sort=sort, recency=raw_recency in _TRUE, page=page,
                         size=size, facets=facets, facet_size=facet_size)


def request_to_params(request: SearchRequest) -> list[tuple[str, str]]:
    """The parameters that rebuild ``request`` (for links: next page, remove a filter...)."""
    out: list[tuple[str, str]] = []
    if request.q:
        out.append(("q", request.q))
    fields = {v: k for k, v in FACET_PARAMS.items()}
    for field_name, values in request.include.items():
        out.extend((fields.get(field_name, field_name), v) for v in values)
    for field_name, values in request.exclude.items():
        out.extend((EXCLUDE_PREFIX + fields.get(field_name, field_name), v) for v in values)
    if request.date_from:
        out.append(("from", request.date_from.isoformat()))
    if request.date_to:
        out.append(("to", request.date_to.isoformat()))
    default_sort = "relevance" if request.q.strip() else "newest"
    if request.sort != default_sort:
        out.append(("sort", request.sort))
    if request.recency:
        out.append(("recency", "true"))
    if request.page != 1:
        out.append(("page", str(request.page)))
    return out
