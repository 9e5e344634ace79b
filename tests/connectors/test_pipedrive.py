"""Contract tests: the Pipedrive connector against its sandbox (one record per call, strict v2
validation, cursor and offset pagination, rate-limit headers and 429s, search-then-write upsert
under faults without duplicates or losses, labels, files, custom field keys, the wire shape of
emails and phones, yes/no fields, lookup fields, users)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from migc.connectors import pipedrive
from migc.connectors.base import AuthenticationFailed, DailyLimitReached, FieldDefinition, ModuleDefinition, SchemaOperationFailed, UnsupportedOperation
from migc.connectors.ratelimit import RateBudget
from migc.connectors.retry import RetryPolicy
from migc.connectors.secrets import Secret
from migc.sandbox import pipedrive as sandbox
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.registry import sandbox_settings
from migc.sandbox.store import Store

FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.001, max_delay=0.01)
TEST_BUDGET = RateBudget(calls=10_000, per_seconds=1.0, concurrency=10)
TEST_SEARCH_BUDGET = RateBudget(calls=10_000, per_seconds=1.0)


class Harness:
    def __init__(self, config: SandboxConfig | None = None, *, search_budget: RateBudget = TEST_SEARCH_BUDGET, **settings: Any) -> None:
        self.store = Store()
        self.app = sandbox.create_app(config or SandboxConfig(), self.store)
        options = {"retry": FAST_RETRY, "budget": TEST_BUDGET, "seed": 5, **settings}
        self.connector = pipedrive.PipedriveConnector(
            sandbox_settings("pipedrive", config=config, **options),
            transport=httpx.ASGITransport(app=self.app),
            search_budget=search_budget,
        )

    @property
    def traffic(self) -> list[Any]:
        return list(self.app.state.traffic.entries)


@pytest.fixture
async def pd() -> Harness:
    harness = Harness()
    yield harness
    await harness.connector.aclose()


def people(count: int, prefix: str = "p") -> list[dict[str, Any]]:
    return [{"name": f"Person {i}", "emails": [{"value": f"{prefix}{i}@example.com", "primary": True}]} for i in range(count)]


class TestWrites:
    async def test_one_record_per_call(self, pd: Harness) -> None:
        results = await pd.connector.create("persons", people(30))
        assert [r.outcome for r in results] == ["created"] * 30
        assert [r.index for r in results] == list(range(30))
        posts = [e for e in pd.traffic if e.method == "POST"]
        assert len(posts) == 30 and {e.batch for e in posts} == {1}
        assert pd.connector.batch_size("persons", "create") == 1

    async def test_error_bodies_become_results(self, pd: Harness) -> None:
        records = [
            {"name": "Ok"},
            {"emails": [{"value": "nameless@example.com"}]},
            {"name": "Strict", "visible_to": "3"},
            {"name": "Unknown", "favourite_colour": "blue"},
            {"name": "Orphan", "org_id": 999},
            {"name": "Bad label", "label_ids": [999]},
            {"name": "Bad custom", "custom_fields": {"a" * 40: "x"}},
        ]
        results = await pd.connector.create("persons", records)
        assert [(r.outcome, r.field) for r in results] == [
            ("created", None),
            ("invalid", "name"),
            ("invalid", "visible_to"),
            ("invalid", "favourite_colour"),
            ("invalid", None),
            ("invalid", None),
            ("invalid", "a" * 40),
        ]
        assert "Organization with id 999 not found" in (results[4].message or "")
        assert {r.code for r in results[1:]} == {"HTTP_400"}

    async def test_booleans_are_strict(self, pd: Harness) -> None:
        results = await pd.connector.create("activities", [{"subject": "Call", "type": "call", "done": True}, {"subject": "Call", "type": "call", "done": 1}])
        assert [r.outcome for r in results] == ["created", "invalid"]

    async def test_update_and_delete(self, pd: Harness) -> None:
        created = await pd.connector.create("organizations", [{"name": "Acme"}, {"name": "Globex"}])
        ids = [r.target_id for r in created]
        updated = await pd.connector.update("organizations", [{"id": ids[0], "name": "Acme Inc"}, {"id": "999", "name": "x"}])
        assert [(r.outcome, r.code) for r in updated] == [("updated", None), ("invalid", "HTTP_404")]
        deleted = await pd.connector.delete("organizations", [ids[0], ids[0]])
        assert sorted(r.code or "" for r in deleted) == ["", "NOT_FOUND"]
        assert pd.store.count("organizations") == 1 and pd.store.count("deleted:organizations") == 1

    async def test_upsert_searches_then_writes(self, pd: Harness) -> None:
        await pd.connector.create("persons", people(3))
        batch = [
            {"name": "Renamed", "emails": [{"value": "P1@example.com", "primary": True}]},
            {"name": "New", "emails": [{"value": "new@example.com", "primary": True}]},
            {"name": "New twin", "emails": [{"value": "new@example.com", "primary": True}]},
            {"name": "Keyless"},
        ]
        results = await pd.connector.upsert("persons", batch, ["email"])
        assert [(r.outcome, r.code) for r in results] == [("updated", None), ("created", None), ("updated", None), ("invalid", "KEY_MISSING")]
        emails = Counter(p["emails"][0]["value"].lower() for p in pd.store.all("persons"))
        assert len(emails) == 4 and max(emails.values()) == 1

    async def test_upsert_with_an_ambiguous_key_does_not_write(self, pd: Harness) -> None:
        await pd.connector.create("organizations", [{"name": "Twin"}, {"name": "Twin"}])
        results = await pd.connector.upsert("organizations", [{"name": "Twin", "address": "x"}], ["name"])
        assert (results[0].outcome, results[0].code) == ("duplicate", "AMBIGUOUS_KEY")
        assert all(o.get("address") is None for o in pd.store.all("organizations"))

    async def test_upsert_by_custom_field(self, pd: Harness) -> None:
        key = await pd.connector.create_field("persons", FieldDefinition(label="Netmera Id", type="text"))
        await pd.connector.create("persons", [{"name": "A", key: "n-1"}])
        results = await pd.connector.upsert("persons", [{"name": "A2", key: "n-1"}, {"name": "B", key: "n-2"}], [key])
        assert [r.outcome for r in results] == ["updated", "created"]
        assert pd.store.count("persons") == 2

    async def test_notes_need_a_parent(self, pd: Harness) -> None:
        person = (await pd.connector.create("persons", people(1)))[0].target_id
        results = await pd.connector.create("notes", [{"content": "<b>hi</b>", "person_id": int(person)}, {"content": "orphan"}])
        assert [r.outcome for r in results] == ["created", "invalid"]

    async def test_custom_modules_do_not_exist(self, pd: Harness) -> None:
        with pytest.raises(UnsupportedOperation):
            await pd.connector.create_module(ModuleDefinition(singular_label="W", plural_label="Ws"))
        with pytest.raises(UnsupportedOperation, match="unknown object"):
            await pd.connector.create("widgets", [{}])


class TestReads:
    async def test_cursor_pagination_to_the_last_page(self, pd: Harness) -> None:
        for index in range(1_234):
            pd.store.insert("persons", str(index + 1), {"id": index + 1, "name": f"P{index}", "emails": [], "phones": [], "label_ids": [], "custom_fields": {}, "update_time": "2024"})
        listed = [record async for record in pd.connector.list("persons")]
        assert [r["id"] for r in listed] == list(range(1, 1_235))
        assert len([e for e in pd.traffic if e.method == "GET"]) == 3  # 500 per page

    async def test_offset_pagination_and_null_data(self, pd: Harness) -> None:
        assert [n async for n in pd.connector.list("notes")] == []
        person = int((await pd.connector.create("persons", people(1)))[0].target_id)
        await pd.connector.create("notes", [{"content": f"n{i}", "person_id": person} for i in range(510)])
        assert len([n async for n in pd.connector.list("notes")]) == 510

    async def test_get_keeps_order(self, pd: Harness) -> None:
        ids = [r.target_id for r in await pd.connector.create("deals", [{"title": "A"}, {"title": "B"}])]
        records = await pd.connector.get("deals", [ids[1], "77", ids[0]])
        assert [r["title"] for r in records] == ["B", "A"]

    async def test_search_is_exact(self, pd: Harness) -> None:
        await pd.connector.create("persons", [{"name": "Ann"}, {"name": "Anna"}])
        assert [p["name"] for p in await pd.connector.search("persons", "name", "ann")] == ["Ann"]


class TestLabelsFilesFields:
    async def test_tags_become_labels(self, pd: Harness) -> None:
        person = (await pd.connector.create("persons", people(1)))[0].target_id
        assert (await pd.connector.add_tags("persons", person, ["VIP", "Customer"])).outcome == "updated"
        assert (await pd.connector.add_tags("persons", person, ["VIP"])).outcome == "updated"
        label_field = next(f for f in pd.store.meta["pipedrive.fields"]["person"] if f["key"] == "label")
        names = {o["id"]: o["label"] for o in label_field["options"]}
        assert sorted(names[i] for i in pd.store.get("persons", person)["label_ids"]) == ["Customer", "VIP"]
        assert list(names.values()).count("VIP") == 1

    async def test_file_upload(self, pd: Harness) -> None:
        person = (await pd.connector.create("persons", people(1)))[0].target_id
        result = await pd.connector.attach("persons", person, "cv.pdf", b"%PDF-1.4")
        assert result.outcome == "created"
        assert pd.store.get("files", result.target_id)["file_size"] == 8

    async def test_fields_keys_and_option_labels(self, pd: Harness) -> None:
        definition = FieldDefinition(label="Segment", type="multipicklist", picklist=("vip", "churn"))
        key = await pd.connector.create_field("persons", definition)
        assert len(key) == 40 and await pd.connector.create_field("persons", definition) == key
        await pd.connector.add_picklist_values("persons", key, ["new", "vip"])
        created = await pd.connector.create("persons", [{"name": "A", "custom_fields": {key: ["vip", "new"]}}, {"name": "B", key: ["nope"]}])
        assert [r.outcome for r in created] == ["created", "invalid"]
        field = next(f for f in (await pd.connector.describe("persons"))["fields"] if f["key"] == key)
        assert (field["type"], field["picklist"], field["custom"]) == ("multipicklist", ["vip", "churn", "new"], True)
        option_ids = pd.store.get("persons", created[0].target_id)["custom_fields"][key]
        assert all(isinstance(i, int) for i in option_ids)

    async def test_plan_cap_on_custom_fields(self) -> None:
        harness = Harness(SandboxConfig(options={"custom_fields_limit": 1}))
        try:
            await harness.connector.create_field("persons", FieldDefinition(label="One", type="text"))
            with pytest.raises(Exception, match="custom fields limit"):
                await harness.connector.create_field("persons", FieldDefinition(label="Two", type="text"))
        finally:
            await harness.connector.aclose()


class TestLimits:
    async def test_burst_headers_keep_the_client_under_the_window(self) -> None:
        config = SandboxConfig(rate_limit=RateLimitConfig(calls=8, per_seconds=0.3))
        harness = Harness(config, budget=RateBudget(calls=10_000, per_seconds=1.0, concurrency=4))
        try:
            results = await harness.connector.create("persons", people(40))
            assert all(r.ok for r in results)
            throttled = sum(1 for e in harness.traffic if e.status == 429)
            # x-ratelimit-remaining: 0 pauses the client, so at most the in-flight requests overrun.
            assert throttled <= 12
            assert harness.store.count("persons") == 40
        finally:
            await harness.connector.aclose()

    async def test_search_window_is_separate(self) -> None:
        config = SandboxConfig(rate_limit=RateLimitConfig(calls=1_000, per_seconds=1.0), options={"search_calls": 2})
        harness = Harness(config, search_budget=RateBudget(calls=2, per_seconds=2.0))
        try:
            await harness.connector.create("persons", people(3))
            assert harness.connector.http.lane_limiters["search"].budget.calls == 2
            await harness.connector.search("persons", "email", "p0@example.com")
            await harness.connector.search("persons", "email", "p1@example.com")
            assert not [e for e in harness.traffic if e.status == 429]
        finally:
            await harness.connector.aclose()

    async def test_daily_budget_exhaustion(self) -> None:
        config = SandboxConfig(rate_limit=RateLimitConfig(calls=1_000, per_seconds=1.0, daily=12))
        harness = Harness(config)
        try:
            await harness.connector.create("persons", people(2))  # 5 tokens each
            with pytest.raises(DailyLimitReached):
                await harness.connector.create("persons", people(1, prefix="late"))
            assert harness.store.count("persons") == 2
        finally:
            await harness.connector.aclose()

    async def test_429_body_and_headers(self) -> None:
        harness = Harness(SandboxConfig(rate_limit=RateLimitConfig(calls=1, per_seconds=60.0)))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://p") as raw:
                headers = {"x-api-token": "sandbox-pipedrive-api-token"}
                first = await raw.get("/api/v2/persons", headers=headers)
                second = await raw.get("/api/v2/persons", headers=headers)
            assert first.headers["x-ratelimit-remaining"] == "0"
            assert second.status_code == 429
            assert second.json()["success"] is False and "retry-after" not in second.headers
        finally:
            await harness.connector.aclose()

    async def test_wrong_token(self) -> None:
        harness = Harness(token=Secret("nope"))
        try:
            with pytest.raises(AuthenticationFailed):
                await harness.connector.create("persons", people(1))
        finally:
            await harness.connector.aclose()


class TestFaults:
    async def test_upsert_under_faults_loses_and_duplicates_nothing(self) -> None:
        faults = FaultConfig(
            seed=9,
            throttle_rate=0.05,
            server_error_rate=0.05,
            error_after_write_rate=0.1,
            timeout_rate=0.05,
            drop_rate=0.05,
            methods=("POST", "PATCH"),
        )
        harness = Harness(SandboxConfig(faults=faults), timeout_seconds=0.2)
        try:
            records = people(300)
            results = await harness.connector.upsert("persons", records, ["email"])
            assert all(r.ok for r in results), Counter((r.outcome, r.code) for r in results)
            emails = Counter(p["emails"][0]["value"] for p in harness.store.all("persons"))
            assert len(emails) == 300 and max(emails.values()) == 1
            assert {"error_after_write", "timeout", "drop"} <= set(harness.app.state.faults.injected)
            assert any(r.code == "FOUND_AFTER_RETRY" for r in results)
        finally:
            await harness.connector.aclose()

    async def test_plain_creates_report_ambiguity(self) -> None:
        faults = FaultConfig(seed=2, error_after_write_rate=0.3, methods=("POST",))
        harness = Harness(SandboxConfig(faults=faults))
        try:
            results = await harness.connector.create("persons", people(50))
            unknown = [r for r in results if r.code == "OUTCOME_UNKNOWN"]
            assert unknown and all(r.outcome == "failed" for r in unknown)
            assert harness.store.count("persons") == 50  # applied, but the client could not know
        finally:
            await harness.connector.aclose()


class TestWireShapes:
    async def test_emails_and_phones_become_value_objects(self, pd: Harness) -> None:
        results = await pd.connector.create(
            "persons",
            [
                {"name": "Plain", "emails": ["a@example.com", None, "b@example.com"], "phones": ["+905551112233"]},
                {"name": "One", "emails": "c@example.com", "phone": "+4915112345678"},
                {"name": "Shaped", "emails": [{"value": "d@example.com", "label": "home"}, {"value": "e@example.com", "primary": True}]},
                {"name": "Nothing", "emails": [None, ""], "phones": None},
                {"name": "Singular", "email": "f@example.com"},
            ],
        )
        assert [r.outcome for r in results] == ["created"] * 5
        stored = {p["name"]: p for p in pd.store.all("persons")}
        assert stored["Plain"]["emails"] == [
            {"value": "a@example.com", "primary": True, "label": "work"},
            {"value": "b@example.com", "primary": False, "label": "work"},
        ]
        assert stored["Plain"]["phones"] == [{"value": "+905551112233", "primary": True, "label": "work"}]
        assert stored["One"]["emails"][0]["value"] == "c@example.com" and stored["One"]["phones"][0]["value"] == "+4915112345678"
        assert stored["Shaped"]["emails"] == [
            {"value": "d@example.com", "primary": False, "label": "home"},
            {"value": "e@example.com", "primary": True, "label": "work"},
        ]
        assert (stored["Nothing"]["emails"], stored["Nothing"]["phones"]) == ([], [])
        assert stored["Singular"]["emails"][0] == {"value": "f@example.com", "primary": True, "label": "work"}

    async def test_an_update_without_emails_keeps_them(self, pd: Harness) -> None:
        person = (await pd.connector.create("persons", [{"name": "Keep", "emails": ["k@example.com"]}]))[0].target_id
        assert (await pd.connector.update("persons", [{"id": person, "name": "Kept", "emails": [None]}]))[0].outcome == "updated"
        assert pd.store.get("persons", person)["emails"][0]["value"] == "k@example.com"

    async def test_upsert_by_email_given_as_plain_values(self, pd: Harness) -> None:
        await pd.connector.create("persons", people(1))
        results = await pd.connector.upsert("persons", [{"name": "Again", "emails": ["P0@example.com"]}], ["email"])
        assert results[0].outcome == "updated" and pd.store.count("persons") == 1

    async def test_booleans_of_yes_no_fields_become_options(self, pd: Harness) -> None:
        key = await pd.connector.create_field("persons", FieldDefinition(label="Push subscribed", type="boolean"))
        results = await pd.connector.create("persons", [{"name": "Y", key: True}, {"name": "N", key: False}, {"name": "L", key: "Yes"}])
        assert [r.outcome for r in results] == ["created"] * 3
        field = next(f for f in pd.store.meta["pipedrive.fields"]["person"] if f["key"] == key)
        options = {o["label"]: o["id"] for o in field["options"]}
        assert [pd.store.get("persons", r.target_id)["custom_fields"][key] for r in results] == [options["Yes"], options["No"], options["Yes"]]

    async def test_lookup_fields(self, pd: Harness) -> None:
        org_field = await pd.connector.create_field("persons", FieldDefinition(label="Employer", type="text", lookup="organizations"))
        owner_field = await pd.connector.create_field("persons", FieldDefinition(label="Account manager", type="text", lookup="users"))
        org = int((await pd.connector.create("organizations", [{"name": "Acme"}]))[0].target_id)
        results = await pd.connector.create("persons", [{"name": "A", org_field: org, owner_field: 2}, {"name": "B", org_field: 999}])
        assert [r.outcome for r in results] == ["created", "invalid"]
        types = {f["key"]: f["field_type"] for f in pd.store.meta["pipedrive.fields"]["person"]}
        assert (types[org_field], types[owner_field]) == ("org", "user")
        with pytest.raises(SchemaOperationFailed, match="cannot point at deals"):
            await pd.connector.create_field("persons", FieldDefinition(label="Deal", type="text", lookup="deals"))


class TestUsers:
    async def test_users_are_read_only(self, pd: Harness) -> None:
        assert [u["email"] async for u in pd.connector.list("users")] == [u["email"] for u in sandbox.USERS]
        found = await pd.connector.search("users", "email", "Sales@Sandbox.invalid")
        assert [u["id"] for u in found] == [2]
        assert [u["name"] for u in await pd.connector.get("users", ["2", "99"])] == ["Sandbox Sales"]
        with pytest.raises(UnsupportedOperation, match="managed in Pipedrive"):
            await pd.connector.create("users", [{"name": "x"}])
