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


async def test_activity_bodies_are_wrapped_and_validated(client: httpx.AsyncClient) -> None:
    contact = (await client.post("/contacts", json={"contact": {"last_name": "A", "email": "a@example.com"}})).json()["contact"]["id"]
    types = (await client.get("/selector/sales_activity_types")).json()["sales_activity_types"]
    assert types == (await client.get("/selectors/sales_activity_types")).json()["sales_activity_types"]
    activity = {"title": "Email", "sales_activity_type_id": types[0]["id"], "start_date": "2024-01-02T03:04:05Z", "end_date": "2024-01-02T03:04:05Z", "targetable_type": "Contact", "targetable_id": contact}
    created = await client.post("/sales_activities", json={"sales_activity": activity})
    assert created.status_code == 200 and created.json()["sales_activity"]["title"] == "Email"
    bad = await client.post("/sales_activities", json={"sales_activity": {**activity, "sales_activity_type_id": 0, "end_date": 5}})
    assert bad.json()["errors"]["message"] == ["Sales activity type is invalid", "End date is not a valid date"]
    assert (await client.post("/sales_activities", json={"activity": activity})).json()["errors"]["message"] == ["sales_activity is missing"]


async def test_sales_activity_types_ship_with_ids_no_constant_guesses() -> None:
    """The standard types a new account has, with ids that a guessed 0 or 1 cannot hit; an
    account's own set (option) replaces them, and the type check follows it."""
    for options, names in (({}, ["Email", "Call", "Meeting", "Chat"]), ({"sales_activity_types": "Call; Demo call"}, ["Call", "Demo call"])):
        app = freshsales.create_app(SandboxConfig(options=options), Store())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://f/crm/sales/api", headers=AUTH) as http:
            types = (await http.get("/selector/sales_activity_types")).json()["sales_activity_types"]
            assert [t["name"] for t in types] == names
            assert len({t["id"] for t in types}) == len(types) and all(t["id"] > 1 for t in types)
            assert types[-1]["internal_name"] == names[-1].lower().replace(" ", "_")
            contact = (await http.post("/contacts", json={"contact": {"last_name": "A", "email": "a@example.com"}})).json()["contact"]["id"]
            activity = {"title": "T", "start_date": "2024-01-02T03:04:05Z", "end_date": "2024-01-02T03:04:05Z", "targetable_type": "Contact", "targetable_id": contact}
            ok = await http.post("/sales_activities", json={"sales_activity": {**activity, "sales_activity_type_id": types[-1]["id"]}})
            assert ok.status_code == 200
            beyond = await http.post("/sales_activities", json={"sales_activity": {**activity, "sales_activity_type_id": types[-1]["id"] + 1}})
            assert beyond.json()["errors"]["message"] == ["Sales activity type is invalid"]
            assert (await http.get("/selector/fax_types")).status_code == 404


async def test_task_and_appointment_filters(client: httpx.AsyncClient) -> None:
    contact = (await client.post("/contacts", json={"contact": {"last_name": "A", "email": "a@example.com"}})).json()["contact"]["id"]
    target = {"targetable_type": "Contact", "targetable_id": contact}
    for title, status in (("Open", 0), ("Done", 1)):
        await client.post("/tasks", json={"task": {"title": title, "status": status, "due_date": "2024-02-01T00:00:00Z", **target}})
    assert [t["title"] for t in (await client.get("/tasks", params={"filter": "completed"})).json()["tasks"]] == ["Done"]
    assert [t["title"] for t in (await client.get("/tasks")).json()["tasks"]] == ["Open"]
    assert (await client.get("/tasks", params={"filter": "someday"})).status_code == 400
    for title, day in (("Past", "2023-06-01"), ("Next", "2030-06-01")):
        await client.post("/appointments", json={"appointment": {"title": title, "from_date": f"{day}T09:00:00Z", "end_date": f"{day}T10:00:00Z"}})
    assert [a["title"] for a in (await client.get("/appointments", params={"filter": "past"})).json()["appointments"]] == ["Past"]
    assert (await client.get("/notes")).status_code == 404


async def test_lists_and_members(client: httpx.AsyncClient) -> None:
    contact = (await client.post("/contacts", json={"contact": {"last_name": "A", "email": "a@example.com"}})).json()["contact"]["id"]
    made = (await client.post("/lists", json={"list": {"name": "VIP"}})).json()["list"]
    assert made["contact_ids"] == []
    added = await client.put(f"/lists/{made['id']}/add_contacts", json={"ids": [contact, contact]})
    assert added.json()["list"]["contact_ids"] == [contact]
    assert (await client.put(f"/lists/{made['id']}/add_contacts", json={"ids": [7]})).json()["errors"]["message"] == ["Contact 7 does not exist"]
    assert [entry["name"] for entry in (await client.get("/lists")).json()["lists"]] == ["VIP"]
    assert (await client.post("/lists", json={"list": {"name": "vip"}})).json()["errors"]["message"] == ["Name has already been taken"]


async def test_field_settings_and_custom_modules_follow_the_options() -> None:
    plain = freshsales.create_app(SandboxConfig(), Store())
    made = freshsales.create_app(SandboxConfig(options={"custom_modules": {"cf_rooms": "Rooms"}, "activity_field_settings": True}), Store())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://f/crm/sales/api", headers=AUTH) as http:
        assert (await http.get("/settings/sales_activities/fields")).status_code == 200
        assert (await http.get("/settings/tasks/fields")).status_code == 404
        assert (await http.post("/custom_module/cf_rooms", json={"cf_rooms": {"name": "A"}})).status_code == 404
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=made), base_url="http://f/crm/sales/api", headers=AUTH) as http:
        assert (await http.get("/settings/tasks/fields")).status_code == 200
        record = (await http.post("/custom_module/cf_rooms", json={"cf_rooms": {"name": "A", "cf_size": 3}})).json()["cf_rooms"]
        assert (record["name"], record["custom_field"]) == ("A", {})
        assert (await http.get("/custom_module/cf_rooms/filters")).json()["filters"][0]["name"] == "All Rooms"
        assert (await http.post("/cf_rooms", json={"cf_rooms": {"name": "A"}})).status_code == 404
    with pytest.raises(ValueError, match="usable entity name"):
        freshsales.create_app(SandboxConfig(options={"custom_modules": "contacts=Contacts"}), Store())


async def test_activities_attach_to_leads_unless_the_account_does_not_allow_it() -> None:
    """Lead is not in the platform notes' list of targetable types: the sandbox accepts it as a
    classic account (with a leads module) is assumed to, and option `lead_targets` turns it off.
    Documents never take Lead."""
    for options, accepted in (({}, True), ({"lead_targets": "false"}, False)):
        app = freshsales.create_app(SandboxConfig(options=options), Store())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://f/crm/sales/api", headers=AUTH) as http:
            lead = (await http.post("/leads", json={"lead": {"last_name": "L"}})).json()["lead"]["id"]
            note = await http.post("/notes", json={"note": {"description": "d", "targetable_type": "Lead", "targetable_id": lead}})
            if accepted:
                assert note.status_code == 200 and note.json()["note"]["targetable_type"] == "Lead"
                missing = await http.post("/notes", json={"note": {"description": "d", "targetable_type": "Lead", "targetable_id": lead + 1}})
                assert missing.json()["errors"]["message"] == ["Targetable does not exist"]
            else:
                assert note.json()["errors"]["message"] == ["The type for Lead is invalid."]
            document = await http.post("/documents", files={"file": ("a.txt", b"x")}, data={"targetable_type": "Lead", "targetable_id": str(lead)})
            assert document.json()["errors"]["message"] == ["The type for Lead is invalid."]
