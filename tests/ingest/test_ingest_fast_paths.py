"""The ingest helpers' fast paths give exactly what the plain step-by-step versions give."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.article import _SPACE, content_hash, dedupe_values, normalize_value
from newsearch.ingest import jsonfmt
from newsearch.ingest.base import (
    _CONTROL,
    clean_paragraphs,
    clean_text,
    one_line,
    paragraphs_from_lines,
    split_list,
)

PIECES = ["a", "B", " ", "  ", "\n", "\n\n", " \n \n", "\r\n", "\r", "\t", "\x0b", "\x0c",
          "\x1c", "\x85", "\xa0", "\u2003", "\u2028", "\x00", "\x7f", "é", "U.S.", ",", ";",
          "|", "Xi  Jinping", "ü"]


def _random_texts(n: int = 400) -> list[str]:
    rng = random.Random(7)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30))) for _ in range(n)]


TEXTS = ["", "One.\n\nTwo\nlines.\n \n\t\nThree\r\n\r\nFour  five", *_random_texts()]


def _clean_text_reference(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return clean_paragraphs(paragraphs_from_lines(text.split("\n")))


@pytest.mark.parametrize("text", TEXTS)
def test_clean_text_is_the_step_by_step_version(text: str) -> None:
    assert clean_text(text) == _clean_text_reference(text)


@pytest.mark.parametrize("text", TEXTS)
def test_one_line_is_the_regex_version(text: str) -> None:
    assert one_line(text) == " ".join(_CONTROL.sub(" ", text).split())


@pytest.mark.parametrize("text", TEXTS)
def test_content_hash_normalises_like_the_regex(text: str) -> None:
    import hashlib

    want = _SPACE.sub(" ", f"T\n{text}").strip().casefold()
    assert content_hash("T", text) == hashlib.sha1(want.encode("utf-8", "surrogatepass")
                                                   ).hexdigest()[:20]


def _dedupe_reference(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        value = _SPACE.sub(" ", value).strip()
        key = normalize_value(value)
        if key and key not in seen:
            seen.add(key)
            out.append(value)
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_dedupe_values_is_the_reference(text: str) -> None:
    values = [*text.split(","), "US", "U.S.", " united  states ", text, text.upper()]
    assert dedupe_values(values) == _dedupe_reference(values)
    got = split_list(text)
    assert got == split_list(text) and got is not split_list(text)  # a new list each call


@pytest.mark.parametrize("text", TEXTS)
def test_squeeze_is_split_and_join(text: str) -> None:
    from newsearch.article import _squeeze

    assert _squeeze(text) == " ".join(text.split())
    assert _squeeze(text.replace("\n", " ")) == " ".join(text.split())


def test_json_articles_hash_as_content_hash_does() -> None:
    """The JSON parser hashes the words it has at hand: the same hash as content_hash."""
    import json

    from newsearch.ingest import jsonfmt
    from newsearch.ingest.base import ParseContext

    texts = TEXTS[:120]
    records = [{"title": t, "text": u} for t, u in zip(texts, reversed(texts), strict=True)]
    records += [{"text": "First sentence here.  Second\n\none."}, {"title": "Only\x00a title"},
                {"title": " ", "text": ["a", "b\r\nc", ""]}]
    articles = jsonfmt.parse(json.dumps(records), ParseContext(path="/x.json"))
    assert len(articles) > 100
    for article in articles:
        assert article.content_hash == content_hash(article.title, article.body)


ASCII_TEXTS = [chr(i) for i in range(128)] + [
    t.encode("ascii", "ignore").decode("ascii") for t in TEXTS
] + ["plain words\nand lines", "tab\there", "bell\x07", "del\x7f", "ok ~ !"]


@pytest.mark.parametrize("text", TEXTS + ASCII_TEXTS)
def test_printable_lines_is_the_plain_test(text: str) -> None:
    from newsearch.article import _squeeze
    from newsearch.ingest.base import _printable_lines

    printable = text.replace("\n", "").isprintable()
    assert _printable_lines(text) == printable
    if printable:  # what the callers that know it skip
        assert _squeeze(text, printable=True) == " ".join(text.split())


@pytest.mark.parametrize("text", TEXTS)
def test_split_lists_are_what_the_parse_context_would_clean_them_to(text: str) -> None:
    """The JSON parser tells ParseContext.article its lists are clean: they must be."""
    from newsearch.ingest.base import ParseContext, split_authors

    values: list[object] = [text, [text, text.upper(), {"name": text}, 5, None], {"name": text},
                            text.split(" "), f"By {text} and {text[::-1]}"]
    for value in values:
        for got in (split_list(value), split_authors(value)):
            assert dedupe_values([v for v in got if v]) == got
            plain = ParseContext(path="/x").article("json", 0, title="t", tags=got, authors=got)
            clean = ParseContext(path="/x").article("json", 0, lists_clean=True, title="t",
                                                    tags=got, authors=got)
            assert plain == clean


def test_is_binary_counts_control_bytes_as_one_by_one_counting_does() -> None:
    from newsearch.ingest.sniff import _CONTROL_BYTES, is_binary

    rng = random.Random(3)
    pool = [b"a", b" ", b"\n", b"\t", b"\r", b"\x0c", b"\x01", b"\x1b", b"\x7f", b"\xc3\xa9"]
    for size in [1, 2, 19, 20, 21, 100, 9000]:
        for _ in range(40):
            weights = [40, 10, 5, 2, 2, 1, rng.random() * 4, rng.random() * 4, 1, 3]
            data = b"".join(rng.choices(pool, weights, k=size))
            head = data[:8192]
            controls = sum(head.count(bytes([b])) for b in _CONTROL_BYTES)
            assert is_binary(data) == (b"\x00" in head or controls / len(head) > 0.05)


_JSON_KEYS = sorted({k for keys in jsonfmt._FIELD_KEYS for k in keys} | {"id", "extra", "names"})
_JSON_VALUES = [None, "", [], {}, "x", " two  words ", ["a", "b"], {"name": "n"}, 0, False, 1.5,
                [None], [""], "\x00", {"": ""}]


def _json_value_reference(record: dict, keys: tuple[str, ...]) -> object:
    """What the JSON parser read each field as, before it looked at the keys once per record:
    the record with lower-case keys (the later of two keys that differ in case only), the
    first key whose value is not empty."""
    lowered = {str(k).lower(): v for k, v in record.items()}
    for key in keys:
        value = lowered.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_JSON_KEYS), st.sampled_from(["lower", "upper", "title"]),
                          st.sampled_from(range(len(_JSON_VALUES)))), max_size=14))
def test_json_fields_are_the_first_non_empty_key_of_the_lowered_record(items: list) -> None:
    record = {getattr(k, case)(): _JSON_VALUES[v] for k, case, v in items}
    want = [_json_value_reference(record, keys) for keys in jsonfmt._FIELD_KEYS]
    assert jsonfmt._values(record) == want
    assert jsonfmt._values(dict(reversed(record.items()))) == [
        _json_value_reference(dict(reversed(record.items())), keys)
        for keys in jsonfmt._FIELD_KEYS
    ]


@pytest.mark.parametrize("text", TEXTS)
def test_json_strings_are_one_line_fixed_points(text: str) -> None:
    """The JSON parser tells ParseContext.article its title and strings are one line."""
    from newsearch.ingest.base import ParseContext

    for value in (text, [None, text], {"name": text}, [{"title": text}], 7, None):
        got = jsonfmt._string(value)
        assert one_line(got) == got
    fields = {"title": one_line(text), "publisher": jsonfmt._string(text),
              "section": jsonfmt._string([text]), "url": jsonfmt._string({"id": text})}
    plain = ParseContext(path="/x").article("json", 0, **fields)
    assert ParseContext(path="/x").article("json", 0, lines_clean=True, **fields) == plain


@pytest.mark.parametrize("text", TEXTS + ["By Ana Ruiz and Tom Hale", "Senior Writer", "A; B; a"])
def test_a_one_string_list_splits_as_any_list(text: str) -> None:
    """split_list and split_authors take the values of a list of one string as they are (the
    string's own are deduplicated); a tuple goes the general way."""
    from newsearch.ingest.base import split_authors

    assert split_list([text]) == split_list((text,))
    assert split_authors([text]) == split_authors((text,))
    assert split_list([text]) is not split_list([text])  # a new list each call


JSON_LINES = ['{"a": 1}', ' {"a": 1}', '{"a": 1} ', '{"a": 1}\r', '{"a": 1} {"b": 2}', '{"a": ',
              '\ufeff{"a": 1}', '[1, 2]', '"text"', "3", "3 4", "nul", "null", "{}x", "\t[]\t",
              "[" * 5000 + "]" * 5000, '{"a": "\\ud800"}', "{'a': 1}", "NaN", "1e999", ""]


@pytest.mark.parametrize("line", JSON_LINES + TEXTS[:60])
def test_json_line_is_json_loads(line: str) -> None:
    import json

    try:
        want: object = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        with pytest.raises(type(exc)) as caught:
            jsonfmt._json_line(line)
        assert str(caught.value) == str(exc)
    else:
        assert repr(jsonfmt._json_line(line)) == repr(want)


def test_a_file_of_white_space_is_told_without_stripping_it() -> None:
    """read_file asks ``isspace`` where it stripped the whole file: the same bytes count."""
    for b in range(256):
        for data in (bytes([b]), bytes([b, 32, b]), bytes([32, b])):
            assert (not data or data.isspace()) == (not data.strip()), data
    assert (not b"" or b"".isspace()) == (not b"".strip())
