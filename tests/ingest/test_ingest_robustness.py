"""Any bytes give articles or an IngestError with a declared reason, never another exception."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsearch.ingest import SKIP_REASONS, IngestError, read_articles

PREFIXES = [b"", b"{", b"[", b"<html>", b"<!DOCTYPE lewis>\n<REUTERS>", b" date 2022-08-18 x\n",
            b"\x1f\x8b", b"Title\n\n", b"\xff\xfe", b"\xef\xbb\xbf"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES), data=st.binary(max_size=400),
       text=st.text(max_size=300), compress=st.booleans())
def test_never_crashes(tmp_path: Path, prefix: bytes, data: bytes, text: str,
                       compress: bool) -> None:
    payload = prefix + text.encode("utf-8", "surrogatepass") + data
    if compress:
        payload = gzip.compress(payload)
    path = tmp_path / "fuzz.txt"
    path.write_bytes(payload)
    try:
        articles = read_articles(path, max_bytes=4096)
    except IngestError as exc:
        assert exc.reason in SKIP_REASONS
        return
    assert articles
    for article in articles:
        assert article.title or article.body
        assert article.date_source in ("header", "relative", "metadata", "body", "none")
