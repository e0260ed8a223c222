"""Web safety over a real index holding hostile articles (both engines): everything from an
article is rendered as text (title, body, byline, publisher, section, tags, entity names,
URLs: a ``javascript:`` URL never becomes a link), security headers on every response
(pages, API, static files, errors), a request size limit, errors logged with their trace but
shown without one, no debug mode outside development, and no way out of the index through
article ids or paths."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from flask import Flask
from reliability_support import PYTHON, child_env

from newsearch.app import SECURITY_HEADERS, create_app
from newsearch.article import Article
from newsearch.engine import open_writer

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
EVIL_PERSON = "Ivo <svg onload=alert(3)> Marek"
EVIL_PLACE = "Port <iframe src=javascript:alert(4)>"
EVIL_ORG = "Acme' onmouseover='alert(5)"


def evil_articles() -> list[Article]:
    out = []
    for i, url in enumerate(["javascript:alert(6)", " JavaScript:alert(7)",
                             "data:text/html,<script>alert(8)</script>", "vbscript:x",
                             "//evil.example/x", "https://ok.example/story"]):
        out.append(Article(
            path=f"/archive/evil-{i}.txt", format="text",
            title=f"Harbour {XSS} title {i}",
            body=f"Harbour body {XSS} with pier words.\n\n</p><p onclick=alert(9)>x {i}",
            authors=[f"By <b onclick=alert(10)>Mallory</b> {i}"], publisher=f"Pub {XSS}",
            section=f"<i>section</i>{i}", tags=[f"<u>tag</u>{i}"], url=url,
            people=[EVIL_PERSON], places=[EVIL_PLACE], orgs=[EVIL_ORG],
            published=f"2022-05-0{i + 1}", date_source="header", file_signature=f"{i}:1"))
    return out


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def evil_app(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    if request.param == "tantivy":
        pytest.importorskip("tantivy")
    index_dir = tmp_path_factory.mktemp(f"evil-{request.param}") / "index"
    with open_writer(index_dir, engine=request.param) as writer:
        writer.add(evil_articles())
        writer.commit()
    app = create_app({"index": str(index_dir), "TESTING": True})
    yield app
    app.extensions["newsearch"].close()


def _pages(app: Flask) -> list[str]:
    client = app.test_client()
    hits = client.get("/api/v1/search?q=harbour&size=10").get_json()["hits"]
    assert len(hits) == 6
    urls = ["/?q=harbour", "/?q=harbour+alert+script", "/?q=pier&sort=newest",
            f"/?q=harbour&person={quote(EVIL_PERSON)}", f"/?place={quote(EVIL_PLACE)}",
            "/?q=" + quote(XSS)]
    urls += [f"/article/{h['id']}" for h in hits]
    urls += [f"/article/{h['id']}?q=alert+script" for h in hits]
    urls += [f"/entity/person/{quote(EVIL_PERSON, safe='')}",
             f"/entity/place/{quote(EVIL_PLACE, safe='')}",
             f"/entity/org/{quote(EVIL_ORG, safe='')}"]
    return urls


def test_article_text_is_never_markup(evil_app: Flask) -> None:
    client = evil_app.test_client()
    for url in _pages(evil_app):
        response = client.get(url)
        # A query with an unbalanced quote is a syntax error: its page must be as safe.
        assert response.status_code == (400 if url.startswith("/?q=%22") else 200), url
        html = response.get_data(as_text=True)
        doc = lxml.html.document_fromstring(html)
        # Only our own script, no inline handlers, no frames, no injected elements.
        assert [s.get("src") for s in doc.iter("script")] == ["/assets/site.js"], url
        assert not list(doc.iter("iframe", "img", "object", "embed")), url  # (svg: our timeline)
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (url, element.tag, name)
                if name in ("href", "src", "action", "formaction"):
                    scheme = value.strip().lower().split(":", 1)[0]
                    assert scheme not in ("javascript", "data", "vbscript"), (url, value)
            if element.tag in ("b", "i", "u"):
                assert "alert" not in (element.text_content() or ""), url
        # The hostile text is shown, as text.
        text = doc.text_content()
        assert "alert(" in text, url  # shown as text (in the hit, or the query echoed back)


def test_only_http_urls_become_links(evil_app: Flask) -> None:
    client = evil_app.test_client()
    hits = client.get("/api/v1/search?q=harbour&size=10").get_json()["hits"]
    hrefs = set()
    for hit in hits:
        doc = lxml.html.document_fromstring(client.get(f"/article/{hit['id']}").data)
        hrefs |= {a.get("href", "") for a in doc.iter("a")}
    external = {h for h in hrefs if "://" in h or h.startswith("//")}
    assert external == {"https://ok.example/story"}


def test_api_html_fields_are_escaped(evil_app: Flask) -> None:
    body = evil_app.test_client().get("/api/v1/search?q=harbour+alert&size=10").get_json()
    assert body["hits"]
    for hit in body["hits"]:
        for key in ("title_html", "snippet_html"):
            fragment = lxml.html.fragment_fromstring(hit[key] or "<span></span>",
                                                     create_parent="div")
            tags = {e.tag for e in fragment.iter() if isinstance(e.tag, str)}
            assert tags <= {"div", "mark", "span", "b", "em"}, (key, hit[key])
            assert "<script" not in hit[key] and "<img" not in hit[key]


def _all_kinds_of_response(app: Flask) -> dict[str, object]:
    client = app.test_client()
    article_id = client.get("/api/v1/search?q=harbour&size=1").get_json()["hits"][0]["id"]
    responses = {
        "page": client.get("/?q=harbour"),
        "article": client.get(f"/article/{article_id}"),
        "api": client.get("/api/v1/search?q=harbour"),
        "api-article": client.get(f"/api/v1/articles/{article_id}"),
        "openapi": client.get("/api/v1/openapi.json"),
        "static-js": client.get("/assets/site.js"),
        "static-css": client.get("/assets/site.css"),
        "page-404": client.get("/no/such/page"),
        "api-404": client.get("/api/v1/nothing"),
        "api-400": client.get("/api/v1/search?q=*"),
        "page-400": client.get("/?q=*"),
        "api-405": client.post("/api/v1/search"),
        "api-413": client.post("/api/v1/search", data=b"x" * (1 << 20)),
        "page-413": client.post("/", data=b"x" * (1 << 20)),
    }
    for response in responses.values():
        response.get_data()
        response.close()  # static files are streamed from an open file
    return responses


def test_security_headers_on_every_response(evil_app: Flask) -> None:
    for kind, response in _all_kinds_of_response(evil_app).items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (kind, name)


def test_request_size_limit(evil_app: Flask) -> None:
    responses = _all_kinds_of_response(evil_app)
    assert responses["api-413"].status_code == 413
    assert responses["api-413"].get_json()["error"]["code"] == "too_large"
    assert responses["page-413"].status_code == 413
    # A body just under the limit is not refused for its size.
    limit = evil_app.config["MAX_CONTENT_LENGTH"]
    small = evil_app.test_client().post("/api/v1/search", data=b"x" * (limit - 1))
    assert small.status_code == 405


def test_errors_are_logged_with_trace_and_shown_without(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app({"index": str(tmp_path / "none"), "TESTING": False})

    @app.get("/api/v1/boom")
    def boom():  # noqa: ANN202
        raise RuntimeError("secret detail /etc/shadow")

    @app.get("/boom")
    def page_boom():  # noqa: ANN202
        raise RuntimeError("secret detail /etc/shadow")

    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        api = client.get("/api/v1/boom")
        page = client.get("/boom")
    assert api.status_code == 500 and page.status_code == 500
    assert api.get_json()["error"]["code"] == "internal_error"
    for response in (api, page):
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "secret detail" not in text
        for name in SECURITY_HEADERS:
            assert name in response.headers
    logged = "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in caplog.records)
    assert logged.count("secret detail /etc/shadow") >= 2 and "Traceback" in logged


def test_no_debug_mode_outside_development(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")  # Flask's own switch must not turn it on
    monkeypatch.delenv("NEWSEARCH_DEBUG", raising=False)
    assert create_app({"index": str(tmp_path)}).debug is False
    monkeypatch.setenv("NEWSEARCH_DEBUG", "1")
    assert create_app({"index": str(tmp_path)}).debug is True  # asked for explicitly
    # The production entry point, as gunicorn imports it.
    env = child_env()
    env.update({"FLASK_DEBUG": "1", "NEWSEARCH_INDEX": str(tmp_path)})
    env.pop("NEWSEARCH_DEBUG", None)
    proc = subprocess.run([PYTHON, "-c", "import wsgi; print(wsgi.app.debug)"],
                          capture_output=True, text=True, env=env, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.strip() == "False", proc.stderr


TRAVERSALS = [
    "/article/..%2F..%2F..%2Fetc%2Fpasswd",
    "/article/../../../etc/passwd",
    "/article/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/article/..%5C..%5Cwindows%5Cwin.ini",
    "/api/v1/articles/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/v1/articles/%2e%2e",
    "/api/v1/articles/" + quote("/etc/passwd", safe=""),
    "/assets/..%2F..%2Fsetup.cfg",
    "/assets/../../setup.cfg",
    "/assets/%2e%2e/%2e%2e/wsgi.py",
    "/entity/person/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/v1/facets/..%2F..%2Fetc",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_ids_and_paths_cannot_leave_the_index(evil_app: Flask, url: str) -> None:
    response = evil_app.test_client().get(url)
    assert response.status_code == 404, url
    data = response.get_data(as_text=True)
    assert "root:" not in data and "[metadata]" not in data and "create_app" not in data
