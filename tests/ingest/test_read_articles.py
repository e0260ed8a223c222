"""read_articles: every skip reason, gzip, sniffing by content, path and signature."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

import newsearch.ingest as ingest
from newsearch.ingest import SKIP_REASONS, IngestError, read_articles, read_file

TEXT = "A Quiet Harbour Story\n\nThe harbour was quiet on Sunday as the ferries stayed in port.\n"


def reason_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(IngestError) as info:
        read_articles(path, **kwargs)  # type: ignore[arg-type]
    error = info.value
    assert error.reason in SKIP_REASONS
    assert error.message and str(path.absolute()) in str(error)
    return error.reason


def test_reasons_are_declared() -> None:
    for name in ("too-large", "empty", "binary", "unknown-format", "no-title", "no-body",
                 "undecodable", "unreadable", "vanished", "parse-error", "symlink-loop",
                 "unsupported-type"):
        assert name in SKIP_REASONS
        assert SKIP_REASONS[name]
    with pytest.raises(ValueError):
        IngestError("no-such-reason", "x")


def test_error_pickles(tmp_path: Path) -> None:
    import pickle

    with pytest.raises(IngestError) as info:
        read_articles(tmp_path / "gone.txt")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.reason, copy.message, copy.path, str(copy)) == (
        info.value.reason, info.value.message, info.value.path, str(info.value))


def test_too_large_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    path = tmp_path / "big.txt"
    path.write_text(TEXT * 50)
    opened: list[object] = []
    real_open = open

    def spying_open(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(args[0])
        return real_open(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", spying_open)
    assert reason_of(path, max_bytes=100) == "too-large"
    assert path not in opened and str(path) not in map(str, opened)
    monkeypatch.undo()
    assert read_articles(path, max_bytes=10**6)[0].title == "A Quiet Harbour Story"


def test_gzip_bomb_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"Title\n\n" + b"a" * 2_000_000))
    assert path.stat().st_size < 100_000
    assert reason_of(path, max_bytes=100_000) == "too-large"


def test_empty(tmp_path: Path) -> None:
    (tmp_path / "zero.txt").write_bytes(b"")
    assert reason_of(tmp_path / "zero.txt") == "empty"
    (tmp_path / "blank.txt").write_text("  \n\n\t \n")
    assert reason_of(tmp_path / "blank.txt") == "empty"
    (tmp_path / "empty.gz").write_bytes(gzip.compress(b""))
    assert reason_of(tmp_path / "empty.gz") == "empty"


def test_binary(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert reason_of(tmp_path / "a.txt") == "binary"
    (tmp_path / "b.txt").write_bytes(bytes(range(1, 32)) * 20)
    assert reason_of(tmp_path / "b.txt") == "binary"


def test_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "feed.txt").write_text('<?xml version="1.0"?>\n<rss><channel></channel></rss>\n')
    assert reason_of(tmp_path / "feed.txt") == "unknown-format"
    (tmp_path / "doc.txt").write_text("{\\rtf1\\ansi Hello}\n")
    assert reason_of(tmp_path / "doc.txt") == "unknown-format"


def test_no_title_and_no_body(tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text("word " * 200 + "\n\nmore text\n")
    assert reason_of(tmp_path / "long.txt") == "no-title"
    (tmp_path / "title-only.txt").write_text("Just a headline\n\n")
    assert reason_of(tmp_path / "title-only.txt") == "no-body"
    (tmp_path / "records.json").write_text(json.dumps([{"url": "x"}, {"tags": ["a"]}]))
    assert reason_of(tmp_path / "records.json") == "no-body"


def test_undecodable(tmp_path: Path) -> None:
    # A UTF-16 byte order mark followed by a lone surrogate: not UTF-16, and not meant as latin-1.
    (tmp_path / "u16.txt").write_bytes(b"\xff\xfeT\x00i\x00\x00\xd8")
    assert reason_of(tmp_path / "u16.txt") == "undecodable"


def test_latin1_falls_back_and_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Transfer Fee Agreed\n\nThe club paid a \xa315.8m fee.\n".encode("latin-1"))
    result = read_file(path)
    assert result.articles[0].body == "The club paid a \xa315.8m fee."
    assert result.encoding in ("cp1252", "latin-1")
    assert any("UTF-8" in w for w in result.warnings)
    utf16 = tmp_path / "utf16.txt"
    utf16.write_text(TEXT, encoding="utf-16")
    assert read_articles(utf16)[0].title == "A Quiet Harbour Story"


def test_unreadable(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    assert reason_of(tmp_path / "folder") == "unreadable"
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert reason_of(fifo) == "unreadable"
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.txt"
        locked.write_text(TEXT)
        locked.chmod(0)
        assert reason_of(locked) == "unreadable"


def test_vanished(tmp_path: Path) -> None:
    assert reason_of(tmp_path / "gone.txt") == "vanished"


def test_parse_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"title": "Broken", "text": "no closing brace"\n')
    assert reason_of(tmp_path / "bad.json") == "parse-error"
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00garbage that is not deflate")
    assert reason_of(tmp_path / "bad.gz") == "parse-error"
    (tmp_path / "bad.sgm").write_text('<!DOCTYPE lewis SYSTEM "lewis.dtd">\n<nothing/>\n')
    assert reason_of(tmp_path / "bad.sgm") == "parse-error"


def test_impossible_date_is_not_a_skip(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text("Odd Date Story\nDate: 31/02/2022\n\nA body about a date that never was.\n")
    result = read_file(path)
    article = result.articles[0]
    assert article.published is None and article.date_source == "none"
    assert any("31/02/2022" in w for w in result.warnings)


def test_gzip_of_every_format(tmp_path: Path, samples: Path) -> None:
    for sample in ["scraped/arctic-sea-ice-record-low.txt", "html/veltrane-carbon-market.html",
                   "json/scraper-feed.jsonl", "reuters/meridian-wire-2021.sgm",
                   "text/nordvik-wind-assisted-ships.txt"]:
        plain = read_articles(samples / sample)
        packed = tmp_path / (Path(sample).name + ".gz")
        packed.write_bytes(gzip.compress((samples / sample).read_bytes()))
        zipped = read_articles(packed)
        assert [a.format for a in zipped] == [a.format for a in plain]
        assert [(a.title, a.body, a.published) for a in zipped] == [
            (a.title, a.body, a.published) for a in plain]
        assert zipped[0].path == str(packed.absolute())


def test_sniffing_by_content_not_extension(tmp_path: Path, samples: Path) -> None:
    cases = {
        "json/wire-export-2021-2024.json": ("export.txt", "json"),
        "html/un-envoy-geneva-talks.html": ("page.json", "html"),
        "scraped/veltrane-energy-quarterly-profit.txt": ("page.html", "scraped"),
        "reuters/meridian-wire-2021.sgm": ("wire.txt", "reuters"),
        "text/berlin-marathon-record.txt": ("story.json", "text"),
    }
    for source, (name, fmt) in cases.items():
        target = tmp_path / name
        target.write_bytes((samples / source).read_bytes())
        assert {a.format for a in read_articles(target)} == {fmt}, source


def test_path_signature_and_positions(tmp_path: Path, samples: Path) -> None:
    target = tmp_path / "feed.jsonl"
    target.write_bytes((samples / "json/scraper-feed.jsonl").read_bytes())
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    articles = read_articles(link)
    st = link.stat()
    assert [a.position for a in articles] == [0, 1, 2, 3]
    assert {a.path for a in articles} == {str(link.absolute())}  # the link, not its target
    assert {a.file_signature for a in articles} == {f"{st.st_size}:{st.st_mtime_ns}"}
    assert len({a.id for a in articles}) == 4
    relative = Path(os.path.relpath(target))
    assert read_articles(relative)[0].path == str(relative.absolute())  # as the brief defines it


def test_odd_file_names(tmp_path: Path) -> None:
    names = ["with spaces (1).txt", "\u00e9t\u00e9 \u2014 r\u00e9sum\u00e9.txt", "no-extension"]
    for name in names:
        path = tmp_path / name
        path.write_text(TEXT)
        assert read_articles(path)[0].title == "A Quiet Harbour Story"
    raw = os.fsencode(str(tmp_path)) + b"/bad-\xff-name.txt"
    with open(raw, "wb") as handle:
        handle.write(TEXT.encode())
    odd = Path(os.fsdecode(raw))
    article = read_articles(odd)[0]
    assert article.title == "A Quiet Harbour Story"
    assert article.id  # hashing a surrogate-escaped path works


def test_parsers_registry_covers_every_article_format() -> None:
    from newsearch.article import FORMATS

    assert set(ingest.PARSERS) == set(FORMATS)
