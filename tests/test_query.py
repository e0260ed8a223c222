"""The query language parser: every form, every error, and no crash on any input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.query import MAX_DEPTH, QuerySyntaxError, parse_query
from newsearch.querytree import (
    And,
    DateRange,
    MatchAll,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    positive_terms,
)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_query_is_match_all(text: str) -> None:
    assert parse_query(text) == MatchAll()


def test_words_are_anded_by_default() -> None:
    assert parse_query("climate talks") == And((Term("climate"), Term("talks")))
    assert parse_query("climate AND talks") == parse_query("climate talks")


def test_or_binds_looser_than_and() -> None:
    assert parse_query("a OR b c") == Or((Term("a"), And((Term("b"), Term("c")))))


def test_lower_case_operators_are_words() -> None:
    assert parse_query("war and peace") == And((Term("war"), Term("and"), Term("peace")))


@pytest.mark.parametrize("text", ["-sport", "NOT sport"])
def test_negation_alone_means_everything_but(text: str) -> None:
    assert parse_query(text) == And((MatchAll(), Not(Term("sport"))))


def test_negation_inside_and() -> None:
    assert parse_query("match -sport") == And((Term("match"), Not(Term("sport"))))
    assert parse_query("match NOT (sport OR tennis)") == And(
        (Term("match"), Not(Or((Term("sport"), Term("tennis"))))))


def test_double_negation_cancels() -> None:
    assert parse_query("NOT -x") == Term("x")


def test_hyphen_inside_a_word_is_a_phrase_not_negation() -> None:
    assert parse_query("covid-19") == Phrase("covid 19")


def test_phrase_and_parentheses() -> None:
    assert parse_query('"central bank" (rates OR inflation)') == And(
        (Phrase("central bank"), Or((Term("rates"), Term("inflation")))))


def test_field_prefixes_map_to_index_fields() -> None:
    assert parse_query("title:budget") == Term("budget", "title")
    assert parse_query('person:"Xi Jinping"') == Phrase("Xi Jinping", "people")
    assert parse_query("place:Kenya") == Term("Kenya", "places")
    assert parse_query("org:AT&T") == Term("AT&T", "orgs")
    assert parse_query("publisher:Reuters") == Term("Reuters", "publisher")
    assert parse_query("author:smith") == Term("smith", "authors")
    assert parse_query("section:sport") == Term("sport", "section")
    assert parse_query("tag:climate") == Term("climate", "tags")


def test_field_applies_to_a_group() -> None:
    assert parse_query("title:(war OR peace)") == Or((Term("war", "title"),
                                                      Term("peace", "title")))


def test_unknown_field_is_plain_text() -> None:
    assert parse_query("foo:bar") == Phrase("foo bar")
    assert parse_query("10:30") == Phrase("10 30")


def test_prefix_wildcard() -> None:
    assert parse_query("Sanction*") == Prefix("sanction")
    assert parse_query("tag:clim*") == Prefix("clim", "tags")


@pytest.mark.parametrize("text, start, end", [
    ("date:2022", date(2022, 1, 1), date(2022, 12, 31)),
    ("date:2022-02", date(2022, 2, 1), date(2022, 2, 28)),
    ("date:2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("date:2022-08-13", date(2022, 8, 13), date(2022, 8, 13)),
    ("date:[2022-08-01 TO 2022-08-31]", date(2022, 8, 1), date(2022, 8, 31)),
    ("date:[2022-08 TO 2022-09]", date(2022, 8, 1), date(2022, 9, 30)),
    ("date:[* TO 2022-08-31]", None, date(2022, 8, 31)),
    ("date:[2022-08-01 TO *]", date(2022, 8, 1), None),
    ("after:2022-08-13", date(2022, 8, 14), None),
    ("after:2022-08", date(2022, 9, 1), None),
    ("before:2022-08-13", None, date(2022, 8, 12)),
    ("before:2022", None, date(2021, 12, 31)),
])
def test_dates(text: str, start: date | None, end: date | None) -> None:
    assert parse_query(text) == DateRange(start, end)


def test_dates_combine_with_words() -> None:
    assert parse_query("floods date:2022") == And(
        (Term("floods"), DateRange(date(2022, 1, 1), date(2022, 12, 31))))


def test_positive_terms_skip_negated() -> None:
    leaves = positive_terms(parse_query('a "b c" -d NOT e'))
    assert leaves == [Term("a"), Phrase("b c")]


@pytest.mark.parametrize("text, position, words", [
    ('budget "tax cuts', 7, "unclosed quote at column 8"),
    ("(a OR b", 0, "unclosed '('"),
    ("a OR b)", 6, "unmatched ')' at column 7"),
    ("a OR", 2, "OR at column 3"),
    ("OR a", 0, "OR at column 1"),
    ("a AND", 2, "AND at column 3"),
    ("a -", None, None),
    ("*", 0, "wildcard"),
    ("*tion", 0, "wildcard"),
    ("s*", 1, "at least 2"),
    ("sa*ion", 2, "only allowed at the end"),
    ("date:2022-13", 5, "impossible date"),
    ("date:2022-02-30", 5, "impossible date"),
    ("date:yesterday", 5, "bad date"),
    ("date:[2023 TO 2022]", 5, "ends before it starts"),
    ("date:[2022 2023]", 5, "must look like"),
    ("date:[2022 TO 2023", 5, "unclosed date range"),
    ("title:", 0, "needs a value"),
    ('person:""', 7, "empty value"),
    ("()", 0, "empty parentheses"),
    ("title:(a person:b)", 9, "inside another field"),
])
def test_syntax_errors_say_where(text: str, position: int | None, words: str | None) -> None:
    if position is None:  # a lone trailing "-" is punctuation, not an error
        assert parse_query(text) == Term("a")
        return
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert info.value.position == position
    assert words in str(info.value)


def test_depth_limit() -> None:
    ok = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    assert parse_query(ok) == Term("a")
    with pytest.raises(QuerySyntaxError, match="nested too deep"):
        parse_query("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))


def test_length_and_term_limits() -> None:
    with pytest.raises(QuerySyntaxError, match="too long"):
        parse_query("x" * 51, max_length=50)
    assert isinstance(parse_query(" ".join(["w"] * 100)), And)
    with pytest.raises(QuerySyntaxError, match="too many terms"):
        parse_query(" ".join(["w"] * 101))


def test_deep_negation_chain_does_not_recurse() -> None:
    assert parse_query("NOT " * 400 + "x") == Term("x")


QUERY_ALPHABET = st.sampled_from(
    list('abcXYZ019 -+*"():[]{}&|!?.,/\\\'\t\n') + ["AND ", "OR ", "NOT ", "title:", "date:",
                                                     "after:", "person:", " TO ", "2022-08",
                                                     "é", "中", "\x00", "_"])


@settings(max_examples=400, deadline=None)
@given(st.lists(QUERY_ALPHABET, max_size=40).map("".join))
def test_parser_never_raises_anything_else_on_query_like_text(text: str) -> None:
    try:
        node = parse_query(text)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text)
        assert "column" in str(exc) or "query" in str(exc)
    else:
        assert node is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_raises_anything_else_on_any_text(text: str) -> None:
    try:
        parse_query(text)
    except QuerySyntaxError:
        pass
