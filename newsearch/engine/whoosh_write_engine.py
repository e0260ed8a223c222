"""Whoosh batch segments: a commit's postings written straight into the segment files.

(Named ``*_engine`` because it imports Whoosh: only engine modules may, tests/test_architecture.py.)

Part of the engine stage, write side of ``newsearch.engine.whoosh_engine`` (its
``_BatchSegmentWriter`` hands the postings it grouped per field and term to
:func:`write_postings` when a commit flushes the segment). The files are Whoosh's own
(``whoosh.codec.whoosh3``: an ordered hash table of terms, a postings file of blocks); only
the Python work per term is less:

- A posting list shorter than the codec's ``inlinelimit`` (most terms of a batch) is packed
  into its term-table row here, in one ``struct.pack`` and one ``pickle.dumps``, with the
  bytes ``W3TermInfo.to_bytes`` gives, instead of going through a postings writer, a term
  info object and its ``add_block``.
- Term-table rows of a field are written with one ``write`` call; their positions and md5
  hashes go to the hash writer's buckets and index as ``OrderedHashWriter.add`` would put
  them (same file, byte for byte).
- Longer posting lists are written a whole block at a time through the codec's postings
  writer, as before.
"""

from __future__ import annotations

from array import array
from hashlib import md5
from pickle import dumps

from whoosh.codec import whoosh3
from whoosh.filedb.filetables import _lengths
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

_TERMINFO = whoosh3.W3TermInfo._struct
_ROW_HEADER = _lengths.size
_ARRAY_LIMITS = {"B": 2**8, "H": 2**16, "i": 2**31, "I": 2**32, "q": 2**63}

#: Pickle protocol of inlined posting lists: Whoosh's own (readers accept any protocol).
PROTOCOL = 2

Posting = tuple[int, float, bytes]


def stored_lengths(lengths: dict[int, int]) -> dict[int, int]:
    """Field lengths as Whoosh's length column gives them back (one byte each)."""
    return {d: byte_to_length(length_to_byte(n)) for d, n in lengths.items()}


def write_postings(fw, schema, postings: dict[str, dict[bytes, list[Posting]]],  # noqa: ANN001
                   lengths: dict[str, dict[int, int]]) -> None:
    """Write ``postings`` (field -> term bytes -> ``(docnum, weight, value)`` in docnum
    order) through the W3 field writer ``fw``, fields and terms in sorted order; ``lengths``
    are the scorable fields' lengths per docnum. ``fw`` is not closed."""
    for fieldname in sorted(postings):
        terms = postings[fieldname]
        if terms:
            _write_field(fw, fieldname, schema[fieldname], terms,
                         stored_lengths(lengths.get(fieldname, {})))


def _write_field(fw, fieldname: str, fieldobj, terms: dict[bytes, list[Posting]],  # noqa: ANN001
                 lengths: dict[int, int]) -> None:
    fw.start_field(fieldname, fieldobj)
    pw = fw._postwriter
    if pw._byteids:  # pragma: no cover - another codec set-up: Whoosh's own way
        for tb in sorted(terms):
            fw.start_term(tb)
            for docnum, weight, vbytes in terms[tb]:
                fw.add(docnum, weight, vbytes, lengths.get(docnum, 0))
            fw.finish_term()
        fw.finish_field()
        return
    tindex = fw._tindex
    dbfile = tindex.dbfile
    buckets = tindex.buckets
    lastkey = tindex.lastkey
    prefix = pack_ushort(fw._fieldid)
    limit = pw._blocklimit
    inline = min(pw._inlinelimit, limit + 1)
    fmt = fieldobj.format
    pack_info = _TERMINFO.pack
    pack_lengths = _lengths.pack
    get_length = lengths.get
    start = pos = dbfile.tell()
    rows: list[bytes] = []
    offsets: list[int] = []
    key = lastkey
    for tb in sorted(terms):
        plist = terms[tb]
        n = len(plist)
        key = prefix + tb
        if key <= lastkey:
            raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
        lastkey = key
        if n < inline:
            ids, weights, values = zip(*plist, strict=True)
            if lengths:
                lens = [x for x in map(get_length, ids) if x]
                minl = length_to_byte(min(lens)) if lens else 0
                maxl = length_to_byte(max(lens)) if lens else 0
            else:
                minl = maxl = 0
            w = array("f", weights)
            val = pack_info(1, sum(w), n, minl, maxl, max(0, max(weights)), ids[0], ids[-1])
            val += dumps((ids, tuple(w), tuple(v for v in values if v)), PROTOCOL)
        else:
            pw.start_postings(fmt, whoosh3.W3TermInfo())
            for first in range(0, n, limit):
                if first:
                    pw._write_block()
                ids, weights, values = zip(*plist[first:first + limit], strict=True)
                pw._ids = array("I", ids)
                pw._weights = array("f", weights)
                pw._values = [v for v in values if v]
                pw._maxweight = max(0, max(weights))
                if lengths:
                    lens = [x for x in map(get_length, ids) if x]
                    pw._minlength = min(lens) if lens else None
                    pw._maxlength = max(lens, default=0)
            val = pw.finish_postings().to_bytes()
        rows.append(pack_lengths(len(key), len(val)))
        rows.append(key)
        rows.append(val)
        offsets.append(pos)
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
        buckets[h & 255].append((h, pos))
        pos += _ROW_HEADER + len(key) + len(val)
    if dbfile.tell() != start:  # pragma: no cover - nothing else writes the term table
        raise RuntimeError("term table written behind our back")
    dbfile.write(b"".join(rows))
    index = tindex.index
    if offsets and isinstance(index.array, array) \
            and offsets[-1] >= _ARRAY_LIMITS.get(index.array.typecode, 0):
        index._retype(offsets[-1])
    index.array.extend(offsets)
    tindex.lastkey = key
    fw.finish_field()
