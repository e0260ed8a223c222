"""Entities stage: find people, places and organisations in an article's title and body.

A rule-based extractor, fast and without any model (see ``docs/entities.md``):

1. Per line, one compiled regex finds *runs* of capitalised words joined by name connectors
   (``of``, ``de``, ``van``, ``al``, ``&``, ``and``, ``for``...); abbreviations (``U.S.``,
   ``Inc.``) and initials stay whole; possessives and model numbers cut a run.
2. Each run is analysed once (cached, it does not depend on its context): cut at capitalised
   stop words, then typed from the name alone: gazetteer hits (``lexicon.py``), organisation
   suffixes, heads and prefixes, place words, titles and nationality words that announce a
   person (``Russian President Vladimir Putin``), known first names and initials, acronyms.
3. Each mention then looks at its context: organisation, person and place cue words before and
   after it ("shares of X", "X's board", "Oslo-based X"), appositions, lists with a known
   organisation, currencies (``US$``), indices, model numbers (products), datelines, results
   and standings lines, sports reports, business stories.
4. The document is resolved: one type per name (a vote), last names and short forms fold into
   the full name found, headlines only confirm what the text or the gazetteer knows, and what
   is still unknown gets one guess per name from the article's other names; the aliases of
   ``data/aliases.txt`` ("US", "United States") give one value per article.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from newsearch.article import Article, Memo, dedupe_values, normalize_value
from newsearch.entities.lexicon import Lexicon, key, lexicon

PER, LOC, ORG, UNK = "PER", "LOC", "ORG", "UNK"
#: A document counts as "about people" when it names at least this many people per
#: organisation; there, unknown two- and three-word names are taken for people, else for
#: organisations.
PEOPLE_PRIOR = 2.0
#: An unknown one-word name the article repeats this often (once at least mid-sentence), in
#: an article that is not about people, is taken for an organisation ("Ryanair ... Ryanair's").
REPEATED_NAME_MIN = 2
#: True: names with an entry in ``data/aliases.txt`` are shown in their canonical form ("U.S."
#: -> "United States"). False (the default): the most complete spelling the article uses. Either way
#: the aliases of an article give one value, and one facet key in the index
#: (``newsearch.article.normalize_value``), whose display the engine picks at read time (the
#: most frequent spelling). The canonical form costs 0.01-0.03 F1 on the gold corpora, whose
#: annotations keep the article's spelling (docs/entities.md), and pushes MEANTIME below
#: spaCy's figure.
CANONICAL_ALIASES = False
#: A longer stretch of capitalised words is a list or a headline, not one name.
MAX_NAME_WORDS = 12

_ABBREV = (
    r"Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Corp|Co|Cos|Ltd|Gen|Col|Lt|Sen|Rep|Gov|Prof|Rev|Capt|Sgt|Mt|Ft"
    r"|Messrs|Bros|Pty|Maj|Adm|Cmdr|Supt|Insp|Det|Hon|Mme|Mlle"
)
TOKEN_RE = re.compile(
    r"(?:[A-Za-z]\.){2,}"  # U.S., N.V., S.p.A. (partly)
    rf"|(?:{_ABBREV})\.(?!\w)"
    r"|[^\W_](?:[\w&'’\-]*[\w&])?"
    r"|[^\w\s]"
)
_POSSESSIVE = re.compile(r"['’]s?$")
_POSSESSIVE_ENDS = ("'s", "’s", "'", "’")
_KEEP_POSSESSIVE = frozenset(("People's", "People’s"))  # "People's Republic of China"
_HYPHEN_LOWER = re.compile(r"-[a-z].*$")
_DIGIT = re.compile(r"\d")
_DATELINE = re.compile(
    r"^([A-Z][A-Z.'\-]+(?: [A-Z][A-Z.'\-]+){0,3}),?\s+"
    r"(?:\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\(\w[\w ]*\)|[A-Z][a-z]{2,8}\.? \d{1,2})"
)
_CONTRACTION = re.compile(r"^\w+(?:['’](?:ve|ll|re|m|d|s)|n['’]t)$", re.IGNORECASE)
_INITIAL = re.compile(r"^(?:[A-Z]\.)+$")
_SPECIAL = re.compile(r"[\d'’\-]")

#: Lower-case words that may sit inside a name ("Bank of England", "Ludwig van Beethoven").
CONNECTORS = frozenset(
    "of de del della der den van von du la le da di dos das do al el bin ibn y & the".split()
)
#: Words that never stand inside a name, not even inside an organisation's.
_FUNCTION_WORDS = frozenset(
    "the a an and but or nor in on at for of to by with from as if when while after before "
    "he she it they we i you this that these those his her its their our my your there here "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
#: Tokens after which a capitalised word starts a sentence.
_SENTENCE_OPENERS = frozenset('. ! ? : ; " “ ” ( [ - – — | * • '.split() + ["'", "‘"])
#: Legal forms that end a company name ("Zorvik Ltd").
_LEGAL_FORMS = frozenset(
    "Inc Inc. Corp Corp. Co Co. LLC L.L.C. Ltd Ltd. Plc PLC plc AG SA S.A. NV N.V. GmbH "
    "SpA S.p.A. Corporation Limited".split()
)
_COORD = frozenset((",", "and", "or"))
_COORD_GAP = r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)"
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_SAID_AFTER = frozenset("said says told added asked declared stated warned wrote explained".split())
_SAID_BEFORE = frozenset("said says added".split())
#: Lower-case words right after a name that make it a place / an organisation.
_LOC_NEXT = frozenset(
    "county counties province provinces district districts region regions city town "
    "village villages island islands valley river mountains".split()
)
_ORG_NEXT = frozenset(
    "spokesman spokeswoman spokesperson shareholders stockholders employees executives "
    "subsidiary subsidiaries chairman chairwoman ceo cfo coo boss founder co-founder cofounder "
    "shares stock dealers dealerships customers workforce".split()
)
#: Nouns after a possessive that make the owner an organisation ("Apple's board", "Fiat's
#: shares"); people own none of these.
_ORG_POSS = _ORG_NEXT | frozenset(
    "board shares stock website site stores store products product brand brands plant plants "
    "factory factories revenue revenues sales profit profits earnings subsidiary unit division "
    "chief executive executives ceo headquarters employees customers dealers dealerships "
    "shareholders bankruptcy stake acquisition takeover merger lineup line-up "
    "fleet airline airlines aircraft planes models vehicles cars".split()
)
#: Two words before a name that make it an organisation ("shares of Fiat", "stake in Opel").
_ORG_PREV2 = frozenset((
    "shares of", "stake in", "founder of", "co-founder of", "cofounder of", "ceo of",
    "executive of", "subsidiary of", "unit of", "division of", "shareholders of",
    "employees of", "customers of", "owner of", "takeover of", "acquisition of", "merger with",
    "chairman of", "spokesman for", "spokeswoman for", "spokesperson for", "bid for",
    "investment in", "invest in", "bought by", "acquired by", "owned by", "sold to",
))
_PREV2_ENDS = frozenset(p.split()[-1] for p in _ORG_PREV2) | {"to"}  # "according to"
_INDEX_WORDS = frozenset("index indices indexes composite average".split())
#: Words of ``data/titles.txt`` that qualify a title ("Foreign Minister", "former President")
#: but announce no person by themselves: "the first Zorvik jet", "state Vennick".
_TITLE_MODIFIERS = frozenset(
    "foreign finance defence defense interior trade economy justice health education labour "
    "labor agriculture energy home environment transport culture sports industry state acting "
    "former late junior senior first operating".split()
)
#: Company titles: the unknown name before them is an organisation ("Apple CEO Steve Jobs").
_COMPANY_TITLES = frozenset(
    "ceo cfo coo cto chairman chairwoman chairperson chief executive spokesman spokeswoman "
    "spokesperson founder co-founder cofounder director president vice-president boss owner "
    "head analyst vice-chairman managing-director".split()
)
#: An index, not an organisation: "the Nikkei index", "Standard & Poor's 500 index".
_INDEX_NEXT = re.compile(r"\s*(?:\d[\d,.]*\s+)?(?:index|indices|indexes|composite|average)\b",
                         re.IGNORECASE)
#: Lower-case words of business news: an article using three of them is a business story,
#: where an unknown name it repeats (even only at the start of sentences) is a company.
_BUSINESS_WORDS = frozenset(
    "company companies firm firms shares stock stocks investors profit profits revenue revenues "
    "sales earnings quarter quarterly ceo executive executives customers products market "
    "markets bankruptcy automaker carmaker airline airlines manufacturer acquisition merger "
    "subsidiary brand retailer dealers dealerships shareholders dividend billion layoffs "
    "jobs plant factory orders deliveries launched unveiled announced released".split()
)
_DETERMINED = r"^\s*,\s+(?:a|an|the|its|his|her|their)\s+(?:[\w'’\-]+\s+){0,3}?"
_ORG_APPOSITION = re.compile(
    _DETERMINED + r"(?:company|firm|group|bank|maker|manufacturer|automaker|carmaker|carrier|"
    r"airline|retailer|insurer|lender|conglomerate|agency|organi[sz]ation|party|union|"
    r"newspaper|broadcaster|club|team|producer|supplier|developer|operator|subsidiary|"
    r"startup|brand|charity|network|publisher|chain|giant|rival)s?\b",
    re.IGNORECASE,
)
_PER_APPOSITION = re.compile(
    r"^\s*,\s+(?:who\b|aged\s+\d|\d{1,2}\s*,)|\s*" + _DETERMINED[4:]
    + r"(?:spokesman|spokeswoman|minister|president|director|chairman|chairwoman|chief|"
    r"executive|official|analyst|economist|professor|lawyer|author|founder|leader|"
    r"manager|coach|player|striker|son|daughter|wife|husband|mother|father|widow)\b"
    # no determiner, a title of something: "Jusman Djamal, minister of transport"
    r"|\s*,\s+(?:(?:vice|deputy|chief|executive|managing|general|former|acting)\s+)*"
    r"(?:spokesman|spokeswoman|spokesperson|minister|president|director|chairman|chairwoman|"
    r"executive|officer|secretary|head|founder|co-founder|leader|manager|ceo)\s+(?:of|for|at)\b",
    re.IGNORECASE,
)
_LOC_APPOSITION = re.compile(
    _DETERMINED + r"(?:city|town|village|capital|province|region|port|island|country|"
    r"state|district|county|suburb|resort)\b",
    re.IGNORECASE,
)
_LOC_PREPS = frozenset("in at from near to into across outside inside toward towards via".split())
#: In business news companies follow "at", "from", "to" too ("jobs at X", "orders from X",
#: "sold to X"): there only these make an unknown word a place.
_BUSINESS_LOC_PREPS = frozenset("in near into across outside inside toward towards".split())


@dataclass
class Entities:
    """People, places and organisations named in a text, each in display form, no duplicates."""

    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Mention:
    label: str
    tokens: tuple[str, ...]
    key: str
    strong: bool = False
    """Typed by the name itself (gazetteer, suffix, title, first name), not by a guess."""
    initial: bool = False
    """The mention's first word opens a sentence (its capital says nothing)."""
    prev: str = ""
    next: str = ""
    caps: bool = False
    """Comes from an upper-case line (headline)."""
    scored: bool = False
    """Followed by a number."""
    team: bool = False
    """A team: followed by a score in a results or standings line."""
    after: str = ""
    """The text after an unknown name followed by a comma (for appositions)."""
    prev2: str = ""
    """The two words before the name ("shares of"), for unknown names only."""
    poss: bool = False
    """The name is a possessive ("Fiat's"); ``next`` is then the word after it."""


def _clean(token: str) -> tuple[str, bool]:
    """Strip a possessive or a lower-case hyphen suffix; True when the name ends there."""
    if token in _KEEP_POSSESSIVE:
        return token, False
    if "'" in token or "’" in token:
        stripped = _POSSESSIVE.sub("", token)
        if stripped != token:
            return stripped, True
    if "-" in token:
        stripped = _HYPHEN_LOWER.sub("", token)
        if stripped != token and stripped:
            return stripped, True
    return token, False


_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞİŁŃŇŐŒŘŚŞŠŢŤŮŰŹŻŽА-ЯЁΑ-Ω"
_CAP_WORD = (
    rf"(?:(?:[A-Z]\.){{2,}}|[A-Z]\.(?=[ \t]+[{_UPPER}])"
    rf"|(?:{_ABBREV})\.(?!\w)"
    rf"|[{_UPPER}](?:[\w&'’\-]*[\w&])?)"
)
_CONNECT = "|".join(sorted((c for c in CONNECTORS if c != "the"), key=len, reverse=True))
_CONNECT += "|and|for"
#: A run of capitalised words, joined by spaces and name connectors ("Bank of the West").
#: Each further word is looked for only where the look-ahead sees a capital or a connector
#: after the spaces, which the word needs anyway: after most runs a lower-case word follows,
#: and the look-ahead fails there at once instead of the connectors, then every form of a
#: capitalised word (552 -> 466 ns per run of the bench-data feeds, 689 -> 589 ns on BBC news).
RUN_RE = re.compile(
    rf"(?=[{_UPPER}])(?<![\w&'’.\-]){_CAP_WORD}"
    rf"(?:(?=[ \t]+(?:[{_UPPER}]|(?:{_CONNECT})[ \t]))"
    rf"[ \t]+(?:(?:of[ \t]+the|{_CONNECT})[ \t]+)*{_CAP_WORD})*"
)
#: Where a run can start: a capital not glued to a word, abbreviation or hyphen before it
#: (RUN_RE's own look-behind). A search for one character of a class is a fast scan; RUN_RE's
#: look-ahead and look-behind at every position of a line are not.
_RUN_START = re.compile(rf"[{_UPPER}](?<![\w&'’.\-].)")


#: ASCII bytes: capital letters -> 1, anything else -> 0.
_CAPITALS = bytes(1 if 65 <= b <= 90 else 0 for b in range(256))


def _runs(line: str) -> Iterator[re.Match[str]]:
    """``RUN_RE.finditer(line)``, faster: RUN_RE is tried only where a run can start. In an
    ASCII line (where the only capitals are A-Z) that is at each capital, found by a ``find``
    in the line's mask of capitals (no scan of the rest of the line, most of a paragraph,
    after the last; RUN_RE's own look-behind turns down a capital inside a word); elsewhere
    where ``_RUN_START`` finds one. With RUN_RE's look-ahead: 1,340 -> 1,190 ns per line of
    the bench-data feeds, 7,720 -> 6,290 ns per line of BBC news."""
    match = RUN_RE.match
    if line.isascii():
        find = line.encode("ascii").translate(_CAPITALS).find
        at = find(1)
        while at >= 0:
            run = match(line, at)
            if run is None:  # ("McDonald", "x-Ray": glued to what is before it)
                at = find(1, at + 1)
            else:
                yield run
                at = find(1, run.end())
        return
    search = _RUN_START.search
    pos = 0
    while True:
        found = search(line, pos)
        if found is None:
            return
        start = found.start()
        run = match(line, start)
        if run is None:
            pos = start + 1
        else:
            yield run
            pos = run.end()


_NEXT_RE = re.compile(r"\s*([^\W_](?:[\w&'’\-]*[\w&])?|[^\w\s])")
_LOWER_WORD = re.compile(r"(?<![\w'’\-])[a-z][\w'’\-]*")


#: ASCII characters that cannot stand in a word of ``_LOWER_WORD`` -> a space.
_NOT_IN_WORD = str.maketrans(
    {chr(i): " " for i in range(128) if not (chr(i).isalnum() or chr(i) in "_'-")}
)


def _vocab(text: str) -> set[str]:
    """The words of a text, for :func:`_in_vocab`: among those starting with ``a``-``z``,
    exactly the matches of ``_LOWER_WORD`` (its lower-case words).

    An ASCII text has every character that cannot be part of such a word (anything but
    letters, digits, ``_``, ``'`` and ``-``) made a space and is split: each word, whatever its
    first letter, once. That is much faster than the regular expression, which serves the
    other texts.
    """
    if text.isascii():
        return set(text.translate(_NOT_IN_WORD).split())
    return set(_LOWER_WORD.findall(text))


def _in_vocab(word: str, vocab: set[str]) -> bool:
    """``word`` is one of the lower-case words of the text of ``vocab``."""
    return "a" <= word[:1] <= "z" and word in vocab


@lru_cache(maxsize=8)
def _lower_words(words: frozenset[str]) -> frozenset[str]:
    """The words of a list that can be lower-case words of a text (``_LOWER_WORD``): a
    :func:`_vocab` set holds exactly these of them when the text has them."""
    return frozenset(w for w in words if _LOWER_WORD.fullmatch(w))


#: A character that can stand in a word of ``_LOWER_WORD``.
_WORD_CHAR = re.compile(r"[\w'’\-]")


def _has_word(text: str, word: str, tries: int = 8) -> bool | None:
    """``_in_vocab(word, _vocab(text))``, by looking for ``word`` in the text: an occurrence
    with no character of a word right before or after it. None (not known) when ``tries``
    occurrences in a row are parts of longer words ("s" in a long text): ask the word set."""
    if not ("a" <= word[:1] <= "z" and _LOWER_WORD.fullmatch(word)):
        return False
    size = len(word)
    at = text.find(word)
    while at >= 0:
        if not (at and _WORD_CHAR.match(text, at - 1)) and not _WORD_CHAR.match(text, at + size):
            return True
        tries -= 1
        if not tries:
            return None
        at = text.find(word, at + 1)
    return False


#: Questions :meth:`_Doc.has_word` answers by looking in the text before it builds the word set.
WORDS_LOOKED_UP = 16


class _Doc:
    """What the rules ask of an article's text as a whole: whether it uses a lower-case word
    (:func:`_vocab`), whether it is a sports report, whether it is a business story.

    Each is worked out on first use. The word set is a pass over every word of the text, and
    an article whose names all open sentences or are typed by the name alone never needs it.
    """

    __slots__ = ("_asked", "_business", "_lex", "_sports", "_text", "_vocab")

    def __init__(self, text: str, lex: Lexicon) -> None:
        self._text = text
        self._lex = lex
        self._vocab: set[str] | None = None
        self._sports: bool | None = None
        self._business: bool | None = None
        self._asked = 0

    def has_word(self, word: str) -> bool:
        """``word`` is one of the text's lower-case words (:func:`_in_vocab`). The first few
        questions are answered by looking for the word in the text (:func:`_has_word`), much
        less work than the word set when only a few are asked."""
        if self._vocab is None and self._asked < WORDS_LOOKED_UP:
            self._asked += 1
            found = _has_word(self._text, word)
            if found is not None:
                return found
        return _in_vocab(word, self.vocab)

    @property
    def vocab(self) -> set[str]:
        if self._vocab is None:
            self._vocab = _vocab(self._text)
        return self._vocab

    @property
    def sports(self) -> bool:
        """Three of the lexicon's sports words: a sports report."""
        if self._sports is None:
            words = _lower_words(self._lex.sport_vocab)
            self._sports = len(words.intersection(self.vocab)) >= 3
        return self._sports

    @property
    def business(self) -> bool:
        """Not a sports report, and three of ``_BUSINESS_WORDS``: a business story."""
        if self._business is None:
            words = _lower_words(_BUSINESS_WORDS)
            self._business = not self.sports and len(words.intersection(self.vocab)) >= 3
        return self._business


_NUMBER = re.compile(r"(?<![\w.\-])\d[\d.,:/]*")


def _prev_token(line: str, start: int) -> str:
    """The token right before ``start``: a word or one punctuation character."""
    before = line[max(0, start - 40) : start].rstrip()
    if not before:
        return ""
    last = before[-1]
    if not last.isalnum():
        return last
    return before.rsplit(None, 1)[-1].lstrip("\"'([{“‘«-–—")


class _Typer:
    """Types the runs of one document."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex

    def place_at(self, words: list[str], i: int, stop: int) -> int:
        """Length of the longest gazetteer place starting at words[i] (0 if none)."""
        longest = self.lex.place_starts.get(key(words[i]).split(" ", 1)[0])
        if not longest:
            return 0
        places = self.lex.places
        for m in range(min(longest, stop - i), 0, -1):
            k = key(" ".join(words[i : i + m]))
            if k in places and k not in self.lex.weak_places:
                return m
        return 0

    def known_at(self, words: list[str], i: int, stop: int) -> int:
        """Length of the longest gazetteer place or organisation starting at words[i]."""
        lex = self.lex
        first = key(words[i]).split(" ", 1)[0]
        longest = max(lex.place_starts.get(first, 0), lex.org_starts.get(first, 0))
        for m in range(min(longest, stop - i), 1, -1):
            k = key(" ".join(words[i : i + m]))
            if k in lex.places or k in lex.orgs:
                return m
        return 0

    def whole(self, words: list[str]) -> str | None:
        """The type of a run from the name alone, or None."""
        lex = self.lex
        k = key(" ".join(words))
        if k in lex.orgs:
            return ORG
        if k in lex.places and k not in lex.weak_places:
            return LOC
        if len(words) >= 2:
            if words[-1] in lex.org_suffixes:
                return ORG
            if "for" in words and words[words.index("for") - 1] in lex.org_suffixes:
                return ORG  # "Carnegie Endowment for International Peace"
            if len(words) >= 3 and words[1] == "of":
                if words[0] in lex.org_heads:
                    return ORG
                if words[0] in lex.place_heads:
                    return LOC
            if words[-1] in lex.place_suffixes or words[0] in lex.place_prefixes:
                return LOC
            if words[0] in lex.org_prefixes:
                return ORG
        return None

    def split(self, words: list[str]) -> list[tuple[str, list[str], bool]]:
        """(label, words, strong) parts of one run."""
        lex = self.lex
        if len(words) > 2 and not _LEGAL_FORMS.isdisjoint(words[:-2]):
            for i in range(len(words) - 2):
                if words[i] in _LEGAL_FORMS and words[i + 1] in lex.first_names:
                    # "Chrysler LLC Jim Press": the company, then a person
                    return self.split(words[: i + 1]) + self.split(words[i + 1 :])
        if "of" in words:
            # "Lotte Maes of the Belgian Transport Union": a person, then where they work
            j = words.index("of")
            left = words[:j]
            if (
                len(left) >= 2
                and (left[0] in lex.first_names or _INITIAL.match(left[0]))
                and key(" ".join(words)) not in lex.places
                and key(" ".join(words)) not in lex.orgs
            ):
                right = _strip_connectors(words[j + 1 :])
                return self.split(left) + (self.split(right) if right else [])
        label = self.whole(words)
        if label:
            return [(label, words, True)]
        k = key(" ".join(words))
        if (
            words[-1] in lex.misc_suffixes
            or k in lex.demonyms
            or k in lex.misc_names
            or len(k) < 2
            or all(w in lex.demonyms for w in k.split())  # "German-Israeli"
            or (len(words) > 2 and words[1] == "of" and words[0] in lex.misc_suffixes)
        ):
            return []  # "World Cup", "Russians", "Tour of the Netherlands", "T"
        titles = lex.titles
        person_like = words[0] in lex.first_names or _INITIAL.match(words[0])
        while (
            len(words) > 1
            and not person_like  # "P. W. Singer", "John King": surnames, not titles
            and key(words[-1]) in titles
            and key(words[-2]) not in titles
        ):
            words = words[:-1]  # "U.N. High Commissioner" -> "U.N. High"
            k = key(" ".join(words))
        if all(key(w) in titles or w in CONNECTORS for w in words):
            return []  # "Chief Executive Officer"
        if "of" in words:
            j = words.index("of")
            if all(key(w) in titles for w in words[:j]) and j + 1 < len(words):
                # "Chief Executive of General Motors"; "President of the United States
                # Barack Obama": a known name, then the person who holds the title
                parts = self.split(words[j + 1 :])
                if len(parts) >= 2 and parts[-1][0] == UNK and parts[-2][2]:
                    parts[-1] = (PER, parts[-1][1], True)
                return parts
        n = len(words)
        # the last title word with a name after it: "House Speaker Nancy Pelosi"
        t = -1
        for j in range(n - 2, -1, -1):
            if key(words[j]) in titles and key(words[j + 1]) not in titles:
                t = j
                break
        if t >= 0:
            right = _strip_connectors(words[t + 1 :])
            if not right:
                return []
            left = words[:t]
            while left and (key(left[-1]) in titles or left[-1] in CONNECTORS):
                left = left[:-1]
            parts = self.split(left) if left else []
            if key(words[t]) in _COMPANY_TITLES:
                # "Apple CEO Steve Jobs", "Zorvik spokeswoman Ann Lee": a company's title
                parts = [(ORG if lab == UNK else lab, ws, st) for lab, ws, st in parts]
            label = self.whole(right)
            if label is None and "of" in right[1:-1]:
                # "President Musharraf of Pakistan": the person, then the place
                j = right.index("of")
                rest = _strip_connectors(right[j + 1 :])
                if rest and self.whole(rest) is not None:
                    parts.append((PER, right[:j], True))
                    parts.extend(self.split(rest))
                    return parts
            parts.append((label or PER, right, True))
            return parts
        parts: list[tuple[str, list[str], bool]] = []
        i = 0
        while i < n:
            word = words[i]
            if i + 1 < n and (key(word) in lex.demonyms or word in CONNECTORS):
                i += 1
                continue
            m = self.place_at(words, i, n)
            if m and i + m < n and (m >= 2 or word not in lex.first_names):
                parts.append((LOC, words[i : i + m], True))
                i += m
                continue
            break
        rest = _strip_connectors(words[i:])
        if not rest:
            return parts
        label = self.whole(rest)
        if label:
            parts.append((label, rest, True))
        elif len(rest) >= 2 and (rest[0] in lex.first_names or _INITIAL.match(rest[0])):
            parts.append((PER, rest, True))  # "Peter Such", "J. Adams"
        elif len(rest) == 1 and (key(rest[0]) in lex.demonyms or key(rest[0]) in lex.common):
            pass  # "Russian", "MP", "CEO"
        elif (
            len(rest) == 1
            and rest[0].isupper()
            and 2 <= len(rest[0].replace(".", "").replace("&", "")) <= 5
            and rest[0].casefold() not in lex.common
        ):
            parts.append((ORG, rest, False))
        elif parts and parts[-1][0] == LOC and len(parts[-1][1]) + len(rest) == len(words):
            # a place and an unknown name: "Florida Marlins", "Kansai Electric Power"
            parts[-1] = (ORG, words, False)
        elif len(rest) >= 2 and self.ends_with_place(rest):
            parts.append((ORG, rest, False))  # "Dynamo Moscow", "Inter Milan"
        else:
            parts.append((UNK, rest, False))
        return parts

    def ends_with_place(self, words: list[str]) -> bool:
        """An unknown word, then a place: "Dynamo Moscow" (not "Greater London")."""
        n = len(words)
        for j in range(1, n):
            if self.place_at(words, j, n) == n - j:
                return words[0] not in self.lex.first_names
        return False


def _strip_connectors(words: list[str]) -> list[str]:
    while words and words[-1] in CONNECTORS:
        words = words[:-1]
    while words and words[0] in CONNECTORS:
        words = words[1:]
    return words


@lru_cache(maxsize=50_000)
def _pieces(words: tuple[str, ...], caps: bool) -> tuple[tuple[tuple[str, ...], bool], ...]:
    """A run split at capitalised common words ("The", "But", "Monday"), connectors trimmed:
    (piece, piece starts the run)."""
    lex = lexicon()
    stop = lex.stop
    typer = _Typer(lex)
    pieces: list[tuple[tuple[str, ...], bool]] = []
    cur: list[str] = []
    first = True
    cur_first = True
    j, nw = 0, len(words)
    # inside an organisation name only function words split it ("Federal Open Market
    # Committee" is one name, "The Federal Reserve" is not)
    org_tail = nw >= 3 and not caps and words[-1] in lex.org_suffixes
    while j < nw:
        word = words[j]
        low = word.casefold()
        if (
            word[0].isupper()
            and (low in stop or ("-" in low and all(p in stop for p in low.split("-"))))
            and (caps or len(word) < 2 or not word.isupper())
            and not (org_tail and j > 0 and word.casefold() not in _FUNCTION_WORDS)
        ):
            # "New York", "The Hague": a name that starts with a common word
            m = typer.known_at(list(words), j, nw)
            if m:
                cur.extend(words[j : j + m])
                j += m
                continue
            if (
                low in _WEEKDAYS
                and len(cur) == 1
                and cur[0] not in lex.first_names
                and typer.whole(cur) is None
            ):
                cur = []  # "Black Monday", "Super Tuesday": an event
            if cur:
                pieces.append((tuple(cur), cur_first))
            cur = []
            cur_first = False
            first = False
            j += 1
            continue
        cur.append(word)
        j += 1
    if cur:
        pieces.append((tuple(cur), cur_first and first))
    out = []
    for piece, piece_first in pieces:
        trimmed = tuple(_strip_connectors(list(piece)))
        if trimmed and len(trimmed) <= MAX_NAME_WORDS:
            out.append((trimmed, piece_first))
    return tuple(out)


def _one_name(words: list[str], typer: _Typer, lex: Lexicon) -> bool:
    """Whether "and" / "for" sit inside one name: "Bosnia and Herzegovina", "Defence and Space
    Company", "Carnegie Endowment for International Peace" (not "P. W. Singer and BluePath
    Labs", not "Smith for President")."""
    if "for" in words:
        j = words.index("for")
        return 0 < j < len(words) - 1 and words[j - 1] in lex.org_suffixes
    label = typer.whole(words)
    if label is None:
        return False
    k = key(" ".join(words))
    if k in lex.places or k in lex.orgs:
        return True
    head = _strip_connectors(words[: words.index("and")]) if "and" in words else []
    if head and typer.whole(head) is not None:
        return False  # "Mexico City and New York City"
    return not (head and typer.split(head)[-1:] and typer.split(head)[-1][0] == PER)


@lru_cache(maxsize=50_000)
def _typed(piece: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...], bool, str], ...]:
    """(label, words, strong, key) parts of one piece, from the name alone."""
    if len(piece) == 1 and piece[0] != "and" and piece[0] != "for":
        return _typed_word(piece[0], lexicon())
    return _typed_parts(piece)


def _typed_word(word: str, lex: Lexicon) -> tuple[tuple[str, tuple[str, ...], bool, str], ...]:
    """``_typed_parts((word,))`` of one word other than "and" and "for": the steps of
    ``_Typer.split`` that can decide a one-word name, in its order (the gazetteers, words that
    are no name, acronyms). Most runs are one word: in a first pass over articles (caches
    empty) 7.8 -> 2.0 us per new run of the bench-data corpus, with :func:`_analyse`'s own."""
    k = key(word)
    if k in lex.orgs:
        return ((ORG, (word,), True, k),)
    if k in lex.places and k not in lex.weak_places:
        return ((LOC, (word,), True, k),)
    if (
        word in lex.misc_suffixes
        or k in lex.demonyms
        or k in lex.misc_names
        or len(k) < 2
        or (" " in k and all(w in lex.demonyms for w in k.split()))  # "German-Israeli"
        or k in lex.titles
        or word in CONNECTORS
        or k in lex.common
    ):
        return ()
    if (
        word.isupper()
        and 2 <= len(word.replace(".", "").replace("&", "")) <= 5
        and word.casefold() not in lex.common
    ):
        return ((ORG, (word,), False, k),)
    return ((UNK, (word,), False, k),)


def _typed_parts(piece: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...], bool, str], ...]:
    """:func:`_typed` of any piece: the run split into names (``_Typer.split``)."""
    lex = lexicon()
    typer = _Typer(lex)
    words = list(piece)
    if ("and" in words or "for" in words) and not _one_name(words, typer, lex):
        # "Northrop Grumman and Airbus", "Smith for President": several names
        parts = []
        segment: list[str] = []
        for word in [*words, "and"]:
            if word == "and" or word == "for":
                segment = _strip_connectors(segment)
                if segment:
                    parts.extend(typer.split(segment))
                segment = []
            else:
                segment.append(word)
    else:
        parts = typer.split(words)
    return tuple((label, tuple(part), strong, key(" ".join(part))) for label, part, strong in parts)


def _analyse_run(text: str, caps: bool) -> tuple[tuple[str | None, bool, tuple], ...]:
    """Everything about one run that does not depend on its context (cached: ``_analyse``).

    The run is cut at possessives and model numbers (``_split_run``), each part is split at
    capitalised common words (``_pieces``) and typed (``_typed``). Returns one entry per part:
    (token before it, or None for the run's own; part ends the run; ((piece, piece opens the
    run, typed parts), ...)).
    """
    if " " not in text and "\t" not in text and not _SPECIAL.search(text):
        # one word, no digit, apostrophe or hyphen (most runs): _split_run keeps it whole, and
        # _pieces drops it if it is a connector or a capitalised stop word (not in a headline:
        # "The"; "THE" only in one), or keeps it as it is
        if text in CONNECTORS or (
            text[0].isupper()
            and text.casefold() in lexicon().stop
            and (caps or len(text) < 2 or not text.isupper())
        ):
            return ()
        return ((None, True, (((text,), True, _typed((text,))),)),)
    return _analyse_parts(text, caps)


_analyse = Memo(_analyse_run, 50_000, star=True)
"""``_analyse_run``, cached (``_analyse[text, caps]``): a run does not depend on its context."""


def _analyse_parts(text: str, caps: bool) -> tuple[tuple[str | None, bool, tuple], ...]:
    """:func:`_analyse` of any run: cut (``_split_run``), split (``_pieces``) and typed."""
    out = []
    for words, prev, last in _split_run(text):
        pieces = tuple(
            (piece, first and prev is None, _typed(piece))
            for piece, first in _pieces(tuple(words), caps)
        )
        if pieces:
            out.append((prev, last, pieces))
    return tuple(out)


def _split_run(text: str) -> list[tuple[list[str], str | None, bool]]:
    """A run cut where a name ends inside it: (words, token before or None, last part)."""
    if not _SPECIAL.search(text):
        return [(text.split(), None, True)]
    parts: list[tuple[list[str], str | None, bool]] = []
    words: list[str] = []
    prev: str | None = None
    stop = lexicon().stop
    for tok in text.split():
        if _CONTRACTION.match(tok) and (
            tok[-1] in "tT" or re.split("['’]", tok)[0].casefold() in stop
        ):
            if words:  # "I've", "We'll": a pronoun, no name
                parts.append((words, prev, False))
            words, prev = [], tok
            continue
        if _DIGIT.search(tok):
            if words:
                parts.append((words, prev, False))
            words, prev = [], tok
            continue
        cleaned, ends = _clean(tok)
        words.append(cleaned)
        if ends:
            parts.append((words, prev, False))
            words, prev = [], tok
    if words:
        parts.append((words, prev, True))
    return parts


def _mentions(title: str, body: str, lex: Lexicon) -> tuple[list[_Mention], _Doc]:
    """The mentions of names in a title and body, and what the rules may ask of the text as a
    whole (:class:`_Doc`)."""
    common = lex.common
    skip = lex.stop_title
    org_cues, titles = lex.org_cues, lex.titles
    mentions: list[_Mention] = []
    text = f"{title}\n{body}" if title else body
    lines = [line for line in text.split("\n") if line.strip()]
    doc = _Doc(text, lex)  # (a line break is in no word: the same words with or without the title)
    for index, line in enumerate(lines):
        caps = line.isupper() or (
            index == 0 and bool(title) and _title_case_line(line, common)
        )
        line_mentions: list[_Mention] = []
        dateline = _DATELINE.match(line) if 0 < index <= 3 else None
        if dateline:
            # "LONDON 1996-08-30", "WASHINGTON (Reuters) -": the place the story is from
            words = tuple(dateline.group(1).split())
            shown = tuple(w.capitalize() for w in words)
            mentions.append(_Mention(LOC, shown, key(" ".join(words)), True, True, "", "",
                                     False, False))
            line = line[dateline.end(1) :]
        scored_count = unknown = 0
        for match in _runs(line):
            text = match.group()
            if text in skip:
                continue
            end = match.end()
            if line.startswith("$", end) and len(text) <= 3 and text.isupper():
                continue  # "US$14 billion", "HK$": a currency
            subs = _analyse[text, caps]
            if not subs:
                continue
            found = _NEXT_RE.match(line, end)
            run_next = found.group(1).casefold() if found else ""
            if (run_next in _INDEX_WORDS or run_next.isdigit()) and _INDEX_NEXT.match(
                line, end
            ):
                continue  # "the Nikkei index", "Standard & Poor's 500 index"
            start = match.start()
            run_prev = _prev_token(line, start) if start else ""  # (none before a line's first)
            poss = text.endswith(_POSSESSIVE_ENDS)
            for s, (sub_prev, last, pieces) in enumerate(subs):
                prev = (run_prev if sub_prev is None else sub_prev).casefold()
                sub_poss = poss and not last and s == len(subs) - 1
                nxt = run_next if last or sub_poss else ""
                initial = not prev or prev in _SENTENCE_OPENERS
                scored = nxt.isdigit()  # "Leeds 2"
                for piece, first, typed in pieces:
                    piece_initial = initial and first
                    if (
                        piece_initial
                        and len(piece) >= 2
                        and _is_word(piece[0], doc, lex)
                        and not _named_whole(list(piece), lex)
                    ):
                        piece = tuple(_strip_connectors(list(piece[1:])))
                        if not piece:
                            continue
                        typed = _typed(piece)
                        piece_initial = False  # "Shares of Tesla": Tesla's capital counts
                    head = piece[0]
                    for label, part, strong, k in typed:
                        mention = _Mention(label, part, k, strong,
                                           piece_initial and part[0] == head,
                                           prev, nxt, caps, scored)
                        if label == UNK:
                            if prev[-1:].isdigit() and not (scored or doc.sports) and _model_before(
                                line, start, prev, sub_prev is None, lex
                            ):
                                continue  # "Boeing 787 Dreamliner", "Airbus A380 Navigator"
                            unknown += 1
                            if last and nxt == ",":
                                mention.after = line[end : end + 80]
                            if sub_prev is None and prev in _PREV2_ENDS:
                                mention.prev2 = _prev_words(line, start)
                            if sub_poss:
                                mention.poss = True
                        line_mentions.append(mention)
                        scored_count += scored
        for m in line_mentions:
            label = m.label
            if label == UNK:
                if (
                    m.prev in org_cues
                    or m.next in _ORG_NEXT
                    or (m.poss and m.next in _ORG_POSS)
                    or m.prev2 in _ORG_PREV2
                    or m.prev.endswith("-based")
                ):
                    # "airline Ryanair", "a Boeing spokesman", "Fiat's shares", "a stake in
                    # Opel", "Seattle-based Zorvik"
                    m.label = ORG
                elif key(m.prev) in titles and m.prev not in _TITLE_MODIFIERS:
                    m.label = PER
                elif m.next in _LOC_NEXT:
                    m.label = LOC  # "Turkana county"
                elif m.after:
                    # an apposition: "Ryanair, the Irish airline", "Tembeka Qwabe, who..."
                    if _PER_APPOSITION.match(m.after):
                        m.label = PER
                    elif _ORG_APPOSITION.match(m.after):
                        m.label = ORG
                    elif _LOC_APPOSITION.match(m.after):
                        m.label = LOC
            elif label != LOC:
                continue
            if (
                m.label in (LOC, UNK)
                and (m.prev in lex.sport_prev or m.next in lex.sport_next)
                and m.key not in lex.nations
                and doc.sports
                and not (m.label == UNK and _is_word(m.tokens[0], doc, lex))
            ):
                m.label, m.strong, m.team = ORG, True, True  # "Leicestershire beat Somerset"
        # a list takes the type of its known members: "Zorvik, Telvaro and General Motors"
        if unknown and len(line_mentions) > 1 and not caps:
            _coordinate(line, line_mentions)
        # results lines: "Leeds 2 Manchester United 1" -> teams
        if scored_count and (
            scored_count >= 2
            or (line_mentions[0].scored and len(_NUMBER.findall(line)) >= 2)
        ):
            for m in line_mentions:
                if m.scored and (
                    m.label == LOC
                    or (m.label == UNK and not _is_word(m.tokens[0], doc, lex))
                ):
                    m.label, m.strong, m.team = ORG, True, True
        mentions.extend(line_mentions)
    return mentions, doc


def _coordinate(line: str, mentions: list[_Mention]) -> None:
    """Unknown names listed with an organisation are organisations: "Zorvik, Telvaro, and
    General Motors" (names next to each other, joined by a comma, "and" or "or")."""
    pairs = [
        (a, b) for a, b in zip(mentions, mentions[1:], strict=False)
        if a.next in _COORD and b.prev in _COORD and UNK in (a.label, b.label)
    ]
    for order in (pairs, pairs[::-1]):
        for a, b in order:
            if (a.label == UNK) != (b.label == UNK) and ORG in (a.label, b.label) and re.search(
                rf"(?<![\w&'’.\-]){re.escape(' '.join(a.tokens))}{_COORD_GAP}"
                rf"{re.escape(' '.join(b.tokens))}(?![\w&])", line
            ):
                (a if a.label == UNK else b).label = ORG


def _model_before(line: str, start: int, prev: str, own_run: bool, lex: Lexicon) -> bool:
    """An unknown name right after a model number is a product: "Boeing 787 Dreamliner",
    "Airbus A380 Navigator" (not "on May 5 Zorvik...", not "in 2008 Zorvik...")."""
    if not own_run:
        return not _YEAR.match(prev)  # "A380" inside the run
    if not prev.isdigit() or _YEAR.match(prev):
        return False
    if len(prev) >= 3:
        return True  # "the new 787 Dreamliner"
    words = line[max(0, start - 40) : start].split()
    if len(words) < 2:
        return False
    maker = words[-2]
    return maker[:1].isupper() and maker.casefold() not in lex.stop


_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


def _prev_words(line: str, start: int) -> str:
    """The two words right before ``start``, lower case ("shares of"), or ""."""
    words = line[max(0, start - 40) : start].split()[-2:]
    return " ".join(words).casefold() if len(words) == 2 else ""


def _title_case(tokens: list[str], common: frozenset[str]) -> bool:
    """A Title Case Headline: every longer word capitalised."""
    upper = lower = 0
    for tok in tokens:
        if len(tok) > 3 and tok.isalpha():
            if tok[0].isupper():
                upper += 1
            elif tok not in common:
                lower += 1
    return upper >= 3 and lower == 0


def _title_case_line(line: str, common: frozenset[str]) -> bool:
    """``_title_case(TOKEN_RE.findall(line), common)``, at once False for an ASCII line with
    fewer than three capitals (three capitalised words at least make a Title Case Headline)."""
    if line.isascii() and line.encode("ascii").translate(_CAPITALS).count(1) < 3:
        return False
    return _title_case(TOKEN_RE.findall(line), common)


_WORD_ENDINGS = ("ing", "ed", "ly", "ness", "ment", "ments", "tion", "tions")


def _named_whole(words: list[str], lex: Lexicon) -> bool:
    """The whole run is a gazetteer name or an "X of Y" organisation ("Bank of England")."""
    k = key(" ".join(words))
    if k in lex.places or k in lex.orgs:
        return True
    return len(words) >= 3 and words[1] == "of" and words[0] in lex.org_heads


def _is_word(word: str, doc: _Doc, lex: Lexicon) -> bool:
    """A sentence's capitalised first word that is an ordinary word, not a name."""
    low = word.casefold()
    if key(word) in lex.titles:
        return False  # "Mr Smith went..."
    if low in lex.common or doc.has_word(low):
        return True
    if word in lex.first_names:
        return False
    k = key(word)
    if k in lex.places or k in lex.orgs:
        return False
    return low.endswith(_WORD_ENDINGS)


def _display(tokens: tuple[str, ...]) -> str:
    text = " ".join(tokens)
    text = text.replace(" & ", " & ")
    return text


def _contains(big: list[str], small: list[str]) -> bool:
    n = len(small)
    return n < len(big) and any(big[i : i + n] == small for i in range(len(big) - n + 1))


@lru_cache(maxsize=100_000)
def _value_key(value: str) -> str:
    """The facet key of a name (``normalize_value``: aliases such as "U.S." and "United
    States" share one), cached: names repeat from article to article."""
    return normalize_value(value)


def _dedupe(values: list[str]) -> list[str]:
    """Like ``dedupe_values``, names already clean; of the spellings of one key (aliases such
    as "US" and "United States") the most complete is kept, in the place of the first."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for value in values:
        k = _value_key(value)
        if not k:
            continue
        at = seen.get(k)
        if at is None:
            seen[k] = len(out)
            out.append(value)
        elif len(value) > len(out[at]) and " " in value:
            out[at] = value  # "United States" rather than "US"
    return out


def _canonical(value: str, lex: Lexicon) -> str:
    """The canonical display form of a name with an alias entry ("U.S." -> "United States")."""
    return lex.alias_names.get(_value_key(value), value)


def _sub_names(keys: dict[str, object]) -> set[str]:
    """Every shorter word sequence inside the multi-word keys ("putin" in "vladimir putin")."""
    inner: set[str] = set()
    for k in keys:
        words = k.split()
        n = len(words)
        for size in range(1, n):
            for i in range(n - size + 1):
                inner.add(" ".join(words[i : i + size]))
    return inner


def find_entities(title: str, body: str) -> Entities:
    """People, places and organisations named in a title and body."""
    lex = lexicon()
    mentions, doc = _mentions(title or "", body or "", lex)

    # votes per name key
    votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    surface: dict[str, tuple[str, ...]] = {}
    strong: set[str] = set()  # names typed by the name itself somewhere in the article
    for m in mentions:
        if m.caps and not m.team:
            continue
        k = m.key
        if m.label != UNK:
            votes[k][m.label] += 2.0 if m.strong else 1.0
            if m.strong:
                strong.add(k)
        if k not in surface or (surface[k][0].isupper() and not m.tokens[0].isupper()):
            surface[k] = m.tokens

    # full names of people: last word -> full name key
    person_parts: dict[str, str] = {}
    org_parts: set[str] = set()
    org_first: set[str] = set()
    loc_parts: set[str] = set()

    decided = {k: max(v.items(), key=lambda kv: kv[1])[0] for k, v in votes.items()}
    label_of = decided.get

    for k, label in decided.items():
        words = k.split()
        if len(words) >= 2:
            if label == PER:
                person_parts.setdefault(words[-1], k)
            elif label == ORG:
                org_parts.update(words)
                org_first.add(words[0])
            elif label == LOC:
                loc_parts.update(words)

    # an article that names at least two people and twice as many people as organisations:
    # its unknown names are likely people
    labels = list(decided.values())
    people_first = labels.count(PER) >= max(2, PEOPLE_PRIOR * labels.count(ORG))
    found: dict[str, dict[str, tuple[str, ...]]] = {PER: {}, LOC: {}, ORG: {}}
    guesses: dict[str, list[str | None]] = {}
    midsentence: set[str] = set()
    openers: dict[str, list[_Mention]] = {}  # unknown names opening a sentence
    for m in mentions:
        k = m.key
        label = label_of(k)
        if m.caps:
            # headlines: only names the text or the gazetteer knows
            if m.team:
                label = ORG
            elif label is None:
                label = typer_whole(lex, m.tokens)
            if label is None or label == UNK:
                continue
            found[label].setdefault(k, surface.get(k, _titlecase(m.tokens, lex)))
            continue
        if " " not in k and k in org_first and k not in strong:
            continue  # "Hoshida" after "Hoshida Robotics"
        if " " not in k and k in person_parts and (
            label in (None, PER, UNK) or (label == LOC and k in lex.minor_places)
        ):
            continue  # "Putin" after "Vladimir Putin"; "Davenport" after "Lindsay Davenport"
        if label is None:
            if m.initial:
                openers.setdefault(k, []).append(m)
                if k and " " not in k:  # one word opening a sentence: _guess has no guess
                    guesses.setdefault(k, []).append(None)
                    continue
            else:
                midsentence.add(k)
            guesses.setdefault(k, []).append(
                _guess(m, k, lex, org_parts, loc_parts, person_parts, people_first, doc)
            )
            continue
        found[label].setdefault(k, surface[k])
    # one guess per name: the most frequent context wins
    for k, names in guesses.items():
        if names.count(None) != len(names):  # (most have no guess at all)
            typed = [g for g in names if g is not None]
            label = max(dict.fromkeys(typed), key=typed.count)
        elif (
            " " not in k
            and len(names) >= REPEATED_NAME_MIN
            and not people_first
            and k not in org_parts
            and k not in loc_parts
            and (k in midsentence or _named_opener(openers.get(k, ()), doc, lex))
        ):
            label = ORG  # a name the article repeats, with nothing else known about it
        else:
            continue
        found[label].setdefault(k, surface[k])

    result = Entities()
    for label, attr in ((PER, "people"), (LOC, "places"), (ORG, "orgs")):
        names = found[label]
        if not names:
            continue  # (Entities' own empty list)
        inner = _sub_names(names)
        keep = [_display(toks) for k, toks in names.items() if k not in inner]
        if CANONICAL_ALIASES:
            keep = [_canonical(name, lex) for name in keep]
        setattr(result, attr, _dedupe(keep))
    return result


def _named_opener(openers: Iterable[_Mention], doc: _Doc, lex: Lexicon) -> bool:
    """In business news a name's capital says enough even where it opens a sentence: there an
    opener counts as seen mid-sentence, unless it is one ordinary word ("Shares")."""
    return any(
        len(m.tokens) != 1 or not _is_word(m.tokens[0], doc, lex) for m in openers
    ) and doc.business


def _titlecase(tokens: tuple[str, ...], lex: Lexicon) -> tuple[str, ...]:
    k = key(" ".join(tokens))
    canonical = lex.places.get(k) or lex.orgs.get(k)
    if canonical and len(canonical.split()) == len(tokens) and key(canonical) == k:
        return tuple(canonical.split())
    return tuple(t if len(t) <= 4 else t.capitalize() for t in tokens)


def typer_whole(lex: Lexicon, tokens: tuple[str, ...]) -> str | None:
    return _Typer(lex).whole(list(tokens))


def _guess(
    m: _Mention,
    k: str,
    lex: Lexicon,
    org_parts: set[str],
    loc_parts: set[str],
    person_parts: dict[str, str],
    people_first: bool,
    doc: _Doc,
) -> str | None:
    """The type of a name nothing in the name itself decided, from its context."""
    words = k.split()
    if len(words) == 1:
        if k in org_parts or k in loc_parts:
            return None
        if m.initial:
            return None
        if m.prev in _SAID_BEFORE or m.next in _SAID_AFTER:
            return PER
        if key(m.prev) in lex.titles and m.prev not in _TITLE_MODIFIERS:
            return PER
        if (
            m.prev in _LOC_PREPS
            and m.prev2 != "according to"
            and not m.poss  # "to Quorvant's new phone": whose, not where
            and (m.prev in _BUSINESS_LOC_PREPS or not doc.business)  # (a part of _LOC_PREPS)
        ):
            return LOC
        if not people_first and doc.sports:
            return ORG  # a sports report: a club ("Essex, Derbyshire and Surrey")
        return None
    if (
        (key(m.prev) in lex.titles and m.prev not in _TITLE_MODIFIERS)
        or m.next in _SAID_AFTER
        or m.prev in _SAID_BEFORE
    ):
        return PER
    if (
        len(words) <= 3
        and all(w.isalpha() for w in m.tokens if w not in CONNECTORS)
        and people_first
    ):
        return PER
    return ORG


_ATTRS = ("people", "places", "orgs")


def extract_entities(article: Article) -> None:
    """Fill ``article.people/places/orgs``: the annotations already there plus the names found.

    Annotation names (the page's own entity lists, put there by the ingest stage) are trusted:
    they keep their spelling and type, and a found name they already cover is dropped.
    """
    found = find_entities(article.title, article.body)
    annotations = {"people": article.people or [], "places": article.places or [],
                   "orgs": article.orgs or []}  # (only read)
    if not (annotations["people"] or annotations["places"] or annotations["orgs"]):
        article.people, article.places, article.orgs = found.people, found.places, found.orgs
        return
    for attr in _ATTRS:
        setattr(article, attr, _merge(annotations, getattr(found, attr), attr))


def _merge(annotations: dict[str, list[str]], found: list[str], attr: str) -> list[str]:
    """The annotations of ``attr`` (some annotation of the article given) and the names
    found."""
    own = dedupe_values(annotations[attr])
    if not found:
        return own  # (= dedupe_values(list(own)): a deduplicated list dedupes to itself)
    ann_keys = [_value_key(a).split() for a in own]
    other_keys = {_value_key(v) for other in _ATTRS if other != attr for v in annotations[other]}
    out = list(own)
    for name in found:
        words = _value_key(name).split()
        if " ".join(words) in other_keys:
            continue  # the page's own annotation typed it otherwise
        if any(words == a or _contains(a, words) for a in ann_keys):
            continue
        out.append(name)
    return dedupe_values(out)
