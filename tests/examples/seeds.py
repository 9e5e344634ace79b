"""Reads the object table of a seed scope page (tests/fixtures/seeds/*.txt, copies of the
consultancy's pages) into rows of (source label, target label, cardinality)."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
_ROW = re.compile(r"^\| (?P<source>[^|]+?) \| (?P<target>[^|]*?)(?P<card>1:1|1:many|lossy) \|")


class SeedRow(msgspec.Struct, frozen=True, order=True):
    source: str
    target: str
    cardinality: str


class Seed(msgspec.Struct, frozen=True):
    path: Path
    source: str
    target: str
    rows: tuple[SeedRow, ...]
    compatibility: tuple[int, int]


def read_seed(path: Path) -> Seed:
    lines = path.read_text(encoding="utf-8").splitlines()
    source = lines[lines.index("Source") - 1]
    target = lines[lines.index("Destination") - 1]
    rows = []
    for line in lines:
        match = _ROW.match(line)
        if match and match["source"] != source:
            rows.append(SeedRow(match["source"].strip(), match["target"].strip(), match["card"]))
    compat_line = lines[lines.index("Compatibility") + 1]
    one_to_one, total = (int(n) for n in re.findall(r"\d+", compat_line))
    return Seed(path, source, target, tuple(rows), (one_to_one, total))


def seeds() -> list[Seed]:
    return [read_seed(p) for p in sorted(SEEDS.glob("*.txt"))]
