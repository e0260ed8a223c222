"""Phrase semantics of the engines, pinned: known answers on both engines, Whoosh's fast
phrase path against Whoosh's own phrase matcher, and Whoosh against tantivy.

A document matches a phrase when the phrase's analysed words stand at consecutive positions
of one field (title or body; with no field, either), and an entity phrase
(``person:"Nancy Pelosi"``) when its words are consecutive words of one value. The Whoosh
engine answers phrases from position arrays of its own (``whoosh_engine.phrase_starts``), so
these tests build indexes where a shortcut would show: words present but apart, reversed,
repeated ("the the"), at the start and end of a field, in the title only, in two values of
one entity field, in deleted documents, in several segments, and in posting lists long
enough to span many blocks (where only the blocks of the candidate documents are read).
"""

from __future__ import annotations

import importlib.util
import pickle
import random
import time
from pathlib import Path

import numpy as np
import pytest

from newsearch.article import Article
from newsearch.engine import EngineQuery, Filters, open_engine, open_writer
from newsearch.query import parse_query


def _article(name: str, title: str, body: str, **kw: object) -> Article:
    return Article(path=f"/p/{name}.txt", format="text", title=title, body=body,
                   published="2021-05-01", file_signature=f"{name}:1", **kw)


# name -> (title, body, people)
KNOWN = {
    "adjacent": ("Port news", "Dockworkers said the port reopened on Monday.", []),
    "apart": ("Port news", "The envoy said nothing and the port stayed shut.", []),
    "reversed": ("Port news", "The port said: a port, said the envoy? No: the said.", []),
    "start": ("Harbour strike ends", "Harbour strike talks ended before noon.", []),
    "end": ("Quiet day", "Nothing happened until the harbour strike", []),
    "title-only": ("Said the minister", "A statement was read out in full.", []),
    "the-the": ("Typo", "It was the the best of times.", []),
    "the-once": ("No typo", "It was the best of times, the worst of times.", []),
    "stems": ("Strikes", "Dockworkers were striking harbours all week.", []),
    "pelosi": ("Speaker", "The speaker spoke.", ["Nancy Pelosi"]),
    "pelosi-split": ("Two people", "Two people spoke.", ["Nancy Smith", "John Pelosi"]),
    "pelosi-reversed": ("Reversed", "Someone spoke.", ["Pelosi Nancy"]),
    "pelosi-long": ("Middle", "A relative spoke.", ["Anne Nancy Pelosi Brown"]),
}


def known_articles() -> list[Article]:
    return [_article(name, title, body, people=people)
            for name, (title, body, people) in KNOWN.items()]


def _names(engine, query: str) -> set[str]:  # noqa: ANN001
    result = engine.search(EngineQuery(query=parse_query(query), limit=1000, collapse=False))
    names = {Path(hit.article.path).stem for hit in result.hits}
    assert result.total == len(names)
    return names


@pytest.mark.parametrize(("query", "expected"), [
    ('"said the"', {"adjacent", "reversed", "title-only"}),
    ('"the said"', {"reversed"}),
    ('"said the port"', {"adjacent"}),
    ('"port said"', {"reversed"}),
    ('"harbour strike"', {"start", "end"}),
    ('"strike talks ended"', {"start"}),
    ('"harbour strike ends"', {"start"}),  # the title
    ('"ended before noon"', {"start"}),  # the end of a field
    ('title:"said the"', {"title-only"}),
    ('body:"said the"', {"adjacent", "reversed"}),
    ('title:"harbour strike"', {"start"}),
    ('body:"harbour strike"', {"start", "end"}),
    ('"the the"', {"the-the"}),
    ('"the the best"', {"the-the"}),
    ('"the best of times"', {"the-the", "the-once"}),
    ('"the worst of times"', {"the-once"}),
    ('"times the"', {"the-once"}),
    ('"striking harbour"', {"stems"}),  # analysed words: stems
    ('"strike harbours"', {"stems"}),
    ('"harbours striking"', {"start", "end"}),
    ('"harbours strike talks"', {"start"}),
    ('"nothing the"', set()),
    ('"port stayed shut"', {"apart"}),
    ('"shut port"', set()),
    ('"zzzunknown the"', set()),
    ('"said the" "port reopened"', {"adjacent"}),
    ('"said the" -"port reopened"', {"reversed", "title-only"}),
    ('"said the" OR "the the"', {"adjacent", "reversed", "title-only", "the-the"}),
    ('person:"Nancy Pelosi"', {"pelosi", "pelosi-long"}),
    ('person:"Pelosi Nancy"', {"pelosi-reversed"}),
    ('person:"Nancy Pelosi Brown"', {"pelosi-long"}),
    ('person:"Smith John"', set()),  # words of two values never make a phrase
    ('person:"Nancy Smith"', {"pelosi-split"}),
])
def test_known_phrase_answers(build_index, query: str, expected: set[str]) -> None:  # noqa: ANN001
    eng = open_engine(build_index(known_articles()))
    try:
        assert _names(eng, query) == expected
    finally:
        eng.close()


def test_phrase_counts_and_filters(build_index) -> None:  # noqa: ANN001
    eng = open_engine(build_index(known_articles()))
    try:
        assert eng.count(parse_query('"said the"')) == 3
        query = parse_query('"said the"')
        result = eng.search(EngineQuery(query=query, limit=10, collapse=False,
                                        filters=Filters(include={"people": ("Nancy Pelosi",)})))
        assert result.total == 0
        result = eng.search(EngineQuery(query=parse_query('"the the" OR person:"Nancy Pelosi"'),
                                        limit=10, collapse=False))
        assert {Path(h.article.path).stem for h in result.hits} == {"the-the", "pelosi",
                                                                    "pelosi-long"}
        # A phrase scores (as the sum of its words): ranked hits carry scores above zero.
        assert all(h.score > 0 for h in result.hits)
    finally:
        eng.close()


def test_deleted_and_later_segments(tmp_path: Path, engine_name: str) -> None:
    """Phrases across several segments (commits) and deleted documents."""
    ix = tmp_path / "ix"
    with open_writer(ix, engine=engine_name) as w:
        w.add(known_articles())
        w.commit()
        w.add([_article("later", "Later", "Officials said the harbour strike ended.")])
        w.commit()
        w.delete_paths(["/p/adjacent.txt"])
        w.commit()
    eng = open_engine(ix)
    try:
        assert _names(eng, '"said the"') == {"reversed", "title-only", "later"}
        assert _names(eng, '"said the harbour strike"') == {"later"}
        assert _names(eng, '"harbour strike"') == {"start", "end", "later"}
        assert _names(eng, '"said the port"') == set()
    finally:
        eng.close()


# -- long posting lists: many blocks, cached and candidate-only position reads -------------

FILLER = ["market", "river", "council", "budget", "school", "the", "of", "and", "said"]


def bulk_articles(n: int = 700, seed: int = 11) -> list[Article]:
    """Every article holds "the" and "said" many times; few hold rare partners."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = [rng.choice(FILLER) for _ in range(rng.randint(30, 120))]
        if i % 97 == 3:
            words.insert(rng.randint(0, len(words)), "the zebra")
        if i % 89 == 5:
            words.append("zebra the")  # the partner's words reversed, at the end
        if i % 50 == 7:
            words.insert(0, "the the")
        out.append(_article(f"b{i:04d}", f"Bulletin {i} council said", " ".join(words) + "."))
    return out


def _expected(articles: list[Article], words: list[str], field: str | None = None) -> set[str]:
    """Known answer by brute force over the same analysis the engines use."""
    from newsearch.analysis import tokenize

    want = [t.text for t in tokenize(" ".join(words))]
    out = set()
    for a in articles:
        for name in ("title", "body") if field is None else (field,):
            toks = [t.text for t in tokenize(getattr(a, name))]
            if any(toks[i:i + len(want)] == want for i in range(len(toks) - len(want) + 1)):
                out.add(Path(a.path).stem)
    return out


@pytest.fixture(scope="module")
def bulk_indexes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    articles = bulk_articles()
    out = {}
    for name in ("whoosh", "tantivy"):
        if importlib.util.find_spec(f"newsearch.engine.{name}_engine") is None \
                or importlib.util.find_spec(name) is None:
            continue
        ix = tmp_path_factory.mktemp(f"bulk-{name}") / "ix"
        with open_writer(ix, engine=name) as w:  # three segments
            for part in (articles[:300], articles[300:450], articles[450:]):
                w.add(part)
                w.commit()
        out[name] = ix
    return out


BULK_PHRASES = ['"the zebra"', '"zebra the"', '"said the"', '"the the"', '"the said the"',
                '"market river"', '"council said"', '"said the zebra"', 'body:"said the"',
                'title:"council said"', '"of and the"']


@pytest.mark.parametrize("query", BULK_PHRASES)
def test_bulk_phrases_known_answers(bulk_indexes: dict[str, Path], engine_name: str,
                                    query: str) -> None:
    field = query.split(":")[0] if ":" in query else None
    words = query.split(":")[-1].strip('"').split()
    expected = _expected(bulk_articles(), words, field)
    eng = open_engine(bulk_indexes[engine_name])
    try:
        result = eng.search(EngineQuery(query=parse_query(query), limit=1000, collapse=False))
        assert result.total == len(expected)
        assert {Path(h.article.path).stem for h in result.hits} == expected
    finally:
        eng.close()


def test_bulk_phrase_paths_agree(bulk_indexes: dict[str, Path]) -> None:
    """The same phrase answered cold with a few candidates (only their blocks read), then
    with the term's positions cached in full, gives the same documents."""
    we = pytest.importorskip("newsearch.engine.whoosh_engine")
    if "whoosh" not in bulk_indexes:
        pytest.skip("no Whoosh engine")
    eng = open_engine(bulk_indexes["whoosh"])
    try:
        state = eng.state
        ev = we._Evaluator(state, 60.0)
        arrays = state.arrays
        arrays.clear_positions()  # the commit's state is shared: start from an empty cache
        few = ev.phrase_docs("body", ["the", "zebra"])  # "the" read for the candidates only
        assert ("body", "the") not in arrays._positions
        ev.phrase_docs("body", ["said", "the"])  # "the" read in full and cached
        assert ("body", "the") in arrays._positions
        assert np.array_equal(ev.phrase_docs("body", ["the", "zebra"]), few)
        expected = _expected(bulk_articles(), ["the", "zebra"], "body")
        assert len(few) == len(expected) > 3
    finally:
        eng.close()


# -- Whoosh's fast path against Whoosh's own phrase matcher ---------------------------------


def _sample_phrases(articles: list[Article], rng: random.Random, n: int) -> list[list[str]]:
    from newsearch.analysis import tokenize

    out = []
    for a in rng.sample(articles, n):
        toks = [t.text for t in tokenize(a.body)]
        k = rng.choice([2, 2, 3])
        i = rng.randrange(len(toks) - k + 1)
        out.append(toks[i:i + k])  # adjacent
        x, y = rng.sample(range(len(toks)), 2)
        out.append([toks[x], toks[y]])  # usually apart
        out.append([toks[y], toks[y]])  # repeated
    return out


def _agree_with_whoosh(state, ev, phrases: list[list[str]]) -> int:  # noqa: ANN001
    """Assert that the fast path and Whoosh's own phrase query find the same documents for
    every phrase in title and in body; return how many (phrase, field) pairs matched any."""
    from whoosh import query as wq

    matched = 0
    for words in phrases:
        for field in ("title", "body"):
            ours = set(ev.phrase_docs(field, words).tolist())
            with state.lock:
                theirs = set(state.searcher.docs_for_query(wq.Phrase(field, words)))
            assert ours == theirs, (field, words)
            matched += bool(ours)
    return matched


def test_fast_phrases_match_whoosh_phrase_query(bulk_indexes: dict[str, Path]) -> None:
    we = pytest.importorskip("newsearch.engine.whoosh_engine")

    if "whoosh" not in bulk_indexes:
        pytest.skip("no Whoosh engine")
    eng = open_engine(bulk_indexes["whoosh"])
    try:
        state = eng.state
        ev = we._Evaluator(state, 60.0)
        phrases = _sample_phrases(bulk_articles(), random.Random(3), 40)
        phrases += [["the", "the"], ["the", "zebra"], ["zebra", "the"], ["said", "the", "the"]]
        assert _agree_with_whoosh(state, ev, phrases) > 20
    finally:
        eng.close()


# -- Whoosh against tantivy ----------------------------------------------------------------


def test_phrases_whoosh_equals_tantivy(bulk_indexes: dict[str, Path]) -> None:
    if set(bulk_indexes) != {"whoosh", "tantivy"}:
        pytest.skip("needs both engines")
    engines = {name: open_engine(ix) for name, ix in bulk_indexes.items()}
    try:
        rng = random.Random(5)
        queries = ['"' + " ".join(words) + '"'
                   for words in _sample_phrases(bulk_articles(), rng, 25)]
        queries += [q.replace('"', 'title:"', 1) for q in queries[:10]]
        queries += BULK_PHRASES
        nonempty = 0
        for query in queries:
            answers = {}
            for name, eng in engines.items():
                result = eng.search(EngineQuery(query=parse_query(query), limit=1000,
                                                collapse=False))
                answers[name] = (result.total, {h.article.id for h in result.hits})
            assert answers["whoosh"] == answers["tantivy"], query
            nonempty += bool(answers["whoosh"][0])
        assert nonempty > 20
    finally:
        for eng in engines.values():
            eng.close()


@pytest.mark.parametrize("threshold", [1, 10**9])
def test_fast_phrases_with_and_without_bitmaps(bulk_indexes: dict[str, Path],
                                               monkeypatch: pytest.MonkeyPatch,
                                               threshold: int) -> None:
    """Cached terms looked up through position bitmaps (threshold 1: every cached term has
    one) or binary search (no bitmaps) give Whoosh's own phrase answers."""
    we = pytest.importorskip("newsearch.engine.whoosh_engine")

    if "whoosh" not in bulk_indexes:
        pytest.skip("no Whoosh engine")
    monkeypatch.setattr(we, "BITMAP_MIN_KEYS", threshold)
    eng = open_engine(bulk_indexes["whoosh"])
    try:
        state = eng.state
        state.arrays.clear_positions()
        ev = we._Evaluator(state, 60.0)
        phrases = [[a, b] for a in FILLER for b in FILLER] + [["the", "the", "the"],
                                                             ["said", "the", "zebra"]]
        _agree_with_whoosh(state, ev, phrases)
        assert bool(state.arrays._bitmaps) == (threshold == 1)
    finally:
        state.arrays.clear_positions()
        eng.close()


def test_position_bitmap_membership() -> None:
    we = pytest.importorskip("newsearch.engine.whoosh_engine")
    rng = np.random.default_rng(4)
    ndocs = 50
    docs = rng.integers(0, ndocs, 3000)
    keys = np.unique((docs << 32) | rng.integers(0, 300, 3000))
    bitmap = we.PositionBitmap(keys, ndocs)
    probe = np.unique((rng.integers(0, ndocs, 5000) << 32) | rng.integers(0, 400, 5000))
    probe = np.concatenate([probe, keys[::7], keys[::5] + 1, [-1, -(1 << 32), 0,
                                                              (ndocs + 3) << 32, keys[-1] + 1]])
    assert np.array_equal(bitmap.contains(probe), np.isin(probe, keys))
    assert bitmap.contains(keys).all()


@pytest.fixture()
def whoosh_cold(bulk_indexes: dict[str, Path]):  # noqa: ANN201
    """The Whoosh engine module and an engine on the bulk index, its positions cache empty
    (emptied again and the engine closed after the test)."""
    we = pytest.importorskip("newsearch.engine.whoosh_engine")
    if "whoosh" not in bulk_indexes:
        pytest.skip("no Whoosh engine")
    eng = open_engine(bulk_indexes["whoosh"])
    eng.state.arrays.clear_positions()
    try:
        yield we, eng
    finally:
        eng.state.arrays.clear_positions()
        eng.close()


def test_time_limit_stops_position_reads(whoosh_cold) -> None:  # noqa: ANN001
    """The query time limit is checked while positions are read; nothing half-read is
    cached, and the next query reads them again."""
    from newsearch.engine import QueryTooExpensive

    we, eng = whoosh_cold
    arrays = eng.state.arrays
    calls = []

    def expired() -> None:
        calls.append(1)
        raise QueryTooExpensive("the query ran for more than 0 s")

    everyone = np.arange(eng.state.fwd.ndocs)
    with pytest.raises(QueryTooExpensive):
        arrays.position_keys("body", "the", everyone, expired)
    assert calls and arrays.cached_position_keys("body", "the") is None
    keys = arrays.position_keys("body", "the", everyone, lambda: None)
    assert len(keys) > 1000 and arrays.cached_position_keys("body", "the") is keys
    ev = we._Evaluator(eng.state, 60.0)
    ev.deadline = 0.0
    with pytest.raises(QueryTooExpensive, match="ran for more than"):
        ev.phrase_docs("body", ["the", "zebra"])


def test_filling_the_positions_cache_has_a_grace(whoosh_cold,  # noqa: ANN001
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a very common word's positions into the commit's cache is bounded work, done
    once per word and commit: a phrase may spend up to the time limit again on it and is
    answered, not refused. Past that grace the query is refused as before. (A clock of our
    own times the read: the real read is too fast on this small index.)"""
    from newsearch.engine import QueryTooExpensive

    we, eng = whoosh_cold
    arrays = eng.state.arrays
    want = we._Evaluator(eng.state, 60.0).phrase_docs("body", ["said", "the"])
    assert len(want)
    now = [0.0]

    class Clock:
        perf_counter = staticmethod(time.perf_counter)

        @staticmethod
        def monotonic() -> float:
            return now[0]

    monkeypatch.setattr(we, "time", Clock)
    real = arrays.position_keys
    for seconds, answered in ((1.5, True), (2.5, False)):
        arrays.clear_positions()

        def slow(field, text, candidates, check, seconds=seconds):  # noqa: ANN001, ANN202
            got = real(field, text, candidates, check)
            if text == "the":
                now[0] += seconds  # the read of "the" took this long
                check()
            return got

        monkeypatch.setattr(arrays, "position_keys", slow)
        ev = we._Evaluator(eng.state, 1.0)  # a 1-second limit, from now[0]
        if answered:
            assert np.array_equal(ev.phrase_docs("body", ["said", "the"]), want)
            assert ev.grace == 0.0  # the grace is spent once per query
        else:
            with pytest.raises(QueryTooExpensive, match="ran for more than"):
                ev.phrase_docs("body", ["said", "the"])


def test_position_lists_decode_in_one_call() -> None:
    """Whoosh's encoded positions (one list per posting) decode to the same lists whether
    read in one pickle call or value by value, long lists and big gaps included."""
    we = pytest.importorskip("newsearch.engine.whoosh_engine")
    from whoosh import formats

    fmt = formats.Positions()
    rng = random.Random(2)
    lists = [[0], [3], [1, 5, 300], [0, 70_000, 70_001, 2**31 - 5], list(range(0, 7000, 3)),
             sorted(rng.sample(range(100_000), 2500))]
    values = [fmt.encode(x) for x in lists]
    expected = [fmt.decode_positions(v) for v in values]
    got = we._decode_position_lists(values)
    assert [list(np.cumsum(d)) for d in got] == expected
    keys = we._position_keys(np.arange(len(values), dtype=np.int64) * 2, values)
    assert keys.tolist() == [(2 * i << 32) | p for i, x in enumerate(expected) for p in x]
    # A value in another encoding: read one by one, never misread.
    for protocol in (1, 4):
        odd = values[:2] + [b"\x00\x00\x00\x02" + pickle.dumps([4, 1], protocol)]
        assert list(we._decode_position_lists(odd)) == [[0], [3], [4, 1]]


def test_fast_phrases_on_the_indexed_samples(index_dir: Path, engine_name: str) -> None:
    """On the index the real indexer built from samples/ (postings made in the parser
    processes), phrases taken from the stored articles match Whoosh's own phrase query."""
    if engine_name != "whoosh":
        pytest.skip("Whoosh's fast phrase path")
    we = pytest.importorskip("newsearch.engine.whoosh_engine")

    from newsearch.analysis import tokenize

    eng = open_engine(index_dir)
    try:
        state = eng.state
        ev = we._Evaluator(state, 60.0)
        rng = random.Random(9)
        phrases = [["the", "the"], ["said", "the"], ["of", "the"]]
        for docnum in range(min(state.fwd.ndocs, 40)):
            toks = [t.text for t in tokenize(state.searcher.stored_fields(docnum).get("body")
                                             or "")]
            if len(toks) > 4:
                i = rng.randrange(len(toks) - 2)
                phrases += [toks[i:i + 2], toks[i:i + 3], [toks[i + 1], toks[i]]]
        assert _agree_with_whoosh(state, ev, phrases) > 10
    finally:
        eng.close()
