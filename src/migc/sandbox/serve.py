"""Serves one platform sandbox over HTTP with uvicorn (`migc sandbox serve`), loopback by default.

The app is the same one tests use in-process. Its rate limit defaults to the platform's
documented budget (`DEFAULT_RATE_LIMIT` of the sandbox module, when it has one). With
`store_path`, the store is loaded from that file when it exists and saved back when the server
stops, so a run directory keeps the sandbox's state between CLI commands.
"""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn

from migc.sandbox.base import SandboxConfig
from migc.sandbox.registry import base_path, create_app, sandbox_module
from migc.sandbox.store import Store

log = logging.getLogger("migc.sandbox.serve")

LOOPBACK = "127.0.0.1"


def sandbox_config(platform: str, *, seed: int = 0, records: int = 0) -> SandboxConfig:
    """The config `serve` uses: the platform's documented rate limit, no faults."""
    default_limit = getattr(sandbox_module(platform), "DEFAULT_RATE_LIMIT", None)
    return SandboxConfig(seed=seed, records=records, rate_limit=default_limit)


def build_server(
    platform: str,
    host: str = LOOPBACK,
    port: int = 8000,
    seed: int = 0,
    records: int = 0,
    *,
    config: SandboxConfig | None = None,
    store: Store | None = None,
    log_level: str = "info",
) -> uvicorn.Server:
    """A uvicorn server for `platform`'s sandbox, not yet started."""
    store = store if store is not None else Store()
    app = create_app(platform, config or sandbox_config(platform, seed=seed, records=records), store)
    return uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug", lifespan="off")
    )


def serve(
    platform: str,
    host: str = LOOPBACK,
    port: int = 8000,
    seed: int = 0,
    records: int = 0,
    *,
    store_path: str | Path | None = None,
    config: SandboxConfig | None = None,
) -> None:
    """Serve until interrupted; keep the store in `store_path` if given."""
    store = Store()
    if store_path is not None and Path(store_path).exists():
        store.load(store_path)
    server = build_server(platform, host, port, seed, records, config=config, store=store)
    log.info("%s sandbox on http://%s:%d%s", platform, host, port, base_path(platform))
    try:
        server.run()
    finally:
        if store_path is not None:
            store.save(store_path)
            log.info("%s sandbox store saved to %s", platform, store_path)
