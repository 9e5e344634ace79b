"""What a run takes and gives back: its options, the results of its phases, the events it reports
as it goes, and the stops the operator must act on before resuming it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import msgspec

from migc.connectors.retry import StatsSnapshot


class RunOptions(msgspec.Struct, kw_only=True):
    operator: str
    sample: int | None = None  # units per map; None: all
    since: dt.datetime | None = None  # delta runs: source records changed since
    refresh: bool = False  # delta runs: send records already loaded again (they changed)
    resend_held: bool = False  # release held units (outcome unknown) so they are sent again


class PhaseResult(msgspec.Struct, kw_only=True):
    """What one pass of one phase did. `read` = loaded + already + skipped + quarantined + held
    + duplicates + pending (+ units a sample left out are not read)."""

    phase: str
    target: str
    read: int = 0
    loaded: int = 0  # written in this pass
    already: int = 0  # loaded by an earlier pass (a sample, a run before a crash)
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    quarantined: int = 0
    held: int = 0
    reported: int = 0
    duplicates: int = 0  # the same source id read again in this pass
    pending: int = 0  # no disposition: the target kept answering "retry later"


class RunSummary(msgspec.Struct, kw_only=True):
    phases: list[PhaseResult]
    source_stats: StatsSnapshot | None = None
    target_stats: StatsSnapshot | None = None

    @property
    def quarantined(self) -> int:
        return sum(p.quarantined + p.held for p in self.phases)


class RunStopped(Exception):
    """The run stopped for a reason the operator must act on; `migc run --resume` continues it."""


class SchemaIncomplete(RunStopped):
    def __init__(self, steps: list[str]) -> None:
        self.steps = steps
        lines = "\n".join(f"  - {step}" for step in steps)
        super().__init__(f"the target did not create {len(steps)} schema item(s) through its API; create them in its admin UI "
                         f"(or, if it was unavailable, wait until it is back), then resume the run:\n{lines}")


class PhaseUnbalanced(RunStopped):
    def __init__(self, result: PhaseResult, accounted: int) -> None:
        self.result = result
        self.accounted = accounted
        parts = [f"phase {result.phase} does not reconcile: {result.read - result.duplicates} source units, "
                 f"{accounted} loaded + quarantined + skipped in the journal"]
        if result.pending:
            parts.append(f"{result.pending} records were not loaded because {result.target} kept answering 'retry later'")
        super().__init__("; ".join(parts) + ". Fix the cause, then resume the run (nothing loaded is sent again)")


# An event of the run as it goes: its kind and data (`migc run` shows them as progress).
Event = Callable[[str, dict[str, Any]], None]
