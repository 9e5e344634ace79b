"""Moving spans: frozen data (AST nodes, diagnostics, check results) rebuilt with its spans moved.

An editor re-uses work between versions of a buffer: a top-level item parsed once (`syntax/
chunks.py`) or a map checked once (`semantics/incremental.py`) is still right after an edit
elsewhere, except that its spans point where it used to sit. `relocate(value, shift)` rebuilds
`value` with every span passed through `shift`:

- `Shift(offset, lines, file)` moves every span by the same amount (a chunk parsed on its own);
- `SegmentShift(file, segments)` moves spans of `file` by how far the segment holding them
  moved (the items of a file, each moved differently), and leaves other files' spans alone.
"""

from __future__ import annotations

import bisect
import types
import typing
from collections.abc import Sequence

import msgspec

from migc.source import Span

_PLAIN = (str, int, float, bool, type(None))


class Unplaceable(Exception):
    """A span of the file lies in none of a `SegmentShift`'s segments."""


class Shift:
    """Every span moved by `offset` characters and `lines` lines, into `file`. Columns never
    change (chunks start at column 1)."""

    __slots__ = ("offset", "lines", "file")

    def __init__(self, offset: int, lines: int, file: str) -> None:
        self.offset, self.lines, self.file = offset, lines, file

    def span(self, span: Span) -> Span:
        lines, offset = self.lines, self.offset
        return Span(file=self.file, line=span.line + lines, column=span.column, end_line=span.end_line + lines,
                    end_column=span.end_column, start=span.start + offset, end=span.end + offset)


class Segment(msgspec.Struct, frozen=True):
    """A range of the old text (`start`..`end`, inclusive) and how far it moved."""

    start: int
    end: int
    offset: int
    lines: int


class SegmentShift:
    """Spans of `file` moved with the segment that holds them; a span outside every segment
    raises `Unplaceable` (the caller redoes the work instead of guessing). `hits` collects the
    indexes (in the order given) of the segments spans were found in."""

    __slots__ = ("file", "hits", "_starts", "_segments", "_indexes", "_last")

    def __init__(self, file: str, segments: Sequence[Segment]) -> None:
        self.file = file
        self.hits: set[int] = set()
        order = sorted(range(len(segments)), key=lambda i: segments[i].start)
        self._segments = [segments[i] for i in order]
        self._indexes = order
        self._starts = [s.start for s in self._segments]
        self._last = Segment(1, 0, 0, 0)  # holds no span: the first span looks its segment up

    def span(self, span: Span) -> Span:
        if span.file != self.file:
            return span
        segment = self._last
        if not (segment.start <= span.start and span.end <= segment.end):  # spans come in runs
            index = bisect.bisect_right(self._starts, span.start) - 1
            if index < 0 or span.end > self._segments[index].end:
                raise Unplaceable(span)
            segment = self._last = self._segments[index]
            self.hits.add(self._indexes[index])
        if not (segment.offset or segment.lines):
            return span
        lines, offset = segment.lines, segment.offset
        return Span(file=span.file, line=span.line + lines, column=span.column, end_line=span.end_line + lines,
                    end_column=span.end_column, start=span.start + offset, end=span.end + offset)


def relocate(value, shift: Shift | SegmentShift):
    """`value` (a Struct, or a tuple of Structs, tuples and plain values) with its spans moved."""
    return _move(value, shift)


def _move(value, shift):
    mover = _MOVERS.get(type(value))
    if mover is None:
        mover = _mover_for(type(value))
    return mover(value, shift)


def _move_span(span: Span, shift) -> Span:
    return shift.span(span)


def _move_tuple(items: tuple, shift) -> tuple:
    return tuple([_move(item, shift) for item in items])


def _keep(value, shift):
    return value


_MOVERS: dict[type, object] = {Span: _move_span, tuple: _move_tuple, **{kind: _keep for kind in _PLAIN}}
# The generated movers share these globals, so each can call another by name (types refer to
# each other, and to themselves).
_GENERATED: dict[str, object] = {"move": _move}


def _mover_for(kind: type):
    """A function that rebuilds a Struct of type `kind` with its spans moved, written out from
    the types of its fields once (an editor moves thousands of nodes per keystroke: a generic
    loop over fields cost three times as much). A field of one Struct type calls that type's
    mover directly; a union dispatches on the value's type."""
    if not (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
        _MOVERS[kind] = _keep
        return _keep
    name = _mover_name(kind)
    _GENERATED[name] = None  # claimed: a type that refers to itself finds its own name
    _GENERATED["T_" + name] = kind
    counter = iter(range(1_000_000))
    arguments = []
    for field in msgspec.structs.fields(kind):
        expression = _expression(f"value.{field.name}", field.type, counter)
        arguments.append(f"{field.name}={expression or f'value.{field.name}'}")
    exec(f"def {name}(value, shift):\n    return T_{name}({', '.join(arguments)})\n", _GENERATED)
    _MOVERS[kind] = _GENERATED[name]
    return _GENERATED[name]


def _mover_name(kind: type) -> str:
    return f"move_{kind.__name__}_{id(kind):x}"


def _expression(access: str, annotation, counter) -> str | None:
    """Python that moves the value at `access`, declared as `annotation` (None: it holds no span)."""
    if annotation is Span:
        return f"shift.span({access})"
    if _is_plain(annotation):
        return None
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct) and not annotation.__subclasses__():
        name = _mover_name(annotation)
        if name not in _GENERATED:
            _mover_for(annotation)
        return f"{name}({access}, shift)"
    arguments = getattr(annotation, "__args__", ())
    others = [a for a in arguments if a is not type(None)]
    if type(None) in arguments and len(others) == 1:  # `X | None`
        variable = f"v{next(counter)}"
        inner = _expression(variable, others[0], counter)
        return f"(None if ({variable} := {access}) is None else {inner})" if inner else None
    if getattr(annotation, "__origin__", None) is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        variable = f"v{next(counter)}"
        inner = _expression(variable, arguments[0], counter)
        return f"tuple([{inner} for {variable} in {access}])" if inner else None
    return f"move({access}, shift)"


def _is_plain(annotation) -> bool:
    """Whether a field's declared type can hold no span: str, int, ..., their unions, literals."""
    if annotation in _PLAIN:
        return True
    if getattr(annotation, "__origin__", None) is typing.Literal:
        return True
    arguments = getattr(annotation, "__args__", None)  # `str | None`
    return bool(arguments) and type(annotation) is types.UnionType and all(_is_plain(a) for a in arguments)
