"""Retry policy: which failures may be retried, how long to back off, and the counters of every retry.

A failure is retried only when repeating the request cannot duplicate a record:

- `throttled` (429) and `connect` (the request never reached the server) are safe for every
  request: the server did not apply it;
- `server_error` (5xx), `timeout` and `reset` (connection lost mid-request) are safe only for
  idempotent requests (reads, updates by id, deletes, keyed upserts). For an insert they are
  ambiguous: the server may have stored the record, so the caller must check by key first.

Backoff is exponential with full jitter (uniform in [0, min(max_delay, base * multiplier**n)]),
drawn from a seeded `random.Random`, so tests replay the same delays.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Literal

import msgspec

FailureReason = Literal["throttled", "server_error", "connect", "timeout", "reset"]

# Failures after which the server certainly did not apply the request.
NOT_APPLIED: frozenset[str] = frozenset({"throttled", "connect"})

RETRYABLE_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How often and how patiently a request is repeated."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError("delays must be >= 0 and multiplier >= 1")

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Delay before retry `retry_number` (1 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * self.multiplier ** max(0, retry_number - 1))
        return rng.uniform(0.0, ceiling)


def may_retry(reason: FailureReason, *, idempotent: bool) -> bool:
    """Whether a request that failed for `reason` may be sent again as it is."""
    return idempotent or reason in NOT_APPLIED


def reason_for_status(status: int) -> FailureReason | None:
    if status == 429:
        return "throttled"
    if status in RETRYABLE_STATUSES:
        return "server_error"
    return None


class StatsSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Counters at one moment, sorted for stable output."""

    requests: int
    retries: int
    retries_by_reason: dict[str, int]
    responses_by_status: dict[int, int]
    throttled: int
    gave_up: int
    waited_seconds: float


class RequestStats:
    """Mutable counters shared by one connector's requests (every attempt, every retry)."""

    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.gave_up = 0
        self.waited_seconds = 0.0
        self.retries_by_reason: Counter[str] = Counter()
        self.responses_by_status: Counter[int] = Counter()

    def record_response(self, status: int) -> None:
        self.requests += 1
        self.responses_by_status[status] += 1

    def record_transport_failure(self) -> None:
        self.requests += 1

    def record_retry(self, reason: FailureReason, delay: float) -> None:
        self.retries += 1
        self.retries_by_reason[reason] += 1
        self.waited_seconds += delay

    def snapshot(self) -> StatsSnapshot:
        return StatsSnapshot(
            requests=self.requests,
            retries=self.retries,
            retries_by_reason=dict(sorted(self.retries_by_reason.items())),
            responses_by_status=dict(sorted(self.responses_by_status.items())),
            throttled=self.responses_by_status.get(429, 0),
            gave_up=self.gave_up,
            waited_seconds=round(self.waited_seconds, 6),
        )
