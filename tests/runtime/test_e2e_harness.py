"""Helpers the runtime's end-to-end tests share (this module holds no tests).

- `analysis(name)`: an example checked once, its spans named `examples/<name>.mig`;
- `run_example(...)`: what `migc run` does, in-process, against the sandboxes of a run directory;
- `canonical(store)`: a target store without volatile timestamps, ids replaced by labels derived
  from record content (references rewritten the same way), records sorted: equal for equal
  loads whatever order the target assigned ids in;
- `expectations(...)`: per loaded record, what the transform says the target must hold,
  computed here from the source (not through the engine's loader);
- `coverage(...)`: how many units each map (each routing branch) gets and which values-table
  entries the source hits;
- `preexisting(...)`: the records a fresh target sandbox holds before any run in the objects
  its catalog marks `preexisting` (Freshsales sales activity types), read through the connector;
- `outcomes(...)`: per unit, whether a full run loads, quarantines or skips it, and why,
  computed here from the source, the `.mig` rules and the target's preexisting records (not
  read from the journal);
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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec

from migc import ir
from migc.connectors.base import ConnectorError
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.runtime.builtins import BuiltinError
from migc.runtime.engine import Engine
from migc.runtime.interface import RunOptions, RunSummary
from migc.runtime.journal import ConsentRecord, SqliteJournal, now
from migc.runtime.records import decoder_for, field_value, source_id, to_wire
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
FRESHSALES_TARGETABLE = {"Contact": "contacts", "Deal": "deals", "Lead": "leads", "SalesAccount": "sales_accounts"}


@functools.cache
def analysis(name: str):
    path = EXAMPLES / f"{name}.mig"
    result = check_file(path, text=None, overlays=(), display_name=f"examples/{name}.mig")
    assert not result.has_errors, name
    return result


def spec(records: int = 16, **overrides: Any) -> SandboxSpec:
    return SandboxSpec(records=records, **{"seed": 7, **FAST_CLIENT, **overrides})


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
    found: dict[tuple[str, str], Expected] = {}
    async with open_session(analysis(name), _scratch(run_dir, "expectations"), sandbox=_source_only(sandbox)) as session:
        async for unit in _units(session):
            if not unit.error:
                _expect(found, unit.program, unit.functions, unit.sid, unit.payload)
    return found


class Coverage(msgspec.Struct, kw_only=True):
    units: dict[str, int]  # map id -> units routed to it (records, or groups)
    values: dict[str, dict[str, int]]  # values table -> entry (repr of its key, "else", "missing") -> hits


async def coverage(name: str, sandbox: SandboxSpec, run_dir: Path) -> Coverage:
    """How much of the example the source exercises: units per map (every routing branch is a map)
    and how often each values-table entry, its `else` and a missing value are looked up."""
    units: dict[str, int] = {}
    values: dict[str, dict[str, int]] = {}
    async with open_session(analysis(name), _scratch(run_dir, "coverage"), sandbox=_source_only(sandbox)) as session:
        compiled = session.compiled
        units.update({program.id: 0 for program in compiled.program.maps})
        for index, table in enumerate(compiled.program.values):
            counts = values[table.name] = {repr(key): 0 for key, _ in table.entries}
            counts.update({"else": 0, "missing": 0})
            function = compiled.namespace.get(f"V{index}")
            if function is not None:
                keys = [key for key, _ in table.entries]
                compiled.namespace[f"V{index}"] = _counting(function, keys, counts)
        async for unit in _units(session):
            units[unit.program.id] += 1
            if not unit.error:
                with contextlib.suppress(Exception):
                    unit.functions.transform(unit.payload)
    return Coverage(units=units, values=values)


def _counting(function, keys: list[Any], counts: dict[str, int]):
    """A values-table lookup that counts which entry each value hits (keys compare by type too,
    as the generated lookup does: True is not 1)."""
    def lookup(value: Any) -> Any:
        if value is None:
            counts["missing"] += 1
        else:
            entry = next((repr(key) for key in keys if key == value and type(key) is type(value)), "else")
            counts[entry] += 1
        return function(value)

    return lookup


async def preexisting(name: str, sandbox: SandboxSpec, run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Object -> the records a fresh target sandbox (with the spec's options) holds in each object
    the target catalog marks `preexisting`, as the target connector lists them; objects the
    connector cannot list (Freshsales users) are left out, as the engine falls back for them."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with open_session(analysis(name), _scratch(run_dir, "preexisting"), sandbox=sandbox) as session:
        for object_name, object_spec in sorted(session.target_catalog.objects.items()):
            if not object_spec.preexisting:
                continue
            try:
                found[object_name] = [record async for record in session.target.list(object_name)]
            except ConnectorError:
                continue
    return found


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """What a full run must do with one unit."""

    phase: str
    source_id: str
    disposition: str  # "loaded", "quarantined" or "skipped"
    reason: str = ""  # the journal's reason for a quarantine or a skip


async def outcomes(name: str, sandbox: SandboxSpec, run_dir: Path, phases: list[str],
                   refused: dict[str, str] | None = None) -> dict[tuple[str, str], Outcome]:
    """(phase, source id) -> what a full run into an empty target does with the unit, computed
    from the source phase by phase in the order given (the run's load order): source values that
    cannot be read, units over a `limit`, failing field programs, `flag ... -> quarantine`, refs
    `else quarantine` that match nothing loaded so far nor any record the target held before
    (`preexisting`), merges that find no record. `refused` names the phases whose every
    remaining record the target refuses by design, with the reason."""
    refused = refused or {}
    result: dict[tuple[str, str], Outcome] = {}
    loaded: dict[tuple[str, str], set[str]] = {}  # (object, .mig field) -> values held, normalized
    catalog_fields = analysis(name).target_catalog.objects
    for object_name, records in (await preexisting(name, sandbox, run_dir)).items():
        for field in catalog_fields[object_name].fields:
            held = (field_value(record, field) for record in records)
            loaded.setdefault((object_name, field), set()).update(_normalized(value) for value in held if _present(value))
    async with open_session(analysis(name), _scratch(run_dir, "outcomes"), sandbox=_source_only(sandbox)) as session:
        compiled = session.compiled
        maps = {program.id: program for program in compiled.program.maps}
        units: dict[str, list[_SourceUnit]] = {phase: [] for phase in maps}
        async for unit in _units(session):
            units[unit.program.id].append(unit)
        for phase in phases:
            program = maps[phase]
            steps = {step.field: step for step in program.steps if isinstance(step, ir.FieldStep) and step.ref is not None}
            per_limit_key: dict[Any, int] = {}
            for unit in units[phase]:
                if (phase, unit.sid) in result:
                    continue  # the same source id read twice counts once (as a duplicate)
                outcome = _outcome(program, unit, steps, loaded, per_limit_key, refused.get(phase))
                result[(phase, unit.sid)] = outcome
    return result


def _outcome(program: ir.MapProgram, unit: _SourceUnit, steps: dict[str, ir.FieldStep], loaded: dict[tuple[str, str], set[str]],
             per_limit_key: dict[Any, int], refusal: str | None) -> Outcome:
    def end(disposition: str, reason: str = "") -> Outcome:
        return Outcome(phase=program.id, source_id=unit.sid, disposition=disposition, reason=reason)

    if unit.error:
        return end("quarantined", unit.error)
    if unit.functions.limit_key is not None:
        group = unit.functions.limit_key(unit.first)
        per_limit_key[group] = per_limit_key.get(group, 0) + 1
        if per_limit_key[group] > (program.limit or 0):
            return end("skipped", f"over the limit of {program.limit} per {group}")
    try:
        out, refs, fired = unit.functions.transform(unit.payload)
    except Exception as error:
        return end("quarantined", str(error) or type(error).__name__)
    stopping = next((program.flags[i] for i in fired if program.flags[i].action == "quarantine"), None)
    if stopping is not None:
        return end("quarantined", f"flag: {stopping.message}")
    for field, (values, _) in refs.items():
        ref = steps[field].ref
        if not ref.quarantine or (program.target in ref.targets and not program.merge):
            continue  # a fallback value, or a self reference set after the phase
        # A chain finds a record when any of its links does (each link by any of its matches).
        links = ref.split(values)
        found = any(_present(value) and not match.fuzzy and _normalized(value) in loaded.get((link.target, match.field), ())
                    for link, link_values in links for match, value in zip(link.matches, link_values))
        if not found:
            tried = [(link.target, ", ".join(f"{match.field} = {to_wire(value)!r}" for match, value in zip(link.matches, link_values)))
                     for link, link_values in links]
            if len(tried) == 1:
                return end("quarantined", f"ref {tried[0][0]}: no record matches {tried[0][1]}")
            named = " else ".join(target for target, _ in tried)
            return end("quarantined", f"ref {named}: no record matches " + ", nor ".join(f"{text} in {target}" for target, text in tried))
    if program.merge:
        identity = out.get(program.key_field)
        if _normalized(identity) not in loaded.get((program.target, program.key_field), ()):
            shown = "" if identity is None else str(to_wire(identity))
            return end("skipped", f"no {program.target} record has {program.key_field} = {shown!r}")
    if refusal is not None:
        return end("quarantined", refusal)
    for field, value in out.items():
        if _present(value):
            loaded.setdefault((program.target, field), set()).add(_normalized(value))
    return end("loaded")


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _normalized(value: Any) -> str:
    return str(to_wire(value)).strip().casefold()


def _scratch(run_dir: Path, purpose: str) -> Path:
    return run_dir.parent / f"{run_dir.name}-{purpose}"


def _source_only(sandbox: SandboxSpec) -> SandboxSpec:
    return msgspec.structs.replace(sandbox, target_url=None)


class _SourceUnit(msgspec.Struct, kw_only=True):
    """A unit of work as the engine forms it: a record, or a group's records."""

    program: ir.MapProgram
    functions: Any
    sid: str
    payload: Any = None
    first: Any = None
    error: str = ""  # the record could not be decoded, routed or grouped


async def _units(session) -> AsyncIterator[_SourceUnit]:
    """Every unit of every map: source records decoded, routed (`where`, then `otherwise` for
    what earlier routes left) and grouped, in source order (groups in the order of their first
    record)."""
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
            except BuiltinError as error:
                yield _SourceUnit(program=program, functions=functions, sid=source_id(raw, id_field), first=raw, error=str(error))
                continue
            try:
                if functions.route is not None and not functions.route(record):
                    continue
                if program.route == "otherwise" and any(route(record) for route in earlier if route is not None):
                    continue
                key = functions.group_key(record) if program.grouping else None
            except Exception as error:
                yield _SourceUnit(program=program, functions=functions, sid=source_id(raw, id_field), first=raw,
                                  error=str(error) or type(error).__name__)
                continue
            if program.grouping:
                sid = "|".join("" if k is None else str(k) for k in key)
                if program.grouping == "summarize":
                    groups.setdefault(sid, []).append(record)
                    continue
                if sid in seen:
                    continue
                seen.add(sid)
            else:
                sid = source_id(record, id_field)
            yield _SourceUnit(program=program, functions=functions, sid=sid, payload=record, first=record)
        for sid, members in groups.items():
            yield _SourceUnit(program=program, functions=functions, sid=sid, payload=members, first=members[0])


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
