"""Parsing and entity extraction benchmark: what one parser process does per article.

    python -m benchmarks.bench_parse --files 'bench-data/corpus-10000/feeds/*.jsonl' --limit 3
    python -m benchmarks.bench_parse --files '../shared/corpora/bbc-news/*/*.txt' --limit 600

Runs ``newsearch.pipeline.process_file`` (reading, parsing, entity extraction; with
``--engine`` also the engine writer's preparation that the indexer runs in the parser
processes: ``tantivy`` the document fields, ``whoosh`` the pre-analysed postings) over the
files in this one process: one pass to warm the caches, then ``--repeat`` timed passes.
Reports articles per second of CPU time (``time.process_time``: what one core does, whatever
else the machine runs) and of wall time, and with ``--profile`` the top of a cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import glob
import json
import pstats
import time
from collections.abc import Callable
from pathlib import Path

from newsearch.article import Article
from newsearch.pipeline import process_file


def _prepare(engine: str, files: list[str]) -> tuple[bool, Callable[[Article], object] | None]:
    """What the indexer asks of its parser processes for this engine's writer (as
    ``newsearch.indexer`` reads them: ``accepts_analysis`` and ``prepare``; tantivy's with
    the pair words a new index would learn from these files)."""
    if not engine:
        return False, None
    if engine == "tantivy":
        from newsearch.engine import tantivy_engine as te
        from newsearch.indexer import _sample

        words = te.learn_pair_words(_sample(files, te.PAIR_SAMPLE, date_order="mdy",
                                            max_bytes=50 * 2**20))
        return False, functools.partial(te.prepare, pairable=te.COMMON | words)
    from newsearch.engine.whoosh_engine import WhooshWriter as writer

    return bool(getattr(writer, "accepts_analysis", False)), getattr(writer, "prepare", None)


def run(files: list[str], engine: str = "", repeat: int = 3) -> dict:
    analyze_text, prepare = _prepare(engine, files)

    def one_pass() -> int:
        return sum(len(process_file(f, analyze_text=analyze_text, prepare=prepare).articles)
                   for f in files)

    articles = one_pass()  # warm-up: caches, imports
    cpu = wall = 0.0
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        one_pass()
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
    return {"files": len(files), "articles": articles, "engine": engine or "none",
            "repeat": repeat, "cpu_articles_per_s": round(articles * repeat / cpu, 1),
            "wall_articles_per_s": round(articles * repeat / wall, 1),
            "cpu_ms_per_article": round(cpu / (articles * repeat) * 1000, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", required=True, help="a glob of article files")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (sorted)")
    ap.add_argument("--engine", choices=["", "whoosh", "tantivy"], default="",
                    help="also the engine writer's preparation done in the parser processes")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print the top of a cProfile")
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args(argv)
    files = sorted(glob.glob(args.files))
    if args.limit:
        files = files[:args.limit]
    if not files:
        raise SystemExit(f"no files match {args.files}")
    result = run(files, args.engine, args.repeat)
    print(json.dumps(result))
    if args.profile:
        analyze_text, prepare = _prepare(args.engine, files)
        profile = cProfile.Profile()
        profile.enable()
        for f in files:
            process_file(f, analyze_text=analyze_text, prepare=prepare)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
