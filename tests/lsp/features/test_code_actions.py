"""Quick fixes from diagnostics, and declaring a missing custom field."""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.features.code_actions import code_actions, type_syntax
from migc.semantics import types as T

from ..conftest import SAMPLE, snapshot_of

EVERYTHING = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=999, character=0))


def apply(snapshot, action) -> str:
    text = snapshot.text
    for edit in sorted(action.edit.changes[snapshot.uri], key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = snapshot.lines.offsets(edit.range)
        text = text[:start] + edit.new_text + text[end:]
    return text


def broken(tmp_path):
    text = SAMPLE.replace(
        '  drop segments lossy "segment rules are not kept"\n',
        "  drop segments\n  Emial <- email\n  Tags__c <- split(name)\n",
    ).replace('  "SENDING" -> "Active"\n', "")
    return snapshot_of(tmp_path, text)


def test_each_fix_becomes_a_quick_fix_that_clears_its_diagnostic(tmp_path):
    snapshot = broken(tmp_path)
    actions = {a.title: a for a in code_actions(snapshot, EVERYTHING)}
    assert {"add a lossy note", "replace with `Email`", "add the missing entries"} <= set(actions)
    assert all(a.kind == types.CodeActionKind.QuickFix and a.diagnostics for a in actions.values())
    fixed = snapshot_of(tmp_path, apply(snapshot, actions["replace with `Email`"]), "fixed.mig")
    assert not any("Emial" in d.message for d in fixed.analysis.diagnostics)
    assert any("Emial" in d.message for d in snapshot.analysis.diagnostics)
    assert 'segments lossy "not migrated"' in apply(snapshot, actions["add a lossy note"])
    assert '  "SENDING" -> \n' in apply(snapshot, actions["add the missing entries"])


def test_unknown_target_field_offers_a_typed_create_field_after_the_last_create(tmp_path):
    snapshot = broken(tmp_path)
    actions = {a.title: a for a in code_actions(snapshot, EVERYTHING)}
    declare = actions["declare `create field Contacts.Tags__c: list[string]`"]
    new_text = apply(snapshot, declare)
    lines = new_text.splitlines()
    assert lines[lines.index('create field Contacts.Netmera_Id__c: string(64) unique label "Netmera ID"') + 1] == "create field Contacts.Tags__c: list[string]"
    rechecked = snapshot_of(tmp_path, new_text, "declared.mig")
    assert not any("Tags__c" in d.message for d in rechecked.analysis.diagnostics)


def test_without_creates_the_declaration_follows_the_header(tmp_path):
    text = "migration m {\n  from netmera\n  to zoho_crm\n}\n\nmap Campaign -> Campaigns {\n  Campaign_Name <- name ?? \"x\"\n  Score__c <- 3\n}\n"
    snapshot = snapshot_of(tmp_path, text)
    (action,) = [a for a in code_actions(snapshot, EVERYTHING) if a.title.startswith("declare")]
    assert apply(snapshot, action).startswith("migration m {\n  from netmera\n  to zoho_crm\n}\n\ncreate field Campaigns.Score__c: integer\n")


def test_only_diagnostics_in_the_range(tmp_path):
    snapshot = broken(tmp_path)
    first_line = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=5))
    assert code_actions(snapshot, first_line) == []


def test_type_syntax_writes_declarable_types():
    assert type_syntax(T.Type(kind="picklist", values=("a", 'b"'))) == 'picklist("a", "b\\"")'
    assert type_syntax(T.Type(kind="lookup", to=("Accounts",))) == "lookup(Accounts)"
    assert type_syntax(T.Type(kind="decimal", precision=16, scale=2)) == "decimal(16, 2)"
    assert type_syntax(T.NULL) == "string" and type_syntax(T.JSON) == "text"
