"""Shared fixtures: the repository root and the golden-case directories."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
