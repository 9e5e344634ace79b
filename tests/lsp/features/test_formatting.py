"""Formatting through `migc.formatter`: one whole-document edit, nothing for broken code."""

from __future__ import annotations

from migc.formatter import format_text
from migc.lsp.convert import LineIndex
from migc.lsp.features.formatting import format_document

from ..conftest import SAMPLE


def test_formatting_replaces_the_document_with_the_formatters_text():
    messy = SAMPLE.replace("  Email <- normalize_email(email)", "     Email   <-   normalize_email( email )")
    edits = format_document(messy, "doc.mig", LineIndex(messy))
    assert len(edits) == 1
    assert edits[0].new_text == format_text(messy, "doc.mig").text
    assert edits[0].range.start.line == 0 and edits[0].range.end.line == len(messy.splitlines())


def test_formatted_text_needs_no_edit_and_broken_text_is_left_alone():
    formatted = format_text(SAMPLE, "doc.mig").text
    assert format_document(formatted, "doc.mig", LineIndex(formatted)) == []
    assert format_document("map {", "doc.mig", LineIndex("map {")) is None
