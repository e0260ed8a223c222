"""Postings built in the parser processes (newsearch.engine.prepost) are Whoosh's own."""

from __future__ import annotations

import random
from pathlib import Path

from whoosh import formats

from newsearch import querytree as qt
from newsearch.analysis import terms
from newsearch.article import Article
from newsearch.engine import EngineQuery, open_engine, open_writer
from newsearch.engine.prepost import PrePosted, positions_value, prepost
from newsearch.pipeline import ANALYSIS_ATTR, analyze


def test_positions_value_is_whoosh_positions_encode() -> None:
    fmt = formats.Positions()
    rng = random.Random(5)
    cases = [[0], [7], [300], [70000], [0, 1], [2, 2000, 2001, 2**20]]
    for _ in range(200):
        cases.append(sorted(rng.sample(range(5000), rng.randint(1, 12))))
    for case in cases:
        assert positions_value(case) == fmt.encode(case), case
        assert fmt.decode_positions(positions_value(case)) == case


def test_prepost_is_what_whoosh_indexes_from_the_tokens() -> None:
    tokens = terms("The cat sat on the mat; the cat's hat, the mat. Ünïcode naïve café cat")
    got = prepost(tokens)
    assert isinstance(got, PrePosted)
    length, tbs, freqs, values = got
    assert length == len(tokens)
    fmt = formats.Positions()
    expected = {}
    for pos, text in enumerate(tokens):
        expected.setdefault(text, []).append(pos)
    assert [t.decode("utf-8") for t in tbs] == list(expected)
    assert freqs == [len(p) for p in expected.values()]
    assert values == [fmt.encode(p) for p in expected.values()]
    assert max(freqs) > 1


def test_analysis_survives_pickling_and_indexes_like_plain_text(tmp_path: Path) -> None:
    import pickle

    body = "Red fox jumps. The red fox runs, the blue fox sleeps. Fox fox fox."
    plain = Article(path="/p/1.txt", format="text", title="Red fox", body=body)
    pre = pickle.loads(pickle.dumps(analyze(
        Article(path="/p/2.txt", format="text", title="Red fox", body=body))))
    assert type(getattr(pre, ANALYSIS_ATTR)[1]) is PrePosted
    d = tmp_path / "ix"
    with open_writer(d, engine="whoosh") as w:
        w.add([plain, pre])
        w.commit()
    with open_engine(d) as e:
        for node in (qt.Phrase("red fox runs"), qt.Phrase("fox fox fox"), qt.Term("sleeps"),
                     qt.Phrase("red fox", field="title")):
            hits = e.search(EngineQuery(query=node, collapse=False))
            assert hits.total == 2, node
        scores = {h.article.id: h.score for h in e.search(
            EngineQuery(query=qt.Term("fox"), collapse=False)).hits}
        assert len(set(round(s, 5) for s in scores.values())) == 1, scores
