"""Formatting: `migc fmt`'s canonical layout (`migc.formatter.format_text`) as one text edit.

A document with syntax errors is left alone (the formatter refuses it); the diagnostics already
say what is wrong.
"""

from __future__ import annotations

from lsprotocol import types

from migc.formatter import format_text
from migc.lsp.convert import LineIndex


def format_document(text: str, name: str, lines: LineIndex) -> list[types.TextEdit] | None:
    """The edits that format `text`: none when it is already formatted, None when it cannot be."""
    result = format_text(text, name)
    if result.text is None:
        return None
    if not result.changed or result.text == text:
        return []
    whole = lines.range(0, len(text))
    return [types.TextEdit(range=whole, new_text=result.text)]
