"""Facet counts on the whole Reuters-21578 collection (opt-in: NEWSEARCH_SLOW=1).

Issue 3 asks: on an index of the whole collection, the month facet counts equal the number of
stories dated in each month (counted here from the SGML itself, independently of our parser),
and a filtered search's total equals the count its facet value showed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from newsearch.engine import EngineQuery, Filters, open_engine
from newsearch.query import parse_query
from newsearch.search import SearchRequest, search

pytestmark = [pytest.mark.slow, pytest.mark.corpus]

MONTHS = {m: i for i, m in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}


def months_in_sgml(files: list[Path]) -> Counter:
    """Stories per month from each story's <DATE>; a story with no text at all is no article."""
    out: Counter = Counter()
    for path in files:
        raw = path.read_bytes().decode("latin-1")
        for story in re.findall(r"<REUTERS .*?</REUTERS>", raw, flags=re.S):
            text = re.search(r"<TEXT[^>]*>(.*?)</TEXT>", story, flags=re.S)
            content = re.sub(r"<[^>]+>|&#\d+;|\s", "", text.group(1)) if text else ""
            if not content:
                continue
            m = re.search(r"<DATE>\s*(\d{1,2})-([A-Z]{3})-(\d{4})", story)
            out[f"{m.group(3)}-{MONTHS[m.group(2)]:02d}" if m else "undated"] += 1
    return out


@pytest.fixture(scope="module")
def reuters_index(shared_dir: Path, engine_name: str,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    from newsearch.indexer import update_index

    files = sorted((shared_dir / "corpora" / "reuters21578").glob("reut2-*.sgm"))
    if len(files) != 22:
        pytest.skip("Reuters-21578 is not complete in the shared folder")
    target = tmp_path_factory.mktemp(f"reuters-{engine_name}") / "index"
    summary = update_index(files, target, engine=engine_name)
    assert summary.error is None, summary.error
    return target, files


def test_month_counts_equal_stories_per_month(reuters_index: tuple[Path, list[Path]]) -> None:
    index, files = reuters_index
    expected = months_in_sgml(files)
    assert sum(expected.values()) == 21577 and len(expected) == 5  # Feb, Mar, Apr, Jun, Oct
    with open_engine(index) as engine:
        result = engine.search(EngineQuery(facets=("month",), facet_limit=1000, limit=1,
                                           collapse=False))
        got = {f.value: f.count for f in result.facets["month"]}
        assert result.total == sum(expected.values())
    assert got == dict(expected)


CHECKS = (("month", "month"), ("place", "places"), ("tag", "tags"), ("org", "orgs"))


def test_filtered_totals_equal_facet_counts_per_story(
        reuters_index: tuple[Path, list[Path]]) -> None:
    """Every story counted (no collapsing of copies): filter and facet agree exactly."""
    index, _files = reuters_index
    checked = 0
    with open_engine(index) as engine:
        for q in ("", "oil prices"):
            node = parse_query(q)
            base = engine.search(EngineQuery(query=node, facets=tuple(f for _, f in CHECKS),
                                             facet_limit=8, limit=1, collapse=False))
            for _param, field in CHECKS:
                for entry in base.facets[field]:
                    filtered = engine.search(EngineQuery(
                        query=node, filters=Filters(include={field: (entry.value,)}),
                        limit=1, collapse=False))
                    assert filtered.total == entry.count, (q, field, entry.value)
                    checked += 1
    assert checked >= 40


def test_filtered_totals_equal_facet_counts(reuters_index: tuple[Path, list[Path]],
                                            engine_name: str) -> None:
    """Through search() (copies collapsed, as every shell shows them)."""
    index, _files = reuters_index
    checked = 0
    with open_engine(index) as engine:
        for q in ("", "oil prices"):
            base = search(engine, SearchRequest(q=q, facets=tuple(f for _, f in CHECKS),
                                                facet_size=8, size=1))
            assert base.total > 100
            for param, field in CHECKS:
                for entry in base.facets[param]:
                    filtered = search(engine, SearchRequest(
                        q=q, include={field: (entry.value,)}, facets=(field,), size=1))
                    assert filtered.total == entry.count, (q, param, entry.value)
                    shown = {e.value: e for e in filtered.facets[param]}
                    assert shown[entry.value].selected
                    assert shown[entry.value].count == entry.count
                    checked += 1
    assert checked >= 40
