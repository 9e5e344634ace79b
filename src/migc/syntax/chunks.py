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
_SPAN_FIELDS: dict[type, tuple[str, ...]] = {}


def _span_fields(kind: type) -> tuple[str, ...]:
    """The fields of a Struct type that can hold a span (declared as anything but a plain value)."""
    fields = _SPAN_FIELDS.get(kind)
    if fields is None:
        fields = _SPAN_FIELDS[kind] = tuple(
            field.name for field in msgspec.structs.fields(kind) if not _is_plain(field.type)
        )
    return fields


def _is_plain(annotation) -> bool:
    if annotation in _PLAIN:
        return True
    arguments = getattr(annotation, "__args__", None)  # `str | None`, `Literal["a", "b"]`
    if getattr(annotation, "__origin__", None) is typing.Literal:
        return True
    return bool(arguments) and type(annotation) is types.UnionType and all(_is_plain(a) for a in arguments)


def relocate(value, offset: int, lines: int, file: str):
    """`value` (an AST node, diagnostic, comment or tuple of them) with every span moved by
    `offset` characters and `lines` lines into `file`. Columns never change: chunks start at
    column 1."""
    replace = msgspec.structs.replace

    def move(value):
        kind = type(value)
        if kind is Span:
            return Span(file=file, line=value.line + lines, column=value.column, end_line=value.end_line + lines,
                        end_column=value.end_column, start=value.start + offset, end=value.end + offset)
        if kind is tuple:
            return tuple([move(item) for item in value])
        if kind in _PLAIN:
            return value
        if isinstance(value, msgspec.Struct):
            changes = {}
            for name in _span_fields(kind):
                field = getattr(value, name)
                if type(field) not in _PLAIN:
                    changes[name] = move(field)
            return replace(value, **changes) if changes else value
        return value

    return move(value)
