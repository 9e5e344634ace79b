"""Document outline and workspace symbols."""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.features.symbols import document_symbols, workspace_symbols

from ..conftest import snapshot_of

K = types.SymbolKind


def test_outline_is_hierarchical(sample):
    outline = {s.name: s for s in document_symbols(sample)}
    assert list(outline) == [
        'import "std/regions.mig"', "migration sample", "Contacts.Netmera_Id__c", "fallback_name",
        "campaign_status", "map User -> Contacts", "map Campaign -> Campaigns",
    ]
    header = outline["migration sample"]
    assert header.kind == K.Module and header.detail == "netmera -> zoho_crm"
    assert [c.name for c in header.children] == ["from netmera", "to zoho_crm", "consent gdpr for User"]
    user_map = outline["map User -> Contacts"]
    assert [(c.name, c.kind) for c in user_map.children][:2] == [("Netmera_Id__c", K.Key), ("Email", K.Field)]
    assert outline["campaign_status"].kind == K.Enum and len(outline["campaign_status"].children) == 2


def test_object_rows_hold_their_blocks(tmp_path):
    snapshot = snapshot_of(tmp_path, 'object "User" -> "Contact" 1:1 {\n  map User -> Contacts {\n  }\n  rebuild Journey as "Workflow" {\n  }\n}\n')
    (row,) = document_symbols(snapshot)
    assert row.name == "User" and row.kind == K.Namespace and row.detail == "-> Contact (1:1)"
    assert [c.name for c in row.children] == ["map User -> Contacts", "rebuild Journey"]


def test_selection_ranges_lie_inside_their_ranges(sample):
    def check(symbols):
        for symbol in symbols:
            start = (symbol.range.start.line, symbol.range.start.character)
            end = (symbol.range.end.line, symbol.range.end.character)
            assert start <= (symbol.selection_range.start.line, symbol.selection_range.start.character)
            assert (symbol.selection_range.end.line, symbol.selection_range.end.character) <= end
            check(symbol.children or [])

    check(document_symbols(sample))


def test_workspace_symbols_filter_by_subsequence_across_files(tmp_path, sample):
    other = snapshot_of(tmp_path, "let campaign_tags = 1\n", "other.mig")
    found = workspace_symbols([sample, other], "camptag")
    assert [(s.name, s.location.uri.rsplit("/", 1)[1]) for s in found] == [("campaign_tags", "other.mig")]
    assert {s.name for s in workspace_symbols([sample, other], "campaign")} >= {"campaign_status", "campaign_tags", "map Campaign -> Campaigns"}
