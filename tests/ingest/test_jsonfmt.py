"""JSON and JSON Lines exports: shapes, field names, bad records, conll_docs.py output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsearch.ingest import IngestError, read_articles, read_file


def write(tmp_path: Path, data: object, name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_single_object_with_common_fields(tmp_path: Path) -> None:
    record = {
        "headline": "Bridge Opens", "maintext": "The bridge opened.\n\nCars crossed it.",
        "date_publish": "2020-05-06 07:08:09", "author": "Ana Ruiz, Tom Hale",
        "source_domain": "bay.example", "category": "Local", "keywords": "bridges; roads",
        "link": "https://bay.example/bridge", "people": ["Ana Ruiz"],
        "organizations": ["Bay Council"], "locations": "Oslo",
    }
    [article] = read_articles(write(tmp_path, record))
    assert article.format == "json" and article.position == 0
    assert article.title == "Bridge Opens"
    assert article.body == "The bridge opened.\n\nCars crossed it."
    assert (article.published, article.date_source) == ("2020-05-06T07:08:09", "metadata")
    assert article.authors == ["Ana Ruiz", "Tom Hale"]
    assert article.publisher == "bay.example" and article.section == "Local"
    assert article.tags == ["bridges", "roads"] and article.url == "https://bay.example/bridge"
    assert article.people == ["Ana Ruiz"] and article.orgs == ["Bay Council"]
    assert article.places == ["Oslo"]


def test_array_and_articles_key(tmp_path: Path) -> None:
    records = [{"title": f"Story {i}", "text": f"Text {i}."} for i in range(3)]
    assert [a.title for a in read_articles(write(tmp_path, records))] == [
        "Story 0", "Story 1", "Story 2"]
    wrapped = {"status": "ok", "articles": [
        {"title": "A", "content": "Body A.", "source": {"id": None, "name": "Bay Herald"},
         "author": [{"name": "Ana Ruiz"}], "publishedAt": "2020-02-26T12:00:00Z"}]}
    [article] = read_articles(write(tmp_path, wrapped, "wrapped.json"))
    assert article.publisher == "Bay Herald" and article.authors == ["Ana Ruiz"]
    assert article.published == "2020-02-26T12:00:00"


def test_json_lines_skip_bad_lines_only(tmp_path: Path) -> None:
    lines = [json.dumps({"title": "One", "text": "First."}), "{not json", "",
             json.dumps([1, 2]), json.dumps({"url": "nothing else"}),
             json.dumps({"text": "No title here. But a body."}),
             json.dumps({"title": "Dated", "text": "x", "date": "31/02/2022"})]
    result = read_file(write(tmp_path, "\n".join(lines) + "\n", "feed.jsonl"))
    titles = [a.title for a in result.articles]
    assert titles == ["One", "No title here.", "Dated"]
    # positions are record positions in the file: a bad line does not shift the others
    assert [a.position for a in result.articles] == [0, 4, 5]
    assert result.articles[2].published is None and result.articles[2].date_source == "none"
    assert len(result.warnings) >= 4


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path: Path) -> None:
    """JSON may escape half a UTF-16 pair alone: no text, and no engine can index it."""
    lines = ['{"title": "Broken \\ud800 title", "text": "Body \\uDFFF half.", '
             '"tags": ["a\\udbff"], "source": {"name": "Wire \\ud83d\\ude00"}}',
             '{"title": "Escaped \\\\ud800 is text", "text": "Pair \\ud83d\\ude00 kept."}']
    articles = read_articles(write(tmp_path, "\n".join(lines) + "\n", "feed.jsonl"))
    assert [a.title for a in articles] == ["Broken \ufffd title", "Escaped \\ud800 is text"]
    assert articles[0].body == "Body \ufffd half." and articles[0].tags == ["a\ufffd"]
    assert articles[0].publisher == "Wire \U0001f600"
    assert articles[1].body == "Pair \U0001f600 kept."
    assert not any(0xD800 <= ord(c) <= 0xDFFF for a in articles for c in a.title + a.body)


def test_json_lines_with_only_bad_lines(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        read_articles(write(tmp_path, '{"a": 1}\n{"b": 2}\n', "x.jsonl"))
    assert info.value.reason == "no-body"


def test_epoch_dates_and_title_only_records(tmp_path: Path) -> None:
    records = [{"title": "Epoch", "text": "x", "published": 1600000000},
               {"title": "Only a title"}]
    first, second = read_articles(write(tmp_path, records))
    assert first.published == "2020-09-13T12:26:40"
    assert second.title == "Only a title" and second.body == ""


@pytest.mark.corpus
def test_conll_docs_output_reads_one_article_per_line(shared: Path, tmp_path: Path) -> None:
    tool = shared / "tools" / "conll_docs.py"
    gold_file = shared / "corpora" / "conll2003" / "eng.testa"
    if not tool.exists() or not gold_file.exists():
        pytest.skip("conll tools or data absent")
    out, gold = tmp_path / "docs.jsonl", tmp_path / "gold.json"
    subprocess.run([sys.executable, str(tool), str(gold_file), str(out), str(gold)], check=True,
                   capture_output=True)
    records = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    articles = read_articles(out)
    assert len(articles) == len(records) == len(json.loads(gold.read_text()))
    for record, article in zip(records, articles, strict=True):
        assert article.title == record["title"]
        assert article.published == record["date"]
    assert [a.position for a in articles] == list(range(len(records)))
