"""Contract tests: the Netmera connector against its sandbox (every object to the last page, error
shapes, 429s, faults without lost or repeated records, delta windows, no leaked key)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from migc.connectors import netmera
from migc.connectors.base import AuthenticationFailed, ConnectorError, RequestFailed, SourceConnector
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.sandbox import netmera as sandbox
from migc.sandbox import synth
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.registry import sandbox_settings
from migc.sandbox.synth import netmera as truth_model
from migc.sandbox.synth.hardcases import REFERENCE_EPOCH
from migc.sandbox.synth.timeline import iso

USERS = 40
SEED = 5
FAST_RETRY = RetryPolicy(max_attempts=10, base_delay=0.001, max_delay=0.005)
TEST_BUDGET = RateBudget(calls=10_000, per_seconds=1.0, concurrency=10)


class Harness:
    def __init__(self, config: SandboxConfig | None = None, **settings: Any) -> None:
        self.config = config or SandboxConfig(seed=SEED, records=USERS)
        self.app = sandbox.create_app(self.config)
        options = {"retry": FAST_RETRY, "budget": TEST_BUDGET, "seed": 3, **settings}
        self.connector = netmera.connect(sandbox_settings("netmera", config=self.config, **options),
                                         transport=httpx.ASGITransport(app=self.app))

    async def read(self, object_name: str, **arguments: Any) -> list[dict[str, Any]]:
        return [row async for row in self.connector.read(object_name, **arguments)]


@pytest.fixture
async def harness() -> Harness:
    made = Harness()
    yield made
    await made.connector.aclose()


def truth(object_name: str, users: int = USERS) -> list[dict[str, Any]]:
    return list(synth.generate("netmera", object_name, synth.counts("netmera", users)[object_name], SEED))


class TestContract:
    async def test_is_a_source_connector(self, harness: Harness) -> None:
        assert isinstance(harness.connector, SourceConnector)
        assert await harness.connector.objects() == sorted(netmera.OBJECTS)

    @pytest.mark.parametrize("page_size", [7, 1000])
    async def test_users_match_the_source_at_any_page_size(self, harness: Harness, page_size: int) -> None:
        assert await harness.read("User", page_size=page_size) == truth("User")

    async def test_devices_and_segments(self, harness: Harness) -> None:
        assert await harness.read("Device", page_size=9) == truth("Device")
        users = truth("User")
        segments = await harness.read("Segment")
        assert [segment["name"] for segment in segments] == [segment["name"] for segment in truth("Segment")]
        for segment in segments:
            assert segment["userCount"] == sum(segment["name"] in user["segments"] for user in users)
        assert await harness.connector.count("User") == USERS
        assert await harness.connector.count("Segment") == len(segments)

    async def test_exported_objects(self, harness: Harness) -> None:
        assert await harness.read("Event", page_size=50) == truth("Event")
        assert await harness.read("Journey") == truth("Journey")
        assert await harness.read("Widget", page_size=2) == truth("Widget")
        users = truth("User")
        tags = await harness.read("Tag", page_size=5)
        assert [tag["name"] for tag in tags] == [tag["name"] for tag in truth("Tag")]
        for tag in tags:
            assert tag["extIds"] == [user["extId"] for user in users if tag["name"] in user["tags"]]

    async def test_surveys_carry_their_responses(self, harness: Harness) -> None:
        responses = truth("SurveyResponse")
        surveys = await harness.read("Survey", page_size=3)
        assert [survey["id"] for survey in surveys] == [survey["id"] for survey in truth("Survey")]
        for survey in surveys:
            expected = [{"extId": r["extId"], "answers": r["answers"], "submittedAt": r["submittedAt"]}
                        for r in responses if r["surveyId"] == survey["id"]]
            assert survey["responses"] == expected

    async def test_campaigns_join_stats_and_export(self, harness: Harness) -> None:
        campaigns = await harness.read("Campaign")
        expected = {campaign["notificationKey"]: campaign for campaign in truth("Campaign")}
        assert sorted(campaign["notificationKey"] for campaign in campaigns) == sorted(expected)
        for campaign in campaigns:
            assert campaign == expected[campaign["notificationKey"]]

    async def test_push_results_of_every_campaign(self, harness: Harness) -> None:
        results = await harness.read("PushResult", page_size=4)
        key = lambda row: (row["notificationKey"], row["installationId"])  # noqa: E731
        assert sorted(results, key=key) == sorted(truth("PushResult"), key=key)

    async def test_profile_attributes_and_metadata(self, harness: Harness) -> None:
        rows = await harness.read("ProfileAttribute")
        standard = {row["code"] for row in rows if row["standard"]}
        assert standard == set(truth_model.STANDARD_ATTRIBUTES)
        assert {row["code"] for row in rows if not row["standard"]} == set(truth_model.CUSTOM_ATTRIBUTES)
        metadata = await harness.connector.metadata()
        assert metadata["platform"] == "netmera"
        assert [row["code"] for row in metadata["event_definitions"]] == sorted(truth_model.EVENT_NAMES)


class TestDelta:
    async def test_events_since_a_moment(self, harness: Harness) -> None:
        since = datetime.fromtimestamp(REFERENCE_EPOCH - 30 * 86400, UTC)
        events = await harness.read("Event", since=since, page_size=20)
        expected = [event for event in truth("Event") if event["timestamp"] >= iso(REFERENCE_EPOCH - 30 * 86400)]
        assert events == expected and 0 < len(events) < len(truth("Event"))

    async def test_users_have_no_modification_time_so_all_are_read(self, harness: Harness) -> None:
        sandbox.edit_user(harness.app, 3, {"city": "Trabzon", "profile": {"loyaltyTier": "gold"}})
        users = await harness.read("User", since=datetime(2030, 1, 1, tzinfo=UTC))
        assert len(users) == USERS
        assert users[3]["city"] == "Trabzon" and users[3]["profile"]["loyaltyTier"] == "gold"

    async def test_profile_writes_through_the_api_are_read_back(self, harness: Harness) -> None:
        user = truth("User")[5]
        response = await harness.connector.http.request(
            "POST", "/setProfileAttributes", json=[{"extId": user["extId"], "profile": {"surname": "Yeni", "isPremium": True}}])
        assert response.status_code == 200
        users = await harness.read("User")
        assert users[5]["surname"] == "Yeni" and users[5]["profile"]["isPremium"] is True


class TestErrors:
    async def test_wrong_key_is_an_authentication_failure(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=5, token="another-key"))
        async with netmera.connect(sandbox_settings("netmera"), transport=httpx.ASGITransport(app=app)) as connector:
            with pytest.raises(AuthenticationFailed, match="netmera GET /app/profile-attributes: HTTP 403 code 2010: Invalid API key"):
                [row async for row in connector.read("User")]

    async def test_unknown_segment_option(self) -> None:
        made = Harness(options={"segment": "Everyone"})
        with pytest.raises(ConnectorError, match="no segment 'Everyone' to read users from"):
            await made.read("User")
        await made.connector.aclose()

    async def test_unknown_object(self, harness: Harness) -> None:
        with pytest.raises(ConnectorError, match="netmera has no readable object 'Contacts'"):
            await harness.read("Contacts")

    async def test_app_error_body_becomes_request_failed(self, harness: Harness) -> None:
        with pytest.raises(RequestFailed) as raised:
            await harness.connector._get("/getProfileAttributes", {"extId": "nobody"})
        assert raised.value.status == 400 and raised.value.code == "5016"

    async def test_segment_os_header_is_sent(self) -> None:
        made = Harness(options={"os": "ANDROID", "segment": "1000"})
        assert len(await made.read("User")) == USERS
        await made.connector.aclose()


class TestResilience:
    async def test_429s_are_waited_out_and_nothing_is_lost(self) -> None:
        config = SandboxConfig(seed=SEED, records=15, rate_limit=RateLimitConfig(calls=25, per_seconds=0.2))
        made = Harness(config)
        users = await made.read("User", page_size=5)
        assert users == truth("User", 15)
        stats = made.connector.stats()
        assert stats.throttled > 0 and stats.retries_by_reason.get("throttled", 0) == stats.throttled
        assert made.app.state.traffic.by_status[429] == stats.throttled
        await made.connector.aclose()

    async def test_faults_lose_and_repeat_nothing(self) -> None:
        # No injected 429s here: each carries Retry-After: 1 and would only make the test slow.
        faults = FaultConfig(seed=9, server_error_rate=0.1, drop_rate=0.05, timeout_rate=0.03, hang_seconds=0.5)
        made = Harness(SandboxConfig(seed=SEED, records=USERS, faults=faults), timeout_seconds=0.1)
        users = await made.read("User", page_size=6)
        events = await made.read("Event", page_size=40)
        assert users == truth("User")
        assert Counter(event["id"] for event in events) == Counter(event["id"] for event in truth("Event"))
        injected = made.app.state.faults.injected
        assert injected.get("server_error") and injected.get("drop") and injected.get("timeout")
        assert made.connector.stats().retries >= sum(injected.values())
        await made.connector.aclose()

    async def test_the_key_never_leaks(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        canary = "canary-netmera-5d1c9e"
        faults = FaultConfig(seed=2, server_error_rate=0.3)
        made = Harness(SandboxConfig(seed=SEED, records=4, token=canary, faults=faults))
        await made.read("Device")
        texts = [repr(made.connector), repr(made.connector.http), str(made.connector.stats()), caplog.text]
        other_app = sandbox.create_app(SandboxConfig(seed=SEED, records=4, token="the-right-key"))
        settings = sandbox_settings("netmera", config=made.config, retry=FAST_RETRY)
        texts += [repr(settings), str(settings)]
        async with netmera.connect(settings, transport=httpx.ASGITransport(app=other_app)) as wrong:
            with pytest.raises(AuthenticationFailed) as raised:
                [row async for row in wrong.read("Segment")]
        texts += [str(raised.value), repr(raised.value), repr(raised.value.args)]
        assert made.connector.stats().retries > 0
        assert not [text for text in texts if canary in text]
        await made.connector.aclose()


async def test_server_relative_next_pages_are_followed_once_under_the_base_path() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path + "?" + request.url.query.decode())
        if "offset=1" in str(request.url):
            return httpx.Response(200, json={"nextPage": None, "list": [{"id": "e2"}]})
        return httpx.Response(200, json={"nextPage": "/rest/3.0/export/events?max=1&offset=1", "list": [{"id": "e1"}]})

    settings = sandbox_settings("netmera", retry=FAST_RETRY, budget=TEST_BUDGET)
    async with netmera.connect(settings, transport=httpx.MockTransport(handler)) as connector:
        assert [row["id"] async for row in connector.read("Event", page_size=1)] == ["e1", "e2"]
    assert asked == ["/rest/3.0/export/events?max=1", "/rest/3.0/export/events?max=1&offset=1"]
