"""The facts about maps that the checked model leaves out, read back from the AST by span.

The planner needs a few things only the syntax tree holds: the text of a `where` condition,
what a `limit` counts per and what a `distinct`/`summarize` groups by, whether a `flag` sets the
record aside (`-> quarantine`) or only reports it, and which lookups quarantine a record they
cannot resolve. Extends add statements to the map they extend, so their flags and lookups count
for that map too (matched by source, target and text, as the model already merged them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import msgspec

from migc.semantics.check import Analysis
from migc.semantics.model import MapInfo
from migc.source import Span
from migc.syntax import ast


class MapDetails(msgspec.Struct, frozen=True, kw_only=True):
    condition: str = ""  # the `where` condition as written (whitespace collapsed)
    group_by: str = ""  # `distinct by` / `summarize by` keys as written
    limit_per: str = ""  # what `limit N per X` counts per
    quarantine_flags: tuple[str, ...] = ()
    report_flags: tuple[str, ...] = ()
    quarantine_lookups: tuple[str, ...] = ()  # target fields whose unresolved ref quarantines


def map_details(analysis: Analysis, maps: Iterable[MapInfo]) -> dict[str, MapDetails]:
    """Map id -> its details; maps whose block cannot be found get empty details."""
    module = analysis.module
    blocks: list[ast.MapBlock] = []
    extends: list[ast.ExtendBlock] = []
    if module is not None:
        for node in _blocks(module.items):
            if isinstance(node, ast.MapBlock):
                blocks.append(node)
            elif isinstance(node, ast.ExtendBlock):
                extends.append(node)
    by_span = {(b.span.file, b.span.start, b.span.end): b for b in blocks}
    result: dict[str, MapDetails] = {}
    for info in maps:
        block = by_span.get((info.span.file, info.span.start, info.span.end))
        if block is None:
            result[info.id] = MapDetails()
            continue
        bodies = list(block.body)
        for extend in extends:
            if extend.source.text == info.source and extend.target.text == info.target:
                bodies.extend(extend.body)
        text = _text_of(analysis)
        flags = {s.message.value: s.action for s in bodies if isinstance(s, ast.Flag)}
        limit = next((s for s in bodies if isinstance(s, ast.Limit)), None)
        result[info.id] = MapDetails(
            condition=text(block.route.condition.span) if block.route and block.route.condition else "",
            group_by=", ".join(text(k.span) for k in block.grouping.keys) if block.grouping else "",
            limit_per=text(limit.per.span) if limit is not None else "",
            quarantine_flags=tuple(m for m in info.flags if flags.get(m) == "quarantine"),
            report_flags=tuple(m for m in info.flags if flags.get(m, "report") == "report"),
            quarantine_lookups=tuple(dict.fromkeys(
                s.field.text for s in bodies
                if isinstance(s, ast.Assign) and isinstance(s.value, ast.RefLookup) and s.value.last.quarantine
            )),
        )
    return result


def _blocks(items: Iterable[ast.Node]) -> Iterator[ast.Node]:
    for item in items:
        if isinstance(item, ast.ObjectBlock):
            yield from item.items
        else:
            yield item


def _text_of(analysis: Analysis):
    def text(span: Span) -> str:
        source = analysis.sources.get(span.file)
        if source is None:
            return ""
        return " ".join(source.text[span.start:span.end].split())

    return text
