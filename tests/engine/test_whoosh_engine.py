"""What only the Whoosh engine does: its files, lock, fsync, crash leftovers and shared state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsearch import querytree as qt
from newsearch.article import Article
from newsearch.engine import (
    EngineError,
    EngineQuery,
    QueryTooExpensive,
    lockfile,
    open_engine,
    open_writer,
)
from newsearch.engine import whoosh_engine as we


def arts(n: int, word: str = "lantern") -> list[Article]:
    return [Article(path=f"/w/{word}-{i}.txt", format="text", title=f"{word.title()} {i}",
                    body=f"The {word} number {i} was lit at dusk.", published="2020-02-02",
                    file_signature=f"1:{i}") for i in range(n)]


@pytest.fixture
def ix(tmp_path: Path) -> Path:
    d = tmp_path / "ix"
    with open_writer(d, engine="whoosh") as w:
        w.add(arts(3))
        w.commit()
    return d


def test_meta_file_written_atomically(ix: Path) -> None:
    import json

    assert json.loads((ix / "newsearch.json").read_text()) == {
        "engine": "whoosh", "schema_version": we.SCHEMA_VERSION}
    assert not [p for p in os.listdir(ix) if p.endswith(".tmp") and p.startswith(".")]


def test_commit_fsyncs_files_and_directory(ix: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    with open_writer(ix) as w:
        w.add(arts(2, "kettle"))
        w.commit()
    # New segment file(s), the new table of contents and the directory.
    assert len(synced) >= 3


def test_lock_file_names_the_writer(ix: Path) -> None:
    with open_writer(ix):
        assert (ix / lockfile.LOCK_FILE).read_text().strip() == str(os.getpid())
    # A leftover lock file (a killed writer) does not lock the index: the lock is an flock.
    (ix / lockfile.LOCK_FILE).write_text("999999\n")
    open_writer(ix).close()


def test_crash_leftovers_are_cleaned_at_open(ix: Path) -> None:
    (ix / "_MAIN_7.toc.1700000000.5").write_bytes(b"half a table of contents")
    (ix / "MAIN.tmp").mkdir()
    (ix / "MAIN.tmp" / "run.run").write_bytes(b"x")
    (ix / ".newsearch.json.123.tmp").write_text("{")
    with open_writer(ix) as w:
        w.add(arts(1, "kettle"))
        w.commit()
    names = os.listdir(ix)
    assert "_MAIN_7.toc.1700000000.5" not in names
    assert "MAIN.tmp" not in names and ".newsearch.json.123.tmp" not in names
    with open_engine(ix) as e:
        assert e.stats().articles == 4


def test_orphan_segment_of_a_killed_commit_is_ignored_then_removed(ix: Path) -> None:
    (ix / "MAIN_deadbeefdeadbeef.seg").write_bytes(b"\x00" * 64)
    with open_engine(ix) as e:
        assert e.stats().articles == 3
    with open_writer(ix) as w:
        w.add(arts(1, "kettle"))
        w.commit()
    assert "MAIN_deadbeefdeadbeef.seg" not in os.listdir(ix)


def test_corrupt_newest_commit(ix: Path) -> None:
    engine = open_engine(ix)
    try:
        gen = int(engine.generation())
        (ix / f"_MAIN_{gen + 1}.toc").write_bytes(b"\x00garbage")
        # An open engine keeps serving the last good commit...
        assert engine.refresh() is False
        assert engine.search(EngineQuery(query=qt.Term("lantern"))).total == 3
    finally:
        engine.close()
    # ...and a new one refuses with a clear message instead of serving nothing.
    we._STATES.clear()
    with pytest.raises(EngineError, match="cannot be opened"):
        open_engine(ix)


def test_refusing_to_write_into_a_foreign_folder(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.txt").write_text("precious")
    with pytest.raises(EngineError, match="refusing"):
        open_writer(folder, engine="whoosh")
    assert (folder / "thesis.txt").read_text() == "precious"


def test_an_index_of_another_schema_version_is_refused(ix: Path) -> None:
    import json

    (ix / "newsearch.json").write_text(json.dumps({"engine": "whoosh", "schema_version": 0}))
    with pytest.raises(EngineError, match="--rebuild"):
        open_engine(ix)
    with pytest.raises(EngineError, match="--rebuild"):
        open_writer(ix)
    with open_writer(ix, rebuild=True) as w:  # a rebuild is the way out
        w.add(arts(1))
        w.commit()
    with open_engine(ix) as e:
        assert e.stats().articles == 1


def test_engine_of_an_index_is_remembered(ix: Path) -> None:
    with pytest.raises(EngineError, match="--rebuild"):
        open_writer(ix, engine="tantivy")


def test_handles_share_one_searcher_per_commit(ix: Path) -> None:
    a, b = open_engine(ix), open_engine(ix)
    try:
        assert a.state is b.state
        old = a.state
        with open_writer(ix) as w:
            w.add(arts(1, "kettle"))
            w.commit()
        assert a.refresh() and b.refresh()
        assert a.state is b.state is not old
        assert old.closed  # nobody uses the old commit any more: its files are released
        a.close()
        assert b.search(EngineQuery(query=qt.Term("kettle"))).total == 1
    finally:
        b.close()


def test_time_limit(ix: Path) -> None:
    with open_engine(ix) as e:
        e.time_limit = -1.0
        with pytest.raises(QueryTooExpensive, match="ran for more than"):
            e.search(EngineQuery(query=qt.Term("lantern")))


def test_batched_commits_and_merges_keep_every_article(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    with open_writer(d, engine="whoosh") as w:
        for i in range(12):
            w.add(arts(5, f"word{i}"))
            w.commit()
        w.delete_paths([f"/w/word3-{i}.txt" for i in range(5)])
        w.commit()
    with open_engine(d) as e:
        assert e.stats().articles == 55
        assert e.search(EngineQuery(query=qt.Term("word3"))).total == 0
        assert e.search(EngineQuery(query=qt.Term("word11"))).total == 5


def test_pre_analysed_articles_index_like_plain_ones(tmp_path: Path) -> None:
    from newsearch.pipeline import analyze

    long_word = "x" * 60
    body = f"Alpha beta {long_word} gamma. Delta-epsilon zeta."
    plain = Article(path="/p/1.txt", format="text", title="Plain", body=body)
    pre = analyze(Article(path="/p/2.txt", format="text", title="Plain", body=body))
    d = tmp_path / "ix"
    with open_writer(d, engine="whoosh") as w:
        w.add([plain, pre])
        w.commit()
    with open_engine(d) as e:
        for node in (qt.Phrase("beta gamma"), qt.Phrase("delta epsilon zeta"), qt.Term("alpha"),
                     qt.Prefix("zet")):
            assert e.search(EngineQuery(query=node, collapse=False)).total == 2, node
        assert e.get(pre.id).body == body
        assert e.word_frequency("epsilon") == 2


def test_tiered_merges_bound_the_number_of_segments(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    with open_writer(d, engine="whoosh") as w:
        for i in range(25):
            w.add(arts(1, f"item{i}"))
            w.commit()
    with open_engine(d) as e:
        assert len(e.state.searcher.reader().leaf_readers()) < we.MERGE_FACTOR
        assert e.stats().articles == 25
        assert e.search(EngineQuery(query=qt.Term("item0"))).total == 1


def test_idle_indexes_are_closed_beyond_a_few(tmp_path: Path) -> None:
    states = []
    for i in range(we.MAX_IDLE_STATES + 2):
        d = tmp_path / f"ix{i}"
        with open_writer(d, engine="whoosh") as w:
            w.add(arts(1))
            w.commit()
        with open_engine(d) as e:
            states.append(e.state)
    assert states[0].closed and states[1].closed
    assert not states[-1].closed  # recently used: kept open for the next handle
    with open_engine(tmp_path / "ix0") as e:  # a closed one reopens on demand
        assert e.stats().articles == 1
