"""The Whoosh batch segment writer and its merge (newsearch.engine.whoosh_write_engine)
against Whoosh's own: every term's postings, term statistics, stored fields, lengths and
columns the same."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from newsearch.article import Article
from newsearch.engine import open_writer
from newsearch.engine import whoosh_engine as we
from newsearch.pipeline import analyze

WORDS = ("harbour lantern council budget river storm vote minister bridge rail school "
         "court strike market festival drought harvest museum election trade").split()


def articles(n: int, seed: int, pre: bool) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 400)))
        art = Article(path=f"/w/{seed}-{i}.txt", format="text",
                      title=" ".join(rng.sample(WORDS, 3)), body=body,
                      people=rng.sample(["Ann Lee", "Bo Chan", "Cy Diaz", "Di Eze"], 2),
                      tags=[rng.choice(WORDS)], published=f"2021-0{rng.randint(1, 9)}-11",
                      file_signature=f"1:{i}")
        out.append(analyze(art) if pre else art)
    return out


def build(d: Path, *, batches: int, pre: bool) -> None:
    with open_writer(d, engine="whoosh") as w:
        for b in range(batches):
            w.add(articles(10 + b, b, pre))
            if b == 4:
                w.delete_paths([f"/w/1-{i}.txt" for i in range(3)] + ["/w/2-0.txt"])
            w.commit()


def fingerprint(d: Path) -> tuple:
    with open_writer(d, engine="whoosh") as w, w.ix.reader() as r:
        h = hashlib.sha1()
        postings = 0
        for field, text in r.all_terms():
            ti = r.term_info(field, text)
            h.update(repr((field, text, ti.weight(), ti.doc_frequency(), ti.min_length(),
                           ti.max_length(), ti.max_weight())).encode())
            m = r.postings(field, text)
            while m.is_active():
                h.update(repr((m.id(), m.weight(), m.value() or b"")).encode())
                postings += 1
                m.next()
        for doc in r.all_doc_ids():
            h.update(repr(sorted(r.stored_fields(doc).items())).encode())
            h.update(repr([r.doc_field_length(doc, f) for f in ("title", "body", "people_w")])
                     .encode())
        h.update(repr(list(r.column_reader("facets"))).encode())
        return r.doc_count(), len(r.leaf_readers()), postings, h.hexdigest()


@pytest.mark.parametrize("pre", [False, True], ids=["plain", "pre-analysed"])
def test_merges_equal_whooshs_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  pre: bool) -> None:
    # 12 commits: the tenth of one size tier merges them (with deleted documents).
    monkeypatch.setattr(we, "FAST_MERGE", False)
    build(tmp_path / "whoosh", batches=12, pre=pre)
    monkeypatch.setattr(we, "FAST_MERGE", True)
    build(tmp_path / "ours", batches=12, pre=pre)
    ours = fingerprint(tmp_path / "ours")
    assert ours == fingerprint(tmp_path / "whoosh")
    docs, segments, postings, _ = ours
    assert segments < 12 and postings > 1000
    assert docs == sum(10 + b for b in range(12)) - 4


def test_pre_analysed_and_plain_batches_are_the_same_index(tmp_path: Path) -> None:
    build(tmp_path / "plain", batches=3, pre=False)
    build(tmp_path / "pre", batches=3, pre=True)
    assert fingerprint(tmp_path / "plain") == fingerprint(tmp_path / "pre")


def test_an_article_deleted_in_its_own_batch_is_not_indexed(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    batch = articles(6, 1, pre=True)
    with open_writer(d, engine="whoosh") as w:
        w.add(batch[:4])
        w.delete_paths([batch[1].path])
        w.add(batch[4:])
        w.commit()
        w.add(articles(3, 2, pre=False))
        w.commit()
        with w.ix.reader() as r:
            paths = sorted(r.stored_fields(doc)["path"] for doc in r.all_doc_ids())
    expected = sorted([a.path for i, a in enumerate(batch) if i != 1]
                      + [a.path for a in articles(3, 2, pre=False)])
    assert paths == expected


def test_a_closed_writer_leaves_its_uncommitted_batch_out(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    with open_writer(d, engine="whoosh") as w:
        w.add(articles(4, 1, pre=True))
        w.commit()
        w.add(articles(5, 2, pre=True))  # never committed
    with open_writer(d, engine="whoosh") as w:
        with w.ix.reader() as r:
            assert r.doc_count() == 4
        w.add(articles(2, 3, pre=True))
        w.commit()
        with w.ix.reader() as r:
            assert r.doc_count() == 6
            assert len(r.leaf_readers()) == 2
