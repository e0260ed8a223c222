"""Reuters-21578 SGML: one article per <REUTERS>, quirks, and the whole collection."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from newsearch.ingest import read_articles, read_file

SGM = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" NEWID="1">
<DATE> 2-MAR-1987 09:01:02.79</DATE>
<TOPICS><D>crude</D></TOPICS>
<PLACES><D>usa</D><D>uk</D></PLACES>
<PEOPLE><D>smith</D></PEOPLE>
<ORGS><D>opec</D></ORGS>
<EXCHANGES><D>nyse</D></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN>&#5;&#5;&#5;F
&#22;&#22;&#1;f0001&#31;reute</UNKNOWN>
<TEXT>&#2;
<TITLE>OIL COMPANY &lt;ACME PETROLEUM> RAISES PRICES</TITLE>
<DATELINE>    HOUSTON, March 2 - </DATELINE><BODY>&lt;Acme Petroleum Inc> said it raised
posted prices by 50 cts a barrel &amp; more.
    The increase is effective today.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS NEWID="2">
<DATE>31-MAR-1987 605:12:19.12</DATE>
<TOPICS></TOPICS><PLACES></PLACES><PEOPLE></PEOPLE><ORGS></ORGS><EXCHANGES></EXCHANGES>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>SHORT HEADLINE ONLY
</TITLE>Blah blah blah.
&#3;
</TEXT>
</REUTERS>
<REUTERS NEWID="3">
<DATE>3-APR-1987 10:00:00.0&#9;&#9;&#9;RM</DATE>
<TEXT TYPE="UNPROC">&#2;
MONEY SUPPLY TABLE - APRIL 3
 M-1..........736.7 up......2.1
 Reuter
&#3;
</TEXT>
</REUTERS>
<REUTERS NEWID="4">
<DATE>4-APR-1987 10:00:00.00</DATE>
<TEXT>&#2;
<BODY>A story without a title starts here. It goes on.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS NEWID="5">
<DATE>4-APR-1987 10:00:00.00</DATE>
<TEXT TYPE="UNPROC">&#2;
&#3;
</TEXT>
</REUTERS>
"""


def test_stories_and_quirks(tmp_path: Path) -> None:
    path = tmp_path / "reut2-test.sgm"
    path.write_bytes(SGM.encode("ascii").replace(b"more.", b"more \xfc."))
    result = read_file(path)
    first, brief, unproc, untitled = result.articles
    assert {a.format for a in result.articles} == {"reuters"}
    assert [a.position for a in result.articles] == [0, 1, 2, 3]  # story 5 is empty: skipped
    assert any("no title and no text" in w for w in result.warnings)

    assert first.title == "OIL COMPANY ACME PETROLEUM RAISES PRICES"
    assert first.body == ("HOUSTON, March 2 - Acme Petroleum Inc said it raised posted prices "
                          "by 50 cts a barrel & more \xfc.\n\nThe increase is effective today.")
    assert (first.published, first.date_source) == ("1987-03-02T09:01:02", "metadata")
    assert first.tags == ["crude", "usa", "uk", "smith", "opec", "nyse"]
    assert first.people == [] and first.places == [] and first.orgs == []
    assert first.publisher == "Reuters"

    assert brief.title == "SHORT HEADLINE ONLY" and brief.body == ""
    assert brief.published == "1987-03-31"  # impossible hour: the day is kept

    assert unproc.title == "MONEY SUPPLY TABLE - APRIL 3"
    assert "736.7" in unproc.body and "Reuter" not in unproc.body
    assert unproc.published == "1987-04-03T10:00:00"

    assert untitled.title == "A story without a title starts here."
    for article in result.articles:
        assert not re.search(r"[\x00-\x08\x0b-\x1f]", article.title + article.body)
        assert "&#" not in article.body and "&lt;" not in article.body


@pytest.mark.corpus
def test_whole_collection(shared: Path) -> None:
    """All 22 files, 21,578 stories: a few seconds, so it runs by default (not marked slow)."""
    root = shared / "corpora" / "reuters21578"
    files = sorted(root.glob("reut2-*.sgm"))
    if len(files) != 22:
        pytest.skip("Reuters-21578 absent")
    started = time.perf_counter()
    stories = articles = briefs = titled = dated = 0
    tags = set()
    for path in files:
        raw = path.read_bytes()
        stories += raw.count(b"<REUTERS ")
        result = read_file(path)
        articles += len(result.articles)
        for article in result.articles:
            briefs += not article.body
            titled += bool(article.title)
            dated += article.published is not None
            tags.update(article.tags)
    elapsed = time.perf_counter() - started
    assert stories == 21578
    # one story (NEWID 12793) holds no text at all: skipped with a warning, the rest are articles
    assert articles == 21577
    assert titled == articles and dated == articles
    assert briefs >= 1798
    assert {"earn", "acq", "usa", "opec", "nyse"} <= tags
    print(f"Reuters-21578: {articles} articles in {elapsed:.2f} s")  # figure, not a test


@pytest.mark.corpus
def test_latin1_byte_file(shared: Path) -> None:
    path = shared / "corpora" / "reuters21578" / "reut2-017.sgm"
    if not path.exists():
        pytest.skip("Reuters-21578 absent")
    result = read_file(path)
    assert len(result.articles) == 1000
    assert result.encoding in ("cp1252", "latin-1")
    assert read_articles(path)[0].format == "reuters"
