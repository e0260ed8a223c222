"""Shared fixtures: one index of samples/ per engine and session, and small indexes on demand.

- ``engine_name``: session-scoped, parametrised over every engine; an engine whose module is
  not there yet (``newsearch/engine/tantivy_engine.py``) is skipped cleanly.
- ``index_dir`` / ``engine``: the index of ``samples/`` built once per session and engine with
  the real indexer, and an open :class:`~newsearch.engine.Engine` on it.
- ``build_index``: writes a list of :class:`~newsearch.article.Article` objects into a fresh
  index under ``tmp_path`` with the engine of ``engine_name`` and returns its directory.
- ``shared_dir``: ``../shared`` (or ``$NEWSEARCH_SHARED``); tests that need it skip when absent.
- Tests marked ``slow`` run only with ``NEWSEARCH_SLOW=1``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from newsearch.article import Article

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
ENGINE_NAMES = ("whoosh", "tantivy")


def shared_path() -> Path:
    env = os.environ.get("NEWSEARCH_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def engine_available(name: str) -> bool:
    return importlib.util.find_spec(f"newsearch.engine.{name}_engine") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("NEWSEARCH_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set NEWSEARCH_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = shared_path()
    if not (path / "corpora").is_dir():
        pytest.skip(f"shared folder not found at {path}")
    return path


@pytest.fixture(scope="session", params=ENGINE_NAMES)
def engine_name(request: pytest.FixtureRequest) -> str:
    name = request.param
    if not engine_available(name):
        pytest.skip(f"newsearch/engine/{name}_engine.py does not exist yet")
    return name


_SAMPLE_INDEXES: dict[str, Path] = {}


@pytest.fixture(scope="session")
def index_dir(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index of samples/ for this engine, built once per session."""
    if engine_name not in _SAMPLE_INDEXES:
        from newsearch.indexer import update_index

        target = tmp_path_factory.mktemp(f"samples-{engine_name}") / "index"
        summary = update_index([SAMPLES], target, engine=engine_name, jobs=1)
        assert summary.error is None, summary.error
        assert summary.articles > 0
        _SAMPLE_INDEXES[engine_name] = target
    return _SAMPLE_INDEXES[engine_name]


@pytest.fixture(scope="session")
def engine(index_dir: Path) -> Iterator:
    from newsearch.engine import open_engine

    eng = open_engine(index_dir)
    yield eng
    eng.close()


def write_articles(index_dir: Path, engine: str, articles: Iterable[Article],
                   rebuild: bool = False) -> Path:
    from newsearch.engine import open_writer

    with open_writer(index_dir, engine=engine, rebuild=rebuild) as writer:
        writer.add(list(articles))
        writer.commit()
    return index_dir


@pytest.fixture(scope="session")
def article_writer() -> Callable[..., Path]:
    """``article_writer(index_dir, engine, articles, rebuild=False)``: add and commit."""
    return write_articles


@pytest.fixture
def build_index(tmp_path: Path, engine_name: str) -> Callable[..., Path]:
    """``build_index(articles, name="index") -> Path``: a fresh index of these articles."""

    def build(articles: Iterable[Article], name: str = "index") -> Path:
        return write_articles(tmp_path / name, engine_name, articles)

    return build
