"""The server stays up and keeps answering: malformed documents, a 10,000-line document, and 50
edits in a row."""

from __future__ import annotations

import asyncio
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from .conftest import SAMPLE, doc, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

MALFORMED = {
    "empty": "",
    "only a keyword": "map",
    "unclosed blocks": "migration m {\n  from netmera\nmap User -> Contacts {\n  Email <- (email\n",
    "stray braces": "}}}{{{\n)\n]\n",
    "unterminated string": 'let a = "never closed\nlet b = `half',
    "binary": "map User -> \x00\x01\x02 {",
    "deep nesting": "let x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
    "long line": "let x = " + " + ".join(["1"] * 5000) + "\n",
    "unicode soup": 'migration 名前 {\n  from 😀\n}\nmap Ünïcode -> 東京 { é́ <- "\u202e" }\n',
    "only comments": "# a\n# b\n",
    "garbage": "@@@ ### $$$ %%% <- -> ?? | . ,,, ::\n",
}

# Odd but valid: parentheses leave no trace in the tree, so deep nesting is no error.
VALID = frozenset({"empty", "only comments", "deep nesting"})


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "migc.lsp"]))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    folder = tmp_path_factory.mktemp("robust")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="robust")],
    ))
    lsp_client.folder = folder
    yield
    await lsp_client.shutdown_session()


def generated(lines: int) -> str:
    head = ["migration big {", "  from netmera", "  to zoho_crm", "}", "create field Contacts.Netmera_Id__c: string(64) unique"]
    body: list[str] = []
    index = 0
    while len(head) + len(body) < lines:
        body += [
            f"map User -> Contacts where age > {index % 90} {{",
            "  key Netmera_Id__c <- extId",
            "  Email <- normalize_email(email)",
            f'  Last_Name <- (surname ?? name ?? "Unknown {index}") | truncate(80)',
            "}",
        ]
        index += 1
    return "\n".join((head + body)[:lines]) + "\n"


async def every_request_answers(client: LanguageClient, uri: str, text: str) -> None:
    """Sends each request at a few positions; any error response fails the test."""
    lines = text.split("\n")
    positions = [types.Position(line=0, character=0), types.Position(line=len(lines) - 1, character=len(lines[-1]))]
    middle = len(lines) // 2
    positions.append(types.Position(line=middle, character=min(len(lines[middle]), 5)))
    for position in positions:
        await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri), position=position))
        await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=position))
        await client.text_document_definition_async(types.DefinitionParams(text_document=doc(uri), position=position))
        await client.text_document_signature_help_async(types.SignatureHelpParams(text_document=doc(uri), position=position))
        await client.text_document_references_async(types.ReferenceParams(text_document=doc(uri), position=position, context=types.ReferenceContext(include_declaration=True)))
        await client.text_document_prepare_rename_async(types.PrepareRenameParams(text_document=doc(uri), position=position))
    whole = types.Range(start=positions[0], end=positions[1])
    await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc(uri)))
    await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc(uri)))
    await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc(uri)))
    await client.text_document_code_action_async(types.CodeActionParams(text_document=doc(uri), range=whole, context=types.CodeActionContext(diagnostics=[])))
    await client.text_document_formatting_async(types.DocumentFormattingParams(text_document=doc(uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))


@pytest.mark.parametrize("name", sorted(MALFORMED))
async def test_malformed_documents_get_diagnostics_and_answers(client: LanguageClient, name: str):
    text = MALFORMED[name]
    uri = (client.folder / f"{name.replace(' ', '_')}.mig").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="mig", version=1, text=text)))
    await wait_until(lambda: uri in client.diagnostics)
    if name not in VALID:
        assert client.diagnostics[uri], f"{name}: a broken document must get a diagnostic"
    await every_request_answers(client, uri, text)
    assert not client.error


async def test_huge_document_is_checked_and_answers_while_checking(client: LanguageClient):
    text = generated(10_000)
    uri = (client.folder / "huge.mig").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="mig", version=1, text=text)))
    # completion answers from the text alone while the first check is still running
    result = await asyncio.wait_for(client.text_document_completion_async(types.CompletionParams(
        text_document=doc(uri), position=types.Position(line=6, character=2),
    )), timeout=30)
    assert {"key", "let", "drop"} <= {item.label for item in result.items}
    await wait_until(lambda: uri in client.diagnostics, timeout=120)
    hover = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=types.Position(line=9_997, character=12)))
    assert hover is not None and "normalize_email" in hover.contents.value


async def test_fifty_edits_in_a_row_end_in_the_last_versions_diagnostics(client: LanguageClient):
    uri = (client.folder / "typing.mig").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="mig", version=1, text=SAMPLE)))
    await wait_until(lambda: uri in client.diagnostics)
    assert len(client.diagnostics[uri]) == 0
    end = types.Position(line=len(SAMPLE.splitlines()), character=0)
    typed = "let unused_typed_name = 42\n"
    version = 1
    for char in typed * 2:  # 54 edits, one character each, as fast as the pipe takes them
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text=char)],
        ))
        end = types.Position(line=end.line + 1, character=0) if char == "\n" else types.Position(line=end.line, character=end.character + 1)
    # Edits are checked as they come, so versions in between may publish their own diagnostics
    # (a half-typed `let`); the last version's must arrive and stay.
    def codes() -> list[str]:
        return sorted(d.code for d in client.diagnostics.get(uri, ()))

    await wait_until(lambda: codes() == ["MIG0203", "MIG0801"])  # declared twice; the first one unused
    await asyncio.sleep(0.3)
    assert codes() == ["MIG0203", "MIG0801"]
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc(uri)))
    assert [s.name for s in symbols].count("unused_typed_name") == 2


async def test_edits_across_an_example_keep_diagnostics_and_positions_exact(client: LanguageClient):
    """Typing in one map, breaking and mending another, adding a line above them all: after each
    edit the published diagnostics equal `migc check` of the text, and go to definition from a
    name use far below the edits lands on the declaration (the checker re-used those maps)."""
    from pathlib import Path

    from migc.semantics.check import check_file
    from migc.lsp.convert import LineIndex

    example = Path(__file__).resolve().parents[2] / "examples" / "netmera_to_zoho.mig"
    path = client.folder / "edited.mig"
    text = example.read_text(encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="mig", version=1, text=text)))
    await wait_until(lambda: uri in client.diagnostics)
    version = 1

    async def replace(old: str, new: str, occurrence: int = 0) -> None:
        nonlocal text, version
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(old, start + 1)
        lines = LineIndex(text)
        change = types.TextDocumentContentChangePartial(range=types.Range(start=lines.position(start), end=lines.position(start + len(old))), text=new)
        text = text[:start] + new + text[start + len(old) :]
        version += 1
        client.diagnostics.pop(uri, None)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change],
        ))
        path.write_text(text, encoding="utf-8")
        expected = [(d.code, d.message, d.span.line - 1, d.span.column - 1) for d in check_file(path).diagnostics]
        await wait_until(lambda: uri in client.diagnostics)
        published = [(d.code, d.message, d.range.start.line, d.range.start.character) for d in client.diagnostics[uri]]
        assert published == expected

    await replace("<- ", "<- x", occurrence=3)  # an unknown name in one map
    await replace("<- x", "<- ")
    await replace("{", "{ (", occurrence=6)  # a syntax error in another
    await replace("{ (", "{")
    await replace("migration", "# a comment above everything\nmigration")  # every item moves a line down
    # `high_value_events` is used in a map far below the edits (whose check was reused) and
    # declared above them: both ends must sit where the text now has the name.
    use = text.rindex("high_value_events")
    lines = LineIndex(text)
    found = await client.text_document_definition_async(types.DefinitionParams(text_document=doc(uri), position=lines.position(use + 2)))
    (location,) = found if isinstance(found, list) else [found]
    assert location.uri == uri
    assert text.startswith("high_value_events =", lines.offset(location.range.start))
    references = await client.text_document_references_async(types.ReferenceParams(
        text_document=doc(uri), position=lines.position(use + 2), context=types.ReferenceContext(include_declaration=False),
    ))
    starts = sorted(lines.offset(r.range.start) for r in references if r.uri == uri)
    assert use in starts
    assert all(text.startswith("high_value_events", start) for start in starts)
