"""Fact checks of the six committed catalogs against the platform notes and the scope pages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from migc.catalog import Catalog, available_platforms, load_catalog

TARGETS = ["freshsales", "pipedrive", "zoho_crm"]
SOURCES = ["actimo", "customerio", "netmera"]

# Every "<platform> gotchas" line of the five scope pages.
SEED_GOTCHAS = {
    "netmera": [
        "Segment-based export is the primary data extraction method",
        "Push tokens are device-bound and non-transferable",
        "Widget assets have hard file size limits",
        "Journey conversion counting is user-based, not event-based",
        "GDPR data processor role complicates EU data exports",
    ],
    "zoho_crm": [
        "API access requires Professional tier or above",
        "Subform fields do not export cleanly via CSV",
        "API credit consumption is non-linear",
        "Export download links expire in 7 days",
        "Owner (User) assignments require pre-mapped user IDs",
    ],
    "freshsales": [
        "Freddy AI is Pro-tier only despite heavy marketing",
        "Post-migration emails and sequences are disabled",
        "Bot session credits are a one-time 500-session allocation",
        "Phone credits charged per minute with no cap",
        "File storage limits scale with plan tier",
    ],
    "pipedrive": [
        "Custom field hash keys differ per account",
        "Export access gated by visibility groups",
        "Token-based API rate limits since December 2024",
        "Sequences and Automations not exposed via REST API",
        "Cost escalates via workflow caps and add-ons",
    ],
    "actimo": [
        "No public API means migration relies on UI exports",
        "Learning Path media assets are not data records",
        "Workspace isolation means no cross-org analytics export",
        "Integration credentials are not portable",
    ],
    "customerio": [
        "Deleted profiles still count toward billing for the remainder of the cycle",
        "Push migration requires a new app version with the Customer.io SDK",
        "Broadcast API rate limit constrains high-volume re-imports",
        "Inactive user profiles inflate monthly billing with no campaign benefit",
        "Transactional message content may be redacted in stored logs",
    ],
}


def catalog(name: str) -> Catalog:
    return load_catalog(name)


@pytest.mark.parametrize("platform", sorted(SEED_GOTCHAS))
def test_every_seed_gotcha_is_listed(platform: str) -> None:
    titles = {gotcha.title for gotcha in catalog(platform).platform.gotchas}
    assert [g for g in SEED_GOTCHAS[platform] if g not in titles] == []


def test_zoho_batches_of_100_and_contact_names() -> None:
    zoho = catalog("zoho_crm")
    batch = zoho.platform.limits.batch
    assert batch is not None and (batch.create, batch.update, batch.upsert, batch.delete) == (100, 100, 100, 100)
    last, first = zoho.objects["Contacts"].fields["Last_Name"], zoho.objects["Contacts"].fields["First_Name"]
    assert (last.type, last.length, last.required, last.pii) == ("string", 80, True, True)
    assert (first.length, first.required) == (40, False)
    assert zoho.objects["Contacts"].fields["Account_Name"].targets == ("Accounts",)
    assert zoho.objects["Tasks"].fields["Status"].values == (
        "Not Started", "Deferred", "In Progress", "Completed", "Waiting for input"
    )
    assert zoho.objects["Tasks"].fields["Priority"].values == ("High", "Highest", "Low", "Lowest", "Normal")
    assert set(zoho.objects["Tasks"].fields["What_Id"].targets) >= {"Accounts", "Deals"}
    assert zoho.objects["Tasks"].fields["Who_Id"].targets == ("Contacts",)
    assert zoho.objects["Notes"].fields["Parent_Id"].required
    assert zoho.objects["Contacts"].fields["Created_Time"].read_only
    assert zoho.objects["Contacts"].fields["Tag"].length == 25
    assert zoho.platform.auth["oauth"].format == "Zoho-oauthtoken {access_token}"


def test_pipedrive_one_record_per_call_and_required_person_name() -> None:
    pipedrive = catalog("pipedrive")
    batch = pipedrive.platform.limits.batch
    assert batch is not None and (batch.create, batch.update, batch.delete, batch.upsert) == (1, 1, 1, None)
    assert pipedrive.objects["persons"].fields["name"].required
    assert pipedrive.platform.limits.daily_tokens is not None
    assert pipedrive.platform.limits.daily_tokens.tokens_per_seat == 30000
    assert pipedrive.platform.custom_fields is not None
    assert pipedrive.platform.custom_fields.name_pattern == "^[0-9a-f]{40}$"
    assert {(b.calls, b.per_seconds) for b in pipedrive.platform.limits.burst} >= {(20, 2), (120, 2), (10, 2)}
    assert ["person_id", "organization_id"] == list(pipedrive.objects["leads"].required_any[0])


def test_freshsales_requirements_and_custom_field_prefix() -> None:
    freshsales = catalog("freshsales")
    assert freshsales.platform.custom_fields is not None and freshsales.platform.custom_fields.prefix == "cf_"
    contact = freshsales.objects["contacts"].fields
    assert contact["last_name"].required and contact["email"].required and contact["email"].unconfirmed
    assert freshsales.objects["sales_accounts"].fields["name"].unique
    note = freshsales.objects["notes"].fields
    assert note["targetable_type"].values == ("Contact", "Lead", "SalesAccount", "Deal") and note["description"].required
    # The notes list Contact, SalesAccount and Deal: Lead (classic accounts) is marked unconfirmed.
    assert "Lead" in note["targetable_type"].unconfirmed and "leads" in note["targetable_id"].unconfirmed
    for name in ("notes", "tasks", "appointments", "sales_activities"):
        lookup = freshsales.objects[name].fields["targetable_id"]
        assert lookup.type_field == "targetable_type"
        assert lookup.type_values == {"contacts": "Contact", "leads": "Lead", "sales_accounts": "SalesAccount", "deals": "Deal"}
    assert {r.calls for r in freshsales.platform.limits.rate} == {1000, 2000, 5000}


def test_customerio_ten_requests_per_second() -> None:
    rates = catalog("customerio").platform.limits.rate
    general = [r for r in rates if r.applies_to == "App API (general)"]
    assert [(r.calls, r.per_seconds, r.unconfirmed) for r in general] == [(10, 1, "")]
    assert any((r.calls, r.per_seconds) == (1, 10) for r in rates)


def test_actimo_twenty_requests_per_second_is_unconfirmed() -> None:
    rates = catalog("actimo").platform.limits.rate
    assert [(r.calls, r.per_seconds) for r in rates] == [(20, 1)]
    assert rates[0].unconfirmed


def test_netmera_rate_limit_is_a_marked_default() -> None:
    limits = catalog("netmera").platform.limits
    assert limits.unconfirmed and all(r.unconfirmed for r in limits.rate)


def test_seed_fields_exist_on_sources() -> None:
    netmera, actimo, customerio = catalog("netmera"), catalog("actimo"), catalog("customerio")
    assert {"company", "companyDomain"} <= set(netmera.objects["User"].fields)
    assert {"osVersion", "appVersion", "token"} <= set(netmera.objects["Device"].fields)
    assert {"department", "location", "manager_id", "engagement_role"} <= set(actimo.objects["User"].fields)
    assert actimo.objects["LearningEnrollment"].fields["status"].values == ("Not Started", "In Progress", "Completed")
    assert {"lifecycle_stage", "anonymous_id"} <= set(customerio.objects["Person"].fields)
    assert customerio.objects["Delivery"].fields["type"].values[0] == "email"


@pytest.mark.parametrize("platform", SOURCES)
def test_source_objects_say_how_delta_works(platform: str) -> None:
    for name, spec in catalog(platform).objects.items():
        assert spec.modified_field or spec.no_delta, name
        assert spec.read is not None, name


@pytest.mark.parametrize("platform", TARGETS)
def test_targets_have_preexisting_users_and_loadable_core_objects(platform: str) -> None:
    objects = catalog(platform).objects
    users = objects["Users" if platform == "zoho_crm" else "users"]
    assert users.preexisting and not users.loadable
    assert sum(spec.loadable for spec in objects.values()) >= 6


@pytest.mark.parametrize("platform", sorted(set(SOURCES) | set(TARGETS)))
def test_personal_data_is_marked(platform: str) -> None:
    personal = {"email", "first_name", "last_name", "First_Name", "Last_Name", "msisdn", "Mobile", "Date_of_Birth", "dateOfBirth", "phone"}
    people = {"User", "Person", "Contacts", "Leads", "contacts", "leads", "persons"}
    for object_name, spec in catalog(platform).objects.items():
        if object_name in people:
            for field_name, field in spec.fields.items():
                if field_name in personal:
                    assert field.pii, f"{object_name}.{field_name}"


@pytest.mark.parametrize("platform", available_platforms())
def test_credentials_are_named_never_given(platform: str) -> None:
    for auth in catalog(platform).platform.auth.values():
        assert all(name.startswith("MIGC_") for name in auth.env.values())


def test_importing_the_catalog_stays_light() -> None:
    code = (
        "import sys, migc.catalog; "
        "print(','.join(sorted(m for m in ('httpx', 'jinja2', 'pygls', 'jsonschema', 'lark') if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
