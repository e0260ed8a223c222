"""Format sniffing by content, binary detection and decoding."""

from __future__ import annotations

import pytest

from newsearch.ingest.sniff import decode, is_binary, is_gzip, sniff_format


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"title": "x"}', "json"),
        ('  \n[{"title": "x"}]', "json"),
        ('{"a": 1}\n{"a": 2}\n', "json"),
        ("[Video] Storm Hits the Coast\n\nBody.", "text"),
        ("{Draft} Storm\n\nBody.", "text"),
        ('<!DOCTYPE lewis SYSTEM "lewis.dtd">\n<REUTERS>', "reuters"),
        ("<REUTERS NEWID=\"1\">", "reuters"),
        ("<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("<html lang='en'><head><title>x</title></head></html>", "html"),
        ("<!-- saved page -->\n<html><body>x</body></html>", "html"),
        ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>', "html"),
        ('<?xml version="1.0"?><rss></rss>', "unknown"),
        (" date 2022-08-18 ContributorsPublishersAdvertisers\nWorld\n", "scraped"),
        ("World\n\nTitle\n\nBy Ann Lee\nPaper\n\u00a0 5 days ago\n\nBody.\n\nComments / 0\n",
         "scraped"),
        ("Title\n\nBy the end of 2004 the market grew.\n", "text"),
        ("Just a title\n\nAnd a body.", "text"),
    ],
)
def test_sniff(text: str, expected: str) -> None:
    assert sniff_format(text) == expected


def test_extension_only_breaks_ties() -> None:
    assert sniff_format("Title <b>bold</b>\n\n<p>Para</p>", "page.html") == "html"
    assert sniff_format("Title <b>bold</b>\n\n<p>Para</p>", "page.txt") == "text"
    assert sniff_format("Plain words only", "data.json") == "text"


def test_binary_and_gzip() -> None:
    assert is_binary(b"abc\x00def")
    assert is_binary(bytes(range(1, 9)) * 100)
    assert not is_binary("Caf\u00e9 na\u00efve \u2014 text\n\ttabbed\r\n".encode())
    assert not is_binary("utf-16 text".encode("utf-16"))
    assert is_gzip(b"\x1f\x8b\x08") and not is_gzip(b"{}")


def test_decode() -> None:
    assert decode("caf\u00e9".encode()) == ("caf\u00e9", "utf-8")
    assert decode(b"\xef\xbb\xbfhi") == ("hi", "utf-8-sig")
    assert decode(b"\x93quoted\x94 \xa3") == ("\u201cquoted\u201d \xa3", "cp1252")
    assert decode(b"\x81\xa3") == ("\x81\xa3", "latin-1")
    assert decode("hi".encode("utf-16")) == ("hi", "utf-16")
