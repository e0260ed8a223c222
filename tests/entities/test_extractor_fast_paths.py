"""The extractor's fast paths give exactly what the plain regular expressions give."""

from __future__ import annotations

import random

import pytest

from newsearch.entities import extractor

SAMPLES = [
    "",
    "Mr. Smith met Dr. J. Doe of the U.S. Federal Reserve Bank of New York on Monday.",
    "the iPhone-maker's shares fell; O'Neil-Smith said: \"we're fine\" (Reuters) -",
    "ÉCOLE Polytechnique, São Paulo and Zürich’s mayor; «Ångström» über-cool",
    "a.B C &D x'E -F _G 9H h1 x_y é-a a—b ’tis 'twas",
    "LONDON 1996-08-30 Leeds 2 Manchester United 1\n\nU.S.A. and the E.U. S.p.A. Co. Ltd.",
    "tab\tSeparated\u00a0Words\u2003and\u3000More   Spaces\r\nLine Two",
]
ALPHABET = list("aAbBzZ .,'’-_&é É1\t\n$()ßİı") + ["Mr.", "U.S.", " of ", " and "]


def _random_texts(n: int = 300) -> list[str]:
    rng = random.Random(5)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60))) for _ in range(n)]


@pytest.mark.parametrize("text", SAMPLES + _random_texts())
def test_vocab_answers_like_the_lower_word_regex(text: str) -> None:
    want = set(extractor._LOWER_WORD.findall(text))
    vocab = extractor._vocab(text)
    assert {w for w in vocab if "a" <= w[0] <= "z"} == want
    # every question _is_word asks: a capitalised word's folded form, and the text's tokens
    asked = {w.casefold() for w in text.split()} | {w.strip(".,") for w in text.split()}
    asked |= {"", "1x", "é", "ab", "a-b", "x'y"}
    for word in asked:
        assert extractor._in_vocab(word, vocab) == (word in want)


@pytest.mark.parametrize("text", SAMPLES + _random_texts())
def test_has_word_answers_like_the_word_set(text: str) -> None:
    """A document's first questions are answered by looking in the text, the later ones from
    the word set: both as the lower-case word regex says."""
    from newsearch.entities.lexicon import lexicon

    want = set(extractor._LOWER_WORD.findall(text))
    asked = {w.casefold() for w in text.split()} | {w.strip(".,'") for w in text.split()}
    asked |= {"", "1x", "é", "ab", "a-b", "x'y", "a.b", "zz", "e"} | want
    doc = extractor._Doc(text, lexicon())
    for word in sorted(asked) * 2:  # past WORDS_LOOKED_UP: the word set answers the rest
        assert extractor._has_word(text, word, tries=10**6) == (word in want), word
        assert extractor._has_word(text, word, tries=1) in (word in want, None), word
        assert doc.has_word(word) == (word in want), word


def test_has_word_gives_up_on_a_word_found_only_inside_others() -> None:
    from newsearch.entities.lexicon import lexicon

    text = "sss " * 20 + "s"
    assert extractor._has_word(text, "s") is None  # 8 tries inside "sss", not the last "s"
    assert extractor._has_word(text, "s", tries=100) is True
    assert extractor._Doc(text, lexicon()).has_word("s") is True  # from the word set


def test_lower_words_keeps_what_a_vocab_can_hold() -> None:
    words = frozenset(["goal", "Goal", "1st", "match-day", "é", "", "half time", "x_y"])
    assert extractor._lower_words(words) == {"goal", "match-day", "x_y"}


@pytest.mark.parametrize("text", SAMPLES + _random_texts() + [
    "McDonald x-Ray O'Neil U.S.A. Ángel über ÉCOLE", "no capital here", "A", "a A", "AB.C D"])
def test_runs_are_the_run_regex(text: str) -> None:
    for line in text.split("\n"):
        want = [(m.start(), m.end(), m.group()) for m in extractor.RUN_RE.finditer(line)]
        got = [(m.start(), m.end(), m.group()) for m in extractor._runs(line)]
        assert got == want


HEADLINES = ["Allies, Pals or Foes? Inside the Deal", "Fed Holds Rates Steady", "Fed holds rates",
             "Über Alles Größten Städte", "Rates Rise Again", "A B C", "Tesla Shares Jump 5%"]


@pytest.mark.parametrize("text", SAMPLES + HEADLINES + _random_texts())
def test_title_case_line_is_title_case_of_the_tokens(text: str) -> None:
    from newsearch.entities.lexicon import lexicon

    common = lexicon().common
    for line in [text, *text.split("\n")]:
        want = extractor._title_case(extractor.TOKEN_RE.findall(line), common)
        assert extractor._title_case_line(line, common) == want


@pytest.mark.parametrize("text", SAMPLES + _random_texts(100))
def test_dedupe_values_is_idempotent(text: str) -> None:
    """``_merge`` returns the deduplicated annotations as they are when nothing was found."""
    from newsearch.article import dedupe_values

    once = dedupe_values([*text.split(","), *text.split(), "US", "U.S.", " US "])
    assert dedupe_values(once) == once


@pytest.mark.parametrize("word", ["Paris", "Ryanair", "Anna", "Said", "Leeds", "NATO", "X", "of",
                                  "Mr", "President", "Russian", "Essex"])
@pytest.mark.parametrize("prev", ["", ".", "said", "mr", "in", "president", "beat"])
@pytest.mark.parametrize("nxt", ["", "said", ",", "2", "county"])
def test_a_one_word_sentence_opener_has_no_guess(word: str, prev: str, nxt: str) -> None:
    """find_entities skips _guess for an unknown one-word name opening a sentence: it has
    none to give, whatever the article."""
    from newsearch.entities.lexicon import key, lexicon

    lex = lexicon()
    k = key(word)
    m = extractor._Mention(extractor.UNK, (word,), k, False, True, prev, nxt, False, False)
    for business, sports in ((False, False), (True, False), (False, True)):
        doc = extractor._Doc("shares profit sales goal match striker " * sports
                             + "company firm shares " * business + word, lex)
        for people_first in (False, True):
            for parts in (set(), {k}):
                assert extractor._guess(m, k, lex, parts, set(), {k: k}, people_first,
                                        doc) is None


def test_articles_without_annotations_get_the_names_found() -> None:
    from newsearch.article import Article
    from newsearch.entities import extract_entities, find_entities

    title, body = "Talks in Geneva", "Marta Lindqvist of Halvorsen Shipping Ltd. flew to Oslo."
    for empty in ([], None):
        article = Article(path="/x", format="text", title=title, body=body, people=empty,
                          places=empty, orgs=empty)
        extract_entities(article)
        found = find_entities(title, body)
        assert (article.people, article.places, article.orgs) == (
            found.people, found.places, found.orgs)
        assert article.people and article.places and article.orgs


def _one_words(n: int = 3000) -> list[str]:
    """Single words of every kind the typing rules know: names from the gazetteers, titles,
    stop words and demonyms in each case, connectors, abbreviations, acronyms, random ones."""
    from newsearch.entities.lexicon import lexicon

    lex = lexicon()
    rng = random.Random(11)
    pool: set[str] = set()
    for names in (lex.orgs.values(), lex.places.values(), lex.titles, lex.stop, lex.common,
                  lex.demonyms, lex.misc_suffixes, lex.misc_names, lex.org_suffixes,
                  lex.org_heads, lex.place_suffixes, lex.first_names, lex.sport_vocab,
                  extractor.CONNECTORS, extractor._LEGAL_FORMS, lex.weak_places):
        for name in sorted(names):
            pool.update(name.split())
    words = sorted(pool)
    out = rng.sample(words, min(n, len(words)))
    out = out + [w.capitalize() for w in out] + [w.upper() for w in out[: n // 3]]
    out += ["and", "for", "of", "&", "Mr.", "U.S.", "Inc.", "S.p.A.", "A", "I", "X.", "IBM",
            "NASA", "UK", "US", "EU", "ABCDEF", "A&P", "AT&T", "Coca-Cola", "German-Israeli",
            "O'Neil", "Ltd", "Said", "SAID", "The", "THE", "Monday", "MONDAY", "é", "Éire"]
    letters = "aAbBeEzZ.&-'’1ßİ"
    out += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 7))) for _ in range(n)]
    return [w for w in out if w and not any(c.isspace() for c in w)]


ONE_WORDS = _one_words()


def test_one_word_typed_as_the_typer_splits_it() -> None:
    from newsearch.entities.lexicon import lexicon

    lex = lexicon()
    for word in ONE_WORDS:
        assert extractor._typed_word(word, lex) == extractor._typed_parts((word,)), word
        assert extractor._typed((word,)) == extractor._typed_parts((word,)), word


def test_one_word_run_analysed_as_the_general_steps_do() -> None:
    runs = [w for w in ONE_WORDS if extractor.RUN_RE.fullmatch(w)]  # (what _analyse is given)
    assert len(runs) > 2000
    for word in runs:
        for caps in (False, True):
            assert extractor._analyse.__wrapped__(word, caps) == extractor._analyse_parts(
                word, caps), (word, caps)


RUN_TEXTS = SAMPLES + _random_texts() + [
    "Bank of the West and Banco de la Nación met Bosnia and Herzegovina; Mr. Lee",
    "Leeds 2 Manchester United 1\tThe Hague, la Paz, Van der Berg, al Qaeda",
    "Zorvik  of  the  Union\tfor\tPeace of the Reich de  la ", "A. B. C. D and E.F. Smith",
]


@pytest.mark.parametrize("text", RUN_TEXTS)
def test_run_regex_is_the_one_without_look_ahead(text: str) -> None:
    """RUN_RE looks ahead for a capital or a connector before each further word: it finds
    what it finds without that look-ahead."""
    import re

    plain = re.compile(
        rf"(?=[{extractor._UPPER}])(?<![\w&'’.\-]){extractor._CAP_WORD}"
        rf"(?:[ \t]+(?:(?:of[ \t]+the|{extractor._CONNECT})[ \t]+)*{extractor._CAP_WORD})*"
    )
    for line in text.split("\n"):
        want = [m.span() for m in plain.finditer(line)]
        assert [m.span() for m in extractor.RUN_RE.finditer(line)] == want
        for at in range(len(line)):
            got = extractor.RUN_RE.match(line, at)
            ref = plain.match(line, at)
            assert (got and got.span()) == (ref and ref.span())
