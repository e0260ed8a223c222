"""Crash test, long version: SIGKILL a real ``newsearch index`` many times, check every time.

Generates an archive of small articles (made-up words; some files hold five articles), then
runs ``python -m newsearch.cli index`` in a subprocess again and again, killing its whole
process group (parser workers too) with SIGKILL after a seeded random delay. After every kill
the index is opened with the real engine and checked:

- it opens;
- it holds at least every article of every commit seen visible before the kill (a watcher
  thread polls the index while the indexer runs): "lost" counts the missing ones;
- no duplicate article ids and no duplicate (path, position);
- every file is all there or not at all, and only archive files are there.

Finally an uninterrupted run must complete with exactly the expected number of articles.

    .venv/bin/python scripts/crash_test.py --engine whoosh --kills 25
    .venv/bin/python scripts/crash_test.py --engine tantivy --kills 25 --articles 5000

Exit status 0 when every check passed. The helpers live in
``tests/reliability/reliability_support.py`` (the suite runs a short version of this).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "reliability"))
sys.path.insert(0, str(REPO))

from reliability_support import (  # noqa: E402
    crash_run,
    final_run,
    inspect_index,
    leftovers,
    make_archive,
    orphan_segments,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", choices=["whoosh", "tantivy"], default="whoosh")
    ap.add_argument("--kills", type=int, default=25)
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--min-delay", type=float, default=2.0)
    ap.add_argument("--max-delay", type=float, default=14.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--work", type=Path, default=None,
                    help="working folder (default: a temporary one, removed at the end)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newsearch-crash-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        archive, index_dir = work / "archive", work / "index"
        expected = make_archive(archive, args.articles, seed=args.seed)
        rng = random.Random(args.seed)
        print(f"engine {args.engine}: {args.articles} articles in {len(expected)} files, "
              f"batch size {args.batch_size}, {args.kills} kills", flush=True)
        started = time.perf_counter()
        opened = killed = lost = duplicates = partial = unknown = failures = 0
        floor = 0
        runs = 0
        while killed < args.kills:
            delay = rng.uniform(args.min_delay, args.max_delay)
            report = crash_run(archive, index_dir, args.engine, expected, delay=delay,
                               batch_size=args.batch_size, jobs=args.jobs, floor=floor)
            runs += 1
            opened += report.opened
            lost += report.lost
            duplicates += report.duplicate_ids + report.duplicate_pairs
            partial += len(report.partial_files)
            unknown += len(report.unknown_paths)
            floor = max(floor, report.articles)
            print(f"  run {runs:3d}: {'killed' if report.killed else 'finished'} after "
                  f"{delay:4.1f} s; index opens: {report.opened}; articles {report.articles:5d} "
                  f"(seen committed before the kill: {report.max_seen}); lost {report.lost}; "
                  f"duplicates {report.duplicate_ids + report.duplicate_pairs}; "
                  f"leftovers {report.leftovers or '-'} {report.error}", flush=True)
            if report.killed:
                killed += 1
            elif report.returncode != 0:
                print(f"  run ended by itself with exit status {report.returncode}: "
                      f"{report.stderr.strip()[-500:]}")
                failures += 1
            else:
                # The run finished before the kill: start over on a fresh index so that the
                # remaining kills land in the middle of real work again.
                print("  (run completed before its kill; rebuilding from an empty index)")
                import shutil

                shutil.rmtree(index_dir, ignore_errors=True)
                floor = 0
        result = final_run(archive, index_dir, args.engine, batch_size=args.batch_size,
                           jobs=args.jobs)
        contents = inspect_index(index_dir)
        final_ok = (result.returncode == 0 and contents.articles == args.articles
                    and dict(contents.per_path) == expected and not contents.duplicate_ids
                    and not contents.duplicate_pairs)
        rest = leftovers(index_dir)
        if args.engine == "whoosh":
            rest += orphan_segments(index_dir)
        seconds = time.perf_counter() - started
        print(f"opened {opened} of {runs}, articles lost {lost}, duplicates {duplicates}, "
              f"partial files {partial}, unknown files {unknown}, failed runs {failures}")
        print(f"final run: exit {result.returncode}, {contents.articles} of {args.articles} "
              f"articles, duplicate ids {contents.duplicate_ids}, duplicate (path, position) "
              f"{contents.duplicate_pairs}, leftovers (temp files, orphan segments) "
              f"{rest or 'none'}; "
              f"{'OK' if final_ok else 'FAILED'} ({seconds:.0f} s in all)")
        ok = (opened == runs and not lost and not duplicates and not partial and not unknown
              and not failures and final_ok and not rest)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
