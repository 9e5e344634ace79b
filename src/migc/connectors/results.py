"""Per-record outcomes of target writes: the one shape every platform's reply is mapped to.

Each target API reports success and failure differently (Zoho answers 207 with one
`{code, details, message, status}` item per input record, Freshsales and Pipedrive answer one
request per record with their own error bodies). Connectors translate all of them into a list of
`RecordResult`, one per input record and in input order, so the runtime can decide per record:

- `created`, `updated`, `deleted`: the write happened; `target_id` names the record.
- `duplicate`: the platform refused because the record already exists (or a key matched more
  than one record); `target_id` names the existing record when the platform says which.
- `invalid`: the platform rejected the data (missing required field, too long, wrong type,
  unknown picklist value). Retrying the same data cannot succeed: quarantine it.
- `retryable`: the platform did not apply the write and says so (rate limit, lock, transient
  error). The same request may be sent again without creating a duplicate.
- `failed`: anything else, including "outcome unknown" (code `OUTCOME_UNKNOWN`) when an insert's
  reply was lost. Such a record must be looked up by key before it is sent again.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Outcome = Literal["created", "updated", "deleted", "duplicate", "invalid", "retryable", "failed"]

SUCCESS_OUTCOMES: frozenset[str] = frozenset({"created", "updated", "deleted"})

# Code used when a non-idempotent write may or may not have been applied.
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"


class RecordResult(msgspec.Struct, frozen=True, kw_only=True):
    """What happened to the record at position `index` of one connector call."""

    index: int
    outcome: Outcome
    target_id: str | None = None
    code: str | None = None
    message: str | None = None
    field: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESS_OUTCOMES


def failed_all(count: int, *, outcome: Outcome, code: str, message: str) -> list[RecordResult]:
    """The same failure for every record of a call (e.g. a request-level error)."""
    return [RecordResult(index=i, outcome=outcome, code=code, message=message) for i in range(count)]
