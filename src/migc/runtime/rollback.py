"""Rollback: delete what a run inserted and restore what it updated from the before-images, in
reverse dependency order (Notes before the Contacts they hang on).

Every step is journaled as it completes: a restored record's before-image is marked restored, a
deleted record's link is marked removed. Running rollback again after an interruption finishes
the job; running it after it finished does nothing (deleting a record already gone counts as
deleted). Fields the run created stay in the target's schema (no connector deletes fields).
"""

from __future__ import annotations

import msgspec

from migc import ir
from migc.runtime.engine import TAGS_BY_ACTION, Engine
from migc.runtime.interface import RunOptions
from migc.runtime.journal import AuditEntry


class RollbackResult(msgspec.Struct, frozen=True, kw_only=True):
    deleted: int
    restored: int
    failed: int  # deletes or restores the target refused; run rollback again once it accepts them


async def rollback_run(session, *, operator: str) -> RollbackResult:
    journal = session.journal
    engine = Engine(model=session.analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                    target_catalog=session.target_catalog, source=session.source, target=session.target,
                    journal=journal, options=RunOptions(operator=operator))
    engine.restore_schema()
    program = session.compiled.program
    deleted = restored = failed = 0
    for target in reversed(_objects(program)):
        api_object = engine.names.object_name(target)
        written = _fields_written(program, target, engine)
        inserted = list(dict.fromkeys(link.target_id for link in journal.links(target) if link.inserted))
        ours = set(inserted)
        for target_id, before in list(journal.before_images(target, pending_only=True)):
            if target_id in ours:  # inserted by the run, so deleted below: nothing to restore
                journal.mark_restored(target, target_id)
                continue
            # Fields the record did not have before (a field this run created) are emptied.
            values = {field: before.get(field) for field in written}
            answers = await session.target.update(api_object, [{"id": target_id, **values}]) if values else []
            if values and not (answers and answers[0].ok):
                failed += 1
                continue
            with journal.transaction():
                journal.mark_restored(target, target_id)
                journal.audit([AuditEntry(op="restore", phase="rollback", map_id="", source_object="", source_id="",
                                          target_object=target, target_id=target_id)], operator)
            restored += 1
        size = max(1, session.target.batch_size(api_object, "delete"))
        for start in range(0, len(inserted), size):
            chunk = inserted[start : start + size]
            results = await session.target.delete(api_object, chunk)
            done = [chunk[r.index] for r in results if r.outcome == "deleted"]
            failed += len(chunk) - len(done)
            with journal.transaction():
                journal.mark_removed(target, done)
                journal.audit([AuditEntry(op="delete", phase="rollback", map_id="", source_object="", source_id="",
                                          target_object=target, target_id=target_id) for target_id in done], operator)
            deleted += len(done)
    return RollbackResult(deleted=deleted, restored=restored, failed=failed)


def _objects(program: ir.Program) -> list[str]:
    """Every object the run wrote, in load order (objects outside `load_order` last)."""
    ordered = list(program.load_order)
    ordered += sorted({m.target for m in program.maps} - set(ordered))
    return ordered


def _fields_written(program: ir.Program, target: str, engine: Engine) -> list[str]:
    """The API names of every field any map writes into `target` (the key of an upsert matched
    the record, so it is unchanged; tags added through an action cannot be restored by update)."""
    tags = set()
    if engine.target.platform in TAGS_BY_ACTION:
        spec = engine.target_catalog.objects.get(target)
        tags = {engine.names.field_name(target, name) for name, field in (spec.fields.items() if spec else []) if field.type == "tags"}
    fields = []
    for map_program in program.maps:
        if map_program.target != target:
            continue
        for step in map_program.steps:
            if isinstance(step, ir.FieldStep) and step.field != map_program.key_field:
                fields.append(engine.names.field_name(target, step.field))
    return [field for field in dict.fromkeys(fields) if field not in tags]
