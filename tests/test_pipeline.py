"""newsearch.pipeline: one file -> articles with entities, or a skip reason; never an exception."""

from __future__ import annotations

from pathlib import Path

from newsearch.pipeline import FileResult, file_signature, process_chunk, process_file

REPO = Path(__file__).resolve().parents[1]


def test_process_file_reads_articles_and_entities(tmp_path: Path) -> None:
    p = tmp_path / "story.txt"
    p.write_text("Talks in Geneva end without a deal\nDate: 2023-02-01\nSource: Meridian Wire\n\n"
                 "Envoys from France and Germany met in Geneva on Tuesday. The United Nations "
                 "said talks would resume in March.\n", "utf-8")
    result = process_file(p)
    assert isinstance(result, FileResult)
    assert result.skipped is None and result.path == str(p)
    assert result.signature == file_signature(p) != ""
    [article] = result.articles
    assert article.title == "Talks in Geneva end without a deal"
    assert article.published == "2023-02-01" and article.file_signature == result.signature
    assert "Geneva" in article.places


def test_process_file_reports_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = process_file(empty)
    assert result.skipped == "empty" and result.articles == [] and result.message
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "word " * 1000)
    assert process_file(big, max_bytes=100).skipped == "too-large"
    gone = process_file(tmp_path / "missing.txt")
    assert gone.skipped in {"vanished", "not-found"}


def test_process_chunk_keeps_order(tmp_path: Path) -> None:
    files = []
    for i in range(3):
        p = tmp_path / f"{i}.txt"
        p.write_text(f"Story {i}\nDate: 2020-01-01\n\nBody of story {i} about rivers.\n")
        files.append(str(p))
    results = process_chunk(files, "mdy", 10_000)
    assert [r.path for r in results] == files
    assert [r.articles[0].title for r in results] == ["Story 0", "Story 1", "Story 2"]


def test_file_signature_of_missing_file(tmp_path: Path) -> None:
    assert file_signature(tmp_path / "nope") == ""


def _title_only(article):  # noqa: ANN001, ANN202 - a prepare step, as an engine writer's
    return article.title


def _refuse(article):  # noqa: ANN001, ANN202
    raise ValueError(f"cannot prepare {article.title!r}")


def test_prepare_step_replaces_the_articles_and_its_failure_skips_the_file(
        tmp_path: Path) -> None:
    p = tmp_path / "story.txt"
    p.write_text("Story one\nDate: 2020-01-01\n\nA body about rivers.\n", "utf-8")
    prepared = process_file(p, prepare=_title_only)
    assert prepared.skipped is None and prepared.articles == ["Story one"]
    assert prepared.signature == file_signature(p) != ""
    refused = process_file(p, prepare=_refuse)
    assert refused.skipped == "internal-error" and refused.articles == []
    assert "cannot prepare 'Story one'" in refused.message
