"""Contract tests: the Freshsales connector against its sandbox (wrapped bodies, error messages,
cf_ custom fields, views to the last page, keyed upsert under faults, hourly budget and 429s,
leads, appointments, sales activities, lists and custom-module records)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from migc.connectors import freshsales
from migc.connectors.base import AuthenticationFailed, FieldDefinition, ModuleDefinition, SchemaOperationFailed, UnsupportedOperation
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
            ("invalid", "sales_account_id"),
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
                {"description": "Bad type", "targetable_type": "Account", "targetable_id": int(ids[0])},
            ],
        )
        assert [r.outcome for r in notes] == ["created", "invalid", "invalid"]
        assert notes[2].message == "The type for Account is invalid."
        deleted = await fs.connector.delete("contacts", [ids[1], ids[1]])
        assert sorted(r.code or "" for r in deleted) == ["", "NOT_FOUND"]

    async def test_unsupported(self, fs: Harness) -> None:
        with pytest.raises(UnsupportedOperation, match="Admin Settings"):
            await fs.connector.create_module(ModuleDefinition(singular_label="W", plural_label="Ws"))
        with pytest.raises(UnsupportedOperation, match="unknown object"):
            await fs.connector.create("Not-A-Module", [{}])
        with pytest.raises(UnsupportedOperation, match="no upsert and no key search"):
            await fs.connector.upsert("tasks", [{"title": "x"}], ["title"])
        with pytest.raises(UnsupportedOperation, match="cannot search"):
            await fs.connector.search("notes", "description", "x")
        with pytest.raises(UnsupportedOperation, match="no way to list"):
            [n async for n in fs.connector.list("notes")]


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
            records = contacts(200)
            results = await harness.connector.upsert("contacts", records, ["email"])
            # A record can exhaust its attempts (40% of requests fail here): it comes back
            # `retryable`, never applied twice, and is sent again as the runtime does.
            for _ in range(3):
                again = [r.index for r in results if r.outcome == "retryable"]
                if not again:
                    break
                answers = await harness.connector.upsert("contacts", [records[i] for i in again], ["email"])
                for index, answer in zip(again, answers):
                    results[index] = answer
            assert all(r.ok for r in results), Counter((r.outcome, r.code) for r in results)
            emails = Counter(r["email"] for r in harness.store.all("contacts"))
            assert len(emails) == 200 and max(emails.values()) == 1
            assert harness.connector.stats().retries > 0
        finally:
            await harness.connector.aclose()


ADMIN_MADE = {"custom_modules": "cf_cio_objects=Customer.io objects", "activity_field_settings": "true"}


async def a_contact(fs: Harness, email: str = "owner@example.com") -> int:
    return int((await fs.connector.create("contacts", [{"last_name": "Owner", "email": email}]))[0].target_id)


class TestLeads:
    async def test_upsert_searches_by_key_then_writes(self, fs: Harness) -> None:
        key = await fs.connector.create_field("leads", FieldDefinition(label="Customer.io ID", type="text", unique=True))
        assert key == "cf_customer_io_id"
        first = await fs.connector.upsert("leads", [{"last_name": "Lead", key: "a1"}, {"last_name": "Twin", key: "A1"}, {"last_name": "B", key: "b2"}], [key])
        assert [r.outcome for r in first] == ["created", "updated", "created"]
        again = await fs.connector.upsert("leads", [{"first_name": "Renamed", key: "b2"}], [key])
        assert (again[0].outcome, again[0].target_id) == ("updated", first[2].target_id)
        assert fs.store.count("leads") == 2
        assert [r["last_name"] for r in await fs.connector.search("leads", key, "A1")] == ["Twin"]
        assert not [e for e in fs.traffic if e.path.endswith("/leads/upsert")], "leads have no upsert endpoint"

    async def test_two_matches_are_ambiguous_and_nothing_is_written(self, fs: Harness) -> None:
        await fs.connector.create("leads", [{"last_name": "One", "email": "same@example.com"}, {"last_name": "Two", "email": "same@example.com"}])
        result = (await fs.connector.upsert("leads", [{"last_name": "Three", "email": "same@example.com"}], ["email"]))[0]
        assert (result.outcome, result.code) == ("duplicate", "AMBIGUOUS_KEY")
        assert sorted(r["last_name"] for r in fs.store.all("leads")) == ["One", "Two"]

    async def test_custom_fields_and_list(self, fs: Harness) -> None:
        # A custom field labelled like the standard `company` field is a field of its own.
        key = await fs.connector.create_field("leads", FieldDefinition(label="Company", type="text"))
        assert key == "cf_company"
        bad = await fs.connector.create("leads", [{"last_name": "X", "company": "Acme"}, {"last_name": "Y", key: "Acme"}])
        assert [(r.outcome, r.field) for r in bad] == [("invalid", "company"), ("created", None)]
        listed = [r async for r in fs.connector.list("leads")]
        assert [(r["last_name"], r["custom_field"]) for r in listed] == [("Y", {key: "Acme"})]

    async def test_upsert_under_faults_loses_and_duplicates_nothing(self) -> None:
        faults = FaultConfig(seed=5, server_error_rate=0.1, error_after_write_rate=0.15, timeout_rate=0.05, drop_rate=0.05, methods=("POST",))
        harness = Harness(SandboxConfig(faults=faults), timeout_seconds=0.2)
        try:
            records = [{"last_name": f"L{i}", "email": f"l{i}@example.com"} for i in range(60)]
            results = await harness.connector.upsert("leads", records, ["email"])
            assert all(r.ok for r in results), Counter((r.outcome, r.code) for r in results)
            emails = Counter(r["email"] for r in harness.store.all("leads"))
            assert len(emails) == 60 and max(emails.values()) == 1
            assert any(r.code == "FOUND_AFTER_RETRY" for r in results)
        finally:
            await harness.connector.aclose()


class TestActivities:
    async def test_appointments_need_times_and_an_existing_target(self, fs: Harness) -> None:
        contact = await a_contact(fs)
        results = await fs.connector.create(
            "appointments",
            [
                {"title": "Demo", "from_date": "2024-05-01T10:00:00+00:00", "end_date": "2024-05-01T10:30:00+00:00", "targetable_type": "Contact", "targetable_id": contact},
                {"title": "No end", "from_date": "2024-05-01T10:00:00Z"},
                {"title": "Bad time", "from_date": "yesterday", "end_date": "2024-05-01T10:30:00Z"},
                {"title": "Orphan", "from_date": "2024-05-01T10:00:00Z", "end_date": "2024-05-01T10:00:00Z", "targetable_type": "Contact", "targetable_id": 1},
            ],
        )
        assert [(r.outcome, r.field) for r in results] == [("created", None), ("invalid", "end_date"), ("invalid", "from_date"), ("invalid", "targetable_id")]
        stored = fs.store.get("appointments", results[0].target_id)
        assert (stored["title"], stored["targetable_id"]) == ("Demo", contact)
        listed = [r["title"] async for r in fs.connector.list("appointments")]
        assert listed == ["Demo"]
        assert {e.path for e in fs.traffic if e.method == "GET" and e.path.endswith("/appointments")} == {"/crm/sales/api/appointments"}

    async def test_sales_activities_take_a_type_id_from_the_selector(self, fs: Harness) -> None:
        contact = await a_contact(fs)
        base = {"title": "Email: hello", "start_date": "2024-05-01T10:00:00Z", "end_date": "2024-05-01T10:00:00Z", "targetable_type": "Contact", "targetable_id": contact}
        email = (await fs.connector.search("sales_activity_types", "name", "Email"))[0]["id"]
        results = await fs.connector.create(
            "sales_activities",
            [{**base, "sales_activity_type_id": email}, {**base, "sales_activity_type_id": 0}, {**base, "targetable_type": "Account"}],
        )
        assert [(r.outcome, r.field) for r in results] == [("created", None), ("invalid", "sales_activity_type_id"), ("invalid", "sales_activity_type_id")]
        assert results[2].message.endswith("The type for Account is invalid.")
        updated = await fs.connector.update("sales_activities", [{"id": results[0].target_id, "notes": "Opened twice"}])
        assert updated[0].outcome == "updated" and fs.store.get("sales_activities", results[0].target_id)["notes"] == "Opened twice"
        assert [r["id"] async for r in fs.connector.list("sales_activities")] == [int(results[0].target_id)]
        stamp = await fs.connector.create_field("sales_activities", FieldDefinition(label="migc source id", type="text", unique=True))
        assert stamp.startswith("cf_")

    async def test_sales_activity_types_are_read_from_the_selector_and_never_written(self, fs: Harness) -> None:
        listed = [t async for t in fs.connector.list("sales_activity_types")]
        assert [t["name"] for t in listed] == list(sandbox.SALES_ACTIVITY_TYPES)
        assert all(t["id"] not in (0, 1) for t in listed)
        found = await fs.connector.search("sales_activity_types", "name", " email ")
        assert [t["name"] for t in found] == ["Email"]
        assert await fs.connector.search("sales_activity_types", "name", "Fax") == []
        assert await fs.connector.get("sales_activity_types", [str(listed[2]["id"]), "404"]) == [listed[2]]
        assert {e.path for e in fs.traffic} == {"/crm/sales/api/selector/sales_activity_types"}
        for write in (fs.connector.create("sales_activity_types", [{"name": "Fax"}]),
                      fs.connector.update("sales_activity_types", [{"id": "1", "name": "Fax"}]),
                      fs.connector.upsert("sales_activity_types", [{"name": "Fax"}], ["name"]),
                      fs.connector.delete("sales_activity_types", ["1"])):
            with pytest.raises(UnsupportedOperation, match="Admin Settings"):
                await write

    async def test_owners_are_read_from_the_selector_and_records_take_their_ids(self, fs: Harness) -> None:
        """`ref users by email = owner`: the users come from /selector/owners (answered under
        "users"); an `owner_id` that is none of theirs is refused."""
        admin = (await fs.connector.search("users", "email", " ADMIN@acme.example "))[0]
        assert admin["display_name"] == "Account Admin" and admin["id"] not in (0, 1)
        assert await fs.connector.search("users", "email", "nobody@acme.example") == []
        assert await fs.connector.get("users", [str(admin["id"])]) == [admin]
        assert {e.path for e in fs.traffic} == {"/crm/sales/api/selector/owners"}
        results = await fs.connector.create("contacts", [
            {"last_name": "Owned", "email": "owned@example.com", "owner_id": admin["id"]},
            {"last_name": "Orphan", "email": "orphan@example.com", "owner_id": 12345},
        ])
        assert [(r.outcome, r.field) for r in results] == [("created", None), ("invalid", "owner_id")]
        with pytest.raises(UnsupportedOperation, match="Admin Settings"):
            await fs.connector.create("users", [{"email": "new@acme.example"}])

    async def test_selector_lists_follow_the_account(self) -> None:
        """An account that renamed its types answers with its own; one that serves the selector
        only under `/selectors/` is read there; one that serves neither says so."""
        harness = Harness(SandboxConfig(options={"sales_activity_types": "Call;E-mail"}))
        try:
            assert await harness.connector.search("sales_activity_types", "name", "Email") == []
            assert [t["name"] for t in await harness.connector.search("sales_activity_types", "name", "e-mail")] == ["E-mail"]
        finally:
            await harness.connector.aclose()

        def plural_only(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/api/selectors/sales_activity_types"):
                return httpx.Response(200, json={"sales_activity_types": [{"id": 77, "name": "Email"}]})
            return httpx.Response(404, json={"errors": {"code": 404, "message": ["Not Found"]}})

        def neither(request: httpx.Request) -> httpx.Response:
            return httpx.Response(404, json={"errors": {"code": 404, "message": ["Not Found"]}})

        for handler, expected in ((plural_only, [77]), (neither, None)):
            connector = freshsales.connect(sandbox_settings("freshsales", retry=FAST_RETRY, budget=TEST_BUDGET), transport=httpx.MockTransport(handler))
            try:
                if expected is None:
                    with pytest.raises(UnsupportedOperation, match="no sales_activity_types selector"):
                        await connector.search("sales_activity_types", "name", "Email")
                else:
                    assert [t["id"] for t in await connector.search("sales_activity_types", "name", "Email")] == expected
            finally:
                await connector.aclose()

    async def test_tasks_list_through_both_filters(self, fs: Harness) -> None:
        contact = await a_contact(fs)
        target = {"targetable_type": "Contact", "targetable_id": contact, "due_date": "2024-05-01T10:00:00Z"}
        ids = [r.target_id for r in await fs.connector.create("tasks", [{"title": "Open", **target}, {"title": "Done", "status": 1, **target}])]
        assert sorted([r["title"] async for r in fs.connector.list("tasks")]) == ["Done", "Open"]
        deleted = await fs.connector.delete("tasks", ids)
        assert [r.outcome for r in deleted] == ["deleted", "deleted"] and fs.store.count("tasks") == 0

    async def test_activity_fields_only_where_the_account_has_them(self, fs: Harness) -> None:
        with pytest.raises(SchemaOperationFailed, match="no field settings for tasks"):
            await fs.connector.create_field("tasks", FieldDefinition(label="SMS delivery status", type="picklist", picklist=("sent",)))
        with pytest.raises(SchemaOperationFailed):
            await fs.connector.describe("notes")
        harness = Harness(SandboxConfig(options=ADMIN_MADE))
        try:
            key = await harness.connector.create_field("tasks", FieldDefinition(label="SMS delivery status", type="picklist", picklist=("sent", "failed")))
            contact = await a_contact(harness)
            target = {"title": "SMS", "due_date": "2024-05-01T10:00:00Z", "targetable_type": "Contact", "targetable_id": contact}
            results = await harness.connector.create("tasks", [{**target, key: "failed"}, {**target, key: "bounced"}])
            assert [r.outcome for r in results] == ["created", "invalid"]
            assert harness.store.get("tasks", results[0].target_id)["custom_field"] == {key: "failed"}
        finally:
            await harness.connector.aclose()


class TestLists:
    async def test_upsert_by_name_adds_members_after_the_write(self, fs: Harness) -> None:
        members = [int(r.target_id) for r in await fs.connector.create("contacts", contacts(3))]
        first = await fs.connector.upsert("lists", [{"name": "VIP", "contact_ids": members[:2]}, {"name": "Churned"}], ["name"])
        assert [r.outcome for r in first] == ["created", "created"]
        again = await fs.connector.upsert("lists", [{"name": "vip", "contact_ids": [str(members[2])]}], ["name"])
        assert (again[0].outcome, again[0].target_id) == ("updated", first[0].target_id)
        stored = fs.store.get("lists", first[0].target_id)
        assert (stored["name"], stored["contact_ids"]) == ("vip", members)
        assert [r["name"] for r in await fs.connector.search("lists", "name", "CHURNED")] == ["Churned"]

    async def test_members_that_do_not_exist_are_reported(self, fs: Harness) -> None:
        result = (await fs.connector.create("lists", [{"name": "Ghosts", "contact_ids": [1]}]))[0]
        assert (result.outcome, result.field) == ("invalid", "contact_ids")
        assert result.target_id is not None and "its contacts were not" in result.message
        duplicate = (await fs.connector.create("lists", [{"name": "ghosts"}]))[0]
        assert (duplicate.outcome, duplicate.message) == ("duplicate", "Name has already been taken")


class TestCustomModules:
    async def test_records_of_a_module_an_admin_created(self) -> None:
        harness = Harness(SandboxConfig(options=ADMIN_MADE))
        try:
            module = ModuleDefinition(singular_label="Customer.io objects", plural_label="Customer.io objects", api_name="cf_cio_objects")
            assert await harness.connector.create_module(module) == "cf_cio_objects"
            key = await harness.connector.create_field("cf_cio_objects", FieldDefinition(label="Customer.io object ID", type="text", unique=True))
            created = await harness.connector.create("cf_cio_objects", [{"name": "Plan A", key: "o1"}, {key: "o2"}])
            assert [(r.outcome, r.field) for r in created] == [("created", None), ("invalid", "name")]
            assert harness.store.get("cf_cio_objects", created[0].target_id)["custom_field"] == {key: "o1"}
            await harness.connector.update("cf_cio_objects", [{"id": created[0].target_id, "name": "Plan B"}])
            assert [r["name"] async for r in harness.connector.list("cf_cio_objects")] == ["Plan B"]
            assert [r["name"] for r in await harness.connector.get("cf_cio_objects", [created[0].target_id])] == ["Plan B"]
            with pytest.raises(UnsupportedOperation, match="write it with create"):
                await harness.connector.upsert("cf_cio_objects", [{"name": "x", key: "o3"}], [key])
            assert {e.path.split("/api/")[1].split("/")[0] for e in harness.traffic if "/settings/" not in e.path} == {"custom_module"}
            assert [r.outcome for r in await harness.connector.delete("cf_cio_objects", [created[0].target_id])] == ["deleted"]
        finally:
            await harness.connector.aclose()
