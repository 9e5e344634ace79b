"""One analysed version of a document: its text, `check_file`'s `Analysis`, and span lookups.

`analyze(uri, version, text)` runs the same checker as `migc check` on the editor's buffer, with
imports resolved relative to the document's path. A `Snapshot` never changes after it is built,
so the server can hand it to any feature while the next version is being checked.
"""

from __future__ import annotations

import bisect
import logging
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from migc import codes, relocation
from migc.diagnostics import Diagnostic, Diagnostics
from migc.lsp.convert import UTF16, LineIndex
from migc.resources import stdlib_dir
from migc.semantics import incremental
from migc.semantics.check import Analysis, check_file
from migc.semantics.expressions import Reference
from migc.semantics.mapping import MapEffects
from migc.semantics.program import Program, prelude
from migc.source import SourceError, SourceFile, Span
from migc.syntax import ast, parser

log = logging.getLogger(__name__)

PRELUDE_NAME = "std/prelude.mig"
STD_PREFIX = "std/"


def uri_to_path(uri: str) -> Path:
    """The file a document stands for. An unsaved buffer (`untitled:`) stands for a file in the
    working directory, so its relative imports resolve there."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if path:
        return Path(path)
    name = Path(unquote(urlparse(uri).path or "untitled")).name or "untitled"
    return Path.cwd() / (name if name.endswith(".mig") else name + ".mig")


def path_to_uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def same_path(a: Path, b: Path) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


class Snapshot:
    """A document version, its analysis, and conversions from the analysis' spans to LSP."""

    def __init__(self, uri: str, version: int, text: str, path: Path, analysis: Analysis, *, encoding: str = UTF16, error: str = "") -> None:
        self.uri = uri
        self.version = version
        self.text = text
        self.path = path
        self.analysis = analysis
        self.encoding = encoding
        self.error = error  # an internal failure of the checker (a bug), logged by the server
        self.lines = LineIndex(text, encoding)
        self._indexes: dict[str, LineIndex | None] = {path_key(path): self.lines}

    def with_version(self, version: int) -> Snapshot:
        """The same analysis for a later version with the same text."""
        return Snapshot(self.uri, version, self.text, self.path, self.analysis, encoding=self.encoding, error=self.error)

    # ------------------------------------------------------------------ the tree

    @property
    def module(self) -> ast.Module | None:
        root = self.analysis.program.root
        return root.module if root is not None else None

    @property
    def comments(self) -> tuple:
        root = self.analysis.program.root
        return root.parsed.comments if root is not None else ()

    @property
    def display_name(self) -> str:
        root = self.analysis.program.root
        return root.source.name if root is not None else str(self.path)

    def is_own(self, span: Span) -> bool:
        return span.file == self.display_name

    @cached_property
    def references(self) -> list[Reference]:
        """The analysis' name uses in this document, sorted by where they start."""
        name = self.display_name
        return sorted((r for r in self.analysis.references if r.span.file == name), key=lambda r: (r.span.start, r.span.end))

    @cached_property
    def _reference_starts(self) -> list[int]:
        return [r.span.start for r in self.references]

    def reference_at(self, offset: int) -> Reference | None:
        """The name use whose span contains `offset` (touching its end counts)."""
        index = bisect.bisect_right(self._reference_starts, offset) - 1
        while index >= 0:
            reference = self.references[index]
            if reference.span.start <= offset <= reference.span.end:
                return reference
            if reference.span.end < offset - 200:  # spans are short; no need to look further back
                break
            index -= 1
        return None

    # ------------------------------------------------------------------ files and positions

    def offset_at(self, position: types.Position) -> int:
        return self.lines.offset(position)

    def range_of(self, span: Span) -> types.Range:
        return self.lines.span_range(span)

    @cached_property
    def _paths_by_name(self) -> dict[str, Path]:
        paths = {m.source.name: Path(m.key) for m in self.analysis.program.modules.values()}
        paths[self.display_name] = self.path
        return paths

    def file_of(self, span: Span) -> Path | None:
        """The file a span points into: this document, an imported file or the standard library."""
        if span.file == self.display_name:
            return self.path
        found = self._paths_by_name.get(span.file)
        if found is not None:
            return found
        if span.file.startswith(STD_PREFIX):
            return stdlib_dir() / span.file[len(STD_PREFIX):]
        return None

    def source_text(self, span: Span) -> str | None:
        """The text of the file a span points into."""
        if span.file == self.display_name:
            return self.text
        source = self.analysis.sources.get(span.file)
        if source is not None:
            return source.text
        if span.file == PRELUDE_NAME:
            return prelude().source.text
        path = self.file_of(span)
        try:
            return path.read_text(encoding="utf-8-sig") if path is not None else None
        except (OSError, UnicodeDecodeError):
            return None

    def _index_of(self, span: Span) -> LineIndex | None:
        key = span.file
        if key == self.display_name:
            return self.lines
        if key not in self._indexes:
            text = self.source_text(span)
            self._indexes[key] = LineIndex(text, self.encoding) if text is not None else None
        return self._indexes[key]

    def location(self, span: Span) -> types.Location | None:
        """Where a span is, in any file the analysis read."""
        path = self.file_of(span)
        index = self._index_of(span)
        if path is None or index is None:
            return None
        uri = self.uri if span.file == self.display_name else path_to_uri(path)
        return types.Location(uri=uri, range=index.span_range(span))


def path_key(path: Path) -> str:
    return os.path.normcase(str(path))


def analyze(uri: str, version: int, text: str, *, overlays: Sequence[Path] = (), encoding: str = UTF16) -> Snapshot:
    """Checks a buffer exactly as `migc check` checks the file it stands for."""
    path = uri_to_path(uri)
    name = str(path)
    try:
        # The same limits `migc check` applies to a file on disk: size and NUL bytes.
        SourceFile.from_bytes(name, text.encode("utf-8", "surrogatepass"))
    except SourceError as error:
        return Snapshot(uri, version, text, path, _unreadable(name, error.reason), encoding=encoding)
    try:
        analysis = check_file(path, text=text, overlays=tuple(overlays), display_name=name, incremental=True)
    except Exception as error:  # a checker bug must not take the editor session down
        log.exception("checking %s failed", name)
        return Snapshot(uri, version, text, path, Analysis(Program()), encoding=encoding, error=f"{type(error).__name__}: {error}")
    return Snapshot(uri, version, text, path, analysis, encoding=encoding)


def warm_up() -> None:
    """Prepares what an analysis builds on first use (the span movers of incremental analyses,
    the recovering parser), so the first edit of a session is as fast as the next ones."""
    relocation.prepare(ast.Module, Diagnostic, parser.Comment, MapEffects, Reference)
    parser.prepare_recovery()


def forget(uri: str) -> None:
    """Drops what incremental analyses of a document kept (the editor closed it)."""
    name = str(uri_to_path(uri))
    parser.forget(name)
    incremental.forget(name)


def _unreadable(name: str, reason: str) -> Analysis:
    analysis = Analysis(Program())
    diagnostics = Diagnostics()
    diagnostics.add(codes.FILE_UNREADABLE, SourceFile(name, "").span(0, 0), f"{name}: {reason}")
    analysis.diagnostics = diagnostics.sorted()
    return analysis
