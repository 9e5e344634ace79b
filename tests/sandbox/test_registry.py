"""Tests for migc.sandbox.registry: apps by platform name and settings that reach them."""

from __future__ import annotations

import httpx
import pytest

from migc.connectors.registry import TARGET_PLATFORMS, connect_target
from migc.sandbox.base import SandboxConfig
from migc.sandbox.registry import UnknownSandbox, base_path, create_app, sandbox_settings


@pytest.mark.parametrize("platform", TARGET_PLATFORMS)
async def test_every_target_connects_to_its_sandbox(platform: str) -> None:
    app = create_app(platform)
    settings = sandbox_settings(platform)
    assert settings.base_url == "http://sandbox.invalid" + base_path(platform)
    async with connect_target(settings, transport=httpx.ASGITransport(app=app)) as connector:
        description = await connector.describe({"zoho_crm": "Contacts", "pipedrive": "persons", "freshsales": "contacts"}[platform])
    assert description["fields"] and description["platform"] == platform


def test_token_override_follows_the_config() -> None:
    settings = sandbox_settings("pipedrive", config=SandboxConfig(token="custom"))
    assert settings.token.reveal() == "custom"


def test_unknown_sandbox() -> None:
    with pytest.raises(UnknownSandbox, match="did you mean 'pipedrive'"):
        create_app("pipedrvie")
