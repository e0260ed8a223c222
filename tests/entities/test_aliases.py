"""Aliases of places and organisations: one facet value for "U.S.", "US" and "United States".

``newsearch.article.normalize_value`` keys every spelling of ``data/aliases.txt`` alike; the
extractor lists an article's aliases once; a real index (both engines) counts them as one
facet value and ``place:us`` finds every spelling.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsearch.article import Article, normalize_value
from newsearch.engine import ENGINES, EngineQuery, open_engine, open_writer
from newsearch.entities import extractor, find_entities
from newsearch.entities.lexicon import lexicon
from newsearch.params import parse_search_params
from newsearch.search import search
from newsearch.settings import load_settings

DATA = Path(extractor.__file__).parent / "data" / "aliases.txt"


def _lines() -> list[list[str]]:
    text = DATA.read_text(encoding="utf-8")
    return [[n.strip() for n in line.split("|")] for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def test_alias_file_lines_have_one_key_and_no_key_is_shared() -> None:
    owner: dict[str, str] = {}
    for names in _lines():
        assert len(names) >= 2, names
        keys = {normalize_value(n) for n in names}
        assert keys == {normalize_value(names[0])}, names
        for name in names:
            k = normalize_value(name, aliases=False)
            assert owner.setdefault(k, names[0]) == names[0], (name, owner[k])


def test_extractor_lists_the_aliases_of_an_article_once() -> None:
    found = find_entities(
        "",
        "Talks between the U.S. and the EU resumed in Geneva. Later, the United States said "
        "the European Union and the US would meet again, with Britain and the UK's allies.",
    )
    assert sorted(normalize_value(p) for p in found.places) == [
        "geneva", "united kingdom", "united states"]
    assert [normalize_value(o) for o in found.orgs] == ["european union"]
    # the most complete spelling the article uses, by default
    assert "United States" in found.places and "European Union" in found.orgs
    found = find_entities("", "The U.S. and the EU met in Geneva. The US said so.")
    assert found.places == ["U.S.", "Geneva"] and found.orgs == ["EU"]


def test_extractor_canonical_display_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extractor, "CANONICAL_ALIASES", True)
    found = find_entities("", "Officials of the U.S. and the EU met in Geneva on Monday.")
    assert found.places == ["United States", "Geneva"]
    assert "United States" in found.places and "European Union" in found.orgs
    assert lexicon().alias_names[normalize_value("U.N.")] == "United Nations"


def _article(path: str, places: list[str], orgs: list[str]) -> Article:
    return Article(path=path, format="text", title=f"Story {path}", body="Trade talks went on.",
                   published="2024-05-01", places=places, orgs=orgs)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_one_facet_value_and_place_us_finds_every_spelling(tmp_path: Path,
                                                           engine_name: str) -> None:
    articles = [
        _article("/a/1.txt", ["United States"], ["United Nations"]),
        _article("/a/2.txt", ["U.S."], ["UN"]),
        _article("/a/3.txt", ["US", "Canada"], ["U.N."]),
        _article("/a/4.txt", ["Canada"], ["European Union"]),
        _article("/a/5.txt", ["Usk"], ["EU"]),
    ]
    with open_writer(tmp_path / "index", engine=engine_name) as writer:
        writer.add(articles)
        writer.commit()
    settings = load_settings(environ={})
    with open_engine(tmp_path / "index") as engine:
        def hits(query: str) -> set[str]:
            request = parse_search_params({"q": [query], "size": ["100"]}, settings)
            return {h.path for h in search(engine, request, settings=settings).hits}

        want = {"/a/1.txt", "/a/2.txt", "/a/3.txt"}
        assert hits("place:us") == want
        assert hits('place:"United States"') == want
        assert hits("place:U.S.") == want
        assert hits("org:un") == want
        assert hits("org:eu") == {"/a/4.txt", "/a/5.txt"}
        result = engine.search(EngineQuery(limit=10, facets=("places", "orgs")))
        places = {v.value: v.count for v in result.facets["places"]}
        assert sorted(places.values()) == [1, 2, 3]
        assert {normalize_value(v) for v in places} == {"united states", "canada", "usk"}
        orgs = {normalize_value(v.value): v.count for v in result.facets["orgs"]}
        assert orgs == {"united nations": 3, "european union": 2}
