"""newsearch.dates: absolute dates, day/month order, impossible and absurd dates, relative ages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.dates import parse_date, parse_relative, resolve_relative, to_iso

CRAWL = datetime(2022, 8, 18)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-08-13", date(2022, 8, 13)),
        ("Aug 13, 2022", date(2022, 8, 13)),
        ("August 13, 2022", date(2022, 8, 13)),
        ("Sunday, 29 September 2019", date(2019, 9, 29)),
        ("Published: March 3, 2022", date(2022, 3, 3)),
        ("13.08.2022", date(2022, 8, 13)),
        ("2022-08-13T10:11:12Z", datetime(2022, 8, 13, 10, 11, 12)),
        ("2021-06-18T09:30:00+02:00", datetime(2021, 6, 18, 9, 30)),
        ("Mon, 13 Aug 2022 10:00:00 GMT", datetime(2022, 8, 13, 10, 0)),
        ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1)),
    ],
)
def test_absolute_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_day_month_order_follows_the_setting() -> None:
    assert parse_date("02/03/2022") == date(2022, 2, 3)
    assert parse_date("02/03/2022", date_order="mdy") == date(2022, 2, 3)
    assert parse_date("02/03/2022", date_order="dmy") == date(2022, 3, 2)
    # unambiguous dates read the same either way
    assert parse_date("13/02/2022", date_order="mdy") == date(2022, 2, 13)
    assert parse_date("2022/02/03", date_order="dmy") == date(2022, 2, 3)
    with pytest.raises(ValueError):
        parse_date("02/03/2022", date_order="ymd")


@pytest.mark.parametrize(
    "text",
    ["31/02/2022", "2022-02-30", "February 30, 2021", "2021-13-01", "2022-08-13T25:00:00"],
)
def test_impossible_dates_are_none(text: str) -> None:
    assert parse_date(text) is None
    assert parse_date(text, date_order="dmy") is None


@pytest.mark.parametrize(
    "text", ["March 2022", "May", "hello 2022", "", "   ", "The meeting on 12 May 2022 was long"]
)
def test_not_a_full_date_is_none(text: str) -> None:
    assert parse_date(text) is None


def test_absurd_dates_are_none() -> None:
    assert parse_date("1700-05-05") is None
    assert parse_date("2099-01-01") is None
    # relative to a reference: two days of slack, not more
    assert parse_date("2022-08-20", reference=CRAWL) == date(2022, 8, 20)
    assert parse_date("2022-08-21", reference=CRAWL) is None
    assert parse_date("1850-01-01") == date(1850, 1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 days ago", datetime(2022, 8, 13)),
        ("\u00a0 5 days ago", datetime(2022, 8, 13)),
        ("2 hours ago", datetime(2022, 8, 17, 22)),
        ("an hour ago", datetime(2022, 8, 17, 23)),
        ("Yesterday", datetime(2022, 8, 17)),
        ("Just now", datetime(2022, 8, 18)),
        ("3 weeks ago", datetime(2022, 7, 28)),
        ("1 month ago", datetime(2022, 7, 18)),
        ("1 yr ago", datetime(2021, 8, 18)),
        ("Updated 2 hours ago", datetime(2022, 8, 17, 22)),
        ("10 mins ago", datetime(2022, 8, 17, 23, 50)),
        ("two days ago", datetime(2022, 8, 16)),
    ],
)
def test_relative_ages_resolve_against_the_reference(text: str, expected: datetime) -> None:
    assert resolve_relative(text, CRAWL) == expected
    # the reference, not today, decides
    assert resolve_relative(text, date(2022, 8, 18)) == expected


def test_not_relative() -> None:
    for text in ["Aug 13, 2022", "days ago", "5 parsecs ago", "", "Newsweek"]:
        assert resolve_relative(text, CRAWL) is None
    assert parse_relative("2 hours ago").sub_day  # type: ignore[union-attr]
    assert not parse_relative("2 days ago").sub_day  # type: ignore[union-attr]


def test_to_iso() -> None:
    assert to_iso(date(2022, 8, 13)) == "2022-08-13"
    assert to_iso(datetime(2022, 8, 13, 10, 11, 12, 999)) == "2022-08-13T10:11:12"
    assert to_iso("Aug 13, 2022") == "2022-08-13"
    assert to_iso("not a date") is None
    assert to_iso(None) is None


@pytest.mark.parametrize(
    "text", ["World", "Morning Chronicle", "Sunday, the first of March", "Yesterday", "Just now"]
)
def test_text_without_a_digit_is_no_date_and_the_order_is_still_checked(text: str) -> None:
    assert parse_date(text) is None
    with pytest.raises(ValueError):
        parse_date(text, date_order="ymd")


_DATE_PIECES = ["2021", "1799", "2999", "0000", "-", "-", "T", "t", " ", ":", "01", "12", "13",
                "00", "29", "30", "31", "02", "5", "٢", "Z", "+01:00", ".5", "\n"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_DATE_PIECES), max_size=12),
       st.sampled_from(["mdy", "dmy"]), st.sampled_from([None, datetime(2021, 6, 1)]))
def test_iso_dates_read_at_once_are_read_as_the_clean_up_reads_them(
    pieces: list[str], order: str, reference: datetime | None
) -> None:
    """A date written as ISO 8601 writes it is read without the clean-up: the same value as
    when the clean-up has something to do (a leading space), for every text."""
    for text in ("".join(pieces), "{}-{}-{}".format(*(pieces + ["1", "1", "1"])[:3]),
                 "2021-{}-{}T{}:{}:{}".format(*(pieces + ["1"] * 5)[:5])):
        assert parse_date(text, date_order=order, reference=reference) == parse_date(
            " " + text, date_order=order, reference=reference)


@pytest.mark.parametrize("value", [
    datetime(2022, 8, 13, 10, 11, 12), datetime(2022, 8, 13, 10, 11, 12, 5),
    datetime(2022, 8, 13, tzinfo=UTC), datetime(1800, 1, 1), datetime(2022, 8, 13, fold=1),
])
def test_to_iso_of_a_date_time_is_the_wall_time_to_the_second(value: datetime) -> None:
    assert to_iso(value) == value.replace(tzinfo=None, microsecond=0).isoformat(
        timespec="seconds")
