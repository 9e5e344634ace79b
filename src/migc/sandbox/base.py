"""What every sandbox app shares: its config, credentials, the request gate (auth, rate limit,
faults, traffic log) and small request/response helpers.

A platform module `migc.sandbox.<platform>` exposes

    def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette

and builds it with `build_app(profile, routes, config, store)`. The `PlatformProfile` subclass
says how the platform authenticates and how it words a 401, a 429 and a 5xx; `build_app`
puts one gate in front of the routes that, per request and in this order:

1. draws the fault decision (`sandbox.faults`);
2. checks auth (`profile.authenticated`), answering the platform's own 401 body;
3. answers an injected 429/503 without touching the store;
4. applies `config.rate_limit` (sliding window of accepted requests, concurrency in flight,
   daily units with `profile.cost()`), answering `profile.throttled()` when over;
5. waits the fault latency (holding the concurrency slot, as processing time does), runs the
   route, and for the "after write" faults throws the answer away (500, hang, or
   `ConnectionResetError`);
6. adds `profile.limit_headers()` and records the exchange in `app.state.traffic`.

`app.state` holds `config`, `store`, `traffic`, `faults` (the `FaultPlan`) and `limiter`.
Tests serve an app with `httpx.ASGITransport(app=app)`; `sandbox.serve` serves it over HTTP.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Sequence
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from migc.sandbox.faults import APPLIED_BEFORE_FAULT, FaultConfig, FaultPlan
from migc.sandbox.store import Store

# Fixed fake credentials per platform: tests and `migc sandbox serve` users log in with these.
SANDBOX_CREDENTIALS: dict[str, dict[str, str]] = {
    "actimo": {"token": "sandbox-actimo-api-key"},
    "customerio": {
        "token": "sandbox-customerio-app-key",
        "site_id": "sandbox-customerio-site",
        "track_api_key": "sandbox-customerio-track-key",
    },
    "freshsales": {"token": "sandbox-freshsales-api-key"},
    "netmera": {"token": "sandbox-netmera-rest-key"},
    "pipedrive": {"token": "sandbox-pipedrive-api-token"},
    "zoho_crm": {
        "token": "sandbox-zoho-oauthtoken",
        "refresh_token": "sandbox-zoho-refresh-token",
        "client_id": "sandbox-zoho-client-id",
        "client_secret": "sandbox-zoho-client-secret",
    },
}


class RateLimitConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The server-side budget a sandbox enforces (numbers from the platform notes or a test).
    `calls` None means no window (Zoho limits concurrency and daily credits, not calls per second)."""

    calls: int | None = None
    per_seconds: float = 1.0
    concurrency: int | None = None
    daily: int | None = None


class SandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How one sandbox app behaves. `token` None means `SANDBOX_CREDENTIALS[platform]["token"]`;
    `records` is how many synthetic records a source sandbox seeds (targets start empty);
    `options` holds platform-specific knobs, documented in each platform module."""

    seed: int = 0
    token: str | None = None
    rate_limit: RateLimitConfig | None = None
    faults: FaultConfig = msgspec.field(default_factory=FaultConfig)
    records: int = 0
    options: dict[str, Any] = msgspec.field(default_factory=dict)

    def token_for(self, platform: str) -> str:
        return self.token if self.token is not None else SANDBOX_CREDENTIALS[platform]["token"]


class LimitState(msgspec.Struct, frozen=True, kw_only=True):
    """The server's view of the budget after one request (for headers and 429 bodies)."""

    limit: int | None = None
    remaining: int | None = None
    reset_seconds: float | None = None
    daily_limit: int | None = None
    daily_left: int | None = None
    rejected_by: str | None = None  # "window", "concurrency", "daily" or "injected"


class ServerRateLimiter:
    """Sliding window over accepted requests + concurrency in flight + daily units."""

    def __init__(self, config: RateLimitConfig | None, clock: Any = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._accepted: deque[float] = deque()
        self._in_flight = 0
        self._daily_used = 0

    def admit(self, cost: int = 1) -> LimitState:
        config = self.config
        if config is None:
            return LimitState()
        now = self._clock()
        while self._accepted and self._accepted[0] <= now - config.per_seconds:
            self._accepted.popleft()
        reset = self._accepted[0] + config.per_seconds - now if self._accepted else config.per_seconds
        daily_left = None if config.daily is None else max(0, config.daily - self._daily_used)
        rejected_by = None
        if config.daily is not None and self._daily_used + cost > config.daily:
            rejected_by = "daily"
        elif config.calls is not None and len(self._accepted) >= config.calls:
            rejected_by = "window"
        elif config.concurrency is not None and self._in_flight >= config.concurrency:
            rejected_by = "concurrency"
        if rejected_by == "daily":
            daily_left = 0  # nothing of this cost can be sent today
        if rejected_by is None:
            self._accepted.append(now)
            self._in_flight += 1
            self._daily_used += cost
            if daily_left is not None:
                daily_left = max(0, daily_left - cost)
        return LimitState(
            limit=config.calls,
            remaining=None if config.calls is None else max(0, config.calls - len(self._accepted)),
            reset_seconds=round(max(0.0, reset), 3),
            daily_limit=config.daily,
            daily_left=daily_left,
            rejected_by=rejected_by,
        )

    def release(self) -> None:
        if self.config is not None:
            self._in_flight -= 1


class TrafficEntry(msgspec.Struct, frozen=True, kw_only=True):
    method: str
    path: str
    status: int  # 0 when the connection was dropped
    batch: int | None = None  # records in the request body, when the route says
    fault: str = "none"


class Traffic:
    """What a sandbox answered: counters for everything, the latest entries in full."""

    def __init__(self, keep: int = 100_000) -> None:
        self.entries: deque[TrafficEntry] = deque(maxlen=keep)
        self.by_status: Counter[int] = Counter()

    def record(self, entry: TrafficEntry) -> None:
        self.entries.append(entry)
        self.by_status[entry.status] += 1

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def clear(self) -> None:
        self.entries.clear()
        self.by_status.clear()


class PlatformProfile:
    """How a platform authenticates and words its gate answers; subclasses override."""

    platform: str = ""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.token = config.token_for(self.platform)

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        raise NotImplementedError

    def unauthorized(self) -> Response:
        raise NotImplementedError

    def throttled(self, state: LimitState) -> Response:
        raise NotImplementedError

    def server_error(self, status: int) -> Response:
        return json_response({"error": "internal error"}, status=status)

    def limit_headers(self, state: LimitState) -> dict[str, str]:
        """Headers every answer carries (e.g. Pipedrive's x-ratelimit-*); none by default."""
        return {}

    def cost(self, method: str, path: str) -> int:
        """Daily budget units a request spends (Zoho credits, Pipedrive tokens)."""
        return 1

    def exempt(self, path: str) -> bool:
        """Paths outside auth and limits (none by default)."""
        return False


def build_app(
    profile: PlatformProfile, routes: Sequence[BaseRoute], config: SandboxConfig, store: Store
) -> Starlette:
    """A Starlette app serving `routes` behind the gate described in the module docstring."""
    traffic = Traffic()
    plan = FaultPlan(config.faults)
    limiter = ServerRateLimiter(config.rate_limit)
    app = Starlette(
        routes=list(routes),
        middleware=[
            Middleware(_Gate, profile=profile, config=config, traffic=traffic, plan=plan, limiter=limiter)
        ],
    )
    app.state.config = config
    app.state.store = store
    app.state.traffic = traffic
    app.state.faults = plan
    app.state.limiter = limiter
    app.state.profile = profile
    return app


class _Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        profile: PlatformProfile,
        config: SandboxConfig,
        traffic: Traffic,
        plan: FaultPlan,
        limiter: ServerRateLimiter,
    ) -> None:
        self.app = app
        self.profile = profile
        self.config = config
        self.traffic = traffic
        self.plan = plan
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.profile.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        scope.setdefault("state", {})
        decision = self.plan.decide(method)
        headers = Headers(scope=scope)
        if not self.profile.authenticated(headers, QueryParams(scope.get("query_string", b""))):
            await self._answer(scope, receive, send, self.profile.unauthorized(), status_fault="none")
            return
        if decision.kind == "throttle":
            state = LimitState(remaining=0, reset_seconds=1.0, rejected_by="injected")
            await self._answer(scope, receive, send, self.profile.throttled(state), status_fault="throttle")
            return
        if decision.kind == "server_error":
            await self._answer(scope, receive, send, self.profile.server_error(503), status_fault="server_error")
            return
        state = self.limiter.admit(self.profile.cost(method, path))
        if state.rejected_by is not None:
            await self._answer(scope, receive, send, self.profile.throttled(state), status_fault="none")
            return
        try:
            if decision.latency > 0:
                # Latency is processing time: the request holds its concurrency slot meanwhile.
                await asyncio.sleep(decision.latency)
            if decision.kind in APPLIED_BEFORE_FAULT:
                await self._apply_then_fail(scope, receive, send, decision.kind)
                return
            extra_headers = self.profile.limit_headers(state)
            status = 0

            async def send_with_headers(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message = _with_headers(message, extra_headers)
                await send(message)

            await self.app(scope, receive, send_with_headers)
            self._record(scope, status, "none")
        finally:
            self.limiter.release()

    async def _apply_then_fail(self, scope: Scope, receive: Receive, send: Send, kind: str) -> None:
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.app(scope, receive, capture)
        if kind == "error_after_write":
            response = self.profile.server_error(500)
            self._record(scope, response.status_code, kind)
            await response(scope, receive, send)
        elif kind == "timeout":
            self._record(scope, 0, kind)
            await asyncio.sleep(self.config.faults.hang_seconds)
            for message in captured:
                await send(message)
        else:
            self._record(scope, 0, kind)
            raise ConnectionResetError("sandbox fault: connection dropped after the request was applied")

    async def _answer(self, scope: Scope, receive: Receive, send: Send, response: Response, *, status_fault: str) -> None:
        self._record(scope, response.status_code, status_fault)
        await response(scope, receive, send)

    def _record(self, scope: Scope, status: int, fault: str) -> None:
        batch = scope.get("state", {}).get("migc_batch")
        self.traffic.record(
            TrafficEntry(method=scope["method"], path=scope["path"], status=status, batch=batch, fault=fault)
        )


def _with_headers(message: Message, extra: dict[str, str]) -> Message:
    if not extra:
        return message
    headers = list(message.get("headers", []))
    headers.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra.items())
    return {**message, "headers": headers}


# -- helpers for route handlers -------------------------------------------------------------


def note_batch(request: Request, size: int) -> None:
    """Tell the traffic log how many records this request carried."""
    request.scope.setdefault("state", {})["migc_batch"] = size


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(msgspec.json.encode(body), status_code=status, headers=headers, media_type="application/json")


def empty_response(status: int = 204) -> Response:
    return Response(b"", status_code=status)


class InvalidBody(Exception):
    """The request body is not the JSON the route expects."""


async def read_json(request: Request) -> Any:
    body = await request.body()
    if not body:
        raise InvalidBody("empty body")
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise InvalidBody("body is not valid JSON") from None


class FormPart(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    content: bytes
    filename: str | None = None
    content_type: str | None = None


async def read_multipart(request: Request) -> dict[str, FormPart]:
    """The parts of a `multipart/form-data` body by field name (stdlib parser, no extra dependency)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise InvalidBody("expected multipart/form-data")
    body = await request.body()
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise InvalidBody("malformed multipart body")
    parts: dict[str, FormPart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        parts[str(name)] = FormPart(
            name=str(name),
            content=payload,
            filename=part.get_filename(),
            content_type=part.get_content_type() if part.get("content-type") else None,
        )
    return parts
