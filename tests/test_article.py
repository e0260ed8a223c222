"""The Article dataclass: ids, content hashes, value keys."""

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
    assert normalize_value("U.S.") == "u s"


def test_dedupe_values_keeps_first_spelling():
    assert dedupe_values(["Joe Biden", "joe biden", " Joe  Biden ", "Kamala Harris", ""]) == [
        "Joe Biden",
        "Kamala Harris",
    ]
