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


# --- The fast path against a straightforward reference -------------------------------------
#
# ``snippets._spans`` stems only the words a per-query regex picks out. The reference below is
# the plain algorithm it replaced: tokenise and stem every word, then mark. Both must give the
# same spans, hence the same snippets, on bodies made to be awkward (stems that change the
# word's end, capitals, non-ASCII, over-long words, underscores, markup).

VOCAB = ["sanctions", "Sanctioned", "sanctioning", "sanctity", "bank", "Banks", "banking",
         "central", "Central", "centre", "the", "The", "dying", "die", "dies", "lying", "lie",
         "happy", "happiness", "Happily", "generously", "general", "İran", "iran", "ΟΔΟΣ",
         "οδος", "x" * 41, "co_op", "2024", "3rd", "<b>", "&", "a", "run", "ran", "running",
         "généreux", "naïve", "NAÏVE", "possibility", "possible", "skies", "sky", "news"]
QUERY_WORDS = ["sanctions", "sanction", "bank", "central", "centre", "the", "die", "dying",
               "lie", "happy", "happiness", "general", "iran", "οδος", "2024", "a", "run",
               "running", "naïve", "possible", "possibility", "sky", "news", "généreux"]
SEPARATORS = [" ", " ", " ", ". ", ", ", "\n", "-", "'", "! "]


def reference_spans(text: str, node) -> list[tuple[int, int, str]]:  # noqa: ANN001
    """Every match in ``text``: tokenise and stem the whole text (the pre-regex algorithm)."""
    from newsearch.analysis import tokenize
    from newsearch.snippets import matchers_for

    active = [m for m in matchers_for(node) if "body" in m.fields]
    tokens = list(tokenize(text))
    singles = {m.stems[0]: m.key for m in reversed(active) if not m.prefix and len(m.stems) == 1}
    phrases = sorted((m for m in active if not m.prefix and len(m.stems) > 1),
                     key=lambda m: -len(m.stems))
    prefixes = [m for m in active if m.prefix]
    spans = []
    for i, tok in enumerate(tokens):
        phrase = next((m for m in phrases if [t.text for t in tokens[i:i + len(m.stems)]]
                       == list(m.stems)), None)
        if phrase:
            spans.append((tok.start, tokens[i + len(phrase.stems) - 1].end, phrase.key))
        elif tok.text in singles:
            spans.append((tok.start, tok.end, singles[tok.text]))
        else:
            word = text[tok.start:tok.end].lower()
            prefix = next((m for m in prefixes
                           if word.startswith(m.prefix) or tok.text.startswith(m.prefix)), None)
            if prefix:
                spans.append((tok.start, tok.end, prefix.key))
    spans.sort(key=lambda span: (span[0], -span[1]))
    merged: list[tuple[int, int, str]] = []
    for span in spans:
        if not merged or span[0] >= merged[-1][1]:
            merged.append(span)
    return merged


bodies = st.lists(st.tuples(st.sampled_from(VOCAB), st.sampled_from(SEPARATORS)),
                  max_size=120).map(lambda parts: "".join(w + s for w, s in parts))
leaf = st.one_of(
    st.sampled_from(QUERY_WORDS),
    st.tuples(st.sampled_from(QUERY_WORDS), st.sampled_from(QUERY_WORDS)).map(
        lambda p: f'"{p[0]} {p[1]}"'),
    st.tuples(st.sampled_from(QUERY_WORDS), st.integers(2, 8)).map(
        lambda p: p[0][:p[1]] + "*").filter(lambda q: len(q) >= 3),
)
queries = st.lists(leaf, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(bodies, queries)
def test_fast_spans_equal_the_reference(body: str, query: str) -> None:
    from newsearch.snippets import _spans, matchers_for

    node = parse_query(query)
    assert _spans(body, matchers_for(node), "body") == reference_spans(body, node)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), queries)
def test_fast_spans_equal_the_reference_on_any_text(body: str, query: str) -> None:
    from newsearch.snippets import _spans, matchers_for

    node = parse_query(query)
    assert _spans(body, matchers_for(node), "body") == reference_spans(body, node)


@settings(max_examples=150, deadline=None)
@given(bodies.map(lambda b: b * 6), queries)
def test_snippet_equals_the_snippet_of_the_reference_spans(body: str, query: str) -> None:
    from newsearch import snippets

    node = parse_query(query)
    fast = snippet(body, node)
    original = snippets._spans
    snippets._spans = lambda text, _matchers, _field: reference_spans(text, node)
    try:
        reference = snippet(body, node)
    finally:
        snippets._spans = original
    assert fast == reference


def marked_tokens(out: str) -> list[tuple[str, str, bool]]:
    """(word, stem, marked?) of every word in a snippet, read back from its HTML."""
    import html as html_lib

    from newsearch.analysis import tokenize

    plain, marked = "", []
    for i, part in enumerate(re.split(r"</?mark>", out)):
        text = html_lib.unescape(part)
        if i % 2:
            marked.append((len(plain), len(plain) + len(text)))
        plain += text
    return [(plain[t.start:t.end], t.text, any(s <= t.start and t.end <= e for s, e in marked))
            for t in tokenize(plain)]


@settings(max_examples=300, deadline=None)
@given(bodies.map(lambda b: b * 4),
       st.lists(st.one_of(st.sampled_from(QUERY_WORDS),
                          st.tuples(st.sampled_from(QUERY_WORDS), st.integers(2, 8)).map(
                              lambda p: p[0][:p[1]] + "*").filter(lambda q: len(q) >= 3)),
                min_size=1, max_size=3))
def test_marked_words_are_exactly_the_matching_words_of_the_fragments(
        body: str, leaves: list[str]) -> None:
    from newsearch.analysis import terms

    out = snippet(body, parse_query(" ".join(leaves)))
    wanted = {t for leaf in leaves if not leaf.endswith("*") for t in terms(leaf)}
    prefixes = [leaf[:-1].lower() for leaf in leaves if leaf.endswith("*")]
    assert bool(out) == bool(body.strip())
    for word, term, is_marked in marked_tokens(out):
        matches = term in wanted or any(
            term.startswith(p) or word.lower().startswith(p) for p in prefixes)
        assert is_marked == matches, (word, out)


def test_regex_leads_cover_every_word_the_stemmer_maps() -> None:
    """A word whose stem is (or starts with) ``key`` begins with one of ``_leads(key)``."""
    from newsearch.analysis import stem
    from newsearch.snippets import _leads

    words = ["dying", "lying", "tying", "vying", "skies", "skis", "idly", "gently", "ugly",
             "early", "only", "singly", "happy", "agency", "relational", "possibility",
             "sensibility", "hopefulness", "generously", "conditional", "criticism", "Ying"]
    suffixes = ["", "s", "ies", "ied", "y", "ly", "ing", "ed", "ational", "tional", "enci",
                "anci", "abli", "izer", "ization", "ator", "aliti", "iviti", "biliti", "bli",
                "ogi", "fulli", "lessli", "icate", "iciti", "ical", "ness", "ement", "ying"]
    for base in ["poss", "ab", "d", "l", "sk", "gent", "hap", "nation", "vis", "cr", "ra"]:
        words += [base + s for s in suffixes]
    for word in words:
        lower = word.lower()
        term = stem(lower)
        for k in range(1, len(term) + 1):
            assert any(lower.startswith(lead) for lead in _leads(term[:k])), (word, term[:k])


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aeiouybcdglnrstv", min_size=1, max_size=10))
def test_regex_leads_cover_random_words(word: str) -> None:
    from newsearch.analysis import stem
    from newsearch.snippets import _leads

    term = stem(word)
    for k in range(1, len(term) + 1):
        assert any(word.startswith(lead) for lead in _leads(term[:k])), (word, term[:k])


def test_match_beyond_the_old_scan_limit_is_found() -> None:
    from newsearch.snippets import SCAN_CHARS

    body = FILLER * (600_000 // len(FILLER)) + "Late sanctions news. " + FILLER
    assert len(body) < SCAN_CHARS
    assert marks(snippet(body, parse_query("sanctions"))) == ["sanctions"]


def reference_candidates(spans: list[tuple[int, int, str]],
                         fragment_chars: int) -> list[tuple[int, int, int, int, int]]:
    """The window scores as first written: every window rescans the spans."""
    candidates = []
    for s, _e, _k in spans:
        w_start = max(0, s - fragment_chars // 4)
        w_end = w_start + fragment_chars
        keys = {k for s2, e2, k in spans if s2 >= w_start and e2 <= w_end}
        count = sum(1 for s2, e2, _k in spans if s2 >= w_start and e2 <= w_end)
        weight = sum(2 if " " in k else 1 for k in keys)
        candidates.append((weight, count, -s, w_start, w_end))
    return sorted(candidates, reverse=True)


def reference_windows(spans: list[tuple[int, int, str]], fragment_chars: int,
                      max_fragments: int) -> list[tuple[int, int]]:
    """The window choice as first written."""
    candidates = reference_candidates(spans, fragment_chars)
    chosen: list[tuple[int, int]] = []
    covered: set[str] = set()
    for _weight, _count, _neg, w_start, w_end in candidates:
        if len(chosen) >= max_fragments:
            break
        if any(w_start < c_end and w_end > c_start for c_start, c_end in chosen):
            continue
        inside = {k for s, e, k in spans if s >= w_start and e <= w_end}
        if chosen and not (inside - covered):
            continue
        chosen.append((w_start, w_end))
        covered |= inside
    return sorted(chosen)


@st.composite
def span_lists(draw: st.DrawFn) -> list[tuple[int, int, str]]:
    """Sorted, disjoint spans with keys like the matchers' (a space: a phrase)."""
    spans, pos = [], 0
    step = draw(st.sampled_from([1, 10]))  # (multiples of 10 put span ends on window ends)
    for _ in range(draw(st.integers(1, 60))):
        pos += step * draw(st.integers(0, 300 // step))
        length = step * draw(st.integers(1, 200 // step))
        spans.append((pos, pos + length, draw(st.sampled_from(["a", "b", "c d", "e*", "f g h"]))))
        pos += length
    return spans


@settings(max_examples=400, deadline=None)
@given(span_lists(), st.sampled_from([40, 120, 240]), st.integers(1, 4))
def test_window_choice_equals_the_reference(spans: list[tuple[int, int, str]],
                                            fragment_chars: int, max_fragments: int) -> None:
    from newsearch.snippets import _candidates, _windows

    assert _candidates(spans, fragment_chars) == reference_candidates(spans, fragment_chars)
    assert _windows(spans, fragment_chars, max_fragments) == \
        reference_windows(spans, fragment_chars, max_fragments)
