"""Hostile queries through the real Flask app (test client) over an index of a few thousand
generated articles, both engines: every request gets a clear 400 JSON error (or an error
page for the site) or a correct answer, within the time bound, and never a 500.

Expected outcomes are a table (:data:`CASES`); "correct" is checked against what we know
the generated index holds (how many articles are dated, which words they contain). Then
hypothesis throws arbitrary strings and parameter combinations at the API and arbitrary
query-language token soup at the parser and both engines.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import N_ARTICLES, generated_articles

from newsearch.analysis import WORD
from newsearch.engine import EngineQuery, QueryTooExpensive, open_engine
from newsearch.query import QuerySyntaxError, parse_query

TIME_BOUND = 2.0
"""Seconds: the ``query_timeout`` setting, and the bound every request here must meet."""

ARTICLES = generated_articles(N_ARTICLES)
DATED = sum(1 for a in ARTICLES if a.published)


def _with_word_prefix(prefix: str) -> int:
    """Articles with a word (unstemmed, title or body) starting with ``prefix``."""
    pattern = re.compile(r"\b" + re.escape(prefix), re.IGNORECASE)
    return sum(1 for a in ARTICLES if pattern.search(a.title) or pattern.search(a.body))


def _total_is(n: int) -> Callable[[dict], bool]:
    return lambda body: body["total"] == n


BAD = 400
Q = "/api/v1/search?q="
CASES: list[tuple[str, int, Callable[[dict], bool] | None]] = [
    # Wildcards.
    (Q + "*", BAD, None),
    (Q + "a*", BAD, None),
    (Q + "*a*", BAD, None),
    (Q + "person:*", BAD, None),
    (Q + "zzcode*", BAD, None),                # 1,500 words: over the limit of 1,000
    (Q + "zzcode1*", 200, _total_is(611)),     # 1, 10-19, 100-199, 1000-1499
    (Q + "zzcode12*", 200, _total_is(111)),    # 111 words: the exact answer
    (Q + "ka*", 200, _total_is(_with_word_prefix("ka"))),
    (Q + "ka*+ve*+lo*+mi*+ra*+to*+se*+da*+qu*+br*", 200, None),
    # Thousands of terms, deep nesting, long input.
    (Q + "+".join(f"w{i}" for i in range(3000)), BAD, None),
    (Q + "+OR+".join(["ka"] * 400)[:1990], BAD, None),   # more than 100 terms
    (Q + "(" * 1000 + "ka" + ")" * 1000, BAD, None),
    (Q + "(" * 500 + "ka" + ")" * 500, BAD, None),       # short enough, but too deep
    (Q + "(" * 20 + "ka" + ")" * 20, 200, None),
    (Q + "-" * 1000 + "zzcode7", 200, _total_is(1)),     # 1,000 negations cancel out
    (Q + "x" * 100_000, BAD, None),
    ("/api/v1/search?person=" + "p" * 100_000, BAD, None),
    (Q + quote('"' + " ".join(["ka"] * 300) + '"'), 200, _total_is(0)),  # one long phrase
    # Dates: huge, open, impossible.
    (Q + "date:[0001+TO+9999]", 200, _total_is(DATED)),
    (Q + "date:[*+TO+*]", 200, _total_is(DATED)),
    (Q + "after:0001", 200, _total_is(DATED)),
    (Q + "before:9999", 200, _total_is(DATED)),
    (Q + "date:[2022-02-31+TO+2023]", BAD, None),
    ("/api/v1/search?from=0001-01-01&to=9999-12-31", 200, _total_is(DATED)),
    ("/api/v1/search?from=2022-02-31", BAD, None),
    ("/api/v1/search?from=2023&to=2022", BAD, None),
    # Ranges over text fields and fuzzy operators are not query syntax: plain words.
    (Q + "title:[a+TO+zzzz]", 200, None),
    (Q + "body:[a+TO+zzzz]", 200, None),
    (Q + "zzcode42~", 200, _total_is(1)),
    # Fuzzy distances and boosts are not in our language: "~2" and "^3" become the words
    # "2" and "3" of a phrase (documented in newsearch.query), a correct answer of 0 here.
    (Q + "zzcode42~2", 200, _total_is(0)),
    (Q + "zzcode42^3", 200, _total_is(0)),
    # Paging and sizes.
    ("/api/v1/search?page=1000000000", BAD, None),
    ("/api/v1/search?page=1000", 200, lambda b: b["total"] == N_ARTICLES and b["hits"] == []),
    ("/api/v1/search?size=1000000", BAD, None),
    ("/api/v1/search?size=0", BAD, None),
    ("/api/v1/search?facet_size=1000000", BAD, None),
    ("/api/v1/search?year=" + "&year=".join(str(y) for y in range(1900, 2000)), BAD, None),
    # Bytes that do not belong in a query.
    (Q + "%00", BAD, None),
    ("/api/v1/search?sort=%00", BAD, None),
    (Q + "%FF%FE", 200, None),
    (Q + "%C0%AF", 200, None),
    ("/api/v1/search?%FF=%FF", 200, None),
    # Other endpoints.
    ("/api/v1/export?q=*", BAD, None),
    ("/api/v1/export?q=zzcode*", BAD, None),
    ("/api/v1/export?q=zzcode12*&format=jsonl", 200, None),
    ("/api/v1/facets/person?prefix=" + "a" * 300, BAD, None),
    ("/api/v1/facets/person?limit=1000000", BAD, None),
]
PAGES = [
    ("/?q=*", BAD),
    ("/?q=" + "(" * 30 + "ka", BAD),
    ("/?q=zzcode*", BAD),
    ("/?q=" + "x" * 100_000, BAD),
    ("/?page=1000000000", BAD),
    ("/?q=%00", BAD),
    ("/?q=%FF", 200),
    ("/?q=ka*&sort=newest&person=Ana+Mireles", 200),
]


def _get(app: Flask, url: str):  # noqa: ANN202 - a test response
    started = time.monotonic()
    response = app.test_client().get(url)
    return response, time.monotonic() - started


@pytest.mark.parametrize("url,status,check", CASES, ids=[c[0][:60] for c in CASES])
def test_hostile_api_query(big_app: Flask, url: str, status: int,
                           check: Callable[[dict], bool] | None) -> None:
    response, seconds = _get(big_app, url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert seconds < TIME_BOUND, f"{seconds:.2f} s"
    if url.startswith("/api/v1/export") and status == 200:
        assert response.get_data()
        return
    body = response.get_json()
    assert body is not None, "every API answer is JSON"
    if status == BAD:
        error = body["error"]
        assert error["code"] in ("bad_query", "bad_parameter", "query_too_expensive")
        assert error["message"] and "Traceback" not in error["message"]
    elif check is not None:
        assert check(body), {k: body[k] for k in ("total",) if k in body}


@pytest.mark.parametrize("url,status", PAGES, ids=[p[0][:40] for p in PAGES])
def test_hostile_page_query(big_app: Flask, url: str, status: int) -> None:
    response, seconds = _get(big_app, url)
    assert response.status_code == status
    assert seconds < TIME_BOUND
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "<html" in html.lower()


ARTICLE_QUERIES = [("*", 400), ("a*", 400), ("(((((", 400), ("(" * 500 + "ka", 400),
                   ("x" * 100_000, 400), ("date:[2022-02-31+TO+*]", 400), ("zzcode*", 200),
                   ("ka*", 200), ("%00", 200), ("%FF", 200)]


@pytest.mark.parametrize("q,api_status", ARTICLE_QUERIES, ids=[a[0][:20] for a in ARTICLE_QUERIES])
def test_hostile_query_on_an_article(big_app: Flask, q: str, api_status: int) -> None:
    """The article endpoints take ``q`` for highlighting: the API refuses what the search
    refuses; the page shows the article without highlights. Never a 500."""
    client = big_app.test_client()
    article_id = client.get("/api/v1/search?size=1").get_json()["hits"][0]["id"]
    api, seconds = _get(big_app, f"/api/v1/articles/{article_id}?q={q}")
    assert api.status_code == api_status and api.is_json
    assert seconds < TIME_BOUND
    page, seconds = _get(big_app, f"/article/{article_id}?q={q}")
    assert page.status_code == 200 and seconds < TIME_BOUND


# -- property-based: arbitrary input never makes a 500 -------------------------------------

PARAM_NAMES = st.sampled_from(["q", "page", "size", "sort", "from", "to", "facets",
                               "facet_size", "recency", "person", "not_person", "year",
                               "month", "place", "org", "tag", "publisher", "format"])
VALUES = st.one_of(st.text(max_size=60), st.sampled_from(
    ["*", "ka*", "1000000000", "-1", "0", "2022-02-31", "undated", "none", "all", "(((",
     "date:[* TO *]", "\x00", "\ud800", "zzcode1*", "newest"]))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(params=st.lists(st.tuples(PARAM_NAMES, VALUES), max_size=6),
       endpoint=st.sampled_from(["/api/v1/search", "/api/v1/export", "/"]))
def test_api_never_answers_500(big_app: Flask, params: list[tuple[str, str]],
                               endpoint: str) -> None:
    query = "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}"
                     for k, v in params)
    response = big_app.test_client().get(f"{endpoint}?{query}")
    assert response.status_code in (200, 400), (endpoint, params,
                                                response.get_data(as_text=True)[:300])
    if endpoint.startswith("/api/"):
        assert response.is_json or (endpoint.endswith("export")
                                    and response.status_code == 200)


TOKENS = st.sampled_from(["ka", "ve", "zzcode12", "zzcode*", "ka*", "(", ")", "OR", "AND",
                          "NOT", "-", "+", '"', "title:", "body:", "person:", "place:",
                          "org:", "date:", "after:", "before:", "[", "]", "TO", "*", "~", "^2",
                          "2022", "2022-02", "2022-02-31", ":", "\\", "ана", "\u0301"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TOKENS, max_size=25).map(" ".join))
def test_parser_and_engine_never_raise_on_token_soup(big_index, text: str) -> None:  # noqa: ANN001
    """parse_query raises only QuerySyntaxError; whatever it accepts, the engine runs or
    refuses with QueryTooExpensive, within the time bound."""
    _, index_dir = big_index
    try:
        node = parse_query(text)
    except QuerySyntaxError:
        return
    with open_engine(index_dir) as engine:
        started = time.monotonic()
        try:
            result = engine.search(EngineQuery(query=node, limit=5, facets=("people",)))
        except QueryTooExpensive:
            return
        assert time.monotonic() - started < TIME_BOUND
        assert 0 <= result.total <= N_ARTICLES


def test_the_ka_expectation_uses_the_analysers_words() -> None:
    """The 'ka*' expectation above is computed with a regex on raw text: it must count the
    same articles as the analyser's own word splitting."""
    by_words = sum(1 for a in ARTICLES
                   if any(w.lower().startswith("ka") for w in WORD.findall(f"{a.title} {a.body}")))
    assert by_words == _with_word_prefix("ka") > 0


def test_a_query_over_the_time_limit_is_a_400(big_index, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """The Whoosh engine checks the ``query_timeout`` setting while it evaluates a query: a
    query past it is refused (400), the worker is free again. (tantivy has no time limit of
    its own: its queries are bounded by the term and expansion limits only.)"""
    engine, index_dir = big_index
    if engine != "whoosh":
        pytest.skip("only the Whoosh engine enforces query_timeout")
    monkeypatch.setenv("NEWSEARCH_QUERY_TIMEOUT", "0.000000001")
    from newsearch.app import create_app

    app = create_app({"index": str(index_dir), "TESTING": True})
    try:
        client = app.test_client()
        response = client.get("/api/v1/search?q=ka+OR+ve+OR+lo")
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "query_too_expensive" and "ran for more than" in error["message"]
        page = client.get("/?q=ka+OR+ve")
        assert page.status_code == 400 and b"Traceback" not in page.data
        assert client.get("/api/v1/health").status_code == 200  # the worker is free
    finally:
        app.extensions["newsearch"].close()
