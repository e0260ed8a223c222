"""Indexing under faults: a real ``newsearch index`` killed with SIGKILL at random moments.

Each engine: a generated archive (single-article text files and five-article JSON Lines
files), then several runs of the real CLI in a subprocess, each killed (its whole process
group, parser workers included) after a seeded random delay, so kills land while parsing,
adding, committing or merging. After every kill the index must open and hold:

- at least every article of every commit that was seen visible before the kill (a watcher
  thread polls the index with the real engine while the indexer runs);
- no duplicate ids and no duplicate ``(path, position)``;
- only whole files (a file's articles are all there or none: commits happen at file
  boundaries), and only files of the archive.

A final uninterrupted run then completes with the exact expected count and no manual clean-up.
The long version (20+ kills) is ``scripts/crash_test.py``.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import pytest
from reliability_support import (
    crash_run,
    final_run,
    inspect_index,
    leftovers,
    make_archive,
    orphan_segments,
)

CASES = {
    # engine: (articles, batch size)
    "whoosh": (300, 30),
    "tantivy": (1000, 100),
}
#: Kill delays are drawn from this share of a measured uninterrupted run of the same archive,
#: so kills land in the middle of real work however fast or loaded the machine is.
KILL_WINDOW = (0.35, 0.9)
KILLS = 3


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(
        engine: str, tmp_path: Path) -> None:
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    n_articles, batch = CASES[engine]
    archive = tmp_path / "archive"
    expected = make_archive(archive, n_articles, seed=7)
    assert sum(expected.values()) == n_articles
    started = time.monotonic()
    calibration = final_run(archive, tmp_path / "calibration", engine, batch_size=batch)
    duration = time.monotonic() - started
    assert calibration.returncode == 0, calibration.stderr
    lo, hi = (share * duration for share in KILL_WINDOW)
    index_dir = tmp_path / "index"
    rng = random.Random(f"crash-{engine}")
    floor = 0
    killed = attempts = 0
    while killed < KILLS and attempts < 3 * KILLS:
        attempts += 1
        report = crash_run(archive, index_dir, engine, expected, delay=rng.uniform(lo, hi),
                           batch_size=batch, floor=floor)
        assert report.opened, report.error
        assert report.killed or report.returncode == 0, report.stderr
        assert report.lost == 0, report
        assert report.duplicate_ids == 0 and report.duplicate_pairs == 0, report
        assert not report.partial_files, report.partial_files[:5]
        assert not report.unknown_paths, report.unknown_paths[:5]
        if report.killed:
            killed += 1
            floor = max(floor, report.articles)
        else:
            # A fast machine finished the run before its kill: start again from an empty
            # index with earlier kills, so that every kill lands in the middle of real work.
            assert report.articles == n_articles
            shutil.rmtree(index_dir)
            floor = 0
            hi = max(lo + 0.3, (lo + hi) / 2)
    assert killed == KILLS, "the runs kept finishing before their kills"
    result = final_run(archive, index_dir, engine, batch_size=batch)
    assert result.returncode == 0, result.stderr
    contents = inspect_index(index_dir)
    assert contents.articles == n_articles
    assert contents.duplicate_ids == 0 and contents.duplicate_pairs == 0
    assert dict(contents.per_path) == expected
    if engine == "whoosh":
        assert leftovers(index_dir) == [], "the next run cleans what a killed writer left"
        assert orphan_segments(index_dir) == []
    # And one more run has nothing to do.
    again = final_run(archive, index_dir, engine, batch_size=batch)
    assert again.returncode == 0, again.stderr
    assert f"0 added, 0 updated, {len(expected)} unchanged" in again.stdout
