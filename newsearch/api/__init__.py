"""The REST API (``/api/v1``): a thin JSON shell over ``newsearch.search``.

Every endpoint parses its input with ``newsearch.params`` and answers JSON; errors are always
``{"error": {"code", "message", "param"}}`` (400 bad parameter or query, 404 unknown id, 503
no index). ``openapi.json`` beside this module documents it and is served as is.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context

from newsearch.app import error_response, get_engine, get_settings
from newsearch.engine import QueryTooExpensive
from newsearch.params import ParamError, parse_search_params
from newsearch.query import QuerySyntaxError, parse_query
from newsearch.search import (
    EXPORT_COLUMNS,
    UnknownFacet,
    export_rows,
    facet_field,
    facet_lookup,
    get_article,
    index_stats,
    search,
)

bp = Blueprint("api", __name__)

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
MAX_FACET_LOOKUP = 1000
EXPORT_FORMATS = ("csv", "jsonl")


@bp.errorhandler(ParamError)
def _param_error(exc: ParamError):  # noqa: ANN202
    return error_response(400, "bad_parameter", exc.message, exc.param)


@bp.errorhandler(QuerySyntaxError)
def _query_error(exc: QuerySyntaxError):  # noqa: ANN202
    return error_response(400, "bad_query", exc.message, "q", position=exc.position)


@bp.errorhandler(QueryTooExpensive)
def _expensive(exc: QueryTooExpensive):  # noqa: ANN202
    return error_response(400, "query_too_expensive", str(exc), "q")


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


@bp.get("/search")
def search_view():  # noqa: ANN201
    req = parse_search_params(_args(), get_settings())
    result = search(get_engine(), req, settings=get_settings())
    return jsonify(result.to_json())


@bp.get("/articles/<article_id>")
def article_view(article_id: str):  # noqa: ANN201
    q = request.args.get("q") or None
    view = get_article(get_engine(), article_id, q, settings=get_settings())
    if view is None:
        return error_response(404, "not_found", f"no article with id {article_id!r}", "id")
    return jsonify(view.to_json())


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ParamError(name, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


@bp.get("/facets/<name>")
def facets_view(name: str):  # noqa: ANN201
    try:
        facet_field(name)
    except UnknownFacet as exc:
        return error_response(404, "not_found", str(exc), "name")
    prefix = request.args.get("prefix", "")
    if len(prefix) > 200:
        raise ParamError("prefix", "prefix may be at most 200 characters long")
    limit = _int_arg("limit", 20, 1, MAX_FACET_LOOKUP)
    values = facet_lookup(get_engine(), name, prefix, limit)
    return jsonify({"name": name, "prefix": prefix,
                    "values": [{"value": v.value, "count": v.count} for v in values]})


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text  # keep spreadsheets from running a cell as a formula
    return text


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in EXPORT_COLUMNS])
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


@bp.get("/export")
def export_view():  # noqa: ANN201
    fmt = (request.args.get("format") or "csv").strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise ParamError("format", f"format must be csv or jsonl, got {fmt[:20]!r}")
    settings = get_settings()
    req = parse_search_params(_args(), settings)
    parse_query(req.q, max_length=int(settings["max_query_length"]))  # 400 before streaming
    engine = get_engine()
    rows = export_rows(engine, req, settings=settings)
    # Run the query now, before the response starts: a query the engine refuses
    # (QueryTooExpensive) is a 400, not a stream that breaks after its 200 header.
    first = next(rows, None)
    rows = itertools.chain([first] if first is not None else [], rows)
    if fmt == "csv":
        body, mimetype = _csv_lines(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = _jsonl_lines(rows), "application/x-ndjson; charset=utf-8"
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="newsearch-export.{fmt}"'
    return response


@bp.get("/stats")
def stats_view():  # noqa: ANN201
    return jsonify(index_stats(get_engine()))


@bp.get("/health")
def health_view():  # noqa: ANN201
    engine = get_engine()
    return jsonify({"status": "ok", "engine": engine.name, "generation": engine.generation()})


@bp.get("/openapi.json")
def openapi_view():  # noqa: ANN201
    return Response(OPENAPI_PATH.read_text("utf-8"), mimetype="application/json")
