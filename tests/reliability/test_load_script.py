"""The pieces of ``scripts/load_test.py --index``: its request mix and its memory reader.

The mix is driven through the real Flask app over the session's sample index (both engines):
every request must get the status the load run expects of it, so a route renamed or a
parameter misspelt in the script fails here and not at the end of a long run. No gunicorn is
started here; the script itself is the long run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from newsearch.app import create_app
from newsearch.params import parse_search_params
from newsearch.search import SearchRequest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def load_test():  # noqa: ANN201 - the script as a module
    spec = importlib.util.spec_from_file_location("load_test", REPO / "scripts" / "load_test.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _params(path: str) -> MultiDict:
    return MultiDict(parse_qsl(urlsplit(path).query, keep_blank_values=True))


def test_search_urls_rebuild_the_benchmark_requests(load_test) -> None:  # noqa: ANN001
    from benchmarks.queries import query_mix  # importable once the script has set sys.path

    mix = load_test.IndexMix()
    entries = query_mix()
    assert len(mix.searches) == len(mix.pages) == len(entries)
    for request, page, (name, category, kwargs) in zip(mix.searches, mix.pages, entries,
                                                       strict=True):
        assert request.kind == f"search/{category}"
        assert urlsplit(request.path).path == "/api/v1/search"
        assert urlsplit(page.path).path == "/"
        assert urlsplit(page.path).query == urlsplit(request.path).query
        # What the server will parse is the benchmark's request, field for field.
        assert parse_search_params(_params(request.path)) == SearchRequest(**kwargs), name
    assert [r.kind for r in mix.exports] == ["export"]
    assert _params(mix.exports[0].path)["format"] == "jsonl"


def test_every_request_of_the_mix_gets_its_status(load_test, index_dir: Path) -> None:  # noqa: ANN001
    mix = load_test.IndexMix()
    app = create_app({"TESTING": True, "index": str(index_dir)})
    client = app.test_client()
    try:
        for request in mix.fixed():
            response = client.get(request.path)
            assert response.status_code == request.expected, request
            if request.path.startswith("/api/") and request.expected == 400:
                assert "error" in response.get_json(), request
            mix.learn(request, response.status_code, response.data)
        derived = mix.derived()
        # Browsing finds every sample article, so ids and entity names were learned.
        assert {"article-api", "article-page", "entity-page"} <= {r.kind for r in derived}
        for request in derived:
            response = client.get(request.path)
            assert response.status_code == 200, request
        # pick() draws every kind of the weights table once something has been learned.
        rng = random.Random(3)
        kinds = {mix.pick(rng).kind.split("/")[0] for _ in range(2000)}
        assert kinds == {kind for kind, _ in mix.WEIGHTS}
    finally:
        app.extensions["newsearch"].close()


def test_learn_keeps_ids_and_entities_of_api_searches_only(load_test) -> None:  # noqa: ANN001
    mix = load_test.IndexMix()
    body = json.dumps({"total": 7, "hits": [
        {"id": "abc", "people": ["Ana Mireles"], "places": ["Oslo"], "orgs": []}]}).encode()
    search = load_test.Request("search/word", "/api/v1/search?q=x", 200, "x")
    assert mix.learn(load_test.Request("page", "/?q=x", 200, "x"), 200, body) is None
    assert mix.learn(search, 400, body) is None
    assert mix.derived() == []
    assert mix.learn(search, 200, body) == 7
    paths = [r.path for r in mix.derived()]
    assert paths == ["/api/v1/articles/abc?q=x", "/article/abc", "/entity/person/Ana%20Mireles",
                     "/entity/place/Oslo"]


def test_memory_reader_sees_this_process_grow(load_test) -> None:  # noqa: ANN001
    before = load_test.read_memory(os.getpid())
    assert before is not None
    assert before["VmRSS"] > 0 and before["VmHWM"] >= before["VmRSS"]
    assert before["RssAnon"] > 0
    block = b"x" * (64 << 20)  # written, so resident
    after = load_test.read_memory(os.getpid())
    assert after["VmRSS"] - before["VmRSS"] >= 48, (before, after)
    assert after["VmHWM"] >= after["VmRSS"]
    del block


def test_children_and_server_memory(load_test) -> None:  # noqa: ANN001
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in load_test.child_pids(os.getpid())
        memory = load_test.server_memory(os.getpid())
        roles = {row["pid"]: row["role"] for row in memory["processes"]}
        assert roles[os.getpid()] == "master" and roles[child.pid] == "worker"
        assert memory["total"]["VmRSS"] >= sum(
            row["VmRSS"] for row in memory["processes"] if row["pid"] in roles) - 0.5
    finally:
        child.kill()
        child.wait()
    assert child.pid not in load_test.child_pids(os.getpid())
    assert load_test.read_memory(child.pid) is None


def test_fingerprint_sees_a_changed_file(load_test, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "seg").write_bytes(b"1234")
    first = load_test.fingerprint(tmp_path)
    assert list(first) == [os.path.join("sub", "seg")]
    assert load_test.fingerprint(tmp_path) == first
    (tmp_path / "lock").touch()
    assert set(load_test.fingerprint(tmp_path)) == {"lock", os.path.join("sub", "seg")}
