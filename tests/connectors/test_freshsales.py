"""Contract tests: the Freshsales connector against its sandbox (wrapped bodies, error messages,
cf_ custom fields, views to the last page, keyed upsert under faults, hourly budget and 429s)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from migc.connectors import freshsales
from migc.connectors.base import AuthenticationFailed, FieldDefinition, ModuleDefinition, UnsupportedOperation
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.connectors.secrets import Secret
from migc.sandbox import freshsales as sandbox
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.registry import sandbox_settings
from migc.sandbox.store import Store

FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.001, max_delay=0.01)
TEST_BUDGET = RateBudget(calls=10_000, per_seconds=1.0, concurrency=5)


class Harness:
    def __init__(self, config: SandboxConfig | None = None, **settings: Any) -> None:
        self.store = Store()
        self.app = sandbox.create_app(config or SandboxConfig(), self.store)
        options = {"retry": FAST_RETRY, "budget": TEST_BUDGET, "seed": 3, **settings}
        self.connector = freshsales.connect(
            sandbox_settings("freshsales", config=config, **options), transport=httpx.ASGITransport(app=self.app)
        )

    @property
    def traffic(self) -> list[Any]:
        return list(self.app.state.traffic.entries)


@pytest.fixture
async def fs() -> Harness:
    harness = Harness()
    yield harness
    await harness.connector.aclose()


def contacts(count: int, prefix: str = "c") -> list[dict[str, Any]]:
    return [{"first_name": "Ada", "last_name": f"L{i}", "email": f"{prefix}{i}@example.com"} for i in range(count)]


class TestWrites:
    async def test_wrapped_single_record_calls(self, fs: Harness) -> None:
        results = await fs.connector.create("contacts", contacts(12))
        assert [r.outcome for r in results] == ["created"] * 12
        assert len([e for e in fs.traffic if e.method == "POST"]) == 12
        assert fs.connector.batch_size("contacts", "upsert") == 1

    async def test_error_messages_map_to_outcomes(self, fs: Harness) -> None:
        await fs.connector.create("contacts", contacts(1))
        results = await fs.connector.create(
            "contacts",
            [
                {"last_name": "Dup", "email": "C0@example.com"},
                {"last_name": "No email"},
                {"email": "no-last@example.com"},
                {"last_name": "x" * 256, "email": "long@example.com"},
                {"last_name": "Bad", "email": "not-an-email"},
                {"last_name": "Orphan", "email": "o@example.com", "sales_account_id": 1},
            ],
        )
        assert [(r.outcome, r.field) for r in results] == [
            ("duplicate", "email"),
            ("invalid", "email"),
            ("invalid", "last_name"),
            ("invalid", "last_name"),
            ("invalid", "email"),
            ("invalid", None),
        ]
        assert results[3].message == "Last name is too long (maximum is 255 characters)"

    async def test_account_names_are_unique(self, fs: Harness) -> None:
        results = await fs.connector.create("sales_accounts", [{"name": "Acme"}])
        again = await fs.connector.create("sales_accounts", [{"name": "ACME"}])
        assert results[0].ok and (again[0].outcome, again[0].message) == ("duplicate", "Name has already been taken")

    async def test_custom_values_land_under_custom_field(self, fs: Harness) -> None:
        key = await fs.connector.create_field("contacts", FieldDefinition(label="Engagement Score", type="decimal"))
        assert key == "cf_engagement_score"
        results = await fs.connector.create(
            "contacts",
            [
                {"last_name": "Top", "email": "a@example.com", key: 7.5},
                {"last_name": "Plural", "email": "b@example.com", "custom_fields": {key: 3}},
                {"last_name": "Text", "email": "c@example.com", key: "high"},
            ],
        )
        assert [r.outcome for r in results] == ["created", "created", "invalid"]
        stored = {r["last_name"]: r["custom_field"] for r in fs.store.all("contacts")}
        assert stored == {"Top": {key: 7.5}, "Plural": {key: 3}}

    async def test_upsert_by_email(self, fs: Harness) -> None:
        await fs.connector.create("contacts", contacts(2))
        batch = [
            {"last_name": "Renamed", "email": "C1@example.com"},
            {"last_name": "New", "email": "new@example.com"},
            {"last_name": "New twin", "email": "new@example.com"},
            {"last_name": "Keyless"},
        ]
        results = await fs.connector.upsert("contacts", batch, ["email"])
        assert [(r.outcome, r.code) for r in results] == [("updated", None), ("created", None), ("updated", None), ("invalid", "KEY_MISSING")]
        assert fs.store.count("contacts") == 3

    async def test_update_delete_and_notes(self, fs: Harness) -> None:
        ids = [r.target_id for r in await fs.connector.create("contacts", contacts(2))]
        updated = await fs.connector.update("contacts", [{"id": ids[0], "job_title": "CTO"}, {"id": "42", "job_title": "x"}])
        assert [r.outcome for r in updated] == ["updated", "invalid"]
        notes = await fs.connector.create(
            "notes",
            [
                {"description": "Opened email", "targetable_type": "Contact", "targetable_id": int(ids[0])},
                {"description": "Nowhere", "targetable_type": "Contact", "targetable_id": 1},
                {"description": "Bad type", "targetable_type": "Lead", "targetable_id": int(ids[0])},
            ],
        )
        assert [r.outcome for r in notes] == ["created", "invalid", "invalid"]
        assert notes[2].message == "The type for Lead is invalid."
        deleted = await fs.connector.delete("contacts", [ids[1], ids[1]])
        assert sorted(r.code or "" for r in deleted) == ["", "NOT_FOUND"]

    async def test_unsupported(self, fs: Harness) -> None:
        with pytest.raises(UnsupportedOperation):
            await fs.connector.create_module(ModuleDefinition(singular_label="W", plural_label="Ws"))
        with pytest.raises(UnsupportedOperation, match="unknown object"):
            await fs.connector.create("leads", [{}])


class TestReads:
    async def test_view_pages_to_the_end(self, fs: Harness) -> None:
        await fs.connector.create("contacts", contacts(230))
        listed = [r async for r in fs.connector.list("contacts")]
        assert len({r["id"] for r in listed}) == 230
        views = [e for e in fs.traffic if "/view/" in e.path]
        assert len(views) == 3

    async def test_get_and_search(self, fs: Harness) -> None:
        ids = [r.target_id for r in await fs.connector.create("contacts", contacts(2))]
        assert [r["id"] for r in await fs.connector.get("contacts", [ids[1], "9", ids[0]])] == [int(ids[1]), int(ids[0])]
        found = await fs.connector.search("contacts", "email", "C1@EXAMPLE.com")
        assert [r["last_name"] for r in found] == ["L1"]


class TestTagsDocumentsFields:
    async def test_tags_are_merged_not_replaced(self, fs: Harness) -> None:
        record = (await fs.connector.create("contacts", [{"last_name": "T", "email": "t@example.com", "tags": ["old"]}]))[0].target_id
        assert (await fs.connector.add_tags("contacts", record, ["vip", "old"])).outcome == "updated"
        assert fs.store.get("contacts", record)["tags"] == ["old", "vip"]

    async def test_document_upload(self, fs: Harness) -> None:
        record = (await fs.connector.create("contacts", contacts(1)))[0].target_id
        result = await fs.connector.attach("contacts", record, "report.csv", b"a,b\n1,2\n")
        assert result.outcome == "created"
        assert fs.store.get("documents", result.target_id)["content_file_size"] == 8

    async def test_document_upload_checked_after_a_lost_reply(self) -> None:
        harness = Harness(SandboxConfig(faults=FaultConfig(seed=1, error_after_write_rate=1.0, methods=("POST",))))
        try:
            harness.store.insert("contacts", "7", {"id": 7, "last_name": "A", "email": "a@example.com", "custom_field": {}, "tags": []})
            result = await harness.connector.attach("contacts", "7", "a.txt", b"abc")
            assert (result.outcome, result.code) == ("created", "FOUND_AFTER_RETRY")
            assert harness.store.count("documents") == 1
        finally:
            await harness.connector.aclose()

    async def test_dropdown_fields(self, fs: Harness) -> None:
        definition = FieldDefinition(label="Source System", type="picklist", picklist=("netmera",))
        key = await fs.connector.create_field("contacts", definition)
        assert await fs.connector.create_field("contacts", definition) == key
        await fs.connector.add_picklist_values("contacts", key, ["actimo", "netmera"])
        described = next(f for f in (await fs.connector.describe("contacts"))["fields"] if f["key"] == key)
        assert (described["type"], described["picklist"]) == ("picklist", ["netmera", "actimo"])


class TestLimitsAndFaults:
    async def test_hourly_budget_429_with_retry_after(self) -> None:
        harness = Harness(SandboxConfig(rate_limit=RateLimitConfig(calls=2, per_seconds=3_600.0)))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://f/crm/sales") as raw:
                headers = {"Authorization": "Token token=sandbox-freshsales-api-key"}
                for _ in range(2):
                    assert (await raw.get("/api/contacts/filters", headers=headers)).status_code == 200
                response = await raw.get("/api/contacts/filters", headers=headers)
            assert response.status_code == 429
            assert response.json() == {"errors": {"code": 429, "message": ["Too many requests"]}}
            assert int(response.headers["retry-after"]) > 3_000
        finally:
            await harness.connector.aclose()

    async def test_wrong_key(self) -> None:
        harness = Harness(token=Secret("nope"))
        try:
            with pytest.raises(AuthenticationFailed):
                await harness.connector.create("contacts", contacts(1))
        finally:
            await harness.connector.aclose()

    async def test_upsert_under_faults_loses_and_duplicates_nothing(self) -> None:
        faults = FaultConfig(seed=21, throttle_rate=0.1, server_error_rate=0.1, error_after_write_rate=0.1, timeout_rate=0.05, drop_rate=0.05, methods=("POST",))
        # Without Retry-After (a whole second at least) the injected 429s are backed off quickly.
        harness = Harness(SandboxConfig(faults=faults, options={"retry_after_header": False}), timeout_seconds=0.2)
        try:
            results = await harness.connector.upsert("contacts", contacts(200), ["email"])
            assert all(r.ok for r in results), Counter((r.outcome, r.code) for r in results)
            emails = Counter(r["email"] for r in harness.store.all("contacts"))
            assert len(emails) == 200 and max(emails.values()) == 1
            assert harness.connector.stats().retries > 0
        finally:
            await harness.connector.aclose()
