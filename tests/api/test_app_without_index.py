"""The app starts and answers clearly before any index exists; errors and headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from newsearch.app import SECURITY_HEADERS, create_app


@pytest.fixture()
def client(tmp_path: Path) -> FlaskClient:
    app = create_app({"TESTING": True, "index": str(tmp_path / "no-index-here")})
    return app.test_client()


def test_no_index_is_503_json(client: FlaskClient, tmp_path: Path) -> None:
    for url in ("/api/v1/search?q=x", "/api/v1/health", "/api/v1/stats"):
        response = client.get(url)
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "index_unavailable" and "newsearch index" in error["message"]


def test_bad_parameter_is_400_before_the_index_is_needed(client: FlaskClient) -> None:
    response = client.get("/api/v1/search?size=1000")
    assert response.status_code == 400
    assert response.get_json() == {"error": {
        "code": "bad_parameter", "param": "size",
        "message": "size must be between 1 and 100, got 1000"}}


def test_unknown_route_method_and_size_under_api(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/search")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == \
        "method_not_allowed"
    response = client.get("/api/v1/search", data=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for url in ("/api/v1/openapi.json", "/api/v1/nothing", "/api/v1/search?q=x"):
        response = client.get(url)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
    assert "unsafe-inline" not in SECURITY_HEADERS["Content-Security-Policy"]


def test_settings_from_environment_then_test_config(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSEARCH_MAX_PAGE_SIZE", "20")
    monkeypatch.setenv("NEWSEARCH_PAGE_SIZE", "5")
    app = create_app({"TESTING": True, "index": str(tmp_path), "page_size": 7})
    assert app.config["NEWSEARCH"]["max_page_size"] == 20
    assert app.config["NEWSEARCH"]["page_size"] == 7
    assert app.config["TESTING"] is True and app.debug is False
    response = app.test_client().get("/api/v1/search?size=21")
    assert response.status_code == 400 and response.get_json()["error"]["param"] == "size"


def test_internal_errors_are_json_without_traceback(client: FlaskClient) -> None:
    app = client.application

    @app.get("/api/v1/_boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error",
                                             "message": "internal server error", "param": None}}
    assert b"secret" not in response.data and b"Traceback" not in response.data
