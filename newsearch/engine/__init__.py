"""Engines: the index behind newsearch, chosen per index and remembered by it.

``open_engine(index_dir)`` opens the read side and ``open_writer(index_dir, engine=...)`` the
write side of whichever engine the index was created with (``newsearch.json`` in the index
directory records it). Only the ``*_engine`` modules import an index library.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from newsearch.engine.base import (
    ENGINE_FACETS,
    SORTS,
    UNDATED,
    Engine,
    EngineError,
    EngineHit,
    EngineQuery,
    EngineResult,
    EngineWriter,
    FacetValue,
    Filters,
    HistogramBucket,
    IndexLocked,
    IndexStats,
    PreparedArticle,
    QueryTooExpensive,
)

ENGINES = ("whoosh", "tantivy")
META_FILE = "newsearch.json"

__all__ = [
    "ENGINES", "ENGINE_FACETS", "SORTS", "UNDATED", "Engine", "EngineError", "EngineHit",
    "EngineQuery", "EngineResult", "EngineWriter", "FacetValue", "Filters", "HistogramBucket",
    "IndexLocked", "IndexStats", "PreparedArticle", "QueryTooExpensive", "index_engine",
    "open_engine", "open_writer",
]


def index_engine(index_dir: str | os.PathLike[str]) -> str | None:
    """The engine an existing index was created with, or None when there is no index."""
    meta = Path(index_dir) / META_FILE
    if not meta.exists():
        return None
    try:
        name = json.loads(meta.read_text("utf-8"))["engine"]
    except (OSError, ValueError, KeyError) as exc:
        raise EngineError(f"{meta} is unreadable: {exc}") from None
    if name not in ENGINES:
        raise EngineError(f"{meta} names an unknown engine {name!r}")
    return name


def _module(name: str):  # noqa: ANN202 - returns a module
    if name == "whoosh":
        from newsearch.engine import whoosh_engine

        return whoosh_engine
    if name == "tantivy":
        try:
            from newsearch.engine import tantivy_engine
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EngineError(
                "the tantivy engine needs the tantivy package: pip install 'newsearch[tantivy]'"
            ) from exc
        return tantivy_engine
    raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


def open_engine(index_dir: str | os.PathLike[str]) -> Engine:
    """Open an existing index for searching (read-only)."""
    name = index_engine(index_dir)
    if name is None:
        raise EngineError(f"no index at {index_dir}: run `newsearch index ARCHIVE --index "
                          f"{index_dir}` first")
    return _module(name).open_engine(Path(index_dir))


def open_writer(
    index_dir: str | os.PathLike[str], engine: str | None = None, rebuild: bool = False
) -> EngineWriter:
    """Open (creating it if needed) an index for writing.

    ``engine`` chooses the engine of a new index; for an existing one it must match (or be
    None) unless ``rebuild`` is set, which empties the index and may change its engine.
    """
    index_dir = Path(index_dir)
    current = index_engine(index_dir)
    chosen = engine or current or "whoosh"
    if current and chosen != current and not rebuild:
        raise EngineError(f"{index_dir} is a {current} index; use --rebuild to make it a "
                          f"{chosen} index")
    return _module(chosen).open_writer(index_dir, rebuild=rebuild or chosen != current)
