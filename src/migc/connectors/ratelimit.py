"""Client-side rate limiting: one `RateLimiter` per API budget, shared by every request of a connector.

A `RateBudget` holds the numbers a platform publishes (the schema catalog will hold them; the
connectors pass defaults from the platform notes):

- `calls` per `per_seconds`: at most that many requests in any window of that length (a
  sliding window, which also satisfies fixed-window servers). A request occupies the window
  from when it is sent until `per_seconds` after its answer arrived: the server stamps it
  somewhere in between, so counting from the answer can never overrun the server's window,
  whatever the network jitter (a new connection's handshake included);
- `burst`: how many requests may start back to back before pacing at `calls / per_seconds`
  (a token bucket; `None` means the whole window may be spent at once);
- `concurrency`: requests in flight at once (Zoho's per-org concurrency limit);
- `daily`: units per day (Zoho credits, Pipedrive tokens); a request states its cost.

The limiter admits requests in arrival order (one waiter at a time computes its delay, so
nobody starves) and is corrected live by the server: `observe()` reads `Retry-After`,
`x-ratelimit-remaining` + `x-ratelimit-reset` and `x-daily-requests-left`, and `pause()` stops
every request after a 429. A small margin absorbs clock granularity; it adapts to servers
that count differently: every 429 widens it, long runs of accepted requests narrow it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import timezone
from email.utils import parsedate_to_datetime

import msgspec

SECONDS_PER_DAY = 86_400.0
# Float slack: a wait shorter than this is no wait (it could not move a float clock anyway).
EPSILON = 1e-9
# While every request of a full window is still in flight, look again this often.
IN_FLIGHT_POLL_SECONDS = 0.005
# Margin adaptation: widen by a step per 429, narrow by a tenth of a step per run of accepted calls.
MARGIN_STEP_SECONDS = 0.02
ACCEPTED_RUN = 50


class RateBudget(msgspec.Struct, frozen=True, kw_only=True):
    """The request budget of one API (see the module docstring for each number's meaning)."""

    calls: int
    per_seconds: float
    burst: int | None = None
    concurrency: int | None = None
    daily: int | None = None

    def __post_init__(self) -> None:
        if self.calls < 1 or self.per_seconds <= 0:
            raise ValueError("a rate budget needs calls >= 1 and per_seconds > 0")
        for name in ("burst", "concurrency", "daily"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"rate budget {name} must be >= 1 when set")

    @property
    def rate(self) -> float:
        """Sustained requests per second."""
        return self.calls / self.per_seconds


class BudgetExhausted(Exception):
    """The daily budget is spent; waiting would take hours, so the caller must decide."""


class RateLimiter:
    """Admits requests within a `RateBudget`; use `async with limiter.slot(cost): send()`."""

    def __init__(
        self,
        budget: RateBudget,
        *,
        margin_seconds: float = 0.005,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.budget = budget
        self._margin = margin_seconds
        self._min_margin = margin_seconds
        self._max_margin = max(margin_seconds, budget.per_seconds * 0.2)
        self._accepted_run = 0
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        # One entry per request in the window: [None] while in flight, then [answer time].
        self._window: list[list[float | None]] = []
        self._capacity = float(budget.burst or budget.calls)
        self._tokens = self._capacity
        self._refilled_at = clock()
        self._paused_until = 0.0
        self._admission = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(budget.concurrency) if budget.concurrency else None
        self._day_started = clock()
        self._daily_used = 0
        self._daily_left_reported: int | None = None
        self.waits = 0
        self.waited_seconds = 0.0

    @property
    def daily_used(self) -> int:
        return self._daily_used

    @asynccontextmanager
    async def slot(self, cost: int = 1, *, counts_against_daily_left: bool = True) -> AsyncIterator[None]:
        """Hold one request slot: a concurrency permit plus an admitted start."""
        if self._in_flight is not None:
            await self._in_flight.acquire()
        try:
            entry = await self._admit(cost, counts_against_daily_left)
            try:
                yield
            finally:
                entry[0] = self._clock()
        finally:
            if self._in_flight is not None:
                self._in_flight.release()

    async def _admit(self, cost: int, counts_against_daily_left: bool) -> list[float | None]:
        async with self._admission:
            while True:
                now = self._clock()
                self._check_daily(now, cost, counts_against_daily_left)
                delay = self._delay(now)
                if delay <= EPSILON:
                    return self._record_start(cost, counts_against_daily_left)
                self.waits += 1
                self.waited_seconds += delay
                await self._sleep(delay)

    def _delay(self, now: float) -> float:
        delays = [self._paused_until - now]
        horizon = now - (self.budget.per_seconds + self._margin) + EPSILON
        self._window = [entry for entry in self._window if entry[0] is None or entry[0] > horizon]
        if len(self._window) >= self.budget.calls:
            answered = [entry[0] for entry in self._window if entry[0] is not None]
            delays.append(min(answered) - horizon if answered else IN_FLIGHT_POLL_SECONDS)
        self._refill(now)
        if self._tokens < 1.0 - EPSILON:
            delays.append((1.0 - self._tokens) / self.budget.rate)
        return max(delays)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._refilled_at)
        self._tokens = min(self._capacity, self._tokens + elapsed * self.budget.rate)
        self._refilled_at = now

    def _record_start(self, cost: int, counts_against_daily_left: bool) -> list[float | None]:
        entry: list[float | None] = [None]
        self._window.append(entry)
        self._tokens -= 1.0
        self._daily_used += cost
        if counts_against_daily_left and self._daily_left_reported is not None:
            self._daily_left_reported -= 1
        return entry

    def _check_daily(self, now: float, cost: int, counts_against_daily_left: bool) -> None:
        if now - self._day_started >= SECONDS_PER_DAY:
            self._day_started, self._daily_used, self._daily_left_reported = now, 0, None
        daily = self.budget.daily
        if daily is not None and self._daily_used + cost > daily:
            raise BudgetExhausted(
                f"daily budget of {daily} units is spent ({self._daily_used} used); resume after the reset"
            )
        if counts_against_daily_left and self._daily_left_reported is not None and self._daily_left_reported <= 0:
            raise BudgetExhausted("the server reports no requests left today; resume after the reset")

    @property
    def margin_seconds(self) -> float:
        return self._margin

    def note_throttled(self) -> None:
        """A 429: the server saw more than the budget, so leave more room from now on."""
        self._margin = min(self._max_margin, self._margin + MARGIN_STEP_SECONDS)
        self._accepted_run = 0

    def note_accepted(self) -> None:
        self._accepted_run += 1
        if self._accepted_run >= ACCEPTED_RUN:
            self._accepted_run = 0
            self._margin = max(self._min_margin, self._margin - MARGIN_STEP_SECONDS / 10)

    def pause(self, seconds: float) -> None:
        """Hold every request for `seconds` (after a 429: the whole client backs off, not one call)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def observe(self, headers: Mapping[str, str]) -> float | None:
        """Apply the server's rate-limit headers; returns the wait they ask for, if any."""
        lowered = {name.lower(): value for name, value in headers.items()}
        waits: list[float] = []
        retry_after = parse_retry_after(lowered.get("retry-after"), self._wall_clock())
        if retry_after is not None:
            waits.append(retry_after)
        remaining = _parse_int(lowered.get("x-ratelimit-remaining"))
        reset = _parse_float(lowered.get("x-ratelimit-reset"))
        if remaining is not None and remaining <= 0 and reset is not None:
            waits.append(reset)
        daily_left = _parse_int(lowered.get("x-daily-requests-left"))
        if daily_left is not None:
            self._daily_left_reported = daily_left
        if not waits:
            return None
        wait = max(waits)
        self.pause(wait)
        return wait


def parse_retry_after(value: str | None, now_epoch: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    seconds = _parse_float(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now_epoch)


def _parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def _parse_int(value: str | None) -> int | None:
    number = _parse_float(value)
    return None if number is None else int(number)
