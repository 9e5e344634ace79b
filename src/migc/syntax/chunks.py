"""Splits a .mig file into top-level chunks, so each can be parsed once and reused while editing.

A chunk ends where a line at brace, bracket and parenthesis depth zero is followed by a line
that starts a top-level item (`map`, `object`, `values`, ...) or a comment before one. The scan
is lexical (strings, backquoted names and comments are skipped), so it is cheap and never
fails: text it cannot split stays one chunk. Parsing chunks separately gives the same tree as
parsing the whole file whenever each chunk holds whole items, which the boundaries ensure.
"""

from __future__ import annotations

import re
import types
import typing

import msgspec

from migc.source import Span

_ITEM_START = re.compile(r"(?:migration|import|let|values|create|object|map|extend|rebuild|builtin|aggregate)\b")


class Chunk(msgspec.Struct, frozen=True):
    start: int  # offset of the chunk's first character in the file
    line: int  # 1-based line of that character (chunks start at column 1)
    text: str


# What the scan stops at: comments, strings and backquoted names (skipped whole; one left open
# ends at its line's end), brackets, and line breaks. Everything else is passed over in C.
_SCAN = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"?|`[^`\n]*`?|[{}\[\]()\n]')
_OPENING = frozenset("{[(")
_CLOSING = frozenset("}])")


def split(text: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    depth = 0
    start = 0
    start_line = 1
    line = 1
    for match in _SCAN.finditer(text):
        char = match.group()
        if char == "\n":
            line += 1
            index = match.start()
            if depth == 0 and _starts_item(text, index + 1) and index + 1 > start:
                chunks.append(Chunk(start, start_line, text[start : index + 1]))
                start, start_line = index + 1, line
        elif char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
    if start < len(text) or not chunks:
        chunks.append(Chunk(start, start_line, text[start:]))
    return chunks


def _starts_item(text: str, index: int) -> bool:
    """Whether the line at `index` starts a top-level item, possibly after comment lines."""
    while True:
        end = text.find("\n", index)
        line = text[index : len(text) if end == -1 else end].lstrip(" \t\r")
        if line.startswith("#") or not line:
            if end == -1:
                return False
            index = end + 1
            continue
        return bool(_ITEM_START.match(line))


_PLAIN = (str, int, float, bool, type(None))


def relocate(value, offset: int, lines: int, file: str):
    """`value` (an AST node, diagnostic, comment or tuple of them) with every span moved by
    `offset` characters and `lines` lines into `file`. Columns never change: chunks start at
    column 1."""
    return _move(value, _Shift(offset, lines, file))


class _Shift:
    __slots__ = ("offset", "lines", "file")

    def __init__(self, offset: int, lines: int, file: str) -> None:
        self.offset, self.lines, self.file = offset, lines, file


def _move(value, shift: _Shift):
    mover = _MOVERS.get(type(value))
    if mover is None:
        mover = _MOVERS[type(value)] = _mover_for(type(value))
    return mover(value, shift)


def _move_span(span: Span, shift: _Shift) -> Span:
    return Span(file=shift.file, line=span.line + shift.lines, column=span.column, end_line=span.end_line + shift.lines,
                end_column=span.end_column, start=span.start + shift.offset, end=span.end + shift.offset)


def _move_tuple(items: tuple, shift: _Shift) -> tuple:
    return tuple([_move(item, shift) for item in items])


def _keep(value, shift: _Shift):
    return value


_MOVERS: dict[type, object] = {Span: _move_span, tuple: _move_tuple, **{kind: _keep for kind in _PLAIN}}


def _mover_for(kind: type):
    """A function that rebuilds a Struct of type `kind` with its spans moved, written out for
    the type's fields once (an editor moves thousands of nodes per keystroke: a generic loop over
    fields cost three times as much)."""
    if not (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
        return _keep
    arguments = []
    for field in msgspec.structs.fields(kind):
        if field.type is Span:
            arguments.append(f"{field.name}=move_span(value.{field.name}, shift)")
        elif _is_plain(field.type):
            arguments.append(f"{field.name}=value.{field.name}")
        else:
            arguments.append(f"{field.name}=move(value.{field.name}, shift)")
    namespace = {"kind": kind, "move": _move, "move_span": _move_span}
    exec(f"def mover(value, shift):\n    return kind({', '.join(arguments)})\n", namespace)
    return namespace["mover"]


def _is_plain(annotation) -> bool:
    """Whether a field's declared type can hold no span: str, int, ..., their unions, literals."""
    if annotation in _PLAIN:
        return True
    if getattr(annotation, "__origin__", None) is typing.Literal:
        return True
    arguments = getattr(annotation, "__args__", None)  # `str | None`
    return bool(arguments) and type(annotation) is types.UnionType and all(_is_plain(a) for a in arguments)
