"""`build_plan(analysis, counts) -> LoadPlan`: orders the load and estimates its calls and time.

The plan is a schema phase, then one phase per target object in the model's load order (a ref's
target always loads earlier; a self-reference gets a second "link" pass; objects caught in a
cycle are marked, never looped over), each with its steps (creating maps in file order, then the
merges that update what they created, then the link pass), a reconciliation checkpoint, then
the delta pass and the cutover. Calls come from the catalog's batch sizes; time from the
target's rate budget for the assumed tier (`migc.plan.budget`), walked in plan order.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import msgspec

from migc.catalog.schema import Catalog, ObjectSpec
from migc.plan.budget import BudgetError, Pacer, StepCalls, applies_to_tier, budget_for, duration_words, token_cost
from migc.plan.details import MapDetails, map_details
from migc.plan.estimate import estimate_maps
from migc.plan.model import (
    PLAN_FORMAT_VERSION,
    Budget,
    Checkpoint,
    Compatibility,
    Cutover,
    Cycle,
    DeltaPass,
    DeltaSource,
    Edge,
    Estimate,
    LoadPlan,
    Lookup,
    Phase,
    Platform,
    SchemaPhase,
    Step,
    Totals,
)
from migc.plan.schema_phase import schema_steps
from migc.plan.sizing import Sizing
from migc.semantics.check import Analysis
from migc.semantics.graph import dependency_order
from migc.semantics.model import MapInfo, Model, RefEdge

DEFAULT_SAMPLE: Final = 100  # checksum sample when the header declares no `sample`


class PlanError(Exception):
    """The analysis cannot be planned: no checked model, no target catalog, or an unknown tier."""


def build_plan(analysis: Analysis, counts: Mapping[str, int] | None = None, *, sizing: Sizing | None = None) -> LoadPlan:
    """The load plan of a checked file. `counts` maps source object names (or map ids) to record
    counts; `sizing` adds the assumed account (tier, seats, call time). A file with errors still
    gets a plan when the checker built a model: `LoadPlan.errors` then marks it a draft."""
    model = analysis.model
    if model is None:
        raise PlanError("the file has no checked model to plan (a library file, or errors that stop the checker)")
    source_catalog, target_catalog = analysis.source_catalog, analysis.target_catalog
    if source_catalog is None or target_catalog is None:
        raise PlanError("the plan needs the catalogs of both platforms; fix the migration header first")
    sizing = sizing or Sizing()
    if counts is not None:
        sizing = msgspec.structs.replace(sizing, counts=dict(counts))
    _check_counts(model, source_catalog, sizing.counts)
    try:
        budget = budget_for(target_catalog, sizing)
    except BudgetError as error:
        raise PlanError(str(error)) from None
    return _Planner(analysis, model, source_catalog, target_catalog, sizing, budget).plan()


def _check_counts(model: Model, source: Catalog, counts: Mapping[str, int]) -> None:
    """A counts key must name a source object or one of the mapping's maps: a typo would
    otherwise leave a number silently unused."""
    map_ids = [m.id for m in model.maps]
    for key in counts:
        if key in source.objects or key in map_ids:
            continue
        choices = map_ids if "->" in key else list(source.objects)
        close = difflib.get_close_matches(key, choices, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        what = "a map of this mapping" if "->" in key else f"an object of {source.platform.label}"
        raise PlanError(f"counts file: `{key}` is not {what}{hint}")


class _Planner:
    def __init__(self, analysis: Analysis, model: Model, source: Catalog, target: Catalog, sizing: Sizing, budget: Budget) -> None:
        self.analysis = analysis
        self.model = model
        self.source = source
        self.target = target
        self.sizing = sizing
        self.budget = budget
        self.details = map_details(analysis, model.maps)
        self.estimates = estimate_maps(model.maps, sizing.counts, self.details)
        objects = list(dict.fromkeys(m.target for m in model.maps))
        graph = dependency_order(objects, model.refs)
        self.cycles = graph.cycles
        self.in_cycle = {name for cycle in graph.cycles for name in cycle}
        self.phase_of = {name: index + 1 for index, name in enumerate(model.load_order)}
        self.lookup_edges = _lookup_edges(model)

    # ------------------------------------------------------------------ the whole plan

    def plan(self) -> LoadPlan:
        model = self.model
        pacer = Pacer(self.budget)
        schema = [self._paced(pacer, step) for step in schema_steps(model, self.target, self.budget.tier)]
        phases = [self._phase(pacer, number, name) for number, name in enumerate(model.load_order, start=1)]
        for name in model.load_order:
            deferred = [m for m in model.maps if m.target == name and m.late]
            if deferred:
                phases.append(self._late_phase(pacer, len(phases) + 1, name, deferred))
        days, days_constraint = pacer.budget_days()
        missing = self._missing_counts()
        all_steps = schema + [step for phase in phases for step in phase.steps]
        one_to_one, objects = model.compatibility
        return LoadPlan(
            version=PLAN_FORMAT_VERSION,
            migration=model.header.name,
            file=Path(model.header.span.file).name,
            source=Platform(name=self.source.platform.name, label=self.source.platform.label),
            target=Platform(name=self.target.platform.name, label=self.target.platform.label),
            errors=sum(1 for d in self.analysis.diagnostics if d.is_error),
            compatibility=Compatibility(one_to_one=one_to_one, objects=objects),
            counts_given=tuple(sorted(self.sizing.counts)),
            missing_counts=missing,
            assumptions=self._assumptions(),
            prerequisites=self._prerequisites(),
            budget=self.budget,
            schema=SchemaPhase(
                steps=tuple(schema), calls=sum(s.calls or 0 for s in schema),
                seconds=_round(sum(s.seconds or 0.0 for s in schema)),
            ),
            phases=tuple(phases),
            edges=self._edges(),
            cycles=tuple(
                Cycle(objects=cycle, note="these objects look each other up, so none can load first (MIG0601): "
                      "the plan loads them in file order and leaves the lookups among them unresolved")
                for cycle in self.cycles
            ),
            delta=self._delta(phases),
            cutover=self._cutover(),
            totals=Totals(
                records=_sum_known(p.records for p in phases) if any(p.records is not None for p in phases) else None,
                calls=sum(s.calls or 0 for s in all_steps),
                units=sum(s.units or 0 for s in all_steps),
                seconds=_round(pacer.now),
                budget_days=None if days is None else round(days, 2),
                budget_constraint=days_constraint,
                complete=not missing,
            ),
        )

    def _paced(self, pacer: Pacer, step: Step) -> Step:
        """`step` with its units, duration and binding constraint, advancing the shared clock."""
        if step.calls is None:
            return msgspec.structs.replace(step, binding="unknown: no record count")
        cost = token_cost(self.target, step.operation)
        pace = pacer.run(StepCalls(calls=step.calls, operation=step.operation, units_per_call=cost))
        return msgspec.structs.replace(step, units=step.calls * cost, seconds=_round(pace.seconds), binding=pace.binding)

    # ------------------------------------------------------------------ object phases

    def _phase(self, pacer: Pacer, number: int, name: str) -> Phase:
        model = self.model
        spec = self.target.objects.get(name)
        creating = [m for m in model.maps if m.target == name and not m.merge]
        merging = [m for m in model.maps if m.target == name and m.merge and not m.late]
        steps: list[Step] = []
        for info in creating:
            steps.extend(self._creating_steps(info, spec))
        for info in merging:
            steps.append(self._map_step(info, "merge", "update", spec, "update the records created above, found by "
                                        f"`key {info.key}`" if info.key else "update the records created above"))
        link = self._link_step(name, creating, spec)
        if link is not None:
            steps.append(link)
        paced = [self._paced(pacer, step) for step in steps]
        records = [self.estimates[m.id].records for m in creating]
        slowest = max(paced, key=lambda s: s.seconds or 0.0, default=None)
        return Phase(
            number=number,
            object=name,
            label=spec.plural_label if spec is not None else self._module_label(name),
            maps=tuple(m.id for m in creating + merging),
            lookups=self._lookups(name, number, creating + merging),
            steps=tuple(paced),
            records=None if any(r is None for r in records) else sum(r for r in records if r is not None),
            upper_bound=any(self.estimates[m.id].upper_bound for m in creating),
            late=False,
            calls=None if any(s.calls is None for s in paced) else sum(s.calls or 0 for s in paced),
            seconds=None if any(s.seconds is None for s in paced) else _round(sum(s.seconds or 0.0 for s in paced)),
            binding=slowest.binding if slowest is not None and slowest.seconds else "",
            in_cycle=name in self.in_cycle,
            checkpoint=self._checkpoint(name, creating, merging, records),
        )

    def _late_phase(self, pacer: Pacer, number: int, name: str, merges: list[MapInfo]) -> Phase:
        spec = self.target.objects.get(name)
        steps = [
            self._map_step(info, "merge", "update", spec, "update records once every object exists (its lookups point at objects loaded "
                           f"after {name})")
            for info in merges
        ]
        paced = [self._paced(pacer, step) for step in steps]
        slowest = max(paced, key=lambda s: s.seconds or 0.0, default=None)
        return Phase(
            number=number,
            object=name,
            label=spec.plural_label if spec is not None else self._module_label(name),
            maps=tuple(m.id for m in merges),
            lookups=self._lookups(name, number, merges),
            steps=tuple(paced),
            records=0,
            upper_bound=False,
            late=True,
            calls=None if any(s.calls is None for s in paced) else sum(s.calls or 0 for s in paced),
            seconds=None if any(s.seconds is None for s in paced) else _round(sum(s.seconds or 0.0 for s in paced)),
            binding=slowest.binding if slowest is not None and slowest.seconds else "",
            in_cycle=False,
            checkpoint=self._checkpoint(name, [], merges, []),
        )

    def _module_label(self, name: str) -> str:
        for change in self.model.schema:
            if change.kind == "module" and change.object == name and change.label:
                return change.label
        return name

    def _creating_steps(self, info: MapInfo, spec: ObjectSpec | None) -> list[Step]:
        write = spec.write if spec is not None else None
        steps = []
        if info.key and write is not None and write.upsert:
            steps.append(self._map_step(info, "upsert", "upsert", spec, f"insert or update by `key {info.key}`"))
            return steps
        if info.key and write is not None and write.search:
            steps.append(self._map_step(
                info, "lookup", "search", spec, f"find existing records by `key {info.key}` ({self.target.platform.label} has no upsert here)",
                batch=1,
            ))
        what = "insert" + (f"; `key {info.key}` deduplicates within the run (the journal's id map)" if info.key and (write is None or not write.search) else "")
        steps.append(self._map_step(info, "insert", "create", spec, what))
        return steps

    def _map_step(self, info: MapInfo, kind: str, operation: str, spec: ObjectSpec | None, what: str, *, batch: int | None = None) -> Step:
        estimate = self.estimates[info.id]
        size, note = (batch, "") if batch is not None else self._batch(spec, operation)
        notes = tuple(n for n in (note, self._self_ref_note(info)) if n)
        return Step(
            kind=kind,
            description=f"{info.id}: {what}",
            object=info.target,
            map=info.id,
            source=info.source,
            operation=operation,
            endpoint=self._endpoint(spec, operation),
            records=estimate,
            batch_size=size,
            calls=None if estimate.records is None else math.ceil(estimate.records / size),
            units=None,
            seconds=None,
            binding="",
            notes=notes,
        )

    def _self_ref_note(self, info: MapInfo) -> str:
        fields = [p.field for p in info.fields if info.target in p.ref_targets]
        if not fields or info.merge:
            return ""
        return "inserted without " + ", ".join(fields) + ": the link pass sets it once every record exists"

    def _link_step(self, name: str, creating: list[MapInfo], spec: ObjectSpec | None) -> Step | None:
        # Only creating maps need the second pass: a merge runs after the records exist anyway.
        fields = sorted({p.field for m in creating for p in m.fields if name in p.ref_targets})
        if not fields:
            return None
        writers = [m for m in creating if any(p.field in fields and name in p.ref_targets for p in m.fields)]
        records = [self.estimates[m.id].records for m in writers]
        known = None if any(r is None for r in records) else sum(r for r in records if r is not None)
        size, note = self._batch(spec, "update")
        return Step(
            kind="link",
            description=f"second pass on {name}: set {', '.join(fields)} now that every record exists",
            object=name,
            map=", ".join(m.id for m in writers),
            source=", ".join(dict.fromkeys(m.source for m in writers)),
            operation="update",
            endpoint=self._endpoint(spec, "update"),
            items=tuple(fields),
            records=Estimate(records=known, basis="every record the maps above created (upper bound: only those with a value change)", upper_bound=True),
            batch_size=size,
            calls=None if known is None else math.ceil(known / size),
            units=None,
            seconds=None,
            binding="",
            notes=(note,) if note else (),
        )

    def _batch(self, spec: ObjectSpec | None, operation: str) -> tuple[int, str]:
        """The largest batch the catalog allows for `operation` on this object, and a note when none is published."""
        override = spec.write.batch if spec is not None and spec.write is not None else None
        for limits in (override, self.target.platform.limits.batch):
            size = getattr(limits, operation, None) if limits is not None else None
            if size is not None:
                # The platform's own caveat is stated once among the assumptions.
                unconfirmed = limits.unconfirmed if limits is override else ""
                return size, f"batch size unconfirmed: {unconfirmed}" if unconfirmed else ""
        return 1, f"no {operation} batch size published: one record per call"

    def _endpoint(self, spec: ObjectSpec | None, operation: str) -> str:
        if spec is None or spec.write is None:
            return ""
        return getattr(spec.write, operation, "") or ""

    def _lookups(self, name: str, number: int, maps: list[MapInfo]) -> tuple[Lookup, ...]:
        fields = {p.field for m in maps for p in m.fields if p.refs}
        result = []
        for edge in self.lookup_edges:
            if edge.dependent != name or edge.field not in fields:
                continue
            target_phase = self.phase_of.get(edge.target)
            if edge.target == name:
                resolution = "second-pass"
            elif name in self.in_cycle and edge.target in self.in_cycle and any(name in c and edge.target in c for c in self.cycles):
                resolution = "cycle"
            elif target_phase is not None and target_phase < number:
                resolution = "loaded-earlier"
            elif (spec := self.target.objects.get(edge.target)) is not None and spec.preexisting:
                resolution = "preexisting"
            else:
                resolution = "not-loaded"
            result.append(Lookup(field=edge.field, target=edge.target, resolution=resolution, phase=target_phase))
        return tuple(result)

    def _checkpoint(self, name: str, creating: list[MapInfo], merging: list[MapInfo], records: list[int | None]) -> Checkpoint:
        identities, quarantine, skipped = [], [], []
        for info in creating + merging:
            detail = self.details.get(info.id, MapDetails())
            total = self.sizing.counts.get(info.source)
            read = f"{total:,} " if total is not None else ""
            verb = "updated" if info.merge else "loaded"
            identities.append(f"{info.id}: {read}{info.source} records read = {verb} + quarantined + skipped")
            for message in detail.quarantine_flags:
                quarantine.append(f"{info.id}: {message}")
            for field in detail.quarantine_lookups:
                targets = next((p.ref_targets for p in info.fields if p.field == field), ())
                quarantine.append(f"{info.id}: no {' or '.join(targets) or 'record'} found for {field}")
            if info.route == "where":
                skipped.append(f"{info.id}: records not matching `{detail.condition}`" if detail.condition else f"{info.id}: records its `where` rejects")
            elif info.route == "otherwise":
                skipped.append(f"{info.id}: records an earlier `where` map took")
            if info.grouping == "distinct":
                skipped.append(f"{info.id}: repeats of a `distinct by {detail.group_by}` key" if detail.group_by else f"{info.id}: repeats of a distinct key")
            elif info.grouping == "summarize":
                skipped.append(f"{info.id}: records folded into their group (`summarize by {detail.group_by}`)" if detail.group_by else f"{info.id}: records folded into their group")
            if info.limit is not None:
                per = f" per {detail.limit_per}" if detail.limit_per else ""
                skipped.append(f"{info.id}: records beyond {info.limit}{per}")
            if info.merge:
                skipped.append(f"{info.id}: records whose key matches no {name} record")
        keys = [m.key for m in creating + merging if m.key]
        others = sorted({p.field for m in creating + merging for p in m.fields if not p.refs} - set(keys))
        sample = self.model.header.sample or DEFAULT_SAMPLE
        return Checkpoint(
            identities=tuple(identities),
            expected_loaded=None if any(r is None for r in records) else sum(r for r in records if r is not None),
            quarantine_when=tuple(quarantine),
            skipped_when=tuple(skipped),
            checksum_fields=tuple(dict.fromkeys(keys)) + tuple(others),
            sample=sample,
        )

    # ------------------------------------------------------------------ graph, delta, cutover

    def _edges(self) -> tuple[Edge, ...]:
        result = []
        for edge in self.lookup_edges:
            if edge.dependent == edge.target:
                kind = "self"
            elif edge.late and self.phase_of.get(edge.target, 0) > self.phase_of.get(edge.dependent, 0):
                kind = "late"  # a merge's lookup of an object loaded after its own: the merge waits
            elif any(edge.dependent in c and edge.target in c for c in self.cycles):
                kind = "cycle"
            elif edge.target not in self.phase_of:
                kind = "preexisting"
            else:
                kind = "ref"
            result.append(Edge(dependent=edge.dependent, field=edge.field, target=edge.target, kind=kind))
        return tuple(result)

    def _delta(self, phases: list[Phase]) -> DeltaPass:
        seconds = self.model.header.delta_window_seconds
        window = _window_words(seconds) if seconds else ""
        sources = []
        for name in dict.fromkeys(m.source for m in self.model.maps):
            spec = self.source.objects.get(name)
            if spec is None:
                continue
            if spec.modified_field:
                span = f"the last {window}" if window else "the window"
                sources.append(DeltaSource(source=name, method=f"records whose {spec.modified_field} falls in {span}", modified_field=spec.modified_field))
            else:
                sources.append(DeltaSource(source=name, method=spec.no_delta or "no modification time: re-read whole"))
        note = (
            "the delta pass repeats the object phases in the same order for changed records only; merges and link passes follow as in the full load"
            if window else "the header declares no `delta window`: the cutover re-reads every source whole"
        )
        return DeltaPass(window_seconds=seconds, window=window, sources=tuple(sources), phases=tuple(p.number for p in phases), note=note)

    def _cutover(self) -> Cutover:
        header = self.model.header
        source, target = self.source.platform.label, self.target.platform.label
        steps = [f"Freeze writes in {source}; it stays readable for the delta pass and for rollback checks."]
        if header.delta_window_seconds:
            steps.append(f"Run the delta pass over the last {_window_words(header.delta_window_seconds)}, phase by phase in plan order.")
        else:
            steps.append("Re-read every source whole and load what changed, phase by phase in plan order.")
        steps.append("Reconcile every phase again: counts (loaded + quarantined + skipped) and the field checksum sample.")
        steps.append("Review the quarantine with the customer: fix and reload, or accept as not migrated.")
        steps.append(f"Make {target} the system of record; keep the journal for rollback until sign-off.")
        if self.model.rebuilds:
            count = len(self.model.rebuilds)
            steps.append(f"Hand over the rebuild inventory ({count} block{'s' if count != 1 else ''}) to the customer's {target} admin.")
        return Cutover(steps=tuple(steps), rollback_order=tuple(reversed(self.model.load_order)))

    # ------------------------------------------------------------------ assumptions and prerequisites

    def _missing_counts(self) -> tuple[str, ...]:
        return tuple(sorted({m.source for m in self.model.maps if self.estimates[m.id].records is None}))

    def _assumptions(self) -> tuple[str, ...]:
        budget, limits = self.budget, self.target.platform.limits
        result = []
        if budget.tier:
            result.append(f"{self.target.platform.label} tier {budget.tier}: {budget.tier_basis}.")
        if limits.daily_tokens is not None:
            seats = "given in the counts file" if self.sizing.seats_given else "not given: one seat is assumed (the tightest budget)"
            result.append(f"{budget.seats} seat{'s' if budget.seats != 1 else ''} ({seats}).")
            result.append("Token costs are the published v1 costs; a create, which has no published cost, is assumed to cost an update's "
                          "(v2 endpoints cost about half, so the estimate errs long).")
        for entry in (*limits.rate, *limits.burst):
            if entry.cost_notes and applies_to_tier(entry.plan, budget.tier):
                result.append(f"The budget of {entry.calls:,} calls per {duration_words(entry.per_seconds)} is the base the catalog "
                              f"states; its notes ({entry.cost_notes.rstrip('.')}) are not counted, so the estimate errs long.")
        result.append(f"One write call takes {budget.call_seconds:g} s end to end; {budget.in_flight} request"
                      f"{'s' if budget.in_flight != 1 else ''} in flight.")
        result.append("Windows longer than a minute (hourly, daily budgets) are spent at full pace and then waited out; "
                      "rolling windows are modelled as fixed ones starting with the first call.")
        result.append("Only loading into the target is timed; extraction from the source runs ahead of it.")
        if limits.batch is not None and limits.batch.unconfirmed:
            result.append(f"Batch sizes are unconfirmed: {limits.batch.unconfirmed}.")
        rules = self.target.platform.custom_fields
        if rules is not None and rules.unconfirmed and self.model.schema:
            result.append(f"Custom fields: {rules.unconfirmed.rstrip('.')}.")
        if not self.sizing.counts:
            result.append("No counts file: record numbers, calls and durations of the object phases are unknown; only the schema phase is timed.")
        elif self._missing_counts():
            result.append("Sources without a count (" + ", ".join(self._missing_counts()) + ") are left out of the totals.")
        if any(m.route for m in self.model.maps) or any(m.grouping or m.limit for m in self.model.maps):
            result.append("Routed, grouped and limited maps are estimated by the rules in each step's basis; "
                          "give a map's real count in the counts file by its id (\"Event->Tasks\" = 40000).")
        return tuple(result)

    def _prerequisites(self) -> tuple[str, ...]:
        header = self.model.header
        result = []
        if header.consent is not None:
            result.append(f"Consent gate ({header.consent.regulation.upper()}) for {header.consent.subject}: extraction waits "
                          "until the customer's authorization is recorded.")
        sample = header.sample or DEFAULT_SAMPLE
        result.append(f"Sample run of {sample} records per source into a {self.target.platform.label} sandbox, reconciled and "
                      "signed off before production.")
        for target in sorted({e.target for e in self.lookup_edges if e.target not in self.phase_of}):
            spec = self.target.objects.get(target)
            if spec is not None and spec.preexisting:
                fields = ", ".join(sorted(f"{e.dependent}.{e.field}" for e in self.lookup_edges if e.target == target))
                result.append(f"{spec.plural_label} exist in {self.target.platform.label} already: the lookups {fields} "
                              "find them by key (no records are created).")
        return tuple(result)


def _lookup_edges(model: Model) -> tuple[RefEdge, ...]:
    """The model's ref edges plus lookups of objects nobody loads (existing Users), which the
    dependency graph leaves out because they impose no order."""
    edges = {(e.dependent, e.field, e.target): e for e in model.refs}
    for info in model.maps:
        for program in info.fields:
            for target in program.ref_targets:
                if (info.target, program.field, target) not in edges:
                    edges[(info.target, program.field, target)] = RefEdge(
                        dependent=info.target, field=program.field, target=target, span=program.span,
                    )
    return tuple(sorted(edges.values(), key=lambda e: (e.dependent, e.field, e.target)))


def _window_words(seconds: int) -> str:
    if seconds % 86_400 == 0 and seconds >= 86_400 * 7:
        return f"{seconds // 86_400} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _round(seconds: float) -> float:
    return round(seconds, 1)


def _sum_known(values) -> int:
    return sum(v for v in values if v is not None)
