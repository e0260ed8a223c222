"""Pre-built postings of one text field: the per-document half of indexing, done in the parser
processes.

Part of the engine stage, used before it: ``newsearch.pipeline.analyze`` runs
:func:`prepost` in the parser processes for a writer that ``accepts_analysis`` (the Whoosh
engine), so that the one process writing the index gets each term's frequency and encoded
positions ready instead of counting tokens and encoding positions itself (a third of its
time when profiled). No index library is imported here (parser processes do not need one);
the value format is Whoosh's ``formats.Positions`` (a 4-byte big-endian count, then the
position deltas pickled with protocol 2), checked against Whoosh's own encoder in
tests/engine/test_prepost.py.
"""

from __future__ import annotations

from pickle import dumps
from struct import Struct

_COUNT = Struct("!I")


class PrePosted(tuple):
    """``(length, terms, freqs, values)`` of one field of one document: its token count, its
    distinct terms (UTF-8, in order of first occurrence), how often each occurs and each
    one's encoded positions (:func:`positions_value`)."""

    __slots__ = ()


def positions_value(positions: list[int]) -> bytes:
    """Whoosh's ``Positions.encode(positions)``: count, then the pickled deltas."""
    base = 0
    deltas = []
    for pos in positions:
        deltas.append(pos - base)
        base = pos
    return _COUNT.pack(len(deltas)) + dumps(deltas, 2)


def prepost(tokens: list[str]) -> PrePosted:
    """The postings of one document's token list (one token per position from 0)."""
    poses: dict[str, list[int]] = {}
    for pos, text in enumerate(tokens):
        got = poses.get(text)
        if got is None:
            poses[text] = [pos]
        else:
            got.append(pos)
    pack = _COUNT.pack
    values = []
    for plist in poses.values():
        if len(plist) == 1:
            values.append(pack(1) + dumps(plist, 2))  # a single delta is the position
        else:
            values.append(positions_value(plist))
    return PrePosted((len(tokens), [t.encode("utf-8") for t in poses],
                      [len(p) for p in poses.values()], values))
