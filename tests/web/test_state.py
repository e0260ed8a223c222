"""Unit tests of the search page's URL state (newsearch.web.state)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from newsearch.web.state import (
    clean_pairs,
    filter_chips,
    hidden_fields,
    with_changes,
)


def pairs_of(qs: str) -> list[tuple[str, str]]:
    return parse_qsl(qs, keep_blank_values=True)


BASE = [("q", "port strike"), ("person", "Henrik Lund"), ("not_place", "Antwerp"),
        ("sort", "newest"), ("page", "3")]


def test_clean_pairs_drops_empty_values_and_repeats() -> None:
    raw = [("q", "x"), ("from", ""), ("to", "  "), ("person", "A"), ("person", "A"),
           ("person", "B")]
    assert clean_pairs(raw) == [("q", "x"), ("person", "A"), ("person", "B")]


def test_adding_a_filter_keeps_the_rest_and_resets_the_page() -> None:
    out = pairs_of(with_changes(BASE, add=[("org", "Castellan Freight")]))
    assert ("org", "Castellan Freight") in out
    assert ("person", "Henrik Lund") in out and ("q", "port strike") in out
    assert not any(k == "page" for k, _ in out)


def test_adding_an_existing_filter_does_not_repeat_it() -> None:
    out = pairs_of(with_changes(BASE, add=[("person", "Henrik Lund")]))
    assert out.count(("person", "Henrik Lund")) == 1


def test_including_removes_the_exclusion_and_the_other_way_round() -> None:
    out = pairs_of(with_changes(BASE, add=[("place", "Antwerp")]))
    assert ("place", "Antwerp") in out and ("not_place", "Antwerp") not in out
    out = pairs_of(with_changes(BASE, add=[("not_person", "Henrik Lund")]))
    assert ("not_person", "Henrik Lund") in out and ("person", "Henrik Lund") not in out


def test_several_values_of_one_facet() -> None:
    out = pairs_of(with_changes(BASE, add=[("person", "Marieke de Vries")]))
    assert [v for k, v in out if k == "person"] == ["Henrik Lund", "Marieke de Vries"]


def test_replace_and_page() -> None:
    out = pairs_of(with_changes(BASE, replace={"page": "4"}))
    assert [v for k, v in out if k == "page"] == ["4"]
    out = pairs_of(with_changes(BASE, replace={"sort": "oldest"}))
    assert [v for k, v in out if k == "sort"] == ["oldest"]
    assert not any(k == "page" for k, _ in out)
    out = pairs_of(with_changes(BASE, replace={"page": "1"}))
    assert not any(k == "page" for k, _ in out)  # page 1 is the default: no parameter
    out = pairs_of(with_changes(BASE, keep_page=True))
    assert ("page", "3") in out


def test_date_range_replaces_the_previous_one() -> None:
    start = BASE + [("from", "2020-01-01"), ("to", "2020-12-31")]
    out = pairs_of(with_changes(start, replace={"from": "2023-07-01", "to": "2023-07-31"}))
    assert [v for k, v in out if k == "from"] == ["2023-07-01"]
    assert [v for k, v in out if k == "to"] == ["2023-07-31"]


def test_chips_one_per_filter_each_removing_only_itself() -> None:
    start = BASE + [("person", "Marieke de Vries"), ("from", "2023-01-01")]
    chips = filter_chips(start)
    assert [(c.kind, c.label, c.value) for c in chips] == [
        ("include", "person", "Henrik Lund"),
        ("exclude", "place", "Antwerp"),
        ("include", "person", "Marieke de Vries"),
        ("date", "from", "2023-01-01"),
    ]
    for chip in chips:
        out = pairs_of(chip.remove_qs)
        assert len(out) == len(start) - 2  # the chip's own pair and the page
        assert ("q", "port strike") in out and ("sort", "newest") in out


def test_values_with_special_characters_round_trip() -> None:
    value = 'AT&T <script>"x"</script> =?#'
    out = pairs_of(with_changes([], add=[("org", value)]))
    assert out == [("org", value)]


def test_hidden_fields_carry_filters_and_sort_but_not_query_or_page() -> None:
    assert hidden_fields(BASE + [("more", "person")]) == [
        ("person", "Henrik Lund"), ("not_place", "Antwerp"), ("sort", "newest")]
