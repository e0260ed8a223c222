"""Text analysis shared by engines, parser and highlighter."""

from newsearch.analysis import MAX_TOKEN_CHARS, stem, terms, tokenize, words


def test_tokens_carry_stems_offsets_and_positions():
    text = "Sanctions, sanctioned: Russia's bridges!"
    tokens = list(tokenize(text))
    assert [t.text for t in tokens] == ["sanction", "sanction", "russia", "s", "bridg"]
    assert [t.position for t in tokens] == [0, 1, 2, 3, 4]
    for token in tokens:
        assert stem(text[token.start:token.end].lower()) == token.text


def test_unicode_words_and_underscores_split():
    assert terms("Zürich_Kyiv 2022") == ["zürich", "kyiv", "2022"]


def test_overlong_tokens_are_dropped_like_tantivy():
    assert terms("a" * (MAX_TOKEN_CHARS + 1) + " ok") == ["ok"]


def test_words_are_unstemmed_lower_case():
    assert words("Running Bridges") == ["running", "bridges"]
