"""The interpreter's run loop: extract, transform and load in dependency order, journaled.

A run is the schema phase (`runtime/schema.py`), then one phase per map, in load order (creating
maps before the `merge` maps of the same object). A map phase reads the map's units
(`runtime/units.py`), takes every unit of a full run or a sample's (`runtime/sampling.py`),
applies `limit`, the generated transform, flags and ref resolution (`runtime/refs.py`), and writes
full batches, several at a time (`runtime/flights.py`).

Every write is idempotent or checked: an upsert by the map's `key` (else the stamp), an update by
id for records the journal already links, or, where the target has no upsert for the object, an
insert whose doubtful outcome (a lost reply, a crash) is checked by looking the key or stamp up
before anything is resent (`runtime/recovery.py`). A batch is journaled as open before it is sent
and closed with its results in one transaction; a resumed run checks the records of an open batch
and skips every unit that already has a disposition. Records of objects that can be neither
upserted nor looked up are *held* in quarantine when their outcome is unknown, never resent blindly.

A ref chain that finds its record through a later link, after an earlier link to an object this
run loads found nothing, is loaded `partial` (as a ref that fell back is): the next pass resolves
it again, so a sample then a full run end as one full run even where the earlier object holds the
record after all.

After each phase of a full run the phase must reconcile (source units = loaded + quarantined +
skipped, and nothing left pending); otherwise the run stops with `PhaseUnbalanced`, resumable.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from migc import ir
from migc.catalog.schema import Catalog
from migc.compiler.codegen import CompiledProgram, MapFunctions
from migc.connectors.base import SourceConnector, TargetConnector, UnsupportedOperation
from migc.connectors.results import OUTCOME_UNKNOWN, RecordResult
from migc.runtime.crash_hook import CrashHook
from migc.runtime.dispositions import Backlog, hold, location
from migc.runtime.flights import Flights
from migc.runtime.interface import Event, PhaseResult, PhaseUnbalanced, RunOptions, RunStopped, RunSummary
from migc.runtime.journal import AuditEntry, DeferredRef, IdLink, Journal, Quarantined, Skipped
from migc.runtime.records import field_value, jsonable, present, to_wire
from migc.runtime.recovery import Recovery
from migc.runtime.refs import RefResolver
from migc.runtime.sampling import SampleSelection, ValuesTrace
from migc.runtime.schema import SchemaPhase, TargetNames
from migc.runtime.scratch import Counts
from migc.runtime.stages import Failure, Outcome, Pending, Plan, Unit
from migc.runtime.units import UnitReader
from migc.semantics.model import Model

# Single-record APIs (Freshsales, Pipedrive) get this many records per connector call, which the
# connector sends concurrently within its rate budget; batch APIs get their own batch size.
SINGLE_RECORD_WINDOW = 50
# Batches written at the same time; the connectors' rate limiters bound the calls actually in flight.
FLUSH_WINDOW = 4
# Records the target answered `retryable` (after the connector's own retries) are sent again this
# many times before they are left pending, which stops the run at the end of the phase.
WRITE_ROUNDS = 3
# The records a keyed upsert may update are journaled (for their before-images) this many at a time.
PREEXISTING_PAGE = 500
# Platforms whose records take tags only through the add-tags action, not in the record body.
TAGS_BY_ACTION = frozenset({"zoho_crm"})


class Engine:
    """Runs a compiled program from a source to a target (`run`); the commands that look at a run
    afterwards (diff, reconcile, rollback) use its names, map order, units and refs."""

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
        self._warned: set[str] = set()
        self.names = TargetNames()
        self.units = UnitReader(compiled=compiled, source_catalog=source_catalog, source=source, since=options.since)
        self.resolver = RefResolver(program=compiled.program, target=target, target_catalog=target_catalog, journal=journal,
                                    names=self.names, sampling=options.sample is not None, emit=self.emit, warn=self._warn)
        self._recovery = Recovery(target=target, journal=journal, emit=self.emit)
        self._backlog = Backlog(journal, options.operator)
        self._trace = ValuesTrace()
        self._crash = CrashHook()
        self._tags_of: dict[str, list[str]] = {}
        self._next_batch: dict[str, int] = {}
        self._in_flight: set[str] = set()  # source ids of batches being written

    # ------------------------------------------------------------------ the run

    async def run(self) -> RunSummary:
        """The schema phase, then every map phase in load order; raises `RunStopped` subclasses
        (with `.phases`, the results so far) when the operator must act before resuming."""
        self.journal.begin_pass(self.options.operator)
        phases: list[PhaseResult] = []
        restore = self._trace.install(self.compiled) if self.options.sample is not None else None
        try:
            await SchemaPhase(changes=self.model.schema, maps=self.compiled.program.maps, target=self.target, journal=self.journal,
                              names=self.names, emit=self.emit, warn=self._warn).run()
            for program in self.ordered_maps():
                phases.append(await self.map_phase(program))
        except RunStopped as stopped:
            stopped.phases = phases  # type: ignore[attr-defined]
            raise
        finally:
            if restore is not None:
                restore()
            self.emit("stats", {"source": msgspec.to_builtins(self.source.stats()), "target": msgspec.to_builtins(self.target.stats())})
        return RunSummary(phases=phases, source_stats=self.source.stats(), target_stats=self.target.stats())

    def _balanced(self, result: PhaseResult) -> tuple[bool, int]:
        """Whether the phase reconciles: every unit read has exactly one disposition (full runs),
        and nothing was left pending (every run)."""
        accounted = self.journal.counts(result.phase).accounted
        full = self.options.sample is None and self.options.since is None
        return not result.pending and (not full or accounted == result.read - result.duplicates), accounted

    def ordered_maps(self) -> list[ir.MapProgram]:
        by_target: dict[str, list[ir.MapProgram]] = {}
        for program in self.compiled.program.maps:
            by_target.setdefault(program.target, []).append(program)
        # A merge runs right after the maps creating its object, unless the checker marked it
        # late (it looks up an object that loads later): then after every create.
        late = {info.id for info in self.model.maps if info.late}
        ordered, deferred = [], []
        for target in self.compiled.program.load_order:
            maps = by_target.get(target, [])
            ordered.extend(m for m in maps if not m.merge)
            for merge in (m for m in maps if m.merge):
                (deferred if merge.id in late else ordered).append(merge)
        return ordered + deferred

    def restore_schema(self) -> None:
        """The API names the schema phase recorded, for commands that run after it."""
        saved = self.journal.checkpoint("schema")
        if saved is not None:
            self.names.restore(saved[1])

    def _warn(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.emit("warning", {"message": message})

    # ------------------------------------------------------------------ one map

    def _state(self, phase: str) -> dict[str, Any]:
        saved = self.journal.checkpoint(phase)
        return dict(saved[1]) if saved is not None else {}

    def plan(self, program: ir.MapProgram) -> Plan:
        target_object = self.names.object_name(program.target)
        if program.merge:
            op, identity = "merge", self.names.field_name(program.target, program.key_field)
        elif program.key_field:
            op, identity = "upsert", self.names.field_name(program.target, program.key_field)
        elif program.target in self.names.stamps:
            op, identity = "upsert", self.names.stamps[program.target]
        else:
            op, identity = "create", ""
        # A phase that found the target has no upsert for the object keeps writing by insert.
        op = self._state(program.id).get("op", op)
        size = max(1, self.target.batch_size(target_object, "update" if op == "merge" else "upsert"))
        return Plan(target_object=target_object, target_object_mig=program.target, op=op, identity=identity,
                    batch_size=size if size > 1 else SINGLE_RECORD_WINDOW)

    async def map_phase(self, program: ir.MapProgram) -> PhaseResult:
        phase = program.id
        saved = self.journal.checkpoint(phase)
        if saved is not None and saved[0] == "done":
            self.emit("phase-skipped", {"phase": phase})
            counts = self.journal.counts(phase)
            return PhaseResult(phase=phase, target=program.target, read=int(saved[1].get("read", 0)), already=counts.loaded,
                               skipped=counts.skipped, quarantined=counts.quarantined - counts.held, held=counts.held,
                               reported=counts.reported)
        self.emit("phase-start", {"phase": phase, "target": program.target})
        self.journal.set_checkpoint(phase, "running", self._state(phase))
        functions = self.compiled.maps[phase]
        plan = self.plan(program)
        result = PhaseResult(phase=phase, target=program.target)
        if self.options.resend_held:
            released = self.journal.release_held(phase)
            if released:
                self.emit("released", {"phase": phase, "units": released})
        known = await self._recovery.open_batches(program, plan)
        if plan.op == "upsert" and program.key_field:
            await self._remember_preexisting(program, plan)
        batch: dict[str, Pending] = {}
        checking: list[Pending] = []
        self._next_batch.pop(phase, None)
        flights = Flights()
        self._in_flight = flights.sids
        limit_counts = Counts() if functions.limit_key is not None else None
        sample = SampleSelection(self.options.sample) if self.options.sample is not None else None
        try:
            async for unit in self.units.read(program, functions):
                if sample is not None:
                    if not sample.scan():
                        break
                    pending, hits = await self._evaluate_for_sample(program, functions, unit)
                    if not sample.take(pending, hits):
                        continue
                else:
                    pending = None
                result.read += 1
                if unit.error:
                    self._backlog.quarantine(program, unit.sid, unit.first, unit.error, unit.span)
                    result.quarantined += 1
                    continue
                if limit_counts is not None:
                    group = functions.limit_key(unit.first)
                    if limit_counts.add(group) > (program.limit or 0):
                        self._backlog.skip(program, unit.sid, f"over the limit of {program.limit} per {group}")
                        result.skipped += 1
                        continue
                if unit.sid in batch:
                    result.duplicates += 1
                    continue
                disposition, current = self._disposition(phase, unit.sid)
                if current:
                    result.duplicates += 1
                    continue
                if disposition == "held":
                    result.held += 1
                    continue
                if disposition == "linked" and not self.options.refresh:
                    result.already += 1
                    continue
                if pending is None:
                    pending = await self._evaluate(program, functions, unit)
                if isinstance(pending, Failure):
                    self._backlog.quarantine(program, unit.sid, unit.first, pending.reason, pending.span)
                    result.quarantined += 1
                    continue
                if disposition in ("linked", "partial"):
                    pending.known_id = self.journal.target_for_source(phase, unit.sid)
                elif unit.sid in known:
                    pending.known_id, pending.recovered = known[unit.sid], True
                for message in pending.reports:
                    self._backlog.audit("report", program, unit.sid, detail=message)
                    result.reported += 1
                if unit.sid in self._recovery.content_check:
                    checking.append(pending)  # sent before a crash, maybe created: compared with the target at the end
                    continue
                batch[unit.sid] = pending
                if len(batch) >= plan.batch_size:
                    await self._dispatch(program, plan, list(batch.values()), result, flights)
                    batch = {}
            if checking:
                found = await self._recovery.find_by_content(plan, checking)
                self.emit("content-check", {"phase": phase, "units": len(checking), "found": len(found)})
                for pending in checking:
                    if pending.sid in found:
                        pending.known_id, pending.recovered = found[pending.sid], True
                    batch[pending.sid] = pending
            if batch:
                await self._dispatch(program, plan, list(batch.values()), result, flights)
            await flights.drain()
        finally:
            if limit_counts is not None:
                limit_counts.close()
        await self.resolver.second_pass(program, plan, result)
        self._backlog.write()
        balanced, accounted = self._balanced(result)
        self.journal.set_checkpoint(phase, "done" if balanced else "unbalanced", {**self._state(phase), "read": result.read})
        self.emit("phase-end", {"phase": phase, "accounted": accounted, **msgspec.structs.asdict(result)})
        if not balanced:
            raise PhaseUnbalanced(result, accounted)
        return result

    def _disposition(self, phase: str, sid: str) -> tuple[str | None, bool]:
        """(the unit's disposition, whether this pass wrote it). Dispositions not yet committed
        are the current batch's; the journal holds the rest, so memory stays flat."""
        if self._backlog.holds(sid) or sid in self._in_flight:
            return "quarantined", True
        return self.journal.disposition(phase, sid)

    # ------------------------------------------------------------------ evaluating a unit

    async def _evaluate(self, program: ir.MapProgram, functions: MapFunctions, unit: Unit) -> Pending | Failure:
        """Transform, flags and refs: a unit ready to load, or why it is quarantined."""
        try:
            out, refs, fired = functions.transform(unit.payload)
        except Exception as error:  # a bad value: quarantined with the .mig line that failed
            return Failure(reason=str(error) or type(error).__name__, span=self.compiled.span_of(error), kind=("error", _line(self.compiled.span_of(error))))
        flagged = [program.flags[i] for i in fired]
        stopping = next((i for i in fired if program.flags[i].action == "quarantine"), None)
        if stopping is not None:
            flag = program.flags[stopping]
            return Failure(reason=f"flag: {flag.message}", span=flag.span, kind=("flag", stopping))
        resolved = await self.resolver.resolve(program, out, refs)
        if resolved.problem is not None:
            return Failure(reason=resolved.problem[0], span=resolved.problem[1], kind=("ref", resolved.problem[0].split(":")[0]),
                           outside_sample=resolved.outside_sample)
        record = resolved.record
        tags: list[str] = []
        if self.target.platform in TAGS_BY_ACTION:
            for field in self._tag_fields(program):
                value = record.pop(field, None)
                if isinstance(value, list):
                    tags.extend(str(v) for v in value if present(v))
        identity = ""
        if program.key_field:
            value = out.get(program.key_field)
            identity = "" if value is None else str(to_wire(value))
        elif program.target in self.names.stamps:
            identity = f"{program.id}:{unit.sid}"
            record[self.names.stamps[program.target]] = identity
        reports = [f"flag: {flag.message}" for flag in flagged] + resolved.reports
        return Pending(sid=unit.sid, record=record, out=out, first=unit.first, identity=identity, tags=list(dict.fromkeys(tags)),
                       deferred=resolved.deferred, partial=resolved.partial, reports=reports)

    async def _evaluate_for_sample(self, program, functions, unit: Unit) -> tuple[Any, set[tuple]]:
        """Evaluates a unit with the values-table trace on: (its pending or failure, what it covers)."""
        if unit.error:
            return None, {("decode",)}
        return await self._trace.covering(self._evaluate(program, functions, unit))

    def _tag_fields(self, program: ir.MapProgram) -> list[str]:
        if program.target not in self._tags_of:
            spec = self.target_catalog.objects.get(program.target)
            fields = spec.fields.items() if spec is not None else ()
            self._tags_of[program.target] = [self.names.field_name(program.target, name) for name, field in fields if field.type == "tags"]
        return self._tags_of[program.target]

    # ------------------------------------------------------------------ loading

    async def _remember_preexisting(self, program: ir.MapProgram, plan: Plan) -> None:
        """Lists, once per run, the target's records that a keyed upsert may update, so their
        before-images can be kept (rollback restores them)."""
        marker = f"preexisting:{program.target}:{plan.identity}"
        saved = self.journal.checkpoint(marker)
        if saved is not None and saved[0] == "done":
            return
        ours = {link.target_id for link in self.journal.links(program.target)}
        rows: list[tuple[str, str, dict[str, Any]]] = []
        try:
            async for record in self.target.list(plan.target_object):
                key = field_value(record, plan.identity)
                if present(key) and str(record.get("id")) not in ours:
                    rows.append((str(key), str(record["id"]), record))
                    if len(rows) >= PREEXISTING_PAGE:
                        self.journal.remember_preexisting(program.target, plan.identity, rows)
                        rows = []
        except UnsupportedOperation as error:
            self._warn(marker, f"{program.target}: records updated by key get no before-image ({error}); rollback cannot restore them")
        self.journal.remember_preexisting(program.target, plan.identity, rows)
        self.journal.set_checkpoint(marker, "done", {})

    async def _dispatch(self, program: ir.MapProgram, plan: Plan, batch: list[Pending], result: PhaseResult, flights: Flights) -> None:
        """Starts writing a batch while the next one is prepared, up to FLUSH_WINDOW batches in
        flight (targets answer slower than the engine transforms). A batch sharing a key with
        one in flight waits for it: two concurrent upserts of one key could both insert."""
        identities = {p.identity for p in batch if p.identity}
        if identities & flights.identities:
            await flights.drain()
        while len(flights.tasks) >= FLUSH_WINDOW:
            await flights.wait_one()
        phase = program.id
        number = self._next_batch.get(phase)
        if number is None:
            number = int(self._state(phase).get("batches", 0))
        self._next_batch[phase] = number + 1
        flights.start(self._flush(program, plan, batch, result, number), batch)

    async def _flush(self, program: ir.MapProgram, plan: Plan, batch: list[Pending], result: PhaseResult, number: int) -> None:
        phase = program.id
        with self.journal.transaction():
            self._backlog.write()
            self.journal.begin_batch(phase, number, [[p.sid, p.identity] for p in batch])
            if plan.op == "upsert" and program.key_field:
                for pending in batch:
                    if pending.known_id is None and pending.identity:
                        before = self.journal.preexisting(program.target, plan.identity, pending.identity)
                        if before is not None:
                            self.journal.before_image(program.target, before[0], before[1])
        self._crash.batch_started()
        self._crash.reached("before-send")
        outcomes = await self._write(program, plan, batch)
        result.reported += await self._add_tags(program, plan, batch, outcomes)
        self._crash.reached("after-send")
        links, keys, audit, quarantined, skipped, deferred, held = [], [], [], [], [], [], []
        for pending, outcome in zip(batch, outcomes):
            if outcome.outcome in ("created", "updated"):
                target_id = str(outcome.target_id)
                inserted = not program.merge and (pending.recovered or (outcome.outcome == "created" and pending.known_id is None))
                links.append(IdLink(map_id=phase, source_object=program.source, source_id=pending.sid, target_object=program.target,
                                    target_id=target_id, key_field=program.key_field or plan.identity, key_value=pending.identity,
                                    inserted=inserted, partial=pending.partial))
                keys.extend(self.resolver.lookup_keys(program, pending.out, target_id))
                audit.append(AuditEntry(op="insert" if inserted else "update", phase=phase, map_id=phase, source_object=program.source,
                                        source_id=pending.sid, target_object=program.target, target_id=target_id))
                deferred.extend(DeferredRef(map_id=phase, source_id=pending.sid, field=field, values=[values, fallback])
                                for field, values, fallback in pending.deferred)
                result.loaded += 1
                if inserted:
                    result.inserted += 1
                else:
                    result.updated += 1
            elif outcome.outcome == "skipped":
                skipped.append(Skipped(map_id=phase, source_id=pending.sid, reason=outcome.message or ""))
                audit.append(AuditEntry(op="skip", phase=phase, map_id=phase, source_object=program.source, source_id=pending.sid,
                                        target_object=program.target, detail=outcome.message or ""))
                result.skipped += 1
            elif outcome.outcome == "held":
                held.append(hold(program, pending.sid, pending.first, f"its write failed ({outcome.message})"))
                result.held += 1
            elif outcome.outcome == "pending":
                result.pending += 1
            else:
                where = f" ({outcome.field})" if outcome.field else ""
                span = self._field_span(program, outcome.field)
                quarantined.append(Quarantined(
                    phase=phase, map_id=phase, source_object=program.source, source_id=pending.sid,
                    reason=f"{program.target} refused the record{where}: {outcome.code or outcome.outcome} {outcome.message or ''}".strip(),
                    location=location(span), record=jsonable(pending.first)))
                audit.append(AuditEntry(op="quarantine", phase=phase, map_id=phase, source_object=program.source,
                                        source_id=pending.sid, target_object=program.target, detail=outcome.code or outcome.outcome))
                result.quarantined += 1
        with self.journal.transaction():
            self.journal.link(links)
            self.journal.index_keys(keys)
            self.journal.audit(audit, self.options.operator)
            self.journal.quarantine(quarantined + held)
            self.journal.skip(skipped)
            self.journal.defer_refs(deferred)
            self.journal.end_batch(phase, number)
            state = self._state(phase)
            state.update(batches=max(int(state.get("batches", 0)), number + 1), op=plan.op)
            self.journal.set_checkpoint(phase, "running", state)
        self._crash.reached("after-commit")
        self.emit("batch", {"phase": phase, "size": len(batch), "loaded": result.loaded, "quarantined": result.quarantined})

    def _field_span(self, program: ir.MapProgram, api_field: str | None):
        if not api_field:
            return None
        for step in program.steps:
            if isinstance(step, ir.FieldStep) and self.names.field_name(program.target, step.field) == api_field:
                return step.span
        return None

    async def _write(self, program: ir.MapProgram, plan: Plan, batch: list[Pending]) -> list[Outcome]:
        """One outcome per pending record: written, refused, skipped, `held` or `pending`."""
        outcomes: list[Outcome] = [Outcome(outcome="pending") for _ in batch]
        todo = list(range(len(batch)))
        for round_number in range(WRITE_ROUNDS):
            if not todo:
                break
            answers = await self._send(program, plan, [batch[i] for i in todo])
            retry: list[int] = []
            unknown: list[int] = []
            for index, answer in zip(todo, answers):
                outcomes[index] = answer
                if answer.outcome == "retryable":
                    retry.append(index)
                elif answer.outcome == "failed" and answer.code == OUTCOME_UNKNOWN:
                    unknown.append(index)
            if unknown:
                # An insert whose reply was lost: looked up before anything is sent again.
                for index, settled in zip(unknown, await self._recovery.lost_replies(plan, [batch[i] for i in unknown])):
                    if settled is None:
                        retry.append(index)
                    else:
                        outcomes[index] = settled
            todo = sorted(retry)
            if todo:
                self.emit("retry", {"phase": program.id, "records": len(todo), "round": round_number + 1})
        for index in todo:
            outcomes[index] = Outcome(outcome="pending", code=outcomes[index].code, message=outcomes[index].message)
        return outcomes

    async def _send(self, program: ir.MapProgram, plan: Plan, batch: list[Pending]) -> list[Outcome]:
        outcomes: list[Outcome] = [Outcome(outcome="pending") for _ in batch]
        by_id = [i for i, p in enumerate(batch) if p.known_id is not None]
        others = [i for i, p in enumerate(batch) if p.known_id is None]
        if by_id:
            # Records the journal links (or a check found) are updated in place, by id.
            updates = [{**{k: v for k, v in batch[i].record.items() if not (program.merge and k == plan.identity)}, "id": batch[i].known_id}
                       for i in by_id]
            for i, answer in zip(by_id, await self.target.update(plan.target_object, updates)):
                outcomes[i] = Outcome.of(answer, default_id=batch[i].known_id)
        if others:
            chosen = [batch[i] for i in others]
            if plan.op == "merge":
                answers = await self._merge(program, plan, chosen)
            elif plan.op == "upsert":
                try:
                    answers = [Outcome.of(a) for a in await self.target.upsert(plan.target_object, [p.record for p in chosen], [plan.identity])]
                except UnsupportedOperation as error:
                    self._warn(f"create:{program.target}", f"{program.target} is written by insert ({error}); interrupted inserts are "
                               f"checked by {plan.identity or 'nothing'} before they are sent again")
                    plan.op = "create"
                    # Recorded before the first insert, so a crash in it leads the resume to check by key or stamp.
                    self.journal.set_checkpoint(program.id, "running", {**self._state(program.id), "op": "create"})
                    answers = [Outcome.of(a) for a in await self.target.create(plan.target_object, [p.record for p in chosen])]
            else:
                answers = [Outcome.of(a) for a in await self.target.create(plan.target_object, [p.record for p in chosen])]
            for i, answer in zip(others, answers):
                outcomes[i] = answer
        return outcomes

    async def _merge(self, program: ir.MapProgram, plan: Plan, batch: list[Pending]) -> list[Outcome]:
        """Updates the records another map loaded, found by key; keeps a before-image of each."""
        found: list[tuple[int, str]] = []
        outcomes: list[Outcome] = [Outcome(outcome="pending") for _ in batch]
        for index, pending in enumerate(batch):
            target_id = self.journal.target_id(program.target, program.key_field, pending.identity) if pending.identity else None
            if target_id is None and pending.identity:
                target_id = await self.resolver.search(plan.target_object, plan.identity, pending.identity)
            if target_id is None:
                outcomes[index] = Outcome(outcome="skipped", message=f"no {program.target} record has {program.key_field} = {pending.identity!r}")
            else:
                found.append((index, target_id))
        if found:
            current = {str(r["id"]): r for r in await self.target.get(plan.target_object, [tid for _, tid in found])}
            with self.journal.transaction():
                for _, target_id in found:
                    if target_id in current:
                        self.journal.before_image(program.target, target_id, current[target_id])
            updates = [{**{k: v for k, v in batch[index].record.items() if k != plan.identity}, "id": target_id} for index, target_id in found]
            answers = await self.target.update(plan.target_object, updates)
            for (index, target_id), answer in zip(found, answers):
                outcomes[index] = Outcome.of(answer, default_id=target_id)
        return outcomes

    async def _add_tags(self, program: ir.MapProgram, plan: Plan, batch: list[Pending], outcomes: list[Outcome]) -> int:
        """Tags of targets that take them only through their add-tags action (an idempotent merge,
        so a resent batch adds nothing twice); each refusal is reported. Returns the refusals."""
        work = [(pending, outcome) for pending, outcome in zip(batch, outcomes) if pending.tags and outcome.outcome in ("created", "updated")]

        async def add(pending: Pending, outcome: Outcome) -> RecordResult:
            return await self.target.add_tags(plan.target_object, str(outcome.target_id), pending.tags)

        answers = await asyncio.gather(*(add(pending, outcome) for pending, outcome in work))
        refused = 0
        for (pending, _), answer in zip(work, answers):
            if not answer.ok:
                refused += 1
                self._backlog.audit("report", program, pending.sid, detail=f"tags {', '.join(pending.tags)} not added: {answer.code} {answer.message or ''}".strip())
        return refused


def _line(span) -> int:
    return span.line if span is not None else 0
