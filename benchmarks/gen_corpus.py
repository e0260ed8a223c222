"""Deterministic synthetic news archive for the benchmarks (not part of the pipeline).

``python -m benchmarks.gen_corpus --n 10000 --out bench-data/corpus-10k`` writes N articles as
files our ingest reads: JSON Lines files of 1,000 articles each (``feeds/feed-0000.jsonl``) and,
for about 2% of the articles, scraped-page text files (``pages/page-00001.txt``) laid out like
``samples/scraped``. The same seed and N always give the same bytes.

What the articles look like:

- bodies of 300-900 words in paragraphs, drawn from a generated vocabulary of 40,000 words
  with a Zipf distribution, plus a few very common English words ("the", "of", "said"...);
  titles of 5-11 words;
- 3-8 entities each (people, places, organisations) from generated pools with a Zipf skew
  (a few entities are in thousands of articles), named in the body text as well;
- publication dates spread over ten years (2015-2024) with a time of day; a publisher,
  section, author and 0-3 tags; about 1% exact duplicates (the same story in another file).

The vocabulary and pools come from :func:`vocabulary` and :func:`pools`, which the query mix
(``benchmarks/queries.py``) uses too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

SEED = 20240601
VOCAB_SIZE = 40_000
COMMON = ["the", "of", "and", "to", "in", "a", "said", "on", "for", "that", "with", "was"]
COMMON_SHARE = 0.30
"""Share of body words taken from :data:`COMMON`."""
PER_FILE = 1000
PAGE_SHARE = 0.02
DUP_SHARE = 0.01
START = datetime(2015, 1, 1)
DAYS = 3652

_ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
           "z", "br", "cr", "dr", "gr", "pr", "tr", "st", "sh", "ch", "th", "pl", "kl", "sl"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "ee"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "rt", "st", "ck"]
PUBLISHERS = ["Harbor Gazette", "Meridian Wire", "The Northern Post", "Eastbank Tribune",
              "Capital Ledger", "Riverside Courier", "Global Dispatch", "Morning Chronicle",
              "Coastline Herald", "Summit Times", "Valley Observer", "Metro Bulletin"]
SECTIONS = ["World", "Business", "Politics", "Science", "Technology", "Sport", "Health",
            "Culture", "Local", "Environment"]
TAGS = ["elections", "trade", "climate", "energy", "health", "security", "markets", "tech",
        "transport", "education", "housing", "diplomacy", "weather", "sport", "culture"]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(syllables))


@lru_cache(maxsize=4)
def vocabulary(seed: int = SEED) -> tuple[str, ...]:
    """VOCAB_SIZE distinct generated words, most frequent first (shorter words rank higher)."""
    rng = random.Random(seed)
    words: list[str] = []
    seen = set(COMMON)
    while len(words) < VOCAB_SIZE:
        rank = len(words)
        syllables = 1 if rank < 300 else 2 if rank < 8000 else 3
        word = _word(rng, syllables)
        if word not in seen and 3 <= len(word) <= 14:
            seen.add(word)
            words.append(word)
    return tuple(words)


@lru_cache(maxsize=4)
def pools(seed: int = SEED) -> dict[str, tuple[str, ...]]:
    """Entity pools: 5,000 people, 1,500 places, 3,000 organisations (most frequent first)."""
    rng = random.Random(seed + 1)

    def name() -> str:
        return _word(rng, rng.choice((1, 2))).capitalize()

    def unique(make, n: int) -> tuple[str, ...]:  # noqa: ANN001
        out: list[str] = []
        seen: set[str] = set()
        while len(out) < n:
            value = make()
            if value.lower() not in seen:
                seen.add(value.lower())
                out.append(value)
        return tuple(out)

    suffixes = ["Group", "Holdings", "Energy", "Bank", "Ministry", "Council", "Institute",
                "Motors", "Health", "Labs", "Union", "Partners"]
    return {
        "people": unique(lambda: f"{name()} {name()}", 5000),
        "places": unique(lambda: name() + rng.choice(["", "", "burg", "ia", "ton", "port"]),
                         1500),
        "orgs": unique(lambda: f"{name()} {rng.choice(suffixes)}", 3000),
    }


def _zipf_weights(n: int, s: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** s
    return weights / weights.sum()


def generate(n: int, seed: int = SEED):  # noqa: ANN201 - yields dicts
    """The N article records, in order (JSON-ready dicts; ``kind`` says json or page)."""
    vocab = np.array(vocabulary(seed), dtype=object)
    common = np.array(COMMON, dtype=object)
    people, places, orgs = (np.array(p, dtype=object) for p in pools(seed).values())
    rng = np.random.default_rng(seed)
    word_cdf = np.cumsum(_zipf_weights(len(vocab), 1.07))
    word_cdf[-1] = 1.0

    def draw(size: int) -> np.ndarray:
        return np.minimum(np.searchsorted(word_cdf, rng.random(size)), len(vocab) - 1)

    pools_p = {k: _zipf_weights(len(v), 0.9) for k, v in
               (("people", people), ("places", places), ("orgs", orgs))}
    authors = [f"{w.capitalize()} {v.capitalize()}" for w, v in
               zip(vocab[1000:1300], vocab[2000:2300], strict=True)]
    made: list[dict] = []
    for i in range(n):
        if made and rng.random() < DUP_SHARE:
            copy = dict(made[int(rng.integers(0, len(made)))])
            copy["url"] = f"https://news.example/{i:07d}"
            made.append(copy)
            yield copy
            continue
        length = int(rng.integers(300, 901))
        words = vocab[draw(length)]
        mask = rng.random(length) < COMMON_SHARE
        words[mask] = common[rng.integers(0, len(common), size=int(mask.sum()))]
        n_ent = int(rng.integers(3, 9))
        split = rng.multinomial(n_ent, [0.45, 0.3, 0.25])
        ents = {}
        for (key, pool), k in zip((("people", people), ("places", places), ("orgs", orgs)),
                                  split, strict=True):
            picks = rng.choice(len(pool), size=int(k), p=pools_p[key], replace=False) \
                if k else []
            ents[key] = [str(pool[j]) for j in picks]
        # Name the entities in the text, and cut it into paragraphs.
        tokens = [str(w) for w in words]
        for value in ents["people"] + ents["places"] + ents["orgs"]:
            tokens.insert(int(rng.integers(0, len(tokens))), value)
        paragraphs = []
        pos = 0
        while pos < len(tokens):
            size = int(rng.integers(40, 110))
            chunk = tokens[pos:pos + size]
            pos += size
            paragraphs.append(" ".join(chunk).capitalize() + ".")
        title_words = [str(w) for w in vocab[draw(int(rng.integers(5, 12)))]]
        if ents["people"] and rng.random() < 0.5:
            title_words.insert(0, ents["people"][0])
        moment = START + timedelta(days=int(rng.integers(0, DAYS)),
                                   seconds=int(rng.integers(0, 86400)))
        record = {
            "kind": "page" if rng.random() < PAGE_SHARE else "json",
            "title": " ".join(title_words).capitalize(),
            "maintext": "\n\n".join(paragraphs),
            "date_publish": moment.strftime("%Y-%m-%dT%H:%M:%S"),
            "authors": [authors[int(rng.integers(0, len(authors)))]],
            "publisher": PUBLISHERS[int(rng.integers(0, len(PUBLISHERS)))],
            "section": SECTIONS[int(rng.integers(0, len(SECTIONS)))],
            "tags": [TAGS[j] for j in rng.choice(len(TAGS), size=int(rng.integers(0, 4)),
                                                 replace=False)],
            "people": ents["people"],
            "places": ents["places"],
            "orgs": ents["orgs"],
            "url": f"https://news.example/{i:07d}",
        }
        made.append(record)
        yield record


def scraped_page(record: dict) -> str:
    """A record as a scraped news page, laid out like the files in ``samples/scraped``."""
    day = record["date_publish"][:10]
    lines = [f" date {day} ContributorsPublishersAdvertisers", record["section"], "",
             record["title"], "", f"By {record['authors'][0]}", record["publisher"],
             record["publisher"], "  Just now", ""]
    lines += [p + "\n" for p in record["maintext"].split("\n\n")]
    lines += ["Comments / 0", "", "RELATED PEOPLE"]
    for person in record["people"]:
        lines += ["Person", person]
    lines += ["IN THIS ARTICLE", "".join(f"#{t.capitalize()}" for t in record["tags"]) or "#News"]
    lines += ["YOU MAY ALSO LIKE"]
    for place in record["places"]:
        lines += ["Place", place]
    lines += [record["publisher"], "", "ABOUT", ""]
    return "\n".join(lines)


def write_corpus(out: Path, n: int, seed: int = SEED) -> dict[str, int]:
    """Write the archive under ``out`` (emptied first); returns counts."""
    feeds, pages = out / "feeds", out / "pages"
    for folder in (feeds, pages):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    counts = {"articles": n, "json": 0, "pages": 0, "files": 0}
    batch: list[str] = []
    file_no = 0

    def flush() -> None:
        nonlocal batch, file_no
        if batch:
            (feeds / f"feed-{file_no:04d}.jsonl").write_text("\n".join(batch) + "\n", "utf-8")
            file_no += 1
            counts["files"] += 1
            batch = []

    for record in generate(n, seed):
        kind = record.get("kind")
        body = {k: v for k, v in record.items() if k != "kind"}
        if kind == "page":
            counts["pages"] += 1
            counts["files"] += 1
            name = pages / f"page-{counts['pages']:05d}.txt"
            name.write_text(scraped_page(body), "utf-8")
        else:
            counts["json"] += 1
            batch.append(json.dumps(body, ensure_ascii=False))
            if len(batch) == PER_FILE:
                flush()
    flush()
    # Fixed modification times: signatures (size:mtime) are the same on every run.
    for path in sorted(out.rglob("*")):
        if path.is_file():
            os.utime(path, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of articles")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = args.out or Path("bench-data") / f"corpus-{args.n}"
    started = time.perf_counter()
    counts = write_corpus(out, args.n, args.seed)
    print(json.dumps({**counts, "out": str(out),
                      "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
