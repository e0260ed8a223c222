"""Plain-text articles: title line, header lines, body; the BBC corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsearch.ingest import read_articles, read_file


def one(tmp_path: Path, text: str, **kwargs: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "story.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_articles(path, **kwargs)  # type: ignore[arg-type]
    return article


def test_title_and_paragraphs(tmp_path: Path) -> None:
    article = one(tmp_path, "Ferry Strike Ends\n\nFirst paragraph here.\n\nSecond one,\nwrapped.\n")
    assert article.format == "text"
    assert article.title == "Ferry Strike Ends"
    assert article.body == "First paragraph here.\n\nSecond one, wrapped."
    assert (article.published, article.date_source) == (None, "none")
    assert article.authors == [] and article.publisher == ""


def test_header_lines(tmp_path: Path) -> None:
    article = one(
        tmp_path,
        "Ferry Strike Ends\nDate: 2021-05-04\nBy Ana Ruiz and Tom Hale\nSource: Bay Herald\n"
        "Section: Business\nTags: Ferries; Strikes\nURL: https://bay.example/ferry\n"
        "People: Ana Ruiz\nPlaces: Oslo, Bergen\n\nThe strike ended.\n",
    )
    assert article.title == "Ferry Strike Ends"
    assert (article.published, article.date_source) == ("2021-05-04", "header")
    assert article.authors == ["Ana Ruiz", "Tom Hale"]
    assert article.publisher == "Bay Herald"
    assert article.section == "Business"
    assert article.tags == ["Ferries", "Strikes"]
    assert article.url == "https://bay.example/ferry"
    assert article.people == ["Ana Ruiz"] and article.places == ["Oslo", "Bergen"]
    assert article.body == "The strike ended."


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By James Carter, Senior Writer", ["James Carter"]),
        ("By Ana Ruiz, Political Editor, and Tom Hale", ["Ana Ruiz", "Tom Hale"]),
        ("By Ana Ruiz & Tom Hale", ["Ana Ruiz", "Tom Hale"]),
        ("Author: Tom Hale Reporter", ["Tom Hale"]),
        ("By News Desk", []),
    ],
)
def test_bylines(tmp_path: Path, byline: str, authors: list[str]) -> None:
    assert one(tmp_path, f"Ferry Strike Ends\n{byline}\n\nThe strike ended.\n").authors == authors


def test_bare_date_line_and_order(tmp_path: Path) -> None:
    text = "Ferry Strike Ends\n04/07/2020\n\nThe strike ended.\n"
    assert one(tmp_path, text).published == "2020-04-07"
    assert one(tmp_path, text, date_order="dmy").published == "2020-07-04"
    assert one(tmp_path, text).body == "The strike ended."


def test_body_dateline(tmp_path: Path) -> None:
    article = one(tmp_path, "Ferry Strike Ends\n\nOSLO, March 3, 2022 - The strike ended.\n")
    assert (article.published, article.date_source) == ("2022-03-03", "body")


def test_body_lines_that_look_like_headers_stay_in_the_body(tmp_path: Path) -> None:
    article = one(tmp_path, "Ferry Strike Ends\n\nBy the end of the week, the strike ended.\n")
    assert article.authors == []
    assert article.body == "By the end of the week, the strike ended."


def test_markdown_heading_and_title_prefix(tmp_path: Path) -> None:
    assert one(tmp_path, "# Ferry Strike Ends\n\nThe strike ended.\n").title == "Ferry Strike Ends"
    assert one(tmp_path, "Title: Ferry Strike Ends\n\nThe strike ended.\n").title == (
        "Ferry Strike Ends")


def test_windows_line_endings_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes("\ufeffFerry Strike Ends\r\n\r\nThe strike ended.\r\n".encode())
    [article] = read_articles(path)
    assert article.title == "Ferry Strike Ends" and article.body == "The strike ended."


@pytest.mark.corpus
def test_every_bbc_file_parses(shared: Path) -> None:
    root = shared / "corpora" / "bbc-news"
    files = sorted(p for p in root.glob("*/*.txt"))
    if not files:
        pytest.skip("bbc-news absent")
    assert len(files) == 2225
    fallback = []
    for path in files:
        result = read_file(path)
        [article] = result.articles
        assert article.format == "text" and article.title and article.body, path
        assert article.date_source == "none"  # the BBC files carry no dates
        assert not article.authors and not article.publisher, path
        if result.encoding != "utf-8":
            fallback.append(path.relative_to(root).as_posix())
    assert fallback == ["sport/199.txt"]
    [article] = read_articles(root / "sport" / "199.txt")
    assert "\xa315.8m" in article.body
