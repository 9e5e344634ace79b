"""Source text and positions: `SourceFile` (text with a line index) and `Span` (a located range).

Spans are 1-based in lines and columns (columns count code points), with 0-based character
offsets into the decoded text. Conversion to the editor's 0-based UTF-16 positions happens only
in `migc.lsp.convert`.
"""

from __future__ import annotations

import bisect
from functools import cached_property
from pathlib import Path

import msgspec

# Mappings are a few thousand lines at most; a larger file is almost surely not a mapping, and
# checking it would take minutes.
MAX_SOURCE_BYTES = 4 * 1_048_576


class Span(msgspec.Struct, frozen=True, kw_only=True, order=True, gc=False):  # holds no objects: no cycles
    """A range of a source file: `start`/`end` are character offsets, lines and columns 1-based."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def cover(self, other: Span) -> Span:
        """The smallest span that contains both."""
        first, last = (self, other) if self.start <= other.start else (other, self)
        tail = last if last.end >= first.end else first
        return Span(
            file=self.file,
            line=first.line,
            column=first.column,
            end_line=tail.end_line,
            end_column=tail.end_column,
            start=first.start,
            end=tail.end,
        )

    def contains(self, offset: int) -> bool:
        return self.start <= offset <= self.end

    def start_point(self) -> Span:
        """The empty span where this one starts."""
        return Span(file=self.file, line=self.line, column=self.column, end_line=self.line, end_column=self.column, start=self.start, end=self.start)

    def end_point(self) -> Span:
        """The empty span where this one ends."""
        return Span(file=self.file, line=self.end_line, column=self.end_column, end_line=self.end_line, end_column=self.end_column, start=self.end, end=self.end)

    def before_end(self) -> Span:
        """The empty span just before the last character (a block's closing brace)."""
        column = max(self.end_column - 1, 1)
        at = max(self.end - 1, self.start)
        return Span(file=self.file, line=self.end_line, column=column, end_line=self.end_line, end_column=column, start=at, end=at)


class SourceFile:
    """The decoded text of one .mig file and an index of where its lines start."""

    __slots__ = ("name", "text", "_last_line", "__dict__")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._last_line = 0

    @classmethod
    def from_path(cls, path: Path, display_name: str | None = None) -> SourceFile:
        """Reads and decodes a file. Raises `SourceError` for anything that is not UTF-8 text."""
        name = display_name or str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(name, "no such file") from None
        except IsADirectoryError:
            raise SourceError(name, "it is a directory, not a .mig file") from None
        except PermissionError:
            raise SourceError(name, "permission denied") from None
        except OSError as error:
            raise SourceError(name, error.strerror or "cannot be read") from None
        return cls.from_bytes(name, data)

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> SourceFile:
        if len(data) > MAX_SOURCE_BYTES:
            raise SourceError(
                name, f"it is {len(data) / 1_048_576:.1f} MB; .mig files are limited to {MAX_SOURCE_BYTES // 1_048_576} MB (split it with `import`)"
            )
        if b"\x00" in data:
            raise SourceError(name, "it looks like a binary file (it contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise SourceError(
                name, f"it is not valid UTF-8 (byte 0x{data[error.start]:02x} on line {line})"
            ) from None
        return cls(name, text)

    @cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        text = self.text
        index = text.find("\n")
        while index != -1:
            starts.append(index + 1)
            index = text.find("\n", index + 1)
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        starts = self.line_starts
        # The parser asks in nearly increasing order: try the last line found before searching.
        index = self._last_line
        if not (starts[index] <= offset and (index + 1 == len(starts) or offset < starts[index + 1])):
            index = bisect.bisect_right(starts, offset) - 1
            self._last_line = index
        return index + 1, offset - starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based (line, column); clamped to the text."""
        starts = self.line_starts
        line_index = max(0, min(line - 1, len(starts) - 1))
        return min(starts[line_index] + max(column - 1, 0), len(self.text))

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(
            file=self.name,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            start=start,
            end=end,
        )

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line break."""
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        begin = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[begin:end].rstrip("\r")


class SourceError(Exception):
    """A file that cannot be read as .mig text (missing, a directory, binary, not UTF-8)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
