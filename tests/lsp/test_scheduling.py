"""The server's scheduling, without the protocol: debouncing, stale checks, settings."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import msgspec

from migc.lsp import server as server_module
from migc.lsp.server import MigLanguageServer, Settings, read_settings
from migc.lsp.snapshot import analyze

TEXT = "let a = 1\n"


class Document(msgspec.Struct):
    version: int
    source: str


def fake_server(tmp_path: Path, monkeypatch, *, gate: threading.Event | None = None):
    """A server whose documents, publishing and checker are observable."""
    server = MigLanguageServer()
    server.settings = Settings(debounce_ms=40)
    documents: dict[str, Document] = {}
    published: list[tuple[str, int]] = []
    checked: list[tuple[str, int]] = []
    monkeypatch.setattr(server, "document", lambda uri: documents.get(uri) if uri in server.open_uris else None)
    monkeypatch.setattr(server, "text_document_publish_diagnostics", lambda params: published.append((params.uri, params.version)))
    monkeypatch.setattr(server, "window_log_message", lambda params: None)

    def checking(uri, version, text, **options):
        if gate is not None and version == 1:
            gate.wait(10)
        checked.append((uri, version))
        return analyze(uri, version, text, **options)

    monkeypatch.setattr(server_module, "analyze", checking)
    uri = (tmp_path / "doc.mig").as_uri()
    server.open_uris.add(uri)
    documents[uri] = Document(1, TEXT)
    return server, documents, published, checked, uri


async def test_rapid_edits_check_and_publish_only_the_last_version(tmp_path, monkeypatch):
    server, documents, published, checked, uri = fake_server(tmp_path, monkeypatch)
    for version in range(2, 30):
        documents[uri] = Document(version, TEXT + f"let b{version} = {version}\n")
        server.schedule(uri)
    await asyncio.sleep(0.5)
    assert checked == [(uri, 29)]
    assert published == [(uri, 29)]
    assert server.latest(uri).version == 29


async def test_a_check_that_finishes_after_an_edit_is_kept_but_not_published(tmp_path, monkeypatch):
    gate = threading.Event()
    server, documents, published, checked, uri = fake_server(tmp_path, monkeypatch, gate=gate)
    server.schedule(uri, 0)
    await asyncio.sleep(0.05)  # version 1 is now being checked, held at the gate
    documents[uri] = Document(2, TEXT + "let c = 3\n")
    server.schedule(uri)
    gate.set()
    await asyncio.sleep(0.5)
    assert checked == [(uri, 1), (uri, 2)]
    assert published == [(uri, 2)]


async def test_without_a_debounce_a_burst_of_edits_costs_two_checks(tmp_path, monkeypatch):
    """The default: the first edit is checked at once; the edits made while it runs are
    coalesced into one check of the last version, the only one published."""
    gate = threading.Event()
    server, documents, published, checked, uri = fake_server(tmp_path, monkeypatch, gate=gate)
    server.settings = Settings()
    assert server.settings.debounce_ms == 0
    server.schedule(uri)  # version 1 starts at once and holds the worker at the gate
    await asyncio.sleep(0.05)
    assert server._inflight  # not waiting for a debounce
    for version in range(2, 20):
        documents[uri] = Document(version, TEXT + f"let b{version} = {version}\n")
        server.schedule(uri)
        await asyncio.sleep(0)
    gate.set()
    await asyncio.sleep(0.5)
    assert checked == [(uri, 1), (uri, 19)]
    assert published == [(uri, 19)]


async def test_a_queued_stale_check_is_skipped(tmp_path, monkeypatch):
    gate = threading.Event()
    server, documents, published, checked, uri = fake_server(tmp_path, monkeypatch, gate=gate)
    other = (tmp_path / "other.mig").as_uri()
    server.open_uris.add(other)
    server.schedule(uri, 0)  # version 1 of doc.mig holds the worker at the gate
    await asyncio.sleep(0.05)
    documents[other] = Document(1, TEXT)
    server.schedule(other, 0)  # queued behind it
    await asyncio.sleep(0.05)
    documents[other] = Document(2, TEXT + "let d = 4\n")  # ... and stale before it starts
    server.schedule(other)
    gate.set()
    await asyncio.sleep(0.5)
    assert (other, 1) not in checked and (other, 2) in checked
    assert (other, 2) in published and (other, 1) not in published


async def test_requests_wait_for_the_current_version(tmp_path, monkeypatch):
    server, documents, published, checked, uri = fake_server(tmp_path, monkeypatch)
    documents[uri] = Document(7, TEXT)
    snapshot = await server.current(uri)
    assert snapshot.version == 7 and checked == [(uri, 7)]
    assert await server.current(uri) is snapshot  # answered from the cache
    assert checked == [(uri, 7)]


def test_settings_accept_both_shapes_and_ignore_nonsense():
    base = Settings()
    assert read_settings({"specs": ["a"], "debounceMs": 25}, base) == Settings(specs=("a",), debounce_ms=25)
    assert read_settings({"mig": {"specs": "b"}}, base).specs == ("b",)
    assert read_settings({"mig": {"specs": [1, "c"], "debounceMs": -5}}, base) == Settings(specs=("c",), debounce_ms=server_module.DEFAULT_DEBOUNCE_MS)
    assert read_settings(None, base) is base


async def test_the_same_text_under_a_new_version_is_not_checked_again(tmp_path, monkeypatch):
    server, documents, published, checked, uri = fake_server(tmp_path, monkeypatch)
    first = await server.current(uri)
    documents[uri] = Document(2, TEXT)  # e.g. an edit and its undo arrive as one change
    second = await server.current(uri)
    assert checked == [(uri, 1)]
    assert second.version == 2 and second.analysis is first.analysis
    assert published == [(uri, 1), (uri, 2)]
