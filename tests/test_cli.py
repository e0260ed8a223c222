"""The ``newsearch`` command line (index, extract, stats) through Click's CliRunner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsearch.cli import main
from newsearch.engine import open_writer

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


def write_story(path: Path, title: str, body: str, date: str = "2021-06-01") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\nDate: {date}\nSource: Eastbank Tribune\n\n{body}\n", "utf-8")
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    for i in range(3):
        write_story(root / f"s{i}.txt", f"Orchard harvest {i}",
                    f"Apple growers in the valley reported harvest number {i}.")
    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, env: dict[str, str] | None = None):  # noqa: ANN201
    return runner.invoke(main, list(args), env=env, catch_exceptions=False)


def test_every_command_has_help_with_examples(runner: CliRunner) -> None:
    for cmd in ([], ["index"], ["extract"], ["stats"]):
        result = run(runner, *cmd, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.output
        assert "newsearch" in result.output


def test_index_summary_and_exit_status(runner: CliRunner, archive: Path, tmp_path: Path,
                                       engine_name: str) -> None:
    ix = tmp_path / "ix"
    result = run(runner, "index", str(archive), "--index", str(ix), "--jobs", "1",
                 "--engine", engine_name)
    assert result.exit_code == 0, result.output
    assert "3 added, 0 updated, 0 unchanged, 0 removed, 0 skipped" in result.output
    assert "articles/s" in result.output
    result = run(runner, "index", str(archive), "--index", str(ix), "--jobs", "1")
    assert result.exit_code == 0
    assert "0 added, 0 updated, 3 unchanged" in result.output


def test_index_location_from_environment(runner: CliRunner, archive: Path, tmp_path: Path) -> None:
    ix = tmp_path / "env-ix"
    result = run(runner, "index", str(archive), "--jobs", "1",
                 env={"NEWSEARCH_INDEX": str(ix)})
    assert result.exit_code == 0, result.output
    assert (ix / "newsearch.json").exists()
    stats = run(runner, "stats", "--json", env={"NEWSEARCH_INDEX": str(ix)})
    assert json.loads(stats.output)["articles"] == 3


def test_index_partial_lists_reasons_with_examples(runner: CliRunner, archive: Path,
                                                   tmp_path: Path) -> None:
    for i in range(5):
        (archive / f"empty{i}.txt").write_bytes(b"")
    result = run(runner, "index", str(archive), "--index", str(tmp_path / "ix"), "--jobs", "1")
    assert result.exit_code == 1
    assert "5 skipped" in result.output
    assert "[empty]: 5" in result.output
    assert "empty0.txt" in result.output and "... and 2 more" in result.output


def test_index_failure_when_nothing_is_indexable(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_bytes(b"\x00\x00\x00")
    result = run(runner, "index", str(tmp_path / "junk"), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 2


def test_index_locked_exits_3_at_once(runner: CliRunner, archive: Path, tmp_path: Path,
                                      engine_name: str) -> None:
    ix = tmp_path / "ix"
    run(runner, "index", str(archive), "--index", str(ix), "--jobs", "1", "--engine",
        engine_name)
    with open_writer(ix):
        result = run(runner, "index", str(archive), "--index", str(ix))
    assert result.exit_code == 3
    assert f"index {ix} is being written by" in result.output
    if engine_name == "whoosh":
        assert f"process {os.getpid()}" in result.output


def test_index_rejects_bad_arguments(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["index", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(main, ["index", str(tmp_path), "--jobs", "-1"])
    assert result.exit_code == 2
    result = runner.invoke(main, ["index", str(tmp_path), "--engine", "lucene"])
    assert result.exit_code == 2


def test_extract_prints_json_lines_in_file_order(runner: CliRunner, tmp_path: Path) -> None:
    lines = "\n".join(json.dumps({"title": f"Wire {i}", "text": f"Wire story {i} about kelp.",
                                  "date": f"2020-01-0{i + 1}"}) for i in range(3))
    (tmp_path / "wires.jsonl").write_text(lines + "\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["extract", str(tmp_path)])
    assert result.exit_code == 1  # one file skipped
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in records] == ["Wire 0", "Wire 1", "Wire 2"]
    assert [r["position"] for r in records] == [0, 1, 2]
    for key in ("id", "path", "format", "title", "authors", "publisher", "section", "published",
                "date_source", "tags", "people", "places", "orgs", "body"):
        assert key in records[0]
    assert "empty.txt" in result.stderr and "[empty]" in result.stderr


def test_extract_samples_exit_ok(runner: CliRunner) -> None:
    result = CliRunner().invoke(main, ["extract", str(SAMPLES / "text")])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) >= 5


def test_stats_text_and_json(runner: CliRunner, index_dir: Path, engine_name: str) -> None:
    result = run(runner, "stats", "--index", str(index_dir), "--top", "3")
    assert result.exit_code == 0
    assert "articles:" in result.output and "top publishers:" in result.output
    assert engine_name in result.output
    data = json.loads(run(runner, "stats", "--index", str(index_dir), "--json").output)
    assert data["engine"] == engine_name and data["articles"] >= 30
    assert len(data["publishers"]) <= 10 and data["publishers"][0]["count"] >= 1


def test_stats_without_index_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["stats", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no index" in result.output
