"""The data a map phase's stages hand each other: a unit of work read from the source, a unit
ready to load or why it fails, how the phase writes, and what became of each write."""

from __future__ import annotations

from typing import Any

import msgspec

from migc.connectors.results import RecordResult


class Unit(msgspec.Struct, kw_only=True):
    """One unit of work: a record, or a group of records for `summarize`, after routing."""

    sid: str
    payload: Any = None  # what the transform takes
    first: dict[str, Any] = msgspec.field(default_factory=dict)
    error: str = ""  # the source record could not be decoded, routed or grouped
    span: Any = None  # the .mig statement that failed on it


class Pending(msgspec.Struct, kw_only=True):
    """A unit ready to load."""

    sid: str
    record: dict[str, Any]
    out: dict[str, Any]
    first: dict[str, Any]
    identity: str = ""  # the key or stamp value the write is matched by
    known_id: str | None = None  # the target record, when the journal (or a check) knows it
    recovered: bool = False  # found after a crash: inserted by this run, now updated by id
    tags: list[str] = msgspec.field(default_factory=list)
    deferred: list[tuple[str, list[Any], Any]] = msgspec.field(default_factory=list)
    partial: bool = False
    reports: list[str] = msgspec.field(default_factory=list)


class Plan(msgspec.Struct, kw_only=True):
    """How a phase writes: `op` upsert / merge / create; `identity` the API field it is matched by."""

    target_object: str
    target_object_mig: str
    op: str
    identity: str
    batch_size: int


class Outcome(msgspec.Struct, kw_only=True):
    """What became of one record's write: a connector's `RecordResult` outcome, or `skipped`
    (nothing to merge into), `held` (outcome unknown, cannot be checked) or `pending` (still
    "retry later" after every round)."""

    outcome: str
    target_id: str | None = None
    code: str | None = None
    message: str | None = None
    field: str | None = None

    @classmethod
    def of(cls, result: RecordResult, default_id: str | None = None) -> Outcome:
        return cls(outcome=result.outcome, target_id=result.target_id or default_id, code=result.code, message=result.message,
                   field=result.field)


class Failure(msgspec.Struct, kw_only=True):
    """Why a unit is quarantined, with the `.mig` statement that failed; `kind` tells a sample which
    kind of failure it covers, `outside_sample` that a ref points at a record the sample left out."""

    reason: str
    span: Any = None
    kind: tuple = ()
    outside_sample: bool = False
