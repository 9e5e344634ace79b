"""Shared helpers for the language-server tests: documents with a cursor marker, snapshots."""

from __future__ import annotations

import asyncio
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


# A ref chain: events land on the person's Contact, else their Lead.
CHAIN = """\
import eu_countries from "std/regions.mig"
migration chain {
  from customerio
  to freshsales
  consent gdpr for Person when country in eu_countries
}
create field contacts.cf_cio_id: string(64) unique label "Customer.io ID"
create field leads.cf_cio_id: string(64) unique label "Customer.io ID"
map Person -> contacts where email != null {
  key cf_cio_id <- cio_id
  email <- normalize_email(email)
  last_name <- last_name ?? "x"
}
map Person -> leads otherwise {
  key cf_cio_id <- cio_id
}
map Event -> notes {
  description <- json(data)
  targetable_id <- ref contacts by cf_cio_id = customer_id
    else ref leads by cf_cio_id = customer_id else quarantine
}
"""


@pytest.fixture
def chain(tmp_path: Path) -> Snapshot:
    return snapshot_of(tmp_path, CHAIN, "chain.mig")


# ---------------------------------------------------------------------------- end-to-end helpers

TIMEOUT = 30.0


async def wait_until(predicate, timeout: float = TIMEOUT) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.02)


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def at(text: str, needle: str, after: str = "", delta: int = 1) -> types.Position:
    offset = text.index(needle, text.index(after) if after else 0) + delta
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))
