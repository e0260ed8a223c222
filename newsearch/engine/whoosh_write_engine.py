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

import heapq
from array import array
from collections.abc import Iterable
from hashlib import md5
from operator import itemgetter
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
            _write_field(fw, fieldname, schema[fieldname],
                         ((tb, terms[tb]) for tb in sorted(terms)),
                         stored_lengths(lengths.get(fieldname, {})))


def merged_lengths(reader, basedoc: int, docmap: dict[int, int] | None, schema,  # noqa: ANN001
                   lengths: dict[str, dict[int, int]]) -> None:
    """Record the scorable fields' lengths of a segment being merged (``reader``, its live
    documents renumbered from ``basedoc`` or by ``docmap``) into ``lengths``."""
    live = list(reader.all_doc_ids())
    new = [basedoc + d for d in live] if docmap is None else [docmap[d] for d in live]
    for fieldname in reader.indexed_field_names():
        if fieldname not in schema or not schema[fieldname].scorable:
            continue
        got = lengths.setdefault(fieldname, {})
        length = reader.doc_field_length
        for d, nd in zip(live, new, strict=True):
            n = length(d, fieldname, 0)
            if n:
                got[nd] = n


def merge_postings(fw, schema, sources: list, lengths: dict[str, dict[int, int]]) -> None:  # noqa: ANN001
    """Write the postings of the segments being merged, streamed term by term: ``sources``
    are ``(reader, basedoc, docmap)`` in document order (``docmap``: old -> new docnum of
    the live documents when the segment has deletions, else None: ``basedoc + docnum``).
    Only the terms of one field of each segment are held at a time."""
    fields_ = sorted({f for reader, _, _ in sources for f in reader.indexed_field_names()
                      if f in schema})
    for fieldname in fields_:
        fieldobj = schema[fieldname]
        streams = [_segment_terms(reader, fieldname, fieldobj.format, i)
                   for i, (reader, _, _) in enumerate(sources)]
        _write_field(fw, fieldname, fieldobj,
                     _merged_terms(heapq.merge(*streams, key=itemgetter(0)), sources,
                                   fieldobj.format),
                     stored_lengths(lengths.get(fieldname, {})))


def _segment_terms(reader, fieldname: str, fmt, index: int):  # noqa: ANN001, ANN202
    """``(term bytes, source index, term info)`` of one field of a segment, in term order."""
    terms = reader._terms
    if fieldname not in terms.indexed_field_names():
        return
    for (fname, tb), terminfo in terms.items_from(fieldname, b""):
        if fname != fieldname:
            return
        yield tb, index, terminfo


def _merged_terms(items, sources: list, fmt):  # noqa: ANN001, ANN202
    """Group the merged term stream: ``(term bytes, postings)`` with renumbered documents."""
    current: bytes | None = None
    plist: list[Posting] = []
    for tb, index, terminfo in items:
        if tb != current:
            if plist:
                yield current, plist
            current, plist = tb, []
        reader, basedoc, docmap = sources[index]
        for ids, weights, values in _blocks(reader, terminfo, fmt):
            if not values:
                values = (b"",) * len(ids)
            elif len(values) != len(ids):  # pragma: no cover - a corrupt segment
                raise ValueError(f"term {tb!r}: {len(ids)} postings, {len(values)} values")
            if docmap is None:
                plist.extend(zip([basedoc + d for d in ids], weights,
                                 [v or b"" for v in values], strict=True))
            else:
                for d, w, v in zip(ids, weights, values, strict=True):
                    nd = docmap.get(d)
                    if nd is not None:
                        plist.append((nd, w, v or b""))
    if plist:
        yield current, plist


def _blocks(reader, terminfo, fmt):  # noqa: ANN001, ANN202
    """``(ids, weights, values)`` of each posting block of a term (one for an inlined list)."""
    if terminfo.is_inlined():
        yield terminfo.inlined_postings()
        return
    offset, length = terminfo.extent()
    m = whoosh3.W3LeafMatcher(reader._terms._postfile, offset, length, fmt)
    while m.is_active():
        m._read_ids()
        m._read_weights()
        m._read_values()
        yield m._ids, m._weights, m._values
        m._next_block()


def _write_field(fw, fieldname: str, fieldobj, items: Iterable[tuple[bytes, list[Posting]]],  # noqa: ANN001, E501
                 lengths: dict[int, int]) -> None:
    fw.start_field(fieldname, fieldobj)
    pw = fw._postwriter
    if pw._byteids:  # pragma: no cover - another codec set-up: Whoosh's own way
        for tb, plist in items:
            fw.start_term(tb)
            for docnum, weight, vbytes in plist:
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
    for tb, plist in items:
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
