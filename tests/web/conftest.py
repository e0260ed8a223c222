"""Fixtures of the web tests: a real index built once per session from samples/ (each
engine), the real Flask app over it, and helpers that parse the HTML it serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient

from newsearch.app import create_app
from newsearch.engine import ENGINES, Engine, open_engine
from newsearch.indexer import update_index

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def build_sample_index(index_dir: Path, engine: str) -> Path:
    summary = update_index([SAMPLES], index_dir, engine=engine, rebuild=True, jobs=1)
    assert summary.error is None, summary.error
    assert summary.articles > 20, summary
    return index_dir


@pytest.fixture(scope="session", params=ENGINES)
def web_index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of samples/ built by our indexer, once per engine."""
    engine = request.param
    if engine == "tantivy":
        pytest.importorskip("tantivy", reason="the tantivy engine is not installed")
    return build_sample_index(tmp_path_factory.mktemp(f"web-index-{engine}"), engine)


@pytest.fixture(scope="session")
def app(web_index: Path) -> Iterator[Flask]:
    app = create_app({"index": str(web_index), "TESTING": True})
    yield app
    app.extensions["newsearch"].close()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def engine(web_index: Path) -> Iterator[Engine]:
    """The same index opened directly, to compare the pages with the core's answers."""
    handle = open_engine(web_index)
    yield handle
    handle.close()


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def query_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query, keep_blank_values=True)


def path_of(href: str) -> str:
    return urlsplit(href).path
