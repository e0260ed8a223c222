"""Evaluate the entity extractor on the NER gold corpora of ../shared (CoNLL-2003 testa, MEANTIME).

For each corpus: ``conll_docs.py`` (the shared tool) turns the gold file into JSON Lines articles
plus per-document gold entity sets; every article goes through ``extract_entities``; the
predictions are scored by the shared ``ner_score.py`` (per-document sets of distinct people,
places and organisations) and the extraction speed is measured.

usage: python benchmarks/eval_entities.py [--corpus testa|meantime-outer|meantime-inner|
       meantime-union|all] [--out DIR] [--repeat N] [--errors] [--speed N] [--ablate]
       [--canonical]

MEANTIME comes in two gold layers over the same text (outer = maximal extent, inner = embedded
names); ``meantime-union`` scores against the union of both layers, which is what a
document-level facet should show (SOURCE.md suggests it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newsearch.article import Article  # noqa: E402
from newsearch.entities import extract_entities, extractor  # noqa: E402
from newsearch.entities.lexicon import key, lexicon  # noqa: E402


def shared_dir() -> Path:
    env = os.environ.get("NEWSEARCH_SHARED")
    return Path(env) if env else REPO.parent / "shared"


CORPORA = {
    "testa": ("conll2003/eng.testa", []),
    "meantime-outer": ("meantime_wikinews_ner/wikinews-outer-gold.conll", ["--iob2", "--tab"]),
    "meantime-inner": ("meantime_wikinews_ner/wikinews-inner-gold.conll", ["--iob2", "--tab"]),
}


def prepare(name: str, out: Path) -> tuple[Path, Path]:
    """Articles and gold for one corpus (the union corpus merges the two MEANTIME layers)."""
    shared = shared_dir()
    tool = shared / "tools" / "conll_docs.py"
    if name == "meantime-union":
        arts, outer = prepare("meantime-outer", out)
        _, inner = prepare("meantime-inner", out)
        gold_o, gold_i = json.loads(outer.read_text()), json.loads(inner.read_text())
        union = [
            {t: sorted(set(o[t]) | set(i[t])) for t in ("PER", "LOC", "ORG")}
            for o, i in zip(gold_o, gold_i, strict=True)
        ]
        gold = out / "meantime-union_gold.json"
        gold.write_text(json.dumps(union))
        return arts, gold
    rel, flags = CORPORA[name]
    arts, gold = out / f"{name}.jsonl", out / f"{name}_gold.json"
    subprocess.run(
        [sys.executable, str(tool), str(shared / "corpora" / rel), str(arts), str(gold), *flags],
        check=True,
        capture_output=True,
    )
    return arts, gold


def read_articles(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def predict(records: list[dict], path: Path) -> list[Article]:
    articles = []
    for record in records:
        article = Article(path=str(path), format="json", title=record.get("title", ""),
                          body=record.get("text", ""), position=len(articles))
        extract_entities(article)
        articles.append(article)
    return articles


_FULL_ORGS: dict[str, dict[str, str]] = {}


def ablate(gold: Path) -> int:
    """Remove from our own organisation list every name the gold data mention (any type).

    Shows how much a figure leans on names we listed: what is left is found by the rules.
    Returns how many list entries were removed. (Changes the lexicon of this process.)
    """
    names = {key(n) for doc in json.loads(gold.read_text()) for ns in doc.values() for n in ns}
    lex = lexicon()
    # each corpus is ablated against the full list (not what an earlier corpus left of it)
    _FULL_ORGS.setdefault("orgs", dict(lex.orgs))
    lex.orgs.clear()
    lex.orgs.update(_FULL_ORGS["orgs"])
    gone = [k for k in lex.orgs if k in names]
    for k in gone:
        del lex.orgs[k]
    clear_caches()
    return len(gone)


def score(gold: Path, pred: Path) -> str:
    tool = shared_dir() / "tools" / "ner_score.py"
    done = subprocess.run([sys.executable, str(tool), str(gold), str(pred)],
                          check=True, capture_output=True, text=True)
    return done.stdout.strip()


def clear_caches() -> None:
    """Forget the per-name caches, so that a pass pays for every name once."""
    extractor._pieces.cache_clear()
    extractor._typed.cache_clear()
    extractor._analyse.cache_clear()
    extractor._value_key.cache_clear()
    key.cache_clear()


def speed(records: list[dict], path: Path, repeat: int) -> tuple[float, float, float]:
    """Articles per CPU second of ``extract_entities`` and words per article.

    Returns (cold, warm, words): *cold* is the best of ``repeat`` passes that each start with
    empty name caches (every distinct capitalised run is analysed once per pass: the first
    articles of a worker process); *warm* is one more pass with the caches the last pass
    filled (a long indexing run, where names repeat). CPU time of this process, not wall
    time: the machines are shared and noisy.
    """
    lexicon()  # built once per process, not part of the per-article cost
    words = sum(len((r.get("title", "") + " " + r.get("text", "")).split()) for r in records)

    def one_pass() -> float:
        articles = [Article(path=str(path), format="json", title=r.get("title", ""),
                            body=r.get("text", ""), position=i) for i, r in enumerate(records)]
        start = time.process_time()
        for article in articles:
            extract_entities(article)
        return len(records) / max(time.process_time() - start, 1e-9)

    cold = 0.0
    for _ in range(max(1, repeat)):
        clear_caches()
        cold = max(cold, one_pass())
    warm = one_pass()
    return cold, warm, words / len(records)


def bbc_records(limit: int) -> list[dict]:
    """Plain prose for the speed figure: the BBC articles (title line, then body)."""
    records = []
    for file in sorted((shared_dir() / "corpora" / "bbc-news").glob("*/*.txt"))[:limit]:
        title, _, body = file.read_text(encoding="latin-1").partition("\n")
        records.append({"title": title.strip(), "text": body.strip()})
    return records


def errors(records: list[dict], gold_path: Path, articles: list[Article]) -> None:
    """Print false positives and misses per document (for development)."""
    sys.path.insert(0, str(shared_dir() / "tools"))
    from ner_score import contains, norm  # type: ignore[import-not-found]

    gold = json.loads(gold_path.read_text())
    keys = {"PER": "people", "LOC": "places", "ORG": "orgs"}
    for record, g, article in zip(records, gold, articles, strict=True):
        lines = []
        for t, attr in keys.items():
            gs = {norm(x) for x in g[t]} - {""}
            ps = {norm(x) for x in getattr(article, attr)} - {""}
            fp = [y for y in ps if not any(x == y or contains(y, x) or contains(x, y) for x in gs)]
            fn = [x for x in gs if not any(x == y or contains(y, x) for y in ps)]
            if fp or fn:
                lines.append(f"  {t}: FP {sorted(fp)}  FN {sorted(fn)}")
        if lines:
            print(f"# {record['id']}: {record['title'][:70]}")
            print("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="all",
                        choices=["all", "testa", "meantime-outer", "meantime-inner",
                                 "meantime-union"])
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    parser.add_argument("--repeat", type=int, default=3, help="passes for the speed figure")
    parser.add_argument("--errors", action="store_true", help="print errors per document")
    parser.add_argument("--ablate", action="store_true",
                        help="first remove from our organisation list the names the gold uses")
    parser.add_argument("--canonical", action="store_true",
                        help="show aliases in their canonical form (United States for U.S.)")
    parser.add_argument("--speed", type=int, default=1000, metavar="N",
                        help="also time N BBC articles (0: skip)")
    args = parser.parse_args()
    if not (shared_dir() / "tools" / "ner_score.py").exists():
        print(f"shared folder not found at {shared_dir()} (set NEWSEARCH_SHARED)")
        return 2
    extractor.CANONICAL_ALIASES = args.canonical
    names = (["testa", "meantime-outer", "meantime-inner", "meantime-union"]
             if args.corpus == "all" else [args.corpus])
    out = args.out or Path(tempfile.mkdtemp(prefix="eval-entities-"))
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        arts, gold = prepare(name, out)
        records = read_articles(arts)
        if args.ablate:
            print(f"(ablation: {ablate(gold)} names of our organisation list that the gold "
                  "mentions are removed)")
        articles = predict(records, arts)
        pred = out / f"{name}_pred.jsonl"
        with pred.open("w", encoding="utf-8") as handle:
            for article in articles:
                handle.write(json.dumps(article.to_json()) + "\n")
        if args.errors:
            errors(records, gold, articles)
        rate, warm, words = speed(records, arts, args.repeat)
        print(f"== {name}: {len(records)} documents, {words:.0f} words/doc, "
              f"{rate:,.0f} articles/s cold, {warm:,.0f} warm (one core)")
        print(score(gold, pred))
    if args.speed:
        records = bbc_records(args.speed)
        if records:
            rate, warm, words = speed(records, Path("bbc"), args.repeat)
            for what, r in (("cold caches", rate), ("warm caches", warm)):
                print(f"== speed on {len(records)} BBC articles ({words:.0f} words each), "
                      f"{what}: {r:,.0f} articles/s, {r * words:,.0f} words/s, about "
                      f"{r * words / 500:,.0f} articles/s at 500 words (one core, CPU time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
