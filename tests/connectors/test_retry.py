"""Tests for migc.connectors.retry: what may be retried, backoff bounds and determinism, counters."""

from __future__ import annotations

import random

import pytest

from migc.connectors.retry import RequestStats, RetryPolicy, may_retry, reason_for_status


class TestMayRetry:
    @pytest.mark.parametrize("reason", ["throttled", "connect"])
    def test_unapplied_failures_are_safe_for_inserts(self, reason: str) -> None:
        assert may_retry(reason, idempotent=False)  # type: ignore[arg-type]

    @pytest.mark.parametrize("reason", ["server_error", "timeout", "reset"])
    def test_ambiguous_failures_are_not_retried_for_inserts(self, reason: str) -> None:
        assert not may_retry(reason, idempotent=False)  # type: ignore[arg-type]
        assert may_retry(reason, idempotent=True)  # type: ignore[arg-type]

    def test_status_reasons(self) -> None:
        assert reason_for_status(429) == "throttled"
        assert [reason_for_status(s) for s in (500, 502, 503, 504)] == ["server_error"] * 4
        assert reason_for_status(400) is None
        assert reason_for_status(207) is None


class TestBackoff:
    def test_full_jitter_stays_under_the_exponential_ceiling(self) -> None:
        policy = RetryPolicy(base_delay=0.5, max_delay=4.0, multiplier=2.0)
        rng = random.Random(7)
        for retry_number, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
            delays = [policy.backoff(retry_number, rng) for _ in range(200)]
            assert all(0.0 <= delay <= ceiling for delay in delays)
            assert max(delays) > ceiling * 0.8  # jitter spreads over the whole range

    def test_same_seed_same_delays(self) -> None:
        policy = RetryPolicy()
        first = [policy.backoff(n, random.Random(3)) for n in range(1, 6)]
        second = [policy.backoff(n, random.Random(3)) for n in range(1, 6)]
        assert first == second

    def test_policy_validation(self) -> None:
        with pytest.raises(ValueError):
            RetryPolicy(max_attempts=0)
        with pytest.raises(ValueError):
            RetryPolicy(multiplier=0.5)


def test_stats_snapshot_is_sorted_and_counts_everything() -> None:
    stats = RequestStats()
    for status in (503, 200, 429, 429):
        stats.record_response(status)
    stats.record_transport_failure()
    stats.record_retry("throttled", 0.25)
    stats.record_retry("reset", 0.5)
    snapshot = stats.snapshot()
    assert snapshot.requests == 5
    assert snapshot.retries == 2
    assert snapshot.throttled == 2
    assert list(snapshot.responses_by_status) == [200, 429, 503]
    assert snapshot.retries_by_reason == {"reset": 1, "throttled": 1}
    assert snapshot.waited_seconds == 0.75
