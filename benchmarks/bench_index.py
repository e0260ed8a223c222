"""Indexing benchmark: full build and incremental no-op run, per engine and for raw tantivy.

    python -m benchmarks.gen_corpus --n 10000 --out bench-data/corpus-10000
    python -m benchmarks.bench_index --corpus bench-data/corpus-10000 --work bench-data/idx-10000

Each engine is built in its own fresh process, one after the other in the same run, with the
real indexer (``newsearch.indexer.update_index``: parsing, entity extraction in worker
processes, the engine's writer) into ``WORK/<engine>``; then the indexer runs again over the
unchanged corpus (the incremental no-op). ``raw`` indexes the same files with tantivy-py
directly (``benchmarks/raw_tantivy.py``): no parsing beyond ``json.loads``, no entities.
``tantivy-writer`` / ``whoosh-writer`` parse the files first and time the engine's writer
alone (add + commit per 500 articles): what the engine costs, without parsing and entities.
Reported: articles, seconds, articles/s, no-op seconds, index size, peak memory of the main
process and of the largest worker. The machine is shared: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from benchmarks.common import dir_size, peak_mb, ratio, run_child

ENGINES = ("whoosh", "tantivy", "raw")
"""Also accepted: ``whoosh-writer`` and ``tantivy-writer`` (the engine's writer alone)."""


def writer_only(engine: str, corpus: Path, work: Path, batch: int = 500) -> dict:
    """Parse every file first (no entity extraction: the JSON carries entities), then time
    the engine's writer alone: add in batches of ``batch`` with a commit after each."""
    from newsearch.engine import open_writer
    from newsearch.ingest import read_articles

    started = time.perf_counter()
    articles = [a for path in sorted(corpus.rglob("*")) if path.is_file()
                for a in read_articles(path)]
    parse = time.perf_counter() - started
    target = work / f"{engine}-writer"
    if target.exists():
        shutil.rmtree(target)
    started = time.perf_counter()
    with open_writer(target, engine=engine, rebuild=True) as writer:
        for start in range(0, len(articles), batch):
            writer.add(articles[start:start + batch])
            writer.commit()
    seconds = time.perf_counter() - started
    shutil.rmtree(target)
    return {"engine": f"{engine}-writer", "articles": len(articles),
            "seconds": round(seconds, 2), "articles_per_s": round(len(articles) / seconds, 1),
            "parse_seconds": round(parse, 2), "noop_seconds": None, "size_mb": 0.0,
            **peak_mb()}


def one(engine: str, corpus: Path, work: Path, jobs: int) -> dict:
    if engine.endswith("-writer"):
        return writer_only(engine.removesuffix("-writer"), corpus, work)
    target = work / engine
    if target.exists():
        shutil.rmtree(target)
    if engine == "raw":
        from benchmarks import raw_tantivy

        started = time.perf_counter()
        articles = raw_tantivy.build(corpus, target)
        seconds = time.perf_counter() - started
        noop = None
    else:
        from newsearch.indexer import update_index

        started = time.perf_counter()
        summary = update_index([corpus], target, engine=engine, rebuild=True, jobs=jobs)
        seconds = time.perf_counter() - started
        if summary.error:
            raise SystemExit(summary.error)
        articles = summary.articles
        started = time.perf_counter()
        again = update_index([corpus], target, jobs=jobs)
        noop = time.perf_counter() - started
        if again.articles or again.added or again.updated:
            raise SystemExit(f"the no-op run changed the index: {again}")
    return {"engine": engine, "articles": articles, "seconds": round(seconds, 2),
            "articles_per_s": round(articles / seconds, 1), "noop_seconds":
            round(noop, 2) if noop is not None else None,
            "size_mb": round(dir_size(target) / 2**20, 1),
            "segments": tantivy_segments(target), **peak_mb()}


def tantivy_segments(target: Path) -> list[int] | None:
    """Live documents per segment of a tantivy index under ``target`` (its ``meta.json``),
    or None (Whoosh). Queries visit every segment, so the layout shows in query times."""
    for meta in sorted(target.rglob("meta.json")):
        try:
            return [s["max_doc"] - ((s.get("deletes") or {}).get("num_deleted_docs") or 0)
                    for s in json.loads(meta.read_text("utf-8"))["segments"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="newsearch indexing benchmark")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="folder for the indexes")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--jobs", type=int, default=0, help="indexer worker processes")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.corpus.resolve(), args.work.resolve(), args.jobs)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for engine in args.engines.split(","):
        row = run_child("benchmarks.bench_index", [
            "--one", engine, "--corpus", str(args.corpus), "--work", str(args.work),
            "--jobs", str(args.jobs)])
        rows.append(row)
        print(json.dumps(row), flush=True)
    by = {r["engine"]: r for r in rows}
    print(f"\n{'engine':8} {'articles':>8} {'seconds':>8} {'art/s':>8} {'no-op s':>8} "
          f"{'size MB':>8} {'peak MB':>8} {'worker MB':>9}")
    for r in rows:
        noop = "-" if r["noop_seconds"] is None else f"{r['noop_seconds']:.2f}"
        print(f"{r['engine']:8} {r['articles']:>8} {r['seconds']:>8.1f} "
              f"{r['articles_per_s']:>8.0f} {noop:>8} {r['size_mb']:>8.1f} "
              f"{r['peak_mb']:>8.0f} {r['peak_child_mb']:>9.0f}")
    for r in rows:
        if r.get("segments"):
            print(f"{r['engine']} segments: {len(r['segments'])} ({r['segments']} documents)")
    if "tantivy" in by and "raw" in by:
        print("tantivy engine vs raw tantivy: speed "
              f"{ratio(by['tantivy']['articles_per_s'], by['raw']['articles_per_s'])}, size "
              f"{ratio(by['tantivy']['size_mb'], by['raw']['size_mb'])}")
    if "tantivy" in by and "whoosh" in by:
        print("tantivy vs whoosh: speed "
              f"{ratio(by['tantivy']['articles_per_s'], by['whoosh']['articles_per_s'])}, size "
              f"{ratio(by['tantivy']['size_mb'], by['whoosh']['size_mb'])}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), "utf-8")


if __name__ == "__main__":
    main()
