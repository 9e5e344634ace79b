"""End to end: the real server over stdio (`python -m migc.lsp`), driven by pytest-lsp with
VS Code's client capabilities, one request or notification per feature."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from migc.semantics.check import check_file

from .conftest import SAMPLE, at, doc, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "migc.lsp"])
INITIALIZED: dict[str, types.InitializeResult] = {}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workspace")
    (folder / "sample.mig").write_text(SAMPLE, encoding="utf-8")
    (folder / "shared.mig").write_text('# shared declarations\nlet vip_tags = ["vip", "gold"]\n', encoding="utf-8")
    (folder / "user.mig").write_text(
        'import vip_tags from "shared.mig"\n\nlet first_tag = vip_tags[0]\nlet all_tags = vip_tags\n', encoding="utf-8"
    )
    return folder


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, workspace: Path):
    INITIALIZED["result"] = await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")],
        initialization_options={"debounceMs": 50},
    ))
    yield
    await lsp_client.shutdown_session()


# ---------------------------------------------------------------------------- helpers


OPENED: set[str] = set()


async def open_document(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """Opens a document (once per test module) and waits for its first diagnostics."""
    uri = path.as_uri()
    if uri in OPENED:
        return uri
    OPENED.add(uri)
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="mig", version=1, text=path.read_text(encoding="utf-8") if text is None else text,
    )))
    await wait_until(lambda: uri in client.diagnostics)
    return uri


# ---------------------------------------------------------------------------- tests


async def test_capabilities_advertise_every_feature(client: LanguageClient):
    capabilities = INITIALIZED["result"].capabilities
    assert capabilities.completion_provider.trigger_characters
    assert capabilities.hover_provider and capabilities.definition_provider and capabilities.references_provider
    assert capabilities.rename_provider.prepare_provider
    assert capabilities.document_symbol_provider and capabilities.workspace_symbol_provider
    assert capabilities.folding_range_provider and capabilities.document_formatting_provider
    assert list(capabilities.semantic_tokens_provider.legend.token_types[:3]) == ["namespace", "type", "class"]
    assert list(capabilities.signature_help_provider.trigger_characters) == ["(", ","]
    assert capabilities.code_action_provider


async def test_diagnostics_on_open_equal_migc_check(client: LanguageClient, workspace: Path):
    path = workspace / "broken.mig"
    text = SAMPLE.replace("Email <- normalize_email(email)", "Emial <- normalize_email(emial)")
    path.write_text(text, encoding="utf-8")
    uri = await open_document(client, path)
    expected = check_file(path, display_name=str(path)).diagnostics
    published = client.diagnostics[uri]
    assert [(d.code, d.message) for d in published] == [(d.code, d.message) for d in expected]
    assert {d.code for d in published} == {"MIG0405", "MIG0201"}
    assert all(d.source == "migc" and d.severity == types.DiagnosticSeverity.Error for d in published)


async def test_diagnostics_follow_changes(client: LanguageClient, workspace: Path):
    path = workspace / "changing.mig"
    path.write_text(SAMPLE, encoding="utf-8")
    uri = await open_document(client, path)
    assert list(client.diagnostics[uri]) == []
    client.diagnostics.pop(uri)
    line = SAMPLE.splitlines().index("  First_Name <- short")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=line, character=16), end=types.Position(line=line, character=21)),
            text="shrot",
        )],
    ))
    await wait_until(lambda: client.diagnostics.get(uri))
    (diagnostic,) = client.diagnostics[uri]
    assert diagnostic.code == "MIG0201" and "did you mean `short`?" in diagnostic.message
    assert diagnostic.range.start == types.Position(line=line, character=16)


async def test_completion(client: LanguageClient, workspace: Path):
    uri = await open_document(client, workspace / "sample.mig")
    line = SAMPLE.splitlines().index("  First_Name <- short")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=doc(uri), position=types.Position(line=line, character=2),
    ))
    labels = {item.label: item for item in result.items}
    assert labels["Last_Name"].detail == "string(80) · required"
    assert "key" in labels and "extId" not in labels


async def test_hover(client: LanguageClient, workspace: Path):
    uri = await open_document(client, workspace / "sample.mig")
    result = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=at(SAMPLE, "Netmera_Id__c", after="key")))
    assert "Contacts.Netmera_Id__c: string(64)" in result.contents.value
    result = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=at(SAMPLE, "truncate")))
    assert "truncate(s: string, length: integer) -> string" in result.contents.value


async def test_definition_and_references_across_files(client: LanguageClient, workspace: Path):
    user_text = (workspace / "user.mig").read_text(encoding="utf-8")
    uri = await open_document(client, workspace / "user.mig")
    found = await client.text_document_definition_async(types.DefinitionParams(text_document=doc(uri), position=at(user_text, "vip_tags", after="let first")))
    assert [(l.uri.rsplit("/", 1)[1], l.range.start.line) for l in found] == [("shared.mig", 1)]
    references = await client.text_document_references_async(types.ReferenceParams(
        text_document=doc(uri), position=at(user_text, "vip_tags", after="let first"), context=types.ReferenceContext(include_declaration=True),
    ))
    assert sorted((l.uri.rsplit("/", 1)[1], l.range.start.line) for l in references) == [
        ("shared.mig", 1), ("user.mig", 0), ("user.mig", 2), ("user.mig", 3),
    ]


async def test_rename_across_files(client: LanguageClient, workspace: Path):
    user_text = (workspace / "user.mig").read_text(encoding="utf-8")
    uri = await open_document(client, workspace / "user.mig")
    prepared = await client.text_document_prepare_rename_async(types.PrepareRenameParams(text_document=doc(uri), position=at(user_text, "vip_tags", after="let all")))
    assert prepared.placeholder == "vip_tags"
    edit = await client.text_document_rename_async(types.RenameParams(text_document=doc(uri), position=at(user_text, "vip_tags", after="let all"), new_name="premium_tags"))
    assert {u.rsplit("/", 1)[1]: len(edits) for u, edits in edit.changes.items()} == {"shared.mig": 1, "user.mig": 3}
    with pytest.raises(Exception, match="not a valid name"):
        await client.text_document_rename_async(types.RenameParams(text_document=doc(uri), position=at(user_text, "vip_tags", after="let all"), new_name="map"))


async def test_document_and_workspace_symbols(client: LanguageClient, workspace: Path):
    uri = await open_document(client, workspace / "sample.mig")
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc(uri)))
    assert "map User -> Contacts" in [s.name for s in symbols]
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="viptags"))
    assert [(s.name, s.location.uri.rsplit("/", 1)[1]) for s in found] == [("vip_tags", "shared.mig")]


async def test_folding_and_semantic_tokens(client: LanguageClient, workspace: Path):
    uri = await open_document(client, workspace / "sample.mig")
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc(uri)))
    assert (18, 25) in {(f.start_line, f.end_line) for f in folds}
    tokens = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc(uri)))
    assert len(tokens.data) % 5 == 0 and len(tokens.data) > 100
    assert list(tokens.data[:5]) == [0, 0, len("# Sample mapping for the language server tests."), 10, 0]  # a comment


async def test_formatting(client: LanguageClient, workspace: Path):
    path = workspace / "messy.mig"
    path.write_text(SAMPLE.replace("  Email <- normalize_email(email)", "  Email    <-   normalize_email(email)"), encoding="utf-8")
    uri = await open_document(client, path)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=doc(uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True),
    ))
    assert len(edits) == 1 and "  Email <- normalize_email(email)" in edits[0].new_text


async def test_signature_help(client: LanguageClient, workspace: Path):
    uri = await open_document(client, workspace / "sample.mig")
    found = await client.text_document_signature_help_async(types.SignatureHelpParams(text_document=doc(uri), position=at(SAMPLE, "80)", delta=0)))
    assert found.signatures[0].label.startswith("truncate(") and found.active_parameter == 1


async def test_code_actions(client: LanguageClient, workspace: Path):
    path = workspace / "fixable.mig"
    text = SAMPLE.replace("  First_Name <- short\n", "  First_Name <- short\n  Score__c <- 3\n")
    path.write_text(text, encoding="utf-8")
    uri = await open_document(client, path)
    (diagnostic,) = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(uri), range=diagnostic.range, context=types.CodeActionContext(diagnostics=[diagnostic]),
    ))
    assert [a.title for a in actions] == ["declare `create field Contacts.Score__c: integer`"]


async def test_settings_add_account_overlays(client: LanguageClient, workspace: Path):
    path = workspace / "overlay.mig"
    text = 'migration o {\n  from netmera\n  to zoho_crm\n}\nmap Campaign -> Actimo_Workspaces__c {\n  Name <- name ?? "x"\n}\n'
    path.write_text(text, encoding="utf-8")
    uri = await open_document(client, path)
    assert [d.code for d in client.diagnostics[uri]] == ["MIG0404"]
    client.diagnostics.pop(uri)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"mig": {"specs": [str(ROOT / "specs" / "overlays")]}}))
    await wait_until(lambda: uri in client.diagnostics)
    assert list(client.diagnostics[uri]) == []


async def test_closing_clears_diagnostics(client: LanguageClient, workspace: Path):
    uri = (workspace / "broken.mig").as_uri()
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc(uri)))
    await wait_until(lambda: client.diagnostics.get(uri) is not None and len(client.diagnostics[uri]) == 0)
    OPENED.discard(uri)
