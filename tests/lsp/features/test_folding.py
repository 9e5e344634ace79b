"""Folding ranges for blocks, comment runs and imports."""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.features.folding import folding_ranges

from ..conftest import snapshot_of


def test_blocks_comments_and_imports_fold(tmp_path):
    text = (
        'import "std/regions.mig"\nimport eu_countries from "std/regions.mig"\n'
        "# first\n# second\n# third\n"
        "let a = [\n  1,\n  2,\n]\n"
        "values v {\n  1 -> 2\n}\n"
        "let b = 1  # trailing\n# lone\n"
    )
    ranges = {(r.start_line, r.end_line): r.kind for r in folding_ranges(snapshot_of(tmp_path, text))}
    assert ranges == {
        (0, 1): types.FoldingRangeKind.Imports,
        (2, 4): types.FoldingRangeKind.Comment,
        (5, 8): None,
        (9, 11): None,
    }


def test_sample_maps_fold(sample):
    lines = {(r.start_line, r.end_line) for r in folding_ranges(sample)}
    assert {(3, 7), (13, 16), (18, 25), (27, 30)} <= lines
