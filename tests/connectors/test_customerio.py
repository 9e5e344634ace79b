"""Contract tests: the Customer.io connector against its sandbox (every object through its cursor to
the last page, string attributes, repeated listing entries, exports, error shapes, 429s, faults
without lost or repeated records, delta through attribute_change activities, no leaked key)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from migc.connectors import customerio
from migc.connectors.base import AuthenticationFailed, ConnectorError, RequestFailed, SourceConnector
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.sandbox import customerio as sandbox
from migc.sandbox import synth
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.registry import sandbox_settings
from migc.sandbox.synth.hardcases import REFERENCE_EPOCH, RECENT_WINDOW_SECONDS

USERS = 40
SEED = 4
FAST_RETRY = RetryPolicy(max_attempts=10, base_delay=0.001, max_delay=0.005)
TEST_BUDGET = RateBudget(calls=10_000, per_seconds=1.0, concurrency=10)
# Deliveries reach back three years before the data set's reference time; exports are polled fast.
OPTIONS = {"history_start": str(REFERENCE_EPOCH - 4 * 365 * 86400), "export_poll_seconds": "0.01"}


class Harness:
    def __init__(self, config: SandboxConfig | None = None, **settings: Any) -> None:
        self.config = config or SandboxConfig(seed=SEED, records=USERS)
        self.app = sandbox.create_app(self.config)
        options = {"retry": FAST_RETRY, "budget": TEST_BUDGET, "seed": 3, "options": OPTIONS, **settings}
        self.connector = customerio.connect(sandbox_settings("customerio", config=self.config, **options),
                                            transport=httpx.ASGITransport(app=self.app))

    async def read(self, object_name: str, **arguments: Any) -> list[dict[str, Any]]:
        return [row async for row in self.connector.read(object_name, **arguments)]


@pytest.fixture
async def harness() -> Harness:
    made = Harness()
    yield made
    await made.connector.aclose()


def truth(object_name: str, users: int = USERS) -> list[dict[str, Any]]:
    return list(synth.generate("customerio", object_name, synth.counts("customerio", users)[object_name], SEED))


def as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def as_read(person: dict[str, Any]) -> dict[str, Any]:
    """A synthetic profile as the App API hands it back: set scalar traits as strings."""
    text = lambda value: None if value is None else as_string(value)  # noqa: E731
    return {
        "cio_id": person["cio_id"], "id": person["id"], "email": person["email"],
        **{name: text(person[name]) for name in customerio.PERSON_TRAITS},
        "unsubscribed": person["unsubscribed"],
        "cio_subscription_preferences": person["cio_subscription_preferences"],
        "segments": person["segments"],
        "devices": person["devices"],
        "attributes": {key: as_string(value) for key, value in sorted(person["attributes"].items()) if value is not None},
    }


def everyone() -> list[dict[str, Any]]:
    return [as_read(person) for person in truth("Person") + truth("AnonymousProfile")]


class TestContract:
    async def test_is_a_source_connector(self, harness: Harness) -> None:
        assert isinstance(harness.connector, SourceConnector)
        assert await harness.connector.objects() == sorted(customerio.OBJECTS)

    @pytest.mark.parametrize("page_size", [3, 1000])
    async def test_people_and_anonymous_profiles(self, harness: Harness, page_size: int) -> None:
        people = await harness.read("Person", page_size=page_size)
        assert people == everyone()
        assert any(person["anonymous_id"] and person["email"] is None for person in people)

    async def test_objects_and_relationships_deduplicated(self, harness: Harness) -> None:
        objects = await harness.read("Object", page_size=2)  # every page after the first repeats an entry
        expected = [{**row, "attributes": {k: as_string(v) for k, v in sorted(row["attributes"].items()) if v is not None}}
                    for row in truth("Object")]
        key = lambda row: (row["object_type_id"], row["object_id"])  # noqa: E731
        assert sorted(objects, key=key) == sorted(expected, key=key)
        relationships = await harness.read("Relationship", page_size=2)
        existing = {row["cio_object_id"] for row in truth("Object")}
        wanted = [{**row, "attributes": {k: as_string(v) for k, v in row["attributes"].items()}}
                  for row in truth("Relationship") if row["object"] in existing]
        # Relationships to deleted objects (orphans) cannot be listed through their object.
        assert sorted(relationships, key=lambda row: row["id"]) == sorted(wanted, key=lambda row: row["id"])

    async def test_events_to_the_last_page(self, harness: Harness) -> None:
        assert await harness.read("Event", page_size=37) == truth("Event")

    async def test_deliveries_in_six_month_windows(self, harness: Harness) -> None:
        deliveries = await harness.read("Delivery", page_size=50)
        assert Counter(row["id"] for row in deliveries) == Counter(row["id"] for row in truth("Delivery"))
        # Four years of history in windows of at most six months: at least eight listings.
        assert sum(entry.path == "/v1/messages" for entry in harness.app.state.traffic.entries) >= 8

    async def test_whole_lists(self, harness: Harness) -> None:
        for object_name in ("Segment", "Campaign", "Broadcast"):
            assert await harness.read(object_name) == truth(object_name), object_name
            assert await harness.connector.count(object_name) == len(truth(object_name))
        templates = await harness.read("TransactionalMessage")
        assert templates == [{k: v for k, v in row.items() if k not in ("subject", "body")} for row in truth("TransactionalMessage")]

    async def test_metadata(self, harness: Harness) -> None:
        metadata = await harness.connector.metadata()
        assert [row["id"] for row in metadata["object_types"]] == [1, 2]
        assert [row["id"] for row in metadata["segments"]] == [row["id"] for row in truth("Segment")]

    async def test_export_people(self, harness: Harness) -> None:
        rows = [row async for row in harness.connector.export_people(["first_name", "lifecycle_stage"])]
        people = truth("Person") + truth("AnonymousProfile")
        assert [row["cio_id"] for row in rows] == [person["cio_id"] for person in people]
        assert rows[0] == {"id": people[0]["id"], "email": people[0]["email"] or "", "cio_id": people[0]["cio_id"],
                           "first_name": people[0]["first_name"] or "", "lifecycle_stage": people[0]["lifecycle_stage"] or ""}


class TestDelta:
    async def test_people_changed_since_come_from_attribute_changes(self, harness: Harness) -> None:
        sandbox.edit_person(harness.app, 5, {"lifecycle_stage": "customer", "attributes": {"plan": "pro"}})
        changed = await harness.read("Person", since=datetime.fromtimestamp(REFERENCE_EPOCH, UTC))
        assert [person["cio_id"] for person in changed] == [truth("Person")[5]["cio_id"]]
        assert changed[0]["lifecycle_stage"] == "customer" and changed[0]["attributes"]["plan"] == "pro"

    async def test_recent_synthetic_changes_are_found(self, harness: Harness) -> None:
        since = REFERENCE_EPOCH - RECENT_WINDOW_SECONDS
        changed = await harness.read("Person", since=datetime.fromtimestamp(since, UTC))
        people = truth("Person") + truth("AnonymousProfile")
        assert {p["cio_id"] for p in changed} == {p["cio_id"] for p in people if p["attributes"]["updated_at"] >= since}

    async def test_events_and_deliveries_since(self, harness: Harness) -> None:
        since = REFERENCE_EPOCH - 60 * 86400
        moment = datetime.fromtimestamp(since, UTC)
        events = await harness.read("Event", since=moment)
        assert events == [event for event in truth("Event") if event["timestamp"] >= since]
        deliveries = await harness.read("Delivery", since=moment)
        assert sorted(row["id"] for row in deliveries) == sorted(row["id"] for row in truth("Delivery") if row["created"] >= since)


class TestErrors:
    async def test_wrong_key(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=3, token="other"))
        async with customerio.connect(sandbox_settings("customerio"), transport=httpx.ASGITransport(app=app)) as connector:
            with pytest.raises(AuthenticationFailed, match="customerio GET /v1/segments: HTTP 401: Unauthorized request"):
                [row async for row in connector.read("Person")]

    async def test_400_bodies_carry_their_messages(self, harness: Harness) -> None:
        with pytest.raises(RequestFailed, match=r"HTTP 400: limit must be between 1 and 1000"):
            await harness.connector._request("GET", "/v1/messages", params={"limit": 5000})
        with pytest.raises(RequestFailed, match="must not exceed 6 months"):
            await harness.connector._request("GET", "/v1/messages", params={"start_ts": 0, "end_ts": REFERENCE_EPOCH})
        with pytest.raises(RequestFailed, match="HTTP 404: The customer_id does not exist"):
            await harness.connector._request("GET", "/v1/customers/nobody/attributes")

    async def test_bad_options_and_objects(self) -> None:
        with pytest.raises(ConnectorError, match="people_filter"):
            Harness(options={"people_filter": "{not json"})
        made = Harness()
        with pytest.raises(ConnectorError, match="customerio has no readable object 'People'"):
            made.connector.read("People")
        await made.connector.aclose()


class TestResilience:
    async def test_429s_without_headers_are_backed_off(self) -> None:
        config = SandboxConfig(seed=SEED, records=10, rate_limit=RateLimitConfig(calls=10, per_seconds=0.3))
        patient = RetryPolicy(max_attempts=20, base_delay=0.05, max_delay=0.2)
        made = Harness(config, retry=patient)
        assert await made.read("Event", page_size=5) == truth("Event", 10)
        stats = made.connector.stats()
        assert stats.throttled > 0 and stats.gave_up == 0
        await made.connector.aclose()

    async def test_faults_lose_and_repeat_nothing(self) -> None:
        faults = FaultConfig(seed=21, server_error_rate=0.12, drop_rate=0.06, timeout_rate=0.04, hang_seconds=0.5)
        made = Harness(SandboxConfig(seed=SEED, records=USERS, faults=faults), timeout_seconds=0.1)
        people = await made.read("Person", page_size=6)
        assert people == everyone()
        events = await made.read("Event", page_size=40)
        assert Counter(event["id"] for event in events) == Counter(event["id"] for event in truth("Event"))
        injected = made.app.state.faults.injected
        assert injected.get("server_error") and injected.get("drop") and injected.get("timeout")
        await made.connector.aclose()

    async def test_the_key_never_leaks(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        canary = "canary-customerio-0a9f44"
        made = Harness(SandboxConfig(seed=SEED, records=4, token=canary, faults=FaultConfig(seed=3, server_error_rate=0.4)))
        await made.read("Person")
        [row async for row in made.connector.export_people(["first_name"])]
        other = sandbox.create_app(SandboxConfig(seed=SEED, records=2, token="the-right-key"))
        settings = sandbox_settings("customerio", config=made.config, retry=FAST_RETRY)
        async with customerio.connect(settings, transport=httpx.ASGITransport(app=other)) as wrong:
            with pytest.raises(AuthenticationFailed) as raised:
                [row async for row in wrong.read("Segment")]
        texts = [repr(made.connector), str(made.connector.stats()), repr(settings), caplog.text, str(raised.value)]
        texts += [str(entry) for entry in made.app.state.traffic.entries]
        assert made.connector.stats().retries > 0
        assert not [text for text in texts if canary in text]
        await made.connector.aclose()
