"""Snippets: fragments anywhere in the body, phrase-aware, stems and prefixes, always escaped."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.query import parse_query
from newsearch.snippets import highlight, highlight_title, snippet

FILLER = "The committee met again on Tuesday and nothing of note was decided. " * 40


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_match_deep_in_a_long_article() -> None:
    body = FILLER + "Officials announced new sanctions on the shipping firm. " + FILLER
    out = snippet(body, parse_query("sanctions"))
    assert marks(out) == ["sanctions"]
    assert out.startswith("… ") and out.endswith(" …")
    assert len(out) < 400


def test_stems_and_prefixes() -> None:
    body = "The minister was sanctioned. Sanctioning rules apply. He ran."
    assert marks(snippet(body, parse_query("sanction"))) == ["sanctioned", "Sanctioning"]
    assert marks(snippet(body, parse_query("sanct*"))) == ["sanctioned", "Sanctioning"]
    assert marks(snippet(body, parse_query("running"))) == []  # "ran" is not a stem of run


def test_phrase_marked_only_where_words_stand_together() -> None:
    body = "The central committee of the bank met. Later the central bank raised rates."
    out = snippet(body, parse_query('"central bank"'))
    assert marks(out) == ["central bank"]


def test_negated_terms_are_not_marked() -> None:
    body = "Football and tennis results."
    assert marks(snippet(body, parse_query("football -tennis"))) == ["Football"]


def test_several_fragments_for_terms_far_apart() -> None:
    body = ("Alpha begins here. " + FILLER + "Omega ends there. " + FILLER)
    out = snippet(body, parse_query("alpha omega"))
    assert marks(out) == ["Alpha", "Omega"]
    assert out.count(" … ") >= 1
    assert len(out) < 800


def test_at_most_three_fragments() -> None:
    body = " ".join(f"word{i} " + FILLER[:400] for i in range(10))
    out = snippet(body, parse_query(" OR ".join(f"word{i}" for i in range(10))))
    assert 1 <= len(marks(out)) <= 3 * 2


def test_no_match_gives_escaped_opening() -> None:
    body = "<b>Bold</b> start & more. " + FILLER
    out = snippet(body, parse_query("zebra"))
    assert out.startswith("&lt;b&gt;Bold&lt;/b&gt; start &amp; more.")
    assert "<mark>" not in out and len(out) < 320


def test_markup_in_article_is_escaped_everywhere() -> None:
    body = 'x <script>alert("x")</script> <img src=x onerror=alert(1)> attack \'q\''
    out = snippet(body, parse_query("attack script"))
    assert "<script" not in out and "<img" not in out
    assert "&lt;<mark>script</mark>&gt;" in out and "&quot;" in out and "&#x27;" in out
    assert highlight_title('<i>"attack"</i>', parse_query("attack")) == \
        "&lt;i&gt;&quot;<mark>attack</mark>&quot;&lt;/i&gt;"


def test_field_restricted_terms() -> None:
    node = parse_query("title:budget body:tax")
    assert marks(highlight_title("Budget and tax", node)) == ["Budget"]
    assert marks(highlight("Budget and tax", node)) == ["tax"]


def test_facet_values_are_marked_as_phrases() -> None:
    node = parse_query('person:"Xi Jinping"')
    assert marks(snippet("Talks with Xi Jinping and Xi's aides.", node)) == ["Xi Jinping"]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["a", '"a b"', "ab*", "x -y", "<"]))
def test_only_our_marks_are_markup(body: str, query: str) -> None:
    out = snippet(body, parse_query(query))
    stripped = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped and '"' not in stripped


def test_phrase_wins_over_its_own_words() -> None:
    body = "Plans for green hydrogen and a green park."
    out = snippet(body, parse_query('green "green hydrogen"'))
    assert marks(out) == ["green hydrogen", "green"]


def test_highlight_of_a_huge_body_marks_the_head_and_escapes_everything() -> None:
    from newsearch.snippets import HIGHLIGHT_CHARS

    body = "cat <b> " * (HIGHLIGHT_CHARS // 8 + 1000)
    out = highlight(body, parse_query("cat"))
    assert "<b>" not in out and out.count("&lt;b&gt;") == body.count("<b>")
    assert 0 < out.count("<mark>") <= HIGHLIGHT_CHARS // 8 + 1
