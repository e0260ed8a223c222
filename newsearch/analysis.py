"""Text analysis shared by every engine, the query parser and the snippet maker.

Words are runs of letters and digits (Unicode), lower-cased, then stemmed with the Snowball
English stemmer (the same algorithm as tantivy's ``en_stem``), so that the Whoosh engine,
the tantivy engine and the highlighter agree on what matches. No stop words are dropped at
index time, so phrases keep every word.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from snowballstemmer.basestemmer import BaseStemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TOKEN_CHARS = 40  # tantivy's default tokenizer drops longer tokens; so do we

_local = threading.local()


def _stemmer() -> BaseStemmer:
    """This thread's stemmer: a Snowball stemmer keeps the word it works on in the object,
    so one shared by the threads of a server gave wrong stems or IndexErrors."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    """The lower-cased, stemmed term."""
    start: int
    end: int
    """Character offsets of the word in the original text."""
    position: int


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem of one lower-case word."""
    return _stemmer().stemWord(word)


def tokenize(text: str) -> Iterator[Token]:
    """Every word of ``text`` as a stemmed :class:`Token` with offsets and position."""
    position = 0
    for match in WORD.finditer(text):
        word = match.group().lower()
        if len(word) > MAX_TOKEN_CHARS:
            continue
        yield Token(stem(word), match.start(), match.end(), position)
        position += 1


def terms(text: str) -> list[str]:
    """The stemmed terms of ``text``, in order (the texts of :func:`tokenize`'s tokens)."""
    out = []
    for word in WORD.findall(text):
        word = word.lower()
        if len(word) <= MAX_TOKEN_CHARS:
            out.append(stem(word))
    return out


def words(text: str) -> list[str]:
    """The lower-cased, unstemmed words of ``text`` (for spelling suggestions)."""
    return [w.lower() for w in WORD.findall(text) if len(w) <= MAX_TOKEN_CHARS]
