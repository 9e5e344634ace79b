"""Tests for the Customer.io sandbox: cursors and limit ranges, filters, string attributes, repeated
listing entries, activities, delivery windows, exports with expiring links, errors, 429s, store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from migc.sandbox import customerio as sandbox
from migc.sandbox import synth
from migc.sandbox.base import SANDBOX_CREDENTIALS, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.store import Store
from migc.sandbox.synth.hardcases import REFERENCE_EPOCH

SEED = 14
USERS = 30
AUTH = {"Authorization": f"Bearer {SANDBOX_CREDENTIALS['customerio']['token']}"}
EVERYONE = {"filter": {"and": []}}


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox.invalid", headers=AUTH)


@pytest.fixture
async def api() -> httpx.AsyncClient:
    app = sandbox.create_app(SandboxConfig(seed=SEED, records=USERS, options={"export_polls": 2}))
    async with client(app) as made:
        made.app = app  # type: ignore[attr-defined]
        yield made


def truth(object_name: str) -> list[dict[str, Any]]:
    return list(synth.generate("customerio", object_name, synth.counts("customerio", USERS)[object_name], SEED))


async def follow(api: httpx.AsyncClient, method: str, path: str, key: str, **arguments: Any) -> tuple[list[Any], int]:
    rows: list[Any] = []
    start, pages = None, 0
    params = dict(arguments.pop("params", {}))
    while True:
        query = {**params, **({"start": start} if start else {})}
        body = (await api.request(method, path, params=query, **arguments)).json()
        rows += body[key]
        pages += 1
        start = body["next"]
        if not start:
            return rows, pages


class TestPeople:
    async def test_wrong_key_and_error_shape(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/v1/segments", headers={"Authorization": "Bearer nope"})
        assert (response.status_code, response.json()) == (401, {"meta": {"errors": ["Unauthorized request"]}})

    async def test_search_pages_everyone_with_the_documented_limits(self, api: httpx.AsyncClient) -> None:
        identifiers, pages = await follow(api, "POST", "/v1/customers", "identifiers", params={"limit": 7}, json=EVERYONE)
        people = truth("Person") + truth("AnonymousProfile")
        assert [row["cio_id"] for row in identifiers] == [person["cio_id"] for person in people]
        assert pages == -(-len(people) // 7)
        default = (await api.post("/v1/customers", json=EVERYONE)).json()
        assert len(default["identifiers"]) == 39 and default["next"] == ""  # 39 profiles, default 50
        too_many = await api.post("/v1/customers", params={"limit": 1001}, json=EVERYONE)
        assert too_many.json() == {"meta": {"errors": ["limit must be between 1 and 1000"]}}
        no_filter = await api.post("/v1/customers", json={})
        assert no_filter.status_code == 400

    async def test_filters(self, api: httpx.AsyncClient) -> None:
        people = truth("Person")
        customers = {"attribute": {"field": "lifecycle_stage", "operator": "eq", "value": "customer"}}
        found, _ = await follow(api, "POST", "/v1/customers", "identifiers", json={"filter": customers})
        assert [row["cio_id"] for row in found] == [p["cio_id"] for p in people if p["lifecycle_stage"] == "customer"]
        anonymous = {"attribute": {"field": "anonymous_id", "operator": "exists"}}
        found, _ = await follow(api, "POST", "/v1/customers", "identifiers", json={"filter": {"not": {"not": anonymous}}})
        assert len(found) == len(truth("AnonymousProfile")) and all(row["email"] is None for row in found)
        segment = {"segment": {"id": 1}}
        found, _ = await follow(api, "POST", "/v1/customers", "identifiers", json={"filter": {"or": [segment]}})
        assert [row["cio_id"] for row in found] == [p["cio_id"] for p in people if 1 in p["segments"]]
        bad = await api.post("/v1/customers", json={"filter": {"attribute": {"field": "x", "operator": "gt"}}})
        assert bad.status_code == 400

    async def test_attributes_come_back_as_strings(self, api: httpx.AsyncClient) -> None:
        person = truth("Person")[2]
        body = (await api.get(f"/v1/customers/{person['id']}/attributes")).json()["customer"]
        assert body["identifiers"] == {"email": person["email"], "id": person["id"], "cio_id": person["cio_id"]}
        assert body["attributes"]["created_at"] == str(person["created_at"])
        assert all(isinstance(value, str) for value in body["attributes"].values())
        by_cio = await api.get(f"/v1/customers/{person['cio_id']}/attributes", params={"id_type": "cio_id"})
        assert by_cio.json()["customer"] == body
        phone = await api.get(f"/v1/customers/{person['id']}/attributes", params={"id_type": "phone"})
        assert phone.status_code == 400 and "not enabled" in phone.json()["meta"]["errors"][0]

    async def test_lookup_by_ids_omits_unknown_and_caps_at_100(self, api: httpx.AsyncClient) -> None:
        people = truth("Person")
        body = (await api.post("/v1/customers/attributes", json={"ids": [people[0]["id"], "ghost", people[1]["id"]]})).json()
        assert [customer["id"] for customer in body["customers"]] == [people[0]["id"], people[1]["id"]]
        too_many = await api.post("/v1/customers/attributes", json={"ids": ["x"] * 101})
        assert too_many.status_code == 400


class TestListings:
    async def test_segment_membership_and_counts(self, api: httpx.AsyncClient) -> None:
        people = truth("Person")
        members, pages = await follow(api, "GET", "/v1/segments/2/membership", "identifiers", params={"limit": 3})
        expected = [p["cio_id"] for p in people if 2 in p["segments"]]
        assert [row["cio_id"] for row in members] == expected and pages == max(1, -(-len(expected) // 3))
        count = (await api.get("/v1/segments/2/customer_count")).json()
        assert count == {"segment_id": 2, "count": len(expected)}
        assert (await api.get("/v1/segments/99/membership")).status_code == 404

    async def test_object_listing_repeats_the_last_entry(self, api: httpx.AsyncClient) -> None:
        companies = [row for row in truth("Object") if row["object_type_id"] == 1]
        listed, pages = await follow(api, "POST", "/v1/objects", "identifiers", params={"limit": 2},
                                     json={"object_type_id": 1, "filter": {"and": []}})
        ids = [row["object_id"] for row in listed]
        assert sorted(set(ids)) == sorted(row["object_id"] for row in companies)
        assert len(ids) == len(companies) + pages - 1  # one repeat per page after the first

    async def test_object_attributes_and_relationships(self, api: httpx.AsyncClient) -> None:
        company = next(row for row in truth("Object") if row["object_type_id"] == 1)
        body = (await api.get(f"/v1/objects/1/{company['object_id']}/attributes")).json()["object"]
        assert body["identifiers"] == {"object_id": company["object_id"], "cio_object_id": company["cio_object_id"]}
        assert body["attributes"]["name"] == company["name"]
        related, _ = await follow(api, "GET", f"/v1/objects/1/{company['object_id']}/relationships", "relationships")
        expected = {row["person"] for row in truth("Relationship") if row["object"] == company["cio_object_id"]}
        assert {entry["identifiers"]["cio_id"] for entry in related} == expected
        assert (await api.get("/v1/objects/1/co_missing/attributes")).status_code == 404

    async def test_activities_and_their_limit(self, api: httpx.AsyncClient) -> None:
        events, _ = await follow(api, "GET", "/v1/activities", "activities", params={"type": "event", "limit": 100})
        assert events == truth("Event")
        assert (await api.get("/v1/activities", params={"limit": 101})).status_code == 400
        changes, _ = await follow(api, "GET", "/v1/activities", "activities", params={"type": "attribute_change"})
        recent = REFERENCE_EPOCH - 30 * 86400
        people = truth("Person") + truth("AnonymousProfile")
        assert len(changes) == sum(p["attributes"]["updated_at"] >= recent for p in people)

    async def test_messages_default_window_and_maximum(self, api: httpx.AsyncClient) -> None:
        recent, _ = await follow(api, "GET", "/v1/messages", "messages", params={"limit": 1000})
        start = REFERENCE_EPOCH - sandbox.SIX_MONTHS
        assert [row["id"] for row in recent] == [row["id"] for row in truth("Delivery") if start <= row["created"] < REFERENCE_EPOCH]
        too_wide = await api.get("/v1/messages", params={"start_ts": 0, "end_ts": REFERENCE_EPOCH})
        assert too_wide.status_code == 400
        emails = (await api.get("/v1/messages", params={"type": "twilio", "start_ts": start, "end_ts": REFERENCE_EPOCH})).json()
        assert all(row["type"] == "twilio" for row in emails["messages"])

    async def test_whole_lists(self, api: httpx.AsyncClient) -> None:
        assert (await api.get("/v1/campaigns")).json() == {"campaigns": truth("Campaign")}
        assert (await api.get("/v1/broadcasts")).json() == {"broadcasts": truth("Broadcast")}
        templates = (await api.get("/v1/transactional")).json()["messages"]
        assert [row["name"] for row in templates] == [row["name"] for row in truth("TransactionalMessage")]
        assert (await api.get("/v1/object_types")).json()["types"][0]["id"] == 1


class TestExports:
    async def test_export_is_pending_then_done_and_the_link_is_signed(self, api: httpx.AsyncClient) -> None:
        created = (await api.post("/v1/exports/customers", json={"filters": {"and": []}, "attributes": ["country"]})).json()
        export_id = created["export"]["id"]
        early = await api.get(f"/v1/exports/{export_id}/download")
        assert early.status_code == 400
        statuses = [(await api.get(f"/v1/exports/{export_id}")).json()["export"]["status"] for _ in range(3)]
        assert statuses == ["pending", "pending", "done"]
        link = (await api.get(f"/v1/exports/{export_id}/download")).json()["url"]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app)) as anonymous:  # type: ignore[attr-defined]
            file = await anonymous.get(link)
            forged = await anonymous.get(link.replace("signature=", "signature=0"))
        lines = file.text.splitlines()
        assert lines[0] == "id,email,cio_id,country" and len(lines) == 1 + USERS + len(truth("AnonymousProfile"))
        assert forged.status_code == 403
        assert (await api.get("/v1/exports/77")).json() == {"meta": {"errors": ["The export ID does not exist"]}}


class TestEditsAndLimits:
    async def test_edit_logs_attribute_changes_and_survives_save(self, api: httpx.AsyncClient, tmp_path: Path) -> None:
        app = api.app  # type: ignore[attr-defined]
        person = truth("Person")[3]
        sandbox.edit_person(app, 3, {"country": "NO", "attributes": {"plan": "pro"}})
        changes = (await api.get("/v1/activities", params={"type": "attribute_change", "customer_id": person["id"]})).json()
        assert [row["name"] for row in changes["activities"] if row["timestamp"] > REFERENCE_EPOCH] == ["attributes", "country"]
        app.state.store.save(tmp_path / "cio.json")
        reloaded = sandbox.create_app(SandboxConfig(), Store.from_file(tmp_path / "cio.json"))
        async with client(reloaded) as again:
            body = (await again.get(f"/v1/customers/{person['id']}/attributes")).json()["customer"]
        assert body["attributes"]["country"] == "NO" and body["attributes"]["plan"] == "pro"

    async def test_ten_per_second(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=3, rate_limit=sandbox.RATE_LIMIT,
                                               options={"retry_after": True}))
        async with client(app) as api:
            answers = [await api.get("/v1/segments") for _ in range(11)]
        assert [answer.status_code for answer in answers] == [200] * 10 + [429]
        assert answers[-1].json() == {"meta": {"errors": ["over the 10-per-second limit"]}}
        assert int(answers[-1].headers["retry-after"]) >= 1

    async def test_injected_server_errors_use_the_meta_errors_shape(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=3, faults=FaultConfig(server_error_rate=1.0)))
        async with client(app) as api:
            response = await api.get("/v1/campaigns")
        assert (response.status_code, response.json()) == (503, {"meta": {"errors": ["internal server error"]}})
