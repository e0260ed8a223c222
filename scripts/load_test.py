"""Load test: the real server under ``gunicorn wsgi:app``, queried by client threads.

Two modes, one script:

**Own archive** (default): the server is queried while ``newsearch index`` adds articles to
the index it serves.

1. Generates an archive of small articles and indexes it with the real CLI.
2. Starts ``gunicorn wsgi:app`` on 127.0.0.1 (a free port; loopback only) with
   ``NEWSEARCH_INDEX`` pointing to that index.
3. Runs a bounded number of requests from a few client threads (urllib) over a query mix:
   searches (words, phrases, prefixes, filters, dates, sorts, pages), article pages, the web
   page, facets, stats, exports, and hostile queries that must be refused with a 400.
4. Meanwhile an indexer thread writes batches of new article files and runs
   ``newsearch index`` on them, again and again, so the server switches commits under load.

Exit status 0 when there was no error and the server saw the new commits.

    .venv/bin/python scripts/load_test.py --requests 4000 --threads 4 --engine whoosh

**Prebuilt index** (``--index DIR``): serves an existing index (built by ``newsearch index``
or ``benchmarks.bench_index``) read-only and measures throughput, latency and server memory.
Nothing is indexed; the index folder is fingerprinted (names, sizes, mtimes) before and after,
and a change is an error.

1. Starts ``gunicorn wsgi:app`` as above with ``NEWSEARCH_INDEX=DIR``; reads the memory of the
   master and of each worker (``/proc/<pid>/status``: VmRSS, VmHWM = peak RSS, RssAnon,
   RssFile; ``/proc/<pid>/smaps_rollup``: Pss) once every worker has loaded the app.
2. Warm-up, not counted: the 27 searches of the benchmark query mix
   (``benchmarks/queries.py``) once each, in order (their hits give the article ids and
   entity names used later; a mix that finds nothing says the index is not a
   ``benchmarks.gen_corpus`` archive), then ``--warmup`` requests of the mix below. Memory
   again.
3. Timed: ``--requests`` requests over ``--threads`` client threads, drawn from: the benchmark
   searches as ``/api/v1/search`` URLs, the same as web pages (``/?q=...``), the article API
   and the article page (ids from search results), entity pages, facet look-ups, stats, a
   JSON Lines export of a rare word, and hostile requests that must be 400s. Memory again.

Prints (and ``--json FILE`` writes) requests, seconds, requests/s, errors with the first
lines, p50/p95/p99/max overall and per request kind, and the memory table. An error is a
5xx, a refused connection, or any status other than the expected one; a traceback in the
server log, a worker that was replaced, or a changed index folder also fail the run.
Exit status 0 only with none of those.

    .venv/bin/python scripts/load_test.py --index bench-data/idx-100000/tantivy \\
        --requests 3000 --threads 4 --json bench-data/load-100000-tantivy.json
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
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

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

from benchmarks.common import percentile  # noqa: E402

BIN = Path(sys.executable).parent
CLIENT_TIMEOUT = 60.0
"""Seconds a client waits for one answer (a timeout counts as an error)."""

HOSTILE = [
    "/api/v1/search?q=*", "/api/v1/search?q=a*", "/api/v1/search?page=1000000000",
    "/api/v1/search?size=1000000", "/api/v1/search?q=" + "(" * 50 + "x",
    "/api/v1/search?q=%00", "/api/v1/search?from=2022-02-31",
    "/api/v1/search?q=" + "x" * 2500,
]
"""Requests the API must refuse with a 400 (and a JSON error), in both modes."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- server memory

_STATUS_KEYS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def read_memory(pid: int) -> dict[str, float] | None:
    """Memory of one process in MB: VmRSS, VmHWM (its peak RSS), RssAnon (private heap) and
    RssFile (mapped files: the index, libraries) from ``/proc/<pid>/status``, and Pss (RSS
    with shared pages divided among their sharers) from ``/proc/<pid>/smaps_rollup`` where the
    kernel has it. None when the process does not exist."""
    out: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in _STATUS_KEYS:
                    out[key] = round(int(rest.split()[0]) / 1024, 1)
    except OSError:
        return None
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    out["Pss"] = round(int(line.split()[1]) / 1024, 1)
                    break
    except OSError:
        pass
    return out or None


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers), from the ppid in /proc/*/stat."""
    kids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # state, ppid, ...
        if len(fields) > 1 and fields[1] == str(pid):
            kids.append(int(entry.name))
    return sorted(kids)


def server_memory(master: int) -> dict[str, Any]:
    """The memory of a gunicorn master and of each of its workers, and their sums."""
    procs = [("master", master)] + [("worker", pid) for pid in child_pids(master)]
    rows = []
    for role, pid in procs:
        mem = read_memory(pid)
        if mem is not None:
            rows.append({"role": role, "pid": pid, **mem})
    total = {key: round(sum(r.get(key, 0.0) for r in rows), 1)
             for key in ("VmRSS", "Pss", "RssAnon")}
    return {"processes": rows, "total": total}


# --------------------------------------------------------------------------- own-archive mode


def query_mix(rng: random.Random) -> tuple[str, int]:
    """One request path and the status it must get (own-archive mode)."""
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
    return rng.choice(HOSTILE), 400


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_kind: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.by_status: dict[int, int] = {}

    def add(self, seconds: float, status: int, expected: int, path: str,
            kind: str = "request") -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_kind.setdefault(kind, []).append(seconds)
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if status != expected:
                self.errors.append(f"{status} (expected {expected}) {kind} {path[:400]}")

    def summary(self) -> dict[str, Any]:
        def ms(values: list[float]) -> dict[str, Any]:
            return {"n": len(values),
                    **{f"p{p}": round(percentile(values, p) * 1000, 1) for p in (50, 95, 99)},
                    "max": round(max(values) * 1000, 1) if values else None}

        return {"requests": len(self.latencies), "errors": len(self.errors),
                "first_errors": self.errors[:20],
                "statuses": {str(k): v for k, v in sorted(self.by_status.items())},
                "latency_ms": ms(self.latencies),
                "by_kind_ms": {k: ms(v) for k, v in sorted(self.by_kind.items())}}


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


# --------------------------------------------------------------------------- the server

_GUNICORN_CONF = """\
import os
from pathlib import Path


def post_worker_init(worker):
    # The load test waits for one file per worker: the app is loaded in every worker.
    Path({ready!r}, str(os.getpid())).touch()
"""


class Server(NamedTuple):
    proc: subprocess.Popen
    base: str
    log: Path
    ready: Path
    layout: str


def start_server(index_dir: Path, work: Path, workers: int, threads: int) -> Server:
    """``gunicorn wsgi:app`` on 127.0.0.1 and a free port, serving ``index_dir``."""
    port = free_port()
    ready = work / "ready"
    ready.mkdir()
    conf = work / "gunicorn_conf.py"
    conf.write_text(_GUNICORN_CONF.format(ready=str(ready)), "utf-8")
    env = child_env()
    env["NEWSEARCH_INDEX"] = str(index_dir)
    log = work / "gunicorn.log"
    with open(log, "w") as log_fh:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(conf), "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
             "--timeout", "60", "--log-level", "warning", "wsgi:app"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log_fh)
    layout = (f"gunicorn wsgi:app, {workers} workers (gthread) x {threads} threads, "
              f"127.0.0.1:{port}")
    return Server(proc, f"http://127.0.0.1:{port}", log, ready, layout)


def wait_ready(server: Server, workers: int, timeout: float = 120.0) -> bool:
    """True once every worker has loaded the app (no request is sent)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.proc.poll() is None:
        if len(list(server.ready.iterdir())) >= workers:
            return True
        time.sleep(0.1)
    return False


def wait_healthy(server: Server, timeout: float = 60.0) -> str | None:
    """None once ``/api/v1/health`` answers 200, else what it answered last."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline and server.proc.poll() is None:
        try:
            status, body = fetch(server.base, "/api/v1/health", timeout=CLIENT_TIMEOUT)
            if status == 200:
                return None
            return f"{status} {body[:300]!r}"  # the app answers: it will not get better
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.2)
    if server.proc.poll() is not None:
        last += f"; gunicorn exited with status {server.proc.returncode}"
    return last


def stop_server(server: Server) -> None:
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


def run_own_archive(args: argparse.Namespace) -> int:
    engine = args.engine or "whoosh"
    with tempfile.TemporaryDirectory(prefix="newsearch-load-") as tmp:
        work = Path(tmp)
        archive, index_dir = work / "archive", work / "index"
        make_archive(archive / "base", args.articles, seed=args.seed)
        first = subprocess.run([str(BIN / "python"), "-m", "newsearch.cli", "index",
                                str(archive), "--index", str(index_dir), "--engine",
                                engine, "--quiet"],
                               capture_output=True, text=True, env=child_env())
        if first.returncode != 0:
            print(first.stdout, first.stderr)
            return 2
        server = start_server(index_dir, work, args.workers, args.server_threads)
        base = server.base
        try:
            problem = wait_healthy(server)
            if problem:
                print(f"the server did not start ({problem}):", server.log.read_text())
                return 2
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
            memory = server_memory(server.proc.pid)
        finally:
            stop_server(server)
        lat = stats.latencies
        n = len(lat)
        ok_rounds = sum(1 for r in rounds if ": exit 0:" in r)
        print(f"engine {engine}; {args.workers} gunicorn workers x {args.server_threads} "
              f"threads; {args.threads} client threads; {args.articles} articles at the start")
        print(f"requests {n}, errors {len(stats.errors)}, "
              f"{n / seconds:.0f} requests/s over {seconds:.1f} s")
        print(f"latency ms: p50 {percentile(lat, 50) * 1000:.0f}, p95 "
              f"{percentile(lat, 95) * 1000:.0f}, p99 {percentile(lat, 99) * 1000:.0f}, "
              f"max {max(lat) * 1000:.0f}")
        print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_status.items())))
        print(f"indexer: {len(rounds)} runs of `newsearch index` ({ok_rounds} exit 0) while "
              f"serving; articles {before} -> {after}; the server saw {len(generations)} "
              f"commits")
        print("server memory at the end (MB): " + ", ".join(
            f"{r['role']} {r['pid']} RSS {r.get('VmRSS', 0):.0f} peak {r.get('VmHWM', 0):.0f}"
            for r in memory["processes"]))
        for line in stats.errors[:20]:
            print("  error:", line)
        for line in rounds:
            if ": exit 0:" not in line:
                print("  indexer:", line)
        log = server.log.read_text()
        if "Traceback" in log:
            print("gunicorn log has tracebacks:\n" + log[-3000:])
        good = (not stats.errors and after > before and len(generations) > 1
                and ok_rounds == len(rounds) and "Traceback" not in log)
        if args.json:
            args.json.write_text(json.dumps({
                "mode": "own-archive", "engine": engine, "server": server.layout,
                "client_threads": args.threads, "seconds": round(seconds, 2),
                "requests_per_s": round(n / seconds, 1), **stats.summary(),
                "indexer_runs": len(rounds), "indexer_ok": ok_rounds,
                "articles_before": before, "articles_after": after,
                "commits_seen": len(generations), "memory_end": memory, "ok": good},
                indent=2), "utf-8")
        return 0 if good else 1


# --------------------------------------------------------------------------- prebuilt index


class Request(NamedTuple):
    kind: str
    path: str
    expected: int = 200
    q: str = ""


class IndexMix:
    """The request mix for a prebuilt index of a ``benchmarks.gen_corpus`` archive.

    Fixed requests come from the benchmark query mix (``benchmarks.queries.query_mix``: its
    words and entities are those of the generated archive); article and entity requests are
    built from what searches returned (:meth:`learn`), so they name real articles.
    """

    WEIGHTS = (("search", 0.40), ("page", 0.12), ("article-api", 0.10),
               ("article-page", 0.08), ("entity-page", 0.04), ("facets", 0.10),
               ("stats", 0.03), ("export", 0.03), ("hostile", 0.10))

    def __init__(self, seed: int | None = None) -> None:
        from benchmarks.gen_corpus import PUBLISHERS, SECTIONS, TAGS, pools
        from benchmarks.queries import query_mix as benchmark_mix
        from newsearch.params import request_to_params
        from newsearch.search import SearchRequest

        corpus_seed = {} if seed is None else {"seed": seed}
        self.searches: list[Request] = []
        self.pages: list[Request] = []
        self.exports: list[Request] = []
        for name, category, kwargs in benchmark_mix(**corpus_seed):
            params = request_to_params(SearchRequest(**kwargs))
            query = "?" + urlencode(params) if params else ""
            q = kwargs.get("q", "")
            self.searches.append(Request(f"search/{category}", "/api/v1/search" + query, 200, q))
            self.pages.append(Request("page", "/" + query, 200, q))
            if name == "rank5000":  # a rare word: an export of a few hundred articles
                self.exports.append(Request(
                    "export", "/api/v1/export?" + urlencode([*params, ("format", "jsonl")]),
                    200, q))
        p = pools(**corpus_seed)
        lookups = [("person", p["people"][0][:2]), ("person", p["people"][40][:3]),
                   ("place", p["places"][3][:2]), ("org", p["orgs"][7][:2]),
                   ("publisher", PUBLISHERS[1][:3]), ("section", SECTIONS[2][:2]),
                   ("tag", TAGS[0][:2]), ("author", ""), ("year", "20"), ("month", "2021")]
        self.facets = [Request("facets", f"/api/v1/facets/{name}?"
                               + urlencode({"prefix": prefix, "limit": 10}))
                       for name, prefix in lookups]
        self.stats = [Request("stats", "/api/v1/stats")]
        self.hostile = [Request("hostile", path, 400) for path in HOSTILE]
        self._lock = threading.Lock()
        self._hits: list[tuple[str, str]] = []  # (article id, query that found it)
        self._entities: list[tuple[str, str]] = []  # (person|place|org, name)

    def fixed(self) -> list[Request]:
        """Every request that does not depend on search results."""
        return (self.searches + self.pages + self.exports + self.facets + self.stats
                + self.hostile)

    def learn(self, request: Request, status: int, body: bytes, keep: int = 400) -> int | None:
        """Remember the hits of an API search (ids, entities); returns its total."""
        if status != 200 or not request.path.startswith("/api/v1/search"):
            return None
        try:
            result = json.loads(body)
            hits, total = result["hits"], int(result["total"])
        except (ValueError, KeyError, TypeError):
            return None
        with self._lock:
            for hit in hits[:5]:
                self._hits.append((hit["id"], request.q))
                for kind, key in (("person", "people"), ("place", "places"), ("org", "orgs")):
                    self._entities.extend((kind, name) for name in hit.get(key, [])[:2])
            del self._hits[:-keep]
            del self._entities[:-keep]
        return total

    def article_requests(self, article_id: str, q: str) -> list[Request]:
        query = "?" + urlencode({"q": q}) if q else ""
        return [Request("article-api", f"/api/v1/articles/{quote(article_id, safe='')}{query}"),
                Request("article-page", f"/article/{quote(article_id, safe='')}")]

    def entity_request(self, kind: str, name: str) -> Request:
        return Request("entity-page", f"/entity/{kind}/{quote(name, safe='')}")

    def derived(self) -> list[Request]:
        """Article and entity requests for everything learned so far."""
        with self._lock:
            hits, entities = list(self._hits), list(self._entities)
        out = [r for article_id, q in hits for r in self.article_requests(article_id, q)]
        return out + [self.entity_request(kind, name) for kind, name in entities]

    def pick(self, rng: random.Random) -> Request:
        kinds, weights = zip(*self.WEIGHTS, strict=True)
        kind = rng.choices(kinds, weights)[0]
        with self._lock:
            hits, entities = self._hits, self._entities
            if kind in ("article-api", "article-page") and hits:
                article_id, q = rng.choice(hits)
                return self.article_requests(article_id, q)[kind == "article-page"]
            if kind == "entity-page" and entities:
                return self.entity_request(*rng.choice(entities))
        pool = {"page": self.pages, "facets": self.facets, "stats": self.stats,
                "export": self.exports, "hostile": self.hostile}.get(kind) or self.searches
        return rng.choice(pool)


def timed_request(base: str, request: Request, stats: Stats, mix: IndexMix) -> int | None:
    started = time.perf_counter()
    try:
        status, body = fetch(base, request.path, timeout=CLIENT_TIMEOUT)
    except OSError as exc:  # refused, reset, timed out
        stats.add(time.perf_counter() - started, 0, request.expected,
                  f"{request.path} {exc}", request.kind)
        return None
    seconds = time.perf_counter() - started
    detail = request.path
    if status != request.expected:  # what the server said, for the error line
        detail += " -> " + body[:200].decode("utf-8", "replace").replace("\n", " ")
    stats.add(seconds, status, request.expected, detail, request.kind)
    return mix.learn(request, status, body)


def run_clients(base: str, mix: IndexMix, n: int, threads: int, seed: int,
                stats: Stats) -> float:
    """``n`` requests of the mix over ``threads`` client threads; the seconds it took."""

    def one_client(count: int, client_seed: int) -> None:
        rng = random.Random(client_seed)
        for _ in range(count):
            timed_request(base, mix.pick(rng), stats, mix)

    shares = [n // threads + (1 if i < n % threads else 0) for i in range(threads)]
    clients = [threading.Thread(target=one_client, args=(count, seed * 1000 + i))
               for i, count in enumerate(shares) if count]
    started = time.perf_counter()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    return time.perf_counter() - started


def fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (ns)."""
    out = {}
    for path in folder.rglob("*"):
        try:
            st = path.lstat()
        except OSError:
            continue
        if not path.is_dir():
            out[str(path.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


def _memory_lines(phases: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"  {'phase':14} {'process':14} {'RSS':>7} {'peak':>7} {'anon':>7} "
             f"{'file':>7} {'PSS':>7}"]
    for phase, memory in phases.items():
        for row in memory["processes"]:
            lines.append(f"  {phase:14} {row['role'] + ' ' + str(row['pid']):14} "
                         + " ".join(f"{row.get(k, float('nan')):>7.1f}"
                                    for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Pss")))
        t = memory["total"]
        lines.append(f"  {phase:14} {'all':14} {t['VmRSS']:>7.1f} {'':>7} {t['RssAnon']:>7.1f} "
                     f"{'':>7} {t['Pss']:>7.1f}")
    return lines


def run_index(args: argparse.Namespace) -> int:
    from newsearch.engine import index_engine

    index_dir = args.index.resolve()
    engine = index_engine(index_dir)
    if engine is None:
        print(f"{index_dir} is not a newsearch index (no newsearch.json)")
        return 2
    if args.engine and args.engine != engine:
        print(f"{index_dir} is a {engine} index, not {args.engine}")
        return 2
    before_files = fingerprint(index_dir)
    mix = IndexMix()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="newsearch-load-") as tmp:
        server = start_server(index_dir, Path(tmp), args.workers, args.server_threads)
        try:
            if not wait_ready(server, args.workers):
                print("the server did not start:", server.log.read_text()[-3000:])
                return 2
            memory = {"start-up": server_memory(server.proc.pid)}
            workers_at_start = {r["pid"] for r in memory["start-up"]["processes"]
                                if r["role"] == "worker"}
            problem = wait_healthy(server)
            if problem:
                print(f"the server does not answer ({problem}):", server.log.read_text()[-3000:])
                return 2
            info = json.loads(fetch(server.base, "/api/v1/stats", CLIENT_TIMEOUT)[1])
            # Warm-up (not counted): every benchmark search once, in order, then the mix.
            warm = Stats()
            totals = {r.path: timed_request(server.base, r, warm, mix) for r in mix.searches}
            warm_seconds = run_clients(server.base, mix, args.warmup, args.threads,
                                       args.seed + 1, warm)
            memory["after warm-up"] = server_memory(server.proc.pid)
            stats = Stats()
            seconds = run_clients(server.base, mix, args.requests, args.threads, args.seed,
                                  stats)
            memory["end"] = server_memory(server.proc.pid)
        finally:
            stop_server(server)
        log = server.log.read_text()
    load_end = os.getloadavg()
    after_files = fingerprint(index_dir)
    changed = sorted(name for name in before_files.keys() | after_files.keys()
                     if before_files.get(name) != after_files.get(name))
    workers_at_end = {r["pid"] for r in memory["end"]["processes"] if r["role"] == "worker"}
    replaced = sorted(workers_at_start - workers_at_end)
    with_hits = sum(1 for t in totals.values() if t)
    summary = stats.summary()
    lat = summary["latency_ms"]
    n = summary["requests"]
    rate = n / seconds if seconds else 0.0

    print(f"index {index_dir}: {engine}, {info.get('articles', '?'):,} articles")
    print(f"server: {server.layout}")
    print(f"client: {args.threads} threads (urllib) in one process; load average "
          f"{load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end")
    print(f"warm-up, not counted: {warm.summary()['requests']} requests in {warm_seconds:.1f} s "
          f"(the {len(mix.searches)} benchmark searches once each, then {args.warmup} of the "
          f"mix); benchmark searches with hits: {with_hits} of {len(totals)}")
    if with_hits < len(totals) // 2:
        print("  warning: most benchmark searches found nothing: is this an index of a "
              "benchmarks.gen_corpus archive?")
    print(f"timed: requests {n}, seconds {seconds:.1f}, {rate:.1f} requests/s, "
          f"errors {summary['errors']}")
    print(f"latency ms: p50 {lat['p50']:.1f}, p95 {lat['p95']:.1f}, p99 {lat['p99']:.1f}, "
          f"max {lat['max']:.1f}")
    print(f"  {'kind':16} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for kind, s in summary["by_kind_ms"].items():
        print(f"  {kind:16} {s['n']:>6} {s['p50']:>8.1f} {s['p95']:>8.1f} {s['p99']:>8.1f} "
              f"{s['max']:>8.1f}")
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items()))
    print("server memory (MB; RSS = VmRSS, peak = VmHWM, anon = RssAnon, file = RssFile "
          "(mapped index files and libraries), PSS = shared pages divided among processes):")
    for line in _memory_lines(memory):
        print(line)
    errors = warm.errors + stats.errors
    for line in warm.errors[:5]:
        print("  warm-up error:", line)
    for line in stats.errors[:10]:
        print("  error:", line)
    if replaced:
        print(f"  error: gunicorn replaced worker(s) {replaced} during the run")
    if "Traceback" in log:
        print("  error: the gunicorn log has tracebacks:\n" + log[-3000:])
    print(f"index folder unchanged: {'yes' if not changed else 'NO: ' + ', '.join(changed[:10])}")
    good = not errors and not replaced and "Traceback" not in log and not changed
    if args.json:
        args.json.write_text(json.dumps({
            "mode": "index", "index": str(index_dir), "engine": engine,
            "articles": info.get("articles"), "server": server.layout,
            "workers": args.workers, "server_threads": args.server_threads,
            "client_threads": args.threads, "load_average": [load_start[0], load_end[0]],
            "warmup": {**warm.summary(), "seconds": round(warm_seconds, 2),
                       "benchmark_searches_with_hits": with_hits},
            "seconds": round(seconds, 2), "requests_per_s": round(rate, 1), **summary,
            "memory_mb": memory, "workers_replaced": replaced,
            "server_log_tracebacks": "Traceback" in log, "index_changed": changed, "ok": good},
            indent=2), "utf-8")
    return 0 if good else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path,
                    help="serve this prebuilt index read-only (nothing is indexed)")
    ap.add_argument("--engine", choices=["whoosh", "tantivy"],
                    help="own archive: the engine (default whoosh); --index: check it")
    ap.add_argument("--articles", type=int, default=2000,
                    help="own archive: articles indexed first")
    ap.add_argument("--requests", type=int, default=3000, help="requests timed, in all")
    ap.add_argument("--threads", type=int, default=4, help="client threads")
    ap.add_argument("--warmup", type=int, default=100,
                    help="--index: requests of the mix before the timed ones, not counted "
                         "(after one pass over the benchmark searches)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--server-threads", type=int, default=4, help="threads per gunicorn worker")
    ap.add_argument("--batch", type=int, default=100,
                    help="own archive: articles added per indexer round")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    if args.threads < 1 or args.requests < 1 or args.warmup < 0:
        ap.error("--threads and --requests must be at least 1, --warmup at least 0")
    return run_index(args) if args.index else run_own_archive(args)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
