"""Tests for the Netmera sandbox: documented answers and error bodies, paging, limits, edits, store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from migc.sandbox import netmera as sandbox
from migc.sandbox import synth
from migc.sandbox.base import SANDBOX_CREDENTIALS, RateLimitConfig, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.store import Store

SEED = 8
USERS = 30
KEY = {"X-netmera-api-key": SANDBOX_CREDENTIALS["netmera"]["token"]}
SEGMENT_HEADERS = {**KEY, "X-netmera-os": "ANDROID"}


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox.invalid/rest/3.0")


@pytest.fixture
async def api() -> httpx.AsyncClient:
    app = sandbox.create_app(SandboxConfig(seed=SEED, records=USERS))
    async with client(app) as made:
        made.app = app  # type: ignore[attr-defined]
        yield made


def users() -> list[dict[str, Any]]:
    return list(synth.generate("netmera", "User", USERS, SEED))


class TestAuthAndErrors:
    async def test_wrong_key_gets_2010(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/getSegments", headers={"X-netmera-api-key": "nope", "X-netmera-os": "IOS"})
        assert (response.status_code, response.json()) == (403, {"code": 2010, "error": "Invalid API key"})

    async def test_segment_endpoints_need_the_os_header(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/getSegments", headers=KEY)
        assert response.status_code == 400 and response.json()["code"] == 2020

    async def test_unknown_user_segment_and_parameters(self, api: httpx.AsyncClient) -> None:
        missing = await api.get("/getProfileAttributes", params={"extId": "u0000000000"}, headers=KEY)
        assert missing.status_code == 400 and missing.json()["code"] == 5016
        no_id = await api.get("/getProfileAttributes", headers=KEY)
        assert no_id.json() == {"code": 2020, "error": "Missing parameter: extId"}
        segment = await api.get("/getSegmentUsers", params={"id": 99}, headers=SEGMENT_HEADERS)
        assert segment.status_code == 400 and segment.json()["code"] == 5042
        wrong_type = await api.get("/getDeviceTokens", params={"max": "ten"}, headers=KEY)
        assert wrong_type.json() == {"code": 2004, "error": "Field 'max' should be a number"}
        too_many = await api.get("/getDeviceTokens", params={"max": 1001}, headers=KEY)
        assert too_many.status_code == 400 and too_many.json()["code"] == 2004
        token = await api.get("/getPushResult", params={"offset": "garbage!"}, headers=KEY)
        assert token.status_code == 400 and "page token" in token.json()["error"]

    async def test_unknown_route_is_a_problem_body(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/listAllUsers", headers=KEY)
        body = response.json()
        assert response.status_code == 404 and set(body) == {"type", "title", "status", "detail", "instance"}

    async def test_rate_limit_answers_429_with_retry_after(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=5, rate_limit=RateLimitConfig(calls=2, per_seconds=60)))
        async with client(app) as api:
            statuses = [(await api.get("/app/events", headers=KEY)).status_code for _ in range(3)]
            last = await api.get("/app/events", headers=KEY)
        assert statuses == [200, 200, 429]
        assert last.json() == {"code": 5022, "error": "Service quota exceeded"} and int(last.headers["retry-after"]) >= 1

    async def test_injected_server_errors_use_netmera_shape(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=5, faults=FaultConfig(server_error_rate=1.0)))
        async with client(app) as api:
            response = await api.get("/app/events", headers=KEY)
        assert response.status_code == 503 and response.json()["code"] == 2001


class TestReads:
    async def test_segments_with_counts_and_members_paged_to_the_end(self, api: httpx.AsyncClient) -> None:
        segments = (await api.get("/getSegments", headers=SEGMENT_HEADERS)).json()["list"]
        everyone = segments[0]
        assert everyone["name"] == "All Users" and everyone["userCount"] == USERS
        members: list[str] = []
        url: str | None = f"/getSegmentUsers?id={everyone['id']}&max=7"
        pages = 0
        while url:
            body = (await api.get(url, headers=SEGMENT_HEADERS)).json()
            members += [member["externalId"] for member in body["list"]]
            url, pages = body["nextPage"], pages + 1
        assert members == [user["extId"] for user in users()] and pages == 5
        whole = (await api.get(f"/getSegmentUsers?id={everyone['id']}", headers=SEGMENT_HEADERS)).json()
        assert "nextPage" not in whole and len(whole["list"]) == USERS  # unpaged, as documented

    async def test_profile_flattens_custom_attributes(self, api: httpx.AsyncClient) -> None:
        user = users()[4]
        body = (await api.get("/getProfileAttributes", params={"extId": user["extId"]}, headers=KEY)).json()
        assert body["extId"] == user["extId"]
        assert body["profile"]["loyaltyTier"] == user["profile"]["loyaltyTier"]
        assert body["profile"]["email"] == user["email"] and "segments" not in body["profile"]

    async def test_device_tokens_default_page_and_total(self, api: httpx.AsyncClient) -> None:
        first = (await api.get("/getDeviceTokens", headers=KEY)).json()
        assert first["total"] == USERS and len(first["devices"]) == 10 and "offset=10" in first["nextPage"]
        last = (await api.get("/getDeviceTokens", params={"max": 10, "offset": 20}, headers=KEY)).json()
        assert len(last["devices"]) == 10 and last["nextPage"] is None

    async def test_push_stats_by_key_and_window(self, api: httpx.AsyncClient) -> None:
        campaigns = list(synth.generate("netmera", "Campaign", synth.counts("netmera", USERS)["Campaign"], SEED))
        single = (await api.get("/getPushStats", params={"notificationKey": campaigns[0]["notificationKey"]}, headers=KEY)).json()
        assert single == {key: campaigns[0][key] for key in ("notificationKey", "status", "startDate", "endDate", "stats")}
        start = sorted(campaign["startDate"] for campaign in campaigns)[2]
        window = (await api.get("/getPushStats", params={"start": start, "end": 10**13}, headers=KEY)).json()
        assert len(window) == len(campaigns) - 2

    async def test_push_results_default_to_the_last_two_weeks(self, api: httpx.AsyncClient) -> None:
        body = (await api.get("/getPushResult", headers=KEY)).json()
        assert body == {"nextPage": None, "list": []}  # synthetic campaigns are older

    async def test_event_export_filters_by_time_and_pages_by_position(self, api: httpx.AsyncClient) -> None:
        events = list(synth.generate("netmera", "Event", synth.counts("netmera", USERS)["Event"], SEED))
        cut = sorted(event["timestamp"] for event in events)[len(events) // 2]
        start_ms = int(datetime.fromisoformat(cut.replace("Z", "+00:00")).timestamp() * 1000)
        seen: list[str] = []
        url: str | None = f"/export/events?max=25&start={start_ms}"
        while url:
            body = (await api.get(url, headers=KEY)).json()
            seen += [event["id"] for event in body["list"]]
            url = body["nextPage"]
        assert seen == [event["id"] for event in events if event["timestamp"] >= cut]


class TestEditsAndStore:
    async def test_set_profile_attributes_changes_the_profile(self, api: httpx.AsyncClient) -> None:
        user = users()[2]
        reply = await api.post("/setProfileAttributes", json=[{"extId": user["extId"], "profile": {"name": "Deniz", "tier": "x"}}], headers=KEY)
        assert reply.status_code == 200
        profile = (await api.get("/getProfileAttributes", params={"extId": user["extId"]}, headers=KEY)).json()["profile"]
        assert profile["name"] == "Deniz" and profile["tier"] == "x"

    async def test_set_profile_attributes_limits_and_validation(self, api: httpx.AsyncClient) -> None:
        too_many = [{"extId": "u", "profile": {}}] * 1001
        assert (await api.post("/setProfileAttributes", json=too_many, headers=KEY)).json()["code"] == 2004
        unknown = await api.post("/setProfileAttributes", json=[{"extId": "nobody", "profile": {}}], headers=KEY)
        assert unknown.json()["code"] == 5016
        broken = await api.post("/setProfileAttributes", content=b"{", headers=KEY)
        assert broken.json()["code"] == 2009

    async def test_edits_survive_save_and_load_and_reset_forgets_them(self, api: httpx.AsyncClient, tmp_path: Path) -> None:
        app = api.app  # type: ignore[attr-defined]
        sandbox.edit_user(app, 1, {"city": "Van"})
        app.state.store.save(tmp_path / "netmera.json")
        reloaded = sandbox.create_app(SandboxConfig(seed=999, records=3), Store.from_file(tmp_path / "netmera.json"))
        assert sandbox.dataset(reloaded).users == USERS and sandbox.dataset(reloaded).seed == SEED
        assert sandbox.dataset(reloaded).get("User", 1)["city"] == "Van"
        app.state.store.reset()
        assert sandbox.dataset(app).get("User", 1) == users()[1]
