"""Whoosh and tantivy answer the same query trees the same way.

The same archive (articles generated here with a fixed seed, plus ``samples/`` when the
pipeline can read it) is indexed into a real Whoosh index and a real tantivy index; every
query below must give both engines the same totals, hit sets, facet counts, histograms and
date orders. Relevance scores differ between the engines (BM25F vs summed per-field BM25), so
relevance order is compared only where the top hit wins clearly in both.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

pytest.importorskip("tantivy")
pytest.importorskip("newsearch.engine.whoosh_engine")

from newsearch.article import Article  # noqa: E402
from newsearch.engine import (  # noqa: E402
    ENGINE_FACETS,
    EngineQuery,
    Filters,
    open_engine,
    open_writer,
)
from newsearch.querytree import (  # noqa: E402
    And,
    DateRange,
    MatchAll,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
)

ROOT = Path(__file__).resolve().parents[2]

COMMON = ["the", "of", "and", "said", "government", "market"]
WORDS = ["bridge", "harbour", "sanctions", "sanctioned", "banking", "banks", "monsoon",
         "flooding", "floods", "election", "elections", "vote", "voters", "profit",
         "quarterly", "energy", "pipeline", "drought", "talks", "envoy", "robot", "factory",
         "strike", "port", "dockworkers", "vaccine", "malaria", "broadband", "rural", "ice",
         "arctic", "record", "U.S.", "Russia's", "COVID-19", "2022", "3.5", "café"]
PEOPLE = ["Vladimir Putin", "Joe Biden", "Mara Ellison", "Kenji Hoshida", "Amina Odhiambo",
          "Lars Nordvik", "Priya Raman"]
PLACES = ["Russia", "United States", "Bangladesh", "Rotterdam", "Nairobi", "Osaka", "Ghana",
          "Ottawa"]
ORGS = ["Central Bank", "Veltrane Energy", "United Nations", "Hoshida Robotics",
        "Brightwater Health"]
PUBLISHERS = ["Wire One", "Wire Two", "Harbour Daily", "The Northern Post"]
SECTIONS = ["World", "Business", "Local", "Science"]
TAGS = ["weather", "trade", "health", "tech", "politics"]


def generated_articles(n: int = 90, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    out: list[Article] = []
    start = date(2016, 1, 1)
    for i in range(n):
        words = [rng.choice(COMMON) if rng.random() < 0.35 else rng.choice(WORDS)
                 for _ in range(rng.randint(20, 60))]
        title_words = [rng.choice(WORDS) for _ in range(rng.randint(2, 5))]
        if i % 9 == 8:
            published = None
        elif i % 5 == 0:  # a cluster inside one month, for day-level histograms
            published = (date(2022, 8, 1) + timedelta(days=rng.randint(0, 40))).isoformat()
        else:
            day = start + timedelta(days=rng.randint(0, 3650))
            published = f"{day.isoformat()}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
        out.append(Article(
            path=f"/gen/{i:03d}.txt", format="text", title=" ".join(title_words).capitalize(),
            body=" ".join(words) + ".", published=published, file_signature=f"{i}:1",
            people=rng.sample(PEOPLE, rng.randint(0, 3)),
            places=rng.sample(PLACES, rng.randint(0, 2)),
            orgs=rng.sample(ORGS, rng.randint(0, 2)),
            publisher=rng.choice(PUBLISHERS), section=rng.choice(SECTIONS),
            tags=rng.sample(TAGS, rng.randint(0, 2)),
            authors=[f"Reporter {rng.randint(1, 5)}"]))
    # Stories with a clear best match for relevance checks.
    out.append(Article(path="/gen/zanzibar-1.txt", format="text",
                       title="Zanzibar spice harvest breaks records",
                       body="Zanzibar farmers said the Zanzibar clove harvest was the largest "
                            "on record. Zanzibar exporters expect higher prices.",
                       published="2021-10-04", publisher="Wire One", file_signature="z:1"))
    out.append(Article(path="/gen/zanzibar-2.txt", format="text",
                       title="Ferry timetable changes on the coast",
                       body="The ferry operator said crossings to Zanzibar would run less often "
                            "in the rainy season, and fares would rise for the market traders "
                            "who use the service every week of the year.",
                       published="2021-11-12", publisher="Wire Two", file_signature="z:2"))
    # Exact copies (the same story saved twice under another path).
    for i in (3, 10, 11):
        src = out[i]
        out.append(Article(**{**src.to_json(), "path": f"/gen/copy-{i:03d}.txt", "id": "",
                              "position": 0}))
    return out


def sample_articles() -> list[Article]:
    samples = ROOT / "samples"
    try:
        from newsearch.pipeline import process_file
    except ImportError:
        return []
    if not samples.is_dir():
        return []
    out: list[Article] = []
    for path in sorted(p for p in samples.rglob("*") if p.is_file() and p.name != "README.md"):
        out.extend(process_file(path).articles)
    return out


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory):
    articles = generated_articles() + sample_articles()
    opened = {}
    for name in ("whoosh", "tantivy"):
        path = tmp_path_factory.mktemp(f"cross-{name}") / "index"
        with open_writer(path, engine=name) as writer:
            writer.add(articles)
            writer.commit()
        opened[name] = open_engine(path)
    yield opened
    for engine in opened.values():
        engine.close()


QUERIES = [
    MatchAll(),
    Term("the"),
    Term("bridge"),
    Term("banks"),
    Term("bank"),
    Term("sanction"),
    Term("U.S."),
    Term("russia"),
    Term("covid-19"),
    Term("cafe"),
    Term("café"),
    Term("2022"),
    Term("harbour", "title"),
    Term("harbour", "body"),
    Phrase("said the"),
    Phrase("government market"),
    Phrase("russia's"),
    Prefix("sanction"),
    Prefix("elect"),
    Prefix("flood", "title"),
    Term("putin", "people"),
    Term("Joe Biden", "people"),
    Phrase("united states", "places"),
    Term("energy", "orgs"),
    Prefix("hosh", "orgs"),
    Term("wire one", "publisher"),
    Term("business", "section"),
    Term("weather", "tags"),
    DateRange(date(2019, 1, 1), date(2020, 12, 31)),
    DateRange(None, date(2017, 6, 30)),
    DateRange(date(2022, 8, 10), None),
    And((Term("bridge"), Term("harbour"))),
    And((Term("market"), Not(Term("banks")))),
    Or((Term("monsoon"), Term("malaria"), Term("putin", "people"))),
    Not(Term("the")),
    And((Or((Term("vote"), Term("election"))), DateRange(date(2018, 1, 1), None))),
    And((Term("zzzunknownzzz"),)),
]

FILTERS = [
    Filters(),
    Filters(include={"publisher": ("wire one", "Wire Two")}),
    Filters(include={"people": ("joe biden",), "places": ("russia",)}),
    Filters(exclude={"tags": ("weather",)}, start=date(2018, 1, 1)),
    Filters(include={"year": ("2022",)}, end=date(2022, 12, 31)),
    Filters(include={"month": ("2022-08",), "section": ("business", "world")}),
]


def facet_map(result) -> dict[str, dict[str, int]]:
    return {name: {v.value: v.count for v in values} for name, values in result.facets.items()}


def run(engine, node, filters, **kw):
    return engine.search(EngineQuery(query=node, filters=filters, limit=1000,
                                     facets=ENGINE_FACETS, facet_limit=1000, histogram=True,
                                     **kw))


@pytest.mark.parametrize("number", range(len(QUERIES)), ids=lambda i: repr(QUERIES[i]))
def test_same_hits_totals_facets_histograms(engines, number) -> None:
    w, t = engines["whoosh"], engines["tantivy"]
    node = QUERIES[number]
    # No filter, and two of the filter sets in turn (all of them over the whole list).
    for filters in (FILTERS[0], FILTERS[1 + number % 5], FILTERS[1 + (number + 2) % 5]):
        a, b = run(w, node, filters, collapse=False), run(t, node, filters, collapse=False)
        assert a.total == b.total, filters
        assert {h.article.id for h in a.hits} == {h.article.id for h in b.hits}, filters
        assert facet_map(a) == facet_map(b), filters
        assert (a.granularity, a.undated) == (b.granularity, b.undated), filters
        assert [(x.start, x.count) for x in a.histogram] == \
            [(x.start, x.count) for x in b.histogram], filters
        # Collapsed: the same stories (copies may pick another representative).
        a, b = run(w, node, filters), run(t, node, filters)
        assert a.total == b.total == w.count(node, filters) == t.count(node, filters)
        assert {h.article.content_hash for h in a.hits} == \
            {h.article.content_hash for h in b.hits}
        assert facet_map(a) == facet_map(b), filters


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("node", [MatchAll(), Term("market"), Prefix("elect")], ids=repr)
def test_same_date_order(engines, node, sort) -> None:
    days = {}
    for name, engine in engines.items():
        result = engine.search(EngineQuery(query=node, sort=sort, limit=1000))
        days[name] = [h.article.date for h in result.hits]
    assert days["whoosh"] == days["tantivy"]
    dated = [d for d in days["tantivy"] if d]
    assert dated == sorted(dated, reverse=sort == "newest")
    assert days["tantivy"][len(dated):] == [None] * (len(days["tantivy"]) - len(dated))


def test_paging_covers_the_same_stories(engines) -> None:
    seen = {}
    for name, engine in engines.items():
        pages = []
        for offset in range(0, 40, 7):
            res = engine.search(EngineQuery(query=Term("the"), sort="oldest", offset=offset,
                                            limit=7))
            pages += [h.article.content_hash for h in res.hits]
        seen[name] = pages
        assert len(pages) == len(set(pages))
    assert set(seen["whoosh"]) == set(seen["tantivy"])


@pytest.mark.parametrize("node", [Term("zanzibar"), Phrase("zanzibar clove"),
                                  Or((Term("zanzibar"), Term("clove")))], ids=repr)
def test_clear_relevance_winner_agrees(engines, node) -> None:
    tops = {}
    for name, engine in engines.items():
        hits = engine.search(EngineQuery(query=node, limit=2, collapse=False)).hits
        assert hits and (len(hits) == 1 or hits[0].score > 1.3 * hits[1].score), name
        tops[name] = hits[0].article.title
    assert tops["whoosh"] == tops["tantivy"] == "Zanzibar spice harvest breaks records"


def test_vocabulary_reads_agree(engines) -> None:
    w, t = engines["whoosh"], engines["tantivy"]
    for word in ["the", "banks", "Bridge", "cafe", "café", "2022", "nothing"]:
        assert w.word_frequency(word) == t.word_frequency(word), word
    for word in ["bridgee", "harbuor", "sanctons", "electon", "banks", "qqqq"]:
        assert w.suggest_word(word) == t.suggest_word(word), word
    assert t.suggest_word("harbuor") == "harbour"


@pytest.mark.parametrize("field,prefix", [
    ("people", "jo"), ("orgs", ""), ("year", "20"), ("publisher", "wire"), ("places", "uni"),
    ("places", "un"),  # a prefix is not an alias: "un" is not "united nations"
])
def test_facet_values_agree(engines, field, prefix) -> None:
    w, t = engines["whoosh"], engines["tantivy"]
    a = [(v.value, v.count) for v in w.facet_values(field, prefix, limit=50)]
    b = [(v.value, v.count) for v in t.facet_values(field, prefix, limit=50)]
    assert b, "the prefix matches values of the archive"
    assert a == b


def test_stats_and_duplicates_agree(engines) -> None:
    w, t = engines["whoosh"].stats(), engines["tantivy"].stats()
    for attr in ("articles", "first_date", "last_date", "undated", "publishers", "people",
                 "places", "orgs"):
        assert getattr(w, attr) == getattr(t, attr), attr
    copy = generated_articles()[-1]
    assert copy.path.startswith("/gen/copy-")
    assert engines["whoosh"].duplicates_of(copy) == engines["tantivy"].duplicates_of(copy) != []
