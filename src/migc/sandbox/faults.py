"""Fault injection for sandboxes: which request fails how, decided by a seeded random sequence.

Each request draws one decision, in arrival order, from `random.Random(config.seed)`, so a
test that sends the same requests in the same order sees the same faults. The kinds differ in
whether the request was applied, which is what a connector must cope with:

- `throttle` (429 in the platform's shape) and `server_error` (503): answered *before* the
  request reaches the platform logic, nothing was applied;
- `error_after_write` (500), `timeout` (the answer is held for `hang_seconds`, longer than the
  client waits) and `drop` (the connection is reset, `ConnectionResetError`): answered *after*
  the request was applied, so the client cannot tell whether its write happened.

`throttle_burst` makes one throttle decision answer that many consecutive requests with 429
(a client that keeps hammering sees a burst, as with real APIs). `latency_seconds` (+ jitter)
delays every answer.
"""

from __future__ import annotations

import random
from typing import Literal

import msgspec

FaultKind = Literal["none", "throttle", "server_error", "error_after_write", "timeout", "drop"]

APPLIED_BEFORE_FAULT: frozenset[str] = frozenset({"error_after_write", "timeout", "drop"})


class FaultConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Shares (0..1) of requests that fail in each way, plus latency."""

    seed: int = 0
    throttle_rate: float = 0.0
    throttle_burst: int = 1
    server_error_rate: float = 0.0
    error_after_write_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    latency_seconds: float = 0.0
    latency_jitter_seconds: float = 0.0
    hang_seconds: float = 30.0
    methods: tuple[str, ...] = ("DELETE", "GET", "PATCH", "POST", "PUT")

    def __post_init__(self) -> None:
        rates = (
            self.throttle_rate,
            self.server_error_rate,
            self.error_after_write_rate,
            self.timeout_rate,
            self.drop_rate,
        )
        if any(rate < 0 or rate > 1 for rate in rates) or sum(rates) > 1:
            raise ValueError("fault rates must each be within 0..1 and sum to at most 1")
        if self.throttle_burst < 1:
            raise ValueError("throttle_burst must be >= 1")

    @property
    def active(self) -> bool:
        return self != FaultConfig(seed=self.seed, methods=self.methods, hang_seconds=self.hang_seconds)


class FaultDecision(msgspec.Struct, frozen=True, kw_only=True):
    kind: FaultKind
    latency: float = 0.0


class FaultPlan:
    """The deterministic sequence of fault decisions for one sandbox app."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._throttles_left = 0
        self.injected: dict[str, int] = {}

    def decide(self, method: str) -> FaultDecision:
        config = self.config
        if method.upper() not in config.methods:
            return FaultDecision(kind="none")
        draw = self._rng.random()
        latency = config.latency_seconds
        if config.latency_jitter_seconds:
            latency += self._rng.uniform(0.0, config.latency_jitter_seconds)
        kind: FaultKind = "none"
        if self._throttles_left > 0:
            self._throttles_left -= 1
            kind = "throttle"
        else:
            threshold = 0.0
            for candidate, rate in (
                ("throttle", config.throttle_rate),
                ("server_error", config.server_error_rate),
                ("error_after_write", config.error_after_write_rate),
                ("timeout", config.timeout_rate),
                ("drop", config.drop_rate),
            ):
                threshold += rate
                if draw < threshold:
                    kind = candidate  # type: ignore[assignment]
                    break
            if kind == "throttle":
                self._throttles_left = config.throttle_burst - 1
        if kind != "none":
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return FaultDecision(kind=kind, latency=latency)
