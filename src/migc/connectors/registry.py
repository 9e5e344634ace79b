"""Finds the connector module of a platform and opens connectors by platform name.

Platform modules live at `migc.connectors.<platform>` and expose `connect(settings, *, transport=None)`;
they are imported only when asked for, so a command that touches one platform loads one module.
"""

from __future__ import annotations

import difflib
import importlib
from types import ModuleType

import httpx

from migc.connectors.base import ConnectionSettings, ConnectorError, SourceConnector, TargetConnector

SOURCE_PLATFORMS: tuple[str, ...] = ("actimo", "customerio", "netmera")
TARGET_PLATFORMS: tuple[str, ...] = ("freshsales", "pipedrive", "zoho_crm")
PLATFORMS: tuple[str, ...] = tuple(sorted(SOURCE_PLATFORMS + TARGET_PLATFORMS))


class UnknownPlatform(ConnectorError):
    """No connector exists for the name given."""


def connector_module(platform: str) -> ModuleType:
    """The module `migc.connectors.<platform>`; a clear error for unknown names."""
    if platform not in PLATFORMS:
        close = difflib.get_close_matches(platform, PLATFORMS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known platforms: {', '.join(PLATFORMS)}"
        raise UnknownPlatform(f"unknown platform {platform!r}{hint}")
    return importlib.import_module(f"migc.connectors.{platform}")


def connect(
    settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> SourceConnector | TargetConnector:
    """A connector for `settings.platform`."""
    return connector_module(settings.platform).connect(settings, transport=transport)


def connect_source(
    settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> SourceConnector:
    if settings.platform not in SOURCE_PLATFORMS:
        raise UnknownPlatform(
            f"{settings.platform!r} is not a source platform; sources: {', '.join(SOURCE_PLATFORMS)}"
        )
    connector = connect(settings, transport=transport)
    if not isinstance(connector, SourceConnector):
        raise ConnectorError(f"migc.connectors.{settings.platform}.connect() did not return a source connector")
    return connector


def connect_target(
    settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> TargetConnector:
    if settings.platform not in TARGET_PLATFORMS:
        raise UnknownPlatform(
            f"{settings.platform!r} is not a target platform; targets: {', '.join(TARGET_PLATFORMS)}"
        )
    connector = connect(settings, transport=transport)
    if not isinstance(connector, TargetConnector):
        raise ConnectorError(f"migc.connectors.{settings.platform}.connect() did not return a target connector")
    return connector
