"""The settings table in docs/settings.md is the one generated from newsearch.settings."""

from __future__ import annotations

from pathlib import Path

from newsearch.settings import settings_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_settings_doc_is_up_to_date() -> None:
    text = (DOCS / "settings.md").read_text("utf-8")
    start = text.index("<!-- settings table: generated, do not edit by hand -->\n")
    end = text.index("<!-- end of settings table -->")
    table = text[start:end].split("\n", 1)[1]
    assert table == settings_markdown()
