"""The reference: the benchmark corpus indexed and queried with tantivy-py directly.

The simplest honest use of tantivy for the same job, with none of newsearch around it: the JSON
Lines records are indexed as they are (scraped pages as plain text), and a query is tantivy's
own query parser (AND by default, title boosted) plus term filters, top 10 by relevance or
date, each hit's stored title and a body snippet from tantivy's ``SnippetGenerator``, and one
aggregation request for the facet counts (seven entity/metadata facets, top 10 each) and the
monthly timeline. newsearch's tantivy engine is measured against this in the same run.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tantivy

FACETS = ("people", "places", "orgs", "tags", "publisher", "section", "authors")


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    for name in FACETS + ("year", "month"):
        sb.add_text_field(name, tokenizer_name="raw", fast=True)
    sb.add_integer_field("day", indexed=True, fast=True)
    sb.add_integer_field("ts", fast=True)
    return sb.build()


def _records(corpus: Path):  # noqa: ANN202 - yields dicts
    for path in sorted(corpus.rglob("*")):
        if path.suffix == ".jsonl":
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)
        elif path.suffix == ".txt":
            yield {"title": "", "maintext": path.read_text("utf-8")}


def _doc(rec: dict[str, Any]) -> tantivy.Document:
    fields: dict[str, Any] = {"title": rec.get("title", ""), "body": rec.get("maintext", "")}
    for name in FACETS:
        value = rec.get(name) or []
        fields[name] = [value] if isinstance(value, str) else value
    published = rec.get("date_publish")
    if published:
        moment = datetime.fromisoformat(published)
        day = moment.year * 10000 + moment.month * 100 + moment.day
        fields["day"] = day
        fields["ts"] = int(moment.strftime("%Y%m%d%H%M%S"))
        fields["year"] = f"{moment.year:04d}"
        fields["month"] = f"{moment.year:04d}-{moment.month:02d}"
    return tantivy.Document(**fields)


def build(corpus: Path, index_dir: Path) -> int:
    """Index every record under ``corpus`` into a new index at ``index_dir``."""
    index_dir.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema(), path=str(index_dir), reuse=False)
    writer = index.writer(heap_size=256_000_000)
    count = 0
    for rec in _records(corpus):
        writer.add_document(_doc(rec))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


class RawSearcher:
    """Runs the benchmark's request dicts on the reference index."""

    def __init__(self, index_dir: Path) -> None:
        self.index = tantivy.Index.open(str(index_dir))
        self.searcher = self.index.searcher()
        self.schema = self.index.schema

    def _query(self, req: dict[str, Any]) -> tantivy.Query:
        q = req.get("q", "").strip()
        Q, Occur = tantivy.Query, tantivy.Occur
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if q.startswith("person:"):
            clauses.append((Occur.Must, Q.term_query(self.schema, "people", q[7:].strip('"'))))
        elif q:
            clauses.append((Occur.Must, self.index.parse_query(
                q, ["title", "body"], field_boosts={"title": 2.5},
                conjunction_by_default=True)))
        else:
            clauses.append((Occur.Must, Q.all_query()))
        for name, values in req.get("include", {}).items():
            terms = [(Occur.Should, Q.term_query(self.schema, name, v)) for v in values]
            clauses.append((Occur.Must, Q.boolean_query(terms)))
        for name, values in req.get("exclude", {}).items():
            for v in values:
                clauses.append((Occur.MustNot, Q.term_query(self.schema, name, v)))
        start, end = req.get("date_from"), req.get("date_to")
        if start or end:
            def num(d: date) -> int:
                return d.year * 10000 + d.month * 100 + d.day

            clauses.append((Occur.Must, Q.range_query(
                self.schema, "day", tantivy.FieldType.Integer,
                num(start) if start else 0, num(end) if end else 99991231)))
        return clauses[0][1] if len(clauses) == 1 else Q.boolean_query(clauses)

    def search(self, req: dict[str, Any]) -> dict[str, Any]:
        query = self._query(req)
        size = req.get("size", 10)
        offset = (req.get("page", 1) - 1) * size
        q = req.get("q", "").strip()
        if req.get("sort") == "newest" or not q:
            result = self.searcher.search(query, size, offset=offset, order_by_field="ts",
                                          order=tantivy.Order.Desc)
        else:
            result = self.searcher.search(query, size, offset=offset)
        snippets = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        hits = []
        for _, address in result.hits:
            doc = self.searcher.doc(address)
            hits.append((doc.get_first("title"), snippets.snippet_from_doc(doc).to_html()))
        aggs: dict[str, Any] = {name: {"terms": {"field": name, "size": 10}} for name in FACETS}
        aggs["month"] = {"terms": {"field": "month", "size": 2000}}
        aggs["first"] = {"min": {"field": "day"}}
        aggs["last"] = {"max": {"field": "day"}}
        facets = self.searcher.aggregate(query, aggs)
        return {"total": result.count, "hits": hits, "facets": facets}
