"""The Flask application factory: the shell that serves the web pages and the REST API.

``create_app(test_config=None)`` reads the settings (defaults, then ``NEWSEARCH_*`` environment
variables, then ``test_config``), registers the ``api`` blueprint under ``/api/v1`` and the
``web`` blueprint at ``/``, and installs error handling and security headers.

The index is opened once per process (opening a Whoosh searcher costs ~630 ms at 100k
articles) and kept in an :class:`EngineHolder`; each request calls :func:`get_engine`, which
refreshes the engine to the newest commit (a cheap generation check), so a re-index is seen
without a restart, and keeps the handle on ``flask.g`` until the app context is torn down.
When there is no index yet the app still starts; requests that need it get a 503.

For the blueprints: ``get_engine()`` (raises :class:`IndexUnavailable`) and
``get_settings()`` (the settings dict).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from newsearch.engine import Engine, EngineError, index_engine, open_engine
from newsearch.settings import load_settings

API_PREFIX = "/api/v1"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

log = logging.getLogger(__name__)


class IndexUnavailable(EngineError):
    """There is no index (yet) at the configured path, or it cannot be opened: HTTP 503."""


class EngineHolder:
    """The process's one open engine, opened on first use and refreshed per request."""

    def __init__(self, index_dir: str) -> None:
        self.index_dir = index_dir
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        with self._lock:
            if self._engine is None:
                try:
                    if index_engine(self.index_dir) is None:
                        raise IndexUnavailable(
                            f"there is no index at {self.index_dir} yet: build it with "
                            f"`newsearch index ARCHIVE --index {self.index_dir}`")
                    self._engine = open_engine(self.index_dir)
                except IndexUnavailable:
                    raise
                except EngineError as exc:
                    raise IndexUnavailable(f"the index cannot be opened: {exc}") from exc
            else:
                try:
                    self._engine.refresh()
                except EngineError as exc:  # keep serving the commit we have
                    log.warning("could not refresh the index: %s", exc)
            return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def get_settings() -> dict[str, Any]:
    return current_app.config["NEWSEARCH"]


def get_engine() -> Engine:
    """This request's engine handle (opened once per process, refreshed once per request)."""
    if "engine" not in g:
        g.engine = current_app.extensions["newsearch"].get()
    return g.engine


def _release_engine(_exc: BaseException | None = None) -> None:
    # The engine is shared by the process; the request only drops its handle.
    g.pop("engine", None)


def wants_json() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(status: int, code: str, message: str, param: str | None = None,
                   **extra: Any):  # noqa: ANN201 - a Flask response
    body: dict[str, Any] = {"code": code, "message": message, "param": param}
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    return response


_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 414: "too_large", 431: "too_large"}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The newsearch web app: settings, blueprints, error handling, security headers."""
    app = Flask(__name__)
    settings = load_settings(test_config)
    app.config["NEWSEARCH"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings["max_request_bytes"]
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k.isupper()})
    app.debug = bool(settings["debug"])
    app.extensions["newsearch"] = EngineHolder(str(settings["index"]))
    app.extensions["newsearch_engine"] = get_engine

    from newsearch.api import bp as api_bp

    app.register_blueprint(api_bp, url_prefix=API_PREFIX)

    # The web pages (newsearch/web/) at the site root.
    from newsearch.web import bp as web_bp

    app.register_blueprint(web_bp)

    app.teardown_appcontext(_release_engine)

    @app.before_request
    def _limit_body() -> None:
        length = request.content_length
        if length is not None and length > app.config["MAX_CONTENT_LENGTH"]:
            raise RequestEntityTooLarge()

    @app.after_request
    def _security_headers(response):  # noqa: ANN001, ANN202 - Flask response
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if wants_json():
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # Error pages of the web blueprint (registered above with app_errorhandler) keep serving
    # the site; under /api/ every error is our JSON shape.
    web_handlers = {code: dict(app.error_handler_spec[None].get(code, {}))
                    for code in (404, 405, 413, 500)}

    def _web_handler(exc: BaseException, code: int):  # noqa: ANN202
        for cls in type(exc).__mro__:
            handler = web_handlers.get(code, {}).get(cls)
            if handler is not None:
                return handler(exc)
        return None

    def _http_error(exc: HTTPException):  # noqa: ANN202
        status = exc.code or 500
        if wants_json():
            message = exc.description or exc.name
            if status == 404:
                message = f"no such endpoint: {request.path}"
            elif status == 405:
                message = f"{request.method} is not allowed on {request.path}"
            elif status == 413:
                message = (f"the request is too large (at most "
                           f"{app.config['MAX_CONTENT_LENGTH']} bytes)")
            return error_response(status, _HTTP_CODES.get(status, "http_error"), message)
        web = _web_handler(exc, status)
        return web if web is not None else exc

    for code in (404, 405, 413):
        app.register_error_handler(code, _http_error)
    app.register_error_handler(HTTPException, _http_error)

    @app.errorhandler(IndexUnavailable)
    def _unavailable(exc: IndexUnavailable):  # noqa: ANN202
        if wants_json():
            return error_response(503, "index_unavailable", str(exc))
        return (f"<!doctype html><title>Index unavailable</title><h1>Index unavailable</h1>"
                f"<p>{_escape(str(exc))}</p>", 503, {"Content-Type": "text/html; charset=utf-8"})

    @app.errorhandler(Exception)
    def _internal_error(exc: Exception):  # noqa: ANN202
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return _http_error(exc)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return error_response(500, "internal_error", "internal server error")
        web = _web_handler(exc, 500)
        if web is not None:
            return web
        return ("<!doctype html><title>Server error</title><h1>Something went wrong</h1>"
                "<p>The error was logged.</p>", 500,
                {"Content-Type": "text/html; charset=utf-8"})

    return app


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)
