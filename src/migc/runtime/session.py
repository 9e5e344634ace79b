"""Opens what a run needs: the compiled program, the journal, and connectors to both platforms,
either the real APIs or the built-in sandboxes.

With sandboxes, the source is served in-process and its state lives in the run directory
(`sandbox.json`: how the sandboxes were made; `source.json`). The target is served in-process
too, its records kept in `target.json` when the command ends, unless `SandboxSpec.target_url`
names a target sandbox served elsewhere (`migc sandbox serve`), whose state then outlives the
process that writes to it (the crash tests kill the run, never the target). `status`,
`reconcile`, `diff`, `rollback` and `delta` run later as separate commands and see the same target.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec

from migc.catalog.schema import Catalog
from migc.compiler.codegen import CompiledProgram, compile_program
from migc.compiler.lower import lower
from migc.connectors.base import SourceConnector, TargetConnector
from migc.connectors.ratelimit import RateBudget
from migc.connectors.registry import connect_source, connect_target
from migc.connectors.retry import RetryPolicy
from migc.connectors.secrets import load_credentials
from migc.runtime.journal import RunInfo, SqliteJournal, now
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.registry import create_app, sandbox_settings
from migc.sandbox.store import Store
from migc.semantics.check import Analysis

JOURNAL_FILE = "journal.sqlite"
SANDBOX_FILE = "sandbox.json"
TARGET_STATE_FILE = "target.json"
SOURCE_STATE_FILE = "source.json"


SANDBOX_SOURCE_BUDGET = RateBudget(calls=10_000, per_seconds=1.0, concurrency=8)


class SandboxSpec(msgspec.Struct, frozen=True, kw_only=True):
    """How the built-in sandboxes of a run were made, so later commands rebuild the same ones.

    `target_faults` / `target_rate_limit` configure the in-process target sandbox (fault
    injection, a server-side rate ceiling); `target_budget`, `target_retry` and
    `target_timeout_seconds` the target connector's client side (None: the platform's defaults).
    """

    seed: int = 7
    records: int = 200
    target_url: str | None = None
    target_faults: FaultConfig | None = None
    target_rate_limit: RateLimitConfig | None = None
    target_options: dict[str, str] = msgspec.field(default_factory=dict)
    target_budget: RateBudget | None = None
    target_retry: RetryPolicy | None = None
    target_timeout_seconds: float | None = None


class Session(msgspec.Struct, kw_only=True):
    analysis: Analysis
    compiled: CompiledProgram
    source_catalog: Catalog
    target_catalog: Catalog
    source: SourceConnector
    target: TargetConnector
    journal: SqliteJournal
    run_dir: Path
    target_store: Store | None = None
    source_store: Store | None = None
    target_app: object | None = None  # the in-process target sandbox (its `state` has traffic and faults)


def read_sandbox_spec(run_dir: Path) -> SandboxSpec | None:
    path = run_dir / SANDBOX_FILE
    return msgspec.json.decode(path.read_bytes(), type=SandboxSpec) if path.exists() else None


def write_sandbox_spec(run_dir: Path, spec: SandboxSpec) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / SANDBOX_FILE).write_bytes(msgspec.json.format(msgspec.json.encode(spec), indent=2) + b"\n")


@contextlib.asynccontextmanager
async def open_session(
    analysis: Analysis,
    run_dir: Path,
    *,
    sandbox: SandboxSpec | None,
    source_url: str | None = None,
    target_url: str | None = None,
) -> AsyncIterator[Session]:
    """Everything a command needs; saves the in-process sandboxes' state to the run directory on exit."""
    model = analysis.model
    assert model is not None and analysis.source_catalog is not None and analysis.target_catalog is not None
    run_dir.mkdir(parents=True, exist_ok=True)
    compiled = compile_program(lower(analysis))
    journal = SqliteJournal(run_dir / JOURNAL_FILE)
    source_store = target_store = None
    target_app = None
    try:
        if sandbox is not None:
            write_sandbox_spec(run_dir, sandbox)
            source_store = _load_store(run_dir / SOURCE_STATE_FILE)
            source_config = SandboxConfig(seed=sandbox.seed, records=sandbox.records)
            source_app = create_app(model.header.source, source_config, source_store)
            # The in-process source sandbox enforces no budget of its own (Netmera publishes none), so
            # pacing the client to the catalog's conservative guess would only slow the run.
            source = connect_source(
                sandbox_settings(model.header.source, config=source_config, budget=SANDBOX_SOURCE_BUDGET),
                transport=httpx.ASGITransport(app=source_app),
            )
            client: dict[str, object] = {}
            if sandbox.target_budget is not None:
                client["budget"] = sandbox.target_budget
            if sandbox.target_retry is not None:
                client["retry"] = sandbox.target_retry
            if sandbox.target_timeout_seconds is not None:
                client["timeout_seconds"] = sandbox.target_timeout_seconds
            if sandbox.target_url is not None:
                target = connect_target(sandbox_settings(model.header.target, origin=sandbox.target_url, **client))
            else:
                target_store = _load_store(run_dir / TARGET_STATE_FILE)
                target_config = SandboxConfig(seed=sandbox.seed, faults=sandbox.target_faults or FaultConfig(),
                                              rate_limit=sandbox.target_rate_limit, options=dict(sandbox.target_options))
                target_app = create_app(model.header.target, target_config, target_store)
                target = connect_target(sandbox_settings(model.header.target, config=target_config, **client),
                                        transport=httpx.ASGITransport(app=target_app))
        else:
            source = connect_source(_settings(model.header.source, source_url, analysis.source_catalog))
            target = connect_target(_settings(model.header.target, target_url, analysis.target_catalog))
        session = Session(
            analysis=analysis, compiled=compiled, source_catalog=analysis.source_catalog, target_catalog=analysis.target_catalog,
            source=source, target=target, journal=journal, run_dir=run_dir, target_store=target_store, source_store=source_store,
            target_app=target_app,
        )
        try:
            yield session
        finally:
            await source.aclose()
            await target.aclose()
            if target_store is not None:
                target_store.save(run_dir / TARGET_STATE_FILE)
            if source_store is not None:
                source_store.save(run_dir / SOURCE_STATE_FILE)
    finally:
        journal.close()


def start_run(session: Session, *, mode: str, mig_file: str, operator: str) -> bool:
    """Records the run in the journal unless this mode already runs there (then this is a resume
    or a no-op). A full run after a sample runs every phase again (records the sample loaded are
    not sent again). Returns whether an earlier run in this mode exists."""
    journal = session.journal
    model = session.analysis.model
    previous = journal.run_info()
    if previous is not None and previous.mode == mode:
        return True
    journal.start_run(RunInfo(run_id=f"{model.header.name}-{now()}", mig_file=mig_file, migration=model.header.name,
                              source=model.header.source, target=model.header.target, mode=mode,  # type: ignore[arg-type]
                              operator=operator, started_at=now()))
    if previous is not None:
        for program in session.compiled.program.maps:
            journal.set_checkpoint(program.id, "pending", {})
    return False


def finished(session: Session) -> bool:
    return all((session.journal.checkpoint(p.id) or ("", {}))[0] == "done" for p in session.compiled.program.maps)


def _load_store(path: Path) -> Store:
    return Store.from_file(path) if path.exists() else Store()


def _settings(platform: str, url: str | None, catalog: Catalog):
    from migc.connectors.base import ConnectionSettings

    credentials = load_credentials(platform)
    base = url or next(iter(catalog.platform.api.values())).url
    return ConnectionSettings.from_credentials(credentials, base_url=base)
