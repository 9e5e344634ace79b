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
    change (chunks start at column 1). The movers apply it in line (`_UNIFORM`)."""

    __slots__ = ("offset", "lines", "file")

    def __init__(self, offset: int, lines: int, file: str) -> None:
        self.offset, self.lines, self.file = offset, lines, file


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
    if isinstance(shift, Shift):
        return _UNIFORM.move(value, shift.offset, shift.lines, shift.file)
    return _SEGMENTS.move(value, shift)


def prepare(*kinds: type) -> None:
    """Writes the movers of `kinds` (and of the types they hold) now, for both kinds of shift:
    about 30 ms each, which an editor would otherwise pay on its first edit."""
    for movers in (_UNIFORM, _SEGMENTS):
        for kind in kinds:
            if kind not in movers.movers:
                movers._generate(kind)


class _Movers:
    """Functions that rebuild each Struct type with its spans moved, written out from the types
    of its fields once: an editor moves thousands of nodes per keystroke, and a generic loop
    over fields cost three times as much. A field of one Struct type calls that type's mover
    directly, a union looks the mover up by the value's type, and a span is moved in line.

    `parameters` are what every mover takes after the value; `span` is the Python expression
    that moves the span at `{x}` (naming it `{s}` where it is used more than once)."""

    def __init__(self, parameters: str, span: str) -> None:
        self.parameters = parameters
        self.span = span
        self.movers: dict[type, object] = {}
        self.namespace: dict[str, object] = {"Span": Span, "movers": self.movers}
        self.move = self._define("move", f"""
def move(value, {parameters}):
    mover = movers.get(type(value))
    if mover is None:
        mover = generate(type(value))
    return mover(value, {parameters})
""")
        self.namespace["generate"] = self._generate
        moved = span.format(x="span", s="s")
        self.movers[Span] = self._define("move_span", f"def move_span(span, {parameters}):\n    return {moved}\n")
        self.movers[tuple] = self._define("move_tuple", f"def move_tuple(items, {parameters}):\n    return tuple([move(item, {parameters}) for item in items])\n")
        keep = self._define("keep", f"def keep(value, {parameters}):\n    return value\n")
        for kind in _PLAIN:
            self.movers[kind] = keep

    def _define(self, name: str, source: str):
        exec(source, self.namespace)
        return self.namespace[name]

    def _generate(self, kind: type):
        if not (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
            self.movers[kind] = self.namespace["keep"]
            return self.movers[kind]
        name = _mover_name(kind)
        self.namespace[name] = None  # claimed: a type that refers to itself finds its own name
        self.namespace["T_" + name] = kind
        counter = iter(range(1_000_000))
        arguments = []
        for field in msgspec.structs.fields(kind):
            expression = self._expression(f"value.{field.name}", field.type, counter)
            arguments.append(f"{field.name}={expression or f'value.{field.name}'}")
        mover = self._define(name, f"def {name}(value, {self.parameters}):\n    return T_{name}({', '.join(arguments)})\n")
        self.movers[kind] = mover
        return mover

    def _expression(self, access: str, annotation, counter) -> str | None:
        """Python that moves the value at `access` (which it evaluates once), declared as
        `annotation` (None: it holds no span)."""
        if annotation is Span:
            return "(" + self.span.format(x=access, s=f"s{next(counter)}") + ")"
        if not _holds_spans(annotation):
            return None
        if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct) and not annotation.__subclasses__():
            name = _mover_name(annotation)
            if name not in self.namespace:
                self._generate(annotation)
            return f"{name}({access}, {self.parameters})"
        arguments = getattr(annotation, "__args__", ())
        others = [a for a in arguments if a is not type(None)]
        if type(None) in arguments and len(others) == 1:  # `X | None`
            variable = f"v{next(counter)}"
            inner = self._expression(variable, others[0], counter)
            return f"(None if ({variable} := {access}) is None else {inner})" if inner else None
        if getattr(annotation, "__origin__", None) is tuple:
            variable = f"v{next(counter)}"
            if len(arguments) == 2 and arguments[1] is Ellipsis:
                inner = self._expression(variable, arguments[0], counter)
                return f"tuple([{inner} for {variable} in {access}])" if inner else None
            items = []  # a fixed tuple: its first item's expression names it
            for index, item in enumerate(arguments):
                at = f"({variable} := {access})[0]" if index == 0 else f"{variable}[{index}]"
                items.append(self._expression(at, item, counter) or at)
            return "(" + ", ".join(items) + ",)"
        if arguments and all(self._dispatchable(a) for a in arguments):  # a union of node types
            variable = f"v{next(counter)}"
            return f"movers[type({variable} := {access})]({variable}, {self.parameters})"
        return f"move({access}, {self.parameters})"

    def _dispatchable(self, kind) -> bool:
        """Whether values of `kind` find their mover in `movers` (generating it now if needed)."""
        if kind in self.movers:
            return True
        if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            if _mover_name(kind) not in self.namespace:
                self._generate(kind)
            return True
        return False


def _mover_name(kind: type) -> str:
    return f"move_{kind.__name__}_{id(kind):x}"


# Uniform: the same offset, lines and file for every span, moved in line.
_UNIFORM = _Movers(
    "o, l, f",
    "Span(file=f, line=({s} := {x}).line + l, column={s}.column, end_line={s}.end_line + l, end_column={s}.end_column, start={s}.start + o, end={s}.end + o)",
)
_SEGMENTS = _Movers("shift", "shift.span({x})")


def _holds_spans(annotation, seen: frozenset = frozenset()) -> bool:
    """Whether a value declared as `annotation` can hold a span (True when unsure)."""
    if annotation is Span:
        return True
    if _is_plain(annotation) or annotation is type(None) or annotation in seen:
        return False
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        if annotation.__subclasses__():
            return True
        inner = seen | {annotation}
        return any(_holds_spans(field.type, inner) for field in msgspec.structs.fields(annotation))
    arguments = getattr(annotation, "__args__", None)
    if not arguments:
        return True
    return any(_holds_spans(argument, seen) for argument in arguments if argument is not Ellipsis)


def _is_plain(annotation) -> bool:
    """Whether a field's declared type can hold no span: str, int, ..., their unions, literals."""
    if annotation in _PLAIN:
        return True
    if getattr(annotation, "__origin__", None) is typing.Literal:
        return True
    arguments = getattr(annotation, "__args__", None)  # `str | None`
    return bool(arguments) and type(annotation) is types.UnionType and all(_is_plain(a) for a in arguments)
