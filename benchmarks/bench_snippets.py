"""Snippet micro-benchmark: ``newsearch.snippets.snippet`` before and after, in the same run.

    .venv/bin/python -m benchmarks.bench_snippets [--before REV] [--repeat 7]
    .venv/bin/python -m benchmarks.bench_snippets --index bench-data/idx-10000/tantivy

"Before" is ``newsearch/snippets.py`` as of git revision REV (default: the commit before the
fast path, ``FAST_PATH_PARENT``), loaded from a temporary file with importlib; "after" is the
working tree's module. Both run on the same inputs, one after the other, and the ratio is
printed (the machine is shared: compare ratios, not absolute times).

Inputs (deterministic, from ``benchmarks.gen_corpus``): the bodies of 10 generated articles of
500-900 words (one call per hit, as ``search()`` makes for a page of 10 hits), and one body of
about 1 MB (generated bodies joined). Queries: one word, a word in every sentence (``the``),
three words, a phrase, a prefix.
Reported per query: milliseconds per call (median of the repeats) for the 10 hits (per hit) and
for the 1 MB body, before and after scanning the same characters (the old module scanned the
first 300,000 characters of a body), with the ratio; then after, scanning ``SCAN_CHARS`` (the
new default). The outputs of before and after are compared on every input (a difference is
printed).

With ``--index`` (an index ``bench_index`` built), it also runs ``newsearch.search.search()``
over the query mix (``benchmarks/queries.py``) with the old and with the new snippet maker,
alternately, and prints search() p50/p95 and the share of its time spent in snippets and titles.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from benchmarks.common import REPO, ratio
from benchmarks.gen_corpus import generate, vocabulary
from newsearch import snippets as new_snippets
from newsearch.query import parse_query
from newsearch.querytree import Node

FAST_PATH_PARENT = "998e2ce"
"""The last commit with the tokenise-everything snippet maker."""


def load_old(rev: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{rev}:newsearch/snippets.py"], cwd=REPO,
                            check=True, capture_output=True, text=True).stdout
    tmp = Path(tempfile.mkdtemp()) / "old_snippets.py"
    tmp.write_text(source)
    spec = importlib.util.spec_from_file_location("old_snippets", tmp)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_snippets"] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def inputs() -> tuple[list[str], str, dict[str, str]]:
    records = list(generate(400))
    hits = [r["maintext"] for r in records if 500 <= len(r["maintext"].split()) <= 900][:10]
    big_parts: list[str] = []
    size = 0
    for r in records:
        big_parts.append(r["maintext"])
        size += len(r["maintext"]) + 2
        if size >= 1_000_000:
            break
    big = "\n\n".join(big_parts)
    vocab = vocabulary()
    words = hits[0].split()
    middle = len(words) // 2
    phrase = " ".join(w.strip(".,;:") for w in words[middle:middle + 2])
    queries = {
        "one word": vocab[50],
        "common word": "the",
        "three words": f"{vocab[50]} {vocab[400]} {vocab[3000]}",
        "phrase": f'"{phrase}"',
        "prefix": vocab[60][:3] + "*",
    }
    return hits, big, queries


def per_call_ms(module: ModuleType, bodies: list[str], node: Node, repeat: int) -> float:
    """Median over ``repeat`` runs of the milliseconds per ``module.snippet`` call."""
    module.snippet(bodies[0], node)  # warm the caches (stems, regex)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for body in bodies:
            module.snippet(body, node)
        times.append((time.perf_counter() - t0) * 1000 / len(bodies))
    return statistics.median(times)


def search_share(old: ModuleType, index: Path, repeat: int) -> None:
    """search() over the query mix with the old and the new snippet functions, in turn."""
    import newsearch.search as search_module
    from benchmarks.common import percentile
    from benchmarks.queries import query_mix
    from newsearch.engine import open_engine

    engine = open_engine(index)
    mix = query_mix()
    spent = [0.0]

    def timed(fn: Callable[..., str]) -> Callable[..., str]:
        def wrapper(*args: object, **kwargs: object) -> str:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started
        return wrapper

    print(f"search() over the query mix on {index} ({len(mix)} requests x {repeat}):")
    saved = search_module.snippet, search_module.highlight_title
    try:
        for label, module in (("before", old), ("after", new_snippets)) * 2:
            search_module.snippet = timed(module.snippet)
            search_module.highlight_title = timed(module.highlight_title)
            for _, _, req in mix:  # warm-up
                search_module.search(engine, search_module.SearchRequest(**req))
            spent[0] = 0.0
            samples = []
            for _ in range(repeat):
                for _, _, req in mix:
                    started = time.perf_counter()
                    search_module.search(engine, search_module.SearchRequest(**req))
                    samples.append((time.perf_counter() - started) * 1000)
            print(f"  {label:<6} p50 {percentile(samples, 50):6.2f} ms  p95 "
                  f"{percentile(samples, 95):6.2f} ms  snippets and titles "
                  f"{spent[0] * 1000 / sum(samples):4.0%} of search() time")
    finally:
        search_module.snippet, search_module.highlight_title = saved
        engine.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=FAST_PATH_PARENT, help="git revision of 'before'")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--index", type=Path, help="also time search() on this index")
    args = parser.parse_args(argv)
    old = load_old(args.before)
    hits, big, queries = inputs()
    print(f"10 hits of {min(len(h.split()) for h in hits)}-{max(len(h.split()) for h in hits)} "
          f"words; big body {len(big):,} chars; before scans {old.SCAN_CHARS:,} chars, after "
          f"{new_snippets.SCAN_CHARS:,}")
    print(f"{'query':<12} {'text':<30} {'input':<8} {'before ms':>10} {'after ms':>9} "
          f"{'ratio':>8} {'after, full scan ms':>19}")
    full_scan = new_snippets.SCAN_CHARS
    for label, q in queries.items():
        node = parse_query(q)
        for name, bodies in (("per hit", hits), ("1 MB", [big])):
            times = []
            new_snippets.SCAN_CHARS = old.SCAN_CHARS  # the same work as before
            same = [old.snippet(b, node) == new_snippets.snippet(b, node) for b in bodies]
            for module in (old, new_snippets):
                times.append(per_call_ms(module, bodies, node, args.repeat))
            new_snippets.SCAN_CHARS = full_scan
            times.append(per_call_ms(new_snippets, bodies, node, args.repeat))
            note = "" if all(same) else f"  (outputs differ on {same.count(False)} bodies)"
            print(f"{label:<12} {q:<30} {name:<8} {times[0]:>10.3f} {times[1]:>9.3f} "
                  f"{ratio(times[0], times[1]):>8} {times[2]:>19.3f}{note}")
    sys.stdout.flush()
    if args.index:
        search_share(old, args.index, max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
