"""Contract tests: the Actimo connector against its sandbox (every object to the last page, paging
hints, error shapes, 429s, faults without lost or repeated records, client-side delta, no leaked key)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from migc.connectors import actimo
from migc.connectors.base import AuthenticationFailed, ConnectorError, RequestFailed, SourceConnector
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.sandbox import actimo as sandbox
from migc.sandbox import synth
from migc.sandbox.base import SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.registry import sandbox_settings

USERS = 40
SEED = 6
FAST_RETRY = RetryPolicy(max_attempts=10, base_delay=0.001, max_delay=0.005)
TEST_BUDGET = RateBudget(calls=10_000, per_seconds=1.0, concurrency=10)
DERIVED = {"Group": "member_ids", "Workspace": "member_count"}  # computed by the server from contacts


class Harness:
    def __init__(self, config: SandboxConfig | None = None, **settings: Any) -> None:
        self.config = config or SandboxConfig(seed=SEED, records=USERS)
        self.app = sandbox.create_app(self.config)
        options = {"retry": FAST_RETRY, "budget": TEST_BUDGET, "seed": 3, **settings}
        self.connector = actimo.connect(sandbox_settings("actimo", config=self.config, **options),
                                        transport=httpx.ASGITransport(app=self.app))

    async def read(self, object_name: str, **arguments: Any) -> list[dict[str, Any]]:
        return [row async for row in self.connector.read(object_name, **arguments)]


@pytest.fixture
async def harness() -> Harness:
    made = Harness()
    yield made
    await made.connector.aclose()


def truth(object_name: str, users: int = USERS) -> list[dict[str, Any]]:
    return list(synth.generate("actimo", object_name, synth.counts("actimo", users)[object_name], SEED))


class TestContract:
    async def test_is_a_source_connector(self, harness: Harness) -> None:
        assert isinstance(harness.connector, SourceConnector)
        assert await harness.connector.objects() == sorted(actimo.PATHS)

    @pytest.mark.parametrize("object_name", sorted(set(actimo.PATHS) - set(DERIVED)))
    async def test_every_object_to_the_last_page(self, harness: Harness, object_name: str) -> None:
        assert await harness.read(object_name, page_size=17) == truth(object_name)

    async def test_groups_and_workspaces_with_their_members(self, harness: Harness) -> None:
        contacts = truth("User")
        groups = await harness.read("Group", page_size=2)
        assert [{k: v for k, v in group.items() if k != "member_ids"} for group in groups] == truth("Group")
        for group in groups:
            assert group["member_ids"] == [contact["id"] for contact in contacts if group["name"] in contact["tags"]]
        workspaces = await harness.read("Workspace")
        assert sum(workspace["member_count"] for workspace in workspaces) == USERS
        assert [workspace["id"] for workspace in workspaces] == [workspace["id"] for workspace in truth("Workspace")]

    async def test_count_and_metadata(self, harness: Harness) -> None:
        assert await harness.connector.count("User") == USERS
        assert await harness.connector.count("MessageAnalytics") == len(truth("MessageAnalytics"))
        metadata = await harness.connector.metadata()
        assert [field["key"] for field in metadata["custom_fields"]] == [f"data{n}" for n in range(1, 21)]
        assert metadata["custom_fields"][0]["label"] == "Cost centre"


class TestPagingHints:
    """Actimo documents no paging: the connector follows whatever hint the answer carries."""

    @staticmethod
    def answering(pages: list[dict[str, Any]]) -> tuple[actimo.ActimoConnector, list[str]]:
        asked: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            asked.append(str(request.url))
            page = int(request.url.params.get("page", len(asked)))
            return httpx.Response(200, json=pages[min(page, len(pages)) - 1])

        settings = sandbox_settings("actimo", retry=FAST_RETRY, budget=TEST_BUDGET)
        return actimo.connect(settings, transport=httpx.MockTransport(handler)), asked

    async def test_one_answer_without_hints_is_the_whole_list(self) -> None:
        connector, asked = self.answering([{"data": [{"id": 1}, {"id": 2}]}])
        assert [row async for row in connector.read("User")] == [{"id": 1}, {"id": 2}]
        assert len(asked) == 1

    async def test_meta_pages_are_followed(self) -> None:
        pages = [{"data": [{"id": n}], "meta": {"current_page": n, "last_page": 3}} for n in (1, 2, 3)]
        connector, asked = self.answering(pages)
        assert [row["id"] async for row in connector.read("User")] == [1, 2, 3]
        assert len(asked) == 3

    async def test_a_repeating_next_link_stops_with_an_error(self) -> None:
        loop = {"data": [{"id": 1}], "links": {"next": "http://sandbox.invalid/api/v1/contacts?page=2"}}
        connector, _ = self.answering([loop, loop])
        with pytest.raises(ConnectorError, match="same next page twice"):
            [row async for row in connector.read("User")]

    async def test_an_answer_without_data_is_an_error(self) -> None:
        connector, _ = self.answering([{"items": []}])
        with pytest.raises(RequestFailed, match="the answer has no `data` list"):
            [row async for row in connector.read("User")]


class TestDelta:
    async def test_since_filters_on_the_modification_field(self, harness: Harness) -> None:
        sandbox.edit(harness.app, "User", 7, {"department": "Logistics"})
        sandbox.edit(harness.app, "Task", 2, {"status": "completed"})
        moment = sandbox.dataset(harness.app).now()
        since = datetime(2025, 6, 2, 12, 0, 0, tzinfo=UTC)
        users = await harness.read("User", since=since)
        assert [user["id"] for user in users] == [truth("User")[7]["id"]] and users[0]["department"] == "Logistics"
        tasks = await harness.read("Task", since=since)
        assert [task["id"] for task in tasks] == [truth("Task")[2]["id"]]
        assert users[0]["updated_at"] <= moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    async def test_recently_modified_synthetic_records_are_found(self, harness: Harness) -> None:
        since = datetime(2025, 5, 31, 12, 0, 0, tzinfo=UTC)
        expected = [user for user in truth("User") if user["updated_at"] >= "2025-05-31T12:00:00Z"]
        assert await harness.read("User", since=since) == expected

    async def test_objects_without_a_time_are_read_whole(self, harness: Harness) -> None:
        since = datetime(2030, 1, 1, tzinfo=UTC)
        assert len(await harness.read("Flow", since=since)) == len(truth("Flow"))
        assert await harness.read("Message", since=since) == []


class TestErrors:
    async def test_wrong_key(self) -> None:
        app = sandbox.create_app(SandboxConfig(seed=SEED, records=3, token="other"))
        async with actimo.connect(sandbox_settings("actimo"), transport=httpx.ASGITransport(app=app)) as connector:
            with pytest.raises(AuthenticationFailed, match=r"actimo GET /contacts: HTTP 401: Unauthenticated\."):
                [row async for row in connector.read("User")]

    async def test_unknown_object_and_validation_error(self, harness: Harness) -> None:
        with pytest.raises(ConnectorError, match="actimo has no readable object 'Contact'"):
            [row async for row in harness.connector.read("Contact")]
        with pytest.raises(RequestFailed, match="HTTP 422: The given data was invalid"):
            [row async for row in harness.connector.read("User", page_size=501)]


class TestResilience:
    async def test_429s_are_waited_out(self) -> None:
        config = SandboxConfig(seed=SEED, records=20, rate_limit=sandbox.RATE_LIMIT)
        made = Harness(config)
        assert await made.read("MessageAnalytics", page_size=4) == truth("MessageAnalytics", 20)
        stats = made.connector.stats()
        assert stats.throttled > 0 and stats.retries >= stats.throttled
        await made.connector.aclose()

    async def test_faults_lose_and_repeat_nothing(self) -> None:
        faults = FaultConfig(seed=4, server_error_rate=0.15, drop_rate=0.08, timeout_rate=0.05, hang_seconds=0.5)
        made = Harness(SandboxConfig(seed=SEED, records=USERS, faults=faults), timeout_seconds=0.1)
        rows = await made.read("MessageAnalytics", page_size=9)
        assert Counter(row["id"] for row in rows) == Counter(row["id"] for row in truth("MessageAnalytics"))
        assert rows == truth("MessageAnalytics")
        injected = made.app.state.faults.injected
        assert injected.get("server_error") and injected.get("drop") and injected.get("timeout")
        await made.connector.aclose()

    async def test_the_key_never_leaks(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        canary = "canary-actimo-71be02"
        made = Harness(SandboxConfig(seed=SEED, records=4, token=canary, faults=FaultConfig(seed=1, server_error_rate=0.4)))
        await made.read("User", page_size=2)
        other = sandbox.create_app(SandboxConfig(seed=SEED, records=2, token="the-right-key"))
        settings = sandbox_settings("actimo", config=made.config, retry=FAST_RETRY)
        async with actimo.connect(settings, transport=httpx.ASGITransport(app=other)) as wrong:
            with pytest.raises(AuthenticationFailed) as raised:
                [row async for row in wrong.read("User")]
        texts = [repr(made.connector), str(made.connector.stats()), repr(settings), caplog.text, str(raised.value)]
        assert made.connector.stats().retries > 0
        assert not [text for text in texts if canary in text]
        await made.connector.aclose()
