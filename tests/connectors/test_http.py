"""Tests for migc.connectors.http: retries, ambiguity of inserts, timeouts, auth refresh, stats."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from migc.connectors.base import DailyLimitReached, OutcomeUnknown, RetriesExhausted
from migc.connectors.http import HttpClient, bearer_style
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.connectors.secrets import Secret

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def client(handler: Handler, **overrides: object) -> HttpClient:
    options: dict[str, object] = {
        "platform": "test",
        "base_url": "http://api.invalid",
        "auth": bearer_style("Token", Secret("secret-token")),
        "budget": RateBudget(calls=1000, per_seconds=1.0),
        "retry": RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002),
        "transport": httpx.MockTransport(handler),
        "seed": 3,
    }
    options.update(overrides)
    return HttpClient(**options)  # type: ignore[arg-type]


class Script:
    """Answers requests from a list of statuses (or exceptions), then 200 forever."""

    def __init__(self, *steps: int | Exception, headers: dict[str, str] | None = None) -> None:
        self.steps = list(steps)
        self.headers = headers or {}
        self.seen: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        step = self.steps.pop(0) if self.steps else 200
        if isinstance(step, Exception):
            raise step
        return httpx.Response(step, json={"n": len(self.seen)}, headers=self.headers if step == 429 else {})


class TestRetries:
    async def test_throttled_then_ok(self) -> None:
        script = Script(429, 429)
        http = client(script)
        response = await http.request("POST", "/records", json={})
        assert response.status_code == 200
        snapshot = http.stats.snapshot()
        assert (snapshot.requests, snapshot.retries, snapshot.throttled) == (3, 2, 2)
        assert snapshot.retries_by_reason == {"throttled": 2}

    async def test_retry_after_pauses_the_whole_client(self) -> None:
        script = Script(429, headers={"Retry-After": "0.05"})
        http = client(script)
        await http.request("GET", "/records")
        assert http.limiter.waits >= 1
        assert http.limiter.waited_seconds >= 0.04

    async def test_server_errors_retried_for_reads(self) -> None:
        script = Script(500, 503, 502)
        http = client(script)
        assert (await http.request("GET", "/records")).status_code == 200
        assert http.stats.snapshot().retries_by_reason == {"server_error": 3}

    async def test_server_error_on_insert_is_ambiguous(self) -> None:
        script = Script(500)
        http = client(script)
        with pytest.raises(OutcomeUnknown, match="may have been applied") as raised:
            await http.request("POST", "/records", json={"a": 1})
        assert raised.value.reason == "server_error"
        assert len(script.seen) == 1  # never resent
        assert http.stats.gave_up == 1

    async def test_insert_declared_idempotent_is_retried(self) -> None:
        script = Script(500)
        http = client(script)
        assert (await http.request("POST", "/upsert", json={}, idempotent=True)).status_code == 200
        assert len(script.seen) == 2

    async def test_connect_error_is_safe_even_for_inserts(self) -> None:
        script = Script(httpx.ConnectError("refused"))
        http = client(script)
        assert (await http.request("POST", "/records", json={})).status_code == 200
        assert http.stats.snapshot().retries_by_reason == {"connect": 1}

    async def test_reset_on_insert_is_ambiguous(self) -> None:
        http = client(Script(httpx.ReadError("reset by peer")))
        with pytest.raises(OutcomeUnknown) as raised:
            await http.request("POST", "/records", json={})
        assert raised.value.reason == "reset"

    async def test_gives_up_after_max_attempts(self) -> None:
        script = Script(503, 503, 503, 503, 503)
        http = client(script)
        with pytest.raises(RetriesExhausted, match="after 4 attempts") as raised:
            await http.request("GET", "/records")
        assert raised.value.status == 503
        assert len(script.seen) == 4

    async def test_client_errors_are_returned_not_retried(self) -> None:
        script = Script(400)
        http = client(script)
        assert (await http.request("POST", "/records", json={})).status_code == 400
        assert http.stats.retries == 0


class TestTimeouts:
    async def test_read_timeout_retried(self) -> None:
        calls: list[int] = []

        async def handler(request: httpx.Request) -> httpx.Response:
            calls.append(1)
            if len(calls) == 1:
                await asyncio.sleep(5)
            return httpx.Response(200, json={})

        http = client(handler, timeout_seconds=0.05)
        assert (await http.request("GET", "/records")).status_code == 200
        assert http.stats.snapshot().retries_by_reason == {"timeout": 1}

    async def test_timeout_on_insert_is_ambiguous(self) -> None:
        async def handler(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(5)
            return httpx.Response(200)

        http = client(handler, timeout_seconds=0.05)
        with pytest.raises(OutcomeUnknown) as raised:
            await http.request("POST", "/records", json={})
        assert raised.value.reason == "timeout"


class TestAuth:
    async def test_headers_are_sent(self) -> None:
        script = Script()
        await client(script).request("GET", "/x")
        assert script.seen[0].headers["Authorization"] == "Token secret-token"

    async def test_refresh_once_on_401(self) -> None:
        script = Script(401, 401, 401)
        refreshes = []

        async def refresh() -> bool:
            refreshes.append(1)
            return True

        http = client(script, refresh_auth=refresh)
        response = await http.request("GET", "/x")
        assert response.status_code == 401  # a second 401 is final: no refresh loop
        assert refreshes == [1]
        assert len(script.seen) == 2

    async def test_unauthenticated_request_has_no_auth_header(self) -> None:
        script = Script()
        await client(script).request("POST", "http://accounts.invalid/token", authenticate=False)
        assert "Authorization" not in script.seen[0].headers


async def test_messages_leave_out_query_strings() -> None:
    http = client(Script(503, 503, 503, 503))
    with pytest.raises(RetriesExhausted) as raised:
        await http.request("GET", "/search", params={"email": "person@example.com"})
    assert "person@example.com" not in str(raised.value)
    assert "test GET /search" in str(raised.value)


async def test_daily_budget_becomes_a_connector_error() -> None:
    http = client(Script(), budget=RateBudget(calls=100, per_seconds=1.0, daily=2))
    await http.request("GET", "/a")
    await http.request("GET", "/b")
    with pytest.raises(DailyLimitReached, match="test: daily budget"):
        await http.request("GET", "/c")


async def test_search_lane_is_limited_separately() -> None:
    http = client(Script(), lanes={"search": RateBudget(calls=1, per_seconds=60.0)})
    await http.request("GET", "/search", lanes=["search"])
    await http.request("GET", "/other")  # the default lane is not held up
    assert http.lane_limiters["search"].daily_used == 1
