"""Indexing: bring an index up to date with folders of article files, incrementally.

Part of the indexing stage: walk (``newsearch.ingest.walk``) -> compare with the index ->
parse new and changed files in worker processes (``newsearch.pipeline``) -> write batches
through the engine's writer (``newsearch.engine``). :func:`update_index` is what
``newsearch index`` runs; it returns an :class:`IndexSummary`.

- Unchanged files (same path and ``size:mtime_ns`` signature as when indexed) are not read.
- A changed file's old articles are deleted in the same commit that adds its new ones.
- Files that disappeared from the walked roots are removed (only under the given roots).
- Commits happen every ``batch_size`` articles, at file boundaries: a crash loses at most the
  current batch and never leaves half a file indexed; the next run redoes what was lost.

Exit statuses (:attr:`IndexSummary.exit_status`, also the CLI's):

- ``0`` success: every file found was indexed or was already up to date;
- ``1`` partial success: some files were skipped (reported by reason), the rest is indexed
  (files that are not articles by their name or type, such as images or a README, are
  reported as ``unsupported-type`` but do not make a run partial);
- ``2`` failure: nothing indexable was found (no files, or every file skipped) or a fatal
  error (the index cannot be opened or written);
- ``3`` the index is locked: another process is writing it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import multiprocessing
import multiprocessing.context
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from newsearch.article import Article
from newsearch.engine import EngineError, IndexLocked, PreparedArticle, open_writer
from newsearch.ingest import read_articles
from newsearch.ingest.walk import iter_files
from newsearch.pipeline import FileResult, file_signature, process_chunk, process_file

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_FAILURE = 2
EXIT_LOCKED = 3

#: Skip reasons that are reported but do not make a run partial: not article files at all.
IGNORED_REASONS = frozenset({"unsupported-type"})

#: Progress callback: ``progress(done, total)`` with files parsed so far out of those to parse.
Progress = Callable[[int, int], None]


@dataclass
class IndexSummary:
    """What one indexing run did. File counts, except :attr:`articles`."""

    added: int = 0
    """New files indexed."""
    updated: int = 0
    """Changed files re-indexed (their old articles replaced)."""
    unchanged: int = 0
    """Files already indexed with the same signature (not read)."""
    removed: int = 0
    """Files whose articles were removed: gone from the walked folders, or now unreadable."""
    skipped: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Skip reason -> ``(path, message)`` of every file skipped."""
    articles: int = 0
    """Articles written by this run."""
    seconds: float = 0.0
    engine: str = ""
    index_dir: str = ""
    error: str | None = None
    """A fatal error (the run stopped), or None."""
    locked_by: int | None = None
    """Pid of the process holding the index, when locked."""

    @property
    def skipped_count(self) -> int:
        return sum(len(v) for v in self.skipped.values())

    @property
    def failed_count(self) -> int:
        """Skipped files that were meant to be articles (not :data:`IGNORED_REASONS`)."""
        return sum(len(v) for k, v in self.skipped.items() if k not in IGNORED_REASONS)

    @property
    def exit_status(self) -> int:
        if self.locked_by is not None:
            return EXIT_LOCKED
        if self.error:
            return EXIT_FAILURE
        indexed = self.added + self.updated + self.unchanged
        if indexed == 0 and (self.failed_count or not self.removed):
            return EXIT_FAILURE
        if self.failed_count:
            return EXIT_PARTIAL
        return EXIT_OK

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0

    def skip(self, reason: str, path: str, message: str) -> None:
        self.skipped.setdefault(reason, []).append((path, message))


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def storable_path(path: str) -> str:
    """The path as the index stores it. Bytes of a file name that are not UTF-8 reach Python
    as lone surrogates (U+DC80..U+DCFF), which no engine can index (Whoosh and tantivy both
    failed the whole batch on one such name); they become U+F780..U+F7FF instead. The
    mapping is one-to-one, so an unchanged file is still recognised on the next run."""
    if not _ESCAPED_BYTE.search(path):
        return path
    return _ESCAPED_BYTE.sub(lambda m: chr(ord(m.group()) - 0xDC80 + 0xF780), path)


def _prepare(engine_prepare: Callable[[Article], Article | PreparedArticle],
             article: Article) -> Article | PreparedArticle:
    """In a parser process: the article's path as stored, then the engine writer's own
    preparation (``EngineWriter.prepare``), so that the one writing process does less."""
    article.path = storable_path(article.path)
    return engine_prepare(article)


def _under(path: str, roots: Sequence[str]) -> bool:
    for root in roots:
        if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def _cpu_jobs(jobs: int) -> int:
    if jobs and jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _mp_context() -> multiprocessing.context.BaseContext:
    """Parser processes are forked (fast, and the caller's script is not re-imported as with
    "spawn"). They do not keep the index's write lock: the engine drops it in forked children
    (``os.register_at_fork``), and :func:`_watch_parent` ends them when the indexer dies."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


#: How much lower the parser processes' CPU priority is than the indexer's (``os.nice``).
#: The process that writes the index is the one stage that cannot run in parallel: at equal
#: priority the scheduler shared the cores evenly between it and the parser processes, so
#: it fell behind, and at every commit the parsers stopped at their read-ahead limit with a
#: core idle. At 100,000 articles with tantivy (alternating runs, same minutes): 1,741 and
#: 1,768 articles/s at 0, 1,914 and 1,843 at 10 (idle core-seconds 8.1 and 9.9 -> 3.5 and
#: 3.2). It also leaves a web server on the same machine ahead of a re-index.
PARSER_NICE = 10


def _init_parser(pid: int) -> None:
    """Worker initializer: lower this parser process's priority (:data:`PARSER_NICE`) and
    watch the indexer (:func:`_watch_parent`)."""
    try:
        os.nice(PARSER_NICE)
    except OSError:  # pragma: no cover - not allowed here: run at the same priority
        pass
    _watch_parent(pid)


def _watch_parent(pid: int, interval: float = 1.0) -> None:
    """Exit when the indexer ``pid`` is gone (killed with SIGKILL, its workers would
    otherwise wait for work forever)."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except OSError:
                pass

    threading.Thread(target=watch, name="watch-indexer", daemon=True).start()


#: Bytes of input files that may be in flight (parsed ahead of the writer) at once.
AHEAD_BYTES = 64 * 2**20


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


#: A parser task carries at most this many files, and stops taking files once it holds
#: :data:`CHUNK_BYTES` of input (a big file is a task of its own).
CHUNK_FILES = 16
CHUNK_BYTES = 2**20


def _chunks(paths: Sequence[str], jobs: int) -> list[tuple[Sequence[str], int]]:
    """Cut ``paths`` (kept in order) into parser tasks (files, bytes) of similar size: a task is
    closed at :data:`CHUNK_FILES` files or :data:`CHUNK_BYTES` of input, and at a quarter
    of each worker's share when the whole input is small, so that every worker gets work.
    Cutting by file count alone put ten 1,000-article JSON Lines files into one task and
    left the other workers idle."""
    sizes = [_size(p) for p in paths]
    share = sum(sizes) // max(1, jobs * 4)
    limit = max(1, min(CHUNK_BYTES, share))
    files = max(1, min(CHUNK_FILES, len(paths) // max(1, jobs * 4)))
    out: list[tuple[Sequence[str], int]] = []
    start = held = 0
    for i, size in enumerate(sizes):
        if i > start and (held + size > limit or i - start >= files):
            out.append((paths[start:i], held))
            start, held = i, 0
        held += size
    if start < len(paths):
        out.append((paths[start:], held))
    return out


def parse_files(paths: Sequence[str], *, jobs: int = 0, date_order: str = "mdy",
                max_bytes: int = 50 * 2**20, analyze_text: bool = False,
                ahead: int = 0,
                prepare: Callable[[Article], Article | PreparedArticle] | None = None,
                ) -> Iterator[FileResult]:
    """:func:`newsearch.pipeline.process_file` over ``paths``, in order, across ``jobs``
    worker processes (0: one per core), with a bounded number of chunks in flight.

    ``ahead``: let up to this many files (and :data:`AHEAD_BYTES` of input) be parsed ahead
    of the consumer, so that the workers keep parsing the next batch while the writer
    commits (at least ``3 * jobs`` chunks are always in flight)."""
    jobs = _cpu_jobs(jobs)
    if jobs == 1 or len(paths) < 4:
        # In this process: the writer analyses the text itself, nothing to gain.
        for path in paths:
            yield process_file(path, date_order=date_order, max_bytes=max_bytes)
        return
    parts = _chunks(paths, jobs)
    chunk = max(1, -(-len(paths) // max(1, len(parts))))
    chunks = iter(parts)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(),
                               initializer=_init_parser, initargs=(os.getpid(),))
    broken = False
    inflight: deque[tuple[Sequence[str], int, Future | None]] = deque()
    min_chunks = jobs * 3
    max_chunks = max(min_chunks, -(-ahead // chunk))
    inflight_bytes = 0

    def submit(part: Sequence[str], size: int) -> None:
        nonlocal broken, inflight_bytes
        inflight_bytes += size
        if broken:
            inflight.append((part, size, None))
            return
        try:
            inflight.append((part, size, pool.submit(process_chunk, list(part), date_order,
                                                     max_bytes, analyze_text, prepare)))
        except Exception:  # noqa: BLE001 - a broken pool: go on in this process
            broken = True
            inflight.append((part, size, None))

    def refill() -> None:
        """Submit tasks while fewer than ``min_chunks`` are in flight, or fewer than
        ``max_chunks`` holding less than :data:`AHEAD_BYTES` of input."""
        while len(inflight) < min_chunks or (len(inflight) < max_chunks
                                             and inflight_bytes < AHEAD_BYTES):
            nxt = next(chunks, None)
            if nxt is None:
                return
            submit(*nxt)

    try:
        for part, size in islice(chunks, min_chunks):
            submit(part, size)
        while inflight:
            refill()
            part, size, fut = inflight.popleft()
            inflight_bytes -= size
            results: list[FileResult] | None = None
            if fut is not None:
                try:
                    results = fut.result()
                except Exception:  # noqa: BLE001 - worker died: redo this chunk here
                    log.warning("a parser process failed; parsing %d files in this process",
                                len(part), exc_info=True)
                    broken = True
            if results is None:
                results = [process_file(p, date_order=date_order, max_bytes=max_bytes)
                           for p in part]
            refill()
            yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: Python's collector thresholds while indexing (the defaults are 700, 10, 10): each article
#: makes hundreds of short-lived lists and dicts, so at the defaults a young collection ran
#: every article or two, and the full ones walked the writer's batch of articles. At 100,000
#: articles (two alternating pairs of runs): 1,807 and 1,782 articles/s at the defaults,
#: 1,931 and 1,916 with these, 7 % less CPU in the writer and the parser processes alike.
INDEXING_GC_THRESHOLDS = (50_000, 20, 100)


@contextlib.contextmanager
def _indexing_gc() -> Iterator[None]:
    """Raise the collector's thresholds for the run (the parser processes, forked inside,
    inherit them), then put back the caller's."""
    before = gc.get_threshold()
    gc.set_threshold(*INDEXING_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def update_index(
    paths: Iterable[str | os.PathLike[str]],
    index_dir: str | os.PathLike[str],
    *,
    engine: str | None = None,
    rebuild: bool = False,
    jobs: int = 0,
    batch_size: int = 0,
    date_order: str = "mdy",
    max_bytes: int = 50 * 2**20,
    progress: Progress | None = None,
) -> IndexSummary:
    """Bring the index in ``index_dir`` up to date with the article files under ``paths``.

    ``batch_size``: articles per commit (0: the engine writer's ``default_batch``)."""
    started = time.perf_counter()
    roots = [os.path.abspath(p) for p in paths]
    summary = IndexSummary(index_dir=str(index_dir))
    try:
        writer = open_writer(index_dir, engine=engine, rebuild=rebuild)
    except IndexLocked as exc:
        who = f"process {exc.pid}" if exc.pid else "another process"
        summary.error = f"index {index_dir} is being written by {who}; try again when it is done"
        summary.locked_by = exc.pid if exc.pid is not None else -1
        summary.seconds = time.perf_counter() - started
        return summary
    except (EngineError, OSError) as exc:
        summary.error = str(exc)
        summary.seconds = time.perf_counter() - started
        return summary
    summary.engine = getattr(writer, "name", "") or _engine_name(index_dir)
    try:
        with writer, _indexing_gc():
            _run(writer, roots, summary, rebuild=rebuild, jobs=jobs,
                 batch_size=batch_size if batch_size > 0 else writer.default_batch,
                 date_order=date_order, max_bytes=max_bytes, progress=progress)
    except (EngineError, OSError) as exc:
        log.exception("indexing failed")
        summary.error = f"indexing failed: {exc}"
    summary.seconds = time.perf_counter() - started
    return summary


def _spread(n: int) -> list[int]:
    """``range(n)`` in an order that visits the whole range evenly at every length: 0, n/2,
    n/4, 3n/4... (the indices sorted by their bits reversed)."""
    bits = max(1, (n - 1).bit_length())
    return sorted(range(n), key=lambda i: int(format(i, f"0{bits}b")[::-1], 2))


def _sample(paths: Sequence[str], size: int, *, date_order: str,
            max_bytes: int) -> list[Article]:
    """About ``size`` articles from files spread evenly over ``paths`` (an archive's first
    files may all be one year's or one section's; two files of 1,000 articles are its
    first and middle ones), read in this process without their entities (what a writer
    learns from is their text). Parsing the sample in the parser processes cost 1.9 s at
    the start of a 100,000-article run (they parse several files ahead, and a stop waits
    for the running ones); read here, 0.2 s."""
    articles: list[Article] = []
    for i in _spread(len(paths)):
        try:
            articles.extend(read_articles(paths[i], date_order=date_order,
                                          max_bytes=max_bytes))
        except Exception:  # noqa: BLE001 - a bad file is the run's to report, not the sample's
            continue
        if len(articles) >= size:
            break
    return articles[:size]


def _engine_name(index_dir: str | os.PathLike[str]) -> str:
    from newsearch.engine import index_engine

    try:
        return index_engine(index_dir) or ""
    except EngineError:
        return ""


def _run(writer, roots: list[str], summary: IndexSummary, *, rebuild: bool,  # noqa: ANN001
         jobs: int, batch_size: int, date_order: str, max_bytes: int,
         progress: Progress | None) -> None:
    indexed = {} if rebuild else writer.indexed_files()
    seen: set[str] = set()
    todo: list[str] = []
    to_delete: list[str] = []
    for item in iter_files([Path(r) for r in roots]):
        real = os.path.abspath(item.path)
        path = storable_path(real)
        if path in seen:
            continue
        seen.add(path)
        reason = getattr(item, "reason", None)
        if reason:
            summary.skip(reason, path, getattr(item, "message", "") or reason)
            if path in indexed:
                to_delete.append(path)
            continue
        old = indexed.get(path)
        if old and old == file_signature(real):
            summary.unchanged += 1
        else:
            todo.append(real)
    stored_roots = [storable_path(r) for r in roots]
    gone = [p for p in indexed if p not in seen and _under(p, stored_roots)]
    pending = 0
    if to_delete or gone:
        writer.delete_paths(to_delete + gone)
        summary.removed += len(to_delete) + len(gone)
        pending += len(to_delete) + len(gone)
    total = len(todo)
    if progress:
        progress(0, total)
    analyze_text = bool(getattr(writer, "accepts_analysis", False))
    if todo and writer.sample_size:
        writer.learn(_sample(todo, writer.sample_size, date_order=date_order,
                             max_bytes=max_bytes))
    engine_prepare = getattr(writer, "prepare", None)
    prepare = functools.partial(_prepare, engine_prepare) if engine_prepare else None
    for done, result in enumerate(parse_files(todo, jobs=jobs, date_order=date_order,
                                              max_bytes=max_bytes, analyze_text=analyze_text,
                                              ahead=batch_size, prepare=prepare),
                                  1):
        path = storable_path(result.path)
        if result.skipped:
            summary.skip(result.skipped, path, result.message)
            if path in indexed:
                writer.delete_paths([path])
                summary.removed += 1
                pending += 1
        else:
            if path in indexed:
                writer.delete_paths([path])
                summary.updated += 1
            else:
                summary.added += 1
            for article in result.articles:
                article.path = storable_path(article.path)
            writer.add(result.articles)
            summary.articles += len(result.articles)
            pending += len(result.articles)
        if pending >= batch_size:
            writer.commit()
            pending = 0
        if progress:
            progress(done, total)
    writer.commit()
