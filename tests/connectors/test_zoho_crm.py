"""Contract tests: the Zoho CRM connector against its sandbox (batches, every error shape,
pagination to the last page, 429s, token refresh, faults without duplicates or losses, custom
modules and every field type the examples declare, lookups, URL attachments, users)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from migc.connectors import zoho_crm
from migc.connectors.base import AuthenticationFailed, FieldDefinition, ModuleDefinition, RequestFailed, SchemaOperationFailed, UnsupportedOperation
from migc.connectors.ratelimit import RateBudget
from migc.connectors.results import OUTCOME_UNKNOWN
from migc.connectors.retry import RetryPolicy
from migc.connectors.secrets import Secret
from migc.sandbox import zoho_crm as sandbox
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.registry import sandbox_settings
from migc.sandbox.store import Store

FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.001, max_delay=0.01)
# Tests are about behaviour, not pacing: a budget far above what the sandbox is set to allow.
TEST_BUDGET = RateBudget(calls=10_000, per_seconds=1.0, concurrency=10)


class Harness:
    def __init__(self, config: SandboxConfig | None = None, **settings: Any) -> None:
        self.store = Store()
        self.app = sandbox.create_app(config or SandboxConfig(), self.store)
        options = {"retry": FAST_RETRY, "budget": TEST_BUDGET, "seed": 11, **settings}
        self.connector = zoho_crm.connect(
            sandbox_settings("zoho_crm", config=config, **options), transport=httpx.ASGITransport(app=self.app)
        )

    @property
    def traffic(self) -> list[Any]:
        return list(self.app.state.traffic.entries)

    def batches(self, method: str = "POST") -> list[int | None]:
        return [entry.batch for entry in self.traffic if entry.method == method and entry.status != 429]


@pytest.fixture
async def zoho() -> Harness:
    harness = Harness()
    yield harness
    await harness.connector.aclose()


def contacts(count: int, prefix: str = "u") -> list[dict[str, Any]]:
    return [{"Last_Name": f"Person {i}", "Email": f"{prefix}{i}@example.com"} for i in range(count)]


class TestWrites:
    async def test_create_sends_full_batches(self, zoho: Harness) -> None:
        results = await zoho.connector.create("Contacts", contacts(250))
        assert [r.outcome for r in results] == ["created"] * 250
        assert [r.index for r in results] == list(range(250))
        assert zoho.batches() == [100, 100, 50]
        assert zoho.store.count("Contacts") == 250
        assert zoho.connector.batch_size("Contacts", "create") == 100

    async def test_partial_success_maps_every_error_shape(self, zoho: Harness) -> None:
        await zoho.connector.create_field("Contacts", FieldDefinition(label="Member Code", type="text", length=10, unique=True))
        first = await zoho.connector.create("Contacts", [{"Last_Name": "A", "Member_Code": "M1"}])
        records = [
            {"Last_Name": "Ok"},
            {"Email": "no-last-name@example.com"},
            {"Last_Name": "x" * 81},
            {"Last_Name": "Dup", "Member_Code": "m1"},
            {"Last_Name": "Bad mail", "Email": "not-an-email"},
            {"Last_Name": "Bad pick", "Lead_Source": "Carrier pigeon"},
            {"Last_Name": "Bad lookup", "Account_Name": {"id": "1"}},
        ]
        results = await zoho.connector.create("Contacts", records)
        summary = [(r.outcome, r.code, r.field) for r in results]
        assert summary == [
            ("created", "SUCCESS", None),
            ("invalid", "MANDATORY_NOT_FOUND", "Last_Name"),
            ("invalid", "INVALID_DATA", "Last_Name"),
            ("duplicate", "DUPLICATE_DATA", "Member_Code"),
            ("invalid", "INVALID_DATA", "Email"),
            ("invalid", "INVALID_DATA", "Lead_Source"),
            ("invalid", "INVALID_DATA", "Account_Name"),
        ]
        assert "maximum_length: 80" in (results[2].message or "")
        assert results[3].target_id == first[0].target_id
        assert [e.status for e in zoho.traffic if e.method == "POST" and e.path.endswith("/Contacts")][-1] == 207

    async def test_all_failed_is_a_400_with_items(self, zoho: Harness) -> None:
        results = await zoho.connector.create("Contacts", [{"Email": "a@b.io"}, {"Email": "c@d.io"}])
        assert {r.outcome for r in results} == {"invalid"}
        assert zoho.traffic[-1].status == 400

    async def test_request_level_error_raises(self, zoho: Harness) -> None:
        with pytest.raises(RequestFailed, match="INVALID_MODULE") as raised:
            await zoho.connector.create("Widgets", [{"Name": "x"}])
        assert raised.value.status == 400

    async def test_upsert_inserts_updates_and_never_duplicates(self, zoho: Harness) -> None:
        await zoho.connector.create("Contacts", contacts(3))
        batch = [
            {"Last_Name": "Renamed", "Email": "U1@example.com"},
            {"Last_Name": "New", "Email": "new@example.com"},
            {"Last_Name": "New again", "Email": "new@example.com"},
            {"Last_Name": "No key"},
        ]
        results = await zoho.connector.upsert("Contacts", batch, ["Email"])
        assert [(r.index, r.outcome, r.code) for r in results] == [
            (0, "updated", "SUCCESS"),
            (1, "created", "SUCCESS"),
            (2, "updated", "SUCCESS"),
            (3, "invalid", "KEY_MISSING"),
        ]
        emails = Counter(record["Email"].lower() for record in zoho.store.all("Contacts"))
        assert max(emails.values()) == 1
        assert zoho.store.count("Contacts") == 4

    async def test_update_by_id(self, zoho: Harness) -> None:
        created = await zoho.connector.create("Contacts", contacts(2))
        results = await zoho.connector.update(
            "Contacts", [{"id": created[0].target_id, "Title": "CTO"}, {"id": "999", "Title": "x"}]
        )
        assert [(r.outcome, r.field) for r in results] == [("updated", None), ("invalid", "id")]
        assert zoho.store.get("Contacts", created[0].target_id)["Title"] == "CTO"
        with pytest.raises(ValueError, match="needs an 'id'"):
            await zoho.connector.update("Contacts", [{"Title": "x"}])

    async def test_delete_counts_vanished_records_as_deleted(self, zoho: Harness) -> None:
        created = await zoho.connector.create("Contacts", contacts(3))
        ids = [r.target_id for r in created]
        first = await zoho.connector.delete("Contacts", ids[:2])
        assert [r.outcome for r in first] == ["deleted", "deleted"]
        again = await zoho.connector.delete("Contacts", ids)
        assert [(r.outcome, r.code) for r in again] == [("deleted", "NOT_FOUND"), ("deleted", "NOT_FOUND"), ("deleted", "SUCCESS")]
        assert zoho.store.count("Contacts") == 0
        assert zoho.store.count("recycle_bin:Contacts") == 3


class TestReads:
    async def test_list_reaches_the_last_page_past_2000(self, zoho: Harness) -> None:
        await zoho.connector.create("Contacts", contacts(2_150))
        listed = [record async for record in zoho.connector.list("Contacts")]
        assert len(listed) == 2_150
        assert len({record["id"] for record in listed}) == 2_150
        pages = [e for e in zoho.traffic if e.method == "GET" and e.path.endswith("/Contacts")]
        assert len(pages) == 11  # 200 per page

    async def test_list_of_an_empty_module(self, zoho: Harness) -> None:
        assert [record async for record in zoho.connector.list("Deals")] == []

    async def test_get_keeps_order_and_reads_more_than_50_fields(self, zoho: Harness) -> None:
        for number in range(45):
            await zoho.connector.create_field("Contacts", FieldDefinition(label=f"Extra {number:02d}", type="text"))
        created = await zoho.connector.create("Contacts", [{"Last_Name": "Wide", "Extra_44": "last", "Extra_00": "first"}, {"Last_Name": "B"}])
        ids = [created[1].target_id, "404", created[0].target_id]
        records = await zoho.connector.get("Contacts", ids)
        assert [r["id"] for r in records] == [created[1].target_id, created[0].target_id]
        assert records[1]["Extra_44"] == "last" and records[1]["Extra_00"] == "first"
        listed = [record async for record in zoho.connector.list("Contacts")]
        assert {r["Last_Name"]: r.get("Extra_44") for r in listed} == {"Wide": "last", "B": None}

    async def test_search_is_exact_and_escapes_syntax(self, zoho: Harness) -> None:
        await zoho.connector.create(
            "Accounts", [{"Account_Name": "Acme (EU), Ltd"}, {"Account_Name": "Acme"}, {"Account_Name": "Acme Two"}]
        )
        found = await zoho.connector.search("Accounts", "Account_Name", "Acme (EU), Ltd")
        assert [r["Account_Name"] for r in found] == ["Acme (EU), Ltd"]
        assert [r["Account_Name"] for r in await zoho.connector.search("Accounts", "Account_Name", "acme")] == ["Acme"]
        assert await zoho.connector.search("Accounts", "Account_Name", "nobody") == []


class TestTagsAttachmentsNotes:
    async def test_tags(self, zoho: Harness) -> None:
        record_id = (await zoho.connector.create("Contacts", contacts(1)))[0].target_id
        assert (await zoho.connector.add_tags("Contacts", record_id, ["vip", "beta"])).outcome == "updated"
        too_long = await zoho.connector.add_tags("Contacts", record_id, ["x" * 26])
        assert (too_long.outcome, too_long.code, too_long.field) == ("invalid", "INVALID_DATA", "name")
        many = await zoho.connector.add_tags("Contacts", record_id, [f"t{i}" for i in range(9)])
        assert (many.outcome, many.code) == ("invalid", "LIMIT_EXCEEDED")
        assert [t["name"] for t in zoho.store.get("Contacts", record_id)["Tag"]] == ["beta", "vip"]

    async def test_attachment_content_arrives(self, zoho: Harness) -> None:
        record_id = (await zoho.connector.create("Contacts", contacts(1)))[0].target_id
        result = await zoho.connector.attach("Contacts", record_id, "notes.txt", "héllo".encode())
        assert result.outcome == "created"
        stored = zoho.store.get("Attachments", result.target_id)
        assert stored["File_Name"] == "notes.txt" and stored["Size"] == str(len("héllo".encode()))

    async def test_notes_need_an_existing_parent(self, zoho: Harness) -> None:
        record_id = (await zoho.connector.create("Contacts", contacts(1)))[0].target_id
        parent = {"module": {"api_name": "Contacts"}, "id": record_id}
        results = await zoho.connector.create(
            "Notes",
            [
                {"Note_Content": "hello", "Parent_Id": parent},
                {"Note_Content": "orphan", "Parent_Id": {"module": {"api_name": "Contacts"}, "id": "1"}},
                {"Parent_Id": parent},
            ],
        )
        assert [(r.outcome, r.field) for r in results] == [("created", None), ("invalid", "Parent_Id"), ("invalid", "Note_Content")]


class TestSchema:
    async def test_create_field_is_idempotent_by_label(self, zoho: Harness) -> None:
        definition = FieldDefinition(label="Source System", type="picklist", picklist=("netmera", "actimo"))
        assert await zoho.connector.create_field("Contacts", definition) == "Source_System"
        assert await zoho.connector.create_field("Contacts", definition) == "Source_System"
        fields = [f for f in zoho.store.meta["zoho.fields"]["Contacts"] if f["field_label"] == "Source System"]
        assert len(fields) == 1

    async def test_picklist_values_added_once(self, zoho: Harness) -> None:
        await zoho.connector.create_field("Contacts", FieldDefinition(label="Tier", type="picklist", picklist=("gold",)))
        await zoho.connector.add_picklist_values("Contacts", "Tier", ["silver", "gold", "silver"])
        description = await zoho.connector.describe("Contacts")
        tier = next(f for f in description["fields"] if f["key"] == "Tier")
        assert tier["picklist"] == ["gold", "silver"]
        assert tier["custom"] and tier["type"] == "picklist"

    async def test_create_module_then_write_to_it(self, zoho: Harness) -> None:
        module = ModuleDefinition(singular_label="Workspace", plural_label="Actimo Workspaces")
        api_name = await zoho.connector.create_module(module)
        assert api_name == "Actimo_Workspaces"
        assert await zoho.connector.create_module(module) == api_name
        results = await zoho.connector.create(api_name, [{"Name": "HQ"}, {}])
        assert [r.outcome for r in results] == ["created", "invalid"]

    async def test_describe_is_sorted_and_neutral(self, zoho: Harness) -> None:
        description = await zoho.connector.describe("Contacts")
        keys = [f["key"] for f in description["fields"]]
        assert keys == sorted(keys)
        last_name = next(f for f in description["fields"] if f["key"] == "Last_Name")
        assert (last_name["type"], last_name["length"], last_name["required"]) == ("text", 80, True)


class TestLimitsAndAuth:
    async def test_429s_are_absorbed_without_duplicates(self) -> None:
        harness = Harness(
            SandboxConfig(rate_limit=RateLimitConfig(calls=4, per_seconds=0.2)),
            retry=RetryPolicy(max_attempts=10, base_delay=0.02, max_delay=0.2),
        )
        try:
            results = await harness.connector.upsert("Contacts", contacts(1_000), ["Email"])
            assert {r.outcome for r in results} == {"created"}
            assert harness.store.count("Contacts") == 1_000
        finally:
            await harness.connector.aclose()

    async def test_concurrency_limit_answers_429_and_is_retried(self) -> None:
        import asyncio

        harness = Harness(SandboxConfig(rate_limit=RateLimitConfig(calls=1000, per_seconds=1.0, concurrency=1), faults=FaultConfig(latency_seconds=0.01)))
        try:
            await asyncio.gather(*(harness.connector.create("Contacts", contacts(5, prefix=f"c{n}-")) for n in range(4)))
            assert harness.store.count("Contacts") == 20
            throttled = [e for e in harness.traffic if e.status == 429]
            assert throttled
            assert harness.connector.stats().throttled == len(throttled)
        finally:
            await harness.connector.aclose()

    async def test_429_body_is_zohos(self) -> None:
        harness = Harness(SandboxConfig(rate_limit=RateLimitConfig(calls=1, per_seconds=60.0)))
        try:
            transport = httpx.ASGITransport(app=harness.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://z/crm/v8") as raw:
                headers = {"Authorization": "Zoho-oauthtoken sandbox-zoho-oauthtoken"}
                await raw.get("/Contacts", params={"fields": "Email"}, headers=headers)
                response = await raw.get("/Contacts", params={"fields": "Email"}, headers=headers)
            assert response.status_code == 429
            assert response.json()["code"] == "TOO_MANY_REQUESTS"
        finally:
            await harness.connector.aclose()

    async def test_wrong_token_without_refresh_credentials(self) -> None:
        harness = Harness(token=Secret("wrong"), extra={})
        try:
            with pytest.raises(AuthenticationFailed, match="INVALID_TOKEN"):
                await harness.connector.create("Contacts", contacts(1))
        finally:
            await harness.connector.aclose()

    async def test_wrong_refresh_token(self) -> None:
        extra = {"client_id": Secret("sandbox-zoho-client-id"), "client_secret": Secret("sandbox-zoho-client-secret"), "refresh_token": Secret("revoked")}
        harness = Harness(token=Secret("expired"), extra=extra)
        try:
            with pytest.raises(AuthenticationFailed):
                await harness.connector.create("Contacts", contacts(1))
            assert harness.store.count("Contacts") == 0
        finally:
            await harness.connector.aclose()

    async def test_expired_token_is_renewed(self) -> None:
        harness = Harness(SandboxConfig(options={"access_token_uses": 2}))
        try:
            for batch in range(4):
                results = await harness.connector.create("Contacts", contacts(2, prefix=f"b{batch}-"))
                assert {r.outcome for r in results} == {"created"}
            assert harness.app.state.profile.issued >= 1
            assert harness.store.count("Contacts") == 8
        finally:
            await harness.connector.aclose()


class TestFaults:
    FAULTS = FaultConfig(
        seed=4,
        throttle_rate=0.1,
        server_error_rate=0.1,
        error_after_write_rate=0.1,
        timeout_rate=0.05,
        drop_rate=0.05,
        methods=("POST", "PUT", "DELETE"),
    )

    async def test_upsert_under_faults_loses_and_duplicates_nothing(self) -> None:
        harness = Harness(SandboxConfig(faults=self.FAULTS), timeout_seconds=0.2)
        try:
            records = contacts(1_500)
            results = []
            for start in range(0, len(records), 100):
                results += await harness.connector.upsert("Contacts", records[start : start + 100], ["Email"])
            assert all(r.ok for r in results), Counter(r.outcome for r in results)
            emails = Counter(r["Email"] for r in harness.store.all("Contacts"))
            assert len(emails) == 1_500 and max(emails.values()) == 1
            injected = harness.app.state.faults.injected
            assert {"error_after_write", "timeout", "drop"} <= set(injected)
        finally:
            await harness.connector.aclose()

    async def test_ambiguous_creates_are_reported_then_healed_by_upsert(self) -> None:
        harness = Harness(SandboxConfig(faults=self.FAULTS), timeout_seconds=0.2)
        try:
            records = contacts(1_000)
            outcomes = []
            for start in range(0, len(records), 100):
                outcomes += await harness.connector.create("Contacts", records[start : start + 100])
            unknown = [r.index for r in outcomes if r.code == OUTCOME_UNKNOWN]
            assert unknown, "the seed should produce ambiguous inserts"
            assert all(r.ok or r.code == OUTCOME_UNKNOWN or r.outcome == "retryable" for r in outcomes)
            retry = [records[i] for i, r in enumerate(outcomes) if not r.ok]
            healed = []
            for start in range(0, len(retry), 100):
                healed += await harness.connector.upsert("Contacts", retry[start : start + 100], ["Email"])
            assert all(r.ok for r in healed)
            emails = Counter(r["Email"] for r in harness.store.all("Contacts"))
            assert len(emails) == 1_000 and max(emails.values()) == 1
        finally:
            await harness.connector.aclose()

    async def test_attachment_upload_is_checked_before_resending(self) -> None:
        faults = FaultConfig(seed=1, error_after_write_rate=1.0, methods=("POST",))
        harness = Harness(SandboxConfig(faults=faults))
        try:
            record = harness.app.state.store.insert("Contacts", "1", {"id": "1", "Last_Name": "A"})
            result = await harness.connector.attach("Contacts", record["id"], "a.txt", b"abc")
            assert (result.outcome, result.code) == ("created", "FOUND_AFTER_RETRY")
            assert harness.store.count("Attachments") == 1
        finally:
            await harness.connector.aclose()


class TestCustomModulesAndFieldTypes:
    async def test_an_api_name_zoho_refuses_is_left_to_zoho(self, zoho: Harness) -> None:
        module = ModuleDefinition(singular_label="Actimo Workspace", plural_label="Actimo Workspaces", api_name="Actimo_Workspaces__c")
        api_name = await zoho.connector.create_module(module)
        assert api_name == "Actimo_Workspaces"  # derived from the label: `__` breaks Zoho's naming rules
        assert await zoho.connector.create_module(module) == api_name
        sent = zoho.store.meta["zoho.modules"][api_name]
        assert (sent["plural_label"], sent["generated_type"]) == ("Actimo Workspaces", "custom")
        # The module created in this run takes fields and records under the returned name.
        key = await zoho.connector.create_field(api_name, FieldDefinition(label="Actimo workspace ID", type="text", unique=True))
        created = await zoho.connector.upsert(api_name, [{"Name": "HQ", key: "w1"}, {"Name": "HQ again", key: "w1"}], [key])
        assert [r.outcome for r in created] == ["created", "updated"]

    async def test_a_valid_api_name_is_kept(self, zoho: Harness) -> None:
        module = ModuleDefinition(singular_label="Survey", plural_label="Actimo Surveys", api_name="Actimo_Surveys_c")
        assert await zoho.connector.create_module(module) == "Actimo_Surveys_c"
        assert zoho.connector.batch_size("Actimo_Surveys_c", "upsert") == 100

    async def test_refused_modules_raise_schema_errors(self, zoho: Harness) -> None:
        with pytest.raises(SchemaOperationFailed, match="INVALID_DATA"):
            await zoho.connector.create_module(ModuleDefinition(singular_label="Customer.io object", plural_label="Customer.io objects"))
        harness = Harness(options={"accounts_url": "http://sandbox.invalid", "module_profiles": "Team User"})
        try:
            with pytest.raises(SchemaOperationFailed, match="NOT_ALLOWED"):
                await harness.connector.create_module(ModuleDefinition(singular_label="Room", plural_label="Rooms"))
        finally:
            await harness.connector.aclose()

    async def test_every_declared_type_can_be_created_and_written(self, zoho: Harness) -> None:
        module = await zoho.connector.create_module(ModuleDefinition(singular_label="Group", plural_label="Actimo Groups", api_name="Actimo_Groups__c"))
        kinds = {
            "Score": FieldDefinition(label="Score", type="decimal"),
            "Count": FieldDefinition(label="Count", type="integer"),
            "Active": FieldDefinition(label="Active", type="boolean"),
            "Since": FieldDefinition(label="Since", type="date"),
            "Seen": FieldDefinition(label="Seen", type="datetime"),
            "Notes": FieldDefinition(label="Notes", type="textarea", length=32_000),
            "Status": FieldDefinition(label="Status", type="picklist", picklist=("Active", "Inactive")),
            "Topics": FieldDefinition(label="Topics", type="multipicklist", picklist=("hr", "it")),
            "Owner Contact": FieldDefinition(label="Owner Contact", type="text", lookup="Contacts"),
            "Parent Group": FieldDefinition(label="Parent Group", type="text", lookup=module),
        }
        keys = {label: await zoho.connector.create_field(module, definition) for label, definition in kinds.items()}
        described = {f["key"]: f for f in (await zoho.connector.describe(module))["fields"]}
        assert {label: described[key]["native_type"] for label, key in keys.items()} == {
            "Score": "double", "Count": "integer", "Active": "boolean", "Since": "date", "Seen": "datetime", "Notes": "textarea",
            "Status": "picklist", "Topics": "multiselectpicklist", "Owner Contact": "lookup", "Parent Group": "lookup",
        }
        contact = (await zoho.connector.create("Contacts", contacts(1)))[0].target_id
        first = (await zoho.connector.create(module, [{"Name": "Root"}]))[0].target_id
        values = {
            "Score": 4.5, "Count": 3, "Active": True, "Since": "2024-01-31", "Seen": "2024-01-31T10:00:00+01:00", "Notes": "x" * 3000,
            "Status": "Active", "Topics": ["hr", "it"], "Owner Contact": {"id": contact}, "Parent Group": {"id": first},
        }
        results = await zoho.connector.create(module, [{"Name": "Child", **{keys[label]: value for label, value in values.items()}}])
        assert results[0].outcome == "created", results[0]
        wrong = await zoho.connector.create(module, [{"Name": "Bad", keys["Owner Contact"]: {"id": "1"}}, {"Name": "Bad", keys["Topics"]: ["ops"]}])
        assert [(r.outcome, r.field) for r in wrong] == [("invalid", keys["Owner Contact"]), ("invalid", keys["Topics"])]
        with pytest.raises(SchemaOperationFailed, match="INVALID_DATA"):
            await zoho.connector.create_field(module, FieldDefinition(label="Nowhere", type="text", lookup="Nowhere"))

    async def test_modules_without_custom_fields(self, zoho: Harness) -> None:
        with pytest.raises(SchemaOperationFailed, match="NOT_SUPPORTED"):
            await zoho.connector.create_field("Notes", FieldDefinition(label="Actimo ID", type="text"))
        with pytest.raises(SchemaOperationFailed, match="Attachments is not a module"):
            await zoho.connector.create_field("Attachments", FieldDefinition(label="migc source id", type="text"))
        with pytest.raises(SchemaOperationFailed, match="no module 'Nowhere'"):
            await zoho.connector.describe("Nowhere")
        harness = Harness(SandboxConfig(options={"custom_field_modules": "Notes"}))
        try:
            assert await harness.connector.create_field("Notes", FieldDefinition(label="Actimo ID", type="text")) == "Actimo_ID"
        finally:
            await harness.connector.aclose()


class TestAttachmentRecords:
    async def test_links_upload_to_their_parent(self, zoho: Harness) -> None:
        contact = (await zoho.connector.create("Contacts", contacts(1)))[0].target_id
        parent = {"module": {"api_name": "Contacts"}, "id": contact}
        records = [
            {"Parent_Id": parent, "File_Name": "guide.pdf", "attachmentUrl": "https://files.example.com/guide.pdf"},
            {"Parent_Id": {"module": {"api_name": "Contacts"}, "id": "1"}, "File_Name": "x", "attachmentUrl": "https://files.example.com/x"},
            {"Parent_Id": parent, "File_Name": "no-url"},
            {"File_Name": "no-parent", "attachmentUrl": "https://files.example.com/y"},
        ]
        results = await zoho.connector.create("Attachments", records)
        assert [(r.outcome, r.field) for r in results] == [("created", None), ("invalid", None), ("invalid", "attachmentUrl"), ("invalid", "Parent_Id")]
        composite = results[0].target_id
        module, record_id, attachment_id = composite.split("/")
        assert (module, record_id) == ("Contacts", contact)
        stored = zoho.store.get("Attachments", attachment_id)
        assert (stored["File_Name"], stored["$link_url"]) == ("guide.pdf", "https://files.example.com/guide.pdf")
        assert [a["id"] for a in await zoho.connector.get("Attachments", [composite, "Contacts/1/2"])] == [composite]
        kept = await zoho.connector.update("Attachments", [{"id": composite, "File_Name": "renamed"}])
        assert (kept[0].outcome, kept[0].code) == ("updated", "UNCHANGED")
        assert zoho.connector.batch_size("Attachments", "create") == 1
        assert [(r.outcome, r.code) for r in await zoho.connector.delete("Attachments", [composite, composite])] == [("deleted", None), ("deleted", "NOT_FOUND")]
        with pytest.raises(UnsupportedOperation):
            await zoho.connector.upsert("Attachments", records[:1], ["File_Name"])
        with pytest.raises(UnsupportedOperation):
            [a async for a in zoho.connector.list("Attachments")]

    async def test_a_link_reads_back_under_the_name_it_was_written_with(self, zoho: Harness) -> None:
        """Zoho keeps a link's URL as `$link_url`; `get` also hands it back as `attachmentUrl`, so
        `migc diff` compares it. A file attachment has no URL and gains none."""
        contact = (await zoho.connector.create("Contacts", contacts(1)))[0].target_id
        url = "https://files.example.com/guide.pdf"
        link = (await zoho.connector.create("Attachments", [{"Parent_Id": {"module": {"api_name": "Contacts"}, "id": contact}, "File_Name": "guide.pdf", "attachmentUrl": url}]))[0]
        uploaded = await zoho.connector.attach("Contacts", contact, "notes.txt", b"abc")
        file_id = f"Contacts/{contact}/{uploaded.target_id}"
        read = {a["id"]: a for a in await zoho.connector.get("Attachments", [link.target_id, file_id])}
        assert (read[link.target_id]["attachmentUrl"], read[link.target_id]["$link_url"]) == (url, url)
        assert "attachmentUrl" not in read[file_id] and read[file_id]["File_Name"] == "notes.txt"

    async def test_a_lost_reply_is_checked_before_resending(self) -> None:
        harness = Harness(SandboxConfig(faults=FaultConfig(seed=2, error_after_write_rate=1.0, methods=("POST",))))
        try:
            harness.store.insert("Contacts", "42", {"id": "42", "Last_Name": "A"})
            record = {"Parent_Id": {"module": {"api_name": "Contacts"}, "id": "42"}, "File_Name": "a", "attachmentUrl": "https://files.example.com/a"}
            result = (await harness.connector.create("Attachments", [record]))[0]
            assert (result.outcome, result.code) == ("created", "FOUND_AFTER_RETRY")
            assert harness.store.count("Attachments") == 1
        finally:
            await harness.connector.aclose()


class TestUsers:
    async def test_users_are_read_only(self, zoho: Harness) -> None:
        users = [u async for u in zoho.connector.list("Users")]
        assert [u["email"] for u in users] == [u["email"] for u in sandbox.SANDBOX_USERS]
        found = await zoho.connector.search("Users", "email", "SALES@sandbox.invalid")
        assert [u["full_name"] for u in found] == ["Sandbox Sales"]
        assert [u["id"] for u in await zoho.connector.get("Users", [found[0]["id"], "0"])] == [found[0]["id"]]
        with pytest.raises(UnsupportedOperation):
            await zoho.connector.create("Users", [{"email": "x@example.com"}])
