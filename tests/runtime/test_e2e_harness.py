"""Helpers the runtime's end-to-end tests share (this module holds no tests).

- `analysis(name)`: an example checked once, its spans named `examples/<name>.mig`;
- `run_example(...)`: what `migc run` does, in-process, against the sandboxes of a run directory;
- `canonical(store)`: a target store without volatile timestamps, ids replaced by labels derived
  from record content (references rewritten the same way), records sorted: equal for equal
  loads whatever order the target assigned ids in;
- `expectations(...)`: per loaded record, what the transform says the target must hold,
  computed here from the source (not through the engine's loader);
- `TargetServer`: a target sandbox served over HTTP from a thread, so a `migc run` subprocess
  can be killed while the target keeps what it received.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import msgspec

from migc import ir
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.runtime.engine import Engine, RunOptions, RunSummary, decoder_for, field_value, source_id, to_wire
from migc.runtime.journal import ConsentRecord, SqliteJournal, now
from migc.runtime.session import TARGET_STATE_FILE, SandboxSpec, open_session, start_run
from migc.sandbox.base import SandboxConfig
from migc.sandbox.store import Store
from migc.semantics.check import check_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CONSENT = ConsentRecord(regulation="gdpr", given_by="Jane Roe", given_at="2026-11-20", recorded_at="2026-11-20T09:00:00+00:00")
# The client side of the target connector, fast for tests: the in-process sandbox enforces no
# rate limit unless a test sets one, and retries back off in milliseconds.
FAST_CLIENT = dict(
    target_budget=RateBudget(calls=10_000, per_seconds=1.0, concurrency=16),
    target_retry=RetryPolicy(max_attempts=8, base_delay=0.005, max_delay=0.02),
    target_timeout_seconds=5.0,
)
VOLATILE = frozenset({"Created_Time", "Modified_Time", "created_at", "updated_at", "add_time", "update_time"})
# Fields that hold the id of a record in another collection, per platform (Zoho lookups are
# `{"id": ...}` objects and are recognised by shape).
REFERENCE_FIELDS = {
    "pipedrive": {"person_id": "persons", "org_id": "organizations", "deal_id": "deals"},
    "freshsales": {"sales_account_id": "sales_accounts"},
}
FRESHSALES_TARGETABLE = {"Contact": "contacts", "Deal": "deals", "SalesAccount": "sales_accounts"}


@functools.cache
def analysis(name: str):
    path = EXAMPLES / f"{name}.mig"
    result = check_file(path, text=None, overlays=(), display_name=f"examples/{name}.mig")
    assert not result.has_errors, name
    return result


def spec(records: int = 16, **overrides: Any) -> SandboxSpec:
    return SandboxSpec(seed=7, records=records, **{**FAST_CLIENT, **overrides})


async def run_example(name: str, run_dir: Path, sandbox: SandboxSpec, *, sample: int | None = None, resend_held: bool = False,
                      events: list | None = None) -> RunSummary:
    """`migc run` without the CLI: consent recorded, the run started (or resumed) in its mode."""
    model = analysis(name).model
    async with open_session(analysis(name), run_dir, sandbox=sandbox) as session:
        start_run(session, mode="full" if sample is None else "sample", mig_file=f"examples/{name}.mig", operator="tester")
        if model.header.consent is not None and session.journal.consent() is None:
            session.journal.record_consent(CONSENT)
        engine = Engine(model=model, compiled=session.compiled, source_catalog=session.source_catalog,
                        target_catalog=session.target_catalog, source=session.source, target=session.target,
                        journal=session.journal, options=RunOptions(operator="tester", sample=sample, resend_held=resend_held),
                        on_event=(lambda kind, data: events.append((kind, data))) if events is not None else None)
        return await engine.run()


def target_store(run_dir: Path) -> Store:
    return Store.from_file(run_dir / TARGET_STATE_FILE)


def journal(run_dir: Path) -> SqliteJournal:
    return SqliteJournal(run_dir / "journal.sqlite")


# ---------------------------------------------------------------------------- canonical stores


def _records(store: Store) -> dict[str, list[dict[str, Any]]]:
    return {name: store.all(name) for name in store.names() if not name.startswith("recycle_bin:") and store.count(name)}


def canonical(store: Store, platform: str) -> dict[str, list[dict[str, Any]]]:
    """The store's records as comparable data (see the module docstring)."""
    collections = _records(store)
    references = REFERENCE_FIELDS.get(platform, {})
    labels: dict[tuple[str, str], str] = {}
    by_id: dict[str, list[str]] = {}
    for name, records in collections.items():
        for record in records:
            content = {k: _plain(k, v) for k, v in record.items() if k != "id" and k not in VOLATILE and k not in references
                       and not (isinstance(v, dict) and "id" in v) and k not in ("targetable_id",)}
            digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:12]
            labels[(name, str(record["id"]))] = f"{name}#{digest}"
            by_id.setdefault(str(record["id"]), []).append(name)

    def label(collection: str | None, value: Any) -> Any:
        if value is None:
            return None
        if collection is None:
            owners = by_id.get(str(value), [])
            collection = owners[0] if len(owners) == 1 else None
        return labels.get((collection, str(value)), f"<unknown {value}>") if collection else f"<unknown {value}>"

    result: dict[str, list[dict[str, Any]]] = {}
    for name, records in collections.items():
        rows = []
        for record in records:
            row: dict[str, Any] = {}
            for key, value in sorted(record.items()):
                if key in VOLATILE:
                    continue
                if key == "id":
                    row[key] = labels[(name, str(value))]
                elif key in references:
                    row[key] = label(references[key], value)
                elif key == "targetable_id":
                    row[key] = label(FRESHSALES_TARGETABLE.get(record.get("targetable_type", "")), value)
                elif isinstance(value, dict) and "id" in value and platform == "zoho_crm":
                    row[key] = {**{k: v for k, v in value.items() if k not in ("id", "name")}, "id": label(None, value["id"])}
                else:
                    row[key] = _plain(key, value)
            rows.append(row)
        result[name] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return result


def _plain(key: str, value: Any) -> Any:
    """Values whose ids the target assigns in arrival order, by name (Zoho tags)."""
    if key == "Tag" and isinstance(value, list):
        return sorted(tag["name"] for tag in value)
    return value


def digest(store: Store, platform: str, *, shown: int = 2) -> dict[str, Any]:
    """A reviewable summary of a canonical store: per collection the count, a hash of every
    record, and the first records in full."""
    summary = {}
    for name, rows in canonical(store, platform).items():
        encoded = json.dumps(rows, sort_keys=True, default=str, ensure_ascii=False)
        summary[name] = {"count": len(rows), "sha256": hashlib.sha256(encoded.encode()).hexdigest()[:16], "first": rows[:shown]}
    return summary


# ---------------------------------------------------------------------------- expectations


class Expected(msgspec.Struct, kw_only=True):
    phase: str
    target: str
    source_id: str
    fields: dict[str, Any]  # .mig field -> value the transform produced (wire form)
    refs: dict[str, tuple]  # .mig field -> the values its matches compare


async def expectations(name: str, sandbox: SandboxSpec, run_dir: Path) -> dict[tuple[str, str], Expected]:
    """(phase, source id) -> what the transform produces, for every unit of every map, read from a
    fresh source sandbox and routed and grouped here."""
    result = analysis(name)
    found: dict[tuple[str, str], Expected] = {}
    scratch = run_dir.parent / f"{run_dir.name}-expectations"
    async with open_session(result, scratch, sandbox=msgspec.structs.replace(sandbox, target_url=None)) as session:
        compiled = session.compiled
        for program in compiled.program.maps:
            functions = compiled.maps[program.id]
            spec_ = session.source_catalog.objects.get(program.source)
            decode = decoder_for(spec_)
            id_field = spec_.id_field if spec_ is not None else ""
            earlier = [compiled.maps[m.id].route for m in compiled.program.maps[: compiled.program.maps.index(program)]
                       if m.source == program.source and m.route == "where"]
            groups: dict[str, list[dict]] = {}
            seen: set = set()
            async for raw in session.source.read(program.source):
                try:
                    record = decode(raw)
                except Exception:
                    continue
                if functions.route is not None and not functions.route(record):
                    continue
                if program.route == "otherwise" and any(route(record) for route in earlier if route is not None):
                    continue
                if program.grouping:
                    key = functions.group_key(record)
                    sid = "|".join("" if k is None else str(k) for k in key)
                    if program.grouping == "summarize":
                        groups.setdefault(sid, []).append(record)
                        continue
                    if sid in seen:
                        continue
                    seen.add(sid)
                    payload = record
                else:
                    sid = source_id(record, id_field)
                    payload = record
                _expect(found, program, functions, sid, payload)
            for sid, members in groups.items():
                _expect(found, program, functions, sid, members)
    return found


def _expect(found, program: ir.MapProgram, functions, sid: str, payload: Any) -> None:
    try:
        out, refs, _ = functions.transform(payload)
    except Exception:
        return
    found[(program.id, sid)] = Expected(phase=program.id, target=program.target, source_id=sid,
                                        fields={k: to_wire(v) for k, v in out.items()},
                                        refs={k: tuple(to_wire(v) for v in values) for k, (values, _) in refs.items()})


def stored_value(record: dict[str, Any], api_field: str) -> Any:
    return field_value(record, api_field)


# ---------------------------------------------------------------------------- a target served over HTTP


def free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TargetServer:
    """A target sandbox on 127.0.0.1 in a background thread; `store` is live."""

    def __init__(self, platform: str, *, config: SandboxConfig | None = None, store: Store | None = None) -> None:
        from migc.sandbox.registry import base_path
        from migc.sandbox.serve import build_server

        self.store = store if store is not None else Store()
        self.port = free_port()
        self.server = build_server(platform, port=self.port, config=config or SandboxConfig(seed=7), store=self.store, log_level="warning")
        self.url = f"http://127.0.0.1:{self.port}"
        self.base = self.url + base_path(platform)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> TargetServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the target sandbox did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


def run_sync(coroutine):
    return asyncio.run(coroutine)


def now_text() -> str:
    return now()
