"""benchmarks/bench_parse.py: the per-process parsing benchmark runs the real pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_parse  # noqa: E402
from newsearch.pipeline import process_file  # noqa: E402

SAMPLES = ROOT / "samples"


def test_counts_the_articles_the_pipeline_reads() -> None:
    files = sorted(str(p) for p in SAMPLES.rglob("*") if p.is_file())
    expected = sum(len(process_file(f).articles) for f in files)
    assert expected > 10
    for engine in ("", "tantivy", "whoosh"):
        result = bench_parse.run(files, engine, repeat=1)
        assert result["articles"] == expected
        assert result["cpu_ms_per_article"] > 0
        assert result["engine"] == (engine or "none")
