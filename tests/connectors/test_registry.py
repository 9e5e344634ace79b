"""Tests for migc.connectors.registry."""

from __future__ import annotations

import pytest

from migc.connectors.base import ConnectionSettings, TargetConnector
from migc.connectors.registry import (
    PLATFORMS,
    UnknownPlatform,
    connect_source,
    connect_target,
    connector_module,
)
from migc.connectors.secrets import Secret


def test_platform_lists() -> None:
    assert PLATFORMS == ("actimo", "customerio", "freshsales", "netmera", "pipedrive", "zoho_crm")


def test_unknown_platform_suggests_a_name() -> None:
    with pytest.raises(UnknownPlatform, match="did you mean 'zoho_crm'"):
        connector_module("zoho_cmr")
    with pytest.raises(UnknownPlatform, match="known platforms"):
        connector_module("salesforce")


@pytest.mark.parametrize("platform", ["zoho_crm", "pipedrive", "freshsales"])
async def test_targets_satisfy_the_protocol(platform: str) -> None:
    settings = ConnectionSettings(platform=platform, base_url="http://example.invalid", token=Secret("t"))
    connector = connect_target(settings)
    try:
        assert isinstance(connector, TargetConnector)
        assert connector.platform == platform
    finally:
        await connector.aclose()


def test_kind_is_checked() -> None:
    settings = ConnectionSettings(platform="zoho_crm", base_url="http://example.invalid", token=Secret("t"))
    with pytest.raises(UnknownPlatform, match="not a source platform"):
        connect_source(settings)
