"""Diagnostics as data (code, severity, message, span, notes, fix) and their text rendering.

A stage never raises on a user mistake: it appends a `Diagnostic` to a `Diagnostics` collector
and carries on, so one run reports every problem it can find. Rendering follows the
compiler convention `path:line:col: error[MIG0123]: message`, then the source line with carets
under the span.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import msgspec

from migc.codes import Code, Severity
from migc.source import SourceFile, Span


class Note(msgspec.Struct, frozen=True, kw_only=True):
    message: str
    span: Span | None = None


class TextEdit(msgspec.Struct, frozen=True, kw_only=True):
    span: Span
    new_text: str


class Fix(msgspec.Struct, frozen=True, kw_only=True):
    """A quick fix: a title for the editor and the edits that apply it."""

    title: str
    edits: tuple[TextEdit, ...]


class Diagnostic(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    severity: Severity
    message: str
    span: Span
    notes: tuple[Note, ...] = ()
    fix: Fix | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.start, self.span.end, self.code, self.message)


class Diagnostics:
    """Collects diagnostics from one stage; duplicates (same code at the same place) are dropped."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[tuple] = set()

    def add(
        self,
        code: Code,
        span: Span,
        message: str | None = None,
        *,
        notes: Iterable[Note] = (),
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        diagnostic = Diagnostic(
            code=code.id,
            severity=severity or code.severity,
            message=message or code.summary,
            span=span,
            notes=tuple(notes),
            fix=fix,
        )
        key = (diagnostic.code, span.file, span.start, span.end, diagnostic.message)
        if key not in self._seen:
            self._seen.add(key)
            self._items.append(diagnostic)
        return diagnostic

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            key = (diagnostic.code, diagnostic.span.file, diagnostic.span.start, diagnostic.span.end, diagnostic.message)
            if key not in self._seen:
                self._seen.add(key)
                self._items.append(diagnostic)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self._items)

    def sorted(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(self._items, key=Diagnostic.sort_key))


def render(diagnostic: Diagnostic, source: SourceFile | None = None, *, color: bool = False) -> str:
    """Renders one diagnostic: the headline, the source line with carets, then its notes."""
    span = diagnostic.span
    label = f"{diagnostic.severity}[{diagnostic.code}]"
    if color:
        tint = {"error": "31", "warning": "33", "info": "36", "hint": "36"}[diagnostic.severity]
        label = f"\x1b[1;{tint}m{label}\x1b[0m"
    lines = [f"{span.file}:{span.line}:{span.column}: {label}: {diagnostic.message}"]
    if source is not None:
        lines.extend(_excerpt(source, span))
    for note in diagnostic.notes:
        where = f"{note.span.file}:{note.span.line}:{note.span.column}: " if note.span else ""
        lines.append(f"  = note: {where}{note.message}")
    if diagnostic.fix is not None:
        lines.append(f"  = help: {diagnostic.fix.title}")
    return "\n".join(lines)


def _excerpt(source: SourceFile, span: Span) -> list[str]:
    text = source.line_text(span.line)
    if not text and span.line > len(source.line_starts):
        return []
    gutter = str(span.line)
    pad = " " * len(gutter)
    # Tabs are shown as single spaces so the carets stay under the right characters.
    shown = text.replace("\t", " ")
    first = max(span.column - 1, 0)
    last = span.end_column - 1 if span.end_line == span.line else len(text)
    width = max(last - first, 1)
    return [
        f" {pad} |",
        f" {gutter} | {shown}",
        f" {pad} | {' ' * first}{'^' * width}",
    ]


def summary_line(diagnostics: Iterable[Diagnostic], files: int) -> str:
    items = list(diagnostics)
    errors = sum(1 for d in items if d.severity == "error")
    warnings = sum(1 for d in items if d.severity == "warning")
    noun = "file" if files == 1 else "files"
    if not items:
        return f"checked {files} {noun}: no problems"
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"checked {files} {noun}: " + ", ".join(parts)
