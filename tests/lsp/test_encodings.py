"""Position encodings over the wire: UTF-16 by default, UTF-8 when the client asks for it."""

from __future__ import annotations

import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import doc, wait_until

TEXT = (
    "migration m {\n  from netmera\n  to zoho_crm\n}\n"
    'map Campaign -> Campaigns {\n  Campaign_Name <- "東京😀" + name ?? "x"\n  Score__c <- 3\n}\n'
)
LINE = 5  # the line with CJK and an emoji before `name`


def configured(encoding: str):
    capabilities = types.ClientCapabilities(general=types.GeneralClientCapabilities(position_encodings=[encoding]))

    @pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "migc.lsp"]))
    async def fixture(lsp_client: LanguageClient, tmp_path):
        result = await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
        lsp_client.negotiated = result.capabilities.position_encoding
        lsp_client.folder = tmp_path
        yield
        await lsp_client.shutdown_session()

    return fixture


utf8_client = configured(types.PositionEncodingKind.Utf8)
utf16_client = configured(types.PositionEncodingKind.Utf16)


async def hover_on_name(client: LanguageClient, character: int) -> str:
    uri = (client.folder / "enc.mig").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="mig", version=1, text=TEXT)))
    await wait_until(lambda: uri in client.diagnostics)
    (diagnostic,) = client.diagnostics[uri]  # Score__c is not a field: it comes after the odd line
    assert diagnostic.range.start == types.Position(line=LINE + 1, character=2)
    found = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=types.Position(line=LINE, character=character)))
    return found.contents.value if found else ""


# `  Campaign_Name <- "` is 20 units; 東京 is 2 UTF-16 units or 6 UTF-8 bytes, 😀 2 or 4; `" + ` 4.


async def test_utf16_is_the_default(utf16_client: LanguageClient):
    assert utf16_client.negotiated == "utf-16"
    assert "Campaign.name: string" in await hover_on_name(utf16_client, 20 + 2 + 2 + 4 + 1)


async def test_utf8_when_the_client_asks(utf8_client: LanguageClient):
    assert utf8_client.negotiated == "utf-8"
    assert "Campaign.name: string" in await hover_on_name(utf8_client, 20 + 6 + 4 + 4 + 1)
