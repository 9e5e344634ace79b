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

_ITEM_START = re.compile(r"(?:migration|import|let|values|create|object|map|extend|rebuild|builtin|aggregate)\b")


class Chunk(msgspec.Struct, frozen=True):
    start: int  # offset of the chunk's first character in the file
    line: int  # 1-based line of that character (chunks start at column 1)
    text: str


# What the scan stops at: comments, strings and backquoted names (skipped whole; one left open
# ends at its line's end), brackets, and line breaks. Everything else is passed over in C.
_SCAN = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"?|`[^`\n]*`?|[{}\[\]()\n]')
_CLOSING = {"}": "{", "]": "[", ")": "("}


def split(text: str, previous: list[Chunk] | None = None) -> list[Chunk]:
    """Brackets are matched as a recovering parser reads them, so a typo inside an item does not
    move a boundary: a stray `)` or `]` is passed over, and a `}` also closes the `(` and `[`
    left open inside its block.

    `previous`: the split of an earlier version of the text. Its leading and trailing chunks that
    are still there are kept, and only the text between them is scanned (an edit scans the item
    it is in, not the file). The result is the same as without it."""
    old_length = previous[-1].start + len(previous[-1].text) if previous else 0
    if not old_length:
        chunks: list[Chunk] = []
        _scan(text, 0, len(text), 1, chunks)
        return chunks
    delta = len(text) - old_length
    # Leading chunks still in place. The last one's end stays a boundary only if an item still
    # starts there (typing before a `map` keyword joins that line to the chunk above), and a
    # chunk ending in blank or comment lines is scanned again: whether those lines start the
    # next item depends on the text after them.
    # The old last chunk is never kept: brackets may be open at its end, which is no boundary.
    head = 0
    while head < len(previous) - 1 and text.startswith(previous[head].text, previous[head].start):
        head += 1
    while head and (_ends_loose(previous[head - 1].text) or not _boundary(text, previous[head - 1].start + len(previous[head - 1].text))):
        head -= 1
    begin = previous[head - 1].start + len(previous[head - 1].text) if head else 0
    # Trailing chunks still there, moved by the edit's change of length (each starts an item,
    # except the first chunk, which is never kept as one).
    tail = len(previous)
    while tail > max(head, 1):
        at = previous[tail - 1].start + delta
        if at < begin or not text.startswith(previous[tail - 1].text, at) or not (at == 0 or text[at - 1] == "\n"):
            break
        tail -= 1
    chunks = previous[:head]
    line = previous[head - 1].line + previous[head - 1].text.count("\n") if head else 1
    end = previous[tail].start + delta if tail < len(previous) else len(text)
    closed, line = _scan(text, begin, end, line, chunks, final=tail == len(previous))
    if not closed:  # a bracket left open runs on into the trailing chunks: scan them too
        del chunks[head:]
        line = previous[head - 1].line + previous[head - 1].text.count("\n") if head else 1
        _scan(text, begin, len(text), line, chunks)
        return chunks
    lines = line - previous[tail].line if tail < len(previous) else 0
    chunks.extend(Chunk(chunk.start + delta, chunk.line + lines, chunk.text) for chunk in previous[tail:])
    return chunks


def _scan(text: str, begin: int, end: int, line: int, chunks: list[Chunk], *, final: bool = True) -> tuple[bool, int]:
    """Splits `text[begin:end]` (a chunk starts at `begin`, on `line`) into `chunks`. `final`:
    `end` is the end of the text. Otherwise a kept chunk starts at `end`, which stays a boundary
    only if every bracket is closed there. Returns that, and the line `end` is on."""
    open_brackets: list[str] = []
    start = begin
    start_line = line
    for match in _SCAN.finditer(text, begin, end):
        char = match.group()
        if char == "\n":
            line += 1
            index = match.end()  # the next line's start
            if open_brackets or index == end:
                continue
            if _starts_item(text, index):
                chunks.append(Chunk(start, start_line, text[start:index]))
                start, start_line = index, line
        elif char in "{[(":
            open_brackets.append(char)
        elif char in _CLOSING:
            opening = _CLOSING[char]
            if opening in open_brackets:
                while open_brackets.pop() != opening:
                    pass
    if final:
        if start < len(text) or not chunks:
            chunks.append(Chunk(start, start_line, text[start:]))
        return True, line
    if open_brackets:
        return False, line
    if start < end:
        chunks.append(Chunk(start, start_line, text[start:end]))
    return True, line


def _ends_loose(chunk: str) -> bool:
    """Whether a chunk's last line is blank or a comment."""
    body = chunk[:-1] if chunk.endswith("\n") else chunk
    last = body[body.rfind("\n") + 1 :].strip(" \t\r")
    return not last or last.startswith("#")


def _boundary(text: str, index: int) -> bool:
    """Whether a chunk may start at `index`: a line's start where an item begins (or the end)."""
    if index >= len(text):
        return True
    return (index == 0 or text[index - 1] == "\n") and _starts_item(text, index)


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
