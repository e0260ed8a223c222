"""Relevance of newsearch's default ranking on the TIME test collection, against plain BM25.

    .venv/bin/python benchmarks/eval_relevance.py [--engine whoosh|tantivy] [--shared PATH]

What it does:

1. Reads ``TIME.ALL`` (423 articles), ``TIME.QUE`` (83 queries) and ``TIME.REL`` (judgments)
   from ``../shared/corpora/time`` (or ``$NEWSEARCH_SHARED/corpora/time``).
2. Judged ids are 1-based positions in the 425-document numbering, not ``*TEXT`` numbers, and
   two documents are missing from TIME.ALL between positions 371 and 379: ids up to 370 are
   positions ``id``, ids from 380 are positions ``id - 2`` (see SOURCE.md). ``--check-mapping``
   re-derives this: for every judged pair above 355 it prints the rank of the candidate
   positions ``id``, ``id-1``, ``id-2`` under the reference BM25.
3. Writes the articles as a temporary JSON Lines archive (``date`` from the ``*TEXT`` header;
   the collection has no titles, so the title is ``TIME <number>`` from the header; with
   ``--title none`` there is none and newsearch makes one from the first sentence, as for any
   record without a title, which then counts twice with the title boost), indexes it with
   the real indexer (``newsearch.indexer.update_index``) and runs every query through the real
   ``newsearch.search.search()`` (so the AND -> OR fallback and the title boost are in play),
   paging until every hit is read.
4. The reference is plain BM25 (``bm25s``, k1=1.5, b=0.75) over the same text (each indexed
   article's title + body as newsearch stored them), with the same analysis
   (``newsearch.analysis.terms``: Unicode words, lower case, Snowball stems, no stop words);
   a second row gives BM25 with English stop words removed.

Queries are all upper case in the collection; they are lower-cased as a person would type
them (so an ``AND``, ``OR`` or ``NOT`` inside them is a word, not an operator) and quotes and
parentheses are dropped. Metrics are averaged over the queries that have judgments (79 of 83):
nDCG@10 (binary gains) and MAP (average precision over the whole ranking).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsearch.analysis import terms  # noqa: E402


def shared_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("NEWSEARCH_SHARED"):
        return Path(os.environ["NEWSEARCH_SHARED"])
    return ROOT.parent / "shared"


def read_time(folder: Path) -> tuple[list[dict], dict[int, str], dict[int, list[int]]]:
    raw = (folder / "TIME.ALL").read_text("ascii", "replace")
    docs = []
    for position, chunk in enumerate(re.split(r"^\*TEXT", raw, flags=re.M)[1:], start=1):
        header, _, text = chunk.partition("\n")
        m = re.search(r"(\d\d)/(\d\d)[/ ](\d\d)", header)
        day = f"19{m.group(3)}-{m.group(1)}-{m.group(2)}" if m else None
        text = " ".join(text.replace("*STOP", "").split())
        number = header.split()[0] if header.split() else str(position)
        docs.append({"position": position, "number": number, "date": day, "text": text})
    queries = {}
    for chunk in re.split(r"^\*FIND\s+", (folder / "TIME.QUE").read_text("ascii"),
                          flags=re.M)[1:]:
        number, _, text = chunk.partition("\n")
        queries[int(number)] = " ".join(text.replace("*STOP", "").split())
    judged: dict[int, list[int]] = {}
    for line in (folder / "TIME.REL").read_text("ascii").splitlines():
        parts = line.split()
        if len(parts) > 1:
            judged[int(parts[0])] = [judged_position(int(x)) for x in parts[1:]]
    return docs, queries, judged


def judged_position(doc_id: int) -> int:
    """TIME.REL id -> 1-based position in TIME.ALL (two documents are missing after 370)."""
    return doc_id if doc_id <= 370 else doc_id - 2


def user_query(text: str) -> str:
    return re.sub(r'["()]', " ", text.lower()).replace(" -", " ")


def ndcg_at(ranking: list[int], relevant: set[int], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranking[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def average_precision(ranking: list[int], relevant: set[int]) -> float:
    found, total = 0, 0.0
    for i, d in enumerate(ranking, start=1):
        if d in relevant:
            found += 1
            total += found / i
    return total / len(relevant) if relevant else 0.0


def evaluate(runs: dict[int, list[int]], judged: dict[int, list[int]]) -> tuple[float, float]:
    ndcg = [ndcg_at(runs.get(q, []), set(rel)) for q, rel in judged.items()]
    ap = [average_precision(runs.get(q, []), set(rel)) for q, rel in judged.items()]
    return sum(ndcg) / len(ndcg), sum(ap) / len(ap)


def bm25_runs(texts: dict[int, str], queries: dict[int, str], stopwords: set[str]
              ) -> dict[int, list[int]]:
    import bm25s
    import numpy as np

    positions = sorted(texts)
    corpus = [[t for t in terms(texts[p]) if t not in stopwords] for p in positions]
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(corpus, show_progress=False)
    vocab = retriever.vocab_dict
    runs = {}
    for qid, text in queries.items():
        words = [t for t in terms(user_query(text)) if t in vocab and t not in stopwords]
        if not words:
            runs[qid] = []
            continue
        scores = retriever.get_scores(words)
        order = np.argsort(-scores, kind="stable")
        runs[qid] = [positions[i] for i in order if scores[i] > 0]
    return runs


def newsearch_runs(engine, queries: dict[int, str]) -> tuple[dict[int, list[int]], int]:  # noqa: ANN001
    from newsearch.params import parse_search_params
    from newsearch.search import search
    from newsearch.settings import load_settings

    # One page holds the whole ranking (the collection has 423 articles).
    settings = load_settings({"max_page_size": 1000}, environ={})
    runs: dict[int, list[int]] = {}
    fallbacks = 0
    for qid, text in queries.items():
        request = parse_search_params({"q": [user_query(text)], "size": ["1000"],
                                       "facets": ["none"]}, settings)
        result = search(engine, request, settings=settings)
        fallbacks += result.fallback
        runs[qid] = [int(h.url.rsplit(":", 1)[1]) for h in result.hits]
    return runs, fallbacks


def check_mapping(docs: list[dict], queries: dict[int, str], folder: Path) -> None:
    texts = {d["position"]: d["text"] for d in docs}
    runs = bm25_runs(texts, queries, set())
    for line in (folder / "TIME.REL").read_text("ascii").splitlines():
        parts = [int(x) for x in line.split()]
        if len(parts) < 2:
            continue
        ranking = runs[parts[0]]
        for doc_id in parts[1:]:
            if doc_id > 355:
                ranks = [ranking.index(p) + 1 if p in ranking else None
                         for p in (doc_id, doc_id - 1, doc_id - 2)]
                print(f"query {parts[0]:2} id {doc_id}: rank as position id / id-1 / id-2: "
                      f"{ranks}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default="whoosh", choices=("whoosh", "tantivy"))
    parser.add_argument("--shared", help="the shared folder (default ../shared)")
    parser.add_argument("--check-mapping", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--title", default="header", choices=("header", "none"),
                        help="header: title 'TIME <number>' from the *TEXT header (default); "
                             "none: no title, so newsearch takes the first sentence")
    args = parser.parse_args(argv)

    folder = shared_dir(args.shared) / "corpora" / "time"
    if not (folder / "TIME.ALL").exists():
        print(f"no TIME collection at {folder}", file=sys.stderr)
        return 2
    docs, queries, judged = read_time(folder)
    if args.check_mapping:
        check_mapping(docs, queries, folder)
        return 0

    from newsearch.engine import open_engine
    from newsearch.indexer import update_index

    with tempfile.TemporaryDirectory(prefix="newsearch-time-") as tmp:
        archive = Path(tmp) / "archive"
        archive.mkdir()
        with (archive / "time.jsonl").open("w", encoding="utf-8") as out:
            for d in docs:
                record = {"text": d["text"], "date": d["date"],
                          "url": f"time:{d['position']}", "publisher": "TIME"}
                if args.title == "header":
                    record["title"] = f"TIME {d['number']}"
                out.write(json.dumps(record) + "\n")
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        update_index([archive], index_dir, engine=args.engine)
        index_seconds = time.perf_counter() - started
        with open_engine(index_dir) as engine:
            started = time.perf_counter()
            ours, fallbacks = newsearch_runs(engine, queries)
            query_seconds = time.perf_counter() - started
            stored = _stored_texts(engine)
    stop = _stopwords(folder)
    reference = bm25_runs(stored, queries, set())
    reference_stop = bm25_runs(stored, queries, stop)
    rows = {
        f"newsearch search() ({args.engine})": evaluate(ours, judged),
        "BM25 (bm25s), same text and analysis": evaluate(reference, judged),
        "BM25 (bm25s), same + TIME stop words removed": evaluate(reference_stop, judged),
    }
    if args.json:
        print(json.dumps({k: {"ndcg@10": v[0], "map": v[1]} for k, v in rows.items()}))
    else:
        print(f"TIME: {len(docs)} articles ({len(stored)} found back in the index), "
              f"{len(queries)} queries, {len(judged)} with judgments")
        print(f"indexed in {index_seconds:.1f} s; {len(queries)} searches in "
              f"{query_seconds:.1f} s; AND->OR fallback used for {fallbacks} queries")
        print(f"{'system':48} {'nDCG@10':>8} {'MAP':>8}")
        for name, (ndcg, map_) in rows.items():
            print(f"{name:48} {ndcg:8.4f} {map_:8.4f}")
    return 0


def _stored_texts(engine) -> dict[int, str]:  # noqa: ANN001
    """Position -> title + body of every article as the index stored it."""
    from newsearch.engine import EngineQuery

    result = engine.search(EngineQuery(limit=10_000, collapse=False, sort="oldest"))
    return {int(h.article.url.rsplit(":", 1)[1]): f"{h.article.title} {h.article.body}"
            for h in result.hits}


def _stopwords(folder: Path) -> set[str]:
    words = (folder / "TIME.STP").read_text("ascii", "replace").split()
    return {t for w in words for t in terms(w)}


if __name__ == "__main__":
    raise SystemExit(main())
