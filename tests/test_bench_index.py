"""benchmarks/bench_index.py: the segment layout it reports is the index's own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_index import tantivy_segments  # noqa: E402
from newsearch.indexer import update_index  # noqa: E402

SAMPLES = ROOT / "samples"


@pytest.mark.parametrize("batch", [5, 1000])
def test_reports_the_documents_of_each_tantivy_segment(tmp_path: Path, batch: int) -> None:
    summary = update_index([SAMPLES], tmp_path / "t", engine="tantivy", batch_size=batch,
                           jobs=1)
    segments = tantivy_segments(tmp_path / "t")
    assert segments and sum(segments) == summary.articles > 10
    # One indexing thread, one segment per commit: one commit, one segment.
    if batch == 1000:
        assert len(segments) == 1
    else:
        assert len(segments) > 1


def test_whoosh_has_no_tantivy_segments(tmp_path: Path) -> None:
    update_index([SAMPLES], tmp_path / "w", engine="whoosh", jobs=1)
    assert tantivy_segments(tmp_path / "w") is None
