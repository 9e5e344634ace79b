"""Tests for migc.connectors.ratelimit: window, burst pacing, concurrency, pauses, headers, daily budget."""

from __future__ import annotations

import asyncio

import pytest

from migc.connectors.ratelimit import BudgetExhausted, RateBudget, RateLimiter, parse_retry_after


class FakeClock:
    """Time that only moves when somebody sleeps, so limiter tests are exact and instant."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def limiter(budget: RateBudget, clock: FakeClock, margin: float = 0.0) -> RateLimiter:
    return RateLimiter(budget, margin_seconds=margin, clock=clock, sleep=clock.sleep, wall_clock=lambda: 1_000.0)


async def start_times(rate_limiter: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        async with rate_limiter.slot():
            times.append(round(clock.now, 6))
    return times


class TestWindow:
    async def test_at_most_calls_per_window(self) -> None:
        clock = FakeClock()
        times = await start_times(limiter(RateBudget(calls=3, per_seconds=1.0), clock), clock, 7)
        assert times == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]

    async def test_margin_stretches_the_window(self) -> None:
        clock = FakeClock()
        times = await start_times(limiter(RateBudget(calls=2, per_seconds=1.0), clock, margin=0.05), clock, 3)
        assert times == [0.0, 0.0, 1.05]

    async def test_any_window_holds_at_most_calls(self) -> None:
        clock = FakeClock()
        times = await start_times(limiter(RateBudget(calls=5, per_seconds=2.0, burst=2), clock), clock, 40)
        for index, start in enumerate(times):
            in_window = [t for t in times[index:] if t < start + 2.0]
            assert len(in_window) <= 5


    async def test_window_counts_from_the_answer(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=1, per_seconds=1.0), clock)
        async with rate_limiter.slot():
            await clock.sleep(0.5)  # the answer takes half a second
        assert await start_times(rate_limiter, clock, 1) == [1.5]

    async def test_full_window_in_flight_waits_for_an_answer(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=1, per_seconds=1.0), clock)
        started: list[float] = []

        async def slow() -> None:
            async with rate_limiter.slot():
                started.append(clock.now)
                await clock.sleep(2.0)

        async def next_one() -> None:
            async with rate_limiter.slot():
                started.append(clock.now)

        await asyncio.gather(slow(), next_one())
        assert started[0] == 0.0 and started[1] >= 3.0  # answered at 2.0, window of 1 s after it

    def test_margin_widens_on_429_and_narrows_back(self) -> None:
        rate_limiter = RateLimiter(RateBudget(calls=10, per_seconds=1.0), margin_seconds=0.005)
        rate_limiter.note_throttled()
        rate_limiter.note_throttled()
        widened = rate_limiter.margin_seconds
        assert widened > 0.04
        for _ in range(50 * 30):
            rate_limiter.note_accepted()
        assert rate_limiter.margin_seconds == 0.005


class TestBurst:
    async def test_burst_then_paced_at_the_rate(self) -> None:
        clock = FakeClock()
        times = await start_times(limiter(RateBudget(calls=10, per_seconds=1.0, burst=2), clock), clock, 5)
        assert times == [0.0, 0.0, 0.1, 0.2, 0.3]


class TestConcurrency:
    async def test_in_flight_never_exceeds_the_limit(self) -> None:
        budget = RateBudget(calls=1000, per_seconds=1.0, concurrency=3)
        rate_limiter = RateLimiter(budget)
        in_flight = peak = 0

        async def call() -> None:
            nonlocal in_flight, peak
            async with rate_limiter.slot():
                in_flight += 1
                peak = max(peak, in_flight)
                await asyncio.sleep(0.001)
                in_flight -= 1

        await asyncio.gather(*(call() for _ in range(20)))
        assert peak == 3


class TestServerCorrections:
    async def test_pause_holds_every_request(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=100, per_seconds=1.0), clock)
        rate_limiter.pause(2.5)
        assert await start_times(rate_limiter, clock, 1) == [2.5]

    async def test_retry_after_seconds(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=100, per_seconds=1.0), clock)
        assert rate_limiter.observe({"Retry-After": "3"}) == 3.0
        assert await start_times(rate_limiter, clock, 1) == [3.0]

    async def test_remaining_zero_waits_for_the_reset(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=100, per_seconds=1.0), clock)
        assert rate_limiter.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1.5"}) == 1.5
        assert await start_times(rate_limiter, clock, 1) == [1.5]

    async def test_remaining_above_zero_does_not_wait(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=100, per_seconds=1.0), clock)
        assert rate_limiter.observe({"x-ratelimit-remaining": "4", "x-ratelimit-reset": "2"}) is None
        assert await start_times(rate_limiter, clock, 1) == [0.0]

    def test_retry_after_http_date(self) -> None:
        assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now_epoch=4.0) == 6.0
        assert parse_retry_after("not a date", now_epoch=0.0) is None
        assert parse_retry_after(None, now_epoch=0.0) is None


class TestDaily:
    async def test_daily_budget_counts_costs(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=100, per_seconds=1.0, daily=5), clock)
        async with rate_limiter.slot(cost=3):
            pass
        with pytest.raises(BudgetExhausted, match="daily budget of 5"):
            async with rate_limiter.slot(cost=3):
                pass
        assert rate_limiter.daily_used == 3

    async def test_budget_renews_after_a_day(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=100, per_seconds=1.0, daily=1), clock)
        async with rate_limiter.slot():
            pass
        clock.now += 86_400
        async with rate_limiter.slot():
            pass
        assert rate_limiter.daily_used == 1

    async def test_server_reported_daily_left_stops_writes_only(self) -> None:
        clock = FakeClock()
        rate_limiter = limiter(RateBudget(calls=100, per_seconds=1.0), clock)
        rate_limiter.observe({"x-daily-requests-left": "0"})
        async with rate_limiter.slot(counts_against_daily_left=False):
            pass
        with pytest.raises(BudgetExhausted, match="no requests left today"):
            async with rate_limiter.slot():
                pass


def test_budget_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RateBudget(calls=0, per_seconds=1.0)
    with pytest.raises(ValueError):
        RateBudget(calls=1, per_seconds=1.0, concurrency=0)
    assert RateBudget(calls=10, per_seconds=2.0).rate == 5.0
