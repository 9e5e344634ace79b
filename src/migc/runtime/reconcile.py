"""Reconciliation: per phase, source records = loaded + quarantined + skipped (+ not yet loaded),
and how many records the target object holds. The seeds require a phase that does not
reconcile to stop the run before the next one."""

from __future__ import annotations

import msgspec

from migc.runtime.engine import Engine, RunOptions


class PhaseBalance(msgspec.Struct, frozen=True, kw_only=True):
    phase: str
    target: str
    source_count: int
    loaded: int
    quarantined: int
    skipped: int
    pending: int
    target_count: int

    @property
    def balanced(self) -> bool:
        return self.pending == 0


async def reconcile_run(session) -> list[PhaseBalance]:
    analysis = session.analysis
    engine = Engine(model=analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                    target_catalog=session.target_catalog, source=session.source, target=session.target,
                    journal=session.journal, options=RunOptions(operator="reconcile"))
    schema = session.journal.checkpoint("schema")
    if schema is not None:
        engine._restore_names(schema[1])
    journal = session.journal
    held: dict[str, int] = {}
    rows = []
    for program in engine.ordered_maps():
        functions = session.compiled.maps[program.id]
        units = 0
        async for _ in engine._units(program, functions):
            units += 1
        counts = journal.counts(program.id)
        loaded = sum(1 for link in journal.links(program.target) if link.map_id == program.id)
        # A unit is counted once: quarantined units have no link, skipped ones neither.
        pending = max(units - loaded - counts.quarantined - counts.skipped, 0)
        if program.target not in held:
            held[program.target] = sum([1 async for _ in session.target.list(engine.object_name(program.target))])
        rows.append(PhaseBalance(phase=program.id, target=program.target, source_count=units, loaded=loaded,
                                 quarantined=counts.quarantined, skipped=counts.skipped, pending=pending, target_count=held[program.target]))
    return rows
