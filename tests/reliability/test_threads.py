"""Searches run concurrently in one process (gunicorn's threaded workers): shared state must
be thread-safe. The load test found two races that were 500s for the user: the Snowball
stemmer keeps the word being stemmed in the stemmer object (two threads stemming at once
gave wrong stems or an IndexError), and a lazily built per-commit cache of the Whoosh engine
was visible before it was complete."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from reliability_support import VOCABULARY, generated_articles

from newsearch import analysis
from newsearch.engine import EngineQuery, open_engine, open_writer
from newsearch.query import parse_query


def test_stemming_from_many_threads_gives_the_same_stems() -> None:
    words = [w + suffix for w in VOCABULARY for suffix in ("", "ing", "ations", "ness")]
    expected = {w: analysis.stem(w) for w in words}
    errors: list[str] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        start.wait()
        for _ in range(3):
            analysis.stem.cache_clear()  # make every call really stem
            for w in words[offset:] + words[:offset]:
                try:
                    got = analysis.stem(w)
                except Exception as exc:  # noqa: BLE001 - what the race raised
                    errors.append(f"{w}: {type(exc).__name__}: {exc}")
                    continue
                if got != expected[w]:
                    errors.append(f"{w}: {got!r} != {expected[w]!r}")

    threads = [threading.Thread(target=work, args=(i * 997,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], f"{len(errors)} wrong stems, e.g. {errors[:3]}"


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_concurrent_first_searches_on_each_new_commit(engine_name: str, tmp_path: Path) -> None:
    """Like a threaded server right after a commit: 8 threads search one engine handle at
    the same moment, when every per-commit cache is still empty. Each must get the answer a
    lone search gets (the load test found a 500 here: lazily built per-field arrays)."""
    if engine_name == "tantivy":
        pytest.importorskip("tantivy")
    articles = generated_articles(300, seed=9)
    index_dir = tmp_path / "index"
    with open_writer(index_dir, engine=engine_name) as writer:
        writer.add(articles[:250])
        writer.commit()
    queries = [parse_query(q) for q in ("ka", "ve lo", "mi OR ra", "zzcode1*", "ka -ve",
                                        '"ka lo"', "date:[2015 TO 2020]", "title:report")]
    errors: list[str] = []

    def work(engine, t: int, barrier: threading.Barrier,  # noqa: ANN001
             results: dict[tuple[int, int], int]) -> None:
        barrier.wait()
        for k in range(len(queries)):
            qi = (t + k) % len(queries)
            try:
                results[(t, qi)] = engine.search(EngineQuery(
                    query=queries[qi], limit=5, facets=("people", "year"))).total
            except Exception as exc:  # noqa: BLE001 - what the race raised
                errors.append(f"{type(exc).__name__}: {exc}")

    with open_engine(index_dir) as engine:
        for round_no in range(5):
            with open_writer(index_dir) as writer:  # a new commit: fresh caches
                writer.add(articles[250 + round_no * 10:260 + round_no * 10])
                writer.commit()
            engine.refresh()
            results: dict[tuple[int, int], int] = {}
            barrier = threading.Barrier(8)
            threads = [threading.Thread(target=work, args=(engine, t, barrier, results))
                       for t in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            alone = [engine.search(EngineQuery(query=node, limit=5)).total for node in queries]
            for (_t, qi), total in results.items():
                assert total == alone[qi], (round_no, qi, total, alone[qi])
    assert errors == [], errors[:3]


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_refresh_never_closes_a_commit_another_thread_is_reading(engine_name: str,
                                                                tmp_path: Path) -> None:
    """The app shares one engine handle between a worker's threads and refreshes it per
    request: a refresh must not close the commit that a search in another thread is still
    reading (the load test found ReaderClosed / 'I/O operation on closed file' 500s)."""
    if engine_name == "tantivy":
        pytest.importorskip("tantivy")
    articles = generated_articles(400, seed=13)
    index_dir = tmp_path / "index"
    with open_writer(index_dir, engine=engine_name) as writer:
        writer.add(articles[:200])
        writer.commit()
    errors: list[str] = []
    stop = threading.Event()
    queries = [parse_query(q) for q in ("ka", "ve OR lo", "report", "zzcode1*")]

    def searcher(engine) -> None:  # noqa: ANN001
        i = 0
        while not stop.is_set():
            try:
                res = engine.search(EngineQuery(query=queries[i % len(queries)], limit=20,
                                                facets=("people",)))
                assert len(res.hits) <= 20
                for hit in res.hits[:3]:
                    engine.get(hit.article.id)
            except Exception as exc:  # noqa: BLE001 - what the race raised
                errors.append(f"{type(exc).__name__}: {exc}")
            i += 1

    with open_engine(index_dir) as engine:
        threads = [threading.Thread(target=searcher, args=(engine,)) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for k in range(20):
                with open_writer(index_dir) as writer:
                    writer.add(articles[200 + k * 10:210 + k * 10])
                    writer.commit()
                engine.refresh()
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert engine.search(EngineQuery(limit=0)).total == 400
    assert errors == [], f"{len(errors)} failed searches, e.g. {errors[:3]}"
