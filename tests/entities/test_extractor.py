"""The entity extractor on text we wrote ourselves."""

from __future__ import annotations

import pytest

from newsearch.article import Article, normalize_value
from newsearch.entities import Entities, extract_entities, find_entities


def keys(values: list[str]) -> set[str]:
    return {normalize_value(v) for v in values}


def test_people_with_first_names_and_titles() -> None:
    found = find_entities(
        "Talks resume in Geneva",
        "Foreign Minister Ilse Brandvold met Mr. Okonkwo on Tuesday. Marta Lindqvist, a "
        "trade negotiator, said the meeting went well.",
    )
    assert "Marta Lindqvist" in found.people
    assert "Ilse Brandvold" in found.people
    assert "Okonkwo" in found.people
    assert "Geneva" in found.places


def test_later_last_name_is_the_same_person() -> None:
    found = find_entities(
        "",
        "Russian President Vladimir Putin spoke in Moscow on Monday. Later, Putin said the "
        "talks would go on, and Putin's aides agreed.",
    )
    assert found.people == ["Vladimir Putin"]
    assert "Moscow" in found.places


def test_title_and_last_name_become_the_full_name() -> None:
    found = find_entities(
        "", "Joe Biden landed in Tokyo. Mr. Biden then met the prime minister of Japan."
    )
    assert found.people == ["Joe Biden"]
    assert keys(found.places) == {"tokyo", "japan"}


def test_places_versus_organisations() -> None:
    found = find_entities(
        "",
        "The Bank of England raised rates, while Halvorsen Shipping Ltd. moved its office "
        "from Norway to Singapore. The Ministry of Fisheries objected.",
    )
    assert {"bank of england", "halvorsen shipping ltd", "ministry of fisheries"} <= keys(
        found.orgs
    )
    assert keys(found.places) == {"norway", "singapore"}
    assert not found.people


def test_acronyms_are_organisations_unless_places() -> None:
    found = find_entities(
        "", "Officials of the QRX union met NATO envoys in the U.S. and the UK last week."
    )
    assert keys(["QRX", "NATO"]) <= keys(found.orgs)
    assert keys(["U.S.", "UK"]) <= keys(found.places)
    assert "U.S." in found.places


def test_no_entity_from_lower_case_words_or_sentence_starts() -> None:
    found = find_entities(
        "",
        "The weather was mild. Following the storm, people went shopping in the market. "
        "However, prices rose.",
    )
    assert found == Entities()


def test_sentence_initial_the_is_not_part_of_a_name() -> None:
    found = find_entities("", "The European Union said on Friday it would respond.")
    assert found.orgs == ["European Union"]


def test_no_duplicates_differing_in_case_or_punctuation() -> None:
    found = find_entities(
        "NORWAY FISH EXPORTS RISE",
        "Exports from Norway rose. NORWAY is the largest exporter, said Kari Nordmann. "
        "Kari Nordmann's office in Bergen agreed.",
    )
    assert keys(found.places) == {"norway", "bergen"}
    assert len(found.places) == 2
    assert found.people == ["Kari Nordmann"]


def test_results_line_makes_teams_organisations() -> None:
    found = find_entities("", "Results on Saturday:\nLeeds 2 Glenbrook Rovers 1\nDerby 0 Stoke 3")
    assert {"leeds", "glenbrook rovers", "derby", "stoke"} <= keys(found.orgs)
    assert not found.places


def test_annotations_are_merged_and_trusted() -> None:
    article = Article(
        path="/tmp/a.txt",
        format="scraped",
        title="Summit ends",
        body="Chancellor Anneliese Vogt met Ivan Petrov in Vienna. Vogt said the summit was "
        "useful.",
        people=["Ivan Petrov", "ANNELIESE VOGT"],
        places=["Vienna, Austria"],
    )
    extract_entities(article)
    assert article.people == ["Ivan Petrov", "ANNELIESE VOGT"]
    assert article.places[0] == "Vienna, Austria"
    assert len(article.places) == 1  # "Vienna" is covered by the annotation
    assert article.orgs == []


def test_annotation_type_wins() -> None:
    article = Article(path="/tmp/b.txt", format="scraped", title="",
                      body="Shares of Cormorant Technologies rose after Cormorant said so.",
                      places=["Cormorant Technologies"])
    extract_entities(article)
    assert article.orgs == []
    assert article.places == ["Cormorant Technologies"]


@pytest.mark.parametrize("text", ["", "   ", "12 34 56", "\n\n", "— « » ..."])
def test_empty_or_odd_text(text: str) -> None:
    assert find_entities(text, text) == Entities()


def test_accents_and_spelling_variants_are_one_name() -> None:
    found = find_entities("", "José Núñez spoke first. Later Jose Nunez said he agreed.")
    assert len(found.people) == 1
    assert normalize_value(found.people[0]) == "jose nunez"


def test_title_case_headline_adds_no_ordinary_words() -> None:
    found = find_entities(
        "Markets Rally As Investors Cheer Surprise Rate Cut In Brazil",
        "Shares rose across the region on Tuesday after the central bank cut rates.",
    )
    assert found == Entities(places=["Brazil"])


def test_dateline_possessive_and_nationality_words() -> None:
    found = find_entities(
        "",
        "PARIS (Reuters) - France's farmers protested on Monday. Russian and German officials "
        "watched from the Elysee Palace.",
    )
    assert {"paris", "france"} <= keys(found.places)
    assert "reuters" in keys(found.orgs)
    assert not {"russian", "german"} & keys(found.places + found.orgs + found.people)


def test_person_found_by_context_without_known_first_name() -> None:
    found = find_entities(
        "", "The plan was criticised, said Tembeka Qwabe, who leads the farmers' group."
    )
    assert found.people == ["Tembeka Qwabe"]


def test_model_numbers_are_not_organisations() -> None:
    found = find_entities("", "Airbus delivered the first A380 and Boeing its 787-9 jets.")
    assert keys(found.orgs) == {"airbus", "boeing"}


def test_contractions_and_pronouns_are_no_names() -> None:
    found = find_entities("", "I've said it before. We'll see, I'm sure. They're late.")
    assert found == Entities()


def test_small_town_named_like_a_person_is_the_person() -> None:
    found = find_entities(
        "", "Lindsay Davenport won in straight sets. Davenport said she felt strong."
    )
    assert found.people == ["Lindsay Davenport"]
    assert found.places == []


def test_extracting_twice_changes_nothing() -> None:
    article = Article(path="/tmp/c.txt", format="text", title="Port strike spreads",
                      body="Dock workers in Antwerp joined the strike, said Lotte Maes of the "
                      "Belgian Transport Union. Maes said talks with Portwise Logistics failed.",
                      people=["Lotte Maes"])
    extract_entities(article)
    first = (list(article.people), list(article.places), list(article.orgs))
    extract_entities(article)
    assert (article.people, article.places, article.orgs) == first
    assert first[0] == ["Lotte Maes"]
    assert "Antwerp" in first[1]
    assert {"belgian transport union", "portwise logistics"} <= keys(first[2])


def test_surnames_that_are_also_titles() -> None:
    found = find_entities("", "The report by P. W. Singer and John King was published.")
    assert keys(found.people) == {"p w singer", "john king"}


def test_appositions_type_unknown_names() -> None:
    found = find_entities(
        "",
        "The contract went to Zorvik, the Norwegian shipping company. Staff at Kelmore, a "
        "small town, cheered, and Tembeka Qwabe, who leads the union, agreed.",
    )
    assert found.orgs == ["Zorvik"]
    assert found.places == ["Kelmore"]
    assert found.people == ["Tembeka Qwabe"]


def test_title_person_of_place() -> None:
    found = find_entities("", "He met President Musharraf of Pakistan in Islamabad.")
    assert found.people == ["Musharraf"]
    assert keys(found.places) == {"pakistan", "islamabad"}


# -- organisation cues (names invented: none of our lists knows them) -----------------------


def test_possessive_and_company_nouns_make_an_organisation() -> None:
    found = find_entities(
        "",
        "Many buyers could not reach Quorvant's website on Tuesday. Others waited at "
        "Quorvant's retail stores for hours.",
    )
    assert "Quorvant" in found.orgs
    assert "Quorvant" not in found.places


def test_two_words_before_and_based_make_an_organisation() -> None:
    found = find_entities(
        "",
        "Investors bought shares of Telvaro on Monday, and a stake in Brimhold was sold. "
        "Oslo-based Vennick makes ferries.",
    )
    assert {"telvaro", "brimhold", "vennick"} <= keys(found.orgs)
    assert "Oslo" in found.places


def test_company_title_before_a_person() -> None:
    found = find_entities("", "On Monday Zentrix CEO Marta Lindqvist resigned.")
    assert "Zentrix" in found.orgs
    assert "Marta Lindqvist" in found.people


def test_currency_prefix_and_index_are_no_entities() -> None:
    found = find_entities(
        "",
        "The deal is worth US$14 billion, or HK$109 billion. The Korvath index fell 3 "
        "points and the Quillon 500 index rose.",
    )
    assert found == Entities()


def test_business_story_repeated_name_at_sentence_start() -> None:
    found = find_entities(
        "Dravik releases new phone",
        "Dravik has released a phone for its customers. Dravik said sales of its products "
        "rose, and shares gained 3 percent in the quarter.",
    )
    assert "Dravik" in found.orgs
    # not in an article about something else: an unknown word opening two sentences
    found = find_entities("", "Dravik walked home. Dravik slept.")
    assert "Dravik" not in found.orgs


def test_a_list_takes_the_type_of_its_known_member() -> None:
    found = find_entities("", "Unions said Dravik, Telvaro, and Halvorsen Shipping Ltd. cut jobs.")
    assert {"dravik", "telvaro", "halvorsen shipping ltd"} <= keys(found.orgs)


def test_title_of_a_known_name_then_the_person() -> None:
    found = find_entities("", "On Monday, President of the United States Quentin Marlowe spoke.")
    assert found.people == ["Quentin Marlowe"]
    assert found.places == ["United States"]


def test_company_legal_form_then_a_person() -> None:
    found = find_entities("", "Zorvik LLC Marta Lindqvist said on Monday that prices rose.")
    assert "Zorvik LLC" in found.orgs
    assert "Marta Lindqvist" in found.people


def test_word_before_a_weekday_is_an_event() -> None:
    found = find_entities("", "Markets recalled Black Monday and Cyber Monday sales in Oslo.")
    assert found == Entities(places=["Oslo"])


def test_title_of_something_after_a_comma_makes_a_person() -> None:
    found = find_entities(
        "", "Talks stalled, said Orvel Tamsin Brooke, minister of transport for Norway."
    )
    assert "Orvel Tamsin Brooke" in found.people
    assert not found.orgs


def test_a_name_after_a_model_number_is_a_product() -> None:
    found = find_entities(
        "", "Zorvik flew the new 797 Sky Quill and the Zorvik Z450 Night Navigator to Oslo."
    )
    assert keys(found.orgs) <= {"zorvik"}
    assert not found.people
    # a day of the month or a year is no model number
    found = find_entities("", "On May 5 Marta Lindqvist met Quorvant in Oslo in 2008.")
    assert "Marta Lindqvist" in found.people


def test_title_modifiers_alone_announce_no_person() -> None:
    found = find_entities("", "The first Zorvik jet landed in Oslo, a former Vennick plant.")
    assert not found.people


def test_a_possessive_after_a_preposition_is_no_place_guess() -> None:
    found = find_entities("", "Users flocked to Quorvant's new phone and to Quorvant's shop.")
    assert "Quorvant" not in found.places


def test_wire_earnings_tables_and_state_abbreviations() -> None:
    """Wire-service results tables ("Shr 12 cts vs 10 cts") name nobody, and a dotted state
    abbreviation after a city is a place, not an organisation."""
    found = find_entities(
        "Results",
        "Acme Widget Corp of Buffalo, N.Y., said profit rose.\n"
        "Shr 12 cts vs 10 cts\nNet 1,234,000 vs 1,100,000\nRevs 12.3 mln vs 11.1 mln\n"
        "Orion Tools Inc of Hartford, Conn., and a plant in Newark, N.J., were named.",
    )
    names = {name.casefold() for name in found.people + found.places + found.orgs}
    assert not names & {"shr", "net", "revs"}
    assert {"N.Y.", "N.J."} <= set(found.places)
    assert not {"N.Y.", "N.J.", "Conn", "Conn."} & set(found.orgs)
