"""The Zoho CRM sandbox: an ASGI emulator of the REST API v8 record, tag, attachment and
metadata endpoints, per the platform notes (zoho_crm.md) (paths under `/crm/v8`).

What it reproduces:

- auth `Authorization: Zoho-oauthtoken <token>`, else 401 `INVALID_TOKEN`;
- `{"data":[...]}` bodies with at most 100 records per insert/update/upsert/delete, else
  `LIMIT_EXCEEDED`; one result item `{code, details, message, status}` per record, in order;
  201/200 when all succeed, 207 on partial success, 400 when all fail;
- validation from the module's field metadata: `MANDATORY_NOT_FOUND`, `INVALID_DATA` with
  `maximum_length` / `expected_data_type` / `supported_values`, `DUPLICATE_DATA` on unique
  fields, lookups that must point at an existing record, Notes' `Parent_Id`;
- upsert with `duplicate_check_fields` (default keys per module), reply `action` + `duplicate_field`;
- list with mandatory `fields`, `page`/`per_page` (<= 200, first 2,000 records) then
  `page_token` (<= 100,000), `info.more_records`, 204 when empty; search by `criteria`,
  `email`, `phone`, `word`;
- tags (<= 25 characters, per-record cap), attachments (multipart `file`, or `attachmentUrl`
  (<= 3,000 characters) with an optional `title`; listed per parent, deleted one by one);
- settings/profiles; settings/modules: a custom module needs `singular_label` and
  `plural_label` (<= 25 letters, digits and spaces), at least one existing non-lite profile, and
  an `api_name` that follows Zoho's naming rules when one is given (else it is derived from the
  plural label); settings/fields: create (text, number, date, picklist, ... and `lookup` fields
  pointing at an existing module), add picklist values; custom fields only in the modules
  Zoho's create-custom-field API lists (`FIELD_MODULES`, plus custom modules: not Notes);
- `GET /users?type=ActiveUsers` (the sandbox's users, `SANDBOX_USERS`);
- 429 `TOO_MANY_REQUESTS` from the shared gate (sliding window, concurrency, daily credits).

OAuth: `POST /oauth/v2/token` with `grant_type=refresh_token`, `client_id`, `client_secret`,
`refresh_token` in the query string or a form body (the accounts server, served by the same app) issues a new access token for the sandbox's
client credentials; with the option `access_token_uses` an access token expires after that
many requests, so tests can prove a connector renews it.

Options (`SandboxConfig.options`): `tags_per_record` (10, Professional), `tags_per_module`
(200), `max_attachment_bytes` (100 MB), `access_token_uses` (unlimited), `custom_field_modules`
(comma-separated modules that also take custom fields, e.g. "Notes", for what an admin may
have arranged otherwise). Zoho's rate-limit response headers are unconfirmed, so
none are sent unless `retry_after_header` is true.

Timestamps come from a logical clock (one second per write from 2024-01-01T00:00:00Z), so
replies are deterministic. Unknown fields in a record are ignored, not stored (Zoho ignores them).
"""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qsl
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from migc.sandbox.base import (
    SANDBOX_CREDENTIALS,
    InvalidBody,
    LimitState,
    PlatformProfile,
    RateLimitConfig,
    SandboxConfig,
    build_app,
    empty_response,
    json_response,
    note_batch,
    read_json,
    read_multipart,
)
from migc.sandbox.store import Record, Store

PLATFORM = "zoho_crm"
BASE_PATH = "/crm/v8"
# Standard edition: 10 concurrent calls, 50,000 credits a day (plus 250 per user).
DEFAULT_RATE_LIMIT = RateLimitConfig(concurrency=10, daily=50_000)
MAX_RECORDS_PER_CALL = 100
MAX_PER_PAGE = 200
DISCRETE_PAGINATION_LIMIT = 2_000
PAGE_TOKEN_LIMIT = 100_000
MAX_TAG_LENGTH = 25
MAX_FIELDS_PER_CREATE = 25
MAX_LIST_FIELDS = 50
ID_BASE = 5_725_767_000_000_400_000
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
SANDBOX_USER = {"name": "Sandbox Admin", "id": "5725767000000000001", "email": "admin@sandbox.invalid"}
SANDBOX_USERS = (
    {"id": SANDBOX_USER["id"], "full_name": SANDBOX_USER["name"], "first_name": "Sandbox", "last_name": "Admin", "email": SANDBOX_USER["email"], "status": "active"},
    {"id": "5725767000000000002", "full_name": "Sandbox Sales", "first_name": "Sandbox", "last_name": "Sales", "email": "sales@sandbox.invalid", "status": "active"},
)
PROFILES = (
    {"id": "5725767000000015972", "name": "Administrator", "display_label": "Administrator", "api_name": "Administrator", "type": "normal_profile", "custom": False},
    {"id": "5725767000000015975", "name": "Standard", "display_label": "Standard", "api_name": "Standard", "type": "normal_profile", "custom": False},
    {"id": "5725767000000015978", "name": "Team User", "display_label": "Team User", "api_name": "Team_User", "type": "lite_profile", "custom": False},
)
# Modules whose custom fields the create-custom-field API takes (v8 docs), besides custom modules.
FIELD_MODULES = frozenset({"Leads", "Contacts", "Accounts", "Deals", "Campaigns", "Tasks", "Calls", "Events"})
MODULE_LABEL = re.compile(r"^[A-Za-z0-9 ]{1,25}$")
MODULE_API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$")
MAX_ATTACHMENT_URL = 3_000

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
OAUTH_TOKEN_PATH = "/oauth/v2/token"


# -- default schema ---------------------------------------------------------------------------


def _field(
    api_name: str,
    data_type: str,
    *,
    length: int | None = None,
    required: bool = False,
    unique: bool = False,
    picklist: tuple[str, ...] = (),
    lookup: str | None = None,
    read_only: bool = False,
    label: str | None = None,
) -> dict[str, Any]:
    return {
        "api_name": api_name,
        "field_label": label or api_name.replace("_", " "),
        "data_type": data_type,
        "length": length,
        "custom_field": False,
        "system_mandatory": required,
        "read_only": read_only,
        "unique": {"casesensitive": False} if unique else {},
        "pick_list_values": [{"display_value": value, "actual_value": value} for value in picklist],
        "lookup": {"module": {"api_name": lookup}} if lookup else {},
    }


_TEXT = 255
_CONTACT_FIELDS = [
    _field("First_Name", "text", length=40),
    _field("Last_Name", "text", length=80, required=True),
    _field("Email", "email", length=100),
    _field("Secondary_Email", "email", length=100),
    _field("Phone", "phone", length=50),
    _field("Mobile", "phone", length=50),
    _field("Title", "text", length=100),
    _field("Account_Name", "lookup", lookup="Accounts"),
    _field("Lead_Source", "picklist", picklist=("-None-", "Advertisement", "Web Download", "Partner", "Trade Show")),
    _field("Date_of_Birth", "date"),
    _field("Email_Opt_Out", "boolean"),
    _field("Mailing_City", "text", length=100),
    _field("Mailing_Country", "text", length=100),
    _field("Description", "textarea", length=32_000),
]

DEFAULT_MODULES: dict[str, dict[str, Any]] = {
    "Leads": {
        "singular_label": "Lead",
        "fields": [
            _field("First_Name", "text", length=40),
            _field("Last_Name", "text", length=80, required=True),
            _field("Company", "text", length=200),
            _field("Email", "email", length=100),
            _field("Phone", "phone", length=50),
            _field("Lead_Status", "picklist", picklist=("-None-", "Attempted to Contact", "Contacted", "Qualified")),
            _field("Description", "textarea", length=32_000),
        ],
    },
    "Contacts": {"singular_label": "Contact", "fields": _CONTACT_FIELDS},
    "Accounts": {
        "singular_label": "Account",
        "fields": [
            _field("Account_Name", "text", length=200, required=True),
            _field("Website", "website", length=_TEXT),
            _field("Phone", "phone", length=50),
            _field("Industry", "picklist", picklist=("-None-", "Technology", "Retail", "Finance", "Other")),
            _field("Billing_Country", "text", length=100),
            _field("Description", "textarea", length=32_000),
        ],
    },
    "Deals": {
        "singular_label": "Deal",
        "fields": [
            _field("Deal_Name", "text", length=120, required=True),
            _field(
                "Stage",
                "picklist",
                required=True,
                picklist=("Qualification", "Needs Analysis", "Proposal/Price Quote", "Closed Won", "Closed Lost"),
            ),
            _field("Amount", "currency"),
            _field("Closing_Date", "date"),
            _field("Account_Name", "lookup", lookup="Accounts"),
            _field("Contact_Name", "lookup", lookup="Contacts"),
            _field("Description", "textarea", length=32_000),
        ],
    },
    "Tasks": {
        "singular_label": "Task",
        "fields": [
            _field("Subject", "text", length=_TEXT, required=True),
            _field("Due_Date", "date"),
            _field("Status", "picklist", picklist=("Not Started", "In Progress", "Completed", "Deferred")),
            _field("Priority", "picklist", picklist=("High", "Highest", "Low", "Lowest", "Normal")),
            _field("Who_Id", "lookup", lookup="Contacts"),
            _field("Description", "textarea", length=32_000),
        ],
    },
    "Calls": {
        "singular_label": "Call",
        "fields": [
            _field("Subject", "text", length=_TEXT, required=True),
            _field("Call_Type", "picklist", required=True, picklist=("Outbound", "Inbound", "Missed")),
            _field("Call_Start_Time", "datetime", required=True),
            _field("Call_Duration", "text", length=10, required=True),
            _field("Who_Id", "lookup", lookup="Contacts"),
            _field("Description", "textarea", length=32_000),
        ],
    },
    "Events": {
        "singular_label": "Meeting",
        "fields": [
            _field("Event_Title", "text", length=_TEXT, required=True),
            _field("Start_DateTime", "datetime", required=True),
            _field("End_DateTime", "datetime", required=True),
            _field("Description", "textarea", length=32_000),
        ],
    },
    "Campaigns": {
        "singular_label": "Campaign",
        "fields": [
            _field("Campaign_Name", "text", length=_TEXT, required=True),
            _field("Type", "picklist", picklist=("-None-", "Email", "Advertisement", "Webinar", "Others")),
            _field("Status", "picklist", picklist=("-None-", "Planning", "Active", "Inactive", "Complete")),
            _field("Start_Date", "date"),
            _field("End_Date", "date"),
            _field("Description", "textarea", length=32_000),
        ],
    },
    "Notes": {
        "singular_label": "Note",
        "fields": [
            _field("Note_Title", "text", length=_TEXT),
            _field("Note_Content", "textarea", length=32_000, required=True),
            _field("Parent_Id", "parent", required=True),
        ],
    },
}

# Catalog field types -> Zoho data types, for standard fields the sandbox takes from the catalog.
_CATALOG_TYPES = {
    "string": "text", "text": "textarea", "email": "email", "phone": "phone", "url": "website",
    "integer": "integer", "decimal": "double", "boolean": "boolean", "date": "date", "datetime": "datetime",
    "picklist": "picklist", "multipicklist": "multiselectpicklist",
}


def _with_catalog_fields(module: str, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The module's fields with the catalog's knowledge merged in, so the sandbox and `migc
    check` agree: the catalog's picklist options win, and the catalog's writable standard fields
    the hand-written list lacks are added (lookups and system fields stay as written here)."""
    from migc.catalog import load_catalog

    spec = load_catalog("zoho_crm").objects.get(module)
    if spec is None:
        return fields
    merged = []
    known = set()
    for field in fields:
        known.add(field["api_name"])
        catalog_field = spec.fields.get(field["api_name"])
        if catalog_field is not None and field["data_type"] in ("picklist", "multiselectpicklist") and catalog_field.values:
            field = {**field, "pick_list_values": [{"display_value": v, "actual_value": v} for v in catalog_field.values]}
        merged.append(field)
    for name, catalog_field in spec.fields.items():
        data_type = _CATALOG_TYPES.get(catalog_field.type)
        if name in known or data_type is None or catalog_field.read_only:
            continue
        merged.append(_field(name, data_type, length=catalog_field.length, required=catalog_field.required,
                             unique=catalog_field.unique, picklist=tuple(catalog_field.values), label=catalog_field.label or None))
    return merged


# Upsert keys used when the request names none (plus the module's unique fields).
DEFAULT_DUPLICATE_CHECK = {
    "Leads": ["Email"],
    "Contacts": ["Email"],
    "Accounts": ["Account_Name"],
    "Deals": ["Deal_Name"],
    "Campaigns": ["Campaign_Name"],
}

FIELD_TYPES_CREATABLE = {
    "text": 255,
    "textarea": 32_000,
    "email": 100,
    "phone": 50,
    "website": 255,
    "picklist": None,
    "multiselectpicklist": None,
    "integer": 9,
    "bigint": 18,
    "double": 16,
    "currency": 16,
    "percent": 16,
    "boolean": None,
    "date": None,
    "datetime": None,
}

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z)$")


# -- replies ------------------------------------------------------------------------------------


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "details": details or {}, "message": message, "status": "error"}


def request_error(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    return json_response(error_body(code, message, details), status=status)


def batch_reply(items: list[dict[str, Any]], *, all_ok_status: int, key: str = "data") -> Response:
    successes = sum(1 for item in items if item["status"] == "success")
    if successes == len(items):
        status = all_ok_status
    elif successes == 0:
        status = 400
    else:
        status = 207
    return json_response({key: items}, status=status)


class ZohoProfile(PlatformProfile):
    platform = PLATFORM

    def __init__(self, config: SandboxConfig) -> None:
        super().__init__(config)
        uses = config.options.get("access_token_uses")
        self.token_uses = None if uses is None else int(uses)
        # access token -> requests it may still authenticate (None: unlimited)
        self.valid_tokens: dict[str, int | None] = {self.token: self.token_uses}
        self.issued = 0

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme != "Zoho-oauthtoken" or token not in self.valid_tokens:
            return False
        left = self.valid_tokens[token]
        if left is not None:
            if left <= 0:
                del self.valid_tokens[token]
                return False
            self.valid_tokens[token] = left - 1
        return True

    def exempt(self, path: str) -> bool:
        return path == OAUTH_TOKEN_PATH

    def issue_token(self) -> str:
        self.issued += 1
        token = f"{self.token}-renewed-{self.issued}"
        self.valid_tokens[token] = self.token_uses
        return token

    def unauthorized(self) -> Response:
        return request_error(401, "INVALID_TOKEN", "invalid oauth token")

    def throttled(self, state: LimitState) -> Response:
        details: dict[str, Any] = {}
        if state.rejected_by == "concurrency":
            message = "the number of concurrent requests exceeded the limit"
            details = {"limit": self.config.rate_limit.concurrency} if self.config.rate_limit else {}
        elif state.rejected_by == "daily":
            message = "the API credits for the day have been exhausted"
        else:
            message = "you have made too many requests. please try again later"
        headers = {}
        if self.config.options.get("retry_after_header") and state.reset_seconds is not None:
            headers["Retry-After"] = str(max(1, round(state.reset_seconds)))
        return json_response(error_body("TOO_MANY_REQUESTS", message, details), status=429, headers=headers)

    def server_error(self, status: int) -> Response:
        return request_error(status, "INTERNAL_ERROR", "internal server error occurred while performing this operation")


# -- the emulator -------------------------------------------------------------------------------


class ZohoSandbox:
    """Route handlers over one store (module-level state lives in `store.meta`)."""

    def __init__(self, config: SandboxConfig, store: Store, profile: ZohoProfile) -> None:
        self.config = config
        self.store = store
        self.profile = profile
        self.tags_per_record = int(config.options.get("tags_per_record", 10))
        self.tags_per_module = int(config.options.get("tags_per_module", 200))
        self.max_attachment_bytes = int(config.options.get("max_attachment_bytes", 100 * 1024 * 1024))
        extra = config.options.get("custom_field_modules", "")
        self.field_modules = FIELD_MODULES | {name.strip() for name in str(extra).split(",") if name.strip()}
        if "zoho.modules" not in store.meta:
            self._seed_schema()
            store.mark_baseline()

    # -- schema ------------------------------------------------------------------------------

    def _seed_schema(self) -> None:
        modules: dict[str, Any] = {}
        fields: dict[str, list[dict[str, Any]]] = {}
        for api_name, definition in DEFAULT_MODULES.items():
            modules[api_name] = self._module_entry(api_name, definition["singular_label"], api_name, "default")
            merged = _with_catalog_fields(api_name, definition["fields"])
            fields[api_name] = [{**field, "id": self._new_id()} for field in merged]
        self.store.meta["zoho.modules"] = modules
        self.store.meta["zoho.fields"] = fields
        self.store.meta["zoho.tags"] = {}

    def _module_entry(self, api_name: str, singular: str, plural: str, generated_type: str) -> dict[str, Any]:
        return {
            "api_name": api_name,
            "module_name": api_name,
            "singular_label": singular,
            "plural_label": plural,
            "generated_type": generated_type,
            "api_supported": True,
            "id": self._new_id(),
        }

    @property
    def modules(self) -> dict[str, Any]:
        return self.store.meta["zoho.modules"]

    def fields_of(self, module: str) -> list[dict[str, Any]]:
        return self.store.meta["zoho.fields"].setdefault(module, [])

    def field_map(self, module: str) -> dict[str, dict[str, Any]]:
        return {field["api_name"]: field for field in self.fields_of(module)}

    def _new_id(self) -> str:
        return str(ID_BASE + self.store.next_id("zoho.id"))

    def _now(self) -> str:
        tick = self.store.next_id("zoho.clock")
        return (EPOCH + timedelta(seconds=tick)).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    # -- record validation ---------------------------------------------------------------------

    def validate(
        self, module: str, record: dict[str, Any], index: int, *, creating: bool, existing_id: str | None = None
    ) -> dict[str, Any] | None:
        """The error item for `record`, or None when it is valid."""
        fields = self.field_map(module)
        for api_name, field in fields.items():
            value = record.get(api_name)
            path = f"$.data[{index}].{api_name}"
            missing = value is None or (isinstance(value, str) and not value.strip()) or value == []
            if field["system_mandatory"] and missing and (creating or api_name in record):
                return error_body("MANDATORY_NOT_FOUND", "required field not found", {"api_name": api_name, "json_path": path})
            if api_name not in record or value is None:
                continue
            problem = self._check_value(field, value)
            if problem is not None:
                return error_body("INVALID_DATA", "invalid data", {"api_name": api_name, "json_path": path, **problem})
            if field.get("unique") and not missing:
                twin = self._find_equal(module, api_name, value, exclude=existing_id)
                if twin is not None:
                    return error_body(
                        "DUPLICATE_DATA",
                        "duplicate data",
                        {
                            "api_name": api_name,
                            "json_path": path,
                            "id": twin["id"],
                            "duplicate_record": {
                                "id": twin["id"],
                                "Owner": SANDBOX_USER,
                                "module": {"api_name": module, "id": self.modules[module]["id"]},
                            },
                            "more_records": False,
                        },
                    )
        return None

    def _check_value(self, field: dict[str, Any], value: Any) -> dict[str, Any] | None:
        data_type = field["data_type"]
        length = field.get("length")
        if data_type in ("text", "textarea", "email", "phone", "website", "autonumber"):
            if not isinstance(value, str):
                return {"expected_data_type": data_type}
            if length is not None and len(value) > length:
                return {"maximum_length": length}
            if data_type == "email" and value and not EMAIL_PATTERN.match(value):
                return {"expected_data_type": "email"}
            return None
        if data_type in ("integer", "bigint"):
            if isinstance(value, bool) or not isinstance(value, int):
                return {"expected_data_type": data_type}
            digits = 9 if data_type == "integer" else 18
            if len(str(abs(value))) > (length or digits):
                return {"maximum_length": length or digits}
            return None
        if data_type in ("double", "currency", "percent"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return {"expected_data_type": data_type}
            return None
        if data_type == "boolean":
            return None if isinstance(value, bool) else {"expected_data_type": "boolean"}
        if data_type == "date":
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                return {"expected_data_type": "date"}
            return None
        if data_type == "datetime":
            if not isinstance(value, str) or not DATETIME_PATTERN.match(value):
                return {"expected_data_type": "datetime"}
            return None
        if data_type == "picklist":
            allowed = [option["actual_value"] for option in field["pick_list_values"]]
            return None if value in allowed else {"supported_values": allowed}
        if data_type == "multiselectpicklist":
            allowed = [option["actual_value"] for option in field["pick_list_values"]]
            if not isinstance(value, list) or any(item not in allowed for item in value):
                return {"supported_values": allowed}
            return None
        if data_type == "lookup":
            target = field["lookup"]["module"]["api_name"]
            record_id = value.get("id") if isinstance(value, dict) else None
            if not isinstance(record_id, str) or self.store.get(target, record_id) is None:
                return {"expected_data_type": "lookup", "module": target}
            return None
        if data_type == "parent":
            module = (value.get("module") or {}).get("api_name") if isinstance(value, dict) else None
            record_id = value.get("id") if isinstance(value, dict) else None
            if not isinstance(module, str) or not isinstance(record_id, str) or self.store.get(module, record_id) is None:
                return {"expected_data_type": "lookup"}
            return None
        return None

    def _find_equal(self, module: str, api_name: str, value: Any, *, exclude: str | None = None) -> Record | None:
        wanted = _comparable(value)
        for record_id, record in self.store.items(module):
            if record_id != exclude and api_name in record and _comparable(record[api_name]) == wanted:
                return record
        return None

    # -- record writes ---------------------------------------------------------------------------

    def _stored_fields(self, module: str, record: dict[str, Any]) -> dict[str, Any]:
        known = self.field_map(module)
        return {name: value for name, value in record.items() if name in known}

    def _success(self, record: Record, message: str, **extra: Any) -> dict[str, Any]:
        details = {
            "Modified_Time": record["Modified_Time"],
            "Modified_By": {"name": SANDBOX_USER["name"], "id": SANDBOX_USER["id"]},
            "Created_Time": record["Created_Time"],
            "id": record["id"],
            "Created_By": {"name": SANDBOX_USER["name"], "id": SANDBOX_USER["id"]},
            "$approval_state": "approved",
        }
        return {"code": "SUCCESS", **extra, "details": details, "message": message, "status": "success"}

    def insert(self, module: str, record: dict[str, Any]) -> Record:
        now = self._now()
        stored: Record = {
            "id": self._new_id(),
            **self._stored_fields(module, record),
            "Owner": dict(SANDBOX_USER),
            "Created_Time": now,
            "Modified_Time": now,
            "Tag": [],
        }
        return self.store.insert(module, stored["id"], stored)

    def apply_update(self, module: str, existing: Record, record: dict[str, Any]) -> Record:
        existing.update(self._stored_fields(module, record))
        existing["Modified_Time"] = self._now()
        return existing

    # -- handlers ----------------------------------------------------------------------------------

    def _module_or_error(self, request: Request) -> tuple[str | None, Response | None]:
        module = request.path_params["module"]
        if module not in self.modules:
            return None, request_error(
                400, "INVALID_MODULE", "the module name given seems to be invalid", {"resource_path_index": 0}
            )
        return module, None

    async def _batch_body(self, request: Request) -> tuple[list[Any] | None, dict[str, Any], Response | None]:
        try:
            body = await read_json(request)
        except InvalidBody:
            return None, {}, request_error(400, "INVALID_DATA", "the input data is not valid JSON")
        if not isinstance(body, dict) or "data" not in body:
            return None, {}, request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "data"})
        data = body["data"]
        if not isinstance(data, list) or not data:
            return None, body, request_error(400, "INVALID_DATA", "invalid data", {"param_name": "data"})
        note_batch(request, len(data))
        if len(data) > MAX_RECORDS_PER_CALL:
            return None, body, request_error(
                400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_RECORDS_PER_CALL, "param_name": "data"}
            )
        return data, body, None

    async def create_records(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        data, _, error = await self._batch_body(request)
        if error:
            return error
        items = []
        for index, record in enumerate(data):
            if not isinstance(record, dict):
                items.append(error_body("INVALID_DATA", "invalid data", {"json_path": f"$.data[{index}]"}))
                continue
            problem = self.validate(module, record, index, creating=True)
            if problem is not None:
                items.append(problem)
                continue
            items.append(self._success(self.insert(module, record), "record added"))
        return batch_reply(items, all_ok_status=201)

    async def update_records(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        data, _, error = await self._batch_body(request)
        if error:
            return error
        path_id = request.path_params.get("record_id")
        items = []
        for index, record in enumerate(data):
            if not isinstance(record, dict):
                items.append(error_body("INVALID_DATA", "invalid data", {"json_path": f"$.data[{index}]"}))
                continue
            record_id = path_id or record.get("id")
            if not record_id:
                items.append(
                    error_body("MANDATORY_NOT_FOUND", "required field not found", {"api_name": "id", "json_path": f"$.data[{index}].id"})
                )
                continue
            existing = self.store.get(module, str(record_id))
            if existing is None:
                items.append(
                    error_body(
                        "INVALID_DATA",
                        "the related id given seems to be invalid",
                        {"api_name": "id", "json_path": f"$.data[{index}].id"},
                    )
                )
                continue
            problem = self.validate(module, record, index, creating=False, existing_id=existing["id"])
            if problem is not None:
                items.append(problem)
                continue
            items.append(self._success(self.apply_update(module, existing, record), "record updated"))
        return batch_reply(items, all_ok_status=200)

    async def upsert_records(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        data, body, error = await self._batch_body(request)
        if error:
            return error
        check_fields = body.get("duplicate_check_fields")
        if check_fields is None:
            unique = [field["api_name"] for field in self.fields_of(module) if field.get("unique")]
            check_fields = DEFAULT_DUPLICATE_CHECK.get(module, ["Name"]) + unique
        known = self.field_map(module)
        unknown = [name for name in check_fields if name not in known] if isinstance(check_fields, list) else [None]
        if unknown:
            return request_error(
                400, "INVALID_DATA", "invalid data", {"param_name": "duplicate_check_fields", "api_name": (unknown or [None])[0]}
            )
        items = []
        any_insert = False
        for index, record in enumerate(data):
            if not isinstance(record, dict):
                items.append(error_body("INVALID_DATA", "invalid data", {"json_path": f"$.data[{index}]"}))
                continue
            existing, matched_field = None, None
            for name in check_fields:
                value = record.get(name)
                if value is None or value == "":
                    continue
                existing = self._find_equal(module, name, value)
                if existing is not None:
                    matched_field = name
                    break
            if existing is not None:
                problem = self.validate(module, record, index, creating=False, existing_id=existing["id"])
                if problem is not None:
                    items.append(problem)
                    continue
                updated = self.apply_update(module, existing, record)
                items.append(self._success(updated, "record updated", duplicate_field=matched_field, action="update"))
                continue
            problem = self.validate(module, record, index, creating=True)
            if problem is not None:
                items.append(problem)
                continue
            any_insert = True
            items.append(self._success(self.insert(module, record), "record added", duplicate_field=None, action="insert"))
        return batch_reply(items, all_ok_status=201 if any_insert else 200)

    async def delete_records(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        path_id = request.path_params.get("record_id")
        if path_id:
            ids = [path_id]
        else:
            raw = request.query_params.get("ids", "")
            ids = [part for part in raw.split(",") if part]
            if not ids:
                return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "ids"})
        note_batch(request, len(ids))
        if len(ids) > MAX_RECORDS_PER_CALL:
            return request_error(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_RECORDS_PER_CALL, "param_name": "ids"})
        items = []
        for record_id in ids:
            removed = self.store.delete(module, record_id)
            if removed is None:
                items.append(error_body("INVALID_DATA", "record not deleted", {"id": record_id}))
                continue
            self.store.collection(f"recycle_bin:{module}")[record_id] = removed
            items.append({"code": "SUCCESS", "details": {"id": record_id}, "message": "record deleted", "status": "success"})
        return batch_reply(items, all_ok_status=200)

    async def get_record(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        record = self.store.get(module, request.path_params["record_id"])
        if record is None:
            return empty_response()
        return json_response({"data": [record]})

    async def list_records(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        query = request.query_params
        fields, error = self._requested_fields(module, query)
        if error:
            return error
        ids = [part for part in query.get("ids", "").split(",") if part]
        if ids:
            if len(ids) > MAX_RECORDS_PER_CALL:
                return request_error(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_RECORDS_PER_CALL, "param_name": "ids"})
            found = [record for record_id in ids if (record := self.store.get(module, record_id)) is not None]
            if not found:
                return empty_response()
            return json_response({"data": [_project(record, fields) for record in found], "info": _info(len(found), 1, len(found), False)})
        return self._page(self.store.all(module), query, fields)

    def _requested_fields(self, module: str, query: QueryParams) -> tuple[list[str], Response | None]:
        raw = query.get("fields")
        if not raw:
            return [], request_error(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", {"param_name": "fields"})
        fields = [name for name in raw.split(",") if name]
        if len(fields) > MAX_LIST_FIELDS:
            return [], request_error(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_LIST_FIELDS, "param_name": "fields"})
        known = self.field_map(module)
        for name in fields:
            if name not in known and name not in ("id", "Owner", "Created_Time", "Modified_Time", "Tag"):
                return [], request_error(400, "INVALID_DATA", "invalid data", {"api_name": name, "param_name": "fields"})
        return fields, None

    def _page(self, records: list[Record], query: QueryParams, fields: list[str]) -> Response:
        try:
            per_page = int(query.get("per_page", MAX_PER_PAGE))
            page = int(query.get("page", 1))
        except ValueError:
            return request_error(400, "INVALID_DATA", "invalid data", {"param_name": "per_page"})
        if per_page < 1 or per_page > MAX_PER_PAGE:
            return request_error(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_PER_PAGE, "param_name": "per_page"})
        sort_by = query.get("sort_by", "id")
        sort_order = query.get("sort_order", "asc")
        token = query.get("page_token")
        if token is not None:
            decoded = _decode_token(token)
            if decoded is None:
                return request_error(400, "INVALID_DATA", "invalid data", {"param_name": "page_token"})
            start, sort_by, sort_order = decoded
            if start >= PAGE_TOKEN_LIMIT:
                return request_error(400, "PAGINATION_LIMIT_EXCEEDED", "pagination limit exceeded", {"param_name": "page_token"})
        else:
            if page < 1:
                return request_error(400, "INVALID_DATA", "invalid data", {"param_name": "page"})
            start = (page - 1) * per_page
            if start + per_page > DISCRETE_PAGINATION_LIMIT:
                return request_error(
                    400,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "cannot fetch more than 2000 records with page and per_page; use page_token",
                    {"limit": DISCRETE_PAGINATION_LIMIT},
                )
        ordered = sorted(records, key=_sort_key(sort_by), reverse=sort_order == "desc")
        chunk = ordered[start : start + per_page]
        if not chunk:
            return empty_response()
        more = start + per_page < len(ordered)
        next_token = _encode_token(start + per_page, sort_by, sort_order) if more else None
        info = _info(len(chunk), page if token is None else start // per_page + 1, per_page, more)
        info.update(
            sort_by=sort_by,
            sort_order=sort_order,
            next_page_token=next_token,
            previous_page_token=token,
            page_token_expiry=(EPOCH + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00") if next_token else None,
        )
        return json_response({"data": [_project(record, fields) for record in chunk], "info": info})

    async def search_records(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        query = request.query_params
        matcher: Callable[[Record], bool]
        if "criteria" in query:
            parsed = parse_criteria(query["criteria"])
            if isinstance(parsed, str):
                return request_error(400, "INVALID_QUERY", parsed, {"param_name": "criteria"})
            matcher = parsed
        elif "email" in query:
            wanted = query["email"].lower()
            email_fields = [f["api_name"] for f in self.fields_of(module) if f["data_type"] == "email"]
            matcher = lambda record: any(str(record.get(name) or "").lower() == wanted for name in email_fields)  # noqa: E731
        elif "phone" in query:
            wanted = query["phone"]
            phone_fields = [f["api_name"] for f in self.fields_of(module) if f["data_type"] == "phone"]
            matcher = lambda record: any(record.get(name) == wanted for name in phone_fields)  # noqa: E731
        elif "word" in query:
            wanted = query["word"].lower()
            matcher = lambda record: any(isinstance(v, str) and wanted in v.lower() for v in record.values())  # noqa: E731
        else:
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "criteria"})
        found = [record for record in self.store.all(module) if matcher(record)]
        fields = [name for name in query.get("fields", "").split(",") if name]
        try:
            per_page = min(int(query.get("per_page", MAX_PER_PAGE)), MAX_PER_PAGE)
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            return request_error(400, "INVALID_DATA", "invalid data", {"param_name": "page"})
        if page * per_page > DISCRETE_PAGINATION_LIMIT:
            return request_error(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": DISCRETE_PAGINATION_LIMIT, "param_name": "page"})
        chunk = found[(page - 1) * per_page : page * per_page]
        if not chunk:
            return empty_response()
        more = page * per_page < len(found)
        return json_response({"data": [_project(r, fields) for r in chunk], "info": _info(len(chunk), page, per_page, more)})

    # -- tags ----------------------------------------------------------------------------------

    async def add_tags(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        record_id = request.path_params["record_id"]
        try:
            body = await read_json(request)
        except InvalidBody:
            return request_error(400, "INVALID_DATA", "the input data is not valid JSON")
        tags = body.get("tags") if isinstance(body, dict) else None
        if not isinstance(tags, list) or not tags:
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "tags"})
        record = self.store.get(module, record_id)
        if record is None:
            item = error_body("INVALID_DATA", "the related id given seems to be invalid", {"id": record_id})
            return json_response({"data": [item]}, status=400)
        names: list[str] = []
        for index, tag in enumerate(tags):
            name = tag.get("name") if isinstance(tag, dict) else None
            if not isinstance(name, str) or not name.strip():
                item = error_body("MANDATORY_NOT_FOUND", "required field not found", {"api_name": "name", "json_path": f"$.tags[{index}].name"})
                return json_response({"data": [item]}, status=400)
            if len(name) > MAX_TAG_LENGTH:
                item = error_body(
                    "INVALID_DATA",
                    "invalid data",
                    {"api_name": "name", "json_path": f"$.tags[{index}].name", "maximum_length": MAX_TAG_LENGTH},
                )
                return json_response({"data": [item]}, status=400)
            names.append(name)
        current = {tag["name"] for tag in record.get("Tag", [])}
        merged = sorted(current | set(names))
        if len(merged) > self.tags_per_record:
            item = error_body("LIMIT_EXCEEDED", "tags limit exceeded for the record", {"limit": self.tags_per_record, "param_name": "tags"})
            return json_response({"data": [item]}, status=400)
        registry = self.store.meta["zoho.tags"].setdefault(module, [])
        known = {tag["name"]: tag for tag in registry}
        new_names = [name for name in merged if name not in known]
        if len(registry) + len(new_names) > self.tags_per_module:
            item = error_body("LICENSE_LIMIT_EXCEEDED", "tags edition limit exceeded", {"limit": self.tags_per_module})
            return json_response({"data": [item]}, status=400)
        for name in new_names:
            known[name] = {"id": self._new_id(), "name": name}
            registry.append(known[name])
        record["Tag"] = [{"name": name, "id": known[name]["id"]} for name in merged]
        item = {"code": "SUCCESS", "details": {"id": record_id, "tags": merged}, "message": "tags updated successfully", "status": "success"}
        return json_response({"data": [item]})

    async def list_tags(self, request: Request) -> Response:
        module = request.query_params.get("module")
        if not module:
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "module"})
        return json_response({"tags": list(self.store.meta["zoho.tags"].get(module, []))})

    # -- attachments ---------------------------------------------------------------------------

    async def upload_attachment(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        record_id = request.path_params["record_id"]
        if self.store.get(module, record_id) is None:
            item = error_body("INVALID_DATA", "the related id given seems to be invalid", {"id": record_id})
            return json_response({"data": [item]}, status=400)
        try:
            parts = await read_multipart(request)
        except InvalidBody:
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "file"})
        part, link = parts.get("file"), parts.get("attachmentUrl")
        title = parts["title"].content.decode("utf-8", "replace") if "title" in parts else None
        if (part is None) == (link is None):
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "file"})
        if title is not None and not 1 <= len(title) <= 255:
            return request_error(400, "INVALID_DATA", "invalid data", {"param_name": "title", "maximum_length": 255})
        now = self._now()
        attachment: dict[str, Any] = {
            "id": self._new_id(),
            "Parent_Id": {"module": {"api_name": module}, "id": record_id},
            "Created_Time": now,
            "Modified_Time": now,
        }
        if link is not None:
            url = link.content.decode("utf-8", "replace")
            if not url or len(url) > MAX_ATTACHMENT_URL:
                return request_error(400, "INVALID_DATA", "invalid data", {"param_name": "attachmentUrl", "maximum_length": MAX_ATTACHMENT_URL})
            attachment.update({"File_Name": title or url.rstrip("/").rsplit("/", 1)[-1] or "link", "Size": "0", "$link_url": url, "$type": "link_url"})
        else:
            if len(part.content) > self.max_attachment_bytes:
                return request_error(413, "FILE_SIZE_MORE_THAN_ALLOWED_SIZE", "file size exceeds the allowed limit")
            attachment.update({
                "File_Name": title or part.filename or "attachment",
                "Size": str(len(part.content)),
                "content_base64": base64.b64encode(part.content).decode("ascii"),
            })
        note_batch(request, 1)
        self.store.insert("Attachments", attachment["id"], attachment)
        details = {
            "Modified_Time": now,
            "Modified_By": {"name": SANDBOX_USER["name"], "id": SANDBOX_USER["id"]},
            "Created_Time": now,
            "id": attachment["id"],
            "Created_By": {"name": SANDBOX_USER["name"], "id": SANDBOX_USER["id"]},
        }
        item = {"code": "SUCCESS", "details": details, "message": "attachment uploaded successfully", "status": "success"}
        return json_response({"data": [item]})

    async def delete_attachment(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        attachment_id = request.path_params["attachment_id"]
        attachment = self.store.get("Attachments", attachment_id)
        parent = (attachment or {}).get("Parent_Id") or {}
        if attachment is None or parent.get("id") != request.path_params["record_id"] or parent.get("module", {}).get("api_name") != module:
            item = error_body("INVALID_DATA", "the related id given seems to be invalid", {"id": attachment_id})
            return json_response({"data": [item]}, status=400)
        self.store.delete("Attachments", attachment_id)
        item = {"code": "SUCCESS", "details": {"id": attachment_id}, "message": "record deleted", "status": "success"}
        return json_response({"data": [item]})

    async def list_users(self, request: Request) -> Response:
        kind = request.query_params.get("type", "AllUsers")
        if kind not in ("AllUsers", "ActiveUsers"):
            return request_error(400, "INVALID_DATA", "invalid data", {"param_name": "type"})
        users = list(SANDBOX_USERS)
        return json_response({"users": users, "info": _info(len(users), 1, MAX_PER_PAGE, False)})

    async def list_attachments(self, request: Request) -> Response:
        module, error = self._module_or_error(request)
        if error:
            return error
        record_id = request.path_params["record_id"]
        found = [
            {key: value for key, value in attachment.items() if key != "content_base64"}
            for attachment in self.store.all("Attachments")
            if attachment["Parent_Id"]["id"] == record_id and attachment["Parent_Id"]["module"]["api_name"] == module
        ]
        if not found:
            return empty_response()
        return json_response({"data": found, "info": _info(len(found), 1, len(found), False)})

    # -- metadata ------------------------------------------------------------------------------

    async def get_modules(self, request: Request) -> Response:
        return json_response({"modules": [self.modules[name] for name in sorted(self.modules)]})

    async def get_profiles(self, request: Request) -> Response:
        return json_response({"profiles": list(PROFILES), "info": _info(len(PROFILES), 1, MAX_PER_PAGE, False)})

    async def create_modules(self, request: Request) -> Response:
        try:
            body = await read_json(request)
        except InvalidBody:
            return request_error(400, "INVALID_DATA", "the input data is not valid JSON")
        modules = body.get("modules") if isinstance(body, dict) else None
        if not isinstance(modules, list) or not modules:
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "modules"})
        items = [self._create_module(index, module) for index, module in enumerate(modules)]
        return batch_reply(items, all_ok_status=201, key="modules")

    def _create_module(self, index: int, module: Any) -> dict[str, Any]:
        path = f"$.modules[{index}]"
        if not isinstance(module, dict):
            return error_body("INVALID_DATA", "invalid data", {"json_path": path})
        for name in ("singular_label", "plural_label", "profiles"):
            if not module.get(name):
                return error_body("MANDATORY_NOT_FOUND", f"The required field '{name}' is missing from the request.", {"api_name": name, "json_path": f"{path}.{name}"})
        singular, plural = module["singular_label"], module["plural_label"]
        for name, label in (("singular_label", singular), ("plural_label", plural)):
            if not isinstance(label, str) or not MODULE_LABEL.match(label):
                return error_body("INVALID_DATA", "invalid data", {"api_name": name, "json_path": f"{path}.{name}", "maximum_length": 25})
        known_profiles = {profile["id"]: profile for profile in PROFILES}
        profiles = module["profiles"]
        if not isinstance(profiles, list) or any(not isinstance(p, dict) or p.get("id") not in known_profiles for p in profiles):
            return error_body("INVALID_DATA", "invalid data", {"api_name": "profiles", "json_path": f"{path}.profiles"})
        if any(known_profiles[p["id"]]["type"] == "lite_profile" for p in profiles):
            return error_body("NOT_ALLOWED", "lite profiles cannot be given access to this module", {"api_name": "profiles", "json_path": f"{path}.profiles"})
        api_name = module.get("api_name")
        if api_name is not None and not _valid_module_api_name(api_name):
            return error_body("INVALID_DATA", "The api_name format is invalid. It must follow CRM naming conventions.", {"api_name": "api_name", "json_path": f"{path}.api_name"})
        api_name = api_name or _api_name(plural)
        if api_name in self.modules:
            return error_body("DUPLICATE_DATA", "duplicate data", {"api_name": "api_name", "json_path": f"{path}.api_name"})
        for name, label in (("singular_label", singular), ("plural_label", plural)):
            if any(m[name].lower() == label.lower() for m in self.modules.values()):
                return error_body("DUPLICATE_DATA", "duplicate data", {"api_name": name, "json_path": f"{path}.{name}"})
        entry = self._module_entry(api_name, singular, plural, "custom")
        self.modules[api_name] = entry
        self.store.meta["zoho.fields"][api_name] = [
            {**_field("Name", "text", length=120, required=True, label=f"{singular} Name"), "id": self._new_id()}
        ]
        return {"code": "SUCCESS", "details": {"id": entry["id"]}, "message": "module created successfully", "status": "success"}

    def _fields_module(self, request: Request) -> tuple[str | None, Response | None]:
        module = request.query_params.get("module")
        if not module:
            return None, request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "module"})
        if module not in self.modules:
            return None, request_error(400, "INVALID_MODULE", "the module name given seems to be invalid", {"param_name": "module"})
        return module, None

    async def get_fields(self, request: Request) -> Response:
        module, error = self._fields_module(request)
        if error:
            return error
        field_id = request.path_params.get("field_id")
        fields = self.fields_of(module)
        if field_id is not None:
            fields = [field for field in fields if field["id"] == field_id]
            if not fields:
                return request_error(400, "INVALID_DATA", "the id given seems to be invalid", {"id": field_id})
        return json_response({"fields": fields})

    async def create_fields(self, request: Request) -> Response:
        module, error = self._fields_module(request)
        if error:
            return error
        if module not in self.field_modules and self.modules[module]["generated_type"] != "custom":
            return request_error(400, "NOT_SUPPORTED", "custom fields cannot be created in this module", {"param_name": "module"})
        try:
            body = await read_json(request)
        except InvalidBody:
            return request_error(400, "INVALID_DATA", "the input data is not valid JSON")
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, list) or not fields:
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "fields"})
        if len(fields) > MAX_FIELDS_PER_CREATE:
            return request_error(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_FIELDS_PER_CREATE, "param_name": "fields"})
        items = [self._create_field(module, index, field) for index, field in enumerate(fields)]
        return batch_reply(items, all_ok_status=201, key="fields")

    def _create_field(self, module: str, index: int, definition: Any) -> dict[str, Any]:
        path = f"$.fields[{index}]"
        if not isinstance(definition, dict):
            return error_body("INVALID_DATA", "invalid data", {"json_path": path})
        label, data_type = definition.get("field_label"), definition.get("data_type")
        for name, value in (("field_label", label), ("data_type", data_type)):
            if not value:
                return error_body("MANDATORY_NOT_FOUND", "required field not found", {"api_name": name, "json_path": f"{path}.{name}"})
        if data_type not in FIELD_TYPES_CREATABLE and data_type != "lookup":
            return error_body(
                "INVALID_DATA", "invalid data", {"api_name": "data_type", "json_path": f"{path}.data_type", "supported_values": [*sorted(FIELD_TYPES_CREATABLE), "lookup"]}
            )
        lookup_module = None
        if data_type == "lookup":
            lookup = definition.get("lookup")
            lookup_module = ((lookup or {}).get("module") or {}).get("api_name") if isinstance(lookup, dict) and isinstance(lookup.get("module"), dict) else None
            if lookup_module is None:
                return error_body("MANDATORY_NOT_FOUND", "required field not found", {"api_name": "lookup", "json_path": f"{path}.lookup"})
            if lookup_module not in self.modules:
                return error_body("INVALID_DATA", "invalid data", {"api_name": "lookup", "json_path": f"{path}.lookup.module.api_name"})
        existing = self.fields_of(module)
        if any(field["field_label"].lower() == str(label).lower() for field in existing):
            return error_body("DUPLICATE_DATA", "duplicate data", {"api_name": "field_label", "json_path": f"{path}.field_label"})
        maximum = FIELD_TYPES_CREATABLE.get(data_type)
        length = definition.get("length", maximum)
        if maximum is not None and (not isinstance(length, int) or length < 1 or length > maximum):
            return error_body("INVALID_DATA", "invalid data", {"api_name": "length", "json_path": f"{path}.length", "maximum_length": maximum})
        options = definition.get("pick_list_values") or []
        if data_type in ("picklist", "multiselectpicklist") and not options:
            return error_body("MANDATORY_NOT_FOUND", "required field not found", {"api_name": "pick_list_values", "json_path": f"{path}.pick_list_values"})
        api_name = _api_name(str(label))
        taken = {field["api_name"] for field in existing}
        suffix = 1
        while api_name in taken:
            suffix += 1
            api_name = f"{_api_name(str(label))}{suffix}"
        field = {
            **_field(api_name, data_type, length=length if maximum is not None else None, label=str(label), lookup=lookup_module),
            "custom_field": True,
            "unique": {"casesensitive": False} if definition.get("unique") else {},
            "pick_list_values": [
                {"display_value": o.get("display_value"), "actual_value": o.get("actual_value", o.get("display_value"))}
                for o in options
                if isinstance(o, dict)
            ],
            "id": self._new_id(),
        }
        existing.append(field)
        return {"code": "SUCCESS", "details": {"id": field["id"]}, "message": "field created", "status": "success"}

    async def update_field(self, request: Request) -> Response:
        module, error = self._fields_module(request)
        if error:
            return error
        field_id = request.path_params["field_id"]
        field = next((f for f in self.fields_of(module) if f["id"] == field_id), None)
        if field is None:
            return request_error(400, "INVALID_DATA", "the id given seems to be invalid", {"id": field_id})
        try:
            body = await read_json(request)
        except InvalidBody:
            return request_error(400, "INVALID_DATA", "the input data is not valid JSON")
        changes = (body.get("fields") or [None])[0] if isinstance(body, dict) else None
        if not isinstance(changes, dict):
            return request_error(400, "REQUIRED_PARAM_MISSING", "required param missing", {"param_name": "fields"})
        if "pick_list_values" in changes:
            if field["data_type"] not in ("picklist", "multiselectpicklist"):
                return request_error(400, "INVALID_DATA", "invalid data", {"api_name": "pick_list_values"})
            present = {option["actual_value"] for option in field["pick_list_values"]}
            for option in changes["pick_list_values"]:
                value = option.get("actual_value", option.get("display_value")) if isinstance(option, dict) else None
                if not isinstance(value, str) or not value:
                    return request_error(400, "INVALID_DATA", "invalid data", {"api_name": "pick_list_values"})
                if value not in present:
                    field["pick_list_values"].append({"display_value": option.get("display_value", value), "actual_value": value})
                    present.add(value)
        if "field_label" in changes and isinstance(changes["field_label"], str):
            field["field_label"] = changes["field_label"]
        item = {"code": "SUCCESS", "details": {"id": field_id}, "message": "field updated", "status": "success"}
        return json_response({"fields": [item]})

    async def issue_token(self, request: Request) -> Response:
        # Zoho's accounts server takes the parameters in the query string or a form body.
        body = (await request.body()).decode("utf-8", "replace")
        query = {**dict(request.query_params), **dict(parse_qsl(body))}
        expected = SANDBOX_CREDENTIALS[PLATFORM]
        if query.get("grant_type") != "refresh_token":
            return json_response({"error": "unsupported_grant_type"})
        if query.get("client_id") != expected["client_id"] or query.get("client_secret") != expected["client_secret"]:
            return json_response({"error": "invalid_client"})
        if query.get("refresh_token") != expected["refresh_token"]:
            return json_response({"error": "invalid_code"})
        return json_response(
            {
                "access_token": self.profile.issue_token(),
                "api_domain": f"{request.url.scheme}://{request.url.netloc}",
                "token_type": "Bearer",
                "expires_in": 3600,
            }
        )

    async def not_found(self, request: Request) -> Response:
        return request_error(404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one")

    def routes(self) -> list[Route]:
        p = BASE_PATH
        return [
            Route(OAUTH_TOKEN_PATH, self.issue_token, methods=["POST"]),
            Route(f"{p}/settings/profiles", self.get_profiles, methods=["GET"]),
            Route(f"{p}/users", self.list_users, methods=["GET"]),
            Route(f"{p}/settings/modules", self.get_modules, methods=["GET"]),
            Route(f"{p}/settings/modules", self.create_modules, methods=["POST"]),
            Route(f"{p}/settings/fields", self.get_fields, methods=["GET"]),
            Route(f"{p}/settings/fields", self.create_fields, methods=["POST"]),
            Route(f"{p}/settings/fields/{{field_id}}", self.get_fields, methods=["GET"]),
            Route(f"{p}/settings/fields/{{field_id}}", self.update_field, methods=["PATCH"]),
            Route(f"{p}/settings/tags", self.list_tags, methods=["GET"]),
            Route(f"{p}/{{module}}/upsert", self.upsert_records, methods=["POST"]),
            Route(f"{p}/{{module}}/search", self.search_records, methods=["GET"]),
            Route(f"{p}/{{module}}/{{record_id}}/actions/add_tags", self.add_tags, methods=["POST"]),
            Route(f"{p}/{{module}}/{{record_id}}/Attachments", self.upload_attachment, methods=["POST"]),
            Route(f"{p}/{{module}}/{{record_id}}/Attachments", self.list_attachments, methods=["GET"]),
            Route(f"{p}/{{module}}/{{record_id}}/Attachments/{{attachment_id}}", self.delete_attachment, methods=["DELETE"]),
            Route(f"{p}/{{module}}", self.create_records, methods=["POST"]),
            Route(f"{p}/{{module}}", self.update_records, methods=["PUT"]),
            Route(f"{p}/{{module}}", self.list_records, methods=["GET"]),
            Route(f"{p}/{{module}}", self.delete_records, methods=["DELETE"]),
            Route(f"{p}/{{module}}/{{record_id}}", self.get_record, methods=["GET"]),
            Route(f"{p}/{{module}}/{{record_id}}", self.update_records, methods=["PUT"]),
            Route(f"{p}/{{module}}/{{record_id}}", self.delete_records, methods=["DELETE"]),
            Route("/{path:path}", self.not_found, methods=ALL_METHODS),
        ]


def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette:
    """The Zoho CRM sandbox app (see the module docstring)."""
    store = store if store is not None else Store()
    profile = ZohoProfile(config)
    sandbox = ZohoSandbox(config, store, profile)
    return build_app(profile, sandbox.routes(), config, store)


def connection_options(origin: str) -> dict[str, str]:
    """Connector options that point token refresh at this sandbox."""
    return {"accounts_url": origin}


# -- helpers ------------------------------------------------------------------------------------


def _comparable(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _project(record: Record, fields: list[str]) -> Record:
    if not fields:
        return dict(record)
    return {"id": record["id"], **{name: record.get(name) for name in fields if name != "id"}}


def _info(count: int, page: int, per_page: int, more: bool) -> dict[str, Any]:
    return {"per_page": per_page, "count": count, "page": page, "more_records": more}


def _sort_key(sort_by: str) -> Callable[[Record], Any]:
    if sort_by == "id":
        return lambda record: int(record["id"])
    return lambda record: (record.get(sort_by) is None, str(record.get(sort_by) or ""), int(record["id"]))


def _encode_token(start: int, sort_by: str, sort_order: str) -> str:
    raw = f"{start}|{sort_by}|{sort_order}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_token(token: str) -> tuple[int, str, str] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        start, sort_by, sort_order = raw.split("|")
        return int(start), sort_by, sort_order
    except (ValueError, UnicodeDecodeError):
        return None


def _valid_module_api_name(name: Any) -> bool:
    return isinstance(name, str) and len(name) <= 50 and MODULE_API_NAME.match(name) is not None and not name.endswith("_")


def _api_name(label: str) -> str:
    cleaned = re.sub(r"[^0-9A-Za-z]+", "_", label.strip()).strip("_")
    return cleaned or "Field"


_CONDITION = re.compile(r"\(\s*([A-Za-z0-9_$.]+)\s*:\s*(equals|not_equal|starts_with|in)\s*:\s*((?:\\.|[^\\)])*)\)")
_JOINER = re.compile(r"^\s*(and|or)\s*", re.IGNORECASE)
MAX_CRITERIA = 10


def parse_criteria(criteria: str) -> Callable[[Record], bool] | str:
    """A predicate for a flat Zoho criteria string `(F:op:v) and (G:op:w)`, or an error message."""
    text = criteria.strip()
    while text.startswith("((") and text.endswith("))"):
        text = text[1:-1].strip()
    conditions: list[tuple[str, str, str]] = []
    joiners: list[str] = []
    position = 0
    while position < len(text):
        match = _CONDITION.match(text, position)
        if match is None:
            return f"invalid criteria near {text[position:position + 20]!r}"
        conditions.append((match.group(1), match.group(2), match.group(3).strip()))
        position = match.end()
        if position < len(text):
            joiner = _JOINER.match(text[position:])
            if joiner is None:
                return f"expected 'and' or 'or' near {text[position:position + 20]!r}"
            joiners.append(joiner.group(1).lower())
            position += joiner.end()
    if not conditions:
        return "criteria is empty"
    if len(conditions) > MAX_CRITERIA:
        return f"at most {MAX_CRITERIA} criteria are allowed"

    def holds(record: Record, condition: tuple[str, str, str]) -> bool:
        name, operator, value = condition
        actual = record.get(name)
        if isinstance(actual, dict):
            actual = actual.get("id") or actual.get("name")
        actual_text = "" if actual is None else str(actual).lower()
        if operator == "in":
            return actual_text in [_unescape(part).lower() for part in _split_unescaped(value)]
        wanted = _unescape(value).lower()
        if operator == "equals":
            return actual_text == wanted
        if operator == "not_equal":
            return actual_text != wanted
        return actual_text.startswith(wanted)

    def predicate(record: Record) -> bool:
        result = holds(record, conditions[0])
        for joiner, condition in zip(joiners, conditions[1:], strict=True):
            result = (result and holds(record, condition)) if joiner == "and" else (result or holds(record, condition))
        return result

    return predicate


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value.strip())


def _split_unescaped(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<!\\),", value)]
