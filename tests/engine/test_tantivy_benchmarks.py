"""The benchmark harness on a tiny corpus: deterministic, readable by our ingest, and the raw
tantivy reference and the tantivy engine answer the whole query mix."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

pytest.importorskip("tantivy")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import gen_corpus, raw_tantivy  # noqa: E402
from benchmarks.queries import query_mix  # noqa: E402
from newsearch.engine import open_engine, open_writer  # noqa: E402
from newsearch.ingest import read_articles  # noqa: E402
from newsearch.search import SearchRequest, search  # noqa: E402

N = 120


def digest(folder: Path) -> str:
    h = hashlib.sha1()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
            h.update(str(path.stat().st_mtime_ns).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    counts = gen_corpus.write_corpus(out, N)
    assert counts["json"] + counts["pages"] == N
    return out


def test_corpus_is_deterministic(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    gen_corpus.write_corpus(again, N)
    assert digest(again) == digest(corpus)
    other = tmp_path / "other"
    gen_corpus.write_corpus(other, N, seed=gen_corpus.SEED + 1)
    assert digest(other) != digest(corpus)


def test_ingest_reads_every_generated_article(corpus: Path) -> None:
    articles = [a for path in sorted(corpus.rglob("*")) if path.is_file()
                for a in read_articles(path)]
    assert len(articles) == N
    dated = [a for a in articles if a.published]
    assert len(dated) == N
    assert all(300 <= len(a.body.split()) for a in articles)
    assert all(3 <= len(a.people) + len(a.places) + len(a.orgs) for a in articles
               if a.format == "json")


def test_query_mix_runs_on_raw_tantivy_and_the_engine(corpus: Path, tmp_path: Path) -> None:
    assert raw_tantivy.build(corpus, tmp_path / "raw") == N
    raw = raw_tantivy.RawSearcher(tmp_path / "raw")
    articles = [a for path in sorted(corpus.rglob("*")) if path.is_file()
                for a in read_articles(path)]
    with open_writer(tmp_path / "tantivy", engine="tantivy") as writer:
        writer.add(articles)
        writer.commit()
    with open_engine(tmp_path / "tantivy") as engine:
        totals = {}
        for name, _, request in query_mix():
            got = raw.search(request)
            ours = search(engine, SearchRequest(**request))
            totals[name] = (got["total"], ours.total)
        # Browsing counts every article once (ours collapses the generated duplicates).
        assert totals["browse"][0] == N and 0 < totals["browse"][1] <= N
        assert totals["the"][1] > N // 2
        assert totals["rank1"][0] > 0 and totals["rank1"][1] > 0
