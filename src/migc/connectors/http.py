"""The HTTP client every connector uses: auth headers, rate limiting, retries, stats, keep-alive.

`HttpClient.request()` sends one logical request and returns the final `httpx.Response`, whose
status the connector interprets (Zoho's 207, Pipedrive's `success:false`, ...). Around it:

1. a slot from each `RateLimiter` of the request's lanes (a connector may add lanes, e.g.
   Pipedrive's separate search budget), which also bounds concurrency;
2. the platform's auth headers, built from `Secret`s at send time and never stored elsewhere;
3. a time limit per attempt (`asyncio.timeout`, so it also holds for in-process transports);
4. `observe()` of the response's rate-limit headers; on 429 the whole client pauses;
5. retries per `RetryPolicy`: safe failures are retried with jittered backoff, ambiguous failures
   of non-idempotent requests raise `OutcomeUnknown` so the connector can check by key.

Error messages carry the method and the path without its query string (which may hold search
terms or personal data) and never a header.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from typing import Any

import httpx

from migc.connectors.base import (
    ConnectionSettings,
    ConnectorError,
    DailyLimitReached,
    OutcomeUnknown,
    RetriesExhausted,
)
from migc.connectors.ratelimit import BudgetExhausted, RateBudget, RateLimiter
from migc.connectors.retry import (
    FailureReason,
    RequestStats,
    RetryPolicy,
    StatsSnapshot,
    may_retry,
    reason_for_status,
)
from migc.connectors.secrets import Secret

log = logging.getLogger("migc.connectors.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})

AuthHeaders = Callable[[], Mapping[str, str]]
# Called once after a 401; returns True when it obtained a new credential worth one more try.
AuthRefresher = Callable[[], Awaitable[bool]]


def bearer_style(scheme: str, token: Secret, header: str = "Authorization") -> AuthHeaders:
    """Auth headers of the form `<header>: <scheme> <token>` (e.g. `Zoho-oauthtoken`)."""
    prefix = f"{scheme} " if scheme else ""

    def headers() -> Mapping[str, str]:
        return {header: prefix + token.reveal()}

    return headers


class HttpClient:
    """One platform account's HTTP session (see the module docstring)."""

    @classmethod
    def from_settings(
        cls,
        settings: ConnectionSettings,
        *,
        base_url: str,
        auth: AuthHeaders,
        budget: RateBudget,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Any,
    ) -> HttpClient:
        """A client for one connector: platform, retry policy, timeout and seed come from the
        connection settings; the connector supplies its URL, auth headers and budget."""
        return cls(
            platform=settings.platform,
            base_url=base_url,
            auth=auth,
            budget=budget,
            retry=settings.retry,
            transport=transport,
            timeout_seconds=settings.timeout_seconds,
            seed=settings.seed,
            **options,
        )

    def __init__(
        self,
        *,
        platform: str,
        base_url: str,
        auth: AuthHeaders,
        budget: RateBudget,
        retry: RetryPolicy | None = None,
        lanes: Mapping[str, RateBudget] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_seconds: float = 30.0,
        seed: int | None = None,
        margin_seconds: float = 0.005,
        sleep: Callable[[float], Any] = asyncio.sleep,
        refresh_auth: AuthRefresher | None = None,
    ) -> None:
        self.platform = platform
        self.retry = retry or RetryPolicy()
        self.stats = RequestStats()
        self.limiter = RateLimiter(budget, margin_seconds=margin_seconds, sleep=sleep)
        self.lane_limiters = {
            name: RateLimiter(lane_budget, margin_seconds=margin_seconds, sleep=sleep)
            for name, lane_budget in sorted((lanes or {}).items())
        }
        self._auth = auth
        self._refresh_auth = refresh_auth
        self._timeout = timeout_seconds
        self._rng = random.Random(seed)
        self._sleep = sleep
        concurrency = budget.concurrency or 20
        self._client = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"Accept": "application/json", "User-Agent": "migc-connector"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        cost: int = 1,
        lanes: Sequence[str] = (),
        authenticate: bool = True,
    ) -> httpx.Response:
        """Send until a final answer; see the module docstring for what is retried.

        `path` may be absolute (e.g. an OAuth server); `authenticate=False` sends no auth headers.
        """
        method = method.upper()
        safe_to_repeat = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        where = f"{self.platform} {method} {path.split('?', 1)[0]}"
        limiters = [self.limiter, *(self.lane_limiters[name] for name in lanes)]
        attempt = 0
        refreshed = not authenticate or self._refresh_auth is None
        while True:
            attempt += 1
            reason: FailureReason
            status: int | None = None
            wait: float | None = None
            try:
                response = await self._send_once(
                    method, path, limiters, cost, params, json, data, files, authenticate
                )
            except _TransportFailure as failure:
                reason = failure.reason
                self.stats.record_transport_failure()
                detail = failure.detail
            else:
                self.stats.record_response(response.status_code)
                wait = self._observe(limiters, response)
                if response.status_code == 401 and not refreshed and self._refresh_auth is not None:
                    # An expired access token: renew once; a 401 was not applied, so resend.
                    refreshed = True
                    if await self._refresh_auth():
                        attempt -= 1
                        continue
                status_reason = reason_for_status(response.status_code)
                for limiter in limiters:
                    (limiter.note_throttled if status_reason == "throttled" else limiter.note_accepted)()
                if status_reason is None:
                    return response
                reason, status, detail = status_reason, response.status_code, f"HTTP {response.status_code}"
            if not may_retry(reason, idempotent=safe_to_repeat):
                self.stats.gave_up += 1
                raise OutcomeUnknown(
                    f"{where}: {detail}; the write may have been applied, check by key before sending it again",
                    reason=reason,
                )
            if attempt >= self.retry.max_attempts:
                self.stats.gave_up += 1
                raise RetriesExhausted(
                    f"{where}: {detail} after {attempt} attempts", reason=reason, status=status
                )
            delay = self.retry.backoff(attempt, self._rng)
            self.stats.record_retry(reason, delay)
            log.info("%s: %s, retry %d in %.2fs", where, detail, attempt, delay)
            if reason == "throttled":
                # A 429 means the budget is wrong right now: hold every request, not just this
                # one; the retry then waits in the limiter like everybody else.
                for limiter in limiters:
                    limiter.pause(max(wait or 0.0, delay))
            else:
                await self._sleep(delay)

    async def _send_once(
        self,
        method: str,
        path: str,
        limiters: list[RateLimiter],
        cost: int,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        authenticate: bool,
    ) -> httpx.Response:
        is_write = method in WRITE_METHODS
        try:
            async with AsyncExitStack() as slots:
                # Always in the same order (default lane first), so two lanes cannot deadlock.
                for limiter in limiters:
                    await slots.enter_async_context(limiter.slot(cost, counts_against_daily_left=is_write))
                headers = dict(self._auth()) if authenticate else {}
                request = self._client.build_request(
                    method, path, params=params, json=json, data=data, files=files, headers=headers
                )
                try:
                    async with asyncio.timeout(self._timeout):
                        response = await self._client.send(request)
                        await response.aread()
                        return response
                except TimeoutError:
                    raise _TransportFailure("timeout", f"no answer within {self._timeout:g}s") from None
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                    raise _TransportFailure("connect", f"cannot connect ({type(error).__name__})") from None
                except httpx.TimeoutException as error:
                    raise _TransportFailure("timeout", f"timed out ({type(error).__name__})") from None
                except (httpx.TransportError, ConnectionError) as error:
                    raise _TransportFailure("reset", f"connection lost ({type(error).__name__})") from None
        except BudgetExhausted as error:
            raise DailyLimitReached(f"{self.platform}: {error}") from None

    def _observe(self, limiters: list[RateLimiter], response: httpx.Response) -> float | None:
        waits = [wait for limiter in limiters if (wait := limiter.observe(response.headers)) is not None]
        return max(waits) if waits else None


class HttpConnector:
    """What every HTTP connector shares: its `HttpClient`, stats, closing, bounded fan-out."""

    platform: str = ""

    def __init__(self, http: HttpClient, *, parallel: int = 10) -> None:
        self.http = http
        self.parallel = parallel

    async def concurrently(self, count: int, work: Callable[[int], Awaitable[Any]]) -> list[Any]:
        """`work(0) … work(count - 1)`, at most `parallel` at a time, results in index order."""
        gate = asyncio.Semaphore(self.parallel)

        async def bounded(index: int) -> Any:
            async with gate:
                return await work(index)

        return list(await asyncio.gather(*(bounded(index) for index in range(count))))

    def stats(self) -> StatsSnapshot:
        return self.http.stats.snapshot()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> HttpConnector:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _TransportFailure(ConnectorError):
    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(detail)
        self.reason: FailureReason = reason
        self.detail = detail


def json_or_none(response: httpx.Response) -> Any:
    """The decoded body, or None when it is empty or not JSON (e.g. a 204 or an HTML error page)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
