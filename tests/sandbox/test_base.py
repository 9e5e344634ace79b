"""Tests for migc.sandbox.base: the gate (auth, rate limit, faults, traffic) and body helpers."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from migc.sandbox.base import (
    SANDBOX_CREDENTIALS,
    LimitState,
    PlatformProfile,
    RateLimitConfig,
    SandboxConfig,
    ServerRateLimiter,
    build_app,
    json_response,
    note_batch,
    read_multipart,
)
from migc.sandbox.faults import FaultConfig
from migc.sandbox.store import Store


class EchoProfile(PlatformProfile):
    platform = "zoho_crm"

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        return headers.get("authorization") == f"Key {self.token}"

    def unauthorized(self) -> Response:
        return json_response({"error": "who are you"}, status=401)

    def throttled(self, state: LimitState) -> Response:
        return json_response({"error": "slow down", "by": state.rejected_by}, status=429)

    def limit_headers(self, state: LimitState) -> dict[str, str]:
        return {} if state.remaining is None else {"x-left": str(state.remaining)}


async def write(request: Request) -> Response:
    store: Store = request.app.state.store
    body = await request.json()
    note_batch(request, len(body))
    for item in body:
        store.insert("items", str(store.next_id("items")), item)
    await asyncio.sleep(float(request.query_params.get("sleep", 0)))
    return json_response({"stored": len(body)}, status=201)


async def upload(request: Request) -> Response:
    parts = await read_multipart(request)
    return json_response({name: [part.filename, part.content.decode()] for name, part in sorted(parts.items())})


def setup(config: SandboxConfig) -> tuple[httpx.AsyncClient, Store, object]:
    store = Store()
    app = build_app(EchoProfile(config), [Route("/items", write, methods=["POST"]), Route("/upload", upload, methods=["POST"])], config, store)
    token = config.token_for("zoho_crm")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s", headers={"authorization": f"Key {token}"})
    return client, store, app


async def test_auth_comes_first_and_is_recorded() -> None:
    client, store, app = setup(SandboxConfig())
    async with client:
        response = await client.post("/items", json=[{"a": 1}], headers={"authorization": "Key wrong"})
        assert (response.status_code, response.json()) == (401, {"error": "who are you"})
        assert (await client.post("/items", json=[{"a": 1}, {"a": 2}])).status_code == 201
    assert store.count("items") == 2
    assert [(e.status, e.batch) for e in app.state.traffic.entries] == [(401, None), (201, 2)]
    assert SANDBOX_CREDENTIALS["zoho_crm"]["token"] == SandboxConfig().token_for("zoho_crm")


async def test_sliding_window_and_headers() -> None:
    client, store, app = setup(SandboxConfig(rate_limit=RateLimitConfig(calls=2, per_seconds=60.0)))
    async with client:
        first = await client.post("/items", json=[{}])
        await client.post("/items", json=[{}])
        third = await client.post("/items", json=[{}])
    assert first.headers["x-left"] == "1"
    assert third.status_code == 429 and third.json()["by"] == "window"
    assert store.count("items") == 2


async def test_concurrency_limit() -> None:
    client, store, app = setup(SandboxConfig(rate_limit=RateLimitConfig(calls=100, per_seconds=1.0, concurrency=2)))
    async with client:
        responses = await asyncio.gather(*(client.post("/items?sleep=0.05", json=[{}]) for _ in range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 2 and statuses.count(429) == 3
    assert store.count("items") == 2


def test_daily_units_and_release() -> None:
    limiter = ServerRateLimiter(RateLimitConfig(calls=100, per_seconds=1.0, daily=10))
    assert limiter.admit(cost=6).daily_left == 4
    limiter.release()
    refused = limiter.admit(cost=6)
    assert (refused.rejected_by, refused.daily_left) == ("daily", 0)
    assert ServerRateLimiter(None).admit() == LimitState()


@pytest.mark.parametrize(
    ("kind", "status", "applied"),
    [("throttle_rate", 429, 0), ("server_error_rate", 503, 0), ("error_after_write_rate", 500, 1)],
)
async def test_answered_faults(kind: str, status: int, applied: int) -> None:
    client, store, app = setup(SandboxConfig(faults=FaultConfig(**{kind: 1.0})))
    async with client:
        response = await client.post("/items", json=[{}])
    assert response.status_code == status
    assert store.count("items") == applied


async def test_drop_applies_then_resets_the_connection() -> None:
    client, store, app = setup(SandboxConfig(faults=FaultConfig(drop_rate=1.0)))
    async with client:
        with pytest.raises(ConnectionResetError):
            await client.post("/items", json=[{}])
    assert store.count("items") == 1
    assert app.state.traffic.entries[-1].fault == "drop"


async def test_timeout_applies_then_hangs() -> None:
    client, store, app = setup(SandboxConfig(faults=FaultConfig(timeout_rate=1.0, hang_seconds=10.0)))
    async with client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await client.post("/items", json=[{}])
    assert store.count("items") == 1


async def test_multipart_parsing() -> None:
    client, store, app = setup(SandboxConfig())
    async with client:
        response = await client.post("/upload", files={"file": ("ü.txt", "héllo".encode())}, data={"person_id": "7"})
    assert response.json() == {"file": ["ü.txt", "héllo"], "person_id": [None, "7"]}
