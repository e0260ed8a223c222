"""The REST API over the real samples index (both engines), validated against openapi.json."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from newsearch.api import OPENAPI_PATH
from newsearch.app import create_app
from newsearch.article import Article

SPEC = json.loads(OPENAPI_PATH.read_text("utf-8"))


def validate(data: object, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    Draft202012Validator(schema).validate(data)


def response_schema(path: str, status: int) -> str:
    operation = SPEC["paths"][path]["get"]
    ref = operation["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def app(index_dir: Path) -> Flask:
    return create_app({"TESTING": True, "index": str(index_dir)})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def get(client: FlaskClient, url: str, spec_path: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    data = response.get_json()
    validate(data, response_schema(spec_path, status))
    return data


# -- the OpenAPI document ----------------------------------------------------------------------

def test_openapi_document_is_served_and_complete(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == SPEC
    assert SPEC["openapi"].startswith("3.")
    documented = {f"/api/v1{p}".replace("{id}", "<article_id>").replace("{name}", "<name>")
                  for p in SPEC["paths"]}
    served = {r.rule for r in client.application.url_map.iter_rules()
              if r.rule.startswith("/api/v1")}
    assert documented == served
    for name, param in SPEC["components"]["parameters"].items():
        assert param["name"] == name


def test_openapi_document_is_valid_openapi() -> None:
    from openapi_spec_validator import validate as validate_spec

    validate_spec(SPEC)  # raises on an invalid OpenAPI 3.1 document


def test_every_search_parameter_is_documented(client: FlaskClient) -> None:
    from newsearch.params import EXCLUDE_PREFIX
    from newsearch.search import FACET_PARAMS

    documented = {p["$ref"].rsplit("/", 1)[1]
                  for p in SPEC["paths"]["/search"]["get"]["parameters"]}
    wanted = {"q", "from", "to", "sort", "page", "size", "facets", "facet_size", "recency"}
    wanted |= set(FACET_PARAMS) | {EXCLUDE_PREFIX + p for p in FACET_PARAMS}
    assert documented == wanted


# -- search ------------------------------------------------------------------------------------

def test_search_response_matches_schema(client: FlaskClient) -> None:
    data = get(client, "/api/v1/search?q=europe&size=3&facet_size=4", "/search")
    assert data["total"] > 3 and len(data["hits"]) == 3 and data["page"] == 1
    assert data["size"] == 3 and data["query"] == "europe" and data["sort"] == "relevance"
    hit = data["hits"][0]
    for key in ("id", "title", "title_html", "snippet_html", "url", "publisher", "authors",
                "section", "published", "people", "places", "orgs", "tags", "score",
                "duplicates"):
        assert key in hit
    assert all(len(v) <= 4 for v in data["facets"].values())
    assert set(data["facets"]) == {"person", "place", "org", "tag", "publisher", "section",
                                   "author", "year", "month"}


def test_search_with_filters_and_flags(client: FlaskClient) -> None:
    data = get(client, "/api/v1/search?person=Tomas+Okafor&not_publisher=Meridian+Wire"
                       "&from=2020-01-01&sort=oldest", "/search")
    assert data["total"] >= 2 and data["sort"] == "oldest"
    assert all("Tomas Okafor" in h["people"] and h["publisher"] != "Meridian Wire"
               for h in data["hits"])
    selected = [e for e in data["facets"]["person"] if e["selected"]]
    assert [e["value"] for e in selected] == ["Tomas Okafor"]
    assert selected[0]["count"] == data["total"]
    excluded = [e for e in data["facets"]["publisher"] if e["excluded"]]
    assert [e["value"] for e in excluded] == ["Meridian Wire"]


def test_search_fallback_did_you_mean_duplicates(client: FlaskClient) -> None:
    data = get(client, "/api/v1/search?q=vaccnie", "/search")
    assert data["total"] == 0 and data["did_you_mean"] == "vaccine"
    data = get(client, "/api/v1/search?q=dock+workers+walked+out+while+bananas+rotted",
               "/search")
    assert data["fallback"] is True and data["total"] > 0
    data = get(client, '/api/v1/search?q="harbour bridge reopens"', "/search")
    assert data["total"] == 1 and len(data["hits"][0]["duplicates"]) == 1


def test_search_escapes_article_markup(client: FlaskClient) -> None:
    data = get(client, "/api/v1/search?q=script", "/search")
    hit = next(h for h in data["hits"] if "<script>" in h["title"])
    assert "<script" not in hit["title_html"] and "<script" not in hit["snippet_html"]


@pytest.mark.parametrize("url, param, code", [
    ("/api/v1/search?q=%22unclosed", "q", "bad_query"),
    ("/api/v1/search?q=(a", "q", "bad_query"),
    ("/api/v1/search?q=*", "q", "bad_query"),
    ("/api/v1/search?q=date:2022-13", "q", "bad_query"),
    ("/api/v1/search?page=0", "page", "bad_parameter"),
    ("/api/v1/search?size=abc", "size", "bad_parameter"),
    ("/api/v1/search?sort=best", "sort", "bad_parameter"),
    ("/api/v1/search?from=2022-05-01&to=2022-01-01", "from", "bad_parameter"),
    ("/api/v1/search?facets=colour", "facets", "bad_parameter"),
    ("/api/v1/search?year=last", "year", "bad_parameter"),
    ("/api/v1/export?format=xlsx", "format", "bad_parameter"),
    ("/api/v1/export?q=%22x", "q", "bad_query"),
    ("/api/v1/facets/person?limit=0", "limit", "bad_parameter"),
    ("/api/v1/articles/x?q=(", "q", "bad_query"),
])
def test_bad_input_is_400_with_the_parameter(client: FlaskClient, url: str, param: str,
                                             code: str) -> None:
    path = "/" + url.split("?")[0].split("/")[3]
    spec_path = {"/articles": "/articles/{id}", "/facets": "/facets/{name}"}.get(path, path)
    data = get(client, url, spec_path, 400)
    assert data["error"]["param"] == param and data["error"]["code"] == code
    assert data["error"]["message"]
    if code == "bad_query":
        assert "column" in data["error"]["message"] and data["error"]["position"] >= 0


def test_query_error_message_says_where(client: FlaskClient) -> None:
    data = client.get('/api/v1/search?q=budget "tax cuts').get_json()
    assert data["error"]["message"] == "unclosed quote at column 8"
    assert data["error"]["position"] == 7


# -- articles, facets, stats, health ------------------------------------------------------------

def test_article(client: FlaskClient) -> None:
    hit = client.get("/api/v1/search?q=malaria&size=1").get_json()["hits"][0]
    data = get(client, f"/api/v1/articles/{hit['id']}?q=malaria", "/articles/{id}")
    assert data["id"] == hit["id"] and data["body"]
    assert "<mark>" in data["body_html"] and data["similar"]
    assert all(s["id"] != hit["id"] for s in data["similar"])


def test_unknown_article_and_facet_are_404(client: FlaskClient) -> None:
    data = get(client, "/api/v1/articles/ffffffffffffffff", "/articles/{id}", 404)
    assert data["error"] == {"code": "not_found", "param": "id",
                             "message": "no article with id 'ffffffffffffffff'"}
    data = get(client, "/api/v1/facets/colour", "/facets/{name}", 404)
    assert data["error"]["param"] == "name"


def test_facet_lookup(client: FlaskClient) -> None:
    data = get(client, "/api/v1/facets/person?prefix=tom&limit=5", "/facets/{name}")
    assert data["values"][0]["value"] == "Tomas Okafor" and data["values"][0]["count"] >= 3
    data = get(client, "/api/v1/facets/publisher?limit=2", "/facets/{name}")
    assert len(data["values"]) == 2
    counts = [v["count"] for v in data["values"]]
    assert counts == sorted(counts, reverse=True)


def test_stats_and_health(client: FlaskClient) -> None:
    stats = get(client, "/api/v1/stats", "/stats")
    assert stats["articles"] > 20
    health = get(client, "/api/v1/health", "/health")
    assert health["status"] == "ok" and health["generation"] == stats["generation"]


# -- export ------------------------------------------------------------------------------------

def test_export_csv_streams_every_match(client: FlaskClient) -> None:
    total = client.get("/api/v1/search?q=europe&size=1").get_json()["total"]
    response = client.get("/api/v1/export?q=europe&format=csv&size=1&page=1")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == total > 5
    assert len({r["id"] for r in rows}) == total
    assert all(not r["title"].startswith(("=", "+", "-", "@")) for r in rows)


def test_export_jsonl_with_filters(client: FlaskClient) -> None:
    search = client.get("/api/v1/search?person=Tomas+Okafor&size=100").get_json()
    response = client.get("/api/v1/export?person=Tomas+Okafor&format=jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [r["id"] for r in lines] == [h["id"] for h in search["hits"]]
    assert all("Tomas Okafor" in r["people"] for r in lines)


# -- a new commit is picked up without a restart ---------------------------------------------

def test_new_commit_is_seen_without_restart(tmp_path: Path, engine_name: str,
                                            article_writer: Callable[..., Path]) -> None:
    index = tmp_path / "index"
    first = Article(path=str(tmp_path / "a.txt"), format="text", title="Alpha quokka",
                    body="A quokka was seen near the harbour.", published="2022-01-02")
    article_writer(index, engine_name, [first])
    app = create_app({"TESTING": True, "index": str(index)})
    client = app.test_client()
    assert client.get("/api/v1/search?q=quokka").get_json()["total"] == 1
    generation = client.get("/api/v1/health").get_json()["generation"]
    second = Article(path=str(tmp_path / "b.txt"), format="text", title="Beta quokka",
                     body="Another quokka, another day.", published="2022-01-03")
    article_writer(index, engine_name, [second])
    assert client.get("/api/v1/search?q=quokka").get_json()["total"] == 2
    assert client.get("/api/v1/health").get_json()["generation"] != generation


def test_index_created_after_start_is_picked_up(tmp_path: Path, engine_name: str,
                                                article_writer: Callable[..., Path]) -> None:
    index = tmp_path / "later"
    client = create_app({"TESTING": True, "index": str(index)}).test_client()
    assert client.get("/api/v1/search?q=quokka").status_code == 503
    article_writer(index, engine_name, [Article(path=str(tmp_path / "c.txt"), format="text",
                                                title="Quokka", body="Quokka.")])
    assert client.get("/api/v1/search?q=quokka").get_json()["total"] == 1


# -- no input gives a 500 ------------------------------------------------------------------------

QUERY_PIECES = st.sampled_from(
    ['a', 'europe', 'gas', '"', '(', ')', '*', 'eu*', '-', 'OR', 'AND', 'NOT', 'person:', 'date:',
     'date:[2021 TO *]', 'after:2022', 'title:', ':', ' ', 'é', '<script>', '%', '&', '\\'])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=st.lists(QUERY_PIECES, max_size=12).map("".join),
       extra=st.dictionaries(st.sampled_from(["page", "size", "sort", "from", "person", "facets",
                                              "not_year", "recency"]),
                             st.text(max_size=12), max_size=3))
def test_any_input_is_200_or_a_json_400(app: Flask, q: str, extra: dict[str, str]) -> None:
    response = app.test_client().get("/api/v1/search", query_string={"q": q, **extra})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    data = response.get_json()
    if response.status_code == 400:
        validate(data, "Error")
    else:
        validate(data, "SearchResponse")


def test_query_too_expensive_is_400(tmp_path: Path, engine_name: str,
                                    article_writer: Callable[..., Path]) -> None:
    body = " ".join(f"zz{i:04d}" for i in range(1200))
    index = article_writer(tmp_path / "index", engine_name, [
        Article(path=str(tmp_path / "many.txt"), format="text", title="Many words", body=body)])
    client = create_app({"TESTING": True, "index": str(index)}).test_client()
    assert client.get("/api/v1/search?q=zz000*").get_json()["total"] == 1  # 10 words: fine
    response = client.get("/api/v1/search?q=zz*")
    assert response.status_code == 400
    data = response.get_json()
    validate(data, "Error")
    assert data["error"]["code"] == "query_too_expensive" and data["error"]["param"] == "q"
