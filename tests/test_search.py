"""search() and the other reads, against the real index of samples/ (both engines).

Expected answers are computed here from the indexed articles themselves (their metadata and
analysed text), so the tests keep their meaning as samples/ grows, and can fail.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from newsearch.analysis import terms, tokenize
from newsearch.article import Article, normalize_value
from newsearch.engine import Engine, EngineQuery
from newsearch.params import parse_search_params
from newsearch.query import QuerySyntaxError
from newsearch.search import (
    FACET_PARAMS,
    SearchRequest,
    SearchResult,
    export_rows,
    facet_lookup,
    get_article,
    index_stats,
    search,
)
from newsearch.settings import load_settings

SETTINGS = load_settings(environ={})
FACET_FIELD_OF = {"people": "people", "places": "places", "orgs": "orgs", "tags": "tags",
                  "authors": "authors"}


@pytest.fixture(scope="module")
def articles(engine: Engine) -> list[Article]:
    """Every indexed article, one per content hash (as search() counts them)."""
    result = engine.search(EngineQuery(limit=10_000, collapse=True, sort="oldest"))
    assert result.total == len(result.hits) > 20
    return [h.article for h in result.hits]


def run(engine: Engine, query: str = "", **params: str | list[str]) -> SearchResult:
    args = {"q": [query], **{k: v if isinstance(v, list) else [v] for k, v in params.items()}}
    args.setdefault("size", ["100"])
    return search(engine, parse_search_params(args, SETTINGS), settings=SETTINGS)


def stems(a: Article) -> set[str]:
    return set(terms(a.title)) | set(terms(a.body))


def has_phrase(text: str, phrase: str) -> bool:
    want = terms(phrase)
    got = [t.text for t in tokenize(text)]
    return any(got[i:i + len(want)] == want for i in range(len(got)))


def keys(values: list[str]) -> set[str]:
    return {normalize_value(v) for v in values}


def ids(result: SearchResult) -> set[str]:
    return {h.id for h in result.hits}


def expected(articles: list[Article], test) -> set[str]:  # noqa: ANN001
    return {a.id for a in articles if test(a)}


# -- query forms -------------------------------------------------------------------------------

def test_empty_query_browses_everything_newest_first(engine: Engine,
                                                     articles: list[Article]) -> None:
    result = run(engine)
    assert result.total == len(articles) and not result.fallback
    dates = [h.published[:10] for h in result.hits if h.published]
    assert dates == sorted(dates, reverse=True)
    undated = [i for i, h in enumerate(result.hits) if not h.published]
    assert undated and undated[0] == len(dates)  # undated last


def test_word(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "drought")
    assert ids(result) == expected(articles, lambda a: "drought" in stems(a))
    assert result.total == len(ids(result)) > 1


def test_and_is_the_default(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "veltrane gas")
    want = expected(articles, lambda a: {"veltran", "gas"} <= stems(a))
    assert ids(result) == want and len(want) >= 2 and not result.fallback


def test_or(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "sudan OR mekong")
    assert ids(result) == expected(articles, lambda a: {"sudan", "mekong"} & stems(a))


def test_not_and_minus(engine: Engine, articles: list[Article]) -> None:
    for query in ("veltrane -gas", "veltrane NOT gas"):
        result = run(engine, query)
        want = expected(articles, lambda a: "veltran" in stems(a) and "gas" not in stems(a))
        assert ids(result) == want and want


def test_phrase(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, '"green hydrogen"')
    want = expected(articles, lambda a: has_phrase(a.title, "green hydrogen")
                    or has_phrase(a.body, "green hydrogen"))
    assert ids(result) == want and want
    for hit in result.hits:
        assert "<mark>green hydrogen</mark>" in (hit.snippet_html + hit.title_html).lower()


def test_parentheses(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "(sudan OR kenya) drought")
    want = expected(articles, lambda a: bool({"sudan", "kenya"} & stems(a))
                    and "drought" in stems(a))
    assert ids(result) == want and want


def test_title_field(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "title:robot")
    assert ids(result) == expected(articles, lambda a: "robot" in terms(a.title))
    assert all("<mark>" in h.title_html for h in result.hits)


@pytest.mark.parametrize("query, field, value", [
    ('person:"Tomas Okafor"', "people", "Tomas Okafor"),
    ("person:\"tomas okafor\"", "people", "Tomas Okafor"),
    ("place:kenya", "places", "Kenya"),
    ('org:"Hoshida Robotics"', "orgs", "Hoshida Robotics"),
    ('publisher:"meridian wire"', "publisher", "Meridian Wire"),
    ('author:"Sofia Brandt"', "authors", "Sofia Brandt"),
    ("section:science", "section", "Science"),
    ("tag:robotics", "tags", "Robotics"),
])
def test_facet_field_prefixes(engine: Engine, articles: list[Article], query: str, field: str,
                              value: str) -> None:
    def has(a: Article) -> bool:
        got = getattr(a, field)
        return normalize_value(value) in keys(got if isinstance(got, list) else [got])

    result = run(engine, query)
    want = expected(articles, has)
    assert ids(result) == want and want


def test_prefix_wildcard(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "hosh*")
    want = expected(articles, lambda a: any(
        w.lower().startswith("hosh") for w in re.findall(r"\w+", a.title + " " + a.body)))
    assert ids(result) == want and want
    assert all("<mark>Hoshida</mark>" in h.snippet_html + h.title_html for h in result.hits)


def _day(a: Article) -> date | None:
    return date.fromisoformat(a.published[:10]) if a.published else None


@pytest.mark.parametrize("query, test", [
    ("date:2022", lambda d: d.year == 2022),
    ("date:2021-03", lambda d: (d.year, d.month) == (2021, 3)),
    ("date:2023-11-06", lambda d: d == date(2023, 11, 6)),
    ("date:[2021-03-09 TO 2021-03-11]", lambda d: date(2021, 3, 9) <= d <= date(2021, 3, 11)),
    ("date:[2024-01-01 TO *]", lambda d: d >= date(2024, 1, 1)),
    ("after:2023-06", lambda d: d > date(2023, 6, 30)),
    ("before:2019-07-15", lambda d: d < date(2019, 7, 15)),
])
def test_dates(engine: Engine, articles: list[Article], query: str, test) -> None:  # noqa: ANN001
    result = run(engine, query)
    want = expected(articles, lambda a: _day(a) is not None and test(_day(a)))
    assert ids(result) == want and want


def test_syntax_error_propagates(engine: Engine) -> None:
    with pytest.raises(QuerySyntaxError, match="column"):
        run(engine, 'budget "tax')


# -- filters ---------------------------------------------------------------------------------

def test_include_filters_or_within_and_across(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, person=["Tomas Okafor", "Mara Ellison"], place="Europe")
    want = expected(articles, lambda a: bool(keys(a.people) & {"tomas okafor", "mara ellison"})
                    and "europe" in keys(a.places))
    assert ids(result) == want and want


def test_exclude_filter(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "", not_publisher="Meridian Wire", not_tag="Robotics")
    want = expected(articles, lambda a: normalize_value(a.publisher) != "meridian wire"
                    and "robotics" not in keys(a.tags))
    assert ids(result) == want


def test_date_and_month_year_filters(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "", **{"from": "2021-03-09", "to": "2021-06"})
    want = expected(articles, lambda a: _day(a) is not None
                    and date(2021, 3, 9) <= _day(a) <= date(2021, 6, 30))
    assert ids(result) == want and want
    result = run(engine, "", month="2021-03", year="2021")
    assert ids(result) == expected(articles, lambda a: (a.published or "")[:7] == "2021-03")
    result = run(engine, "", year="undated")
    assert ids(result) == expected(articles, lambda a: not a.published)


# -- facets and timeline ---------------------------------------------------------------------

def _count(articles: list[Article], field: str) -> Counter:
    out: Counter = Counter()
    for a in articles:
        if field == "year":
            out[a.published[:4] if a.published else "undated"] += 1
        elif field == "month":
            out[a.published[:7] if a.published else "undated"] += 1
        else:
            got = getattr(a, field)
            for key in keys(got if isinstance(got, list) else [got] if got else []):
                out[key] += 1
    return out


@pytest.mark.parametrize("param", list(FACET_PARAMS))
def test_facet_counts_cover_the_whole_result(engine: Engine, articles: list[Article],
                                             param: str) -> None:
    field = FACET_PARAMS[param]
    result = run(engine, "europe OR gas", size="1", facet_size="1000")
    matched = [a for a in articles if {"europ", "gas"} & stems(a)]
    assert result.total == len(matched) > 5 and len(result.hits) == 1
    want = _count(matched, field)
    got = {(normalize_value(e.value) if field not in ("year", "month") else e.value): e.count
           for e in result.facets[param]}
    assert got == dict(want)


def test_facets_are_disjunctive_and_flag_selection(engine: Engine,
                                                   articles: list[Article]) -> None:
    result = run(engine, "", publisher="Meridian Wire", not_person="Sofia Brandt",
                 facet_size="50")
    publishers = {e.value: e for e in result.facets["publisher"]}
    assert publishers["Meridian Wire"].selected
    assert len(publishers) > 1  # the other publishers stay selectable
    assert not any(e.selected for v, e in publishers.items() if v != "Meridian Wire")
    assert publishers["Meridian Wire"].count == result.total
    people = {e.value: e for e in result.facets["person"]}
    assert people["Sofia Brandt"].excluded and people["Sofia Brandt"].count == 0


def test_selected_value_shown_even_with_no_match(engine: Engine) -> None:
    result = run(engine, "", person="Nobody Atall")
    assert result.total == 0
    people = result.facets["person"]
    assert ("Nobody Atall", 0, True) in [(e.value, e.count, e.selected) for e in people]
    assert len(people) > 1  # disjunctive: the other people stay selectable


def test_facets_parameter_limits_what_is_counted(engine: Engine) -> None:
    assert set(run(engine, "", facets="person,year").facets) == {"person", "year"}
    assert run(engine, "", facets="none").facets == {}
    assert all(len(v) <= 2 for v in run(engine, "", facet_size="2").facets.values())


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_timeline(engine: Engine, articles: list[Article]) -> None:
    result = run(engine, "")
    days = sorted(a.published[:10] for a in articles if a.published)
    span = (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days
    assert 90 < span <= 6 * 366 and result.granularity == "month"
    assert sum(b.count for b in result.timeline) + result.undated == result.total
    assert result.undated == sum(1 for a in articles if not a.published)
    labels = [b.label for b in result.timeline]
    assert labels == _months(days[0][:7], days[-1][:7])  # no gaps
    per_month = Counter(d[:7] for d in days)
    assert {b.label: b.count for b in result.timeline if b.count} == dict(per_month)
    first = result.timeline[0]
    assert first.start == first.label + "-01" and first.end[:7] == first.label
    narrow = run(engine, "", **{"from": "2021-03-01", "to": "2021-03-31"})
    assert narrow.granularity == "day"
    assert all(b.start == b.end == b.label for b in narrow.timeline)


# -- ranking, sorting, paging ----------------------------------------------------------------

def test_sorts(engine: Engine) -> None:
    newest = [h.published for h in run(engine, "europe", sort="newest").hits if h.published]
    oldest = [h.published for h in run(engine, "europe", sort="oldest").hits if h.published]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)
    assert newest and set(newest) == set(oldest)


def test_relevance_prefers_title_matches(engine: Engine) -> None:
    result = run(engine, "sudan")
    assert "sudan" in terms(result.hits[0].title)
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_recency_boost_keeps_the_same_hits(engine: Engine) -> None:
    plain, boosted = run(engine, "europe"), run(engine, "europe", recency="true")
    assert ids(plain) == ids(boosted) and plain.total == boosted.total


def test_pagination(engine: Engine) -> None:
    first = run(engine, "", size="5")
    second = run(engine, "", size="5", page="2")
    assert len(first.hits) == len(second.hits) == 5
    assert not ids(first) & ids(second) and first.total == second.total
    assert first.pages == -(-first.total // 5)
    beyond = run(engine, "", size="5", page="999")
    assert beyond.hits == [] and beyond.total == first.total


def test_duplicates_collapse_into_one_hit(engine: Engine) -> None:
    result = run(engine, '"harbour bridge reopens"')
    assert result.total == 1
    hit = result.hits[0]
    assert len(hit.duplicates) == 1 and hit.duplicates[0] != hit.id


def test_fallback_for_pasted_sentences(engine: Engine) -> None:
    result = run(engine, "dock workers walked out in rotterdam while bananas rotted")
    assert result.fallback and result.total >= 1
    assert "rotterdam" in terms(result.hits[0].title)
    few = run(engine, "dock workers rotterdam")  # one article has all three: too few
    assert few.fallback and few.total > 1
    assert {"dock", "worker", "rotterdam"} <= set(terms(few.hits[0].title + " " +
                                                        few.hits[0].snippet_html))
    assert not run(engine, "veltrane gas").fallback  # enough articles have both


def test_no_fallback_for_a_single_word_or_facet_only_query(engine: Engine) -> None:
    assert not run(engine, "platypus").fallback  # teaser-only word: nothing, honestly
    assert run(engine, "platypus").total == 0
    assert not run(engine, 'person:"Nobody" place:"Nowhere"').fallback


def test_teaser_only_words_find_nothing(engine: Engine) -> None:
    for word in ("zeppelin", "platypus", "saxophone", "trampoline", "origami", "airship"):
        assert run(engine, word).total == 0, word


def test_did_you_mean(engine: Engine) -> None:
    result = run(engine, "vaccnie")
    assert result.total == 0 and result.did_you_mean == "vaccine"
    result = run(engine, 'title:robotcs hoshida')
    assert result.did_you_mean == 'title:robotics hoshida'
    assert run(engine, '"green hydrgen"').did_you_mean == '"green hydrogen"'
    assert run(engine, "vaccine").did_you_mean is None
    assert run(engine, 'person:"Tomas Okafr"').did_you_mean is None  # values are not words


def test_snippets_and_titles_are_escaped(engine: Engine) -> None:
    result = run(engine, "script")
    hit = next(h for h in result.hits if "<script>" in h.title)
    assert "&lt;<mark>script</mark>&gt;" in hit.title_html
    assert "<script" not in hit.snippet_html and "<img" not in hit.snippet_html
    body = run(engine, "onerror").hits[0].snippet_html
    assert "&lt;img" in body and "<mark>onerror</mark>" in body


def test_snippet_is_the_opening_without_a_body_match(engine: Engine,
                                                     articles: list[Article]) -> None:
    result = run(engine, "title:sudan")
    for hit in result.hits:
        article = next(a for a in articles if a.id == hit.id)
        if "sudan" not in terms(article.body):  # pragma: no cover - depends on samples
            continue
        assert "<mark>" not in hit.snippet_html
        assert article.body.strip()[:30].replace("&", "&amp;") in hit.snippet_html


# -- other reads -----------------------------------------------------------------------------

def test_get_article(engine: Engine, articles: list[Article]) -> None:
    target = next(a for a in articles if "<script>" in a.title)
    view = get_article(engine, target.id, q="comment")
    assert view is not None and view.article.id == target.id
    assert "<img" not in view.body_html and "&lt;img" in view.body_html
    assert "<mark>comment</mark>" in view.body_html.lower()
    assert all(s.id != target.id for s in view.similar) and len(view.similar) >= 1
    data = view.to_json()
    assert data["body"] == target.body and data["similar"][0]["id"]
    assert get_article(engine, "0000000000000000") is None


def test_get_article_lists_duplicates(engine: Engine) -> None:
    hit = run(engine, '"harbour bridge reopens"').hits[0]
    view = get_article(engine, hit.id)
    assert view is not None and view.duplicates == hit.duplicates


def test_facet_lookup(engine: Engine) -> None:
    values = facet_lookup(engine, "person", "tom", 10)
    assert [v.value for v in values] == ["Tomas Okafor"] and values[0].count >= 3
    assert facet_lookup(engine, "people", "TOM", 10)[0].value == "Tomas Okafor"
    assert len(facet_lookup(engine, "place", "", 3)) == 3


def test_export_rows_are_every_match(engine: Engine, articles: list[Article]) -> None:
    request = parse_search_params({"q": ["europe OR gas"], "size": ["2"]}, SETTINGS)
    rows = list(export_rows(engine, request, chunk=3))
    want = expected(articles, lambda a: {"europ", "gas"} & stems(a))
    assert [r["id"] for r in rows if r["id"] in want] == [r["id"] for r in rows]
    assert {r["id"] for r in rows} == want and len(rows) == len(want)
    assert "body" not in rows[0] and isinstance(rows[0]["people"], list)


def test_export_follows_the_fallback(engine: Engine) -> None:
    request = SearchRequest(q="dock workers walked out in rotterdam while bananas rotted")
    assert len(list(export_rows(engine, request))) == search(engine, request).total


def test_index_stats(engine: Engine, articles: list[Article]) -> None:
    stats = index_stats(engine)
    assert stats["articles"] >= len(articles) and stats["engine"] == engine.name
    assert stats["first_date"] <= stats["last_date"]


def test_did_you_mean_for_a_typo_that_is_in_the_index(build_index) -> None:  # noqa: ANN001
    from newsearch.engine import open_engine

    articles = [Article(path=f"/x/{i}.txt", format="text", title=f"Story {i}",
                        body=f"The government met on day {i} to talk about ports.")
                for i in range(25)]
    articles.append(Article(path="/x/typo.txt", format="text", title="Typo",
                            body="The goverment met once. A part of the port."))
    with open_engine(build_index(articles)) as engine:
        result = run(engine, "goverment")
        assert result.total == 1 and result.did_you_mean == "government"
        # "port" is rare as typed but "ports" (its neighbour) finds no more: nothing offered
        assert run(engine, "port typo").did_you_mean is None
        assert run(engine, "government").did_you_mean is None
