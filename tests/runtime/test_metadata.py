"""`migc specs pull`: an account's custom fields and extra picklist options become an overlay
that the checker accepts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from migc.catalog import load_catalog, overlay_between
from migc.catalog.loader import read_overlay
from migc.cli import app
from migc.connectors.base import FieldDefinition
from migc.connectors.registry import connect_target
from migc.runtime.metadata import pull_account
from migc.sandbox.base import SandboxConfig
from migc.sandbox.registry import create_app, sandbox_settings
from migc.sandbox.store import Store


async def test_custom_fields_and_options_are_pulled(tmp_path: Path) -> None:
    store = Store()
    config = SandboxConfig()
    connector = connect_target(sandbox_settings("zoho_crm", config=config), transport=httpx.ASGITransport(app=create_app("zoho_crm", config, store)))
    try:
        api_name = await connector.create_field("Contacts", FieldDefinition(label="Loyalty tier", type="picklist", picklist=("Gold", "Silver")))
        base = load_catalog("zoho_crm")
        result = await pull_account(base, connector)
    finally:
        await connector.aclose()
    pulled = result.catalog.objects["Contacts"].fields[api_name]
    assert pulled.type == "picklist" and pulled.values == ("Gold", "Silver") and pulled.custom
    overlay = overlay_between(base, result.catalog, account_name="acme")
    assert api_name in overlay.objects["Contacts"].fields
    assert "Last_Name" not in (overlay.objects["Contacts"].fields or {})  # standard fields are not copied


def test_the_command_writes_an_overlay_the_checker_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["specs", "pull", "zoho_crm", "--sandbox", "--account", "acme", "--out", "overlays"])
    assert result.exit_code == 0, result.output
    overlay = read_overlay(tmp_path / "overlays" / "acme.zoho_crm.overlay.toml")
    assert overlay.overlay.platform == "zoho_crm" and overlay.overlay.account == "acme"
    assert load_catalog("zoho_crm", [tmp_path / "overlays"]) is not None


def test_source_platforms_are_refused_with_usage_status() -> None:
    result = CliRunner().invoke(app, ["specs", "pull", "netmera", "--sandbox"])
    assert result.exit_code == 2
