"""Hostile and broken input files: every case in one archive, each with its expected outcome
(indexed, or skipped and reported by its reason), while every valid file around them is
indexed. Both engines, the real indexer; the CLI summary and memory in a subprocess."""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
from pathlib import Path

import pytest
from reliability_support import PYTHON, child_env, inspect_index

from newsearch.engine import EngineQuery, open_engine
from newsearch.indexer import EXIT_PARTIAL, storable_path, update_index
from newsearch.querytree import MatchAll, Term

BODY = ("The harbour authority said on Monday that the new pier would open next spring "
        "after repairs to the sea wall.")
HUGE = 5 * 2**30
"""A sparse file this large is skipped by its size, never read (reading it would take
gigabytes of memory and many seconds)."""


def story(title: str, body: str = BODY, date: str = "2022-05-04") -> str:
    return f"{title}\nDate: {date}\nSource: Harbor Gazette\n\n{body}\n"


def build_archive(root: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """Write every hostile case. Returns ``(indexed, skipped)``: file name -> expectations
    of what the index holds for it, and file name -> skip reason."""
    root.mkdir(parents=True)
    indexed: dict[str, dict] = {}
    skipped: dict[str, str] = {}

    def ok(name: str, data: bytes | str, **expect: object) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        indexed[name] = expect

    def bad(name: str, data: bytes | str, reason: str) -> None:
        path = root / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        skipped[name] = reason

    # Valid files around the hostile ones.
    for i in range(5):
        ok(f"valid-{i}.txt", story(f"Valid harbour story {i}"), title=f"Valid harbour story {i}",
           published="2022-05-04")
    # Encodings.
    ok("cp1252.txt", story("Caf\u00e9 owners protest \u2014 again",
                           "The caf\u00e9 owners said prices rose. " + BODY).encode("cp1252"),
       title="Caf\u00e9 owners protest \u2014 again")
    ok("invalid-utf8.txt", story("Bad bytes story", "Stra\u00dfe in M\u00fcnchen. " + BODY)
       .encode("latin-1") + b"\x81\x8d more text\n", title="Bad bytes story")
    ok("utf16.txt", story("Sixteen bit story").encode("utf-16"), title="Sixteen bit story")
    # Missing parts and bad dates.
    ok("no-title.json", json.dumps({"text": BODY, "date": "2022-03-01"}),
       title_startswith="The harbour authority said")
    ok("no-date.txt", f"Undated pier story\n\n{BODY}\n", title="Undated pier story",
       published=None)
    ok("impossible-date.txt", story("Impossible date story", date="31/02/2022"),
       title="Impossible date story", published=None)
    ok("future-date.txt", story("Far future story", date="2999-01-01"),
       title="Far future story", published=None)
    # Duplicates: both indexed, one hit when collapsed.
    ok("dup-a.txt", story("Twin harbour story", "Twin text. " + BODY), title="Twin harbour story")
    ok("dup-b.txt", story("Twin harbour story", "Twin text. " + BODY), title="Twin harbour story")
    # Odd names.
    ok("name with  spaces (1).txt", story("Spaces in the name"), title="Spaces in the name")
    ok("new\nline.txt", story("Newline in the name"), title="Newline in the name")
    ok("caf\u00e9 \u65b0\u805e.txt", story("Unicode in the name"), title="Unicode in the name")
    ok("l" * 240 + ".txt", story("A very long name"), title="A very long name")
    ok("folder.txt/inner.txt", story("Inside a folder named like a file"),
       title="Inside a folder named like a file")
    raw_name = os.fsencode(str(root)) + b"/bytes-\xff\xfe-name.txt"
    with open(raw_name, "wb") as fh:
        fh.write(story("Bytes that are not UTF-8 in the name").encode())
    indexed[os.path.basename(os.fsdecode(raw_name))] = {
        "title": "Bytes that are not UTF-8 in the name"}

    # Broken files: skipped with a reason.
    bad("binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "binary")
    bad("nul-bytes.txt", b"Title\n\n" + b"\x00" * 500, "binary")
    bad("empty.txt", b"", "empty")
    bad("blank.txt", b"  \n\n\t \n", "empty")
    bad("no-body.txt", "Only a title here\n", "no-body")
    bad("no-title.txt", f"\n\nDate: 2022-01-01\nSource: Harbor Gazette\n\n{BODY}\n", "no-title")
    bad("markup.xml", '<?xml version="1.0"?><rss><channel/></rss>', "unknown-format")
    bad("deep.json", "[" * 200_000 + "]" * 200_000, "parse-error")  # no RecursionError
    bad("deep.html", "<html><head><title>Deep</title></head><body>" + "<div>" * 100_000
        + "<p>Text at the bottom of a very deep page.</p>" + "</div>" * 100_000
        + "</body></html>", "no-body")
    with open(root / "huge.txt", "wb") as fh:
        fh.truncate(HUGE)  # sparse: takes no disk space
    skipped["huge.txt"] = "too-large"
    # A gzip bomb: 100 KB on disk, 100 MB of text inside (over the 50 MB cap).
    with gzip.open(root / "bomb.txt.gz", "wb", compresslevel=9) as gz:
        gz.write(story("A bomb").encode())
        block = b"word " * (2**20 // 5)
        for _ in range(100):
            gz.write(block)
    skipped["bomb.txt.gz"] = "too-large"
    os.symlink(".", root / "loop")
    skipped["loop"] = "symlink-loop"
    os.symlink("nowhere.txt", root / "broken-link.txt")
    skipped["broken-link.txt"] = "unreadable"
    os.mkfifo(root / "fifo.txt")  # would block a reader forever
    skipped["fifo.txt"] = "unreadable"
    if os.geteuid() != 0:  # root reads anything: chmod cannot make a file unreadable
        bad("no-permission.txt", story("Locked story"), "unreadable")
        (root / "no-permission.txt").chmod(0)
    (root / "vanishes.txt").write_text(story("Story deleted during the run"))
    skipped["vanishes.txt"] = "vanished"
    return indexed, skipped


def _by_name(summary_skipped: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    return {os.path.basename(path): reason
            for reason, items in summary_skipped.items() for path, _ in items}


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_every_hostile_file_is_reported_and_every_valid_one_indexed(
        engine: str, tmp_path: Path) -> None:
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    archive = tmp_path / "archive"
    indexed, skipped = build_archive(archive)
    index_dir = tmp_path / "index"

    def delete_after_the_walk(done: int, total: int) -> None:
        # Called once the walk is over and before any file is read.
        if done == 0:
            (archive / "vanishes.txt").unlink()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = update_index([archive], index_dir, engine=engine, jobs=1,
                           progress=delete_after_the_walk)
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert summary.error is None, summary.error
    assert summary.exit_status == EXIT_PARTIAL
    assert _by_name(summary.skipped) == {storable_path(k): v for k, v in skipped.items()}
    assert summary.added == len(indexed)
    assert rss_growth_mb < 300, f"the {HUGE >> 30} GB file was read? +{rss_growth_mb:.0f} MB"

    contents = inspect_index(index_dir)
    held = {os.path.basename(p) for p in contents.per_path}
    assert held == {storable_path(name).split("/")[-1] for name in indexed}
    with open_engine(index_dir) as eng:
        res = eng.search(EngineQuery(query=MatchAll(), limit=100, collapse=False))
        by_name = {os.path.basename(h.article.path): h.article for h in res.hits}
        for name, expect in indexed.items():
            article = by_name[storable_path(name).split("/")[-1]]
            if "title" in expect:
                assert article.title == expect["title"], name
            if "title_startswith" in expect:
                assert article.title.startswith(str(expect["title_startswith"])), name
            if "published" in expect:
                got = article.published[:10] if article.published else None
                assert got == expect["published"], name
        assert "Stra\u00dfe" in by_name["invalid-utf8.txt"].body
        # Duplicates: two articles, one hit when collapsed, the other listed as duplicate.
        twins = eng.search(EngineQuery(query=Term("twin"), collapse=True))
        assert twins.total == 1 and len(twins.hits[0].duplicates) == 1

    # The next run: nothing changed, nothing re-read (odd names included).
    again = update_index([archive], index_dir, jobs=1)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged == len(indexed)


def test_cli_summary_lists_every_reason(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _, skipped = build_archive(archive)
    (archive / "vanishes.txt").unlink()  # no hook in a subprocess: gone before the walk
    del skipped["vanishes.txt"]
    proc = subprocess.run([PYTHON, "-m", "newsearch.cli", "index", str(archive), "--index",
                           str(tmp_path / "index"), "--jobs", "2"],
                          capture_output=True, text=True, env=child_env(), timeout=300)
    assert proc.returncode == EXIT_PARTIAL, proc.stderr
    assert "Traceback" not in proc.stderr
    for reason in set(skipped.values()):
        count = sum(1 for r in skipped.values() if r == reason)
        assert f"[{reason}]: {count}" in proc.stderr, (reason, proc.stderr)


def _indexer_peak_rss_mb(folder: Path, index_dir: Path, max_bytes: int) -> float:
    """Peak RSS of a real indexer process (parsing in-process: --jobs 1) over ``folder``."""
    code = (
        "import resource, sys\n"
        "from newsearch.cli import main\n"
        "try:\n"
        f"    main(['index', {str(folder)!r}, '--index', {str(index_dir)!r}, '--jobs', '1',"
        " '--quiet'])\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, status)\n"
    )
    env = child_env()
    env["NEWSEARCH_MAX_FILE_BYTES"] = str(max_bytes)
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RSS")][-1]
    _, kb, status = line.split()
    assert status in ("0", "1"), proc.stderr
    return int(kb) / 1024


def test_memory_stays_bounded_for_a_file_just_under_the_cap(tmp_path: Path) -> None:
    cap = 2 * 2**20
    small = tmp_path / "small"
    small.mkdir()
    (small / "a.txt").write_text(story("A small story"))
    big = tmp_path / "big"
    big.mkdir()
    paragraph = ("The harbour authority met again on Monday to discuss the pier, the sea wall "
                 "and the ferry timetable for the coming spring season. ")
    text = story("A very long story", "\n\n".join([paragraph * 4] * 20000))
    data = text.encode()[: cap - 1024]
    (big / "long.txt").write_bytes(data)
    assert cap - 2048 < len(data) < cap
    with open(big / "over-cap.txt", "wb") as fh:
        fh.truncate(HUGE)
    base = _indexer_peak_rss_mb(small, tmp_path / "ix-small", cap)
    peak = _indexer_peak_rss_mb(big, tmp_path / "ix-big", cap)
    size_mb = len(data) / 2**20
    # Whoosh holds the text, its tokens and postings a few times over: a bound of 40x the
    # file (80 MB here) still catches reading the 5 GB file or an unbounded buffer.
    assert peak - base < 40 * size_mb, f"{base:.0f} MB -> {peak:.0f} MB for {size_mb:.1f} MB"
    with open_engine(tmp_path / "ix-big") as eng:
        assert eng.stats().articles == 1
