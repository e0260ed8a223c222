"""Unit tests of the server-side SVG timeline (newsearch.timeline)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup

from newsearch.search import TimelineBucket
from newsearch.timeline import _tick_indexes, render_timeline

SVG = "{http://www.w3.org/2000/svg}"


def url(bucket: TimelineBucket) -> str:
    return f"/?q=strike&from={bucket.start}&to={bucket.end}"


def months() -> list[TimelineBucket]:
    return [
        TimelineBucket("2022-06-01", "2022-06-30", "2022-06", 3),
        TimelineBucket("2022-07-01", "2022-07-31", "2022-07", 0),
        TimelineBucket("2022-08-01", "2022-08-31", "2022-08", 12),
        TimelineBucket("2022-09-01", "2022-09-30", "2022-09", 1),
    ]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_empty_timeline_renders_nothing() -> None:
    assert render_timeline([], url) == ""


def test_returns_markup_that_is_well_formed_svg() -> None:
    out = render_timeline(months(), url)
    assert isinstance(out, Markup)
    root = parse(out)
    assert root.tag == f"{SVG}svg"
    assert "style=" not in out and "<script" not in out


def test_each_nonempty_bucket_is_a_link_to_its_date_range_with_a_count_title() -> None:
    root = parse(render_timeline(months(), url))
    links = root.findall(f"{SVG}a")
    assert len(links) == 3  # the empty July bucket has no link
    hrefs = [parse_qs(urlsplit(a.get("href")).query) for a in links]
    assert [(h["from"][0], h["to"][0]) for h in hrefs] == [
        ("2022-06-01", "2022-06-30"), ("2022-08-01", "2022-08-31"), ("2022-09-01", "2022-09-30")]
    titles = [a.find(f"{SVG}title").text for a in links]
    assert titles == ["2022-06: 3 articles", "2022-08: 12 articles", "2022-09: 1 article"]
    empty = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar-empty"]
    assert len(empty) == 1 and empty[0].find(f"{SVG}title").text == "2022-07: no articles"


def test_bar_heights_are_proportional_to_counts() -> None:
    root = parse(render_timeline(months(), url))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class", "").split()[0] == "bar"]
    heights = [float(r.get("height")) for r in bars]
    assert heights[1] == max(heights)
    assert abs(heights[0] / heights[1] - 3 / 12) < 0.01
    # a bar of 1 out of 12 is still visible
    assert heights[2] >= 2
    # all bars stand on one baseline
    assert len({float(r.get("y")) + float(r.get("height")) for r in bars}) == 1


def pct(value: str) -> float:
    assert value.endswith("%"), value
    return float(value[:-1])


def test_bars_do_not_overlap_and_fit_the_width() -> None:
    for n in (1, 2, 5, 31, 90):
        buckets = [TimelineBucket("2022-01-01", "2022-01-01", "2022-01-01", d + 1)
                   for d in range(n)]
        root = parse(render_timeline(buckets, url))
        assert root.get("width") == "100%" and root.get("viewBox") is None
        bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
        assert len(bars) == n
        edges = [(pct(r.get("x")), pct(r.get("x")) + pct(r.get("width"))) for r in bars]
        assert all(a[1] <= b[0] for a, b in zip(edges, edges[1:], strict=False))
        assert edges[0][0] >= 0 and edges[-1][1] <= 100
        # one or two buckets are bars, not slabs, and stay centred
        assert edges[0][1] - edges[0][0] <= 8
        assert abs((edges[0][0] + edges[-1][1]) / 2 - 50) < 1


def test_labels_and_urls_are_escaped() -> None:
    evil = [TimelineBucket("2022-01-01", "2022-01-31", '<script>alert(1)</script>"', 2)]
    out = render_timeline(evil, lambda b: '/?q="><script>x</script>&a=1',
                          title="<b>bold</b>")
    assert "<script>" not in out and "<b>" not in out
    root = parse(out)  # still well-formed
    assert root.find(f"{SVG}a").get("href") == '/?q="><script>x</script>&a=1'
    assert "<script>alert(1)" in root.find(f"{SVG}a").find(f"{SVG}title").text


def test_selected_range_marks_its_bars() -> None:
    out = render_timeline(months(), url, selected=("2022-08-01", "2022-09-30"))
    root = parse(out)
    selected = [r for r in root.iter(f"{SVG}rect") if "bar-selected" in r.get("class", "")]
    assert len(selected) == 2


def test_ticks_label_first_and_last_and_stay_few() -> None:
    assert _tick_indexes(5) == [0, 1, 2, 3, 4]
    for n in (9, 30, 31, 72, 90, 365):
        ticks = _tick_indexes(n)
        assert ticks[0] == 0 and ticks[-1] == n - 1
        assert len(ticks) <= 9
        assert ticks == sorted(set(ticks))
    buckets = [TimelineBucket(f"{y}-01-01", f"{y}-12-31", str(y), 1) for y in range(1990, 2030)]
    texts = [t.text for t in parse(render_timeline(buckets, url)).iter(f"{SVG}text")]
    assert "1990" in texts and "2029" in texts


def test_summary_names_total_and_range() -> None:
    root = parse(render_timeline(months(), url, title="Mentions"))
    assert root.get("aria-label") == "Mentions: 16 articles from 2022-06 to 2022-09, in 4 bars"


def test_tick_labels_never_overlap() -> None:
    from datetime import date, timedelta

    from newsearch.timeline import PHONE_PX, WIDE_PX, _text_width

    def days(n: int) -> list[TimelineBucket]:
        start = date(1987, 2, 26)
        out = []
        for i in range(n):
            d = (start + timedelta(days=i)).isoformat()
            out.append(TimelineBucket(d, d, d, i % 3))
        return out

    def months_(n: int) -> list[TimelineBucket]:
        return [TimelineBucket(f"{2000 + i // 12}-{i % 12 + 1:02d}-01", "x",
                               f"{2000 + i // 12}-{i % 12 + 1:02d}", 1) for i in range(n)]

    for buckets in [days(n) for n in (1, 2, 3, 8, 9, 30, 90)] + [
            months_(n) for n in (2, 7, 13, 72)]:
        root = parse(render_timeline(buckets, url))
        texts = list(root.iter(f"{SVG}text"))[:-1]  # the last one is "max N"
        assert texts[0].get("class") == "tick"  # the first label shows on a phone too

        def spans(shown: list, width_px: float) -> list[tuple[float, float]]:
            out = []
            for t in shown:
                x, width = pct(t.get("x")) * width_px / 100, _text_width(t.text)
                anchor = t.get("text-anchor")
                left = x if anchor == "start" else x - width if anchor == "end" \
                    else x - width / 2
                assert -0.01 <= left and left + width <= width_px + 0.01  # on the chart
                out.append((left, left + width))
            return out

        for shown, width_px in ((texts, WIDE_PX), ([t for t in texts if t.get("class") ==
                                                    "tick"], PHONE_PX)):
            s = spans(shown, width_px)
            assert all(a[1] <= b[0] for a, b in zip(s, s[1:], strict=False)), (
                len(buckets), width_px, [t.text for t in shown])


def test_day_ticks_are_short_and_titles_keep_the_date() -> None:
    buckets = [TimelineBucket("1987-02-26", "1987-02-26", "1987-02-26", 3),
               TimelineBucket("1987-02-27", "1987-02-27", "1987-02-27", 1)]
    root = parse(render_timeline(buckets, url))
    assert [t.text for t in root.iter(f"{SVG}text")][0] == "26 Feb"
    assert root.find(f"{SVG}a").find(f"{SVG}title").text == "1987-02-26: 3 articles"
