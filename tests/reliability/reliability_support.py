"""Helpers of the reliability tests and of ``scripts/crash_test.py`` / ``scripts/load_test.py``.

- :func:`make_archive`: a generated archive of small plain-text articles (words we make up,
  seeded), some files holding several articles (JSON Lines) so that "half a file indexed"
  would show.
- :func:`inspect_index`: open an index with the real engine and list what it holds: article
  count, duplicate ids, duplicate ``(path, position)`` pairs, paths and their articles.
- :func:`crash_run`: run a real ``newsearch index`` subprocess, SIGKILL its process group at
  a random moment (seeded) while a watcher records every commit it saw become visible, then
  open the index and check it against the archive and against what was seen.

Nothing here mocks the engine: indexes are real, written by the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsearch.article import Article

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

_SYLLABLES = ("ka", "lo", "mi", "ra", "ven", "tor", "sel", "da", "qui", "bro", "na", "fel",
              "gar", "os", "tin", "pe", "lu", "mar", "zo", "chi", "an", "dre", "vo", "sti")
_PLACES = ("Oslo", "Lagos", "Lima", "Hanoi", "Quito", "Perth", "Tunis", "Riga", "Accra", "Porto")
_PEOPLE = ("Ana Mireles", "Tomas Kvarn", "Ines Oduya", "Pavel Strand", "Mei Lorca",
           "Joel Ferraz", "Ruth Abara", "Lev Dunmore")
_PUBLISHERS = ("Harbor Gazette", "Meridian Wire", "Northfield Post", "Coastline Daily")


def _make_vocabulary(size: int = 1500) -> list[str]:
    rng = random.Random("vocabulary")
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


VOCABULARY = _make_vocabulary()
"""Made-up words (a fixed vocabulary, so the index has a realistic number of terms)."""


def _word(rng: random.Random) -> str:
    # Roughly Zipfian: low ranks are drawn far more often.
    return VOCABULARY[min(len(VOCABULARY) - 1, int(rng.paretovariate(1.0)) - 1)
                      if rng.random() < 0.5 else rng.randrange(len(VOCABULARY))]


def story_text(rng: random.Random, i: int) -> tuple[str, str, str]:
    """(title, date, body) of generated article number ``i``."""
    title = f"{_word(rng).capitalize()} {_word(rng)} report {i}"
    day = f"20{rng.randint(10, 24):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    person, place = rng.choice(_PEOPLE), rng.choice(_PLACES)
    sentences = []
    for _ in range(rng.randint(3, 6)):
        words = " ".join(_word(rng) for _ in range(rng.randint(6, 14)))
        sentences.append(f"{words.capitalize()}.")
    body = (f"{person} said in {place} on Monday that the {_word(rng)} plan number {i} "
            f"would go ahead. " + " ".join(sentences))
    return title, day, body


def make_archive(root: Path, n_articles: int, *, seed: int = 1, per_jsonl: int = 5,
                 jsonl_every: int = 10) -> dict[str, int]:
    """Write ``n_articles`` articles under ``root`` (sub-folders of 200 files); every
    ``jsonl_every``-th file is a ``.jsonl`` holding ``per_jsonl`` articles. Returns
    ``{absolute path: articles in it}``."""
    rng = random.Random(seed)
    files: dict[str, int] = {}
    i = n = 0
    while n < n_articles:
        folder = root / f"part-{i // 200:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        if jsonl_every and i % jsonl_every == jsonl_every - 1 and n + per_jsonl <= n_articles:
            lines = []
            for k in range(per_jsonl):
                title, day, body = story_text(rng, n + k)
                lines.append(json.dumps({"title": title, "date": day, "text": body,
                                         "publisher": rng.choice(_PUBLISHERS)}))
            path = folder / f"wire-{i:05d}.jsonl"
            path.write_text("\n".join(lines) + "\n", "utf-8")
            files[str(path.absolute())] = per_jsonl
            n += per_jsonl
        else:
            title, day, body = story_text(rng, n)
            path = folder / f"story-{i:05d}.txt"
            path.write_text(f"{title}\nDate: {day}\nSource: {rng.choice(_PUBLISHERS)}\n\n"
                            f"{body}\n", "utf-8")
            files[str(path.absolute())] = 1
            n += 1
        i += 1
    return files


N_ARTICLES = 1500
"""Generated articles in the shared index (Whoosh writes about 200 a second here)."""


def code_word(i: int) -> str:
    """A word only article ``i`` has: ``zzcode*`` expands to one word per article."""
    return f"zzcode{i}"


def generated_articles(n: int, seed: int = 5) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title, day, body = story_text(rng, i)
        body = f"{body} Reference {code_word(i)}."
        out.append(Article(
            path=f"/archive/gen/story-{i:05d}.txt", format="text", title=title, body=body,
            published=day if i % 17 else None, date_source="header" if i % 17 else "none",
            publisher=rng.choice(_PUBLISHERS), people=[rng.choice(_PEOPLE)],
            places=[rng.choice(_PLACES)], orgs=["Harbour Board"] if i % 5 == 0 else [],
            tags=["ports"] if i % 3 == 0 else [], file_signature=f"{i}:{i}"))
    return out


@dataclass
class IndexContents:
    articles: int
    generation: str
    ids: Counter
    pairs: Counter
    """(path, position) -> how many documents hold it."""
    per_path: Counter
    """path -> number of articles of that file in the index."""

    @property
    def duplicate_ids(self) -> int:
        return sum(c - 1 for c in self.ids.values() if c > 1)

    @property
    def duplicate_pairs(self) -> int:
        return sum(c - 1 for c in self.pairs.values() if c > 1)


def inspect_index(index_dir: Path) -> IndexContents:
    """Open the index with the real engine and list every live article (duplicates not
    collapsed)."""
    from newsearch.engine import EngineQuery, open_engine
    from newsearch.querytree import MatchAll

    with open_engine(index_dir) as engine:
        total = engine.search(EngineQuery(query=MatchAll(), collapse=False, limit=0)).total
        ids: Counter = Counter()
        pairs: Counter = Counter()
        per_path: Counter = Counter()
        step = 1000
        for offset in range(0, total, step):
            res = engine.search(EngineQuery(query=MatchAll(), collapse=False, offset=offset,
                                            limit=step, sort="oldest"))
            for hit in res.hits:
                a = hit.article
                ids[a.id] += 1
                pairs[(a.path, a.position)] += 1
                per_path[a.path] += 1
        generation = engine.generation()
    return IndexContents(total, generation, ids, pairs, per_path)


def index_command(archive: Path, index_dir: Path, engine: str, *, batch_size: int,
                  jobs: int = 2) -> list[str]:
    return [PYTHON, "-m", "newsearch.cli", "index", str(archive), "--index", str(index_dir),
            "--engine", engine, "--batch-size", str(batch_size), "--jobs", str(jobs), "--quiet"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NEWSEARCH_INDEX", None)
    return env


class CommitWatcher(threading.Thread):
    """Polls the index while the indexer runs: every commit that became visible (opened
    with the real engine) is recorded with its article count. A commit that was seen must
    never be lost by a crash."""

    def __init__(self, index_dir: Path, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.index_dir = index_dir
        self.interval = interval
        self.stop = threading.Event()
        self.seen: dict[str, int] = {}
        self.max_seen = 0
        self._engine = None

    def run(self) -> None:
        from newsearch.engine import EngineError, EngineQuery, open_engine
        from newsearch.querytree import MatchAll

        while not self.stop.is_set():
            try:
                if self._engine is None:
                    self._engine = open_engine(self.index_dir)
                else:
                    self._engine.refresh()
                gen = self._engine.generation()
                if gen not in self.seen:
                    n = self._engine.search(EngineQuery(query=MatchAll(), collapse=False,
                                                        limit=0)).total
                    self.seen[gen] = n
                    self.max_seen = max(self.max_seen, n)
            except (EngineError, OSError, ValueError):
                pass  # no index yet, or a commit being written: try again
            self.stop.wait(self.interval)
        if self._engine is not None:
            self._engine.close()


@dataclass
class KillReport:
    delay: float
    killed: bool
    """False when the run finished before the kill."""
    articles: int
    max_seen: int
    duplicate_ids: int
    duplicate_pairs: int
    partial_files: list[str] = field(default_factory=list)
    unknown_paths: list[str] = field(default_factory=list)
    opened: bool = True
    error: str = ""
    leftovers: list[str] = field(default_factory=list)
    returncode: int | None = None
    """Exit status of a run that ended before its kill (None when killed)."""
    stderr: str = ""

    @property
    def lost(self) -> int:
        """Articles of a commit seen visible before the kill that the index no longer has."""
        return max(0, self.max_seen - self.articles)

    @property
    def ok(self) -> bool:
        return (self.opened and not self.lost and not self.duplicate_ids
                and not self.duplicate_pairs and not self.partial_files
                and not self.unknown_paths)


def check_against_archive(contents: IndexContents, expected: dict[str, int]) -> tuple[
        list[str], list[str]]:
    """(files only partly in the index, paths in the index that are not in the archive)."""
    partial = [p for p, n in contents.per_path.items() if p in expected and n != expected[p]]
    unknown = [p for p in contents.per_path if p not in expected]
    return partial, unknown


def crash_run(archive: Path, index_dir: Path, engine: str, expected: dict[str, int], *,
              delay: float, batch_size: int, jobs: int = 2, floor: int = 0) -> KillReport:
    """Start ``newsearch index``, SIGKILL its process group after ``delay`` seconds, check.

    ``floor``: articles the index held before this run (from earlier runs): never fewer
    afterwards.
    """
    watcher = CommitWatcher(index_dir)
    watcher.max_seen = floor
    watcher.start()
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(index_command(archive, index_dir, engine, batch_size=batch_size,
                                          jobs=jobs),
                            stdout=subprocess.DEVNULL, stderr=err,
                            env=child_env(), start_new_session=True)
    killed = False
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        killed = True
        proc.wait()
    # Let the workers of the killed group die too before the index is inspected.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    err.seek(0)
    stderr = err.read().decode("utf-8", "replace")
    err.close()
    returncode = None if killed else proc.returncode
    watcher.stop.set()
    watcher.join()
    try:
        contents = inspect_index(index_dir)
    except Exception as exc:  # noqa: BLE001 - reported, the caller asserts
        if not killed or watcher.max_seen or floor:
            return KillReport(delay, killed, 0, watcher.max_seen, 0, 0, opened=False,
                              error=f"{type(exc).__name__}: {exc}", returncode=returncode,
                              stderr=stderr)
        # Killed before the first commit: there may be no index yet, which is fine.
        return KillReport(delay, killed, 0, 0, 0, 0, opened=True, error=f"no index yet: {exc}",
                          returncode=returncode, stderr=stderr)
    partial, unknown = check_against_archive(contents, expected)
    return KillReport(delay, killed, contents.articles, watcher.max_seen,
                      contents.duplicate_ids, contents.duplicate_pairs, partial, unknown,
                      leftovers=leftovers(index_dir), returncode=returncode, stderr=stderr)


def leftovers(index_dir: Path) -> list[str]:
    """Names in the index folder that look like what a killed writer leaves behind."""
    out = []
    for name in sorted(os.listdir(index_dir)) if index_dir.is_dir() else []:
        if ".toc." in name or name.endswith(".tmp"):
            out.append(name)
    return out


def orphan_segments(index_dir: Path) -> list[str]:
    """Whoosh only: segment files in the folder that the current table of contents does not
    list (what a writer killed inside a commit leaves behind)."""
    from whoosh.index import open_dir  # an engine-specific check of the files on disk

    ix = open_dir(str(index_dir), indexname="MAIN", readonly=True)
    listed = {f"{s.segment_id()}.seg" for s in ix._segments()}
    return sorted(n for n in os.listdir(index_dir) if n.endswith(".seg") and n not in listed)


def final_run(archive: Path, index_dir: Path, engine: str, *, batch_size: int,
              jobs: int = 2) -> subprocess.CompletedProcess:
    return subprocess.run(index_command(archive, index_dir, engine, batch_size=batch_size,
                                        jobs=jobs),
                          capture_output=True, text=True, env=child_env(), timeout=600)
