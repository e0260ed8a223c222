"""Fixtures of the reliability tests: one index of a few thousand generated articles per
engine, built once per session with the real writer, and the real Flask app over it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from reliability_support import _PEOPLE, _PLACES, _PUBLISHERS, story_text

from newsearch.app import create_app
from newsearch.article import Article
from newsearch.engine import open_writer

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
