"""Request parsing shared by the web page, the API and the CLI."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.params import ParamError, parse_search_params, request_to_params
from newsearch.search import FACET_PARAMS
from newsearch.settings import load_settings

SETTINGS = load_settings(environ={})


def parse(query: str, **overrides: object):
    conf = dict(SETTINGS, **overrides)
    return parse_search_params(parse_qs(query, keep_blank_values=True), conf)


def test_defaults() -> None:
    req = parse("")
    assert req.q == "" and req.sort == "newest"  # browsing: newest first
    assert req.page == 1 and req.size == SETTINGS["page_size"]
    assert set(req.facets) == set(FACET_PARAMS.values())
    assert req.facet_size == SETTINGS["facet_size"] and req.recency is False
    assert parse("q=floods").sort == "relevance"


def test_filters_and_exclusions() -> None:
    req = parse("q=x&person=Xi+Jinping&person=Joe%20Biden&place=Kenya&not_tag=sport"
                "&not_person=Boris&year=2022&month=2022-08&org=&unknown=1")
    assert req.include == {"people": ("Xi Jinping", "Joe Biden"), "places": ("Kenya",),
                           "year": ("2022",), "month": ("2022-08",)}
    assert req.exclude == {"tags": ("sport",), "people": ("Boris",)}


def test_repeated_value_once_and_spaces_folded() -> None:
    assert parse("person=a++b&person=a%20b").include == {"people": ("a b",)}


def test_dates() -> None:
    req = parse("from=2022-08-01&to=2022-08-31")
    assert (req.date_from, req.date_to) == (date(2022, 8, 1), date(2022, 8, 31))
    req = parse("from=2022-02&to=2022-02")
    assert (req.date_from, req.date_to) == (date(2022, 2, 1), date(2022, 2, 28))
    assert parse("to=2021").date_to == date(2021, 12, 31)


def test_sort_page_size_facets_recency() -> None:
    req = parse("q=a&sort=OLDEST&page=3&size=25&facets=person,year&facet_size=5&recency=yes")
    assert (req.sort, req.page, req.size) == ("oldest", 3, 25)
    assert req.facets == ("people", "year") and req.facet_size == 5 and req.recency
    assert parse("facets=none").facets == ()
    assert parse("facets=all").facets == parse("").facets


@pytest.mark.parametrize("query, param", [
    ("from=2022-13-01", "from"),
    ("to=yesterday", "to"),
    ("from=2022-09-01&to=2022-08-01", "from"),
    ("sort=best", "sort"),
    ("page=0", "page"),
    ("page=1001", "page"),
    ("page=two", "page"),
    ("size=0", "size"),
    ("size=101", "size"),
    ("size=1e3", "size"),
    ("facets=person,colour", "facets"),
    ("facet_size=0", "facet_size"),
    ("recency=maybe", "recency"),
    ("year=22", "year"),
    ("not_month=2022-13", "not_month"),
    ("q=" + "x" * 2001, "q"),
])
def test_errors_name_the_parameter(query: str, param: str) -> None:
    with pytest.raises(ParamError) as info:
        parse(query)
    assert info.value.param == param
    assert param.removeprefix("not_") in str(info.value) or "query" in str(info.value)


def test_limits_come_from_settings() -> None:
    assert parse("size=50", max_page_size=50).size == 50
    with pytest.raises(ParamError):
        parse("size=51", max_page_size=50)
    assert parse("", page_size=7).size == 7


def test_multidict_and_plain_strings() -> None:
    from werkzeug.datastructures import MultiDict

    req = parse_search_params(MultiDict([("q", "a"), ("tag", "x"), ("tag", "y")]), SETTINGS)
    assert req.include == {"tags": ("x", "y")}
    assert parse_search_params({"q": "b", "page": "2"}, SETTINGS).page == 2


def test_round_trip() -> None:
    req = parse("q=a&person=X&not_place=Y&from=2022-01-01&sort=oldest&page=2&recency=1")
    again = parse_search_params({k: [v] if isinstance(v, str) else v for k, v in
                                 _group(request_to_params(req)).items()}, SETTINGS)
    assert again == req


def _group(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


NAMES = st.sampled_from(["q", "person", "not_person", "year", "month", "from", "to", "sort",
                         "page", "size", "facets", "facet_size", "recency", "zzz"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, st.lists(st.text(max_size=30), max_size=3)))
def test_never_raises_anything_but_param_error(args: dict[str, list[str]]) -> None:
    try:
        req = parse_search_params(args, SETTINGS)
    except ParamError as exc:
        assert exc.param in args
    else:
        assert 1 <= req.page <= SETTINGS["max_page"]
        assert 1 <= req.size <= SETTINGS["max_page_size"]
