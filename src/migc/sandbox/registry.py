"""Finds a platform's sandbox module and builds its app, plus connection settings that reach it.

Sandbox modules live at `migc.sandbox.<platform>` and expose `create_app(config, store)`; they
may set `BASE_PATH` (e.g. Zoho's `/crm/v8`), the path prefix a connector's base URL ends with.
"""

from __future__ import annotations

import difflib
import importlib
from types import ModuleType
from typing import Any

from starlette.applications import Starlette

from migc.connectors.base import ConnectionSettings
from migc.connectors.registry import PLATFORMS
from migc.connectors.secrets import Secret
from migc.sandbox.base import SANDBOX_CREDENTIALS, SandboxConfig
from migc.sandbox.store import Store

# The host name used for in-process transports; any name works because nothing resolves it.
IN_PROCESS_ORIGIN = "http://sandbox.invalid"


class UnknownSandbox(Exception):
    """No sandbox exists for the name given."""


def sandbox_module(platform: str) -> ModuleType:
    if platform not in PLATFORMS:
        close = difflib.get_close_matches(platform, PLATFORMS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known platforms: {', '.join(PLATFORMS)}"
        raise UnknownSandbox(f"no sandbox for {platform!r}{hint}")
    return importlib.import_module(f"migc.sandbox.{platform}")


def create_app(platform: str, config: SandboxConfig | None = None, store: Store | None = None) -> Starlette:
    return sandbox_module(platform).create_app(config or SandboxConfig(), store)


def base_path(platform: str) -> str:
    return str(getattr(sandbox_module(platform), "BASE_PATH", ""))


def sandbox_settings(
    platform: str, *, origin: str = IN_PROCESS_ORIGIN, config: SandboxConfig | None = None, **overrides: Any
) -> ConnectionSettings:
    """Settings that log in to `platform`'s sandbox at `origin` (in-process by default).

    A sandbox module may define `connection_options(origin) -> dict[str, str]` for options the
    connector needs to find it (e.g. Zoho's accounts server for token refresh)."""
    module = sandbox_module(platform)
    options_for = getattr(module, "connection_options", None)
    if options_for is not None and "options" not in overrides:
        overrides["options"] = dict(options_for(origin))
    credentials = dict(SANDBOX_CREDENTIALS[platform])
    default_token = Secret(config.token_for(platform) if config is not None else credentials["token"])
    del credentials["token"]
    overrides.setdefault("token", default_token)
    overrides.setdefault("extra", {name: Secret(value) for name, value in sorted(credentials.items())})
    return ConnectionSettings(
        platform=platform, base_url=origin.rstrip("/") + str(getattr(module, "BASE_PATH", "")), **overrides
    )
