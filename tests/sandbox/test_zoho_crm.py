"""Tests for migc.sandbox.zoho_crm: the raw wire shapes a Zoho client sees."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from migc.sandbox import zoho_crm
from migc.sandbox.base import SandboxConfig
from migc.sandbox.store import Store

AUTH = {"Authorization": "Zoho-oauthtoken sandbox-zoho-oauthtoken"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = zoho_crm.create_app(SandboxConfig(), Store())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://z/crm/v8", headers=AUTH) as http:
        yield http


async def test_unauthorized_bodies(client: httpx.AsyncClient) -> None:
    for headers in ({"Authorization": "Bearer sandbox-zoho-oauthtoken"}, {"Authorization": "Zoho-oauthtoken nope"}):
        response = await client.get("/Contacts", params={"fields": "Email"}, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}


async def test_batch_limit_and_item_shapes(client: httpx.AsyncClient) -> None:
    too_many = await client.post("/Contacts", json={"data": [{"Last_Name": "x"}] * 101})
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "LIMIT_EXCEEDED" and too_many.json()["details"] == {"limit": 100, "param_name": "data"}
    mixed = await client.post("/Contacts", json={"data": [{"Last_Name": "Ok"}, {"First_Name": "No last"}]})
    assert mixed.status_code == 207
    ok, missing = mixed.json()["data"]
    assert ok["code"] == "SUCCESS" and ok["message"] == "record added" and ok["details"]["id"].isdigit()
    assert missing == {
        "code": "MANDATORY_NOT_FOUND",
        "details": {"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"},
        "message": "required field not found",
        "status": "error",
    }


async def test_listing_rules(client: httpx.AsyncClient) -> None:
    assert (await client.get("/Contacts", params={"fields": "Email"})).status_code == 204
    missing_fields = await client.get("/Contacts")
    assert missing_fields.json()["code"] == "REQUIRED_PARAM_MISSING"
    discrete = await client.get("/Contacts", params={"fields": "Email", "page": 11, "per_page": 200})
    assert discrete.json()["code"] == "DISCRETE_PAGINATION_LIMIT_EXCEEDED" and discrete.json()["details"] == {"limit": 2000}
    beyond = await client.get("/Contacts", params={"fields": "Email", "page_token": zoho_crm._encode_token(100_000, "id", "asc")})
    assert beyond.json()["code"] == "PAGINATION_LIMIT_EXCEEDED"
    await client.post("/Contacts", json={"data": [{"Last_Name": f"n{i}"} for i in range(3)]})
    page = await client.get("/Contacts", params={"fields": "Last_Name", "per_page": 2})
    info = page.json()["info"]
    assert (info["count"], info["more_records"], info["page"]) == (2, True, 1) and info["next_page_token"]
    last = await client.get("/Contacts", params={"fields": "Last_Name", "per_page": 2, "page_token": info["next_page_token"]})
    assert [r["Last_Name"] for r in last.json()["data"]] == ["n2"] and last.json()["info"]["more_records"] is False


async def test_search_criteria(client: httpx.AsyncClient) -> None:
    await client.post("/Accounts", json={"data": [{"Account_Name": "A (1)"}, {"Account_Name": "B"}, {"Account_Name": "Bee"}]})
    escaped = await client.get("/Accounts/search", params={"criteria": r"(Account_Name:equals:A \(1\))"})
    assert [r["Account_Name"] for r in escaped.json()["data"]] == ["A (1)"]
    either = await client.get("/Accounts/search", params={"criteria": "((Account_Name:equals:B) or (Account_Name:starts_with:Be))"})
    assert [r["Account_Name"] for r in either.json()["data"]] == ["B", "Bee"]
    assert (await client.get("/Accounts/search", params={"criteria": "(Account_Name:equals:none)"})).status_code == 204
    assert (await client.get("/Accounts/search", params={"criteria": "Account_Name=B"})).json()["code"] == "INVALID_QUERY"


async def test_unknown_urls_and_modules(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nope/really/deep")).json()["code"] == "INVALID_URL_PATTERN"
    assert (await client.post("/Widgets", json={"data": [{}]})).json()["code"] == "INVALID_MODULE"


async def test_oauth_refresh_endpoint() -> None:
    app = zoho_crm.create_app(SandboxConfig(options={"access_token_uses": 1}), Store())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://z") as http:
        assert (await http.get("/crm/v8/settings/modules", headers=AUTH)).status_code == 200
        assert (await http.get("/crm/v8/settings/modules", headers=AUTH)).status_code == 401
        params = {"grant_type": "refresh_token", "client_id": "sandbox-zoho-client-id", "client_secret": "sandbox-zoho-client-secret", "refresh_token": "sandbox-zoho-refresh-token"}
        token = (await http.post("/oauth/v2/token", params=params)).json()["access_token"]
        assert (await http.get("/crm/v8/settings/modules", headers={"Authorization": f"Zoho-oauthtoken {token}"})).status_code == 200
        bad = await http.post("/oauth/v2/token", params={**params, "refresh_token": "x"})
        assert bad.json() == {"error": "invalid_code"}


async def test_custom_module_rules(client: httpx.AsyncClient) -> None:
    profiles = (await client.get("/settings/profiles")).json()["profiles"]
    admin = next(p for p in profiles if p["name"] == "Administrator")
    lite = next(p for p in profiles if p["type"] == "lite_profile")

    async def create(**module: object) -> dict:
        body = {"singular_label": "Room", "plural_label": "Rooms", "profiles": [{"id": admin["id"]}], **module}
        body = {k: v for k, v in body.items() if v is not None}
        return (await client.post("/settings/modules", json={"modules": [body]})).json()["modules"][0]

    assert (await create(profiles=None))["code"] == "MANDATORY_NOT_FOUND"
    assert (await create(profiles=[{"id": lite["id"]}]))["code"] == "NOT_ALLOWED"
    assert (await create(api_name="Rooms__c"))["details"]["api_name"] == "api_name"
    assert (await create(api_name="Rooms_"))["code"] == "INVALID_DATA"
    assert (await create(plural_label="Rooms.io"))["details"]["api_name"] == "plural_label"
    assert (await create(plural_label="A very long plural label x"))["details"]["maximum_length"] == 25
    assert (await create())["status"] == "success"
    assert (await create(api_name="Other"))["details"]["api_name"] == "singular_label"
    modules = (await client.get("/settings/modules")).json()["modules"]
    assert [m["api_name"] for m in modules if m["generated_type"] == "custom"] == ["Rooms"]


async def test_which_modules_take_custom_fields(client: httpx.AsyncClient) -> None:
    field = {"fields": [{"field_label": "Source", "data_type": "text"}]}
    refused = await client.post("/settings/fields", params={"module": "Notes"}, json=field)
    assert (refused.status_code, refused.json()["code"]) == (400, "NOT_SUPPORTED")
    assert (await client.post("/settings/fields", params={"module": "Tasks"}, json=field)).status_code == 201
    lookup = {"fields": [{"field_label": "Manager", "data_type": "lookup", "lookup": {"module": {"api_name": "Contacts"}}}]}
    assert (await client.post("/settings/fields", params={"module": "Contacts"}, json=lookup)).status_code == 201
    manager = next(f for f in (await client.get("/settings/fields", params={"module": "Contacts"})).json()["fields"] if f["field_label"] == "Manager")
    assert (manager["data_type"], manager["lookup"]) == ("lookup", {"module": {"api_name": "Contacts"}})
    nowhere = {"fields": [{"field_label": "Nowhere", "data_type": "lookup", "lookup": {"module": {"api_name": "Rooms"}}}]}
    assert (await client.post("/settings/fields", params={"module": "Contacts"}, json=nowhere)).json()["fields"][0]["code"] == "INVALID_DATA"


async def test_url_attachments_and_users(client: httpx.AsyncClient) -> None:
    contact = (await client.post("/Contacts", json={"data": [{"Last_Name": "A"}]})).json()["data"][0]["details"]["id"]
    path = f"/Contacts/{contact}/Attachments"
    made = await client.post(path, files={"attachmentUrl": (None, "https://example.com/a.pdf"), "title": (None, "A")})
    attachment = made.json()["data"][0]["details"]["id"]
    listed = (await client.get(path)).json()["data"]
    assert [(a["File_Name"], a["$link_url"]) for a in listed] == [("A", "https://example.com/a.pdf")]
    too_long = await client.post(path, files={"attachmentUrl": (None, "https://example.com/" + "a" * 3000)})
    assert too_long.json()["details"]["maximum_length"] == 3000
    both = await client.post(path, files={"attachmentUrl": (None, "https://example.com/b"), "file": ("b.txt", b"b")})
    assert both.json()["code"] == "REQUIRED_PARAM_MISSING"
    assert (await client.delete(f"{path}/{attachment}")).json()["data"][0]["status"] == "success"
    assert (await client.delete(f"{path}/{attachment}")).status_code == 400
    users = (await client.get("/users", params={"type": "ActiveUsers"})).json()["users"]
    assert users[0]["email"] == zoho_crm.SANDBOX_USER["email"]
