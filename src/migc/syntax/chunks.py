"""Splits a .mig file into top-level chunks, so each can be parsed once and reused while editing.

A chunk ends where a line at brace, bracket and parenthesis depth zero is followed by a line
that starts a top-level item (`map`, `object`, `values`, ...) or a comment before one. The scan
is lexical (strings, backquoted names and comments are skipped), so it is cheap and never
fails: text it cannot split stays one chunk. Parsing chunks separately gives the same tree as
parsing the whole file whenever each chunk holds whole items, which the boundaries ensure.
"""

from __future__ import annotations

import re

import msgspec

from migc.source import Span

_ITEM_START = re.compile(r"(?:migration|import|let|values|create|object|map|extend|rebuild|builtin|aggregate)\b")


class Chunk(msgspec.Struct, frozen=True):
    start: int  # offset of the chunk's first character in the file
    line: int  # 1-based line of that character (chunks start at column 1)
    text: str


def split(text: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    depth = 0
    start = 0
    start_line = 1
    line = 1
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "#":
            newline = text.find("\n", index)
            index = length if newline == -1 else newline
            continue
        if char == '"' or char == "`":
            index = _skip_quoted(text, index, char)
            continue
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth = max(depth - 1, 0)
        elif char == "\n":
            line += 1
            if depth == 0 and _starts_item(text, index + 1) and index + 1 > start:
                chunks.append(Chunk(start, start_line, text[start : index + 1]))
                start, start_line = index + 1, line
        index += 1
    if start < length or not chunks:
        chunks.append(Chunk(start, start_line, text[start:]))
    return chunks


def _skip_quoted(text: str, index: int, quote: str) -> int:
    """The index after a string or backquoted name; a quote left open ends at its line's end."""
    index += 1
    while index < len(text):
        char = text[index]
        if char == "\\" and quote == '"':
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n":
            return index
        index += 1
    return index


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


_FIELDS: dict[type, tuple[str, ...]] = {}


def relocate(value, offset: int, lines: int, file: str):
    """`value` (an AST node, diagnostic, comment or tuple of them) with every span moved by
    `offset` characters and `lines` lines into `file`. Columns never change: chunks start at
    column 1."""
    kind = type(value)
    if kind is Span:
        return Span(file=file, line=value.line + lines, column=value.column, end_line=value.end_line + lines,
                    end_column=value.end_column, start=value.start + offset, end=value.end + offset)
    if kind is tuple:
        return tuple([relocate(item, offset, lines, file) for item in value])
    if isinstance(value, msgspec.Struct):
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = kind.__struct_fields__
        changes = {}
        for name in fields:
            field = getattr(value, name)
            if field is None or type(field) in (str, int, float, bool):
                continue
            changes[name] = relocate(field, offset, lines, file)
        return msgspec.structs.replace(value, **changes) if changes else value
    return value
