"""Folding ranges: every block that spans lines (header, values tables, modules, object rows,
maps, rebuilds, multi-line lists), runs of comment lines, and runs of imports."""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.snapshot import Snapshot
from migc.syntax import ast

_BLOCKS = (
    ast.Migration, ast.ValuesTable, ast.CreateModule, ast.CreatePicklist, ast.ObjectBlock, ast.MapBlock,
    ast.ExtendBlock, ast.RebuildBlock, ast.ListExpr, ast.Let, ast.LocalLet,
)


def folding_ranges(snapshot: Snapshot) -> list[types.FoldingRange]:
    ranges: dict[tuple[int, int], types.FoldingRange] = {}
    module = snapshot.module
    if module is not None:
        for node in ast.walk(module):
            if isinstance(node, _BLOCKS) and node.span.end_line > node.span.line:
                _add(ranges, node.span.line - 1, node.span.end_line - 1, None)
        imports = [item for item in module.items if isinstance(item, ast.Import)]
        for first, last in _runs([item.span.line for item in imports]):
            _add(ranges, first - 1, last - 1, types.FoldingRangeKind.Imports)
    comment_lines = [c.span.line for c in snapshot.comments if _alone_on_line(snapshot, c)]
    for first, last in _runs(comment_lines):
        _add(ranges, first - 1, last - 1, types.FoldingRangeKind.Comment)
    return [ranges[key] for key in sorted(ranges)]


def _add(ranges: dict, start: int, end: int, kind) -> None:
    if end > start and (start, end) not in ranges:
        ranges[(start, end)] = types.FoldingRange(start_line=start, end_line=end, kind=kind)


def _alone_on_line(snapshot: Snapshot, comment) -> bool:
    """A comment that is the only thing on its line (a trailing comment does not start a run)."""
    return snapshot.lines.line_text(comment.span.line - 1)[: comment.span.column - 1].strip() == ""


def _runs(lines: list[int]) -> list[tuple[int, int]]:
    """Consecutive line numbers grouped into (first, last) runs of at least two lines."""
    runs: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if runs and line == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], line)
        else:
            runs.append((line, line))
    return [run for run in runs if run[1] > run[0]]
