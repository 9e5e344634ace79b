"""Rollback: delete what a run inserted and restore what it updated from the before-images, in
reverse dependency order (Notes before the Contacts they hang on). Every step is journaled;
running it again after an interruption finishes the job (deleting a record already gone is not
an error)."""

from __future__ import annotations

from migc import ir
from migc.runtime.engine import Engine, RunOptions
from migc.runtime.journal import AuditEntry


async def rollback_run(session, *, operator: str) -> tuple[int, int]:
    analysis = session.analysis
    journal = session.journal
    engine = Engine(model=analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                    target_catalog=session.target_catalog, source=session.source, target=session.target,
                    journal=journal, options=RunOptions(operator=operator))
    schema = journal.checkpoint("schema")
    if schema is not None:
        engine._restore_names(schema[1])
    deleted = restored = 0
    for target in reversed(session.compiled.program.load_order):
        api_object = engine.object_name(target)
        written = _fields_written(session.compiled.program, target, engine)
        for target_id, before in journal.before_images(target):
            values = {field: before.get(field) for field in written if field in before}
            if values:
                results = await session.target.update(api_object, [{"id": target_id, **values}])
                if results and results[0].outcome in ("updated", "created"):
                    restored += 1
                    journal.audit([AuditEntry(op="restore", phase="rollback", map_id="", source_object="", source_id="",
                                              target_object=target, target_id=target_id)], operator)
        inserted = [link.target_id for link in journal.links(target) if link.inserted]
        size = max(1, session.target.batch_size(api_object, "delete"))
        for start in range(0, len(inserted), size):
            chunk = list(dict.fromkeys(inserted[start : start + size]))
            results = await session.target.delete(api_object, chunk)
            done = [r for r in results if r.outcome == "deleted"]
            deleted += len(done)
            journal.audit([AuditEntry(op="delete", phase="rollback", map_id="", source_object="", source_id="",
                                      target_object=target, target_id=str(r.target_id or chunk[r.index])) for r in done], operator)
    return deleted, restored


def _fields_written(program: ir.Program, target: str, engine: Engine) -> list[str]:
    fields = []
    for map_program in program.maps:
        if map_program.target == target and map_program.merge:
            fields.extend(engine.field_name(target, s.field) for s in map_program.steps
                          if isinstance(s, ir.FieldStep) and s.field != map_program.key_field)
    return list(dict.fromkeys(fields))
