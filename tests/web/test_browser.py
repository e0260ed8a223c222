"""The site in a real headless browser: Debian's Chromium driven by Playwright.

The real app serves a real index of samples/ on a real port (a werkzeug server in a thread);
the tests click through it as a reader would. Every page is watched for JavaScript dialogs
(an ``alert`` from an article would be one), script errors and Content-Security-Policy
violations. ``make test`` installs Chromium (scripts/install-browser.sh); without it these
tests skip with the reason.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.serving import make_server

from newsearch.app import create_app

from .conftest import build_sample_index

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("NEWSEARCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over an index of samples/, on 127.0.0.1 and a free port."""
    index = build_sample_index(tmp_path_factory.mktemp("browser-index"), "whoosh")
    app = create_app({"index": str(index)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        app.extensions["newsearch"].close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/install-browser.sh "
                    "(make test does) or set NEWSEARCH_CHROMIUM")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """What a page did that it must not: dialogs, script errors, CSP violations."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def on_dialog(self, dialog) -> None:  # noqa: ANN001
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(self, message) -> None:  # noqa: ANN001
        text = message.text
        # A 400/404 page answers with that status; the browser logs it. Anything else
        # (a script error, a refused inline script or style) is a failure.
        if message.type == "error" and not re.search(r"status of (400|404)", text):
            self.errors.append(text)


@pytest.fixture()
def page(browser, live_server: str) -> Iterator[object]:  # noqa: ANN001
    context = browser.new_context(base_url=live_server, viewport={"width": 1280,
                                                                  "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch()
    page.on("dialog", watch.on_dialog)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda exc: watch.errors.append(f"page error: {exc}"))
    page.watch = watch
    yield page
    context.close()
    assert watch.dialogs == [], "a page opened a dialog"
    assert watch.errors == [], "the browser reported errors"


def params(page) -> list[tuple[str, str]]:  # noqa: ANN001
    return parse_qsl(urlsplit(page.url).query)


def total(page) -> int:  # noqa: ANN001
    strong = page.locator(".result-count strong")
    if strong.count() == 0:
        return 0
    return int(strong.inner_text().replace(",", ""))


def test_search_from_the_box(page) -> None:  # noqa: ANN001
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q"  # the box has the focus
    page.fill("#q", "strike")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=strike"))
    assert total(page) >= 1
    assert page.locator(".hit").count() >= 1
    assert page.locator(".hit .snippet mark").first.is_visible()
    assert "strike" in page.title()


def test_include_and_exclude_a_facet_value_and_remove_the_chip(page) -> None:  # noqa: ANN001
    page.goto("/")
    before = total(page)
    row = page.locator("section[aria-labelledby=facet-place] .facet-row").first
    value = row.locator(".facet-value").inner_text()
    count = int(row.locator(".facet-count").inner_text())
    row.locator("a.facet-include").click()
    page.wait_for_url(re.compile(r"place="))
    assert ("place", value) in params(page)
    assert total(page) == count
    chip = page.locator(".active-chip-include")
    assert chip.count() == 1 and value in chip.inner_text()
    # exclude another value: a distinct chip, and fewer articles (or as many)
    other = page.locator("section[aria-labelledby=facet-person] .facet-row").first
    other_value = other.locator(".facet-value").inner_text()
    other.locator("a.facet-exclude").click()
    page.wait_for_url(re.compile(r"not_person="))
    assert ("not_person", other_value) in params(page)
    assert page.locator(".active-chip-exclude").count() == 1
    assert other_value in page.locator(".active-chip-exclude").inner_text()
    assert total(page) <= count
    # remove the include chip: only the exclusion is left
    page.locator(".active-chip-include a.chip-remove").click()
    page.wait_for_url(lambda url: "place=" not in url)
    assert page.locator(".active-chip-include").count() == 0
    assert page.locator(".active-chip-exclude").count() == 1
    # and the back button brings the previous view back
    page.go_back()
    assert ("place", value) in params(page)
    page.locator(".active-chip-exclude a.chip-remove").click()
    page.wait_for_url(lambda url: "not_person" not in url)
    page.locator(".active-chip-include a.chip-remove").click()
    page.wait_for_url(lambda url: "place=" not in url)
    assert total(page) == before


def test_click_a_timeline_bar(page) -> None:  # noqa: ANN001
    page.goto("/")
    bar = page.locator("svg.timeline a").first
    label = bar.locator("title").text_content()
    expected = int(re.search(r": (\d+) article", label).group(1))
    bar.click()
    page.wait_for_url(re.compile(r"from=.*to="))
    query = dict(params(page))
    assert total(page) == expected
    assert page.input_value("#from") == query["from"]
    assert page.input_value("#to") == query["to"]
    assert page.locator(".active-chip-date").count() == 2
    # the date inputs submit with the query form
    page.fill("#q", "the")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=the"))
    assert dict(params(page))["from"] == query["from"]


def test_sort_and_page(page) -> None:  # noqa: ANN001
    page.goto("/?size=4")
    page.get_by_role("link", name="Oldest").click()
    page.wait_for_url(re.compile(r"sort=oldest"))
    days = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert len(days) >= 2 and days == sorted(days)
    first_page = page.locator(".hit-title a").all_inner_texts()
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert ("sort", "oldest") in params(page)
    second_page = page.locator(".hit-title a").all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    later = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert min(later) >= max(days)
    page.locator("nav.pagination a.page-number", has_text="1").first.click()
    page.wait_for_url(lambda url: "page=" not in url)
    assert page.locator(".hit-title a").all_inner_texts() == first_page
    page.go_back()
    assert ("page", "2") in params(page)


def test_open_an_article_and_follow_an_entity_link(page) -> None:  # noqa: ANN001
    page.goto("/?q=strike")
    link = page.locator(".hit-title a").first
    title = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/article/"))
    assert page.locator("h1").inner_text() == title
    assert page.locator(".article-body mark").count() >= 1
    entity = page.locator("a.entity-name").first
    name = entity.inner_text()
    entity.click()
    page.wait_for_url(re.compile(r"/entity/"))
    assert page.locator("h1").inner_text() == name
    # the article is among the entity's latest articles
    assert title in page.locator("section.latest").inner_text()


def test_entity_page(page) -> None:  # noqa: ANN001
    page.goto("/")
    name = page.locator("section[aria-labelledby=facet-place] .facet-value").first.inner_text()
    count = int(page.locator("section[aria-labelledby=facet-place] .facet-count")
                .first.inner_text())
    page.goto(f"/entity/place/{name}")
    assert page.locator("h1").inner_text() == name
    assert int(page.locator(".entity-count").inner_text()) == count
    assert page.locator("svg.timeline a").count() >= 1
    assert page.locator("section.latest .hit").count() == min(count, 10)
    related = page.locator(".related-name")
    assert related.count() >= 1
    assert name not in page.locator("section[aria-labelledby=related-place]").inner_text()
    # "search these articles" gives the same number
    page.get_by_role("link", name="Search these articles").click()
    page.wait_for_url(re.compile(r"place="))
    assert total(page) == count
    # a co-occurring entity is a link to its own page
    page.go_back()
    other = related.first.inner_text()
    related.first.click()
    page.wait_for_url(re.compile(r"/entity/"))
    assert page.locator("h1").inner_text() == other


def test_xss_article_runs_nothing(page) -> None:  # noqa: ANN001
    page.goto("/?q=alert+onerror")
    link = page.locator(".hit-title a", has_text="<script>alert(1)</script>")
    assert link.count() == 1
    link.click()
    page.wait_for_url(re.compile(r"/article/"))
    page.wait_for_load_state("load")
    # the literal text is shown, in the title and in the body
    assert page.locator("h1").inner_text().count("<script>alert(1)</script>") == 1
    assert "<img src=x onerror=alert(2)>" in page.locator(".article-body").inner_text()
    assert page.get_by_text("<img src=x onerror=alert(2)>", exact=False).first.is_visible()
    # no element came from the article: our one script, no images
    scripts = page.locator("script").evaluate_all("els => els.map(e => e.src)")
    assert len(scripts) == 1 and scripts[0].endswith("/assets/site.js")
    assert page.locator("img").count() == 0
    assert page.watch.dialogs == []


def test_keyboard_shortcut_and_autocomplete(page) -> None:  # noqa: ANN001
    page.goto("/?q=strike")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    # typing in an "add" box fills its suggestions from the facet lookup API
    person = page.locator("section[aria-labelledby=facet-person] .facet-value").first
    name = person.inner_text()
    box = page.locator("#add-person")
    box.fill(name[:3])
    page.wait_for_function(
        "() => document.querySelectorAll('#list-person option').length > 0")
    options = page.locator("#list-person option").evaluate_all(
        "els => els.map(e => e.value)")
    assert name in options
    box.fill(name)
    box.press("Enter")
    page.wait_for_url(re.compile(r"person="))
    assert ("person", name) in params(page) and ("q", "strike") in params(page)


def test_keyboard_focus_is_visible(page) -> None:  # noqa: ANN001
    page.goto("/?q=strike")  # with a query the box has no autofocus
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")  # the skip link moves to the content
    for _ in range(40):  # tab on to the first result, with a visible outline there too
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.hit-title')"):
            break
    else:
        pytest.fail("the results are not reachable with the keyboard")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


def test_bad_query_shows_the_message_at_the_box(page) -> None:  # noqa: ANN001
    response = page.goto("/?q=%28strike")
    assert response.status == 400
    assert page.locator("#q-error").is_visible()
    assert page.input_value("#q") == "(strike"
    page.fill("#q", "strike")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=strike"))
    assert page.locator("#q-error").count() == 0 and total(page) >= 1


@pytest.mark.parametrize("path", ["/", "/?q=strike"])
def test_phone_width_has_no_sideways_scroll(browser, live_server: str,  # noqa: ANN001
                                            path: str) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 390,
                                                                  "height": 844})
    try:
        page = context.new_page()
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert page.locator("#q").is_visible()
    finally:
        context.close()


def test_works_without_javascript(browser, live_server: str) -> None:  # noqa: ANN001
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        page.fill("#q", "port")
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(r"q=port"))
        assert total(page) >= 1
        page.locator("section[aria-labelledby=facet-place] a.facet-include").first.click()
        page.wait_for_url(re.compile(r"place="))
        assert page.locator(".active-chip-include").count() == 1
        page.locator("svg.timeline a").first.click()
        page.wait_for_url(re.compile(r"from="))
        page.fill("#to", "2030-12-31")
        page.get_by_role("button", name="Apply dates").click()
        page.wait_for_url(re.compile(r"to=2030-12-31"))
        assert ("q", "port") in params(page)
        page.locator("details.syntax-help summary").click()
        assert page.locator(".syntax-list").is_visible()
    finally:
        context.close()
