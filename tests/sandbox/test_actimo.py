"""Tests for the Actimo sandbox: `data` answers, paging hints, filters, updates, limits, store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from migc.sandbox import actimo as sandbox
from migc.sandbox import synth
from migc.sandbox.base import SANDBOX_CREDENTIALS, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.store import Store

SEED = 12
USERS = 25
KEY = {"api-key": SANDBOX_CREDENTIALS["actimo"]["token"]}


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox.invalid/api/v1", headers=KEY)


@pytest.fixture
async def api() -> httpx.AsyncClient:
    app = sandbox.create_app(SandboxConfig(seed=SEED, records=USERS))
    async with client(app) as made:
        made.app = app  # type: ignore[attr-defined]
        yield made


def contacts() -> list[dict[str, Any]]:
    return list(synth.generate("actimo", "User", USERS, SEED))


class TestReads:
    async def test_wrong_key_is_401(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/contacts", headers={"api-key": "nope"})
        assert (response.status_code, response.json()) == (401, {"message": "Unauthenticated."})

    async def test_pages_carry_meta_and_next_links_to_the_end(self, api: httpx.AsyncClient) -> None:
        seen: list[int] = []
        url: str | None = "/contacts?limit=10"
        metas = []
        while url:
            body = (await api.get(url)).json()
            seen += [contact["id"] for contact in body["data"]]
            metas.append(body["meta"])
            url = body["links"]["next"]
        assert seen == [contact["id"] for contact in contacts()]
        assert [meta["current_page"] for meta in metas] == [1, 2, 3] and metas[0]["total"] == USERS
        assert metas[0]["last_page"] == 3 and metas[0]["per_page"] == 10

    async def test_limits_are_validated(self, api: httpx.AsyncClient) -> None:
        too_big = await api.get("/contacts", params={"limit": 501})
        assert too_big.status_code == 422 and "limit" in too_big.json()["errors"]
        zero = await api.get("/contacts", params={"page": 0})
        assert zero.status_code == 422 and "page" in zero.json()["errors"]

    async def test_filters_and_single_contact(self, api: httpx.AsyncClient) -> None:
        target = next(contact for contact in contacts() if contact["email"])
        by_email = (await api.get("/contacts", params={"email": target["email"]})).json()["data"]
        assert target in by_email
        by_employee = (await api.get("/contacts", params={"employee_id": target["employee_id"]})).json()["data"]
        assert by_employee == [target]
        search = (await api.get("/contacts", params={"search": target["employee_id"].lower()})).json()
        assert search["data"] == [target] and search["meta"]["total"] == 1
        single = await api.get(f"/contacts/{target['id']}")
        assert single.json() == {"data": [target]}
        assert (await api.get("/contacts/123")).status_code == 404

    async def test_groups_and_workspaces_carry_members(self, api: httpx.AsyncClient) -> None:
        groups = (await api.get("/groups")).json()["data"]
        assert all(set(group["member_ids"]) <= {contact["id"] for contact in contacts()} for group in groups)
        workspaces = (await api.get("/project")).json()["data"]
        assert sum(workspace["member_count"] for workspace in workspaces) == USERS

    async def test_export_collections_and_unknown_paths(self, api: httpx.AsyncClient) -> None:
        enrollments = (await api.get("/learning-enrollments", params={"limit": 500})).json()
        assert enrollments["data"] == list(synth.generate("actimo", "LearningEnrollment", 2 * USERS, SEED))
        assert (await api.get("/payroll")).json() == {"message": "Not found."}
        fields = (await api.get("/contacts/fields")).json()["data"]
        assert len(fields) == 20 and fields[1] == {"key": "data2", "label": "Shift", "type": "text"}


class TestUpdates:
    async def test_put_changes_a_contact_and_stamps_updated_at(self, api: httpx.AsyncClient) -> None:
        target = contacts()[3]
        reply = await api.put(f"/contacts/{target['id']}", json={"title": "Shift lead", "data4": "x"})
        updated = reply.json()["data"][0]
        assert updated["title"] == "Shift lead" and updated["data4"] == "x"
        assert updated["updated_at"] == "2025-06-02T12:00:01Z" > target["updated_at"]
        assert (await api.get(f"/contacts/{target['id']}")).json()["data"][0] == updated

    async def test_put_validation(self, api: httpx.AsyncClient) -> None:
        target = contacts()[0]
        read_only = await api.put(f"/contacts/{target['id']}", json={"id": 5, "nickname": "x"})
        assert read_only.status_code == 422 and set(read_only.json()["errors"]) == {"id", "nickname"}
        email = await api.put(f"/contacts/{target['id']}", json={"email": "not-an-address"})
        assert email.status_code == 422 and "email" in email.json()["errors"]
        broken = await api.put(f"/contacts/{target['id']}", content=b"[", headers={"content-type": "application/json"})
        assert broken.status_code == 400

    async def test_edits_survive_save_and_load(self, api: httpx.AsyncClient, tmp_path: Path) -> None:
        app = api.app  # type: ignore[attr-defined]
        sandbox.edit(app, "Task", 1, {"status": "Completed"})
        app.state.store.save(tmp_path / "actimo.json")
        reloaded = sandbox.create_app(SandboxConfig(), Store.from_file(tmp_path / "actimo.json"))
        task = sandbox.dataset(reloaded).get("Task", 1)
        assert task["status"] == "Completed" and task["updated_at"] == "2025-06-02T12:00:01Z"


class TestLimits:
    async def test_twenty_per_second_then_429_with_laravel_headers(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=3, rate_limit=sandbox.RATE_LIMIT))
        async with client(app) as api:
            answers = [await api.get("/groups") for _ in range(21)]
        assert [answer.status_code for answer in answers] == [200] * 20 + [429]
        assert answers[0].headers["x-ratelimit-limit"] == "20" and answers[0].headers["x-ratelimit-remaining"] == "19"
        throttled = answers[-1]
        assert throttled.json() == {"message": "Too Many Attempts."}
        assert int(throttled.headers["retry-after"]) >= 1 and throttled.headers["x-ratelimit-remaining"] == "0"

    async def test_injected_server_errors_use_the_message_shape(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=3, faults=FaultConfig(server_error_rate=1.0)))
        async with client(app) as api:
            response = await api.get("/contacts")
        assert (response.status_code, response.json()) == (503, {"message": "Server Error"})
