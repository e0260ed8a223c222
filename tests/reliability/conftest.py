"""Fixtures of the reliability tests: one index of a few thousand generated articles per
engine, built once per session with the real writer, and the real Flask app over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from reliability_support import N_ARTICLES, generated_articles

from newsearch.app import create_app
from newsearch.engine import open_writer


@pytest.fixture(scope="session", params=["whoosh", "tantivy"])
def big_index(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    engine = request.param
    if engine == "tantivy":
        pytest.importorskip("tantivy")
    index_dir = tmp_path_factory.mktemp(f"reliability-{engine}") / "index"
    with open_writer(index_dir, engine=engine) as writer:
        writer.add(generated_articles(N_ARTICLES))
        writer.commit()
    return engine, index_dir


@pytest.fixture(scope="session")
def big_app(big_index: tuple[str, Path]) -> Iterator[Flask]:
    _, index_dir = big_index
    app = create_app({"index": str(index_dir), "TESTING": True})
    yield app
    app.extensions["newsearch"].close()
