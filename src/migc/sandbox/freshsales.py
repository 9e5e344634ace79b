"""The Freshsales (Freshworks CRM Suite) sandbox: an ASGI emulator of the record, upsert, view,
lookup, activity, list, custom-module record, document, selector and field-settings endpoints
under `/crm/sales/api`, per the platform notes (freshsales.md).

What it reproduces:

- auth `Authorization: Token token=<API key>`, else 401;
- bodies wrapped in the singular name (`{"contact":{...}}`, `{"sales_activity":{...}}`), lists
  under the plural name with `meta: {total_pages, total}`; `page` (1-based) and `per_page`
  (default 25, capped at 100);
- errors `{"errors":{"code":400,"message":["Last name can't be blank"]}}`: required fields,
  lengths (255 for text), types (numbers, dates, ISO 8601 date-times, checkboxes), dropdown
  choices, ids from `/selector/*` lists (`sales_activity_type_id`, `owner_id`), uniqueness
  (`Email is not unique`, `Name has already been taken`), lookups (`sales_account_id`) and
  activity targets (`targetable_type` Contact / SalesAccount / Deal, and Lead as on classic
  accounts, `targetable_id`) that must exist;
- custom values under `custom_field` with `cf_` keys; `custom_fields` (plural) and other
  unknown keys are ignored, as the notes report;
- objects: contacts, sales_accounts, deals, leads (classic accounts), notes, tasks,
  appointments, sales_activities, lists (with `PUT /lists/{id}/add_contacts`) and the records of
  custom modules (`/custom_module/{entity_name}`);
- upsert by `unique_identifier` (one unique field: `emails`, `mobile_number`, `name` of a sales
  account, or a unique `cf_` field) for contacts, sales accounts and deals: 201 when created,
  200 when updated; other objects have no upsert (404);
- lookup `GET /lookup?q=&f=&entities=` for contact, sales_account, deal and lead;
- listing: "All ..." views (`/{entity}/filters`, `/{entity}/view/{id}`) for contacts, sales
  accounts, deals, leads and custom modules; `GET /tasks?filter=open|completed`,
  `GET /appointments?filter=upcoming|past`, `GET /sales_activities`, `GET /lists`;
- tags as a string list replaced on update; field settings and field creation through forms
  with numeric `field_type` codes (`FIELD_TYPE_CODES`, shared with the connector) for
  contacts, sales accounts, deals, sales activities, leads and custom modules;
- an hourly budget from `config.rate_limit` (1,000 per hour on Growth), 429 with
  `{"errors":{"code":429,"message":["Too many requests"]}}` and `Retry-After`.

Unconfirmed in the notes and chosen here (options can switch them): the 401 body
`{"login":"failed","message":"Incorrect or expired API key"}`, `Retry-After` on 429 (option
`retry_after_header`, default true), `X-RateLimit-Total`/`-Remaining` headers (option
`ratelimit_headers`, default false), upsert statuses, the lookup answer shape
`{"contacts":{"contacts":[...]}}` (and `entities=lead`), the field-type codes, required contact
fields (`last_name` and `email`; option `contact_required`), required lead fields (none; option
`lead_required`), the payload keys of appointments, sales activities and lists (a sales
activity's `email_disposed` dropdown, bounced / unsubscribed, is named by a scope page only), unique list
names, `DELETE /lists/{id}`, the sales activity types (`SALES_ACTIVITY_TYPES`: Email, Call, Meeting,
Chat, with ids from 31000000001 and an `internal_name`; option `sales_activity_types`), the task and
appointment list filters, the wrapper key of custom-module records (the entity name) and their
field settings at `/settings/{entity_name}/fields`, and that a custom field may share its label
with a standard field (labels are unique among custom fields).

Not in the notes, so off unless an option turns it on: field settings of tasks, appointments and
notes (option `activity_field_settings`, default false: `/settings/tasks/fields` answers 404).
Not in the notes either, but on by default because classic accounts (the ones with a leads module,
which this sandbox serves) are assumed to allow it: notes, tasks, appointments and sales
activities attached to a Lead (`targetable_type` "Lead"); option `lead_targets` false answers
`The type for Lead is invalid.` as for any other unknown type. Documents never take Lead.
Custom modules cannot be created through the API here (the notes give no payload): option
`custom_modules` (`{"entity_name": "Label"}`, or the string `"entity_name=Label;other=Label"`)
stands for modules an admin created in the UI, each with its required `name` field.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from migc.connectors.freshsales import FIELD_TYPE_CODES
from migc.sandbox.base import (
    InvalidBody,
    LimitState,
    PlatformProfile,
    RateLimitConfig,
    SandboxConfig,
    build_app,
    json_response,
    note_batch,
    read_json,
    read_multipart,
)
from migc.sandbox.store import Record, Store

PLATFORM = "freshsales"
BASE_PATH = "/crm/sales"
API = f"{BASE_PATH}/api"
DEFAULT_RATE_LIMIT = RateLimitConfig(calls=1_000, per_seconds=3_600.0)
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
TEXT_LENGTH = 255
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ENTITY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CUSTOM_MODULE_ID_BASE = 30_000_000_000
CODE_TYPES = {code: name for name, code in FIELD_TYPE_CODES.items()}

# Selector lists (`GET /selector/<name>`): the ids system dropdown fields take. Sales activity
# types are the ones a new account ships with (ids far from 0 and 1, as a real account's are, so
# a guessed constant cannot pass); option `sales_activity_types` ("Call;Meeting") stands for an
# account whose admin renamed or removed some.
SALES_ACTIVITY_TYPE_ID_BASE = 31_000_000_000
SALES_ACTIVITY_TYPES = ("Email", "Call", "Meeting", "Chat")
# The account's users, whom records name in `owner_id`; option `owners` ("Name <email>;...")
# stands for another team. Answered under "users" (the key of the real answer is unconfirmed).
OWNER_ID_BASE = 32_000_000_000
OWNERS = ("Account Admin <admin@acme.example>", "Sales Rep <rep@acme.example>")
SELECTOR_ANSWER_KEYS = {"owners": "users"}


def selector_lists(options: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The selector lists this sandbox serves, with their ids, under the config's options."""
    chosen = options.get("sales_activity_types")
    names = SALES_ACTIVITY_TYPES if chosen is None else tuple(n.strip() for n in str(chosen).split(";") if n.strip())
    types = [
        {"id": SALES_ACTIVITY_TYPE_ID_BASE + position, "name": name, "internal_name": re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")}
        for position, name in enumerate(names, start=1)
    ]
    chosen = options.get("owners")
    people = OWNERS if chosen is None else tuple(p.strip() for p in str(chosen).split(";") if p.strip())
    owners = []
    for position, person in enumerate(people, start=1):
        name, _, email = person.partition("<")
        owners.append({"id": OWNER_ID_BASE + position, "display_name": name.strip(), "email": email.rstrip(">").strip(), "is_active": True})
    return {"sales_activity_types": types, "owners": owners}


@dataclass(frozen=True)
class ObjectKind:
    """How one object behaves on the wire.

    `singular` wraps bodies; `model` is the name `targetable_type` uses for it; `family` is
    `entity` (field settings, tags, views), `activity` (targets a record) or `list`."""

    singular: str
    model: str | None
    id_base: int
    family: str
    upsert: bool = False
    lookup: bool = False
    views: bool = False
    field_settings: bool = False
    view_label: str = ""


OBJECTS: dict[str, ObjectKind] = {
    "contacts": ObjectKind("contact", "Contact", 5_005_000_000, "entity", upsert=True, lookup=True, views=True, field_settings=True, view_label="All Contacts"),
    "sales_accounts": ObjectKind("sales_account", "SalesAccount", 12_000_000_000, "entity", upsert=True, lookup=True, views=True, field_settings=True, view_label="All Accounts"),
    "deals": ObjectKind("deal", "Deal", 13_000_000_000, "entity", upsert=True, lookup=True, views=True, field_settings=True, view_label="All Deals"),
    "leads": ObjectKind("lead", "Lead", 17_000_000_000, "entity", lookup=True, views=True, field_settings=True, view_label="All Leads"),
    "notes": ObjectKind("note", None, 14_000_000_000, "activity"),
    "tasks": ObjectKind("task", None, 15_000_000_000, "activity"),
    "appointments": ObjectKind("appointment", None, 18_000_000_000, "activity"),
    "sales_activities": ObjectKind("sales_activity", None, 19_000_000_000, "activity", field_settings=True),
    "lists": ObjectKind("list", None, 20_000_000_000, "list"),
}
# What a note, task, appointment or sales activity (and a document) may be attached to.
TARGETABLE = {"Contact": "contacts", "SalesAccount": "sales_accounts", "Deal": "deals"}
# Classic accounts, which have a leads module, are assumed to attach activities to Leads too (not
# in the platform notes); option `lead_targets` false stands for an account that does not.
LEAD_TARGETABLE = {"Lead": "leads"}
ACTIVITY_OBJECTS = frozenset(name for name, kind in OBJECTS.items() if kind.family == "activity")


def _field(
    name: str,
    label: str,
    type: str,
    *,
    required: bool = False,
    unique: bool = False,
    choices: tuple[str, ...] = (),
    target: str | None = None,
) -> dict[str, Any]:
    field = {"name": name, "label": label, "type": type, "required": required, "unique": unique, "visible": True, "choices": [{"value": c} for c in choices]}
    if target is not None:
        field["target"] = target
    return field


_TARGET_FIELDS = [_field("targetable_type", "Targetable type", "targetable_type", required=True), _field("targetable_id", "Targetable", "targetable_id", required=True)]

DEFAULT_FIELDS: dict[str, list[dict[str, Any]]] = {
    "contacts": [
        _field("first_name", "First name", "text"),
        _field("last_name", "Last name", "text", required=True),
        _field("email", "Email", "email", required=True, unique=True),
        _field("mobile_number", "Mobile", "phone_number", unique=True),
        _field("work_number", "Work", "phone_number"),
        _field("job_title", "Job title", "text"),
        _field("department", "Department", "text"),
        _field("address", "Address", "text"),
        _field("city", "City", "text"),
        _field("state", "State", "text"),
        _field("zipcode", "Zipcode", "text"),
        _field("country", "Country", "text"),
        _field("time_zone", "Time zone", "text"),
        _field("external_id", "External ID", "text"),
        _field("sales_account_id", "Account", "lookup", target="sales_accounts"),
        _field("owner_id", "Owner", "selector:owners"),
        _field("lead_source_id", "Lead source", "number"),
        _field("lifecycle_stage_id", "Lifecycle stage", "number"),
        _field("contact_status_id", "Status", "number"),
        _field("do_not_disturb", "Do not disturb", "checkbox"),
        _field("tags", "Tags", "tags"),
    ],
    "sales_accounts": [
        _field("name", "Name", "text", required=True, unique=True),
        _field("website", "Website", "url"),
        _field("phone", "Phone", "phone_number"),
        _field("address", "Address", "text"),
        _field("city", "City", "text"),
        _field("state", "State", "text"),
        _field("zipcode", "Zipcode", "text"),
        _field("country", "Country", "text"),
        _field("number_of_employees", "Number of employees", "number"),
        _field("annual_revenue", "Annual revenue", "number"),
        _field("owner_id", "Owner", "selector:owners"),
        _field("tags", "Tags", "tags"),
    ],
    "deals": [
        _field("name", "Name", "text", required=True),
        _field("amount", "Deal value", "number"),
        _field("sales_account_id", "Account", "lookup", target="sales_accounts"),
        _field("expected_close", "Expected close date", "date"),
        _field("closed_date", "Closed date", "date"),
        _field("probability", "Probability", "number"),
        _field("owner_id", "Owner", "selector:owners"),
        _field("tags", "Tags", "tags"),
    ],
    "leads": [
        _field("first_name", "First name", "text"),
        _field("last_name", "Last name", "text"),
        _field("email", "Email", "email"),
        _field("mobile_number", "Mobile", "phone_number"),
        _field("work_number", "Work", "phone_number"),
        _field("job_title", "Job title", "text"),
        _field("company", "Company", "json"),
        _field("country", "Country", "text"),
        _field("lead_stage_id", "Lead stage", "number"),
        _field("lead_source_id", "Lead source", "number"),
        _field("owner_id", "Owner", "selector:owners"),
        _field("tags", "Tags", "tags"),
    ],
    "notes": [_field("description", "Description", "textarea", required=True), *_TARGET_FIELDS],
    "tasks": [
        _field("title", "Title", "text", required=True),
        _field("description", "Description", "textarea"),
        _field("due_date", "Due date", "datetime", required=True),
        _field("owner_id", "Owner", "selector:owners"),
        _field("status", "Status", "number"),
        _field("task_type_id", "Task type", "number"),
        _field("outcome_id", "Outcome", "number"),
        *_TARGET_FIELDS,
    ],
    "appointments": [
        _field("title", "Title", "text", required=True),
        _field("description", "Description", "textarea"),
        _field("from_date", "From date", "datetime", required=True),
        _field("end_date", "End date", "datetime", required=True),
        _field("time_zone", "Time zone", "text"),
        _field("location", "Location", "text"),
        _field("is_allday", "All day", "checkbox"),
        _field("targetable_type", "Targetable type", "targetable_type"),
        _field("targetable_id", "Targetable", "targetable_id"),
        _field("appointment_attendees_attributes", "Attendees", "json_list"),
    ],
    "sales_activities": [
        _field("title", "Title", "text", required=True),
        _field("sales_activity_type_id", "Sales activity type", "selector:sales_activity_types", required=True),
        _field("start_date", "Start date", "datetime", required=True),
        _field("end_date", "End date", "datetime", required=True),
        _field("notes", "Notes", "textarea"),
        _field("owner_id", "Owner", "selector:owners"),
        _field("outcome_id", "Outcome", "number"),
        _field("email_disposed", "Email disposed", "dropdown", choices=("bounced", "unsubscribed")),
        *_TARGET_FIELDS,
    ],
    "lists": [_field("name", "Name", "text", required=True, unique=True)],
}
CUSTOM_MODULE_FIELDS = [_field("name", "Name", "text", required=True)]


def errors(status: int, *messages: str) -> Response:
    return json_response({"errors": {"code": status, "message": list(messages)}}, status=status)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"))


def parse_custom_modules(value: Any) -> dict[str, str]:
    """The `custom_modules` option: a mapping, or `"entity_name=Label;other=Label"`."""
    if not value:
        return {}
    if isinstance(value, dict):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    else:
        pairs = [tuple(part.split("=", 1)) if "=" in part else (part, part) for part in str(value).split(";") if part.strip()]
    modules = {}
    for entity, label in pairs:
        entity = entity.strip()
        if not ENTITY_NAME.match(entity) or entity in OBJECTS:
            raise ValueError(f"custom_modules: {entity!r} is not a usable entity name")
        modules[entity] = label.strip() or entity
    return modules


class FreshsalesProfile(PlatformProfile):
    platform = PLATFORM

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        return headers.get("authorization") == f"Token token={self.token}"

    def unauthorized(self) -> Response:
        return json_response({"login": "failed", "message": "Incorrect or expired API key"}, status=401)

    def throttled(self, state: LimitState) -> Response:
        headers = self.limit_headers(state)
        if self.config.options.get("retry_after_header", True) and state.reset_seconds is not None:
            headers["Retry-After"] = str(max(1, round(state.reset_seconds)))
        return json_response({"errors": {"code": 429, "message": ["Too many requests"]}}, status=429, headers=headers)

    def server_error(self, status: int) -> Response:
        return errors(status, "Something went wrong")

    def limit_headers(self, state: LimitState) -> dict[str, str]:
        if not self.config.options.get("ratelimit_headers") or state.limit is None:
            return {}
        return {"X-RateLimit-Total": str(state.limit), "X-RateLimit-Remaining": str(state.remaining or 0)}


class FreshsalesSandbox:
    """Route handlers over one store; field definitions live in `store.meta["freshsales.fields"]`,
    custom modules in `store.meta["freshsales.modules"]`."""

    def __init__(self, config: SandboxConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.required_by_option = {
            "contacts": list(config.options.get("contact_required", ["last_name", "email"])),
            "leads": list(config.options.get("lead_required", [])),
        }
        self.activity_field_settings = _truthy(config.options.get("activity_field_settings", False))
        lead_targets = _truthy(config.options.get("lead_targets", True))
        self.activity_targets = {**TARGETABLE, **LEAD_TARGETABLE} if lead_targets else dict(TARGETABLE)
        self.selectors = selector_lists(config.options)
        fields = store.meta.setdefault("freshsales.fields", {})
        modules = store.meta.setdefault("freshsales.modules", {})
        changed = False
        for entity in OBJECTS:
            if entity not in fields:
                fields[entity] = self._numbered(DEFAULT_FIELDS[entity], entity)
                changed = True
        for entity, label in parse_custom_modules(config.options.get("custom_modules")).items():
            if entity not in modules:
                modules[entity] = {"id": CUSTOM_MODULE_ID_BASE + self.store.next_id("freshsales.module"), "entity_name": entity, "label": label}
                fields[entity] = self._numbered(CUSTOM_MODULE_FIELDS, entity)
                changed = True
        if changed:
            store.mark_baseline()

    def _numbered(self, definitions: list[dict[str, Any]], entity: str) -> list[dict[str, Any]]:
        return [{**f, "id": self.store.next_id("freshsales.field", start=1000), "base_model": entity} for f in definitions]

    # -- object kinds ------------------------------------------------------------------------------

    def kind_of(self, entity: str) -> ObjectKind | None:
        kind = OBJECTS.get(entity)
        if kind is not None:
            return kind
        module = self.store.meta["freshsales.modules"].get(entity)
        if module is None:
            return None
        return ObjectKind(entity, None, module["id"] * 1_000, "entity", views=True, field_settings=True, view_label=f"All {module['label']}")

    def fields_of(self, entity: str) -> list[dict[str, Any]]:
        return self.store.meta["freshsales.fields"][entity]

    def serves_field_settings(self, entity: str) -> bool:
        kind = self.kind_of(entity)
        return kind is not None and (kind.field_settings or (self.activity_field_settings and kind.family == "activity"))

    def _now(self) -> str:
        tick = self.store.next_id("freshsales.clock")
        return (EPOCH + timedelta(seconds=tick)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- validation ------------------------------------------------------------------------------

    def validate(self, entity: str, values: dict[str, Any], custom: dict[str, Any], *, creating: bool, existing_id: int | None) -> tuple[str, ...] | None:
        problems: list[str] = []
        fields = {f["name"]: f for f in self.fields_of(entity)}
        listed = self.required_by_option.get(entity)
        for field in fields.values():
            name = field["name"]
            if field["type"] in ("targetable_type", "targetable_id"):
                continue
            # Where an option lists the required standard fields, it decides for them; custom
            # fields keep their own flag.
            required = field["required"] if listed is None or name.startswith("cf_") else name in listed
            source = custom if name.startswith("cf_") else values
            value = source.get(name)
            blank = value is None or (isinstance(value, str) and not value.strip())
            if required and blank and (creating or name in source):
                problems.append(f"{field['label']} can't be blank")
                continue
            if blank:
                continue
            problem = self._check(field, value)
            if problem:
                problems.append(problem)
                continue
            if field.get("unique") and self._taken(entity, name, value, existing_id):
                problems.append(f"{field['label']} has already been taken" if entity in ("sales_accounts", "lists") else f"{field['label'].replace(' ', '')} is not unique")
        if "targetable_type" in fields and (creating or "targetable_type" in values or "targetable_id" in values):
            target_problem = self._target_problem(values.get("targetable_type"), values.get("targetable_id"), required=fields["targetable_type"]["required"])
            if target_problem:
                problems.append(target_problem)
        return tuple(problems) or None

    def _check(self, field: dict[str, Any], value: Any) -> str | None:
        label, kind = field["label"], field["type"]
        if kind in ("text", "textarea", "url", "phone_number", "email"):
            if not isinstance(value, str):
                return f"{label} is invalid"
            if kind != "textarea" and len(value) > TEXT_LENGTH:
                return f"{label} is too long (maximum is {TEXT_LENGTH} characters)"
            if kind == "email" and not EMAIL_PATTERN.match(value):
                return f"{label} is invalid"
            return None
        if kind == "number":
            return None if isinstance(value, int | float) and not isinstance(value, bool) else f"{label} is not a number"
        if kind == "lookup":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{label} is not a number"
            target = field.get("target")
            if target and self.store.get(target, str(value)) is None:
                return f"{OBJECTS[target].model or target} does not exist" if target != "sales_accounts" else "Sales account does not exist"
            return None
        if kind.startswith("selector:"):
            allowed = {entry["id"] for entry in self.selectors[kind.split(":", 1)[1]]}
            return None if value in allowed and not isinstance(value, bool) else f"{label} is invalid"
        if kind == "checkbox":
            return None if isinstance(value, bool) else f"{label} is invalid"
        if kind == "date":
            return None if _is_date(value) else f"{label} is not a valid date"
        if kind == "datetime":
            return None if _is_datetime(value) else f"{label} is not a valid date"
        if kind == "dropdown":
            allowed = [c["value"] for c in field["choices"]]
            return None if value in allowed else f"{label} is not included in the list"
        if kind == "multi_select_dropdown":
            allowed = [c["value"] for c in field["choices"]]
            items = value.split(";") if isinstance(value, str) else value
            return None if isinstance(items, list) and all(i in allowed for i in items) else f"{label} is not included in the list"
        if kind == "tags":
            return None if isinstance(value, list) and all(isinstance(t, str) for t in value) else "Tags is invalid"
        if kind == "json":
            return None if isinstance(value, dict) else f"{label} is invalid"
        if kind == "json_list":
            return None if isinstance(value, list) and all(isinstance(v, dict) for v in value) else f"{label} is invalid"
        return None  # targetable_type / targetable_id: checked together

    def _target_problem(self, targetable_type: Any, targetable_id: Any, *, required: bool, targets: dict[str, str] | None = None) -> str | None:
        """What is wrong with an activity's (or, with `targets`, a document's) target, if anything."""
        if targetable_type is None and targetable_id is None and not required:
            return None
        targets = self.activity_targets if targets is None else targets
        if targetable_type not in targets:
            return f"The type for {targetable_type} is invalid." if targetable_type else "Targetable type can't be blank"
        if isinstance(targetable_id, bool) or not isinstance(targetable_id, int | str) or self.store.get(targets[targetable_type], str(targetable_id)) is None:
            return "Targetable does not exist"
        return None

    def _taken(self, entity: str, name: str, value: Any, existing_id: int | None) -> bool:
        wanted = _norm(value)
        for record in self.store.all(entity):
            if record["id"] == existing_id:
                continue
            if _norm(_held(record, name)) == wanted:
                return True
        return False

    def _split(self, entity: str, body: Any) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        key = self.kind_of(entity).singular
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            return errors(400, f"{key} is missing")
        payload = body[key]
        known = {f["name"] for f in self.fields_of(entity)}
        values = {name: value for name, value in payload.items() if name in known and not name.startswith("cf_")}
        custom_in = payload.get("custom_field") if isinstance(payload.get("custom_field"), dict) else {}
        custom = {name: value for name, value in custom_in.items() if name in known}
        return values, custom

    # -- records ---------------------------------------------------------------------------------

    async def _json(self, request: Request) -> Any:
        try:
            body = await read_json(request)
        except InvalidBody as error:
            return errors(400, f"Invalid request: {error}")
        note_batch(request, 1)
        return body

    def _entity(self, request: Request, *, custom: bool = False) -> str | None:
        """The object a path names: `/{entity}` for built-in objects, `/custom_module/{entity}`
        for custom modules (and the reverse is not found)."""
        entity = request.path_params["entity"]
        kind = self.kind_of(entity)
        if kind is None or (entity in OBJECTS) == custom:
            return None
        return entity

    def _insert(self, entity: str, values: dict[str, Any], custom: dict[str, Any]) -> Record:
        now = self._now()
        kind = self.kind_of(entity)
        record_id = kind.id_base + self.store.next_id(f"freshsales.{entity}")
        record: Record = {"id": record_id, **values}
        if kind.family == "entity":
            record["custom_field"] = custom
            record["tags"] = values.get("tags", [])
        elif custom:
            record["custom_field"] = custom
        if kind.family == "list":
            record["contact_ids"] = []
        record.update(created_at=now, updated_at=now)
        return self.store.insert(entity, str(record_id), record)

    def _apply(self, record: Record, values: dict[str, Any], custom: dict[str, Any]) -> Record:
        record.update(values)
        if custom or "custom_field" in record:
            record["custom_field"] = {**record.get("custom_field", {}), **custom}
        record["updated_at"] = self._now()
        return record

    async def _create(self, request: Request, entity: str | None) -> Response:
        if entity is None:
            return errors(404, "Not Found")
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        split = self._split(entity, body)
        if isinstance(split, Response):
            return split
        values, custom = split
        problems = self.validate(entity, values, custom, creating=True, existing_id=None)
        if problems:
            return errors(400, *problems)
        return json_response({self.kind_of(entity).singular: _public(self._insert(entity, values, custom))})

    async def _get_one(self, request: Request, entity: str | None) -> Response:
        record = self.store.get(entity, request.path_params["record_id"]) if entity else None
        if record is None:
            return errors(404, "Not Found")
        return json_response({self.kind_of(entity).singular: _public(record)})

    async def _update(self, request: Request, entity: str | None) -> Response:
        record = self.store.get(entity, request.path_params["record_id"]) if entity else None
        if record is None:
            return errors(404, "Not Found")
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        split = self._split(entity, body)
        if isinstance(split, Response):
            return split
        values, custom = split
        problems = self.validate(entity, values, custom, creating=False, existing_id=record["id"])
        if problems:
            return errors(400, *problems)
        return json_response({self.kind_of(entity).singular: _public(self._apply(record, values, custom))})

    async def _delete(self, request: Request, entity: str | None) -> Response:
        record_id = request.path_params["record_id"]
        if entity is None or self.store.delete(entity, record_id) is None:
            return errors(404, "Not Found")
        return json_response({"success": True})

    async def create(self, request: Request) -> Response:
        return await self._create(request, self._entity(request))

    async def get_one(self, request: Request) -> Response:
        return await self._get_one(request, self._entity(request))

    async def update(self, request: Request) -> Response:
        return await self._update(request, self._entity(request))

    async def delete(self, request: Request) -> Response:
        return await self._delete(request, self._entity(request))

    async def module_create(self, request: Request) -> Response:
        return await self._create(request, self._entity(request, custom=True))

    async def module_get_one(self, request: Request) -> Response:
        return await self._get_one(request, self._entity(request, custom=True))

    async def module_update(self, request: Request) -> Response:
        return await self._update(request, self._entity(request, custom=True))

    async def module_delete(self, request: Request) -> Response:
        return await self._delete(request, self._entity(request, custom=True))

    async def upsert(self, request: Request) -> Response:
        entity = self._entity(request)
        if entity is None or not self.kind_of(entity).upsert:
            return errors(404, "Not Found")
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        identifier = body.get("unique_identifier") if isinstance(body, dict) else None
        if not isinstance(identifier, dict) or len(identifier) != 1:
            return errors(400, "unique_identifier is invalid")
        (name, value), = identifier.items()
        field_name = "email" if name == "emails" else name
        field = next((f for f in self.fields_of(entity) if f["name"] == field_name), None)
        if field is None or not field.get("unique") or value in (None, ""):
            return errors(400, f"unique_identifier {name} is invalid")
        split = self._split(entity, body)
        if isinstance(split, Response):
            return split
        values, custom = split
        wanted = _norm(value)
        existing = next((r for r in self.store.all(entity) if _norm(_held(r, field_name)) == wanted), None)
        if field_name.startswith("cf_"):
            custom.setdefault(field_name, value)
        else:
            values.setdefault(field_name, value)
        problems = self.validate(entity, values, custom, creating=existing is None, existing_id=existing["id"] if existing else None)
        if problems:
            return errors(400, *problems)
        singular = self.kind_of(entity).singular
        if existing is not None:
            return json_response({singular: _public(self._apply(existing, values, custom))}, status=200)
        return json_response({singular: _public(self._insert(entity, values, custom))}, status=201)

    # -- views, lists of records, lookup -------------------------------------------------------------

    async def filters(self, request: Request) -> Response:
        return self._filters(self._entity(request))

    async def module_filters(self, request: Request) -> Response:
        return self._filters(self._entity(request, custom=True))

    def _filters(self, entity: str | None) -> Response:
        kind = self.kind_of(entity) if entity else None
        if kind is None or not kind.views:
            return errors(404, "Not Found")
        model = kind.model or entity
        label = kind.view_label
        return json_response({"filters": [{"id": 1, "name": label, "model_class_name": model, "is_default": True}, {"id": 2, "name": "My " + label[4:], "model_class_name": model, "is_default": False}]})

    async def view(self, request: Request) -> Response:
        return self._view(request, self._entity(request))

    async def module_view(self, request: Request) -> Response:
        return self._view(request, self._entity(request, custom=True))

    def _view(self, request: Request, entity: str | None) -> Response:
        kind = self.kind_of(entity) if entity else None
        if kind is None or not kind.views or request.path_params["view_id"] not in ("1", "2"):
            return errors(404, "Not Found")
        return self._page(request, entity, self.store.all(entity))

    def _page(self, request: Request, entity: str, records: list[Record]) -> Response:
        query = request.query_params
        try:
            page = max(1, int(query.get("page", 1)))
            per_page = min(MAX_PER_PAGE, max(1, int(query.get("per_page", DEFAULT_PER_PAGE))))
        except ValueError:
            return errors(400, "page is invalid")
        sort = query.get("sort")
        if sort:
            records = sorted(records, key=lambda r: (str(r.get(sort) or ""), r["id"]), reverse=query.get("sort_type") == "desc")
        total = len(records)
        total_pages = max(1, -(-total // per_page))
        chunk = records[(page - 1) * per_page : page * per_page]
        return json_response({entity: [_public(r) for r in chunk], "meta": {"total_pages": total_pages, "total": total}})

    async def list_activities(self, request: Request) -> Response:
        entity = request.path_params["entity"]
        records = self.store.all(entity) if entity in ("tasks", "appointments", "sales_activities") else None
        if records is None:
            return errors(404, "Not Found")
        wanted = request.query_params.get("filter")
        now = self._now()
        if entity == "tasks":
            done = {"open": False, "completed": True}.get(wanted or "open")
            if done is None:
                return errors(400, f"The filter {wanted} is invalid.")
            records = [r for r in records if (r.get("status") == 1) == done]
        elif entity == "appointments":
            upcoming = {"upcoming": True, "past": False}.get(wanted or "upcoming")
            if upcoming is None:
                return errors(400, f"The filter {wanted} is invalid.")
            records = [r for r in records if (_utc(r.get("end_date")) >= _utc(now)) == upcoming]
        return self._page(request, entity, records)

    async def lookup(self, request: Request) -> Response:
        query = request.query_params
        term, field, entities = query.get("q"), query.get("f"), query.get("entities", "contact")
        if not term or not field:
            return errors(400, "q and f are required")
        answer: dict[str, Any] = {}
        for singular in entities.split(","):
            entity = next((e for e, kind in OBJECTS.items() if kind.singular == singular and kind.lookup), None)
            if entity is None:
                return errors(400, f"The type for {singular} is invalid.")
            wanted = term.strip().lower()
            found = [_public(r) for r in self.store.all(entity) if _norm(_held(r, field)) == wanted]
            answer[entity] = {entity: found}
        return json_response(answer)

    async def selector(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.selectors:
            return errors(404, "Not Found")
        return json_response({SELECTOR_ANSWER_KEYS.get(name, name): self.selectors[name]})

    # -- lists ----------------------------------------------------------------------------------------

    async def lists_index(self, request: Request) -> Response:
        return json_response({"lists": [_public(r) for r in self.store.all("lists")]})

    async def lists_create(self, request: Request) -> Response:
        return await self._create(request, "lists")

    async def lists_get(self, request: Request) -> Response:
        return await self._get_one(request, "lists")

    async def lists_update(self, request: Request) -> Response:
        return await self._update(request, "lists")

    async def lists_delete(self, request: Request) -> Response:
        return await self._delete(request, "lists")

    async def lists_add_contacts(self, request: Request) -> Response:
        record = self.store.get("lists", request.path_params["record_id"])
        if record is None:
            return errors(404, "Not Found")
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids or any(isinstance(i, bool) or not isinstance(i, int | str) for i in ids):
            return errors(400, "Ids is invalid")
        missing = [i for i in ids if self.store.get("contacts", str(i)) is None]
        if missing:
            return errors(400, f"Contact {missing[0]} does not exist")
        members = [int(i) for i in ids]
        record["contact_ids"] = sorted(set(record.get("contact_ids", [])) | set(members))
        record["updated_at"] = self._now()
        return json_response({"list": _public(record)})

    # -- documents -----------------------------------------------------------------------------------

    async def upload_document(self, request: Request) -> Response:
        try:
            parts = await read_multipart(request)
        except InvalidBody as error:
            return errors(400, f"Invalid request: {error}")
        upload = parts.get("file")
        target_type = parts["targetable_type"].content.decode() if "targetable_type" in parts else None
        target_id = parts["targetable_id"].content.decode() if "targetable_id" in parts else None
        problems = [] if upload is not None else ["File can't be blank"]
        target_problem = self._target_problem(target_type, target_id, required=True, targets=TARGETABLE)
        if target_problem:
            problems.append(target_problem)
        if problems:
            return errors(400, *problems)
        note_batch(request, 1)
        name = parts["file_name"].content.decode() if "file_name" in parts else (upload.filename or "file")
        document_id = 16_000_000_000 + self.store.next_id("freshsales.documents")
        document = {
            "id": document_id,
            "name": name,
            "content_file_size": len(upload.content),
            "targetable_type": target_type,
            "targetable_id": int(target_id),
            "created_at": self._now(),
            "content_base64": base64.b64encode(upload.content).decode("ascii"),
        }
        self.store.insert("documents", str(document_id), document)
        return json_response({"document": _public(document)})

    async def document_associations(self, request: Request) -> Response:
        entity = self._entity(request)
        model = self.kind_of(entity).model if entity else None
        if model not in TARGETABLE:
            return errors(404, "Not Found")
        record_id = int(request.path_params["record_id"])
        found = [_public(d) for d in self.store.all("documents") if d["targetable_type"] == model and d["targetable_id"] == record_id]
        return json_response({"documents": found})

    # -- field settings -------------------------------------------------------------------------

    def _settings_entity(self, request: Request) -> str | None:
        entity = request.path_params["entity"]
        return entity if self.serves_field_settings(entity) else None

    async def list_fields(self, request: Request) -> Response:
        entity = self._settings_entity(request)
        if entity is None:
            return errors(404, "Not Found")
        return json_response({"fields": self.fields_of(entity)})

    async def list_forms(self, request: Request) -> Response:
        entity = self._settings_entity(request)
        if entity is None:
            return errors(404, "Not Found")
        return json_response({"forms": [{"id": 1, "name": "Default form", "is_default": True}]})

    async def create_field(self, request: Request) -> Response:
        entity = self._settings_entity(request)
        if entity is None or request.path_params["form_id"] != "1":
            return errors(404, "Not Found")
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        label = body.get("label") if isinstance(body, dict) else None
        type_name = CODE_TYPES.get(body.get("field_type")) if isinstance(body, dict) else None
        if not isinstance(label, str) or not label.strip():
            return errors(400, "Label can't be blank")
        if type_name is None:
            return errors(400, "Field type is invalid")
        if any(f["name"].startswith("cf_") and f["label"].lower() == label.strip().lower() for f in self.fields_of(entity)):
            return errors(400, "Label has already been taken")
        choices = body.get("choices") or []
        if type_name in ("dropdown", "multi_select_dropdown") and not choices:
            return errors(400, "Choices can't be blank")
        name = "cf_" + re.sub(r"[^0-9a-z]+", "_", label.strip().lower()).strip("_")
        taken = {f["name"] for f in self.fields_of(entity)}
        base, suffix = name, 1
        while name in taken:
            suffix += 1
            name = f"{base}_{suffix}"
        field = {
            **_field(name, label.strip(), type_name, required=bool(body.get("required")), unique=bool(body.get("unique"))),
            "choices": [{"id": self.store.next_id("freshsales.choice"), "value": str(c.get("value"))} for c in choices if isinstance(c, dict)],
            "id": self.store.next_id("freshsales.field", start=1000),
            "base_model": entity,
        }
        self.fields_of(entity).append(field)
        return json_response({"field": field})

    async def update_field(self, request: Request) -> Response:
        entity = self._settings_entity(request)
        if entity is None:
            return errors(404, "Not Found")
        field = next((f for f in self.fields_of(entity) if str(f["id"]) == request.path_params["field_id"]), None)
        if field is None:
            return errors(404, "Not Found")
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        for choice in (body.get("choices") or []) if isinstance(body, dict) else []:
            value = choice.get("value") if isinstance(choice, dict) else None
            if not isinstance(value, str) or not value:
                return errors(400, "Choices is invalid")
            if value not in [c["value"] for c in field["choices"]]:
                field["choices"].append({"id": self.store.next_id("freshsales.choice"), "value": value})
        return json_response({"field": field})

    async def not_found(self, request: Request) -> Response:
        return errors(404, "Not Found")

    def routes(self) -> list[Route]:
        module = f"{API}/custom_module/{{entity}}"
        return [
            Route(f"{API}/lookup", self.lookup, methods=["GET"]),
            Route(f"{API}/documents", self.upload_document, methods=["POST"]),
            Route(f"{API}/selector/{{name}}", self.selector, methods=["GET"]),
            Route(f"{API}/selectors/{{name}}", self.selector, methods=["GET"]),
            Route(f"{API}/settings/{{entity}}/fields", self.list_fields, methods=["GET"]),
            Route(f"{API}/settings/{{entity}}/fields/{{field_id}}", self.update_field, methods=["PUT"]),
            Route(f"{API}/settings/{{entity}}/forms", self.list_forms, methods=["GET"]),
            Route(f"{API}/settings/{{entity}}/forms/{{form_id}}/fields", self.create_field, methods=["POST"]),
            Route(f"{API}/lists", self.lists_index, methods=["GET"]),
            Route(f"{API}/lists", self.lists_create, methods=["POST"]),
            Route(f"{API}/lists/{{record_id}}/add_contacts", self.lists_add_contacts, methods=["PUT"]),
            Route(f"{API}/lists/{{record_id}}", self.lists_get, methods=["GET"]),
            Route(f"{API}/lists/{{record_id}}", self.lists_update, methods=["PUT"]),
            Route(f"{API}/lists/{{record_id}}", self.lists_delete, methods=["DELETE"]),
            Route(f"{module}/filters", self.module_filters, methods=["GET"]),
            Route(f"{module}/view/{{view_id}}", self.module_view, methods=["GET"]),
            Route(module, self.module_create, methods=["POST"]),
            Route(f"{module}/{{record_id}}", self.module_get_one, methods=["GET"]),
            Route(f"{module}/{{record_id}}", self.module_update, methods=["PUT"]),
            Route(f"{module}/{{record_id}}", self.module_delete, methods=["DELETE"]),
            Route(f"{API}/{{entity}}/filters", self.filters, methods=["GET"]),
            Route(f"{API}/{{entity}}/view/{{view_id}}", self.view, methods=["GET"]),
            Route(f"{API}/{{entity}}/upsert", self.upsert, methods=["POST"]),
            Route(f"{API}/{{entity}}/{{record_id}}/document_associations", self.document_associations, methods=["GET"]),
            Route(f"{API}/{{entity}}", self.list_activities, methods=["GET"]),
            Route(f"{API}/{{entity}}", self.create, methods=["POST"]),
            Route(f"{API}/{{entity}}/{{record_id}}", self.get_one, methods=["GET"]),
            Route(f"{API}/{{entity}}/{{record_id}}", self.update, methods=["PUT"]),
            Route(f"{API}/{{entity}}/{{record_id}}", self.delete, methods=["DELETE"]),
            Route("/{path:path}", self.not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]


def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette:
    """The Freshsales sandbox app (see the module docstring)."""
    store = store if store is not None else Store()
    sandbox = FreshsalesSandbox(config, store)
    return build_app(FreshsalesProfile(config), sandbox.routes(), config, store)


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _held(record: Record, name: str) -> Any:
    """A record's value for a field: custom (`cf_`) values live under `custom_field`."""
    return (record.get("custom_field") or {}).get(name) if name.startswith("cf_") else record.get(name)


def _public(record: Record) -> Record:
    return {key: value for key, value in record.items() if key != "content_base64"}


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: Any) -> bool:
    return isinstance(value, str) and _parse_datetime(value) is not None


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed


def _utc(value: Any) -> datetime:
    """A date-time for comparisons; values without an offset are read as UTC."""
    parsed = _parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return EPOCH
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
