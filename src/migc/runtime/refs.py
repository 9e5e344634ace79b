"""Refs: the transform's output as the target record, with each ref's record found through the
journal, else a search of the target (or a fuzzy match over its records), in the lookup shape the
target's API takes; and the second pass that sets a phase's refs to its own object once every
record exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from migc import ir
from migc.catalog.schema import Catalog
from migc.connectors.base import ConnectorError, RequestFailed, TargetConnector, UnsupportedOperation
from migc.runtime.builtins import BUILTINS
from migc.runtime.interface import Event, PhaseResult
from migc.runtime.journal import Journal, LookupKey, normalized_key
from migc.runtime.records import field_value, present, to_wire, value_objects
from migc.runtime.schema import TargetNames
from migc.runtime.stages import Plan

# Self references are set this many at a time in the second pass.
DEFERRED_PAGE = 500
# Searches remembered; the cache starts again when it holds this many.
LOOKUP_CACHE_LIMIT = 50_000


class Resolved(msgspec.Struct, kw_only=True):
    """A transform's output as the target record, or the problem that quarantines its unit."""

    record: dict[str, Any]
    problem: tuple[str, Any] | None = None
    deferred: list[tuple[str, list[Any], Any]] = msgspec.field(default_factory=list)
    partial: bool = False
    outside_sample: bool = False
    reports: list[str] = msgspec.field(default_factory=list)


class RefResolver:
    """Resolves the refs of every map of a program against the target; keeps what it searched."""

    def __init__(self, *, program: ir.Program, target: TargetConnector, target_catalog: Catalog, journal: Journal,
                 names: TargetNames, sampling: bool, emit: Event, warn: Callable[[str, str], None]) -> None:
        self.target = target
        self.target_catalog = target_catalog
        self.journal = journal
        self.names = names
        self.sampling = sampling  # a sample run: a ref to a record it left out leaves its unit out too
        self.emit = emit
        self.warn = warn
        self._fuzzy_candidates: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._lookup_cache: dict[tuple[str, str, str], str | None] = {}
        self._loaded_objects = {m.target for m in program.maps if not m.merge}
        self._steps = {
            m.id: {s.field: s for s in m.steps if isinstance(s, ir.FieldStep) and s.ref is not None} for m in program.maps
        }
        # Per target object, the fields refs and merges find its records by: indexed at load time.
        self._indexed_fields: dict[str, set[str]] = {}
        for m in program.maps:
            if m.key_field:
                self._indexed_fields.setdefault(m.target, set()).add(m.key_field)
            for step in self._steps[m.id].values():
                for link in step.ref.links:
                    for match in link.matches:
                        if not match.fuzzy:
                            self._indexed_fields.setdefault(link.target, set()).add(match.field)

    def wire_record(self, target: str, out: dict[str, Any]) -> dict[str, Any]:
        """The transform's output in the target's field names and wire shapes."""
        spec = self.target_catalog.objects.get(target)
        fields = spec.fields if spec is not None else {}
        record = {}
        for name, value in out.items():
            field = fields.get(name)
            if field is not None and field.type == "list" and field.item == "json" and "value" in field.fields and isinstance(value, list):
                value = value_objects(value, primary="primary" in field.fields)
            record[self.names.field_name(target, name)] = to_wire(value)
        return record

    async def resolve(self, program: ir.MapProgram, out: dict[str, Any], refs: dict) -> Resolved:
        """The target record of a transform's output with its refs looked up (a ref to the map's own
        object is deferred to the second pass), their fallbacks where none is found, or the
        problem that quarantines the unit."""
        resolved = Resolved(record=self.wire_record(program.target, out))
        steps = self._steps[program.id]
        for field, (values, fallback) in refs.items():
            step = steps[field]
            ref = step.ref
            wanted = any(present(v) for v in values)
            if program.target in ref.targets and not program.merge:
                # A record referring to another of its own kind (a manager): set after the phase's
                # inserts, the whole chain then, so its links are still tried in order.
                if wanted:
                    resolved.deferred.append((field, [to_wire(v) for v in values], to_wire(fallback)))
                continue
            found = await self.lookup(ref, values, resolved.reports)
            if found is None:
                missing_loaded = wanted and any(target in self._loaded_objects for target in ref.targets)
                if ref.quarantine:
                    resolved.problem = (_no_match_reason(ref, values), step.span)
                    resolved.outside_sample = missing_loaded and self.sampling
                    return resolved
                if missing_loaded and self.sampling:
                    resolved.outside_sample = True
                resolved.record[self.names.field_name(program.target, field)] = to_wire(fallback)
                resolved.partial = resolved.partial or missing_loaded
                continue
            resolved.record.update(self.ref_fields(program.target, field, ref, found))
            passed = ref.split(values)[: ref.links.index(found[0])]
            if any(link.target in self._loaded_objects and any(present(v) for v in link_values) for link, link_values in passed):
                # An earlier link's object is loaded by this run but did not hold the record (a
                # sample may have left it out): as for a fallback, a later pass looks again.
                resolved.partial = True
        if resolved.outside_sample:
            resolved.problem = ("ref outside the sample", None)
        return resolved

    async def lookup(self, ref: ir.RefLookup, values: tuple, reports: list[str] | None = None) -> tuple[ir.RefLink, str] | None:
        """The first link of the ref that finds a record, and the record's id; None when none does.
        A link to an object the target cannot search (Pipedrive users) finds nothing: warned once,
        and noted in `reports`."""
        for link, link_values in ref.split(values):
            try:
                found = await self._lookup_link(link, link_values)
            except (UnsupportedOperation, RequestFailed) as error:
                if not _cannot_look_up(error) or link.target in self._loaded_objects:
                    raise
                self.warn(f"lookup:{link.target}", f"refs to {link.target} use their fallback: {error}")
                if reports is not None:
                    reports.append(f"ref {link.target} not looked up: {error}")
                continue
            if found is not None:
                return link, found
        return None

    async def _lookup_link(self, link: ir.RefLink, values: tuple) -> str | None:
        target_object = self.names.object_name(link.target)
        for match, value in zip(link.matches, values):
            if not present(value):
                continue
            key_field = self.names.field_name(link.target, match.field)
            if match.fuzzy:
                found = await self._fuzzy(target_object, key_field, str(value))
            else:
                found = self.journal.target_id(link.target, match.field, str(to_wire(value)))
                if found is None:
                    # Not loaded by this run, or loaded before this journal knew lookup keys, or by hand.
                    found = await self.search(target_object, key_field, str(to_wire(value)))
            if found is not None:
                return found
        return None

    def ref_fields(self, target_object: str, mig_field: str, ref: ir.RefLookup, found: tuple[ir.RefLink, str]) -> dict[str, Any]:
        """What a ref that found a record writes, in the target's field names: the lookup as the
        target's API takes it, and the lookup's type field from the link that matched."""
        link, record_id = found
        fields = {self.names.field_name(target_object, mig_field): self.lookup_value(target_object, mig_field, link.target, record_id)}
        if ref.type_field:
            fields[self.names.field_name(target_object, ref.type_field)] = link.type_value
        return fields

    async def search(self, target_object: str, field: str, value: str) -> str | None:
        """The id of the target record whose `field` holds `value`, by the target's search (cached)."""
        key = (target_object, field, normalized_key(value))
        if key not in self._lookup_cache:
            if len(self._lookup_cache) >= LOOKUP_CACHE_LIMIT:
                self._lookup_cache.clear()
            hits = await self.target.search(target_object, field, value)
            self._lookup_cache[key] = str(hits[0]["id"]) if hits else None
        return self._lookup_cache[key]

    async def _fuzzy(self, target_object: str, field: str, value: str) -> str | None:
        key = (target_object, field)
        if key not in self._fuzzy_candidates:
            candidates = []
            async for record in self.target.list(target_object):
                found = field_value(record, field)
                if found:
                    candidates.append((str(found), str(record["id"])))
            self._fuzzy_candidates[key] = candidates
        names = [name for name, _ in self._fuzzy_candidates[key]]
        best = BUILTINS["fuzzy_match"](value, names)
        if best is None:
            return None
        return next(record_id for name, record_id in self._fuzzy_candidates[key] if name == best)

    def lookup_value(self, target_object: str, mig_field: str, referenced: str, record_id: str) -> Any:
        """A lookup as the target's API takes it."""
        platform = self.target_catalog.platform.name
        if platform == "zoho_crm":
            spec = self.target_catalog.objects.get(target_object)
            field_spec = spec.fields.get(mig_field) if spec is not None else None
            if field_spec is not None and len(field_spec.targets) > 1:  # polymorphic parent
                return {"module": {"api_name": self.names.object_name(referenced)}, "id": record_id}
            return {"id": record_id}
        return int(record_id) if record_id.isdigit() else record_id

    async def second_pass(self, program: ir.MapProgram, plan: Plan, result: PhaseResult) -> None:
        """Sets the self references of the phase's records, now that every record exists."""
        steps = self._steps[program.id]
        after = 0
        linked = unresolved = 0
        while True:
            page = self.journal.deferred_refs(program.id, after=after, limit=DEFERRED_PAGE)
            if not page:
                break
            after = page[-1][0]
            updates: dict[str, dict[str, Any]] = {}
            done: list[str] = []
            partial: list[str] = []
            for _, deferred in page:
                record_id = self.journal.target_for_source(program.id, deferred.source_id)
                if record_id is None:
                    done.append(deferred.source_id)
                    continue
                step = steps.get(deferred.field)
                values, fallback = deferred.values
                found = await self.lookup(step.ref, tuple(values)) if step is not None else None
                if found is None:
                    unresolved += 1
                    partial.append(deferred.source_id)
                    if fallback is None:
                        done.append(deferred.source_id)
                        continue
                    fields = {self.names.field_name(program.target, deferred.field): fallback}
                else:
                    fields = self.ref_fields(program.target, deferred.field, step.ref, found)
                updates.setdefault(record_id, {"id": record_id}).update(fields)
                done.append(deferred.source_id)
            ids = list(updates)
            answers = await self.target.update(plan.target_object, [updates[i] for i in ids]) if ids else []
            failed = {ids[a.index] for a in answers if not a.ok}
            by_record = {self.journal.target_for_source(program.id, sid): sid for sid in done}
            kept = {by_record[record_id] for record_id in failed if record_id in by_record}
            with self.journal.transaction():
                self.journal.clear_deferred(program.id, [sid for sid in done if sid not in kept])
                self.journal.mark_partial(program.id, [sid for sid in partial if sid not in kept])
            linked += len(ids) - len(failed)
            result.pending += len(kept)
        if linked or unresolved:
            self.emit("second-pass", {"phase": program.id, "links": linked, "unresolved": unresolved})

    def lookup_keys(self, program: ir.MapProgram, out: dict[str, Any], target_id: str) -> list[LookupKey]:
        """The journal rows refs and merges will find a loaded record by, without searching the target."""
        keys = []
        for field in self._indexed_fields.get(program.target, ()):
            value = out.get(field)
            if present(value) and not isinstance(value, (list, dict)):
                keys.append(LookupKey(target_object=program.target, field=field, value=str(to_wire(value)), target_id=target_id))
        return keys


def _cannot_look_up(error: ConnectorError) -> bool:
    """Whether a failed lookup means "this target cannot search that object", not an outage."""
    if isinstance(error, UnsupportedOperation):
        return True
    return isinstance(error, RequestFailed) and 400 <= error.status < 500 and error.status not in (401, 403, 408, 429)


def _no_match_reason(ref: ir.RefLookup, values: tuple) -> str:
    """Why a record whose ref matched nothing is quarantined, naming every link tried:
    `ref contacts: no record matches cf_cio_id = 'x'`, or for a chain
    `ref contacts else leads: no record matches cf_cio_id = 'x' in contacts, nor cf_cio_id = 'x' in leads`."""
    pairs = ref.split(values)

    def matches(link: ir.RefLink, link_values: tuple) -> str:
        return ", ".join(f"{match.field} = {value!r}" for match, value in zip(link.matches, link_values))

    if len(pairs) == 1:
        link, link_values = pairs[0]
        return f"ref {link.target}: no record matches {matches(link, link_values)}"
    tried = ", nor ".join(f"{matches(link, link_values)} in {link.target}" for link, link_values in pairs)
    return f"ref {' else '.join(link.target for link, _ in pairs)}: no record matches {tried}"
