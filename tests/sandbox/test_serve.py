"""Tests for migc.sandbox.serve: a sandbox over real HTTP, its default limits, and its saved store."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from migc.connectors import zoho_crm
from migc.connectors.secrets import Secret
from migc.sandbox.base import SandboxConfig
from migc.sandbox.registry import sandbox_settings
from migc.sandbox.serve import LOOPBACK, build_server, sandbox_config, serve
from migc.sandbox.store import Store

CANARY = "canary-http-3b8e61f0"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@pytest.fixture
def served() -> Iterator[tuple[str, Store]]:
    store = Store()
    port = free_port()
    server = build_server("zoho_crm", port=port, config=SandboxConfig(token=CANARY), store=store)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.01)
    yield f"http://{LOOPBACK}:{port}", store
    server.should_exit = True
    thread.join(timeout=10)


async def test_connector_over_http_without_leaking_the_token(served: tuple[str, Store], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    origin, store = served
    settings = sandbox_settings("zoho_crm", origin=origin, token=Secret(CANARY), extra={})
    async with zoho_crm.connect(settings) as connector:
        results = await connector.upsert("Contacts", [{"Last_Name": "Over", "Email": "http@example.com"}], ["Email"])
        listed = [record async for record in connector.list("Contacts")]
    assert results[0].outcome == "created" and len(listed) == 1
    assert store.count("Contacts") == 1
    assert "HTTP Request" in caplog.text
    assert CANARY not in caplog.text


def test_serve_uses_documented_limits() -> None:
    assert sandbox_config("pipedrive").rate_limit.calls == 20
    zoho = sandbox_config("zoho_crm").rate_limit
    assert (zoho.calls, zoho.concurrency) == (None, 10)


def test_serve_saves_the_store_on_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sandbox.json"
    seeded = Store()
    seeded.insert("persons", "1", {"id": 1, "name": "kept"})
    seeded.save(path)

    def run_and_write(self: object) -> None:
        app = self.config.app  # type: ignore[attr-defined]
        app.state.store.insert("persons", "2", {"id": 2, "name": "added"})

    monkeypatch.setattr("uvicorn.Server.run", run_and_write)
    serve("pipedrive", port=free_port(), store_path=path)
    assert [r["name"] for r in Store.from_file(path).all("persons")] == ["kept", "added"]
