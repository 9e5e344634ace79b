"""Reconciliation: per phase, source units = loaded + quarantined + skipped (+ not yet loaded),
and what the target object holds.

The source is read again (routing and grouping as the run applies them) and compared with the
dispositions in the journal; the target's records are counted through its list API, and each
loaded record's presence is checked, so records deleted from the target since the run show up.
The engine applies the same balance after every phase of a full run and stops when it fails.
"""

from __future__ import annotations

import msgspec

from migc.connectors.base import ConnectorError
from migc.runtime.engine import Engine
from migc.runtime.interface import RunOptions


class PhaseBalance(msgspec.Struct, frozen=True, kw_only=True):
    phase: str
    target: str
    source_count: int
    loaded: int
    quarantined: int
    held: int
    skipped: int
    pending: int  # source units with no disposition (not loaded yet)
    unknown: int  # dispositions of units the source no longer has
    missing: int  # loaded records the target no longer holds (-1: the target cannot list the object)
    target_count: int  # records the target object holds (-1: the target cannot list it)

    @property
    def balanced(self) -> bool:
        return self.pending == 0 and self.unknown == 0 and self.missing <= 0


async def reconcile_run(session) -> list[PhaseBalance]:
    journal = session.journal
    engine = Engine(model=session.analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                    target_catalog=session.target_catalog, source=session.source, target=session.target,
                    journal=journal, options=RunOptions(operator="reconcile"))
    engine.restore_schema()
    held_ids: dict[str, set[str] | None] = {}
    rows = []
    for program in engine.ordered_maps():
        functions = session.compiled.maps[program.id]
        units = with_disposition = 0
        async for unit in engine.units.read(program, functions):
            units += 1
            if journal.disposition(program.id, unit.sid)[0] is not None:
                with_disposition += 1
        counts = journal.counts(program.id)
        target_object = engine.names.object_name(program.target)
        if program.target not in held_ids:
            held_ids[program.target] = await _target_ids(session.target, target_object)
        present = held_ids[program.target]
        missing = -1 if present is None else sum(1 for link in journal.links(map_id=program.id) if link.target_id not in present)
        rows.append(PhaseBalance(
            phase=program.id, target=program.target, source_count=units, loaded=counts.loaded,
            quarantined=counts.quarantined - counts.held, held=counts.held, skipped=counts.skipped,
            pending=units - with_disposition, unknown=counts.accounted - with_disposition, missing=missing,
            target_count=-1 if present is None else len(present),
        ))
    return rows


async def _target_ids(target, target_object: str) -> set[str] | None:
    try:
        return {str(record["id"]) async for record in target.list(target_object)}
    except ConnectorError:
        return None
