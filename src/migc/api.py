"""The public API the CLI and the language server share: `parse`, `check`.

Each function takes paths or text and returns typed data; none prints or exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from migc.semantics.check import Analysis, check_file
from migc.source import SourceFile
from migc.syntax.parser import ParseResult, parse as _parse


def parse(text: str, name: str = "<input>") -> ParseResult:
    return _parse(SourceFile(name, text))


def check(path: Path, *, text: str | None = None, overlays: Sequence[Path] = ()) -> Analysis:
    """Checks one file (and its imports) against both platforms' catalogs and `overlays`.

    `text`, when given, stands for the file's contents (an unsaved editor buffer)."""
    return check_file(path, text=text, overlays=tuple(overlays), display_name=str(path))
