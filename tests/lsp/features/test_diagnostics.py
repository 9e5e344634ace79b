"""LSP diagnostics: the checker's codes, severities, messages and notes, placed correctly."""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.features.diagnostics import document_diagnostics

from ..conftest import SAMPLE, snapshot_of


def test_codes_severities_messages_and_related_information(tmp_path):
    text = SAMPLE.replace("let fallback_name", "let unused = 1\nlet fallback_name").replace("Email <- normalize_email(email)", "Email <- normalize_email(emial)")
    snapshot = snapshot_of(tmp_path, text)
    found = document_diagnostics(snapshot)
    assert [(d.code, d.severity) for d in found] == [(d.code, types.DiagnosticSeverity.Error if d.severity == "error" else types.DiagnosticSeverity.Warning) for d in snapshot.analysis.diagnostics]
    assert [d.message for d in found] == [d.message for d in snapshot.analysis.diagnostics]
    unused = next(d for d in found if d.code == "MIG0801")
    assert unused.tags == [types.DiagnosticTag.Unnecessary] and unused.source == "migc"
    unknown = next(d for d in found if d.code == "MIG0201")
    line = text.splitlines().index("  Email <- normalize_email(emial)")
    assert unknown.range == types.Range(start=types.Position(line=line, character=27), end=types.Position(line=line, character=32))


def test_notes_become_related_information(tmp_path):
    text = SAMPLE.replace("let fallback_name", 'let fallback_name = "x"\nlet fallback_name')
    found = document_diagnostics(snapshot_of(tmp_path, text))
    duplicate = next(d for d in found if d.code == "MIG0203")
    (related,) = duplicate.related_information
    assert related.message == "first declared here" and related.location.range.start.line == 11


def test_problems_in_imported_files_show_on_the_import(tmp_path):
    (tmp_path / "shared.mig").write_text("let a = (\n", encoding="utf-8")
    found = document_diagnostics(snapshot_of(tmp_path, 'import "shared.mig"\nlet b = 1\n'))
    broken = [d for d in found if d.message.startswith(str(tmp_path))]
    assert broken and broken[0].range.start.line == 0
    assert broken[0].related_information[0].location.uri.endswith("shared.mig")
