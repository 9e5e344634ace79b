"""Dispositions of units as the journal keeps them: quarantined (held when a write's outcome is
unknown), skipped, and their audit rows. Those of units that never reach a batch wait in the
`Backlog` for the next batch's transaction: one commit, not one each."""

from __future__ import annotations

from typing import Any

from migc import ir
from migc.runtime.journal import AuditEntry, Journal, Quarantined, Skipped
from migc.runtime.records import jsonable


class Backlog:
    """Quarantines, skips and audit rows waiting for the next batch's transaction."""

    def __init__(self, journal: Journal, operator: str) -> None:
        self.journal = journal
        self.operator = operator
        self._quarantined: list[Quarantined] = []
        self._audit: list[AuditEntry] = []
        self._skips: list[Skipped] = []
        self._sids: set[str] = set()  # source ids whose disposition waits in the lists above

    def holds(self, sid: str) -> bool:
        """Whether the unit's disposition waits here (the journal does not know it yet)."""
        return sid in self._sids

    def quarantine(self, program, sid: str, record: Any, reason: str, span) -> None:
        self._quarantined.append(Quarantined(phase=program.id, map_id=program.id, source_object=program.source, source_id=sid,
                                             reason=reason, location=location(span), record=jsonable(record)))
        self._sids.add(sid)
        self.audit("quarantine", program, sid, detail=reason)

    def skip(self, program, sid: str, reason: str) -> None:
        self._skips.append(Skipped(map_id=program.id, source_id=sid, reason=reason))
        self._sids.add(sid)
        self.audit("skip", program, sid, detail=reason)

    def audit(self, op: str, program, sid: str, detail: str = "") -> None:
        self._audit.append(AuditEntry(op=op, phase=program.id, map_id=program.id, source_object=program.source,  # type: ignore[arg-type]
                                      source_id=sid, target_object=program.target, detail=detail))

    def write(self) -> None:
        with self.journal.transaction():
            self.journal.quarantine(self._quarantined)
            self.journal.skip(self._skips)
            self.journal.audit(self._audit, self.operator)
        self._quarantined = []
        self._audit = []
        self._skips = []
        self._sids = set()


def hold(program: ir.MapProgram, sid: str, record: dict[str, Any], what: str) -> Quarantined:
    """The quarantine row of a unit held because `what` happened to its write and whether it was
    created is unknown."""
    reason = (f"{what}; {program.target} records cannot be looked up (no key, no stamp field, no list to compare with), "
              "so whether it was created is unknown: check the target, then `migc run --resume --resend-in-doubt` to send it again")
    return Quarantined(phase=program.id, map_id=program.id, source_object=program.source, source_id=sid, reason=reason,
                       location="", record=jsonable(record), held=True)


def location(span) -> str:
    """Where a `.mig` statement is, as a quarantine row names it."""
    return f"{span.file}:{span.line}:{span.column}" if span is not None else ""
