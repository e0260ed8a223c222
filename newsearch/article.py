"""The Article: what every ingest format produces and what the engine indexes.

One dataclass crosses the whole pipeline: parsers (``newsearch.ingest``) fill in what the file
says, the entity extractor (``newsearch.entities``) adds people, places and organisations, and the
engine stores it. ``to_json()`` is the shape ``newsearch extract`` prints.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Where an article's publication date came from.
DATE_SOURCES = ("header", "relative", "metadata", "body", "none")

#: The article formats the ingest stage reads.
FORMATS = ("scraped", "text", "json", "html", "reuters")


@dataclass
class Article:
    """One news article, as parsed from a file (a file may hold many)."""

    path: str
    """Absolute path of the source file."""
    format: str
    """One of :data:`FORMATS`."""
    title: str = ""
    body: str = ""
    position: int = 0
    """Position of the article inside its file (0 for one-article files)."""
    url: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    section: str = ""
    published: str | None = None
    """ISO 8601: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` (no time zone: the wall time)."""
    date_source: str = "none"
    crawled: str | None = None
    """ISO 8601 crawl date of a scraped page, when the page says it."""
    tags: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    file_signature: str = ""
    """``size:mtime_ns`` of the source file when it was read (incremental indexing)."""
    id: str = ""
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = article_id(self.path, self.position)
        if not self.content_hash:
            self.content_hash = content_hash(self.title, self.body)

    @property
    def date(self) -> str | None:
        """The publication day, ``YYYY-MM-DD``, or None when undated."""
        return self.published[:10] if self.published else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        # The shape `newsearch extract` prints: identity first, body last.
        order = ["id", "path", "position", "format", "title", "authors", "publisher", "section",
                 "published", "date_source", "crawled", "url", "tags", "people", "places", "orgs",
                 "content_hash", "file_signature", "body"]
        return {key: data[key] for key in order}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


def article_id(path: str, position: int = 0) -> str:
    """A stable id from the file path and the position in the file: 16 hex digits."""
    key = f"{path}\x00{position}".encode("utf-8", "surrogatepass")
    return hashlib.sha1(key).hexdigest()[:16]


_SPACE = re.compile(r"\s+")


def _squeeze(text: str, printable: bool = False) -> str:
    """``" ".join(text.split())`` (= ``_SPACE.sub(" ", text).strip()``: both split at
    ``str.isspace`` white space), without splitting a text that is already clean but for
    line breaks (most parsed bodies): replacing line breaks by spaces keeps its words, and a
    printable text has no white space but the space, so one without a double space, leading or
    trailing space is its words joined by single spaces.

    ``printable``: the caller knows that ``text`` is printable but for its line breaks (the
    test is a pass over the text)."""
    clean = text.replace("\n", " ") if "\n" in text else text
    if (
        (printable or clean.isprintable())
        and "  " not in clean and clean[:1] != " " and clean[-1:] != " "
    ):
        return clean
    return " ".join(text.split())


def content_hash(title: str, body: str) -> str:
    """Hash of the normalised title and body: the same story saved twice hashes the same."""
    # paragraphs are separated by a blank line: one line break is as good (same words)
    return _words_hash(_squeeze(f"{title}\n{body}".replace("\n\n", "\n")))


def _words_hash(words: str) -> str:
    """:func:`content_hash` of a title and body whose words, in order and joined by single
    spaces, are ``words`` (a parser that has them at hand skips a pass over the body)."""
    return hashlib.sha1(words.casefold().encode("utf-8", "surrogatepass")).hexdigest()[:20]


#: Letter-dot abbreviations: "U.S.", "U.N.", "E.U." (one key with "US", "UN", "EU").
_LETTER_DOTS = re.compile(r"(?<!\w)(?:[^\W\d_]\.){2,}(?![^\W\d_]\.)")
_NON_WORD = re.compile(r"[^\w]+")
#: Alias key -> canonical key, read lazily from ``newsearch/entities/data/aliases.txt``
#: (a plain file, so this module imports nothing of the entities stage).
_ALIASES: dict[str, str] | None = None
_ALIAS_FILE = Path(__file__).resolve().parent / "entities" / "data" / "aliases.txt"


#: Longer strings are not cached (a cache of long ones would only hold memory).
_CACHED_CHARS = 200


def _fold(value: str) -> str:
    """Case, accents, punctuation and spacing folded; letter-dot abbreviations closed up."""
    if "." in value:
        value = _LETTER_DOTS.sub(lambda m: m.group().replace(".", ""), value)
    if not value.isascii():
        value = unicodedata.normalize("NFKD", value)
        value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", value.casefold()).split())


class Memo(dict):  # type: ignore[type-arg]
    """A pure function's results by argument, for the hottest caches of the parser processes:
    a caller looks a result up with ``memo[arg]`` (``memo[a, b]`` for a function of ``star``
    arguments), a plain dict look-up, where an ``lru_cache`` hit also moves the entry to the
    front of its list (57 against 104 ns a hit at 20,000 entries looked up at random, 23
    against 39 at 500). Full (``maxsize``), it is emptied: only the work of finding results
    again is lost. Called, it is the function, cached (slower than a look-up); ``cache_clear()``
    and ``__wrapped__`` as ``lru_cache`` gives them."""

    __slots__ = ("__wrapped__", "maxsize", "star")

    def __init__(self, function: Callable[..., Any], maxsize: int, star: bool = False) -> None:
        super().__init__()
        self.__wrapped__ = function
        self.maxsize = maxsize
        self.star = star

    def __missing__(self, arg: Any) -> Any:
        value = self.__wrapped__(*arg) if self.star else self.__wrapped__(arg)
        if len(self) >= self.maxsize:
            self.clear()
        self[arg] = value
        return value

    def __call__(self, *args: Any) -> Any:
        return self[args if self.star else args[0]]

    def cache_clear(self) -> None:
        self.clear()


_fold_cached = Memo(_fold, 32_768)
"""``_fold``, cached: names, tags and publishers repeat from article to article."""


def _alias_keys() -> dict[str, str]:
    """Each alias's key -> its canonical name's key (the data file's lines)."""
    global _ALIASES
    if _ALIASES is None:
        table: dict[str, str] = {}
        try:
            lines = _ALIAS_FILE.read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        for line in lines:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            names = [_fold(name) for name in line.split("|")]
            for alias in names[1:]:
                if alias and alias != names[0]:
                    table.setdefault(alias, names[0])
        _ALIASES = table
    return _ALIASES


def normalize_value(value: str, aliases: bool = True) -> str:
    """The matching key of a facet value: case, accents, punctuation and spacing folded, and
    well-known aliases mapped to one name.

    ``"Xi  Jinping"``, ``"xi jinping"`` and ``"Xi-Jinping"`` share one key; letter-dot
    abbreviations close up (``"U.S."`` and ``"US"`` give ``"us"``), and a whole value that is
    an alias of ``newsearch/entities/data/aliases.txt`` takes its canonical name's key
    (``"US"``, ``"U.S."``, ``"USA"`` and ``"United States"`` give ``"united states"``; ``"EU"``
    and ``"European Union"`` give ``"european union"``). Entity and facet filters compare
    these keys, and display keeps the canonical form.

    ``aliases=False`` skips the alias table: for a *prefix* typed by a user (autocomplete,
    ``place:un*``), where "un" must stay the start of "United States" rather than become
    "united nations".
    """
    text = _fold_cached[value] if len(value) <= _CACHED_CHARS else _fold(value)
    if not aliases:
        return text
    return (_ALIASES if _ALIASES is not None else _alias_keys()).get(text, text)


def _spaced_key_of(value: str) -> tuple[str, str]:
    """(value with its spacing normalised, its :func:`normalize_value` key)."""
    value = " ".join(value.split())  # = _SPACE.sub(" ", value).strip(): both str.isspace
    return value, normalize_value(value)


_spaced_key = Memo(_spaced_key_of, 32_768)
"""``_spaced_key_of``, cached: names, tags and authors repeat from article to article."""


def dedupe_values(values: list[str]) -> list[str]:
    """Drop values whose key repeats an earlier one, keeping order and the first spelling."""
    seen: set[str] = set()
    out = []
    for value in values:
        if len(value) <= _CACHED_CHARS:
            value, key = _spaced_key[value]
        else:
            value, key = _spaced_key_of(value)
        if key and key not in seen:
            seen.add(key)
            out.append(value)
    return out
