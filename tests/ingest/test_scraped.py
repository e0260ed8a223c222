"""Scraped news pages: header, relative dates, body without boilerplate, page annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsearch.ingest import IngestError, read_articles

NB = "\u00a0"

PAGE = f""" date 2021-03-20 ContributorsPublishersAdvertisers
Business

Glassworks Reopens After Flood Repairs

By Ada Marsh and Piet Jansen
Valley Ledger
Valley Ledger
{NB} 3 days ago

The old glassworks on the river reopened on Wednesday after a year of repairs.

https://img.particlenews.com/image.php?url=abc123

Workers returned to the furnaces, which had been cold since the flood.

Comments / 3

Related
Other Outlet

Balloonists cross the channel in record time

A pair of balloonists crossed the channel faster than anyone before them, organisers said.
TRAVEL
RELATED PEOPLE
Person
Ada Marsh
Person
Piet Jansen
IN THIS ARTICLE
#Glass#River Flood#Reopening
YOU MAY ALSO LIKE
Place
Leeds, GB
NewsBreak
Business
Country
United Kingdom
Organization
Valley Glass Company
Valley Ledger

Valley Ledger

Leeds, UK
5K+
Followers
ABOUT

The Valley Ledger covers the valley's towns.

{NB} https://www.valleyledger.example

Comments / 3

Community Policy
"""


def write(tmp_path: Path, text: str, name: str = "page.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_page(tmp_path: Path) -> None:
    [article] = read_articles(write(tmp_path, PAGE))
    assert article.format == "scraped"
    assert article.title == "Glassworks Reopens After Flood Repairs"
    assert article.section == "Business"
    assert article.authors == ["Ada Marsh", "Piet Jansen"]
    assert article.publisher == "Valley Ledger"
    assert article.crawled == "2021-03-20"
    assert (article.published, article.date_source) == ("2021-03-17", "relative")
    assert article.body == (
        "The old glassworks on the river reopened on Wednesday after a year of repairs.\n\n"
        "Workers returned to the furnaces, which had been cold since the flood."
    )
    assert article.people == ["Ada Marsh", "Piet Jansen"]
    assert article.places == ["Leeds", "United Kingdom"]
    assert article.orgs == ["Valley Glass Company"]
    assert article.tags == ["Glass", "River Flood", "Reopening"]
    for word in ("Balloonists", "channel", "https", "Comments", "Followers", "NewsBreak"):
        assert word not in article.body and word not in article.title


@pytest.mark.parametrize(
    ("age", "published", "source"),
    [
        ("Aug 13, 2020", "2020-08-13", "header"),
        ("Updated 2 hours ago", "2021-03-20", "relative"),
        ("Yesterday", "2021-03-19", "relative"),
        ("1 month ago", "2021-02-20", "relative"),
        ("Just now", "2021-03-20", "relative"),
        ("03/02/2021", "2021-03-02", "header"),
        ("Feb 31, 2021", None, "none"),  # impossible: undated, not skipped
        ("Aug 13, 2025", None, "none"),  # after the crawl: absurd
    ],
)
def test_age_variants(tmp_path: Path, age: str, published: str | None, source: str) -> None:
    [article] = read_articles(write(tmp_path, PAGE.replace("3 days ago", age)))
    assert (article.published, article.date_source) == (published, source)
    assert article.title == "Glassworks Reopens After Flood Repairs"
    assert article.body.startswith("The old glassworks")


def test_day_month_order_applies_to_absolute_ages(tmp_path: Path) -> None:
    path = write(tmp_path, PAGE.replace("3 days ago", "03/02/2021"))
    assert read_articles(path, date_order="dmy")[0].published == "2021-02-03"
    # 03/04/2021 read day-first is 3 April, after the crawl date: absurd, so undated
    path = write(tmp_path, PAGE.replace("3 days ago", "03/04/2021"))
    assert read_articles(path, date_order="dmy")[0].published is None
    assert read_articles(path, date_order="mdy")[0].published == "2021-03-04"


def test_no_author_no_section(tmp_path: Path) -> None:
    text = PAGE.replace("By Ada Marsh and Piet Jansen\n", "").replace("Business\n\n", "", 1)
    [article] = read_articles(write(tmp_path, text))
    assert article.authors == []
    assert article.title == "Glassworks Reopens After Flood Repairs"
    assert article.publisher == "Valley Ledger"
    assert article.section == ""


def test_title_and_single_publisher_line(tmp_path: Path) -> None:
    text = PAGE.replace("By Ada Marsh and Piet Jansen\nValley Ledger\n", "").replace(
        "Business\n\n", "", 1)
    [article] = read_articles(write(tmp_path, text))
    assert (article.title, article.publisher, article.section) == (
        "Glassworks Reopens After Flood Repairs", "Valley Ledger", "")


def test_without_end_markers_teasers_are_still_cut(tmp_path: Path) -> None:
    text = PAGE.replace("Comments / 3\n\nRelated\n", "", 1)
    [article] = read_articles(write(tmp_path, text))
    assert "Balloonists" not in article.body and "Other Outlet" not in article.body
    assert article.body.endswith("cold since the flood.")


def test_relative_age_without_crawl_date_is_undated(tmp_path: Path) -> None:
    text = PAGE.split("\n", 1)[1]  # drop the crawl header line
    result = read_articles(write(tmp_path, text))
    assert result[0].format == "scraped"
    assert result[0].published is None and result[0].date_source == "none"
    assert result[0].crawled is None


def test_page_without_body_is_no_body(tmp_path: Path) -> None:
    text = PAGE.split(f"{NB} 3 days ago\n")[0] + f"{NB} 3 days ago\n\nComments / 0\n"
    with pytest.raises(IngestError) as info:
        read_articles(write(tmp_path, text))
    assert info.value.reason == "no-body"


def test_the_seed_page(shared: Path) -> None:
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("no seed pages")
    [article] = read_articles(seeds[0])
    assert article.format == "scraped"
    assert article.title == (
        "Allies, Pals or Foes? Putin's Russia and Xi's China's Relationship Explored")
    assert article.authors == ["James Bickerton"]
    assert article.publisher == "Newsweek"
    assert article.section == "World"
    assert article.crawled == "2022-08-18"
    assert (article.published, article.date_source) == ("2022-08-13", "relative")
    assert {"Nancy Pelosi", "Vladimir Putin", "Joe Biden", "Xi Jinping"} <= set(article.people)
    assert {"Beijing", "Tokyo", "China", "Russia"} <= set(article.places)
    assert "Ukraine War" in article.tags
    assert article.body.startswith("Chinese troops will participate")
    assert article.body.endswith("have been contacted for comment.")
    body = article.body.lower()
    for teaser_word in ("nausea", "jeep", "elon musk", "alaska", "community policy",
                        "particlenews", "comments /", "followers"):
        assert teaser_word not in body
