"""Fixtures of the ingest tests: the samples folder and the shared corpora (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


def shared_dir() -> Path:
    """``$NEWSEARCH_SHARED``, else the ``shared/`` folder beside the repository checkout."""
    env = os.environ.get("NEWSEARCH_SHARED")
    return Path(env) if env else REPO / ".." / "shared"


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared folder {path} is absent")
    return path


@pytest.fixture
def samples() -> Path:
    return SAMPLES
