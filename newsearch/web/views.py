"""Web pages: the search page, the article page, the entity page and the error pages.

Part of the shells: a thin Flask blueprint over ``newsearch.search`` (one ``search()`` call per
page, rendered with Jinja templates). The URL's query string is the whole state of the search
page (``newsearch.web.state``), so every view is a shareable link. Everything an article
contains is autoescaped; only ``Hit.title_html`` / ``Hit.snippet_html`` and the highlighted
article body, which ``newsearch.snippets`` builds escaped with ``<mark>`` only, are marked safe.
No inline script or style: the site's JavaScript and CSS are the two files in ``static/``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from newsearch.app import IndexUnavailable, get_engine, get_settings
from newsearch.article import normalize_value
from newsearch.engine import Engine, QueryTooExpensive
from newsearch.params import ParamError, parse_search_params
from newsearch.query import QuerySyntaxError
from newsearch.search import SearchRequest, SearchResult, get_article, search
from newsearch.timeline import render_timeline
from newsearch.web import state
from newsearch.web.state import (
    SIDEBAR_FACETS,
    clean_pairs,
    exclude_param,
    filter_chips,
    hidden_fields,
    with_changes,
)

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

MORE_FACET_SIZE = 100
"""Values listed when a facet's "more" link is followed."""
ENTITY_FACETS = ("person", "place", "org")
ENTITY_FIELDS = {"person": "people", "place": "places", "org": "orgs"}
KIND_TITLES = {"person": "Person", "place": "Place", "org": "Organisation"}
KIND_PLURALS = {"person": "People", "place": "Places", "org": "Organisations"}
CHIPS_PER_KIND = 4
"""Entity chips shown per kind under a hit (the article page lists them all)."""
MAX_COPIES = 20
"""Copies listed on the article page (the rest are counted)."""
PAGE_WINDOW = 2
"""Page numbers shown on each side of the current page."""


# --------------------------------------------------------------------------- helpers


def _engine() -> Engine:
    return get_engine()


def _settings() -> dict[str, Any]:
    return get_settings()


def _qs_url(endpoint: str, qs: str, **values: Any) -> str:
    base = url_for(endpoint, **values)
    return f"{base}?{qs}" if qs else base


def format_day(value: str | None) -> str:
    """``2022-08-13T10:00:00`` -> ``13 Aug 2022``; None -> ``undated``."""
    if not value:
        return "undated"
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.day} {day:%b %Y}"


def safe_link(url: str) -> str | None:
    """The URL if it is an absolute http(s) link (the only kind we make clickable)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def paragraphs(text: str) -> list[str]:
    """The article body split into paragraphs (blank lines, or single lines when the text
    has no blank lines)."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text)
    if len(blocks) == 1:
        blocks = text.split("\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def html_paragraphs(html_text: str) -> list[Markup]:
    """An already-escaped, highlighted body (``<mark>`` only) split like :func:`paragraphs`.

    Splitting at newlines can cut a ``<mark>`` element in two; marks never span lines in
    practice (a match is one word or a phrase of words), but a cut one is closed and
    reopened so each paragraph stays well-formed.
    """
    out: list[Markup] = []
    carry = False
    for block in paragraphs(html_text):
        if carry:
            block = "<mark>" + block
        opened = block.count("<mark>") - block.count("</mark>")
        carry = opened > 0
        if carry:
            block += "</mark>"
        out.append(Markup(block))
    return out


def page_numbers(page: int, pages: int, window: int = PAGE_WINDOW) -> list[int | None]:
    """Page numbers to link: the first, the last and ``window`` around the current one, with
    None where numbers are left out."""
    wanted = {1, pages, *range(page - window, page + window + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    for n in numbers:
        if out and out[-1] is not None and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


@bp.app_template_filter("day")
def _day_filter(value: str | None) -> str:
    return format_day(value)


def period_label(label: str) -> str:
    """A bucket label for people: ``13 Aug 2022``, ``Aug 2022`` or ``2022``."""
    if len(label) == 10:
        return format_day(label)
    if len(label) == 7:
        try:
            return f"{date.fromisoformat(label + '-01'):%b %Y}"
        except ValueError:
            return label
    return label


@bp.app_template_filter("period")
def _period_filter(label: str) -> str:
    return period_label(label)


@bp.app_template_filter("thousands")
def _thousands(value: int) -> str:
    return f"{value:,}"


def _syntax_error_view(q: str, position: int | None) -> Markup | None:
    """The query with the place of the error marked, for the message under the box."""
    if position is None or not (0 <= position <= len(q)):
        return None
    before, after = q[:position], q[position:]
    return Markup('<code class="query-echo">{}<span class="error-at">{}</span>{}</code>').format(
        before, after[:1] or "\u2003", after[1:])


# --------------------------------------------------------------------------- search page


def _facet_blocks(result: SearchResult, pairs: list[tuple[str, str]],
                  more: str | None, facet_size: int) -> list[dict[str, Any]]:
    blocks = []
    for param, heading in SIDEBAR_FACETS.items():
        entries = result.facets.get(param)
        if entries is None:
            continue
        not_param = exclude_param(param)
        included = {normalize_value(v) for k, v in pairs if k == param}
        excluded = {normalize_value(v) for k, v in pairs if k == not_param}
        limit = MORE_FACET_SIZE if more == param else facet_size
        rows = []
        # The top values, and the selected ones wherever they rank (always shown).
        visible = entries[:limit] + [e for e in entries[limit:] if e.selected or e.excluded
                                     or normalize_value(e.value) in included | excluded]
        for entry in visible:
            key = normalize_value(entry.value)
            is_in = entry.selected or key in included
            is_out = getattr(entry, "excluded", False) or key in excluded
            rows.append({
                "value": entry.value,
                "count": entry.count,
                "included": is_in,
                "excluded": is_out,
                "include_qs": with_changes(pairs, add=[(param, entry.value)], drop=["more"]),
                "exclude_qs": with_changes(pairs, add=[(not_param, entry.value)],
                                           drop=["more"]),
                "remove_qs": with_changes(
                    pairs, remove=[(param, v) for k, v in pairs
                                   if k == param and normalize_value(v) == key]
                    + [(not_param, v) for k, v in pairs
                       if k == not_param and normalize_value(v) == key], drop=["more"]),
            })
        # Excluded values have no count in the results: list them so they can be undone.
        shown = {normalize_value(r["value"]) for r in rows}
        for k, v in pairs:
            if k == not_param and normalize_value(v) not in shown:
                rows.append({"value": v, "count": None, "included": False, "excluded": True,
                             "include_qs": with_changes(pairs, add=[(param, v)]),
                             "exclude_qs": "", "remove_qs": with_changes(pairs,
                                                                         remove=[(k, v)])})
        shown = {normalize_value(r["value"]) for r in rows}
        has_more = more != param and any(normalize_value(e.value) not in shown
                                         for e in entries[limit:])
        blocks.append({
            "param": param,
            "heading": heading,
            "rows": rows,
            "more_qs": with_changes(pairs, replace={"more": param}, keep_page=True)
            if has_more else None,
            "less_qs": with_changes(pairs, drop=["more"], keep_page=True)
            if more == param else None,
            "lookup": param in ENTITY_FACETS or param in ("tag", "author", "publisher"),
        })
    return blocks


def _hit_views(result: SearchResult, pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    q = result.request.q
    views = []
    for hit in result.hits:
        entities = []
        for param, values in (("person", hit.people), ("place", hit.places),
                              ("org", hit.orgs)):
            for value in values[:CHIPS_PER_KIND]:
                entities.append({"kind": param, "value": value,
                                 "qs": with_changes(pairs, add=[(param, value)])})
        views.append({
            "hit": hit,
            "href": url_for("web.article", article_id=hit.id, q=q or None),
            "entities": entities,
            "duplicates": [url_for("web.article", article_id=d, q=q or None)
                           for d in hit.duplicates],
        })
    return views


def _render_search(pairs: list[tuple[str, str]], *, error: str | None = None,
                   error_param: str | None = None, error_at: Markup | None = None,
                   result: SearchResult | None = None, facet_size: int = 10,
                   status: int = 200) -> Response:
    q = next((v for k, v in pairs if k == "q"), "")
    more = next((v for k, v in pairs if k == "more"), None)
    context: dict[str, Any] = {
        "q": q,
        "pairs": pairs,
        "hidden": hidden_fields(pairs, skip=("from", "to")),
        "chips": filter_chips(pairs),
        "clear_qs": with_changes([(k, v) for k, v in pairs if k in ("q", "sort")]),
        "error": error,
        "error_param": error_param,
        "error_at": error_at,
        "date_from": next((v for k, v in pairs if k == "from"), ""),
        "date_to": next((v for k, v in pairs if k == "to"), ""),
        "result": result,
        "sidebar_facets": SIDEBAR_FACETS,
    }
    if result is not None:
        req = result.request
        timeline = render_timeline(
            result.timeline,
            lambda b: _qs_url("web.search_page", with_changes(
                pairs, replace={"from": b.start, "to": b.end}, drop=["more"])),
            title="Matching articles over time",
            selected=(req.date_from.isoformat() if req.date_from else None,
                      req.date_to.isoformat() if req.date_to else None),
        )
        pages = min(result.pages, int(_settings().get("max_page", 1000)))
        context.update({
            "req": req,
            # The date inputs need full days: from=2023-07 means 2023-07-01 (to: -31).
            "date_from": req.date_from.isoformat() if req.date_from else "",
            "date_to": req.date_to.isoformat() if req.date_to else "",
            "hits": _hit_views(result, pairs),
            # With no results, only the facets with a selected value are worth showing.
            "facet_blocks": [b for b in _facet_blocks(result, pairs, more, facet_size)
                             if result.total or b["rows"]],
            "timeline": timeline,
            "sorts": [(name, label, with_changes(pairs, replace={"sort": name}))
                      for name, label in (("relevance", "Relevance"), ("newest", "Newest"),
                                          ("oldest", "Oldest"))],
            # Relevance with a query: a toggle that favours recent articles (recency=true).
            "recency_qs": with_changes(pairs, replace={"recency": None if req.recency
                                                       else "true"})
            if req.sort == "relevance" and req.q.strip() else None,
            "page": req.page,
            "pages": pages,
            "page_links": [(n, with_changes(pairs, replace={"page": str(n)}) if n else None)
                           for n in page_numbers(req.page, pages)],
            "prev_qs": with_changes(pairs, replace={"page": str(req.page - 1)})
            if req.page > 1 else None,
            "next_qs": with_changes(pairs, replace={"page": str(req.page + 1)})
            if req.page < pages else None,
            "did_you_mean_qs": with_changes(pairs, replace={"q": result.did_you_mean})
            if result.did_you_mean else None,
            "first": (req.page - 1) * req.size + 1,
            "last": (req.page - 1) * req.size + len(result.hits),
        })
    html = render_template("search.html", **context)
    return Response(html, status=status, mimetype="text/html")


@bp.route("/")
@bp.route("/search", endpoint="search_alias")
def search_page() -> Response:
    pairs = clean_pairs(request.args.items(multi=True))
    more = next((v for k, v in pairs if k == "more"), None)
    api_args = [(k, v) for k, v in pairs if k not in state.WEB_ONLY]
    settings = _settings()
    try:
        req = parse_search_params(_multi(api_args), settings)
    except ParamError as exc:
        return _render_search(pairs, error=exc.message, error_param=exc.param, status=400)
    shown = req.facet_size
    # One value more than shown tells whether a facet has a "more" link.
    wanted = MORE_FACET_SIZE if more in SIDEBAR_FACETS else shown + 1
    try:
        result = search(_engine(), replace(req, facet_size=max(shown, wanted)),
                        settings=settings)
    except QuerySyntaxError as exc:
        position = getattr(exc, "position", None)
        return _render_search(pairs, error=str(exc), error_param="q",
                              error_at=_syntax_error_view(req.q, position), status=400)
    except QueryTooExpensive as exc:
        return _render_search(pairs, error=str(exc), error_param="q", status=400)
    return _render_search(pairs, result=result, facet_size=shown)


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


# --------------------------------------------------------------------------- article page


@bp.route("/article/<article_id>")
def article(article_id: str) -> Response:
    q = request.args.get("q", "")
    if len(q) > int(_settings().get("max_query_length", 2000)):
        q = ""
    try:
        view = get_article(_engine(), article_id, q=q or None, settings=_settings())
    except QuerySyntaxError:
        view = get_article(_engine(), article_id, q=None, settings=_settings())
    if view is None:
        abort(404, description=f"There is no article with the id {article_id}.")
    data = _article_data(view)
    art = data["article"]
    body_html = data.get("body_html")
    body = html_paragraphs(body_html) if body_html else [
        escape(p) for p in paragraphs(art.body)]
    entities = []
    for param, values in (("person", art.people), ("place", art.places), ("org", art.orgs)):
        entities.append({
            "param": param,
            "heading": KIND_PLURALS[param],
            "names": [{
                "value": v,
                "search": _qs_url("web.search_page", with_changes([], add=[(param, v)])),
                "entity": url_for("web.entity", kind=param, name=v),
            } for v in values],
        })
    html = render_template(
        "article.html",
        art=art,
        title_html=data.get("title_html"),
        body=body,
        q=q,
        back=_qs_url("web.search_page", with_changes([("q", q)])) if q else None,
        entities=entities,
        tags=[{"value": t, "search": _qs_url("web.search_page", with_changes([], add=[("tag", t)]))}
              for t in art.tags],
        authors=[{"value": a,
                  "search": _qs_url("web.search_page", with_changes([], add=[("author", a)]))}
                 for a in art.authors],
        publisher_search=_qs_url("web.search_page", with_changes(
            [], add=[("publisher", art.publisher)])) if art.publisher else None,
        section_search=_qs_url("web.search_page", with_changes(
            [], add=[("section", art.section)])) if art.section else None,
        source_link=safe_link(art.url) if art.url else None,
        similar=[_similar_view(s, q) for s in data.get("similar", [])],
        copies=[_copy_view(d, q) for d in data.get("duplicates", [])[:MAX_COPIES]],
        more_copies=max(0, len(data.get("duplicates", [])) - MAX_COPIES),
    )
    return Response(html, mimetype="text/html")


def _article_data(view: Any) -> dict[str, Any]:
    """The article view from ``get_article`` as a dict: ``article`` (an Article),
    ``title_html``, ``body_html``, ``similar`` and ``duplicates``."""
    if isinstance(view, dict):
        return view
    names = ("article", "title_html", "body_html", "similar", "duplicates")
    data = {name: getattr(view, name) for name in names if hasattr(view, name)}
    if "article" not in data:  # the view is the article itself
        data["article"] = view
    return data


def _copy_view(article_id: str, q: str) -> dict[str, Any]:
    """A copy of the article (same text): its link, and where it was found."""
    copy = _engine().get(article_id)
    return {"href": url_for("web.article", article_id=article_id, q=q or None),
            "id": article_id,
            "path": copy.path if copy else "",
            "publisher": copy.publisher if copy else "",
            "published": copy.published if copy else None}


def _similar_view(item: Any, q: str) -> dict[str, Any]:
    art = getattr(item, "article", item)
    if isinstance(art, dict):
        return {"href": url_for("web.article", article_id=art["id"]),
                "title": art.get("title", ""), "publisher": art.get("publisher", ""),
                "published": art.get("published")}
    return {"href": url_for("web.article", article_id=art.id), "title": art.title,
            "publisher": art.publisher, "published": art.published}


# --------------------------------------------------------------------------- entity page


@bp.route("/entity/<kind>/<path:name>")
def entity(kind: str, name: str) -> Response:
    if kind not in ENTITY_FIELDS:
        abort(404, description="Entity pages exist for a person, a place or an org.")
    name = " ".join(name.split())
    if not normalize_value(name) or len(name) > 300:
        abort(404, description="No entity has that name.")
    # The entity is a query, not a filter: facet counts ignore a facet's own filter
    # (disjunctive facets), and co-occurring people must be counted among the articles that
    # name this person. Facet values match on normalised keys (case and punctuation folded),
    # so dropping double quotes from the name changes nothing but makes it quotable.
    quoted = name.replace('"', " ")
    req = SearchRequest(q=f'{kind}:"{quoted}"', sort="newest", page=1, size=10,
                        facets=("people", "places", "orgs"),
                        facet_size=int(_settings().get("facet_size", 10)) + 1)
    try:
        result = search(_engine(), req, settings=_settings())
    except (QuerySyntaxError, QueryTooExpensive):
        abort(404, description="No entity has that name.")
    if result.total == 0:
        abort(404, description=f"No article names the {KIND_TITLES[kind].lower()} "
                               f"\u201c{name}\u201d.")
    key = normalize_value(name)
    display = name
    for entry in result.facets.get(kind, []):
        if normalize_value(entry.value) == key:
            display = entry.value
            break
    related = []
    for param in ENTITY_FACETS:
        rows = [e for e in result.facets.get(param, [])
                if not (param == kind and normalize_value(e.value) == key) and e.count > 0]
        related.append({
            "param": param,
            "heading": KIND_PLURALS[param],
            "rows": [{
                "value": e.value,
                "count": e.count,
                "entity": url_for("web.entity", kind=param, name=e.value),
                # Both names: the entity as a query (two values of one facet as filters
                # would mean either of them), the other as a removable filter.
                "search": _qs_url("web.search_page", with_changes(
                    [("q", req.q)], add=[(param, e.value)])),
            } for e in rows[: req.facet_size - 1]],
        })
    search_qs = with_changes([], add=[(kind, display)])
    timeline = render_timeline(
        result.timeline,
        lambda b: _qs_url("web.search_page", with_changes(
            [(kind, display)], replace={"from": b.start, "to": b.end})),
        title=f"Articles naming {display} over time",
    )
    dated = [b for b in result.timeline if b.count]
    html = render_template(
        "entity.html",
        kind=kind,
        kind_title=KIND_TITLES[kind],
        name=display,
        result=result,
        timeline=timeline,
        related=related,
        latest=_hit_views(result, [(kind, display)]),
        search_url=_qs_url("web.search_page", search_qs),
        first_year=dated[0].start[:4] if dated else None,
        last_year=dated[-1].end[:4] if dated else None,
    )
    return Response(html, mimetype="text/html")


# --------------------------------------------------------------------------- errors
#
# API paths answer JSON (newsearch.app's handlers); everything else gets a page in the
# site's look, without a traceback. The 404/405 handlers are app-wide (an unknown address
# belongs to no blueprint), so for API paths they hand over to the app's own handler.

_TITLES = {400: "Bad request", 404: "Page not found", 405: "Method not allowed",
           413: "Request too large", 500: "Something went wrong",
           503: "The archive is not available"}
_MESSAGES = {
    404: "There is no page at this address. It may have moved, or the link may be mistyped.",
    405: "This address does not accept that kind of request.",
    500: "The server could not answer this request. The error has been logged; please try "
         "again in a moment.",
}


def _is_api_path() -> bool:
    return request.path == "/api/v1" or request.path.startswith("/api/")


def _error_page(code: int, message: str | None = None) -> Response:
    title = _TITLES.get(code, "Error")
    html = render_template("error.html", code=code, title=title,
                           message=message or _MESSAGES.get(code, title))
    return Response(html, status=code, mimetype="text/html")


def _app_http_handler(exc: HTTPException) -> Any:
    spec = current_app.error_handler_spec.get(None, {}).get(None, {})
    handler = spec.get(HTTPException)
    return handler(exc) if handler is not None else exc


def _http_page(exc: HTTPException) -> Any:
    if _is_api_path():
        return _app_http_handler(exc)
    code = exc.code or 500
    message = exc.description
    if not message or message == type(exc).description or code >= 500:
        message = None  # werkzeug's default wording: use ours
    return _error_page(code, message)


@bp.app_errorhandler(404)
def _not_found(exc: HTTPException) -> Any:
    return _http_page(exc)


@bp.app_errorhandler(405)
def _not_allowed(exc: HTTPException) -> Any:
    return _http_page(exc)


@bp.errorhandler(Exception)
def _web_error(exc: Exception) -> Any:
    """Any error inside the web pages: a page in the site's look, never a traceback."""
    if isinstance(exc, HTTPException):
        return _http_page(exc)
    if isinstance(exc, IndexUnavailable):
        return _error_page(503, str(exc))
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _error_page(500)
