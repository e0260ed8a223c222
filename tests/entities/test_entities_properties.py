"""Properties of the extractor on arbitrary text: it never fails, invents no name and lists
each name once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.article import normalize_value
from newsearch.entities import Entities, find_entities

WORDS = ["Anna", "Berg", "of", "the", "Bank", "England", "said", "in", "Paris", "Inc.", "U.S.",
         "Mr.", "and", "Ltd", "NATO", "President", "Lee", "'s", "-", "2", "1996-08-30", "\n",
         ".", ",", "(", ")", "Österreich", "Zürich", "AIRBUS", "The", "beat", "Leeds", "LONDON"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=60), st.text(max_size=80))
def test_any_text(words: list[str], noise: str) -> None:
    title, body = noise, " ".join(words)
    found = find_entities(title, body)
    text = normalize_value(f"{title} \n {body}", aliases=False)
    for values in (found.people, found.places, found.orgs):
        keys = [normalize_value(v) for v in values]
        assert len(keys) == len(set(keys))  # one value per facet key (aliases merged)
        for v in values:
            k = normalize_value(v, aliases=False)
            assert k and k in text, (k, text)


def test_a_long_run_of_capitalised_words_is_no_name() -> None:
    # 20,000 capitalised words in a row: a list or a shouted page, not one name (and no
    # quadratic work over it)
    assert find_entities("", " ".join(["Alpha Beta Gamma Delta"] * 5000)) == Entities()
    found = find_entities("", "\n".join(["Alpha Beta said Zorvan Quill"] * 5000))
    assert found.people == ["Alpha Beta", "Zorvan Quill"]
