"""Tests for migc.sandbox.freshsales: the raw wire shapes a Freshsales client sees."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from migc.sandbox import freshsales
from migc.sandbox.base import SandboxConfig
from migc.sandbox.store import Store

AUTH = {"Authorization": "Token token=sandbox-freshsales-api-key"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = freshsales.create_app(SandboxConfig(), Store())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://f/crm/sales/api", headers=AUTH) as http:
        yield http


async def test_unauthorized_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/contacts/filters", headers={"Authorization": "Bearer sandbox-freshsales-api-key"})
    assert (response.status_code, response.json()) == (401, {"login": "failed", "message": "Incorrect or expired API key"})


async def test_error_body_and_ignored_keys(client: httpx.AsyncClient) -> None:
    bad = await client.post("/contacts", json={"contact": {"first_name": "x"}})
    assert bad.status_code == 400
    assert bad.json() == {"errors": {"code": 400, "message": ["Last name can't be blank", "Email can't be blank"]}}
    ok = await client.post("/contacts", json={"contact": {"last_name": "A", "email": "a@example.com", "custom_fields": {"cf_x": 1}, "shoe_size": 44}})
    assert ok.status_code == 200
    assert ok.json()["contact"]["custom_field"] == {} and "shoe_size" not in ok.json()["contact"]


async def test_views_pages_and_caps(client: httpx.AsyncClient) -> None:
    for i in range(3):
        await client.post("/contacts", json={"contact": {"last_name": f"L{i}", "email": f"{i}@example.com"}})
    views = (await client.get("/contacts/filters")).json()["filters"]
    assert views[0]["name"] == "All Contacts"
    page = await client.get(f"/contacts/view/{views[0]['id']}", params={"per_page": 2, "page": 2})
    assert [c["last_name"] for c in page.json()["contacts"]] == ["L2"] and page.json()["meta"] == {"total_pages": 2, "total": 3}
    capped = await client.get(f"/contacts/view/{views[0]['id']}", params={"per_page": 1000})
    assert capped.json()["meta"]["total_pages"] == 1


async def test_upsert_statuses_and_identifier_rules(client: httpx.AsyncClient) -> None:
    body = {"unique_identifier": {"emails": "u@example.com"}, "contact": {"last_name": "U"}}
    assert (await client.post("/contacts/upsert", json=body)).status_code == 201
    assert (await client.post("/contacts/upsert", json=body)).status_code == 200
    not_unique = {"unique_identifier": {"city": "Oslo"}, "contact": {"last_name": "U"}}
    assert (await client.post("/contacts/upsert", json=not_unique)).json()["errors"]["message"] == ["unique_identifier city is invalid"]


async def test_lookup_shape(client: httpx.AsyncClient) -> None:
    await client.post("/contacts", json={"contact": {"last_name": "L", "email": "look@example.com"}})
    found = (await client.get("/lookup", params={"q": "LOOK@example.com", "f": "email", "entities": "contact"})).json()
    assert [c["last_name"] for c in found["contacts"]["contacts"]] == ["L"]
    wrong = await client.get("/lookup", params={"q": "x", "f": "email", "entities": "sales_acount"})
    assert wrong.json()["errors"]["message"] == ["The type for sales_acount is invalid."]
