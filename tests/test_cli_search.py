"""`newsearch search` and `newsearch serve` through Click's CliRunner, on the samples index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsearch.cli import main


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_search_table(runner: CliRunner, index_dir: Path) -> None:
    result = runner.invoke(main, ["search", "--index", str(index_dir), "drought", "--size", "2"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert 'articles for "drought"' in first and "page 1 of" in first
    assert "  1. " in result.output and "  2. " in result.output and "  3. " not in result.output
    assert "*Drought*" in result.output or "*drought*" in result.output


def test_search_counts_one_article_in_the_singular(runner: CliRunner, index_dir: Path) -> None:
    result = runner.invoke(main, ["search", "--index", str(index_dir), '"the deal is subject"'])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith('1 article for "') and "  1. " in result.output, first


def test_search_json_is_the_api_shape(runner: CliRunner, index_dir: Path) -> None:
    from newsearch.app import create_app

    args = ["drought", "--place", "Kenya", "--from", "2021-01-01", "--sort", "oldest"]
    result = runner.invoke(main, ["search", "--index", str(index_dir), *args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    client = create_app({"TESTING": True, "index": str(index_dir)}).test_client()
    api = client.get("/api/v1/search?q=drought&place=Kenya&from=2021-01-01&sort=oldest")
    expected = api.get_json()
    for d in (data, expected):
        d.pop("took_ms")
    assert data == expected and data["total"] >= 1


def test_search_filters_and_exclusions(runner: CliRunner, index_dir: Path) -> None:
    base = ["search", "--index", str(index_dir), "--json", "--size", "100"]
    everyone = json.loads(runner.invoke(main, [*base, "--person", "Tomas Okafor"]).output)
    without = json.loads(runner.invoke(
        main, [*base, "--person", "Tomas Okafor", "--exclude", "publisher=Meridian Wire"]).output)
    assert everyone["total"] > without["total"] >= 1
    assert all(h["publisher"] != "Meridian Wire" for h in without["hits"])


def test_did_you_mean_and_fallback_are_said(runner: CliRunner, index_dir: Path) -> None:
    out = runner.invoke(main, ["search", "--index", str(index_dir), "vaccnie"]).output
    assert 'Did you mean: "vaccine"?' in out
    out = runner.invoke(main, ["search", "--index", str(index_dir), "dock", "workers", "walked",
                               "bananas"]).output
    assert "showing articles with any of them" in out


@pytest.mark.parametrize("args, words", [
    (['"unclosed'], ["Invalid value for QUERY", "unclosed quote at column 1", "^"]),
    (["x", "--size", "0"], ["Invalid value for --size", "between 1 and"]),
    (["x", "--from", "2022-13-01"], ["Invalid value for --from"]),
    (["x", "--year", "twenty"], ["Invalid value for --year"]),
    (["x", "--exclude", "colour=red"], ["Invalid value for --exclude", "NAME=VALUE"]),
    (["x", "--sort", "best"], ["Invalid value for '--sort'"]),
])
def test_bad_input_is_a_usage_error(runner: CliRunner, index_dir: Path, args: list[str],
                                    words: list[str]) -> None:
    result = runner.invoke(main, ["search", "--index", str(index_dir), *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output


def test_missing_index_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "none"), "x"])
    assert result.exit_code == 1 and "no index at" in result.output
    assert "Traceback" not in result.output


def test_serve_builds_the_app_and_runs_it(runner: CliRunner, index_dir: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask

    seen: dict[str, object] = {}

    def fake_run(self: Flask, **kwargs: object) -> None:  # the server itself is Flask's
        seen.update(kwargs)
        client = self.test_client()
        seen["status"] = client.get("/api/v1/health").status_code

    monkeypatch.setattr(Flask, "run", fake_run)
    result = runner.invoke(main, ["serve", "--index", str(index_dir), "--port", "5099"])
    assert result.exit_code == 0, result.output
    assert seen["port"] == 5099 and seen["host"] == "127.0.0.1" and seen["debug"] is False
    assert seen["status"] == 200
