"""Tests for migc.sandbox.faults: deterministic decisions, shares, bursts, validation."""

from __future__ import annotations

from collections import Counter

import pytest

from migc.sandbox.faults import APPLIED_BEFORE_FAULT, FaultConfig, FaultPlan


def kinds(config: FaultConfig, count: int, method: str = "POST") -> list[str]:
    plan = FaultPlan(config)
    return [plan.decide(method).kind for _ in range(count)]


def test_same_seed_same_sequence() -> None:
    config = FaultConfig(seed=42, throttle_rate=0.1, server_error_rate=0.1, drop_rate=0.1)
    assert kinds(config, 200) == kinds(config, 200)
    assert kinds(config, 200) != kinds(FaultConfig(seed=43, throttle_rate=0.1, server_error_rate=0.1, drop_rate=0.1), 200)


def test_shares_are_close_to_the_rates() -> None:
    config = FaultConfig(seed=1, server_error_rate=0.2, error_after_write_rate=0.1, timeout_rate=0.05)
    counts = Counter(kinds(config, 10_000))
    assert 1_800 < counts["server_error"] < 2_200
    assert 850 < counts["error_after_write"] < 1_150
    assert 400 < counts["timeout"] < 600


def test_throttle_bursts() -> None:
    sequence = kinds(FaultConfig(seed=3, throttle_rate=0.05, throttle_burst=4), 2_000)
    runs = [run for run in "".join("T" if kind == "throttle" else "." for kind in sequence).split(".") if run]
    assert runs and all(len(run) % 4 == 0 for run in runs[:-1])  # the last burst may be cut off


def test_methods_filter() -> None:
    config = FaultConfig(seed=1, server_error_rate=1.0, methods=("POST",))
    assert set(kinds(config, 20, method="GET")) == {"none"}
    assert set(kinds(config, 20, method="POST")) == {"server_error"}


def test_latency_with_jitter() -> None:
    plan = FaultPlan(FaultConfig(seed=1, latency_seconds=0.1, latency_jitter_seconds=0.05))
    latencies = [plan.decide("GET").latency for _ in range(100)]
    assert all(0.1 <= latency <= 0.15 for latency in latencies) and len(set(latencies)) > 50


def test_injected_counts_and_kinds() -> None:
    plan = FaultPlan(FaultConfig(seed=2, drop_rate=0.5))
    for _ in range(100):
        plan.decide("PUT")
    assert set(plan.injected) == {"drop"} and 30 < plan.injected["drop"] < 70
    assert APPLIED_BEFORE_FAULT == {"error_after_write", "timeout", "drop"}


def test_invalid_rates() -> None:
    with pytest.raises(ValueError):
        FaultConfig(server_error_rate=0.7, drop_rate=0.5)
    with pytest.raises(ValueError):
        FaultConfig(throttle_rate=-0.1)
    with pytest.raises(ValueError):
        FaultConfig(throttle_burst=0)
    assert not FaultConfig(seed=9).active and FaultConfig(latency_seconds=0.1).active
