"""Incremental indexing (newsearch.indexer) on archives written by the tests, both engines."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

import newsearch.indexer as indexer
from newsearch import querytree as qt
from newsearch.engine import EngineQuery, open_engine, open_writer
from newsearch.indexer import (
    EXIT_FAILURE,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
    update_index,
)


def story(title: str, body: str, date: str = "2022-05-04", source: str = "Harbor Gazette") -> str:
    return f"{title}\nDate: {date}\nSource: {source}\n\n{body}\n"


def make_archive(root: Path, n: int = 5) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"story-{i}.txt").write_text(story(
            f"Ferry service number {i} resumes",
            f"The ferry line {i} across the bay resumed on Monday after storms. Passengers "
            f"waited for hours at the pier number {i}."), "utf-8")
    return root


def search_total(index_dir: Path, node: qt.Node) -> int:
    with open_engine(index_dir) as e:
        return e.search(EngineQuery(query=node, collapse=False)).total


def articles_in(index_dir: Path) -> int:
    with open_engine(index_dir) as e:
        return e.stats().articles


def bump(path: Path, text: str) -> None:
    """Rewrite a file so that its signature surely changes (size and mtime)."""
    st = path.stat()
    path.write_text(text, "utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive")


def test_first_run_then_nothing_to_do(archive: Path, tmp_path: Path, engine_name: str) -> None:
    ix = tmp_path / "ix"
    s = update_index([archive], ix, engine=engine_name, jobs=1)
    assert (s.added, s.updated, s.unchanged, s.removed, s.articles) == (5, 0, 0, 0, 5)
    assert s.exit_status == EXIT_OK and s.engine == engine_name
    again = update_index([archive], ix, jobs=1)
    assert (again.added, again.updated, again.unchanged, again.removed, again.articles) == (
        0, 0, 5, 0, 0)
    assert again.exit_status == EXIT_OK
    assert articles_in(ix) == 5


def test_unchanged_files_are_not_read(archive: Path, tmp_path: Path, engine_name: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ix = tmp_path / "ix"
    update_index([archive], ix, engine=engine_name, jobs=1)
    read: list[str] = []
    real = indexer.process_file

    def spy(path, **kw):  # noqa: ANN001, ANN003, ANN202
        read.append(os.path.basename(path))
        return real(path, **kw)

    monkeypatch.setattr(indexer, "process_file", spy)
    bump(archive / "story-2.txt", story("Ferry strike", "Ferry crews went on strike today."))
    s = update_index([archive], ix, jobs=1)
    assert read == ["story-2.txt"]
    assert (s.updated, s.unchanged) == (1, 4)


def test_new_changed_and_deleted_files(archive: Path, tmp_path: Path, engine_name: str) -> None:
    ix = tmp_path / "ix"
    update_index([archive], ix, engine=engine_name, jobs=1)
    (archive / "new.txt").write_text(story("Lighthouse restored", "The old lighthouse shines."))
    bump(archive / "story-1.txt", story("Ferry line closes", "The ferry line closed for good; "
                                        "the walrus colony moved in."))
    (archive / "story-3.txt").unlink()
    s = update_index([archive], ix, jobs=1)
    assert (s.added, s.updated, s.unchanged, s.removed) == (1, 1, 3, 1)
    assert s.exit_status == EXIT_OK
    assert articles_in(ix) == 5
    assert search_total(ix, qt.Term("lighthouse")) == 1
    assert search_total(ix, qt.Term("walrus")) == 1
    # The changed file's old text is gone (no duplicate), the deleted file too.
    assert search_total(ix, qt.Phrase("ferry service number 1")) == 0
    assert search_total(ix, qt.Phrase("ferry service number 3")) == 0
    with open_writer(ix) as w:
        files = w.indexed_files()
    assert str(archive / "story-3.txt") not in files
    assert files[str(archive / "story-1.txt")] == "{}:{}".format(
        (archive / "story-1.txt").stat().st_size, (archive / "story-1.txt").stat().st_mtime_ns)


def test_removal_only_under_the_walked_roots(tmp_path: Path, engine_name: str) -> None:
    a = make_archive(tmp_path / "a", 2)
    b = make_archive(tmp_path / "b", 3)
    ix = tmp_path / "ix"
    update_index([a, b], ix, engine=engine_name, jobs=1)
    (b / "story-0.txt").unlink()
    s = update_index([a], ix, jobs=1)  # b is not walked: its files stay
    assert (s.unchanged, s.removed) == (2, 0)
    assert articles_in(ix) == 5
    s = update_index([b], ix, jobs=1)
    assert (s.unchanged, s.removed) == (2, 1)
    assert articles_in(ix) == 4


def test_skip_reasons_and_partial_status(archive: Path, tmp_path: Path, engine_name: str) -> None:
    (archive / "empty.txt").write_bytes(b"")
    (archive / "binary.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (archive / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (archive / "big.txt").write_text(story("Big", "word " * 2000))
    (archive / "broken.txt.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    s = update_index([archive], tmp_path / "ix", engine=engine_name, jobs=1, max_bytes=4000)
    assert s.added == 5
    reasons = {reason: sorted(os.path.basename(p) for p, _ in items)
               for reason, items in s.skipped.items()}
    assert reasons["empty"] == ["empty.txt"]
    assert reasons["binary"] == ["binary.txt"]
    assert reasons["too-large"] == ["big.txt"]
    assert reasons["unsupported-type"] == ["photo.jpg"]
    assert reasons["parse-error"] == ["broken.txt.gz"]
    assert all(message for items in s.skipped.values() for _, message in items)
    assert s.exit_status == EXIT_PARTIAL


def test_not_article_files_alone_do_not_make_a_run_partial(archive: Path, tmp_path: Path,
                                                           engine_name: str) -> None:
    (archive / "README.md").write_text("# about this folder\n")
    s = update_index([archive], tmp_path / "ix", engine=engine_name, jobs=1)
    assert "unsupported-type" in s.skipped
    assert s.exit_status == EXIT_OK


def test_nothing_indexable_is_a_failure(tmp_path: Path, engine_name: str) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    s = update_index([bad], tmp_path / "ix", engine=engine_name, jobs=1)
    assert s.exit_status == EXIT_FAILURE
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert update_index([empty], tmp_path / "ix2", engine=engine_name, jobs=1).exit_status == \
        EXIT_FAILURE


def test_a_file_that_breaks_loses_its_old_articles(archive: Path, tmp_path: Path,
                                                   engine_name: str) -> None:
    ix = tmp_path / "ix"
    update_index([archive], ix, engine=engine_name, jobs=1)
    p = archive / "story-4.txt"
    st = p.stat()
    p.write_bytes(b"\x00" * 100)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    s = update_index([archive], ix, jobs=1)
    assert s.skipped["binary"][0][0] == str(p)
    assert s.removed == 1 and s.exit_status == EXIT_PARTIAL
    assert articles_in(ix) == 4


def test_locked_index(archive: Path, tmp_path: Path, engine_name: str) -> None:
    ix = tmp_path / "ix"
    update_index([archive], ix, engine=engine_name, jobs=1)
    with open_writer(ix):
        s = update_index([archive], ix, jobs=1)
    assert s.exit_status == EXIT_LOCKED
    assert "being written" in (s.error or "")
    assert s.added == s.unchanged == 0


def test_rebuild_reads_everything_again(archive: Path, tmp_path: Path, engine_name: str) -> None:
    ix = tmp_path / "ix"
    update_index([archive], ix, engine=engine_name, jobs=1)
    s = update_index([archive], ix, rebuild=True, jobs=1)
    assert (s.added, s.unchanged, s.articles) == (5, 0, 5)
    assert articles_in(ix) == 5


def test_batches_commit_at_file_boundaries(tmp_path: Path, engine_name: str) -> None:
    root = make_archive(tmp_path / "a", 3)
    lines = "\n".join(json.dumps({"title": f"Wire {i}", "date": f"2021-02-0{i + 1}",
                                  "text": f"Short wire story number {i} about tides."})
                      for i in range(4))
    (root / "wires.jsonl").write_text(lines + "\n")
    with gzip.open(root / "packed.txt.gz", "wt") as fh:
        fh.write(story("Packed story", "A gzipped story about tides."))
    ix = tmp_path / "ix"
    s = update_index([root], ix, engine=engine_name, jobs=1, batch_size=2)
    assert s.exit_status == EXIT_OK and s.articles == 8
    assert articles_in(ix) == 8
    assert search_total(ix, qt.Term("tides")) == 5


def test_parallel_parsing_gives_the_same_index(tmp_path: Path, engine_name: str) -> None:
    root = make_archive(tmp_path / "a", 24)
    s1 = update_index([root], tmp_path / "ix1", engine=engine_name, jobs=1)
    s2 = update_index([root], tmp_path / "ix2", engine=engine_name, jobs=2)
    assert s1.articles == s2.articles == 24
    for node in (qt.Term("ferry"), qt.Phrase("pier number 7"), qt.Phrase("the bay"),
                 qt.Phrase("at the pier"), qt.Phrase("line 7")):
        assert search_total(tmp_path / "ix1", node) == search_total(tmp_path / "ix2", node)
    # Phrases with a common word (the tantivy engine's pairs, made in the parser processes).
    assert search_total(tmp_path / "ix2", qt.Phrase("the bay")) == 24
    assert search_total(tmp_path / "ix2", qt.Phrase("bay the")) == 0


def test_progress_callback(archive: Path, tmp_path: Path, engine_name: str) -> None:
    calls: list[tuple[int, int]] = []
    update_index([archive], tmp_path / "ix", engine=engine_name, jobs=1,
                 progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)


@pytest.mark.slow
@pytest.mark.corpus
def test_whole_reuters_collection(shared_dir: Path, tmp_path: Path) -> None:
    """All 21,578 Reuters-21578 stories, end to end (minutes: NEWSEARCH_SLOW=1 to run)."""
    sgm = sorted((shared_dir / "corpora" / "reuters21578").glob("reut2-*.sgm"))
    if len(sgm) != 22:
        pytest.skip("the Reuters-21578 SGML files are not all there")
    ix = tmp_path / "ix"
    s = update_index(sgm, ix, engine="whoosh")
    # 21,578 stories; one (NEWID 12793) has neither title nor text and is skipped by ingest.
    assert s.error is None and s.added == 22 and s.articles == 21577, s
    again = update_index(sgm, ix, engine="whoosh")
    assert (again.unchanged, again.articles) == (22, 0)
    with open_engine(ix) as e:
        assert e.stats().articles == 21577
        r = e.search(EngineQuery(query=qt.Term("coffee"), facets=("places",)))
        assert r.total > 50 and r.facets["places"]


def test_parser_tasks_are_cut_by_bytes(tmp_path: Path) -> None:
    """Ten big JSON Lines files must not share one parser task (one worker would parse them
    all while the others wait); small files are grouped; order and coverage are kept."""
    paths = []
    for i in range(10):
        big = tmp_path / f"feed-{i}.jsonl"
        big.write_bytes(b"x" * (indexer.CHUNK_BYTES + 10))
        paths.append(str(big))
    for i in range(40):
        small = tmp_path / f"page-{i:02d}.txt"
        small.write_bytes(b"y" * 1000)
        paths.append(str(small))
    tasks = indexer._chunks(paths, jobs=2)
    assert all(size == sum(os.path.getsize(p) for p in part) for part, size in tasks)
    parts = [part for part, _ in tasks]
    assert [p for part in parts for p in part] == paths
    assert all(len(part) == 1 for part in parts[:10])
    assert all(len(part) <= indexer.CHUNK_FILES for part in parts)
    assert len(parts) > 10  # the small files are not one task either
    # A small archive is still spread over the workers.
    few = paths[10:18]
    assert len(indexer._chunks(few, jobs=2)) >= 2


def test_engine_default_batch_when_none_is_named(tmp_path: Path, engine_name: str) -> None:
    root = make_archive(tmp_path / "a", 6)
    s = update_index([root], tmp_path / "ix", engine=engine_name, jobs=1, batch_size=0)
    assert s.exit_status == EXIT_OK and s.articles == 6
    with open_writer(tmp_path / "ix") as writer:
        assert writer.default_batch >= 500


def test_collector_thresholds_raised_for_the_run_then_restored(archive: Path, tmp_path: Path,
                                                               engine_name: str) -> None:
    import gc

    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    summary = update_index([archive], tmp_path / "idx", engine=engine_name, jobs=1,
                           progress=lambda done, total: seen.append(gc.get_threshold()))
    assert summary.articles and not summary.error
    assert seen and set(seen) == {indexer.INDEXING_GC_THRESHOLDS}
    assert gc.get_threshold() == before != indexer.INDEXING_GC_THRESHOLDS


def _priorities(paths: list[str], *args: object) -> list[int]:
    """A parser task (module level, so that it reaches the worker processes): the niceness
    of the process that ran it, per file."""
    return [os.nice(0) for _ in paths]


def test_parser_processes_run_below_the_writer(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser processes yield the CPU to the process that writes the index."""
    monkeypatch.setattr(indexer, "process_chunk", _priorities)
    paths = [str(p) for p in make_archive(tmp_path / "a", 8).iterdir()]
    mine = os.nice(0)
    seen = set(indexer.parse_files(paths, jobs=2))
    assert seen == {min(19, mine + indexer.PARSER_NICE)}
    assert mine == 19 or seen != {mine}
    assert os.nice(0) == mine


@pytest.mark.parametrize("jobs", [1, 2])
def test_json_feed_with_a_lone_surrogate_escape(tmp_path: Path, engine_name: str,
                                                jobs: int) -> None:
    """A JSON escape of half a UTF-16 pair (no text) once made tantivy fail the run."""
    root = tmp_path / "a"
    root.mkdir()
    (root / "feed.jsonl").write_text(
        '{"title": "Broken \\ud800 escape", "text": "Harbour cranes \\udfff stood still."}\n'
        '{"title": "Quiet day", "text": "Harbour cranes moved again."}\n', "utf-8")
    make_archive(root, 3)
    s = update_index([root], tmp_path / "ix", engine=engine_name, jobs=jobs)
    assert s.exit_status == EXIT_OK and s.articles == 5 and not s.skipped
    assert search_total(tmp_path / "ix", qt.Term("cranes")) == 2


def test_a_new_tantivy_index_learns_its_pair_words_from_files_across_the_archive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample the writer learns from is spread over the archive, not its first files."""
    te = pytest.importorskip("newsearch.engine.tantivy_engine")
    monkeypatch.setattr(te, "PAIR_SAMPLE", 8)  # eight files of one article, four of each
    root = tmp_path / "a"
    root.mkdir()
    for i in range(40):
        word = "harbour" if i < 20 else "kestrel"
        (root / f"story-{i:02d}.txt").write_text(story(
            f"Story {i}", f"The {word} was quiet on the day of story {i}."), "utf-8")
    s = update_index([root], tmp_path / "ix", engine="tantivy", jobs=1)
    assert s.exit_status == EXIT_OK and s.articles == 40
    assert {"harbour", "kestrel"} <= te._read_pair_words(tmp_path / "ix")
    assert search_total(tmp_path / "ix", qt.Phrase("the kestrel")) == 20
    assert indexer._spread(8) == [0, 4, 2, 6, 1, 5, 3, 7]
    assert sorted(indexer._spread(41)) == list(range(41))
