"""Timeline: the date histogram of a search drawn as an SVG bar chart, on the server.

Part of the rendering shells (used by the web search and entity pages): it turns the
``SearchResult.timeline`` buckets into safe SVG markup. Each bar with articles is a link
(``<a href>``) that narrows the date range to its bucket, and carries a ``<title>`` so that
hovering shows the count; an empty bucket is drawn as a flat mark without a link. No script
and no ``style`` attribute is emitted (the site's Content-Security-Policy forbids inline
styles): colours and the chart's height come from the classes ``timeline``, ``bar``,
``bar-empty``, ``axis`` and ``tick`` in the site's stylesheet.

Pure function: no Flask, no engine; the caller passes a function that makes a bucket's URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

from markupsafe import Markup, escape

#: Geometry. The SVG has no viewBox: it fills the width of its box at a fixed height (CSS
#: ``height: 150px``), horizontal positions are percentages of that width and vertical ones
#: pixels, so bars stretch with the page while the text keeps its size.
HEIGHT = 150
PLOT_TOP = 20
PLOT_BOTTOM = 118
"""Baseline of the bars (px); the tick labels go below it."""
MAX_TICKS = 8
TICK_FONT = 11.0
"""Font size of the axis labels in px (site.css)."""
WIDE_PX = 560.0
"""The narrowest the chart is drawn on a wide screen (px): labels are spaced for it."""
PHONE_PX = 300.0
"""The narrowest on a phone, where only the first and last labels show (site.css hides
``tick-minor`` there)."""
MAX_SLOT = 8.0
"""Widest bar slot (% of the width), so that one or two buckets do not become slabs."""


class BucketLike(Protocol):
    start: str
    end: str
    label: str
    count: int


def _fmt(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"", "-0"} else text


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _tick_indexes(n: int, max_ticks: int = MAX_TICKS, min_step: int = 1) -> list[int]:
    """Indexes of the buckets that get a label: the first, evenly spaced ones, and the last
    unless it would stand closer than ``min_step`` buckets to the one before."""
    step = max(min_step, -(-(n - 1) // (max_ticks - 1)) if n > max_ticks else 1)
    ticks = list(range(0, n, step))
    if ticks[-1] != n - 1:
        if n - 1 - ticks[-1] >= min_step:
            ticks.append(n - 1)
        elif len(ticks) > 1:
            ticks[-1] = n - 1
    return ticks


def tick_text(label: str) -> str:
    """The axis text of a bucket: ``13 Aug`` for a day (the hover title has the year),
    the label itself for a month or a year."""
    if len(label) == 10:
        try:
            day = date.fromisoformat(label)
        except ValueError:
            return label
        return f"{day.day} {day:%b}"
    return label


def _text_width(text: str, font_px: float = TICK_FONT) -> float:
    """A generous estimate of the width of ``text`` in px."""
    return len(text) * font_px * 0.62


def _pct(value: float) -> str:
    return _fmt(value) + "%"


def _tick_spans(ticks: list[int], texts: list[str], left: float, slot: float,
                width_px: float) -> list[tuple[int, str, float, float, float]]:
    """For each tick: index, anchor, x (%), and the left and right ends of its text (px) on a
    chart ``width_px`` wide. A label is centred under its bar, except a first or last one
    that would then run off the chart on a phone: it is anchored inside its own bar slot
    (start / end) instead."""
    out = []
    for i in ticks:
        w = _text_width(texts[i])
        slot_left = left + i * slot
        centre = slot_left + slot / 2
        if len(ticks) > 1 and i == ticks[0] and centre * PHONE_PX / 100 < w / 2:
            anchor, x = "start", slot_left
            a = x * width_px / 100
            out.append((i, anchor, x, a, a + w))
        elif len(ticks) > 1 and i == ticks[-1] and (100 - centre) * PHONE_PX / 100 < w / 2:
            anchor, x = "end", slot_left + slot
            b = x * width_px / 100
            out.append((i, anchor, x, b - w, b))
        else:
            x = centre
            c = x * width_px / 100
            out.append((i, "middle", x, c - w / 2, c + w / 2))
    return out


def _fits(spans: list[tuple[int, str, float, float, float]], pad: float = 8.0) -> bool:
    return all(a[4] + pad <= b[3] for a, b in zip(spans, spans[1:], strict=False))


def render_timeline(
    buckets: Sequence[BucketLike],
    bucket_url: Callable[[BucketLike], str],
    *,
    title: str = "Articles over time",
    selected: tuple[str | None, str | None] = (None, None),
) -> Markup:
    """The SVG histogram of ``buckets`` (oldest first), as markup safe to put in a page.

    ``bucket_url(bucket)`` gives the link of a bar (the caller's URL with ``from`` and
    ``to`` set to the bucket's first and last day). ``selected`` is the current
    ``(from, to)`` date range as ``YYYY-MM-DD`` strings: bars wholly inside it get the extra
    class ``bar-selected``. Every text from the caller (labels, URLs, title) is escaped.
    An empty list renders an empty string.
    """
    buckets = list(buckets)
    if not buckets:
        return Markup("")
    n = len(buckets)
    peak = max((b.count for b in buckets), default=0)
    total = sum(b.count for b in buckets)
    slot = min(100 / n, MAX_SLOT)  # % of the width
    left = (100 - slot * n) / 2  # few buckets: narrower bars, centred
    gap = min(slot * 0.18, 400 / WIDE_PX)  # about 4 px at most
    bar_width = max(slot - gap, 0.05)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    sel_from, sel_to = selected

    summary = (f"{title}: {_plural(total, 'article', 'articles')} from {buckets[0].label} "
               f"to {buckets[-1].label}, in {_plural(n, 'bar', 'bars')}")
    parts: list[str] = [
        f'<svg class="timeline" width="100%" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{escape(summary)}">',
        f"<title>{escape(summary)}</title>",
    ]
    for i, bucket in enumerate(buckets):
        x = left + i * slot + gap / 2
        label = escape(bucket.label)
        if bucket.count <= 0:
            parts.append(
                f'<rect class="bar-empty" x="{_pct(x)}" y="{PLOT_BOTTOM - 1}" '
                f'width="{_pct(bar_width)}" height="1"><title>{label}: no articles</title>'
                f"</rect>"
            )
            continue
        height = max(plot_height * bucket.count / peak, 2.0)
        count_text = _plural(bucket.count, "article", "articles")
        classes = "bar"
        if sel_from and sel_to and sel_from <= bucket.start and bucket.end <= sel_to:
            classes += " bar-selected"
        parts.append(
            f'<a class="bar-link" href="{escape(bucket_url(bucket))}" '
            f'aria-label="{label}: {count_text}">'
            # A full-height transparent hit area makes small bars easy to click and hover.
            f'<rect class="bar-hit" x="{_pct(left + i * slot)}" y="{PLOT_TOP}" '
            f'width="{_pct(slot)}" height="{plot_height}"/>'
            f'<rect class="{classes}" x="{_pct(x)}" y="{_fmt(PLOT_BOTTOM - height)}" '
            f'width="{_pct(bar_width)}" height="{_fmt(height)}"/>'
            f"<title>{label}: {count_text}</title></a>"
        )
    parts.append(
        f'<line class="axis" x1="0" y1="{PLOT_BOTTOM}" x2="100%" y2="{PLOT_BOTTOM}"/>'
    )
    texts = [tick_text(b.label) for b in buckets]
    # The fewest steps between labels at which none overlaps on the narrowest wide chart.
    step = 1
    while True:
        ticks = _tick_indexes(n, MAX_TICKS, step)
        spans = _tick_spans(ticks, texts, left, slot, WIDE_PX)
        if _fits(spans) or len(ticks) <= 1:
            break
        step += 1
    # On a phone only the first and the last label show, if they have room there.
    phone = _tick_spans([ticks[0], ticks[-1]], texts, left, slot, PHONE_PX) \
        if len(ticks) > 1 else []
    phone_room = len(phone) == 2 and _fits(phone)
    for i, anchor, x, _a, _b in spans:
        major = i == ticks[0] or (i == ticks[-1] and phone_room)
        tick_class = "tick" if major else "tick tick-minor"
        parts.append(
            f'<text class="{tick_class}" x="{_pct(x)}" y="{PLOT_BOTTOM + 18}" '
            f'text-anchor="{anchor}">{escape(texts[i])}</text>'
        )
    parts.append(
        f'<text class="tick peak" x="100%" y="12" text-anchor="end">max {peak:,}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
