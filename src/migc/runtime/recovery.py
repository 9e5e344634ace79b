"""Writes whose outcome is unknown, settled without sending anything twice: batches a crash left
open, and inserts whose reply was lost. Records are looked up by key or stamp, else, for objects
with neither, compared by content with what the target lists; what cannot be looked up is held
for review."""

from __future__ import annotations

from migc import ir
from migc.connectors.base import RequestFailed, TargetConnector, UnsupportedOperation
from migc.runtime.dispositions import hold
from migc.runtime.interface import Event
from migc.runtime.journal import Journal, Quarantined, normalized_key
from migc.runtime.records import content_print, field_value, present
from migc.runtime.stages import Outcome, Pending, Plan


class Recovery:
    """Settles the writes of a phase whose outcome is unknown; keeps which objects the target can list."""

    def __init__(self, *, target: TargetConnector, journal: Journal, emit: Event) -> None:
        self.target = target
        self.journal = journal
        self.emit = emit
        self.content_check: set[str] = set()  # units of a crashed insert batch, to compare with the target
        self._can_list: dict[str, bool] = {}

    async def open_batches(self, program: ir.MapProgram, plan: Plan) -> dict[str, str]:
        """Settles batches a crash left open: upserts and updates are simply sent again; inserts
        are looked up by key or stamp (found ones are updated, not inserted again); inserts that
        cannot be looked up are held for review. Returns source id -> found target id."""
        self.content_check = set()  # a phase's own: the next phase may read the same source ids
        opened = self.journal.open_batches(program.id)
        if not opened:
            return {}
        known: dict[str, str] = {}
        held: list[Quarantined] = []
        if plan.op == "create":
            wanted = {identity: sid for _, entries in opened for sid, identity in entries if identity}
            found = await self.find(plan, set(wanted)) if wanted else {}
            if found is None:  # keyed, but nothing to look the keys up with: as if unkeyed
                found = {}
                unknown = set(wanted.values())
            else:
                unknown = set()
            known = {wanted[identity]: target_id for identity, target_id in found.items()}
            unkeyed = [sid for _, entries in opened for sid, identity in entries
                       if (not identity or sid in unknown) and self.journal.disposition(program.id, sid)[0] is None]
            if unkeyed and await self.listable(plan):
                self.content_check = set(unkeyed)  # checked by content when their units come by
            else:
                held = [hold(program, sid, {}, "was sent in a batch a crash interrupted") for sid in unkeyed]
        with self.journal.transaction():
            self.journal.quarantine(held)
            for number, _ in opened:
                self.journal.end_batch(program.id, number)
        self.emit("recovered", {"phase": program.id, "batches": len(opened), "found": len(known), "held": len(held)})
        return known

    async def lost_replies(self, plan: Plan, lost: list[Pending]) -> list[Outcome | None]:
        """For each insert whose reply was lost: `created` when the target holds the record, `held`
        when it cannot be looked up, None when it was not created (it is sent again)."""
        checkable = {pending.identity for pending in lost if pending.identity}
        found = await self.find(plan, checkable) if checkable else {}
        if found is None:  # keyed, but nothing to look the keys up with: held below
            found = {}
            unknown_keys = checkable
        else:
            unknown_keys = set()
        unkeyed = [pending for pending in lost if not pending.identity]
        by_content = await self.find_by_content(plan, unkeyed) if unkeyed and await self.listable(plan) else None
        settled: list[Outcome | None] = []
        for pending in lost:
            if pending.identity in unknown_keys or (not pending.identity and by_content is None):
                settled.append(Outcome(outcome="held", message="the reply to its insert was lost"))
            elif not pending.identity:
                if pending.sid in by_content:
                    settled.append(Outcome(outcome="created", target_id=by_content[pending.sid], code="FOUND_BY_CONTENT"))
                else:
                    settled.append(None)
            elif pending.identity in found:
                settled.append(Outcome(outcome="created", target_id=found[pending.identity], code="FOUND_AFTER_CHECK"))
            else:
                settled.append(None)
        return settled

    async def find(self, plan: Plan, identities: set[str]) -> dict[str, str] | None:
        """Target ids of the records whose identity field holds one of `identities`; None when
        the target can neither search nor list the object (the outcome stays unknown)."""
        found: dict[str, str] = {}
        wanted = {normalized_key(i): i for i in identities}
        try:
            for identity in sorted(identities):
                hits = await self.target.search(plan.target_object, plan.identity, identity)
                if hits:
                    found[identity] = str(hits[0]["id"])
            return found
        except UnsupportedOperation:
            pass
        try:
            async for record in self.target.list(plan.target_object):
                value = field_value(record, plan.identity)
                if present(value) and normalized_key(value) in wanted:
                    found[wanted[normalized_key(value)]] = str(record["id"])
        except UnsupportedOperation:
            return None
        return found

    async def listable(self, plan: Plan) -> bool:
        """Whether the target can list the object (to compare records by content)."""
        if plan.target_object not in self._can_list:
            try:
                async for _ in self.target.list(plan.target_object):
                    break
                self._can_list[plan.target_object] = True
            except (UnsupportedOperation, RequestFailed):
                self._can_list[plan.target_object] = False
        return self._can_list[plan.target_object]

    async def find_by_content(self, plan: Plan, pending: list[Pending]) -> dict[str, str]:
        """Source id -> target id of records created before a crash or a lost reply, for objects
        with neither key nor stamp: the target record holding every value written, that no
        unit of this run is linked to. Identical records are matched one to one."""
        wanted: dict[str, list[Pending]] = {}
        for item in pending:
            wanted.setdefault(content_print(item.record, item.record), []).append(item)
        found: dict[str, str] = {}
        fields = {name for item in pending for name in item.record}
        async for record in self.target.list(plan.target_object):
            print_ = content_print({name: field_value(record, name) for name in fields}, pending[0].record)
            waiting = wanted.get(print_)
            if waiting and not self.journal.is_linked(plan.target_object_mig, str(record["id"])):
                found[waiting.pop(0).sid] = str(record["id"])
        return found
