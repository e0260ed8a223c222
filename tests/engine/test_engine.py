"""The engine contract (newsearch/engine/base.py), run against every engine.

Small hand-written articles in a fresh index per test module (``corpus_dir``) make the
expected answers exact; the samples index (``engine`` fixture) checks the real pipeline.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path

import pytest

from newsearch import querytree as qt
from newsearch.article import Article
from newsearch.engine import (
    EngineQuery,
    Filters,
    IndexLocked,
    QueryTooExpensive,
    open_engine,
    open_writer,
)


def art(n: int, title: str, body: str, **kw) -> Article:  # noqa: ANN003
    kw.setdefault("file_signature", f"10:{n}")
    return Article(path=f"/archive/{n:03d}.txt", format="text", title=title, body=body, **kw)


ARTICLES = [
    art(1, "Putin meets Xi in Moscow", "Vladimir Putin met Xi Jinping in Moscow to talk about "
        "sanctions and gas pipelines.", published="2022-03-01", people=["Vladimir Putin",
        "Xi Jinping"], places=["Moscow", "Russia"], publisher="Harbor Gazette",
        authors=["Lena Hartmann"], section="World", tags=["diplomacy"], url="https://x.test/1",
        date_source="header", crawled="2022-03-02T10:00:00"),
    art(2, "Harbour bridge reopens", "The harbour bridge in Lisbon reopened after repairs. "
        "Commuters cheered the bridge.", published="2022-03-05", places=["Lisbon",
        "Portugal"], publisher="Coastline Daily", section="Local"),
    art(3, "Harbour bridge reopens", "The harbour bridge in Lisbon reopened after repairs. "
        "Commuters cheered the bridge.", published="2022-03-07", places=["Lisbon",
        "Portugal"], publisher="Meridian Wire", section="Local"),
    art(4, "Sanctioned banks lose access", "Banks under sanctions lost access to payment "
        "systems, said Elvira Nabiullina.", published="2021-11-20", people=["Elvira Nabiullina"],
        places=["Russia"], orgs=["Central Bank of Russia"], publisher="Meridian Wire",
        section="Business"),
    art(5, "Canal towpath volunteers", "Volunteers cleared the canal towpath of litter. No "
        "bridge was involved.", publisher="The Lakeside Courier", section="Local"),
    art(6, "Xi visits Lisbon port", "President Xi toured the container port of Lisbon.",
        published="2019-06-10", people=["Xi Jinping"], places=["Lisbon"],
        publisher="harbor gazette", orgs=["Port of Lisbon"]),
    art(7, "Jinping Xi Street renamed", "A street in a fictional town was renamed; the mayor "
        "Anna Xi spoke.", published="2015-01-02", people=["Anna Xi", "Jinping Zhou"],
        publisher="Northfield Post"),
]


@pytest.fixture(scope="module")
def corpus_dir(engine_name: str, tmp_path_factory: pytest.TempPathFactory,
               article_writer) -> Path:  # noqa: ANN001
    return article_writer(tmp_path_factory.mktemp("engine") / "index", engine_name, ARTICLES)


@pytest.fixture(scope="module")
def eng(corpus_dir: Path):  # noqa: ANN201
    e = open_engine(corpus_dir)
    yield e
    e.close()


def ids(result) -> list[str]:  # noqa: ANN001
    return [h.article.id for h in result.hits]


def titles_of(result) -> set[str]:  # noqa: ANN001
    return {h.article.title for h in result.hits}


def q(node: qt.Node, **kw) -> EngineQuery:  # noqa: ANN003
    kw.setdefault("limit", 50)
    return EngineQuery(query=node, **kw)


def paths(result) -> set[str]:  # noqa: ANN001
    return {os.path.basename(h.article.path) for h in result.hits}


# -- storage ---------------------------------------------------------------------------------


def test_schema_round_trip(eng) -> None:  # noqa: ANN001
    for original in ARTICLES:
        got = eng.get(original.id)
        assert got is not None
        assert got.to_json() == original.to_json()
    assert eng.get("0000000000000000") is None


def test_engine_name_and_meta(eng, corpus_dir: Path, engine_name: str) -> None:  # noqa: ANN001
    import json

    assert eng.name == engine_name
    meta = json.loads((corpus_dir / "newsearch.json").read_text())
    assert meta["engine"] == engine_name and meta["schema_version"] >= 1


# -- query nodes -----------------------------------------------------------------------------


def test_term_matches_stems_in_title_or_body(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.Term("bridges"), collapse=False))
    assert paths(r) == {"002.txt", "003.txt", "005.txt"}
    r = eng.search(q(qt.Term("bridge", "title"), collapse=False))
    assert paths(r) == {"002.txt", "003.txt"}
    r = eng.search(q(qt.Term("volunteers", "body")))
    assert paths(r) == {"005.txt"}


def test_phrase_needs_adjacent_words_in_order(eng) -> None:  # noqa: ANN001
    assert paths(eng.search(q(qt.Phrase("harbour bridge"), collapse=False))) == {"002.txt",
                                                                                 "003.txt"}
    assert eng.search(q(qt.Phrase("bridge harbour"))).total == 0


def test_prefix(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.Prefix("sanction")))
    assert paths(r) == {"001.txt", "004.txt"}
    assert paths(eng.search(q(qt.Prefix("sanction", "title")))) == {"004.txt"}


def test_facet_term_exact_and_whole_word(eng) -> None:  # noqa: ANN001
    # The whole value, in any case or punctuation.
    assert paths(eng.search(q(qt.Phrase("xi  JINPING", "people")))) == {"001.txt", "006.txt"}
    # One word of a value: person:putin finds "Vladimir Putin".
    assert paths(eng.search(q(qt.Term("putin", "people")))) == {"001.txt"}
    assert paths(eng.search(q(qt.Term("xi", "people")))) == {"001.txt", "006.txt", "007.txt"}
    # Words in order inside one value, never across two values ("Anna Xi", "Jinping Zhou").
    assert "007.txt" not in paths(eng.search(q(qt.Phrase("xi jinping", "people"))))
    # Not a substring: "put" is not a word of any value.
    assert eng.search(q(qt.Term("put", "people"))).total == 0
    assert paths(eng.search(q(qt.Term("Central Bank of Russia", "orgs")))) == {"004.txt"}
    assert paths(eng.search(q(qt.Term("harbor gazette", "publisher")))) == {"001.txt", "006.txt"}


def test_facet_prefix(eng) -> None:  # noqa: ANN001
    assert paths(eng.search(q(qt.Prefix("nabi", "people")))) == {"004.txt"}
    assert paths(eng.search(q(qt.Prefix("lis", "places"), collapse=False))) == {
        "002.txt", "003.txt", "006.txt"}


def test_date_range_node(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.DateRange(date(2022, 3, 1), date(2022, 3, 5)), collapse=False))
    assert paths(r) == {"001.txt", "002.txt"}
    r = eng.search(q(qt.DateRange(None, date(2019, 12, 31))))
    assert paths(r) == {"006.txt", "007.txt"}
    r = eng.search(q(qt.DateRange(date(2022, 1, 1), None), collapse=False))
    assert paths(r) == {"001.txt", "002.txt", "003.txt"}


def test_boolean_nodes(eng) -> None:  # noqa: ANN001
    both = qt.And((qt.Term("lisbon"), qt.Term("xi")))
    assert paths(eng.search(q(both))) == {"006.txt"}
    either = qt.Or((qt.Term("volunteers"), qt.Term("banks")))
    assert paths(eng.search(q(either))) == {"004.txt", "005.txt"}
    minus = qt.And((qt.Term("bridge"), qt.Not(qt.Term("volunteers"))))
    assert paths(eng.search(q(minus, collapse=False))) == {"002.txt", "003.txt"}
    alone = qt.Not(qt.Term("bridge"))
    assert paths(eng.search(q(alone))) == {"001.txt", "004.txt", "006.txt", "007.txt"}
    assert eng.search(q(qt.MatchAll(), collapse=False)).total == len(ARTICLES)
    assert eng.count(qt.Term("zzzunknownword")) == 0


def test_more_query_shapes(eng) -> None:  # noqa: ANN001
    assert eng.search(q(qt.Term("!!!"))).total == 0  # no word at all
    assert eng.search(q(qt.Phrase("...", "title"))).total == 0
    assert paths(eng.search(q(qt.Phrase("bridge reopens", "title"), collapse=False))) == {
        "002.txt", "003.txt"}
    assert eng.search(q(qt.Phrase("bridge reopens", "body"))).total == 0
    assert paths(eng.search(q(qt.Prefix("xi jin", "people")))) == {"001.txt", "006.txt"}
    either = qt.Or((qt.Term("volunteers"), qt.Not(qt.Term("lisbon"))))
    assert paths(eng.search(q(either))) == {"001.txt", "004.txt", "005.txt", "007.txt"}
    nested = qt.And((qt.Or((qt.Term("bridge"), qt.Term("banks"))),
                     qt.Not(qt.Or((qt.Term("volunteers"), qt.Term("commuters"))))))
    assert paths(eng.search(q(nested))) == {"004.txt"}
    dated = qt.And((qt.Term("lisbon"), qt.DateRange(date(2020, 1, 1), None)))
    assert paths(eng.search(q(dated, collapse=False))) == {"002.txt", "003.txt"}


def test_relevance_scores_are_positive_and_descending(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.Or((qt.Term("lisbon"), qt.Term("bridge"), qt.Term("xi")))))
    scores = [h.score for h in r.hits]
    assert len(scores) >= 3 and all(s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_title_boost_ranks_title_matches_first(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.Term("lisbon")))
    assert r.hits[0].article.title in {"Xi visits Lisbon port"}


# -- guards ----------------------------------------------------------------------------------


def test_short_prefix_is_refused(eng) -> None:  # noqa: ANN001
    with pytest.raises(QueryTooExpensive):
        eng.search(q(qt.Prefix("s")))


def test_too_many_terms_is_refused(eng) -> None:  # noqa: ANN001
    node = qt.Or(tuple(qt.Term(f"word{i}") for i in range(500)))
    with pytest.raises(QueryTooExpensive):
        eng.search(q(node))


def test_prefix_expanding_to_too_many_words_is_refused(build_index) -> None:  # noqa: ANN001
    words = " ".join(f"zq{i:05d}" for i in range(1200))
    d = build_index([art(1, "Many words", words)])
    with open_engine(d) as e:
        with pytest.raises(QueryTooExpensive):
            e.search(q(qt.Prefix("zq")))
        assert e.search(q(qt.Prefix("zq0000"))).total == 1


# -- filters and facets -----------------------------------------------------------------------


def test_filters_include_or_within_and_across_fields(eng) -> None:  # noqa: ANN001
    f = Filters(include={"places": ("lisbon", "MOSCOW")})
    assert paths(eng.search(q(qt.MatchAll(), filters=f, collapse=False))) == {
        "001.txt", "002.txt", "003.txt", "006.txt"}
    f = Filters(include={"places": ("Lisbon", "Moscow"), "people": ("xi jinping",)})
    assert paths(eng.search(q(qt.MatchAll(), filters=f))) == {"001.txt", "006.txt"}
    f = Filters(exclude={"people": ("Xi Jinping",)})
    assert "001.txt" not in paths(eng.search(q(qt.MatchAll(), filters=f)))
    f = Filters(include={"people": ("Nobody At All",)})
    assert eng.search(q(qt.MatchAll(), filters=f)).total == 0


def test_facet_values_case_insensitive_with_canonical_display(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.MatchAll(), facets=("publisher",), collapse=False))
    counts = {fv.value: fv.count for fv in r.facets["publisher"]}
    # "Harbor Gazette" and "harbor gazette" are one value.
    assert sum(v for k, v in counts.items() if k.lower() == "harbor gazette") == 2
    assert len([k for k in counts if k.lower() == "harbor gazette"]) == 1


def test_disjunctive_counts_and_selected_values(eng) -> None:  # noqa: ANN001
    f = Filters(include={"places": ("Moscow",)})
    r = eng.search(q(qt.MatchAll(), filters=f, facets=("places", "people"), collapse=False))
    places = {fv.value: fv.count for fv in r.facets["places"]}
    # Counts of "places" ignore the places filter: the other places stay selectable...
    assert places["Lisbon"] == 3 and places["Moscow"] == 1
    # ...while other facets are counted over the filtered hits.
    people = {fv.value: fv.count for fv in r.facets["people"]}
    assert people == {"Vladimir Putin": 1, "Xi Jinping": 1}
    # A selected value is always reported, even when nothing has it.
    f = Filters(include={"places": ("Atlantis",)})
    r = eng.search(q(qt.MatchAll(), filters=f, facets=("places",), facet_limit=1))
    assert r.total == 0
    assert any(fv.value == "Atlantis" and fv.count == 0 for fv in r.facets["places"])
    # A selected value outside the top N still shows.
    f = Filters(include={"places": ("Portugal",)})
    r = eng.search(q(qt.MatchAll(), filters=f, facets=("places",), facet_limit=1,
                     collapse=False))
    assert {fv.value for fv in r.facets["places"]} >= {"Lisbon", "Portugal"}


def test_year_month_facets_and_undated(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.MatchAll(), facets=("year", "month"), collapse=False))
    years = {fv.value: fv.count for fv in r.facets["year"]}
    assert years == {"2022": 3, "2021": 1, "2019": 1, "2015": 1, "undated": 1}
    months = {fv.value: fv.count for fv in r.facets["month"]}
    assert months["2022-03"] == 3 and months["undated"] == 1
    f = Filters(include={"year": ("undated",)})
    assert paths(eng.search(q(qt.MatchAll(), filters=f))) == {"005.txt"}


def test_date_filter_leaves_undated_out(eng) -> None:  # noqa: ANN001
    f = Filters(start=date(2000, 1, 1))
    r = eng.search(q(qt.MatchAll(), filters=f, collapse=False))
    assert "005.txt" not in paths(r) and r.total == 6 and r.undated == 0
    f = Filters(start=date(2021, 1, 1), end=date(2021, 12, 31))
    assert paths(eng.search(q(qt.MatchAll(), filters=f))) == {"004.txt"}


def test_histogram_granularity_and_no_gaps(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.Term("bridge"), histogram=True, collapse=False))
    assert r.granularity == "day"  # 2022-03-05 .. 2022-03-07
    assert [(b.start, b.count) for b in r.histogram] == [
        ("2022-03-05", 1), ("2022-03-06", 0), ("2022-03-07", 1)]
    assert r.undated == 1
    r = eng.search(q(qt.Prefix("sanction"), histogram=True))  # 2021-11 .. 2022-03
    assert r.granularity == "month"
    assert [b.start for b in r.histogram] == ["2021-11", "2021-12", "2022-01", "2022-02",
                                              "2022-03"]
    r = eng.search(q(qt.MatchAll(), histogram=True, collapse=False))  # 2015 .. 2022
    assert r.granularity == "year"
    assert [b.start for b in r.histogram] == [str(y) for y in range(2015, 2023)]
    assert sum(b.count for b in r.histogram) == 6


# -- collapse, sorting, paging ----------------------------------------------------------------


def test_duplicates_collapse(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.Phrase("harbour bridge")))
    assert r.total == 1 and len(r.hits) == 1
    hit = r.hits[0]
    other = {a.id for a in ARTICLES[1:3]} - {hit.article.id}
    assert hit.duplicates == list(other)
    r = eng.search(q(qt.Phrase("harbour bridge"), collapse=False))
    assert r.total == 2
    assert eng.count(qt.Phrase("harbour bridge")) == 1
    assert eng.duplicates_of(ARTICLES[1]) == [ARTICLES[2].id]


def test_collapse_keeps_the_first_by_sort_order(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.Phrase("harbour bridge"), sort="newest"))
    assert r.hits[0].article.published == "2022-03-07"
    r = eng.search(q(qt.Phrase("harbour bridge"), sort="oldest"))
    assert r.hits[0].article.published == "2022-03-05"


def test_sorts_put_undated_last(eng) -> None:  # noqa: ANN001
    r = eng.search(q(qt.MatchAll(), sort="newest", collapse=False))
    dates = [h.article.published for h in r.hits]
    assert dates[-1] is None
    assert dates[:-1] == sorted(dates[:-1], reverse=True)
    r = eng.search(q(qt.MatchAll(), sort="oldest", collapse=False))
    dates = [h.article.published for h in r.hits]
    assert dates[-1] is None and dates[:-1] == sorted(dates[:-1])


def test_paging(eng) -> None:  # noqa: ANN001
    full = eng.search(q(qt.MatchAll(), sort="newest", collapse=False))
    page = eng.search(EngineQuery(query=qt.MatchAll(), sort="newest", collapse=False, offset=2,
                                  limit=3))
    assert ids(page) == ids(full)[2:5] and page.total == full.total
    far = eng.search(EngineQuery(query=qt.Term("bridge"), offset=1000, limit=10))
    assert far.hits == [] and far.total == 2
    ranked = eng.search(q(qt.Term("lisbon")))
    page2 = eng.search(EngineQuery(query=qt.Term("lisbon"), offset=1, limit=1))
    assert ids(page2) == ids(ranked)[1:2]


def test_recency_boost_favours_newer(build_index) -> None:  # noqa: ANN001
    old = art(1, "Flood report", "flood flood flood river", published="2001-01-01")
    new = art(2, "Flood report again", "flood river today", published="2024-01-01")
    d = build_index([old, new])
    with open_engine(d) as e:
        plain = e.search(q(qt.Term("flood")))
        boosted = e.search(q(qt.Term("flood"), recency_boost=10.0))
    assert ids(plain)[0] == old.id
    assert ids(boosted)[0] == new.id


# -- article helpers -------------------------------------------------------------------------


def test_more_like_this_excludes_itself_and_its_copies(eng) -> None:  # noqa: ANN001
    similar = eng.more_like_this(ARTICLES[1].id, limit=5)
    got = {h.article.id for h in similar}
    assert ARTICLES[1].id not in got and ARTICLES[2].id not in got
    assert got, "the other bridge/Lisbon stories are similar"
    assert eng.more_like_this("nope") == []


def test_more_like_this_finds_stories_sharing_rare_words(eng) -> None:  # noqa: ANN001
    # The sanctions story shares "sanctions" with the Putin story, nothing with the bridge.
    similar = [h.article.id for h in eng.more_like_this(ARTICLES[3].id, limit=5)]
    assert similar and similar[0] == ARTICLES[0].id
    assert ARTICLES[1].id not in similar and ARTICLES[2].id not in similar


def test_facet_values_prefix_on_any_word(eng) -> None:  # noqa: ANN001
    vals = {fv.value: fv.count for fv in eng.facet_values("people", "jin")}
    assert vals == {"Xi Jinping": 2, "Jinping Zhou": 1}
    assert [fv.value for fv in eng.facet_values("places", "", limit=1)] == ["Lisbon"]
    assert eng.facet_values("people", "qqq") == []


def test_suggest_word_and_word_frequency(eng) -> None:  # noqa: ANN001
    assert eng.word_frequency("bridge") == 3  # unstemmed: "bridges" is not "bridge"
    assert eng.word_frequency("Lisbon") == 3
    assert eng.word_frequency("nonexistentword") == 0
    assert eng.suggest_word("brdge") == "bridge"
    assert eng.suggest_word("lisbom") == "lisbon"
    assert eng.suggest_word("bridge") is None  # already a frequent word
    assert eng.suggest_word("qqqqqqq") is None


def test_stats(eng) -> None:  # noqa: ANN001
    s = eng.stats(top=3)
    assert s.articles == len(ARTICLES)
    assert (s.first_date, s.last_date, s.undated) == ("2015-01-02", "2022-03-07", 1)
    assert s.places[0].value == "Lisbon" and s.places[0].count == 3
    assert len(s.publishers) == 3 and s.size_bytes > 0
    assert s.generation == eng.generation()


def test_searches_from_many_threads_agree(eng) -> None:  # noqa: ANN001
    nodes = [qt.Term("bridge"), qt.Term("lisbon"), qt.MatchAll(), qt.Prefix("sanction")]
    expected = {i: ids(eng.search(q(n, facets=("places",)))) for i, n in enumerate(nodes)}
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(20):
                for i, n in enumerate(nodes):
                    assert ids(eng.search(q(n, facets=("places",)))) == expected[i]
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# -- writing ---------------------------------------------------------------------------------


def test_refresh_sees_a_new_commit(build_index, engine_name: str,  # noqa: ANN001
                                   article_writer) -> None:  # noqa: ANN001
    d = build_index(ARTICLES[:2])
    with open_engine(d) as e:
        before = e.generation()
        assert e.search(q(qt.Term("volunteers"))).total == 0
        assert e.refresh() is False
        article_writer(d, engine_name, [ARTICLES[4]])
        assert e.search(q(qt.Term("volunteers"))).total == 0  # still the old commit
        assert e.refresh() is True
        assert e.generation() != before
        assert e.search(q(qt.Term("volunteers"))).total == 1
        assert e.stats().articles == 3


def test_delete_paths_and_indexed_files(build_index, engine_name: str) -> None:  # noqa: ANN001
    d = build_index(ARTICLES[:3])
    with open_writer(d, engine=engine_name) as w:
        assert w.indexed_files() == {a.path: a.file_signature for a in ARTICLES[:3]}
        w.delete_paths([ARTICLES[0].path])
        w.commit()
        assert set(w.indexed_files()) == {ARTICLES[1].path, ARTICLES[2].path}
    with open_engine(d) as e:
        assert e.get(ARTICLES[0].id) is None
        assert e.search(q(qt.Term("putin"))).total == 0
        assert e.stats().articles == 2


def test_uncommitted_work_is_discarded_on_close(build_index, engine_name: str) -> None:  # noqa: ANN001
    d = build_index(ARTICLES[:1])
    with open_writer(d, engine=engine_name) as w:
        w.add(ARTICLES[1:3])
    with open_engine(d) as e:
        assert e.stats().articles == 1


def test_second_writer_gets_index_locked(build_index, engine_name: str) -> None:  # noqa: ANN001
    d = build_index(ARTICLES[:1])
    with open_writer(d, engine=engine_name):
        with pytest.raises(IndexLocked) as info:
            open_writer(d, engine=engine_name)
        if info.value.pid is None and engine_name != "whoosh":
            pytest.xfail(f"the {engine_name} engine does not report the holder's pid yet")
        assert info.value.pid == os.getpid()
        assert str(os.getpid()) in str(info.value)
    # Released on close: a new writer opens.
    open_writer(d, engine=engine_name).close()


def test_rebuild_empties_the_index(build_index, engine_name: str,  # noqa: ANN001
                                   article_writer) -> None:  # noqa: ANN001
    d = build_index(ARTICLES)
    article_writer(d, engine_name, ARTICLES[:2], rebuild=True)
    with open_engine(d) as e:
        assert e.stats().articles == 2


# -- the samples index -----------------------------------------------------------------------


def test_samples_index(engine) -> None:  # noqa: ANN001
    s = engine.stats()
    assert s.articles >= 30
    assert s.first_date < s.last_date
    r = engine.search(EngineQuery(query=qt.MatchAll(), facets=("publisher", "year"),
                                  histogram=True))
    assert r.total <= s.articles and r.hits
    assert sum(fv.count for fv in r.facets["year"]) == r.total
    top = r.facets["publisher"][0]
    f = Filters(include={"publisher": (top.value.upper(),)})
    assert engine.count(qt.MatchAll(), f) == top.count


def test_copies_that_differ_count_under_each_of_their_values(build_index) -> None:  # noqa: ANN001
    story = "Storm closes the harbour. Boats stayed in port all day."
    a = art(1, "Storm closes harbour", story, places=["Lisbon"], published="2021-01-05")
    b = art(2, "Storm closes harbour", story, places=["Porto"], published="2021-02-05")
    c = art(3, "Calm seas", "Boats went out again.", places=["Porto"], published="2021-03-01")
    d = build_index([a, b, c])
    with open_engine(d) as e:
        r = e.search(q(qt.MatchAll(), facets=("places", "month")))
        assert r.total == 2
        places = {fv.value: fv.count for fv in r.facets["places"]}
        assert places == {"Lisbon": 1, "Porto": 2}
        for value, count in places.items():
            f = Filters(include={"places": (value,)})
            assert e.search(q(qt.MatchAll(), filters=f)).total == count
        months = {fv.value: fv.count for fv in r.facets["month"]}
        for value, count in months.items():
            f = Filters(include={"month": (value,)})
            assert e.search(q(qt.MatchAll(), filters=f)).total == count
