"""The web pages through Flask's test client, over a real index of samples/ (both engines).

Every figure a page shows is compared with what the core ``search()`` answers for the same
request, and every link is followed to check that it does what it says.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from newsearch.engine import Engine
from newsearch.params import parse_search_params
from newsearch.query import QuerySyntaxError, parse_query
from newsearch.search import SearchRequest, SearchResult, search
from newsearch.web.views import (
    format_day,
    html_paragraphs,
    page_numbers,
    paragraphs,
    period_label,
    safe_link,
)

from .conftest import parse, path_of, query_of


def core(engine: Engine, **params: str | list[str]) -> SearchResult:
    args = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    return search(engine, parse_search_params(args))


def get(client: FlaskClient, url: str, status: int = 200):  # noqa: ANN201
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response, parse(response.get_data(as_text=True))


def total_on_page(doc) -> int:  # noqa: ANN001
    text = doc.cssselect(".result-count")[0].text_content()
    if "No articles" in text:
        return 0
    return int(doc.cssselect(".result-count strong")[0].text_content().replace(",", ""))


def hit_ids(doc) -> list[str]:  # noqa: ANN001
    return [path_of(a.get("href")).rsplit("/", 1)[1] for a in doc.cssselect(".hit-title a")]


def facet_rows(doc, param: str) -> list[dict]:  # noqa: ANN001
    rows = []
    for li in doc.cssselect(f"#facet-{param} + ul .facet-row, "
                            f"section[aria-labelledby='facet-{param}'] .facet-row"):
        count = li.cssselect(".facet-count")
        include = li.cssselect("a.facet-include")
        exclude = li.cssselect("a.facet-exclude")
        rows.append({
            "value": li.cssselect(".facet-value")[0].text_content().split(": ", 1)[-1].strip(),
            "count": int(count[0].text_content().replace(",", "")) if count else None,
            "include": include[0].get("href") if include else None,
            "exclude": exclude[0].get("href") if exclude else None,
            "classes": li.get("class"),
        })
    # the two selectors may match the same rows
    unique = {r["value"]: r for r in rows}
    return list(unique.values())


# --------------------------------------------------------------------------- search page


def test_home_page_browses_the_whole_archive(client: FlaskClient, engine: Engine) -> None:
    expected = core(engine)
    response, doc = get(client, "/")
    assert response.mimetype == "text/html"
    assert total_on_page(doc) == expected.total > 10
    assert hit_ids(doc) == [h.id for h in expected.hits]
    # the search form: a GET form with a labelled box and the syntax help
    form = doc.get_element_by_id("search-form")
    assert form.get("method") == "get" and form.get("action") == "/"
    assert doc.cssselect("label[for=q]") and doc.get_element_by_id("q").get("name") == "q"
    assert doc.cssselect("details.syntax-help summary")
    # the facet sidebar has every facet the issue names
    headings = [h.text_content() for h in doc.cssselect(".facets h3")]
    assert headings == ["People", "Places", "Organisations", "Tags", "Publishers", "Sections",
                        "Authors", "Years"]
    # newest first when browsing
    assert doc.cssselect(".sort-option.current")[0].text_content() == "Newest"


def test_search_alias_is_the_same_page(client: FlaskClient) -> None:
    a = client.get("/?q=port").get_data(as_text=True)
    b = client.get("/search?q=port").get_data(as_text=True)
    strip = re.compile(r"\d+ ms")  # the time taken differs
    assert strip.sub("", a) == strip.sub("", b)


def test_results_show_highlight_metadata_and_link_to_the_article(
        client: FlaskClient, engine: Engine) -> None:
    expected = core(engine, q="strike")
    assert expected.total >= 1
    _, doc = get(client, "/?q=strike")
    assert total_on_page(doc) == expected.total
    first = doc.cssselect(".hit")[0]
    hit = expected.hits[0]
    link = first.cssselect(".hit-title a")[0]
    assert path_of(link.get("href")) == f"/article/{hit.id}"
    assert ("q", "strike") in query_of(link.get("href"))
    assert first.cssselect(".snippet mark"), "the snippet highlights the matched word"
    meta = first.cssselect(".hit-meta")[0].text_content()
    assert hit.publisher in meta
    assert (format_day(hit.published) if hit.published else "undated") in meta
    for author in hit.authors:
        assert author in meta
    assert "ms" in doc.cssselect(".took")[0].text_content()


def test_entity_chips_of_a_hit_add_a_filter(client: FlaskClient, engine: Engine) -> None:
    _, doc = get(client, "/?q=strike")
    chip = doc.cssselect(".hit .entity-chips a.chip")[0]
    kind = next(c.split("-")[1] for c in chip.get("class").split() if c.startswith("chip-"))
    value = chip.text_content().split(": ", 1)[-1]
    pairs = query_of(chip.get("href"))
    assert ("q", "strike") in pairs and (kind, value) in pairs
    _, filtered = get(client, chip.get("href"))
    assert total_on_page(filtered) == core(engine, q="strike", **{kind: value}).total >= 1
    chips = [c.text_content() for c in filtered.cssselect(".active-chip-include")]
    assert any(value in c for c in chips)


@pytest.mark.parametrize("param", ["person", "place", "org", "tag", "publisher", "section",
                                   "author", "year"])
def test_include_and_exclude_a_facet_value(client: FlaskClient, engine: Engine,
                                           param: str) -> None:
    _, doc = get(client, "/")
    base_total = total_on_page(doc)
    rows = facet_rows(doc, param)
    assert rows, f"the {param} facet lists values"
    row = rows[0]
    # include: exactly the articles the count promised
    _, included = get(client, row["include"])
    assert (param, row["value"]) in query_of(row["include"])
    assert total_on_page(included) == row["count"]
    chip = included.cssselect(".active-chip-include")
    assert len(chip) == 1 and row["value"] in chip[0].text_content()
    selected = [r for r in facet_rows(included, param) if "is-included" in r["classes"]]
    assert [r["value"] for r in selected] == [row["value"]]
    # exclude: the rest
    _, excluded = get(client, row["exclude"])
    assert (f"not_{param}", row["value"]) in query_of(row["exclude"])
    assert total_on_page(excluded) == base_total - row["count"]
    chip = excluded.cssselect(".active-chip-exclude")
    assert len(chip) == 1 and row["value"] in chip[0].text_content()
    assert "not" in chip[0].text_content()
    assert not included.cssselect(".active-chip-exclude")
    # removing the chip gives the unfiltered view back
    remove = excluded.cssselect(".active-chip-exclude a.chip-remove")[0].get("href")
    _, back = get(client, remove)
    assert total_on_page(back) == base_total and not back.cssselect(".active-chip")


def test_several_values_of_one_facet_and_of_several_facets(
        client: FlaskClient, engine: Engine) -> None:
    _, doc = get(client, "/")
    places = facet_rows(doc, "place")[:2]
    _, one = get(client, places[0]["include"])
    second = next(r for r in facet_rows(one, "place") if r["value"] == places[1]["value"])
    _, two = get(client, second["include"])
    values = [v for k, v in query_of(second["include"]) if k == "place"]
    assert values == [places[0]["value"], places[1]["value"]]
    assert total_on_page(two) == core(engine, place=values).total
    assert len(two.cssselect(".active-chip-include")) == 2
    # removing one chip keeps the other
    remove = two.cssselect(".active-chip-include a.chip-remove")[0].get("href")
    assert [v for k, v in query_of(remove) if k == "place"] == [values[1]]
    # a second facet is ANDed, and "clear all" removes every filter but keeps the query
    year = facet_rows(two, "year")[0]
    _, both = get(client, year["include"])
    assert total_on_page(both) == core(engine, place=values, year=year["value"]).total
    clear = both.cssselect("a.clear-all")[0].get("href")
    assert not [k for k, _ in query_of(clear) if k not in ("q", "sort")]


def test_more_link_lists_more_values(client: FlaskClient, engine: Engine) -> None:
    _, doc = get(client, "/")
    more = [a for a in doc.cssselect("a.facet-more") if "place" in a.get("href")]
    full = core(engine, facet_size="100")
    if len(full.facets["place"]) <= 10:
        pytest.skip("the samples name too few places for a 'more' link")
    assert more, "a facet with more values than shown has a 'more' link"
    assert len(facet_rows(doc, "place")) == 10
    _, expanded = get(client, more[0].get("href"))
    assert len(facet_rows(expanded, "place")) == len(full.facets["place"])
    assert len(facet_rows(expanded, "person")) <= 10  # the other facets stay short
    assert [a for a in expanded.cssselect("a.facet-more") if "Fewer" in a.text_content()]


def test_a_selected_value_outside_the_top_values_stays_listed(
        client: FlaskClient, engine: Engine) -> None:
    places = core(engine, facet_size="100").facets["place"]
    if len(places) <= 11:
        pytest.skip("the samples name too few places")
    rare = places[-1]
    _, doc = get(client, "/?" + urlencode([("place", rare.value)]))
    rows = facet_rows(doc, "place")
    selected = [r for r in rows if "is-included" in r["classes"]]
    assert [r["value"] for r in selected] == [rare.value]
    _, doc = get(client, "/?" + urlencode([("not_place", rare.value)]))
    excluded = [r for r in facet_rows(doc, "place") if "is-excluded" in r["classes"]]
    assert [r["value"] for r in excluded] == [rare.value]
    assert excluded[0]["include"] and not excluded[0]["exclude"]


def test_timeline_bars_narrow_the_date_range(client: FlaskClient, engine: Engine) -> None:
    expected = core(engine)
    _, doc = get(client, "/")
    bars = doc.cssselect("svg.timeline a")
    assert len(bars) == len([b for b in expected.timeline if b.count])
    bucket = max(expected.timeline, key=lambda b: b.count)
    bar = next(a for a in bars if ("from", bucket.start) in query_of(a.get("href")))
    assert ("to", bucket.end) in query_of(bar.get("href"))
    assert bar.cssselect("title")[0].text_content() == f"{bucket.label}: {bucket.count} articles"
    _, narrowed = get(client, bar.get("href"))
    assert total_on_page(narrowed) == bucket.count
    assert narrowed.get_element_by_id("from").get("value") == bucket.start
    assert narrowed.get_element_by_id("to").get("value") == bucket.end
    chips = [c.text_content() for c in narrowed.cssselect(".active-chip-date")]
    assert len(chips) == 2
    heading = doc.cssselect("#timeline-heading .granularity")[0].text_content()
    assert heading.startswith(f"by {expected.granularity}, ")
    assert period_label(expected.timeline[-1].label) in heading


def test_date_inputs_belong_to_the_search_form(client: FlaskClient) -> None:
    _, doc = get(client, "/?q=port")
    for name in ("from", "to"):
        box = doc.get_element_by_id(name)
        assert box.get("form") == "search-form" and box.get("type") == "date"
        assert doc.cssselect(f"label[for={name}]")


def test_partial_dates_fill_the_date_inputs_with_whole_days(client: FlaskClient) -> None:
    _, doc = get(client, "/?from=2021-02&to=2022")
    assert doc.get_element_by_id("from").get("value") == "2021-02-01"
    assert doc.get_element_by_id("to").get("value") == "2022-12-31"


def test_hidden_fields_keep_filters_when_the_query_changes(client: FlaskClient) -> None:
    _, doc = get(client, "/?q=port&place=Rotterdam&not_person=Xi+Jinping&sort=oldest&page=1")
    form = doc.get_element_by_id("search-form")
    hidden = [(i.get("name"), i.get("value")) for i in form.cssselect("input[type=hidden]")]
    assert hidden == [("place", "Rotterdam"), ("not_person", "Xi Jinping"), ("sort", "oldest")]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_by_date(client: FlaskClient, engine: Engine, sort: str) -> None:
    _, doc = get(client, "/?q=port+OR+strike+OR+energy")
    link = next(a for a in doc.cssselect(".sort-option") if a.text_content().lower() == sort)
    _, sorted_doc = get(client, link.get("href"))
    assert sorted_doc.cssselect(".sort-option.current")[0].text_content().lower() == sort
    expected = core(engine, q="port OR strike OR energy", sort=sort)
    assert hit_ids(sorted_doc) == [h.id for h in expected.hits]
    days = [t.get("datetime") for t in sorted_doc.cssselect(".hit time")]
    assert len(days) >= 2
    assert days == sorted(days, reverse=sort == "newest")


def test_pagination(client: FlaskClient, engine: Engine) -> None:
    expected = core(engine, size="5")
    assert expected.pages >= 3
    _, doc = get(client, "/?size=5")
    nav = doc.cssselect("nav.pagination")[0]
    assert nav.cssselect(".page-prev.disabled")
    assert nav.cssselect("a.page-number.current")[0].text_content().strip().endswith("1")
    next_href = nav.cssselect("a.page-next")[0].get("href")
    assert ("page", "2") in query_of(next_href) and ("size", "5") in query_of(next_href)
    _, page2 = get(client, next_href)
    assert hit_ids(page2) == [h.id for h in core(engine, size="5", page="2").hits]
    assert not set(hit_ids(page2)) & set(hit_ids(doc))
    prev_href = page2.cssselect("a.page-prev")[0].get("href")
    assert "page" not in dict(query_of(prev_href))  # page 1 is the default
    last = page2.cssselect("a.page-number")[-1]
    assert last.text_content().strip().endswith(str(expected.pages))
    _, last_page = get(client, last.get("href"))
    assert last_page.cssselect(".page-next.disabled")
    assert doc.cssselect("ol.hits")[0].get("start") == "1"
    assert page2.cssselect("ol.hits")[0].get("start") == "6"


def test_a_page_past_the_end_offers_the_first(client: FlaskClient, engine: Engine) -> None:
    pages = core(engine, size="5").pages
    _, doc = get(client, f"/?size=5&page={pages + 3}")
    empty = doc.cssselect(".empty-state")[0]
    assert "No articles on this page" in empty.text_content()
    first = empty.cssselect("a")[0].get("href")
    assert query_of(first) == [("size", "5")]


def test_recency_toggle(client: FlaskClient, engine: Engine) -> None:
    _, doc = get(client, "/?q=port+OR+energy")
    toggle = doc.cssselect("a.recency-toggle")[0]
    assert ("recency", "true") in query_of(toggle.get("href"))
    _, boosted = get(client, toggle.get("href"))
    assert hit_ids(boosted) == [h.id for h in core(engine, q="port OR energy",
                                                   recency="true").hits]
    on = boosted.cssselect("a.recency-toggle.on")[0]
    assert "recency" not in dict(query_of(on.get("href")))
    _, by_date = get(client, "/?q=port&sort=newest")
    assert not by_date.cssselect("a.recency-toggle")  # only for relevance


def test_page_numbers_window() -> None:
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 4) == [1, 2, 3, 4]
    assert page_numbers(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert page_numbers(20, 20) == [1, None, 18, 19, 20]


def test_did_you_mean(client: FlaskClient, engine: Engine) -> None:
    # a misspelling of a word the samples use often
    expected = core(engine, q="rotterdm")
    assert expected.did_you_mean, "the core suggests a spelling for this query"
    _, doc = get(client, "/?q=rotterdm")
    link = doc.cssselect(".did-you-mean a")[0]
    assert link.text_content() == expected.did_you_mean
    assert ("q", expected.did_you_mean) in query_of(link.get("href"))


def test_fallback_notice(client: FlaskClient, engine: Engine) -> None:
    q = "rotterdam marathon zeppelin"
    expected = core(engine, q=q)
    assert expected.fallback and expected.total > 0
    _, doc = get(client, "/?q=" + q.replace(" ", "+"))
    assert "any of your words" in doc.cssselect(".notice.fallback")[0].text_content()
    _, strict = get(client, "/?q=strike")
    assert not strict.cssselect(".notice.fallback")


def test_empty_state_helps(client: FlaskClient) -> None:
    _, doc = get(client, "/?q=qqqxyzzy&place=Rotterdam")
    empty = doc.cssselect(".empty-state")[0]
    assert "No articles match" in empty.text_content()
    assert "qqqxyzzy" in empty.text_content()
    hrefs = [a.get("href") for a in empty.cssselect("a")]
    assert "/" in hrefs  # browse everything
    assert any(("q", "qqqxyzzy") in query_of(h) and not any(k == "place" for k, _ in
                                                            query_of(h)) for h in hrefs)
    assert not doc.cssselect("nav.pagination")
    # only the facet with the selected value is left in the sidebar
    assert [h.text_content() for h in doc.cssselect(".facets h3")] == ["Places"]


@pytest.mark.parametrize("q", ["(strike", 'title:"unclosed', "*", "a OR"])
def test_bad_query_is_a_400_with_the_parser_message_at_the_box(client: FlaskClient,
                                                                q: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(q)
    response = client.get("/", query_string={"q": q})
    assert response.status_code == 400
    doc = parse(response.get_data(as_text=True))
    box = doc.get_element_by_id("q")
    assert box.get("value") == q and box.get("aria-invalid") == "true"
    error = doc.get_element_by_id("q-error")
    assert box.get("aria-describedby") == "q-error"
    assert str(info.value) in error.text_content()
    assert error.get("role") == "alert"
    assert not doc.cssselect(".hit")
    assert "Traceback" not in response.get_data(as_text=True)


def test_bad_parameter_is_a_400_with_its_message(client: FlaskClient) -> None:
    response = client.get("/?q=port&from=2023-13-45&place=Rotterdam")
    assert response.status_code == 400
    doc = parse(response.get_data(as_text=True))
    message = doc.get_element_by_id("q-error").text_content()
    assert "from" in message
    # the form still carries the state, so nothing is lost
    form = doc.get_element_by_id("search-form")
    hidden = [(i.get("name"), i.get("value")) for i in form.cssselect("input[type=hidden]")]
    assert ("place", "Rotterdam") in hidden and ("from", "2023-13-45") in hidden
    assert client.get("/?sort=sideways").status_code == 400
    assert client.get("/?page=0").status_code == 400


# --------------------------------------------------------------------------- article page


def find_hit(engine: Engine, q: str, title_part: str):  # noqa: ANN201
    result = search(engine, SearchRequest(q=q, size=50))
    return next(h for h in result.hits if title_part in h.title)


def test_article_page(client: FlaskClient, engine: Engine) -> None:
    hit = find_hit(engine, "Rotterdam strike", "Rotterdam")
    response, doc = get(client, f"/article/{hit.id}?q=strike")
    text = doc.text_content()
    article = engine.get(hit.id)
    assert doc.cssselect("h1")[0].text_content() == article.title
    assert doc.cssselect("h1 mark"), "the query word is highlighted in the title"
    assert doc.cssselect(".article-body mark")
    body_text = " ".join(p.text_content() for p in doc.cssselect(".article-body p"))
    assert " ".join(body_text.split()) == " ".join(article.body.split())
    assert len(doc.cssselect(".article-body p")) == len(paragraphs(article.body)) > 1
    assert article.publisher in text and format_day(article.published) in text
    for author in article.authors:
        assert author in text
    assert article.path in text
    back = doc.cssselect("p.back a")[0].get("href")
    assert query_of(back) == [("q", "strike")]
    # people / places / orgs link to entity pages and to filtered searches
    for param, values in (("person", article.people), ("place", article.places),
                          ("org", article.orgs)):
        for value in values:
            entity_links = [a for a in doc.cssselect(f"#side-{param} ~ ul a.entity-name")
                            if a.text_content() == value]
            assert entity_links, (param, value)
            href = entity_links[0].get("href")
            assert path_of(href).startswith(f"/entity/{param}/")
            search_link = entity_links[0].getnext()
            assert query_of(search_link.get("href")) == [(param, value)]
    # similar articles link to article pages
    similar = doc.cssselect(".similar-list a")
    assert similar and all(path_of(a.get("href")).startswith("/article/") for a in similar)
    assert hit.id not in [path_of(a.get("href")).rsplit("/", 1)[1] for a in similar]
    # without a query nothing is highlighted
    _, plain = get(client, f"/article/{hit.id}")
    assert not plain.cssselect("mark") and not plain.cssselect("p.back")


def test_article_with_a_bad_query_still_shows(client: FlaskClient, engine: Engine) -> None:
    hit = find_hit(engine, "Rotterdam strike", "Rotterdam")
    _, doc = get(client, f"/article/{hit.id}?q=%28unclosed")
    assert doc.cssselect(".article-body p") and not doc.cssselect(".article-body mark")


def test_copies_link_to_each_other(client: FlaskClient, engine: Engine) -> None:
    result = search(engine, SearchRequest(q="", size=100))
    dup = next((h for h in result.hits if h.duplicates), None)
    assert dup is not None, "samples/ has a duplicated article"
    _, doc = get(client, "/?size=100")
    item = next(li for li in doc.cssselect(".hit")
                if path_of(li.cssselect(".hit-title a")[0].get("href")) == f"/article/{dup.id}")
    summary = item.cssselect(".copies summary")[0].text_content()
    assert summary == f"{len(dup.duplicates) + 1} copies"
    links = [path_of(a.get("href")) for a in item.cssselect(".copies a")]
    assert links == [f"/article/{d}" for d in dup.duplicates]
    _, copy_page = get(client, links[0])
    assert f"/article/{dup.id}" in [path_of(a.get("href"))
                                    for a in copy_page.cssselect("#side-copies ~ ul a")]
    # each copy says where it was found
    paths = [c.text_content() for c in copy_page.cssselect("#side-copies ~ ul .copy-path")]
    assert engine.get(dup.id).path in paths


def test_unknown_article_is_a_404_page(client: FlaskClient) -> None:
    response, doc = get(client, "/article/0000000000000000", status=404)
    assert "0000000000000000" in doc.cssselect("main")[0].text_content()
    assert doc.cssselect("header .brand")


def test_safe_link_and_paragraphs() -> None:
    assert safe_link("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert safe_link("http://example.org") == "http://example.org"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//x.org",
                "/etc/passwd", "ftp://x.org/", "http:///nohost"):
        assert safe_link(bad) is None, bad
    assert paragraphs("a\n\nb\n c\n\n\n") == ["a", "b c"]
    assert paragraphs("one\ntwo") == ["one", "two"]
    assert paragraphs("   ") == []
    assert period_label("2022-08-13") == "13 Aug 2022"
    assert period_label("2022-08") == "Aug 2022"
    assert period_label("2022") == "2022"
    # a highlighted body split at a line inside a <mark> stays well-formed
    assert html_paragraphs("a <mark>b\nc</mark> d") == ["a <mark>b</mark>", "<mark>c</mark> d"]
    assert html_paragraphs("&lt;x&gt;\n\n<mark>y</mark>") == ["&lt;x&gt;", "<mark>y</mark>"]


# --------------------------------------------------------------------------- entity page


def top_person(engine: Engine) -> tuple[str, int]:
    entry = core(engine).facets["person"][0]
    return entry.value, entry.count


def test_entity_page(client: FlaskClient, engine: Engine) -> None:
    name, count = top_person(engine)
    response, doc = get(client, f"/entity/person/{name}")
    assert doc.cssselect("h1")[0].text_content() == name
    assert int(doc.cssselect(".entity-count")[0].text_content()) == count
    # its timeline counts the same articles
    titles = [t.text_content() for t in doc.cssselect("svg.timeline a title")]
    assert sum(int(re.search(r": (\d+) article", t).group(1)) for t in titles) + sum(
        int(m) for m in re.findall(r"(\d+) undated",
                                   " ".join(p.text_content()
                                            for p in doc.cssselect(".undated-note")))) == count
    dated = [b for b in core(engine, person=name).timeline if b.count]
    summary = doc.cssselect(".entity-summary")[0].text_content()
    assert dated[0].start[:4] in summary and dated[-1].end[:4] in summary
    # co-occurring entities: never itself, each with a count of articles naming both
    people = doc.cssselect("section[aria-labelledby=related-person] li")
    names = [li.cssselect(".related-name")[0].text_content() for li in people]
    assert name not in names
    for group in ("person", "place", "org"):
        for li in doc.cssselect(f"section[aria-labelledby=related-{group}] li")[:3]:
            other = li.cssselect(".related-name")[0]
            assert path_of(other.get("href")).startswith(f"/entity/{group}/")
            both = li.cssselect(".related-count")[0]
            pairs = query_of(both.get("href"))
            assert ("q", f'person:"{name}"') in pairs
            assert (group, other.text_content()) in pairs
            n = int(both.text_content())
            assert n == core(engine, q=f'person:"{name}"',
                             **{group: other.text_content()}).total
            _, followed = get(client, both.get("href"))
            assert total_on_page(followed) == n
    # latest articles, newest first, each naming the person
    latest = doc.cssselect("section.latest .hit")
    assert 1 <= len(latest) <= 10
    days = [t.get("datetime") for t in doc.cssselect("section.latest .hit time")]
    assert days == sorted(days, reverse=True)
    ids = hit_ids(doc)
    for article_id in ids:
        assert name in engine.get(article_id).people


def test_entity_links_from_the_article_page_work(client: FlaskClient, engine: Engine) -> None:
    hit = find_hit(engine, "Rotterdam strike", "Rotterdam")
    _, doc = get(client, f"/article/{hit.id}")
    for link in doc.cssselect("a.entity-name"):
        response = client.get(link.get("href"))
        assert response.status_code == 200, link.get("href")
        assert link.text_content() in response.get_data(as_text=True)


def test_entity_name_is_case_insensitive(client: FlaskClient, engine: Engine) -> None:
    name, count = top_person(engine)
    _, doc = get(client, f"/entity/person/{name.upper()}")
    assert doc.cssselect("h1")[0].text_content() == name  # the canonical spelling
    assert int(doc.cssselect(".entity-count")[0].text_content()) == count


def test_unknown_entity_and_kind_are_404(client: FlaskClient) -> None:
    get(client, "/entity/person/Nobody%20Atall%20Qq", status=404)
    get(client, "/entity/planet/Mars", status=404)
    get(client, '/entity/org/%22%22', status=404)


# --------------------------------------------------------------------------- errors, safety


def test_404_page_has_the_site_look(client: FlaskClient) -> None:
    response, doc = get(client, "/no/such/page", status=404)
    assert response.mimetype == "text/html"
    assert doc.cssselect("header .brand") and doc.cssselect("link[rel=stylesheet]")
    assert doc.cssselect(".error-page h1")[0].text_content() == "Page not found"
    assert "Traceback" not in response.get_data(as_text=True)


def test_api_paths_still_answer_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404 and response.is_json
    assert set(response.get_json()["error"]) >= {"code", "message", "param"}


def test_405_page(client: FlaskClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_500_page_has_no_traceback(app, client: FlaskClient,  # noqa: ANN001
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import newsearch.web.views as views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(views, "search", broken)
    monkeypatch.setattr(app.logger, "disabled", True)
    response = client.get("/?q=port")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "<header" in html
    assert "secret internal detail" not in html and "Traceback" not in html


def test_empty_archive(tmp_path, engine: Engine) -> None:  # noqa: ANN001
    from newsearch.app import create_app
    from newsearch.engine import open_writer

    with open_writer(tmp_path / "empty", engine=engine.name) as writer:
        writer.commit()
    app = create_app({"index": str(tmp_path / "empty"), "TESTING": True})
    try:
        response = app.test_client().get("/")
        assert response.status_code == 200
        doc = parse(response.get_data(as_text=True))
        assert "no articles yet" in doc.cssselect(".empty-state")[0].text_content()
        assert not doc.cssselect(".facets")
    finally:
        app.extensions["newsearch"].close()


def test_missing_index_is_a_503_page(tmp_path) -> None:  # noqa: ANN001
    from newsearch.app import create_app

    app = create_app({"index": str(tmp_path / "none"), "TESTING": True})
    response = app.test_client().get("/")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "not available" in html and "class=\"brand\"" in html


PAGES = ["/", "/?q=strike", "/?q=(bad", "/?q=qqqxyzzy", "/no/such/page", "/?size=5&page=2"]


def all_pages(client: FlaskClient, engine: Engine) -> list[str]:
    hit = find_hit(engine, "Rotterdam strike", "Rotterdam")
    name, _ = top_person(engine)
    return PAGES + [f"/article/{hit.id}?q=strike", f"/entity/person/{name}"]


def test_security_headers_on_every_page(client: FlaskClient, engine: Engine) -> None:
    for url in all_pages(client, engine) + ["/assets/site.css", "/assets/site.js"]:
        response = client.get(url)
        response.close()
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp or "script-src 'self'" in csp, url
        assert "unsafe-inline" not in csp
        assert response.headers.get("X-Content-Type-Options") == "nosniff"
        assert response.headers.get("Referrer-Policy")


def test_pages_have_no_inline_script_or_style(client: FlaskClient, engine: Engine) -> None:
    for url in all_pages(client, engine):
        doc = parse(client.get(url).get_data(as_text=True))
        scripts = doc.cssselect("script")
        assert [s.get("src") for s in scripts] == ["/assets/site.js"], url
        assert not any((s.text or "").strip() for s in scripts)
        assert not doc.cssselect("style"), url
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in element.attrib:
                assert attribute != "style" and not attribute.startswith("on"), (
                    url, element.tag, attribute)
            href = element.get("href") or ""
            assert not href.strip().lower().startswith("javascript:")
        # no assets from other sites
        for element in doc.cssselect("link, script, img"):
            ref = element.get("href") or element.get("src") or ""
            assert ref.startswith("/"), (url, ref)


def test_every_control_has_a_label(client: FlaskClient, engine: Engine) -> None:
    for url in all_pages(client, engine):
        doc = parse(client.get(url).get_data(as_text=True))
        labels = {label.get("for") for label in doc.cssselect("label")}
        for control in doc.cssselect("input, select, textarea"):
            if control.get("type") == "hidden":
                continue
            assert control.get("id") in labels or control.get("aria-label"), (
                url, control.get("name"))


def test_static_files(client: FlaskClient) -> None:
    with client.get("/assets/site.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert b"http://" not in css.data and b"https://" not in css.data  # no remote assets
    with client.get("/assets/site.js") as js:
        assert js.status_code == 200 and "javascript" in js.mimetype
    with client.get("/assets/favicon.svg") as icon:
        assert icon.status_code == 200


def xss_hit(engine: Engine):  # noqa: ANN201
    return find_hit(engine, "alert", "<script>")


def test_xss_article_is_shown_as_text(client: FlaskClient, engine: Engine) -> None:
    hit = xss_hit(engine)
    article = engine.get(hit.id)
    assert "<img src=x onerror=alert(2)>" in article.body
    for url in (f"/article/{hit.id}", f"/article/{hit.id}?q=script+alert",
                "/?q=alert", "/?q=script+onerror"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        doc = parse(html)
        assert len(doc.cssselect("script")) == 1 and not doc.cssselect("img"), url
        titles = doc.cssselect("h1") if url.startswith("/article/") else [
            a for a in doc.cssselect(".hit-title a") if hit.id in a.get("href")]
        assert titles and titles[0].text_content() == article.title, url
    _, doc = get(client, f"/article/{hit.id}")
    assert doc.cssselect("h1")[0].text_content() == article.title
    assert "<img src=x onerror=alert(2)>" in doc.cssselect(".article-body")[0].text_content()


def test_query_text_is_escaped_everywhere(client: FlaskClient) -> None:
    q = '"><script>alert(3)</script>'
    html = client.get("/", query_string={"q": q, "person": "<b>x</b>"}).get_data(as_text=True)
    assert "<script>alert(3)" not in html and "<b>x</b>" not in html
    entity = client.get("/entity/person/%3Cscript%3Ealert(4)%3C%2Fscript%3E")
    assert entity.status_code == 404 and b"<script>alert(4)" not in entity.data
