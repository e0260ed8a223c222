"""The Article dataclass: ids, content hashes, value keys."""

import pytest

from newsearch.article import Article, article_id, content_hash, dedupe_values, normalize_value


def test_id_is_stable_and_depends_on_path_and_position():
    assert article_id("/a/b.json", 0) == article_id("/a/b.json", 0)
    assert article_id("/a/b.json", 0) != article_id("/a/b.json", 1)
    assert article_id("/a/b.json", 0) != article_id("/a/c.json", 0)
    assert len(article_id("/x", 0)) == 16


def test_content_hash_ignores_case_and_spacing_but_not_words():
    base = content_hash("Storm hits coast", "The storm  hit the coast.\n\nMore later.")
    assert base == content_hash("storm hits  coast", "The storm hit the coast. More later.")
    assert base != content_hash("Storm hits coast", "The storm hit the bay. More later.")


def test_article_fills_id_and_hash_and_round_trips_json():
    art = Article(path="/tmp/a.txt", format="text", title="T", body="B", published="2022-08-13")
    assert art.id == article_id("/tmp/a.txt", 0)
    assert art.content_hash == content_hash("T", "B")
    assert art.date == "2022-08-13"
    data = art.to_json()
    assert list(data)[0] == "id" and list(data)[-1] == "body"
    assert Article.from_json(data) == art


def test_normalize_value_folds_case_accents_punctuation():
    assert normalize_value("Xi  Jinping") == normalize_value("xi-jinping") == "xi jinping"
    assert normalize_value("São Paulo") == "sao paulo"
    assert normalize_value("Côte d’Ivoire") == normalize_value("cote d ivoire")


def test_normalize_value_closes_up_letter_dot_abbreviations():
    assert normalize_value("J.R.R. Tolkien") == normalize_value("JRR Tolkien") == "jrr tolkien"
    assert normalize_value("Washington D.C.") == "washington dc"
    # an initial alone, numbers and other dots are still separators
    assert normalize_value("J. Adams") == "j adams"
    assert normalize_value("3.5 Ph.D.") == "3 5 ph d"


@pytest.mark.parametrize(
    ("key", "spellings"),
    [
        ("united states", ["U.S.", "US", "us", "USA", "U.S.A.", "United States of America"]),
        ("european union", ["EU", "E.U.", "European Union"]),
        ("united nations", ["UN", "U.N.", "United Nations"]),
        ("united kingdom", ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom"]),
        ("north atlantic treaty organization",
         ["NATO", "Nato", "North Atlantic Treaty Organisation"]),
        ("world health organization", ["WHO", "World Health Organisation"]),
        ("ivory coast", ["Côte d'Ivoire", "Cote d’Ivoire", "IVORY COAST"]),
    ],
)
def test_normalize_value_maps_aliases_to_one_key(key: str, spellings: list[str]) -> None:
    assert [normalize_value(s) for s in spellings] == [key] * len(spellings)


def test_normalize_value_aliases_are_whole_values_only() -> None:
    # a name that merely contains an alias keeps its own key
    assert normalize_value("US Airways") == "us airways"
    assert normalize_value("UN Plaza") == "un plaza"
    assert normalize_value("Usain Bolt") == "usain bolt"
    # distinct places stay distinct
    assert len({normalize_value(v) for v in ("US", "UK", "EU", "UN", "America")}) == 5


def test_normalize_value_without_aliases_for_prefixes() -> None:
    assert normalize_value("UN", aliases=False) == normalize_value("U.N.", aliases=False) == "un"
    assert "united states".startswith(normalize_value("Un", aliases=False))


def test_dedupe_values_merges_aliases() -> None:
    assert dedupe_values(["U.S.", "United States", "US", "EU", "European Union"]) == ["U.S.", "EU"]


def test_dedupe_values_keeps_first_spelling():
    assert dedupe_values(["Joe Biden", "joe biden", " Joe  Biden ", "Kamala Harris", ""]) == [
        "Joe Biden",
        "Kamala Harris",
    ]


def test_memo_gives_the_function_s_results_and_stays_within_its_size() -> None:
    from newsearch.article import Memo

    calls: list[object] = []

    def double(x: int) -> int:
        calls.append(x)
        return 2 * x

    memo = Memo(double, 3)
    assert [memo[x] for x in (1, 2, 1, 3)] == [2, 4, 2, 6] and calls == [1, 2, 3]
    assert memo(2) == 4 and memo.__wrapped__ is double and calls == [1, 2, 3]
    assert memo[4] == 8 and len(memo) == 1  # full: emptied, then the new result kept
    memo.cache_clear()
    assert not memo and memo[1] == 2 and calls == [1, 2, 3, 4, 1]

    pairs = Memo(lambda a, b: f"{a}{b}", 10, star=True)
    assert pairs["x", 1] == "x1" == pairs("x", 1) and list(pairs) == [("x", 1)]
