"""Tests for migc.sandbox.pipedrive: the raw wire shapes a Pipedrive client sees."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from migc.sandbox import pipedrive
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.store import Store

AUTH = {"x-api-token": "sandbox-pipedrive-api-token"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = pipedrive.create_app(SandboxConfig(rate_limit=RateLimitConfig(calls=100, per_seconds=2.0, daily=1_000)), Store())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p", headers=AUTH) as http:
        yield http


async def test_unauthorized_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v2/persons", headers={"x-api-token": "nope"})
    assert response.status_code == 401
    body = response.json()
    assert (body["success"], body["error"], body["data"]) == (False, "unauthorized access", None)
    assert body["error_info"] == "Please check developers.pipedrive.com"


async def test_headers_and_token_costs(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v2/persons", json={"name": "Ann"})
    assert created.json()["success"] is True and created.json()["data"]["id"] == 1
    listed = await client.get("/api/v2/persons")
    assert listed.headers["x-ratelimit-limit"] == "100"
    assert listed.headers["x-ratelimit-remaining"] == "98"
    assert int(listed.headers["x-daily-requests-left"]) == 1_000 - 5 - 10  # a create, then a list


async def test_cursor_and_limits(client: httpx.AsyncClient) -> None:
    for i in range(3):
        await client.post("/api/v2/organizations", json={"name": f"O{i}"})
    first = await client.get("/api/v2/organizations", params={"limit": 2})
    cursor = first.json()["additional_data"]["next_cursor"]
    second = await client.get("/api/v2/organizations", params={"limit": 2, "cursor": cursor})
    assert [o["name"] for o in second.json()["data"]] == ["O2"] and second.json()["additional_data"]["next_cursor"] is None
    assert (await client.get("/api/v2/organizations", params={"limit": 501})).status_code == 400
    assert (await client.get("/api/v2/organizations", params={"cursor": "garbage"})).status_code == 400


async def test_v1_lists_answer_null_when_empty(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/notes")).json()
    assert body["data"] is None and body["additional_data"]["pagination"]["more_items_in_collection"] is False


async def test_search_rules(client: httpx.AsyncClient) -> None:
    await client.post("/api/v2/persons", json={"name": "Bo", "emails": [{"value": "bo@example.com", "primary": True}]})
    short = await client.get("/api/v2/persons/search", params={"term": "b"})
    assert short.status_code == 400
    exact = await client.get("/api/v2/persons/search", params={"term": "BO@example.com", "fields": "email", "exact_match": "true"})
    assert [i["item"]["id"] for i in exact.json()["data"]["items"]] == [1]
    assert exact.json()["data"]["items"][0]["item"]["emails"] == ["bo@example.com"]


async def test_search_window_answers_429() -> None:
    app = pipedrive.create_app(SandboxConfig(rate_limit=RateLimitConfig(calls=100, per_seconds=2.0), options={"search_calls": 1}), Store())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p", headers=AUTH) as http:
        assert (await http.get("/api/v2/persons/search", params={"term": "ab"})).status_code == 200
        assert (await http.get("/api/v2/persons/search", params={"term": "ab"})).status_code == 429
        assert (await http.get("/api/v2/persons")).status_code == 200


async def test_label_options_replace_semantics(client: httpx.AsyncClient) -> None:
    fields = (await client.get("/v1/personFields")).json()["data"]
    label = next(f for f in fields if f["key"] == "label")
    keep = label["options"][0]
    updated = await client.put(f"/v1/personFields/{label['id']}", json={"options": [keep, {"label": "VIP"}]})
    assert [o["label"] for o in updated.json()["data"]["options"]] == [keep["label"], "VIP"]
    unknown = await client.put(f"/v1/personFields/{label['id']}", json={"options": [{"id": 999, "label": "x"}]})
    assert unknown.status_code == 400
