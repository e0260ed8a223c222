"""Query benchmark: latency of the full search result, per engine and for raw tantivy.

    python -m benchmarks.bench_query --work bench-data/idx-10000

Needs the indexes ``bench_index`` built under ``WORK`` (``whoosh``, ``tantivy``, ``raw``). Each
engine runs in its own fresh process, one after the other in the same run:

- ``open``: opening the index, and the first query after opening (cold: the engine builds
  its per-commit caches there);
- ``api``: ``newsearch.search.search()`` with the request of each entry of the query mix
  (``benchmarks/queries.py``): hits, every facet, the timeline and highlighted snippets (plus
  whatever else search() runs: the OR fallback and "did you mean" on few hits) — the result
  the API returns;
- ``engine``: ``Engine.search()`` alone with every facet and the histogram (no snippets);
- ``raw``: the same entries on the reference index with tantivy-py directly (top 10,
  snippets, one facet aggregation).

After one warm-up pass, every entry runs ``--repeat`` times; p50/p95/p99 are over all those
samples. The machine is shared: compare the ratios printed at the end, all from one run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from benchmarks.common import peak_mb, percentile, proc_status_mb, ratio, run_child
from benchmarks.queries import query_mix


def _timed(fn, *args) -> float:  # noqa: ANN001
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


def _summary(samples: list[tuple[str, str, float]]) -> dict[str, Any]:
    values = [ms for _, _, ms in samples]
    out: dict[str, Any] = {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values), 2) if values else None,
    }
    by_cat: dict[str, list[float]] = {}
    by_query: dict[str, list[float]] = {}
    for name, cat, ms in samples:
        by_cat.setdefault(cat, []).append(ms)
        by_query.setdefault(name, []).append(ms)
    out["p95_by_category"] = {c: round(percentile(v, 95), 2) for c, v in by_cat.items()}
    out["p50_by_query"] = {q: round(percentile(v, 50), 2) for q, v in by_query.items()}
    return out


def one(engine: str, work: Path, repeat: int) -> dict[str, Any]:
    mix = query_mix()
    result: dict[str, Any] = {"engine": engine}
    if engine == "raw":
        from benchmarks.raw_tantivy import RawSearcher

        started = time.perf_counter()
        raw = RawSearcher(work / "raw")
        result["open_ms"] = round((time.perf_counter() - started) * 1000, 1)
        result["first_query_ms"] = round(_timed(raw.search, mix[0][2]), 1)
        runners = {"raw": raw.search}
    else:
        from newsearch.engine import ENGINE_FACETS, EngineQuery, Filters, open_engine
        from newsearch.query import parse_query
        from newsearch.search import SearchRequest, search

        started = time.perf_counter()
        eng = open_engine(work / engine)
        result["open_ms"] = round((time.perf_counter() - started) * 1000, 1)
        result["first_query_ms"] = round(_timed(
            lambda: search(eng, SearchRequest(**mix[0][2]))), 1)

        def api(req: dict[str, Any]) -> None:
            search(eng, SearchRequest(**req))

        def engine_only(req: dict[str, Any]) -> None:
            sort = req.get("sort", "relevance")
            node = parse_query(req.get("q", ""))
            if sort == "relevance" and not req.get("q", "").strip():
                sort = "newest"
            eng.search(EngineQuery(
                query=node, filters=Filters(include=req.get("include", {}),
                                            exclude=req.get("exclude", {}),
                                            start=req.get("date_from"),
                                            end=req.get("date_to")),
                sort=sort, offset=(req.get("page", 1) - 1) * 10, limit=10,
                facets=ENGINE_FACETS, histogram=True))

        runners = {"api": api, "engine": engine_only}
    for mode, run in runners.items():
        for _, _, req in mix:  # warm-up pass
            run(req)
        samples = []
        for _ in range(repeat):
            for name, cat, req in mix:
                samples.append((name, cat, _timed(run, req)))
        result[mode] = _summary(samples)
    result["rss_mb"] = round(proc_status_mb("VmRSS"), 1)
    result.update(peak_mb())
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="newsearch query benchmark")
    parser.add_argument("--work", type=Path, required=True, help="folder of the indexes")
    parser.add_argument("--engines", default="whoosh,tantivy,raw")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.work.resolve(), args.repeat)))
        return
    rows = {}
    for engine in args.engines.split(","):
        rows[engine] = run_child("benchmarks.bench_query", [
            "--one", engine, "--work", str(args.work), "--repeat", str(args.repeat)])
        print(json.dumps(rows[engine]), flush=True)
    print(f"\n{'engine/mode':16} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'open ms':>8} {'1st q ms':>8} {'RSS MB':>7}")
    for engine, row in rows.items():
        for mode in ("api", "engine", "raw"):
            if isinstance(row.get(mode), dict):
                s = row[mode]
                print(f"{engine + '/' + mode:16} {s['p50']:>8.2f} {s['p95']:>8.2f} "
                      f"{s['p99']:>8.2f} {s['max']:>8.2f} {row['open_ms']:>8.1f} "
                      f"{row['first_query_ms']:>8.1f} {row['rss_mb']:>7.0f}")
    if "raw" in rows:
        raw = rows["raw"]["raw"]
        for engine in ("tantivy", "whoosh"):
            if engine in rows:
                for mode in ("api", "engine"):
                    s = rows[engine][mode]
                    print(f"{engine}/{mode} vs raw tantivy: p50 {ratio(s['p50'], raw['p50'])}, "
                          f"p95 {ratio(s['p95'], raw['p95'])}, p99 {ratio(s['p99'], raw['p99'])}")
    if "whoosh" in rows and "tantivy" in rows:
        w, t = rows["whoosh"]["api"], rows["tantivy"]["api"]
        print(f"whoosh/api vs tantivy/api: p50 {ratio(w['p50'], t['p50'])}, "
              f"p95 {ratio(w['p95'], t['p95'])}, p99 {ratio(w['p99'], t['p99'])}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), "utf-8")


if __name__ == "__main__":
    main()
