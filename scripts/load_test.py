"""Load test: the real server under gunicorn, queried by a few threads while ``newsearch index``
adds articles to the index it serves.

1. Generates an archive of small articles and indexes it with the real CLI.
2. Starts ``gunicorn wsgi:app`` on 127.0.0.1 (a free port; loopback only) with
   ``NEWSEARCH_INDEX`` pointing to that index.
3. Runs a bounded number of requests from a few client threads (urllib) over a query mix:
   searches (words, phrases, prefixes, filters, dates, sorts, pages), article pages, the web
   page, facets, stats, exports, and hostile queries that must be refused with a 400.
4. Meanwhile an indexer thread writes batches of new article files and runs
   ``newsearch index`` on them, again and again, so the server switches commits under load.

Prints requests, errors (a 5xx, a refused connection, or a status other than the one the
request expects), latency percentiles, and how many commits the server switched to. Exit
status 0 when there was no error and the server saw the new commits.

    .venv/bin/python scripts/load_test.py --requests 4000 --threads 4 --engine whoosh
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "reliability"))
sys.path.insert(0, str(REPO))

from reliability_support import (  # noqa: E402
    _PEOPLE,
    _PLACES,
    _PUBLISHERS,
    VOCABULARY,
    child_env,
    make_archive,
)

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query_mix(rng: random.Random) -> tuple[str, int]:
    """One request path and the status it must get."""
    w = lambda: rng.choice(VOCABULARY[:300])  # noqa: E731 - frequent words
    kind = rng.random()
    if kind < 0.30:
        return f"/api/v1/search?q={quote(w())}", 200
    if kind < 0.42:
        return f"/api/v1/search?q={quote(w() + ' ' + w())}&sort=newest", 200
    if kind < 0.50:
        return f"/api/v1/search?q={quote(w() + ' OR ' + w())}&page={rng.randint(1, 5)}", 200
    if kind < 0.56:
        return f"/api/v1/search?q={quote(w()[:3])}*", 200
    if kind < 0.62:
        return (f"/api/v1/search?q={quote(w())}&person={quote(rng.choice(_PEOPLE))}"
                f"&not_place={quote(rng.choice(_PLACES))}"), 200
    if kind < 0.68:
        y = rng.randint(2010, 2023)
        return f"/api/v1/search?from={y}-01&to={y + 1}-06&publisher=" \
               f"{quote(rng.choice(_PUBLISHERS))}", 200
    if kind < 0.74:
        return f"/?q={quote(w())}", 200
    if kind < 0.78:
        return "/", 200
    if kind < 0.82:
        return f"/api/v1/facets/person?prefix={quote(rng.choice(_PEOPLE)[:2])}", 200
    if kind < 0.84:
        return "/api/v1/stats", 200
    if kind < 0.86:
        return f"/api/v1/export?format=jsonl&q={quote(w() + ' ' + w())}", 200
    if kind < 0.90:
        return "ARTICLE", 200  # an article page of a hit, filled in by the client
    hostile = ["/api/v1/search?q=*", "/api/v1/search?q=a*", "/api/v1/search?page=1000000000",
               "/api/v1/search?size=1000000", "/api/v1/search?q=" + "(" * 50 + "x",
               "/api/v1/search?q=%00", "/api/v1/search?from=2022-02-31",
               "/api/v1/search?q=" + "x" * 2500]
    return rng.choice(hostile), 400


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.by_status: dict[int, int] = {}

    def add(self, seconds: float, status: int, expected: int, path: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if status != expected:
                self.errors.append(f"{status} (expected {expected}) {path[:100]}")


def fetch(base: str, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def client(base: str, n: int, seed: int, stats: Stats) -> None:
    rng = random.Random(seed)
    last_ids: list[str] = []
    for _ in range(n):
        path, expected = query_mix(rng)
        if path == "ARTICLE":
            if not last_ids:
                path = "/api/v1/search?q=" + quote(rng.choice(VOCABULARY[:50]))
            else:
                path = "/article/" + rng.choice(last_ids)
        started = time.perf_counter()
        try:
            status, body = fetch(base, path)
        except OSError as exc:  # refused, reset, timed out
            stats.add(time.perf_counter() - started, 0, expected, f"{path} {exc}")
            continue
        stats.add(time.perf_counter() - started, status, expected, path)
        if status == 200 and path.startswith("/api/v1/search"):
            try:
                hits = json.loads(body)["hits"]
                last_ids = [h["id"] for h in hits][:5] or last_ids
            except (ValueError, KeyError):
                pass


def indexer(archive: Path, index_dir: Path, stop: threading.Event, batch: int,
            log: list[str]) -> None:
    """Adds ``batch`` new articles and runs ``newsearch index`` until told to stop."""
    round_no = 0
    while not stop.is_set():
        round_no += 1
        make_archive(archive / f"new-{round_no:03d}", batch, seed=1000 + round_no)
        proc = subprocess.run([str(BIN / "python"), "-m", "newsearch.cli", "index",
                               str(archive), "--index", str(index_dir), "--quiet", "--jobs", "1",
                               "--batch-size", str(max(1, batch // 2))],
                              capture_output=True, text=True, env=child_env())
        log.append(f"round {round_no}: exit {proc.returncode}: {proc.stdout.strip()}"
                   f"{proc.stderr.strip()[-300:]}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", choices=["whoosh", "tantivy"], default="whoosh")
    ap.add_argument("--articles", type=int, default=2000, help="articles indexed first")
    ap.add_argument("--requests", type=int, default=3000, help="requests in all")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--batch", type=int, default=100, help="articles added per indexer round")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newsearch-load-") as tmp:
        work = Path(tmp)
        archive, index_dir = work / "archive", work / "index"
        make_archive(archive / "base", args.articles, seed=args.seed)
        first = subprocess.run([str(BIN / "python"), "-m", "newsearch.cli", "index",
                                str(archive), "--index", str(index_dir), "--engine",
                                args.engine, "--quiet"],
                               capture_output=True, text=True, env=child_env())
        if first.returncode != 0:
            print(first.stdout, first.stderr)
            return 2
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = child_env()
        env["NEWSEARCH_INDEX"] = str(index_dir)
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
             str(args.workers), "--worker-class", "gthread", "--threads", "4", "--timeout",
             "60", "--log-level", "warning", "wsgi:app"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "gunicorn.log", "w"))
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, body = fetch(base, "/api/v1/health", timeout=5)
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the server did not start:", (work / "gunicorn.log").read_text())
                    return 2
                time.sleep(0.2)
            before = json.loads(fetch(base, "/api/v1/stats")[1])["articles"]
            stop = threading.Event()
            rounds: list[str] = []
            writer = threading.Thread(target=indexer, args=(archive, index_dir, stop,
                                                            args.batch, rounds))
            stats = Stats()
            per_thread = args.requests // args.threads
            clients = [threading.Thread(target=client, args=(base, per_thread, args.seed + i,
                                                             stats))
                       for i in range(args.threads)]
            started = time.perf_counter()
            writer.start()
            generations: set[str] = set()
            for t in clients:
                t.start()
            while any(t.is_alive() for t in clients):
                try:
                    generations.add(json.loads(fetch(base, "/api/v1/health")[1])["generation"])
                except (OSError, ValueError, KeyError):
                    pass
                time.sleep(0.5)
            seconds = time.perf_counter() - started
            stop.set()
            writer.join()
            after = json.loads(fetch(base, "/api/v1/stats")[1])["articles"]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        lat = stats.latencies
        n = len(lat)
        ok_rounds = sum(1 for r in rounds if ": exit 0:" in r)
        print(f"engine {args.engine}; {args.workers} gunicorn workers x 4 threads; "
              f"{args.threads} client threads; {args.articles} articles at the start")
        print(f"requests {n}, errors {len(stats.errors)}, "
              f"{n / seconds:.0f} requests/s over {seconds:.1f} s")
        print(f"latency ms: p50 {percentile(lat, 50) * 1000:.0f}, p95 "
              f"{percentile(lat, 95) * 1000:.0f}, p99 {percentile(lat, 99) * 1000:.0f}, "
              f"max {max(lat) * 1000:.0f}")
        print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_status.items())))
        print(f"indexer: {len(rounds)} runs of `newsearch index` ({ok_rounds} exit 0) while "
              f"serving; articles {before} -> {after}; the server saw {len(generations)} "
              f"commits")
        for line in stats.errors[:20]:
            print("  error:", line)
        for line in rounds:
            if ": exit 0:" not in line:
                print("  indexer:", line)
        log = (work / "gunicorn.log").read_text()
        if "Traceback" in log:
            print("gunicorn log has tracebacks:\n" + log[-3000:])
        good = (not stats.errors and after > before and len(generations) > 1
                and ok_rounds == len(rounds) and "Traceback" not in log)
        return 0 if good else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
