"""Position conversion: migc's character offsets and 1-based code-point `Span`s <-> LSP positions.

This is the only module that converts positions. migc counts columns in code points (a `Span`
also carries 0-based character offsets into the decoded text); LSP counts 0-based lines and
columns in UTF-16 code units unless the client negotiated UTF-8 or UTF-32
(`general.positionEncodings`). An emoji is one code point but two UTF-16 units and four UTF-8
bytes; a combining mark is a code point of its own. Lines end at `\\n` (a `\\r` before it belongs
to the line break), the same rule `SourceFile` uses.
"""

from __future__ import annotations

import bisect

from lsprotocol import types

from migc.source import Span

UTF16 = "utf-16"
UTF8 = "utf-8"
UTF32 = "utf-32"
ENCODINGS = (UTF16, UTF8, UTF32)


def _units_utf16(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _units_utf8(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _units_utf32(text: str) -> int:
    return len(text)


def _char_units_utf16(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _char_units_utf8(char: str) -> int:
    code = ord(char)
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


_UNITS = {UTF16: _units_utf16, UTF8: _units_utf8, UTF32: _units_utf32}
_CHAR_UNITS = {UTF16: _char_units_utf16, UTF8: _char_units_utf8, UTF32: lambda char: 1}


def normalize_encoding(encoding: object) -> str:
    """The encoding name pygls negotiated (an enum or a string), as one of `ENCODINGS`."""
    value = getattr(encoding, "value", encoding)
    return value if value in ENCODINGS else UTF16


class LineIndex:
    """The line starts of one text, and conversions between its offsets and LSP positions."""

    __slots__ = ("text", "encoding", "line_starts", "_units", "_char_units")

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = normalize_encoding(encoding)
        self._units = _UNITS[self.encoding]
        self._char_units = _CHAR_UNITS[self.encoding]
        starts = [0]
        index = text.find("\n")
        while index != -1:
            starts.append(index + 1)
            index = text.find("\n", index + 1)
        self.line_starts = starts

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_text(self, line: int) -> str:
        """The 0-based line's text without its line break."""
        if not 0 <= line < len(self.line_starts):
            return ""
        begin = self.line_starts[line]
        end = self.line_starts[line + 1] - 1 if line + 1 < len(self.line_starts) else len(self.text)
        text = self.text[begin:end]
        return text[:-1] if text.endswith("\r") else text

    def units(self, text: str) -> int:
        """The length of `text` in this index's code units."""
        return self._units(text)

    # ------------------------------------------------------------------ offsets -> positions

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        begin = self.line_starts[line]
        return types.Position(line=line, character=self._units(self.text[begin:offset]))

    def range(self, start: int, end: int) -> types.Range:
        first = self.position(start)
        if end == start:
            return types.Range(start=first, end=first)
        return types.Range(start=first, end=self.position(end))

    def span_range(self, span: Span) -> types.Range:
        """The LSP range of a span of this text (by its character offsets)."""
        return self.range(span.start, span.end)

    def point(self, line: int, column: int) -> types.Position:
        """The LSP position of a 1-based (line, code-point column), as migc reports them."""
        text = self.line_text(line - 1)
        return types.Position(line=max(line - 1, 0), character=self._units(text[: max(column - 1, 0)]))

    # ------------------------------------------------------------------ positions -> offsets

    def offset(self, position: types.Position) -> int:
        """The character offset of an LSP position. A line past the end is the end of the text;
        a column past the end of its line is the end of the line; a column inside a character
        (half of a surrogate pair, a byte inside a UTF-8 sequence) is the start of that character."""
        if position.line >= len(self.line_starts):
            return len(self.text)
        line = max(position.line, 0)
        begin = self.line_starts[line]
        text = self.line_text(line)
        wanted = max(position.character, 0)
        if text.isascii():
            return begin + min(wanted, len(text))
        counted = 0
        for index, char in enumerate(text):
            width = self._char_units(char)
            if counted + width > wanted:
                return begin + index
            counted += width
        return begin + len(text)

    def offsets(self, range_: types.Range) -> tuple[int, int]:
        return self.offset(range_.start), self.offset(range_.end)
