"""The interpreter's run loop: extract, transform and load in dependency order, journaled.

Phases: the schema phase creates the custom modules, fields and picklist options the file
declares (and a source-id stamp field on objects that keyless maps load), recording the API
names the target assigns. Then one phase per map, in load order (creating maps before the
`merge` maps of the same object): source records stream through routing, grouping, the
generated transform, flags, limits and ref resolution into full batches. Every write is an
upsert by a key (the map's `key`, else the stamp), so re-sending a batch after a crash cannot
duplicate a record; a batch is journaled as open before it is sent and closed with its results
in one transaction, and a resumed run skips every record already linked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec

from migc import ir
from migc.catalog.schema import Catalog
from migc.compiler.codegen import CompiledProgram, MapFunctions
from migc.connectors.base import FieldDefinition, ModuleDefinition, SourceConnector, TargetConnector
from migc.runtime.builtins import BUILTINS, BuiltinError
from migc.runtime.journal import AuditEntry, IdLink, Journal, Quarantined
from migc.semantics.model import Model

STAMP_LABEL = "migc source id"
# .mig type kinds -> the connectors' neutral field types (`migc.connectors.base.FieldType`).
_TYPE_OF_KIND = {
    "string": "text", "text": "textarea", "json": "textarea", "integer": "integer", "decimal": "decimal",
    "boolean": "boolean", "date": "date", "datetime": "datetime", "email": "email", "phone": "phone", "url": "url",
    "picklist": "picklist", "multipicklist": "multipicklist", "lookup": "lookup", "tags": "multipicklist",
}


class RunOptions(msgspec.Struct, kw_only=True):
    operator: str
    sample: int | None = None  # records per map; None: all
    since: dt.datetime | None = None  # delta runs: source records changed since
    refresh: bool = False  # delta runs: send records already loaded again (they changed)


class PhaseResult(msgspec.Struct, kw_only=True):
    phase: str
    target: str
    read: int = 0
    loaded: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    quarantined: int = 0
    reported: int = 0


class RunSummary(msgspec.Struct, kw_only=True):
    phases: list[PhaseResult]

    @property
    def quarantined(self) -> int:
        return sum(p.quarantined for p in self.phases)


Event = Callable[[str, dict[str, Any]], None]


def source_id(record: dict[str, Any], id_field: str) -> str:
    """The record's id in the source, or a stable digest of its content when it has none."""
    value = record.get(id_field) if id_field else None
    if value is not None and value != "":
        return str(value)
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


# Catalog wire formats of dates and times -> the builtins' `format` argument.
_TIME_FORMATS = {"epoch-ms": "epoch_ms", "unix-seconds": "epoch_s", "unix": "epoch_s"}


def decoder_for(spec) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Turns a source record's wire values into typed values: the catalog says which fields are
    dates or date-times and how they are written (epoch milliseconds for Netmera, unix seconds
    for Customer.io, ISO text)."""
    temporal = []
    identifiers = []
    if spec is not None:
        for name, field in spec.fields.items():
            if field.type in ("date", "datetime"):
                parse = BUILTINS["parse_date" if field.type == "date" else "parse_datetime"]
                temporal.append((name, parse, _TIME_FORMATS.get(field.format, "")))
            elif field.type in ("id", "lookup"):
                identifiers.append(name)  # ids are text in .mig, whatever JSON type the API uses
    if not temporal and not identifiers:
        return lambda record: record

    def decode(record: dict[str, Any]) -> dict[str, Any]:
        decoded = None
        for name in identifiers:
            value = record.get(name)
            if value is not None and not isinstance(value, str):
                if decoded is None:
                    decoded = dict(record)
                decoded[name] = str(value)
        for name, parse, wire_format in temporal:
            value = record.get(name)
            if value is None or isinstance(value, (dt.date, dt.datetime)):
                continue
            if decoded is None:
                decoded = dict(record)
            try:
                decoded[name] = parse(value, wire_format) if wire_format else parse(value)
            except BuiltinError as error:
                raise BuiltinError(f"source field {name}: {error}") from None
        return decoded if decoded is not None else record

    return decode


def to_wire(value: Any) -> Any:
    """A value as the target APIs' JSON expects it."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    return value


class Engine:
    def __init__(
        self,
        *,
        model: Model,
        compiled: CompiledProgram,
        source_catalog: Catalog,
        target_catalog: Catalog,
        source: SourceConnector,
        target: TargetConnector,
        journal: Journal,
        options: RunOptions,
        on_event: Event | None = None,
    ) -> None:
        self.model = model
        self.compiled = compiled
        self.source_catalog = source_catalog
        self.target_catalog = target_catalog
        self.source = source
        self.target = target
        self.journal = journal
        self.options = options
        self.emit = on_event or (lambda kind, data: None)
        self.api_names: dict[tuple[str, str], str] = {}  # (object, .mig field) -> API name
        self.module_names: dict[str, str] = {}  # .mig module name -> API name
        self.stamps: dict[str, str] = {}  # target object -> API name of its stamp field
        self._fuzzy_candidates: dict[tuple[str, str], list[tuple[str, str]]] = {}
        # Quarantines and audit rows wait for the next batch's transaction: one commit, not one each.
        self._pending_quarantine: list[Quarantined] = []
        self._pending_audit: list[AuditEntry] = []

    # ------------------------------------------------------------------ the run

    async def run(self) -> RunSummary:
        await self.schema_phase()
        phases = []
        for program in self.ordered_maps():
            phases.append(await self.map_phase(program))
        return RunSummary(phases=phases)

    def ordered_maps(self) -> list[ir.MapProgram]:
        by_target: dict[str, list[ir.MapProgram]] = {}
        for program in self.compiled.program.maps:
            by_target.setdefault(program.target, []).append(program)
        ordered = []
        for target in self.compiled.program.load_order:
            maps = by_target.get(target, [])
            ordered.extend([m for m in maps if not m.merge] + [m for m in maps if m.merge])
        return ordered

    def object_name(self, mig_name: str) -> str:
        return self.module_names.get(mig_name, mig_name)

    def field_name(self, object_name: str, mig_field: str) -> str:
        return self.api_names.get((object_name, mig_field), mig_field)

    # ------------------------------------------------------------------ schema phase

    async def schema_phase(self) -> None:
        saved = self.journal.checkpoint("schema")
        if saved is not None and saved[0] == "done":
            self._restore_names(saved[1])
            self.emit("phase-skipped", {"phase": "schema"})
            return
        self.emit("phase-start", {"phase": "schema", "changes": len(self.model.schema)})
        for change in self.model.schema:
            if change.kind == "module":
                api_name = await self.target.create_module(ModuleDefinition(singular_label=change.label or change.object, plural_label=change.label or change.object, api_name=change.object))
                self.module_names[change.object] = api_name
        for change in self.model.schema:
            if change.kind == "field":
                definition = self._field_definition(change)
                api_name = await self.target.create_field(self.object_name(change.object), definition)
                self.api_names[(change.object, change.field)] = api_name
            elif change.kind == "picklist":
                await self.target.add_picklist_values(self.object_name(change.object), self.field_name(change.object, change.field), list(change.values))
        for program in self.compiled.program.maps:
            if not program.key_field and not program.merge and program.target not in self.stamps:
                definition = FieldDefinition(label=STAMP_LABEL, type="text", length=255, unique=True,
                                             description="The source record this record was migrated from (migc).")
                self.stamps[program.target] = await self.target.create_field(self.object_name(program.target), definition)
        state = {"modules": self.module_names, "fields": [[o, f, n] for (o, f), n in sorted(self.api_names.items())], "stamps": self.stamps}
        self.journal.set_checkpoint("schema", "done", state)
        self.emit("phase-end", {"phase": "schema"})

    def _restore_names(self, state: dict[str, Any]) -> None:
        self.module_names = dict(state.get("modules", {}))
        self.api_names = {(o, f): n for o, f, n in state.get("fields", [])}
        self.stamps = dict(state.get("stamps", {}))

    def _field_definition(self, change) -> FieldDefinition:
        kind = change.type.split("(")[0].split("[")[0]
        length = None
        if "(" in change.type and kind in ("string", "text"):
            try:
                length = int(change.type.split("(")[1].rstrip(")"))
            except ValueError:
                length = None
        picklist: tuple[str, ...] = ()
        if kind in ("picklist", "multipicklist") and "(" in change.type:
            picklist = tuple(v.strip().strip('"') for v in change.type[len(kind) + 1 : -1].split(",") if v.strip() and v.strip() != "…")
        return FieldDefinition(label=change.label or change.field, type=_TYPE_OF_KIND.get(kind, "text"), length=length, picklist=picklist)

    # ------------------------------------------------------------------ one map

    async def map_phase(self, program: ir.MapProgram) -> PhaseResult:
        phase = program.id
        target_object = self.object_name(program.target)
        result = PhaseResult(phase=phase, target=program.target)
        saved = self.journal.checkpoint(phase)
        if saved is not None and saved[0] == "done":
            self.emit("phase-skipped", {"phase": phase})
            counts = self.journal.counts(phase)
            return PhaseResult(phase=phase, target=program.target, inserted=counts.inserted, updated=counts.updated,
                               skipped=counts.skipped, quarantined=counts.quarantined, reported=counts.reported)
        self.emit("phase-start", {"phase": phase, "target": program.target})
        self.journal.set_checkpoint(phase, "running", {})
        functions = self.compiled.maps[phase]
        key_field = self.field_name(program.target, program.key_field) if program.key_field else self.stamps.get(program.target, "")
        op = "update" if program.merge else "upsert"
        batch_size = max(1, self.target.batch_size(target_object, op))
        batch: list[tuple[str, dict[str, Any], str]] = []
        batch_number = self._next_batch_number(phase)
        limit_counts: dict[Any, int] = {}
        self_links: list[tuple[str, str, ir.RefLookup, tuple]] = []
        async for sid, unit, first in self._units(program, functions):
            result.read += 1
            try:
                out, refs, fired = functions.transform(unit)
            except Exception as error:  # a bad value: quarantined with the .mig line that failed
                self._quarantine(program, sid, first, str(error), self.compiled.span_of(error))
                result.quarantined += 1
                continue
            flagged = [program.flags[i] for i in fired]
            quarantine = next((f for f in flagged if f.action == "quarantine"), None)
            if quarantine is not None:
                self._quarantine(program, sid, first, f"flag: {quarantine.message}", quarantine.span)
                result.quarantined += 1
                continue
            for flag in flagged:
                self._pending_audit.append(AuditEntry(op="report", phase=phase, map_id=phase, source_object=program.source, source_id=sid,
                                                      target_object=program.target, detail=flag.message))
                result.reported += 1
            if functions.limit_key is not None:
                group = functions.limit_key(first)
                limit_counts[group] = limit_counts.get(group, 0) + 1
                if limit_counts[group] > (program.limit or 0):
                    self._pending_audit.append(AuditEntry(op="skip", phase=phase, map_id=phase, source_object=program.source, source_id=sid,
                                                          target_object=program.target, detail=f"over the limit of {program.limit}"))
                    result.skipped += 1
                    continue
            if not self.options.refresh and self.journal.target_for_source(phase, sid) is not None:
                continue  # loaded before a crash, or by the sample; the id map has it
            record, problem = await self._resolve(program, out, refs, sid, self_links)
            if problem is not None:
                self._quarantine(program, sid, first, problem[0], problem[1])
                result.quarantined += 1
                continue
            key_value = str(out.get(program.key_field)) if program.key_field else f"{phase}:{sid}"
            if not program.key_field and key_field:
                record[key_field] = key_value
            batch.append((sid, record, key_value))
            if len(batch) >= batch_size:
                await self._flush(program, target_object, key_field, batch, batch_number, result)
                batch_number += 1
                batch = []
        if batch:
            await self._flush(program, target_object, key_field, batch, batch_number, result)
        if self_links:
            await self._second_pass(program, target_object, self_links, result)
        with self.journal.transaction():
            self._write_pending()
            self.journal.set_checkpoint(phase, "done", {"read": result.read})
        self.emit("phase-end", {"phase": phase, **msgspec.structs.asdict(result)})
        return result

    def _next_batch_number(self, phase: str) -> int:
        saved = self.journal.checkpoint(phase)
        return int(saved[1].get("batches", 0)) if saved else 0

    async def _units(self, program: ir.MapProgram, functions: MapFunctions) -> AsyncIterator[tuple[str, Any, dict]]:
        """(source id, what the transform takes, the first source record) for each unit of work:
        a record, or a group of records for `summarize`, after routing and `distinct`."""
        id_field = self._source_id_field(program.source)
        decode = decoder_for(self.source_catalog.objects.get(program.source))
        others = self._earlier_routes(program)
        seen: set[tuple] = set()
        groups: dict[tuple, list[dict]] = {}
        taken = 0
        async for raw in self.source.read(program.source, since=self.options.since):
            try:
                record = decode(raw)
            except BuiltinError as error:
                self._quarantine(program, source_id(raw, id_field), raw, str(error), None)
                continue
            if functions.route is not None and not functions.route(record):
                continue
            if program.route == "otherwise" and any(route(record) for route in others):
                continue
            if program.grouping == "summarize":
                groups.setdefault(functions.group_key(record), []).append(record)
                continue
            if program.grouping == "distinct":
                key = functions.group_key(record)
                if key in seen:
                    continue
                seen.add(key)
                sid = "|".join("" if k is None else str(k) for k in key)
            else:
                sid = source_id(record, id_field)
            if self.options.sample is not None and taken >= self.options.sample:
                break
            taken += 1
            yield sid, record, record
        for key, members in groups.items():
            if self.options.sample is not None and taken >= self.options.sample:
                break
            taken += 1
            yield "|".join("" if k is None else str(k) for k in key), members, members[0]

    def _earlier_routes(self, program: ir.MapProgram) -> list[Callable[[dict], bool]]:
        if program.route != "otherwise":
            return []
        routes = []
        for other in self.compiled.program.maps:
            if other.id == program.id:
                break
            if other.source == program.source and other.route == "where":
                route = self.compiled.maps[other.id].route
                if route is not None:
                    routes.append(route)
        return routes

    def _source_id_field(self, source_object: str) -> str:
        spec = self.source_catalog.objects.get(source_object)
        return spec.id_field if spec is not None else ""

    # ------------------------------------------------------------------ refs

    async def _resolve(self, program, out: dict[str, Any], refs: dict, sid: str, self_links: list) -> tuple[dict[str, Any], tuple | None]:
        record = {self.field_name(program.target, name): to_wire(value) for name, value in out.items()}
        steps = {s.field: s for s in program.steps if isinstance(s, ir.FieldStep) and s.ref is not None}
        for field, (values, fallback) in refs.items():
            ref = steps[field].ref
            api_field = self.field_name(program.target, field)
            if ref.target == program.target and not program.merge:
                # A record referring to another of its own kind (a manager): set after the insert pass.
                self_links.append((sid, api_field, ref, values))
                continue
            target_id = await self._lookup(ref, values)
            if target_id is None:
                if ref.quarantine:
                    return record, (f"ref {ref.target}: no record matches {', '.join(f'{m.field} = {v!r}' for m, v in zip(ref.matches, values))}", steps[field].span)
                record[api_field] = to_wire(fallback)
                continue
            record[api_field] = self.lookup_value(program.target, api_field, ref.target, target_id)
        return record, None

    async def _lookup(self, ref: ir.RefLookup, values: tuple) -> str | None:
        target_object = self.object_name(ref.target)
        for match, value in zip(ref.matches, values):
            if value is None or value == "":
                continue
            key_field = self.field_name(ref.target, match.field)
            if match.fuzzy:
                found = await self._fuzzy(target_object, key_field, str(value))
            else:
                found = self.journal.target_id(ref.target, match.field, str(value))
                if found is None:
                    hits = await self.target.search(target_object, key_field, str(value))
                    found = str(hits[0]["id"]) if hits else None
            if found is not None:
                return found
        return None

    async def _fuzzy(self, target_object: str, field: str, value: str) -> str | None:
        key = (target_object, field)
        if key not in self._fuzzy_candidates:
            candidates = []
            async for record in self.target.list(target_object):
                if record.get(field):
                    candidates.append((str(record[field]), str(record["id"])))
            self._fuzzy_candidates[key] = candidates
        names = [name for name, _ in self._fuzzy_candidates[key]]
        best = BUILTINS["fuzzy_match"](value, names)
        if best is None:
            return None
        return next(record_id for name, record_id in self._fuzzy_candidates[key] if name == best)

    def lookup_value(self, target_object: str, field: str, referenced: str, record_id: str) -> Any:
        """A lookup as the target's API takes it."""
        platform = self.target_catalog.platform.name
        if platform == "zoho_crm":
            spec = self.target_catalog.objects.get(target_object)
            field_spec = spec.fields.get(field) if spec is not None else None
            if field_spec is not None and len(field_spec.targets) > 1:  # polymorphic parent
                return {"module": {"api_name": self.object_name(referenced)}, "id": record_id}
            return {"id": record_id}
        return int(record_id) if record_id.isdigit() else record_id

    async def _second_pass(self, program, target_object: str, links: list, result: PhaseResult) -> None:
        updates = []
        for sid, field, ref, values in links:
            record_id = self.journal.target_for_source(program.id, sid)
            referenced = await self._lookup(ref, values)
            if record_id is None or referenced is None:
                continue
            updates.append({"id": record_id, field: self.lookup_value(program.target, field, ref.target, referenced)})
        size = max(1, self.target.batch_size(target_object, "update"))
        for start in range(0, len(updates), size):
            chunk = updates[start : start + size]
            await self.target.update(target_object, chunk)
        self.emit("second-pass", {"phase": program.id, "links": len(updates)})

    # ------------------------------------------------------------------ loading

    async def _flush(self, program, target_object: str, key_field: str, batch: list, number: int, result: PhaseResult) -> None:
        phase = program.id
        self.journal.begin_batch(phase, number, [sid for sid, _, _ in batch])
        records = [record for _, record, _ in batch]
        if program.merge:
            results = await self._merge(program, target_object, key_field, batch)
        else:
            results = await self.target.upsert(target_object, records, [key_field])
        links, audit, quarantined = [], [], []
        for (sid, record, key_value), outcome in zip(batch, results):
            if outcome.outcome in ("created", "updated"):
                inserted = outcome.outcome == "created"
                links.append(IdLink(map_id=phase, source_object=program.source, source_id=sid, target_object=program.target,
                                    target_id=str(outcome.target_id), key_field=program.key_field or key_field, key_value=key_value,
                                    inserted=inserted and not program.merge))
                audit.append(AuditEntry(op="insert" if inserted else "update", phase=phase, map_id=phase, source_object=program.source,
                                        source_id=sid, target_object=program.target, target_id=str(outcome.target_id)))
                result.loaded += 1
                if inserted:
                    result.inserted += 1
                else:
                    result.updated += 1
            elif outcome.outcome == "skipped":
                audit.append(AuditEntry(op="skip", phase=phase, map_id=phase, source_object=program.source, source_id=sid,
                                        target_object=program.target, detail=outcome.message or ""))
                result.skipped += 1
            else:
                where = f" ({outcome.field})" if outcome.field else ""
                quarantined.append(Quarantined(phase=phase, map_id=phase, source_object=program.source, source_id=sid,
                                               reason=f"{program.target} refused the record{where}: {outcome.code} {outcome.message}".strip(),
                                               location="", record=record))
                result.quarantined += 1
        with self.journal.transaction():
            self.journal.link(links)
            self.journal.audit(audit, self.options.operator)
            self.journal.quarantine(quarantined)
            self._write_pending()
            self.journal.end_batch(phase, number)
            self.journal.set_checkpoint(phase, "running", {"batches": number + 1})
        self.emit("batch", {"phase": phase, "size": len(batch), "loaded": result.loaded, "quarantined": result.quarantined})

    async def _merge(self, program, target_object: str, key_field: str, batch: list):
        """Updates the records another map loaded, found by key; keeps a before-image of each."""
        from migc.connectors.results import RecordResult

        found: list[tuple[int, str]] = []
        results: list[Any] = [None] * len(batch)
        for index, (sid, record, key_value) in enumerate(batch):
            target_id = self.journal.target_id(program.target, program.key_field, key_value)
            if target_id is None:
                hits = await self.target.search(target_object, key_field, key_value)
                target_id = str(hits[0]["id"]) if hits else None
            if target_id is None:
                results[index] = RecordResult(index=index, outcome="skipped", message=f"no {program.target} record has {program.key_field} = {key_value!r}")
            else:
                found.append((index, target_id))
        if found:
            current = {str(r["id"]): r for r in await self.target.get(target_object, [tid for _, tid in found])}
            for _, target_id in found:
                if target_id in current:
                    self.journal.before_image(program.target, target_id, current[target_id])
            updates = [{**{k: v for k, v in batch[index][1].items() if k != key_field}, "id": target_id} for index, target_id in found]
            answers = await self.target.update(target_object, updates)
            for (index, _), answer in zip(found, answers):
                results[index] = answer
        return results

    def _quarantine(self, program, sid: str, record: dict, reason: str, span) -> None:
        location = f"{span.file}:{span.line}:{span.column}" if span is not None else ""
        self._pending_quarantine.append(Quarantined(phase=program.id, map_id=program.id, source_object=program.source, source_id=sid,
                                                    reason=reason, location=location, record=_jsonable(record)))

    def _write_pending(self) -> None:
        self.journal.quarantine(self._pending_quarantine)
        self.journal.audit(self._pending_audit, self.options.operator)
        self._pending_quarantine = []
        self._pending_audit = []


def _jsonable(record: Any) -> dict[str, Any]:
    if isinstance(record, dict):
        return json.loads(json.dumps(record, default=str))
    return {"value": json.loads(json.dumps(record, default=str))}
