"""Shared helpers for the language-server tests: documents with a cursor marker, snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from migc.lsp.snapshot import Snapshot, analyze

HERE = Path(__file__).resolve().parent
SAMPLE = (HERE / "sample.mig").read_text(encoding="utf-8")
CURSOR = "‸"


def cut(text: str) -> tuple[str, int]:
    """The text without its cursor marker, and the marker's offset."""
    offset = text.index(CURSOR)
    return text[:offset] + text[offset + 1 :], offset


def snapshot_of(directory: Path, text: str, name: str = "doc.mig") -> Snapshot:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return analyze(path.as_uri(), 1, text)


def position(snapshot: Snapshot, needle: str, *, after: str = "", delta: int = 0) -> types.Position:
    """The position of `needle` (searched after `after`), moved `delta` characters into it."""
    start = snapshot.text.index(after) if after else 0
    return snapshot.lines.position(snapshot.text.index(needle, start) + delta)


@pytest.fixture
def sample(tmp_path: Path) -> Snapshot:
    return snapshot_of(tmp_path, SAMPLE, "sample.mig")
