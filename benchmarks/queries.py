"""The fixed query mix of the query benchmark (built from the generated corpus's vocabulary).

Each entry is a name, a category and the keyword arguments of a
:class:`newsearch.search.SearchRequest`; ``benchmarks/raw_tantivy.py`` runs the same entries
on the reference index. Words are picked by frequency rank in the Zipf vocabulary of
``benchmarks/gen_corpus.py`` so the mix covers very common to rare words at any corpus size.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from benchmarks.gen_corpus import SEED, pools, vocabulary


def query_mix(seed: int = SEED) -> list[tuple[str, str, dict[str, Any]]]:
    v = vocabulary(seed)
    p = pools(seed)
    people, places, orgs = p["people"], p["places"], p["orgs"]
    return [
        # One word, from the most common English words to rare generated ones.
        ("the", "common", {"q": "the"}),
        ("said", "common", {"q": "said"}),
        ("rank1", "word", {"q": v[0]}),
        ("rank50", "word", {"q": v[50]}),
        ("rank500", "word", {"q": v[500]}),
        ("rank5000", "word", {"q": v[5000]}),
        ("rank30000", "word", {"q": v[30000]}),
        # Two and three words (AND), OR.
        ("two-common", "words", {"q": f"the {v[3]}"}),
        ("two-mid", "words", {"q": f"{v[10]} {v[200]}"}),
        ("two-rare", "words", {"q": f"{v[300]} {v[3000]}"}),
        ("three", "words", {"q": f"{v[5]} {v[60]} {v[700]}"}),
        ("or", "words", {"q": f"{v[100]} OR {v[900]}"}),
        # Phrases and a prefix.
        ("phrase-common", "phrase", {"q": '"said the"'}),
        ("phrase-mixed", "phrase", {"q": f'"the {v[0]}"'}),
        ("prefix", "phrase", {"q": v[400][:4] + "*"}),
        # Entities: as filters (drill-down) and in the query.
        ("filter-person", "entity", {"q": "", "include": {"people": (people[0],)}}),
        ("filter-place-word", "entity", {"q": v[30], "include": {"places": (places[2],)}}),
        ("filter-two", "entity", {"q": "the", "include": {"people": (people[1], people[5]),
                                                           "orgs": (orgs[0],)}}),
        ("person-query", "entity", {"q": f'person:"{people[10]}"'}),
        ("org-exclude", "entity", {"q": v[20], "exclude": {"orgs": (orgs[1],)}}),
        # Dates.
        ("year-range", "date", {"q": v[20], "date_from": date(2019, 1, 1),
                                "date_to": date(2019, 12, 31)}),
        ("narrow-range", "date", {"q": "", "date_from": date(2021, 3, 1),
                                  "date_to": date(2021, 3, 20)}),
        ("year-facet", "date", {"q": "said", "include": {"year": ("2022",)}}),
        ("newest", "date", {"q": v[7], "sort": "newest"}),
        # Browsing with no query.
        ("browse", "browse", {"q": ""}),
        ("browse-publisher", "browse", {"q": "", "include": {"publisher": ("Meridian Wire",)}}),
        ("browse-page5", "browse", {"q": "", "page": 5}),
    ]
