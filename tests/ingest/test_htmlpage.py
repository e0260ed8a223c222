"""HTML article pages through trafilatura: main text, metadata, no network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from newsearch.ingest import IngestError, read_articles

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Tram Line Opens | Bay Herald</title>
<meta property="og:title" content="Tram Line Opens">
<meta property="og:site_name" content="Bay Herald">
<meta property="og:url" content="https://bay.example/tram">
<meta property="article:published_time" content="2022-05-06T07:08:09+02:00">
<meta property="article:section" content="Local">
<meta property="article:tag" content="Trams">
<meta name="author" content="Ana Ruiz">
<script src="https://tracker.example/t.js"></script>
<link rel="stylesheet" href="https://cdn.example/site.css">
</head><body>
<nav><a href="/">Home</a> <a href="/subscribe">Subscribe today</a></nav>
<article><h1>Tram Line Opens</h1>
<p>The new tram line opened on Friday, linking the harbour to the university in twelve minutes.</p>
<p>Passengers queued before dawn for the first ride, and the mayor cut a ribbon at the depot.</p>
<p>The city expects thirty thousand riders a day once the summer timetable starts in June.</p>
<img src="https://images.example/tram.jpg" alt="tram">
</article>
<footer>Cookie settings. Privacy policy. Copyright Bay Herald.</footer>
</body></html>
"""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_article_page(tmp_path: Path, no_network: None) -> None:
    path = tmp_path / "tram.html"
    path.write_text(PAGE, encoding="utf-8")
    [article] = read_articles(path)
    assert article.format == "html"
    assert article.title == "Tram Line Opens"
    assert article.publisher == "Bay Herald"
    assert article.url == "https://bay.example/tram"
    assert article.authors == ["Ana Ruiz"]
    assert article.section == "Local" and article.tags == ["Trams"]
    assert (article.published, article.date_source) == ("2022-05-06T07:08:09", "metadata")
    assert article.body.startswith("The new tram line opened on Friday")
    assert article.body.endswith("summer timetable starts in June.")
    for boilerplate in ("Subscribe", "Cookie", "Privacy", "Home"):
        assert boilerplate not in article.body


def test_page_without_metadata(tmp_path: Path, no_network: None) -> None:
    path = tmp_path / "bare.htm"
    path.write_text("<html><body><h1>Harbour Fair</h1><p>" + "The fair returned to the "
                    "harbour this weekend with stalls and music. " * 5 + "</p></body></html>")
    [article] = read_articles(path)
    assert article.title == "Harbour Fair" and article.publisher == ""
    assert article.published is None and article.date_source == "none"
    assert "fair returned" in article.body


def test_site_name_from_the_title_tag(tmp_path: Path, no_network: None) -> None:
    path = tmp_path / "fair.html"
    path.write_text("<html><head><title>Harbour Fair Returns | Bay Herald</title></head><body>"
                    "<article><p>" + "The fair returned to the harbour this weekend. " * 4
                    + "</p></article></body></html>")
    [article] = read_articles(path)
    assert (article.title, article.publisher) == ("Harbour Fair Returns", "Bay Herald")


def test_page_without_text(tmp_path: Path, no_network: None) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<!DOCTYPE html><html><head><title>Nothing</title></head><body></body></html>")
    with pytest.raises(IngestError) as info:
        read_articles(path)
    assert info.value.reason == "no-body"


def test_sample_pages(samples: Path, no_network: None) -> None:
    pages = sorted((samples / "html").glob("*.htm*"))
    assert len(pages) >= 3
    for page in pages:
        [article] = read_articles(page)
        assert article.format == "html" and article.title and article.publisher
        assert article.date_source == "metadata"
        assert "Cookie" not in article.body and "Most read" not in article.body
