"""Prints check results: human text with source excerpts (more formats come with `--format`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from migc.diagnostics import render, summary_line
from migc.semantics.check import Analysis


def write_report(results: Sequence[Analysis], format: str, out: TextIO, *, color: bool = False) -> None:
    if format != "human":
        raise ValueError(f"output format {format!r} is not available yet")
    for result in results:
        sources = result.sources
        for diagnostic in result.diagnostics:
            out.write(render(diagnostic, sources.get(diagnostic.span.file), color=color) + "\n\n")
    everything = [d for r in results for d in r.diagnostics]
    out.write(summary_line(everything, len(results)) + "\n")
