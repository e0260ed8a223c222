"""The sample archive: every file parses, every format is there, the promised quirks hold."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from newsearch.article import FORMATS, Article
from newsearch.ingest import read_articles
from newsearch.ingest.walk import FileEntry, iter_files

TEASER_ONLY_WORDS = ("zeppelin", "platypus", "saxophone", "trampoline", "origami", "airship")


@pytest.fixture(scope="module")
def archive() -> dict[Path, list[Article]]:
    samples = Path(__file__).resolve().parents[2] / "samples"
    out = {}
    for entry in iter_files([samples]):
        assert isinstance(entry, FileEntry) or entry.path.name == "README.md", entry
        if isinstance(entry, FileEntry):
            out[entry.path] = read_articles(entry.path)
    return out


def all_articles(archive: dict[Path, list[Article]]) -> list[Article]:
    return [a for articles in archive.values() for a in articles]


def test_size_and_coverage(archive: dict[Path, list[Article]]) -> None:
    articles = all_articles(archive)
    assert len(archive) >= 36
    assert len(articles) >= 40
    formats = Counter(a.format for a in articles)
    assert set(formats) == set(FORMATS)
    assert formats["scraped"] >= 8 and formats["html"] >= 3
    assert any(p.name.endswith(".gz") for p in archive)
    assert max(len(v) for p, v in archive.items() if p.suffix == ".jsonl") >= 3
    assert max(len(v) for p, v in archive.items() if p.suffix == ".json") >= 3
    assert len({a.publisher for a in articles if a.publisher}) >= 5
    years = {a.published[:4] for a in articles if a.published}
    assert {"2019", "2020", "2021", "2022", "2023", "2024"} <= years
    sections = {a.section for a in articles}
    assert {"World", "Business", "Politics", "Technology", "Sport", "Science"} <= sections


def test_every_article_is_complete(archive: dict[Path, list[Article]]) -> None:
    for article in all_articles(archive):
        assert article.title, article.path
        words = len(article.body.split())
        if article.format == "reuters":
            continue  # wire stories: a BRIEF and a table are short on purpose
        assert 150 <= words <= 600, (article.path, words)


def test_dates_of_every_kind(archive: dict[Path, list[Article]]) -> None:
    sources = Counter(a.date_source for a in all_articles(archive))
    assert sources["none"] >= 2
    assert sources["relative"] >= 1 and sources["header"] >= 1 and sources["metadata"] >= 1
    for article in all_articles(archive):
        if article.published:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?", article.published)


def test_duplicate_content(archive: dict[Path, list[Article]]) -> None:
    hashes = Counter(a.content_hash for a in all_articles(archive))
    duplicated = [h for h, n in hashes.items() if n > 1]
    assert len(duplicated) == 1
    paths = [a.path for a in all_articles(archive) if a.content_hash == duplicated[0]]
    assert any(" " in Path(p).name for p in paths)


def test_teaser_words_are_not_in_any_article(archive: dict[Path, list[Article]]) -> None:
    raw = " ".join(p.read_text(encoding="utf-8").lower() for p in archive
                   if p.parent.name == "scraped")
    for word in TEASER_ONLY_WORDS:
        assert word in raw  # the word is on a page...
        for article in all_articles(archive):  # ...but in no article
            text = f"{article.title}\n{article.body}".lower()
            assert word not in text, (word, article.path)


def test_literal_html_survives_as_text(archive: dict[Path, list[Article]]) -> None:
    [xss] = [a for a in all_articles(archive) if "<script>" in a.title]
    assert "<script>alert(1)</script>" in xss.title
    assert "<script>alert(1)</script>" in xss.body
    assert "<img src=x onerror=alert(2)>" in xss.body


def test_annotations_and_tags(archive: dict[Path, list[Article]]) -> None:
    scraped = [a for a in all_articles(archive) if a.format == "scraped"]
    assert all(a.people or a.places for a in scraped)
    assert all(a.tags for a in scraped)
    people = {p for a in all_articles(archive) for p in a.people}
    assert {"Mara Ellison", "Tomas Okafor", "Kenji Morimoto"} <= people
    reuters = [a for a in all_articles(archive) if a.format == "reuters"]
    assert reuters and all(a.people == [] and a.places == [] for a in reuters)
    assert "netherlands" in reuters[0].tags
