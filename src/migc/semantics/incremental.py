"""Reuse of map checks between versions of a file, so an editor re-checks only the maps an edit touched.

Checking a map depends on its own text, its row, the `extend` blocks that add to it, and
a context: every item of the file that is not a map (header, imports, declarations, values
tables, `create`s, notes, rebuilds, extends), the files it imports, both catalogs and the fields
each target object is keyed by.
When the context is what it was at the file's last check, a map whose text is unchanged gets
the effects recorded then (`MapEffects`), with their spans moved to where the map and the
context items they point into sit now. Everything else is checked afresh:

- a map, or a context item, with a syntax error in it (error recovery may read the same text
  differently in another version);
- effects pointing somewhere neither the map nor a context item covers (never seen; checked
  afresh rather than guessed).

`tests/semantics/test_incremental.py` compares the result with a fresh check over random edits.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial

import msgspec

from migc.relocation import Segment, SegmentShift, Unplaceable, relocate
from migc.semantics.expressions import Reference
from migc.semantics.mapping import MapContext, MapEffects
from migc.semantics.model import MapInfo
from migc.semantics.program import Program
from migc.source import Span
from migc.syntax import ast

_FILES_KEPT = 64  # files whose last check is kept (an editor's open documents)


class _Where:
    """Where a map and the context items sat in the check that produced some of its effects."""

    __slots__ = ("start", "end", "line", "layout")

    def __init__(self, block: ast.MapBlock, layout: tuple[tuple[int, int, int], ...]) -> None:
        self.start, self.end, self.line = block.span.start, block.span.end, block.span.line
        self.layout = layout  # (start, end, line) of each context item

    def shift_to(self, now: _Where, file: str, context: list[Segment]) -> SegmentShift:
        """Moves spans from here to `now`: the map's with the map, the others with their context
        item (`context`: the items' segments, from this layout to `now`'s)."""
        return SegmentShift(file, [*context, Segment(self.start, self.end, now.start - self.start, now.line - self.line)])

    def holds(self, span: Span) -> bool:
        """Whether `span` lies in the map or in a context item."""
        if self.start <= span.start and span.end <= self.end:
            return True
        index = bisect.bisect_right(self.layout, (span.start, _AFTER_ALL, _AFTER_ALL)) - 1
        return index >= 0 and span.end <= self.layout[index][1]


_AFTER_ALL = float("inf")


class _Recorded:
    """A map's effects as of a check, and where the map sat then. Its name uses and its
    `MapInfo` (most of its spans) stay where the map sat when it was last checked, and are moved
    only when someone reads them (`Analysis.references`, `Analysis.model`), which an editor's
    diagnostics never wait for."""

    __slots__ = ("effects", "where", "external", "references", "info", "checked_where")

    def __init__(self, effects: MapEffects, where: _Where, external: frozenset[int] | None, references: tuple[Reference, ...], info: MapInfo, checked_where: _Where) -> None:
        self.effects = effects  # without references and info
        self.where = where
        # The context items the effects point into (indexes), None until a move has found out.
        self.external = external
        self.references = references
        self.info = info
        self.checked_where = checked_where  # where `references` and `info` hold


class _Generation:
    """One check of a file: its context and the maps it recorded."""

    __slots__ = ("context", "layout", "maps", "keep_alive")

    def __init__(self, context: tuple, layout: tuple[tuple[int, int, int], ...], maps: dict, keep_alive: tuple) -> None:
        self.context = context
        self.layout = layout
        self.maps = maps
        self.keep_alive = keep_alive  # the catalogs whose identities the context holds


_lock = threading.Lock()
_generations: OrderedDict[str, _Generation] = OrderedDict()


def forget(file: str | None = None) -> None:
    """Drops what was recorded for `file` (every file if None)."""
    with _lock:
        if file is None:
            _generations.clear()
        else:
            _generations.pop(file, None)


class MapReuse:
    """The map checks of one check of a file: reused from its last check where possible."""

    def __init__(self, program: Program, ctx: MapContext, catalogs: Sequence[object], overlays: Sequence[object]) -> None:
        root = program.root
        self.file = root.source.name
        self.text = root.source.text
        self._errors = sorted((d.span.start, d.span.end) for d in root.parsed.diagnostics if d.span.file == self.file)
        self._error_starts = [start for start, _ in self._errors]
        items = _context_items(root.module)
        self._item_index = {id(item): index for index, item in enumerate(items)}
        self.layout = tuple((item.span.start, item.span.end, item.span.line) for item in items)
        self.context = self._context(program, items, ctx, catalogs, overlays)
        self._keep_alive = tuple(catalogs)
        with _lock:
            previous = _generations.get(self.file)
        usable = previous is not None and self.context is not None and previous.context == self.context
        self._previous = previous.maps if usable else {}
        self._moved_items = _moved_items(previous.layout, self.layout) if usable else frozenset()
        self._maps: dict[tuple, _Recorded] = {}
        self._segments_from: dict[int, tuple[tuple, list[Segment]]] = {}
        self.reused = 0

    def effects(self, block: ast.MapBlock, extends: list[ast.ExtendBlock], row: str, map_id: str, check: Callable[[], MapEffects]) -> Reused:
        """The map's effects, reused or from `check` (which runs when they cannot be reused)."""
        if self.context is None or self._has_error(block.span.start, block.span.end):
            return Reused(check())
        extended_by = tuple(self._item_index[id(extend)] for extend in extends)
        # Not the map's id: a map added or removed above renumbers the maps after it
        # (`User->Contacts#3`), which changes nothing else in their checks.
        key = (self.text[block.span.start : block.span.end], block.span.column, row, extended_by)
        now = _Where(block, self.layout)
        recorded = self._previous.get(key)
        if recorded is not None:
            moved = self._moved(recorded, now)
            if moved is not None:
                self._maps[key] = moved
                self.reused += 1
                then = moved.checked_where
                info = moved.info if moved.info.id == map_id else msgspec.structs.replace(moved.info, id=map_id)
                move = partial(_move_from, then, now, self.file, self._context_segments(then.layout))
                return Reused(msgspec.structs.replace(moved.effects, info=info, references=moved.references), replayed=True, move=move)
        effects = check()
        spans = _spans_in_file(effects.references, self.file)
        info_spans = (effects.info.span, *(program.span for program in effects.info.fields))
        if all(now.holds(span) for span in spans) and all(now.holds(span) for span in info_spans):
            eager = msgspec.structs.replace(effects, references=(), info=_NO_INFO)
            self._maps[key] = _Recorded(eager, now, None, effects.references, effects.info, now)
        return Reused(effects)

    def finish(self) -> None:
        """Keeps this check's maps for the next check of the file."""
        with _lock:
            if self.context is None:
                _generations.pop(self.file, None)
                return
            _generations[self.file] = _Generation(self.context, self.layout, self._maps, self._keep_alive)
            _generations.move_to_end(self.file)
            while len(_generations) > _FILES_KEPT:
                _generations.popitem(last=False)

    # ------------------------------------------------------------------ internals

    def _has_error(self, start: int, end: int) -> bool:
        """Whether a syntax error touches `start`..`end` (boundaries included)."""
        index = bisect.bisect_right(self._error_starts, end)
        return any(error_end >= start for _, error_end in self._errors[:index])

    def _context(self, program: Program, items: list[ast.Node], ctx: MapContext, catalogs, overlays) -> tuple | None:
        """What a map's check depends on besides its own text (None: a context item has a
        syntax error, so nothing is reused)."""
        texts = []
        for item in items:
            if self._has_error(item.span.start, item.span.end):
                return None
            texts.append((type(item).__name__, item.span.column, self.text[item.span.start : item.span.end]))
        imported = tuple(sorted((key, module.source.text) for key, module in program.modules.items() if module is not program.root))
        keys = tuple(
            tuple(sorted((name, tuple(sorted(fields))) for name, fields in table.items()))
            for table in (ctx.loaded_keys, ctx.creating_keys)
        )
        return (self.file, tuple(texts), imported, tuple(id(c) for c in catalogs), tuple(str(o) for o in overlays), keys)

    def _context_segments(self, layout: tuple[tuple[int, int, int], ...]) -> list[Segment]:
        """How far each context item moved since a check whose layout was `layout`."""
        found = self._segments_from.get(id(layout))
        if found is None or found[0] is not layout:
            segments = [Segment(old[0], old[1], new[0] - old[0], new[2] - old[2]) for old, new in zip(layout, self.layout)]
            found = self._segments_from[id(layout)] = (layout, segments)
        return found[1]

    def _moved(self, recorded: _Recorded, now: _Where) -> _Recorded | None:
        """The recorded effects moved to where the map and the context sit now (None: a span
        could not be placed). Its references stay where they are, to be moved when read."""
        external = recorded.external
        moves = now.start != recorded.where.start or now.line != recorded.where.line
        if not moves and external is not None and external.isdisjoint(self._moved_items):
            return _Recorded(recorded.effects, now, external, recorded.references, recorded.info, recorded.checked_where)
        shift = recorded.where.shift_to(now, self.file, self._context_segments(recorded.where.layout))
        try:
            effects = relocate(recorded.effects, shift)
        except Unplaceable:
            return None
        items = len(self.layout)  # the map's own segment comes after the context items'
        external = frozenset(index for index in shift.hits if index < items)
        return _Recorded(effects, now, external, recorded.references, recorded.info, recorded.checked_where)


class Reused(msgspec.Struct, frozen=True):
    """A map's effects for this check. `replayed`: taken from an earlier check. `move`: when
    set, the effects' references and info are where that check found them, and `move(value)`
    moves them (or a `MapInfo` made from that info) to where they are now."""

    effects: MapEffects
    replayed: bool = False
    move: Callable[[object], object] | None = None


def _move_from(then: _Where, now: _Where, file: str, context: list[Segment], value):
    return relocate(value, then.shift_to(now, file, context))


# What a recorded map's eager effects hold instead of its info (kept apart, moved when read).
_NO_INFO = MapInfo(id="", source="", target="", fields=(), row="", span=Span(file="", line=1, column=1, end_line=1, end_column=1, start=0, end=0))


def _spans_in_file(references: tuple[Reference, ...], file: str):
    for reference in references:
        if reference.span.file == file:
            yield reference.span
        definition = reference.definition
        if definition is not None and definition.file == file:
            yield definition


def _context_items(module: ast.Module | None) -> list[ast.Node]:
    """The file's items that are not maps, in order (the items of `object` blocks included)."""
    items: list[ast.Node] = []
    if module is None:
        return items
    for item in module.items:
        if isinstance(item, ast.ObjectBlock):
            items.extend(inner for inner in item.items if not isinstance(inner, ast.MapBlock))
        elif not isinstance(item, ast.MapBlock):
            items.append(item)
    return items


def _moved_items(old: tuple[tuple[int, int, int], ...], new: tuple[tuple[int, int, int], ...]) -> frozenset[int]:
    return frozenset(index for index, (before, after) in enumerate(zip(old, new)) if before[0] != after[0] or before[2] != after[2])
