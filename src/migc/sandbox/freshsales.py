"""The Freshsales (Freshworks CRM Suite) sandbox: an ASGI emulator of the record, upsert, view,
lookup, note, task, document and field-settings endpoints under `/crm/sales/api`, per
the platform notes (freshsales.md).

What it reproduces:

- auth `Authorization: Token token=<API key>`, else 401;
- bodies wrapped in the singular name (`{"contact":{...}}`), lists under the plural name with
  `meta: {total_pages, total}`; `page` (1-based) and `per_page` (default 25, capped at 100);
- errors `{"errors":{"code":400,"message":["Last name can't be blank"]}}`: required fields,
  lengths (255 for text), types, dropdown choices, uniqueness (`Email is not unique`,
  `Name has already been taken`), targets of notes/tasks/documents that must exist;
- custom values under `custom_field` with `cf_` keys; `custom_fields` (plural) and other
  unknown keys are ignored, as the notes report;
- upsert by `unique_identifier` (one unique field: `emails`, `mobile_number`, `name` of a sales
  account, or a unique `cf_` field): 201 when created, 200 when updated;
- tags as a string list replaced on update; field creation through forms with numeric
  `field_type` codes (`FIELD_TYPE_CODES`, shared with the connector);
- an hourly budget from `config.rate_limit` (1,000 per hour on Growth), 429 with
  `{"errors":{"code":429,"message":["Too many requests"]}}` and `Retry-After`.

Unconfirmed in the notes and chosen here (options can switch them): the 401 body
`{"login":"failed","message":"Incorrect or expired API key"}`, `Retry-After` on 429 (option
`retry_after_header`, default true), `X-RateLimit-Total`/`-Remaining` headers (option
`ratelimit_headers`, default false), upsert statuses, the lookup answer shape
`{"contacts":{"contacts":[...]}}`, the field-type codes, required contact fields
(`last_name` and `email`; option `contact_required`).
"""

from __future__ import annotations

import base64
import re
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

# entity path -> (singular body key, model name used by targetable_type, id base)
ENTITIES: dict[str, tuple[str, str, int]] = {
    "contacts": ("contact", "Contact", 5_005_000_000),
    "sales_accounts": ("sales_account", "SalesAccount", 12_000_000_000),
    "deals": ("deal", "Deal", 13_000_000_000),
}
ACTIVITIES: dict[str, tuple[str, int]] = {"notes": ("note", 14_000_000_000), "tasks": ("task", 15_000_000_000)}
TARGETABLE = {model: path for path, (_, model, _) in ENTITIES.items()}
CODE_TYPES = {code: name for name, code in FIELD_TYPE_CODES.items()}


def _field(name: str, label: str, type: str, *, required: bool = False, unique: bool = False, choices: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"name": name, "label": label, "type": type, "required": required, "unique": unique, "visible": True, "choices": [{"value": c} for c in choices]}


DEFAULT_FIELDS: dict[str, list[dict[str, Any]]] = {
    "contacts": [
        _field("first_name", "First name", "text"),
        _field("last_name", "Last name", "text", required=True),
        _field("email", "Email", "email", required=True, unique=True),
        _field("mobile_number", "Mobile", "phone_number", unique=True),
        _field("work_number", "Work", "phone_number"),
        _field("job_title", "Job title", "text"),
        _field("city", "City", "text"),
        _field("country", "Country", "text"),
        _field("sales_account_id", "Account", "lookup"),
        _field("lifecycle_stage_id", "Lifecycle stage", "number"),
        _field("tags", "Tags", "tags"),
    ],
    "sales_accounts": [
        _field("name", "Name", "text", required=True, unique=True),
        _field("website", "Website", "url"),
        _field("phone", "Phone", "phone_number"),
        _field("city", "City", "text"),
        _field("country", "Country", "text"),
        _field("tags", "Tags", "tags"),
    ],
    "deals": [
        _field("name", "Name", "text", required=True),
        _field("amount", "Deal value", "number"),
        _field("sales_account_id", "Account", "lookup"),
        _field("expected_close", "Expected close date", "date"),
        _field("tags", "Tags", "tags"),
    ],
}


def errors(status: int, *messages: str) -> Response:
    return json_response({"errors": {"code": status, "message": list(messages)}}, status=status)


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
    """Route handlers over one store; field definitions live in `store.meta["freshsales.fields"]`."""

    def __init__(self, config: SandboxConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.contact_required = list(config.options.get("contact_required", ["last_name", "email"]))
        if "freshsales.fields" not in store.meta:
            fields = {}
            for entity, definitions in DEFAULT_FIELDS.items():
                fields[entity] = [{**f, "id": self.store.next_id("freshsales.field", start=1000), "base_model": ENTITIES[entity][1]} for f in definitions]
            store.meta["freshsales.fields"] = fields
            store.mark_baseline()

    def fields_of(self, entity: str) -> list[dict[str, Any]]:
        return self.store.meta["freshsales.fields"][entity]

    def _now(self) -> str:
        tick = self.store.next_id("freshsales.clock")
        return (EPOCH + timedelta(seconds=tick)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- validation ------------------------------------------------------------------------------

    def validate(self, entity: str, values: dict[str, Any], custom: dict[str, Any], *, creating: bool, existing_id: int | None) -> tuple[str, ...] | None:
        problems: list[str] = []
        fields = {f["name"]: f for f in self.fields_of(entity)}
        for field in fields.values():
            name = field["name"]
            required = field["required"] and (entity != "contacts" or name in self.contact_required)
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
                problems.append(f"{field['label']} has already been taken" if entity == "sales_accounts" else f"{field['label'].replace(' ', '')} is not unique")
        account = values.get("sales_account_id")
        if account is not None and self.store.get("sales_accounts", str(account)) is None:
            problems.append("Sales account does not exist")
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
        if kind in ("number", "lookup"):
            return None if isinstance(value, int | float) and not isinstance(value, bool) else f"{label} is not a number"
        if kind == "checkbox":
            return None if isinstance(value, bool) else f"{label} is invalid"
        if kind == "date":
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                return f"{label} is not a valid date"
            return None
        if kind == "dropdown":
            allowed = [c["value"] for c in field["choices"]]
            return None if value in allowed else f"{label} is not included in the list"
        if kind == "multi_select_dropdown":
            allowed = [c["value"] for c in field["choices"]]
            items = value.split(";") if isinstance(value, str) else value
            return None if isinstance(items, list) and all(i in allowed for i in items) else f"{label} is not included in the list"
        if kind == "tags":
            return None if isinstance(value, list) and all(isinstance(t, str) for t in value) else "Tags is invalid"
        return None

    def _taken(self, entity: str, name: str, value: Any, existing_id: int | None) -> bool:
        wanted = value.strip().lower() if isinstance(value, str) else value
        for record in self.store.all(entity):
            if record["id"] == existing_id:
                continue
            held = (record.get("custom_field") or {}).get(name) if name.startswith("cf_") else record.get(name)
            if (held.strip().lower() if isinstance(held, str) else held) == wanted:
                return True
        return False

    def _split(self, entity: str, body: Any) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        key = ENTITIES[entity][0]
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

    def _entity(self, request: Request) -> str | None:
        entity = request.path_params["entity"]
        return entity if entity in ENTITIES else None

    def _insert(self, entity: str, values: dict[str, Any], custom: dict[str, Any]) -> Record:
        now = self._now()
        record_id = ENTITIES[entity][2] + self.store.next_id(f"freshsales.{entity}")
        record = {"id": record_id, **values, "custom_field": custom, "tags": values.get("tags", []), "created_at": now, "updated_at": now}
        return self.store.insert(entity, str(record_id), record)

    def _apply(self, record: Record, values: dict[str, Any], custom: dict[str, Any]) -> Record:
        record.update(values)
        record["custom_field"] = {**record.get("custom_field", {}), **custom}
        record["updated_at"] = self._now()
        return record

    async def create(self, request: Request) -> Response:
        entity = self._entity(request)
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
        return json_response({ENTITIES[entity][0]: self._insert(entity, values, custom)})

    async def get_one(self, request: Request) -> Response:
        entity = self._entity(request)
        record = self.store.get(entity, request.path_params["record_id"]) if entity else None
        if record is None:
            return errors(404, "Not Found")
        return json_response({ENTITIES[entity][0]: record})

    async def update(self, request: Request) -> Response:
        entity = self._entity(request)
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
        return json_response({ENTITIES[entity][0]: self._apply(record, values, custom)})

    async def delete(self, request: Request) -> Response:
        entity = self._entity(request)
        record_id = request.path_params["record_id"]
        if entity is None or self.store.delete(entity, record_id) is None:
            return errors(404, "Not Found")
        return json_response({"success": True})

    async def upsert(self, request: Request) -> Response:
        entity = self._entity(request)
        if entity is None:
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
        wanted = value.strip().lower() if isinstance(value, str) else value
        existing = next(
            (
                r
                for r in self.store.all(entity)
                if _norm((r.get("custom_field") or {}).get(field_name) if field_name.startswith("cf_") else r.get(field_name)) == wanted
            ),
            None,
        )
        if field_name.startswith("cf_"):
            custom.setdefault(field_name, value)
        else:
            values.setdefault(field_name, value)
        problems = self.validate(entity, values, custom, creating=existing is None, existing_id=existing["id"] if existing else None)
        if problems:
            return errors(400, *problems)
        if existing is not None:
            return json_response({ENTITIES[entity][0]: self._apply(existing, values, custom)}, status=200)
        return json_response({ENTITIES[entity][0]: self._insert(entity, values, custom)}, status=201)

    async def filters(self, request: Request) -> Response:
        entity = self._entity(request)
        if entity is None:
            return errors(404, "Not Found")
        model = ENTITIES[entity][1]
        label = {"contacts": "All Contacts", "sales_accounts": "All Accounts", "deals": "All Deals"}[entity]
        return json_response({"filters": [{"id": 1, "name": label, "model_class_name": model, "is_default": True}, {"id": 2, "name": "My " + label[4:], "model_class_name": model, "is_default": False}]})

    async def view(self, request: Request) -> Response:
        entity = self._entity(request)
        if entity is None or request.path_params["view_id"] not in ("1", "2"):
            return errors(404, "Not Found")
        query = request.query_params
        try:
            page = max(1, int(query.get("page", 1)))
            per_page = min(MAX_PER_PAGE, max(1, int(query.get("per_page", DEFAULT_PER_PAGE))))
        except ValueError:
            return errors(400, "page is invalid")
        records = self.store.all(entity)
        sort = query.get("sort")
        if sort:
            records = sorted(records, key=lambda r: (str(r.get(sort) or ""), r["id"]), reverse=query.get("sort_type") == "desc")
        total = len(records)
        total_pages = max(1, -(-total // per_page))
        chunk = records[(page - 1) * per_page : page * per_page]
        return json_response({entity: chunk, "meta": {"total_pages": total_pages, "total": total}})

    async def lookup(self, request: Request) -> Response:
        query = request.query_params
        term, field, entities = query.get("q"), query.get("f"), query.get("entities", "contact")
        if not term or not field:
            return errors(400, "q and f are required")
        answer: dict[str, Any] = {}
        for singular in entities.split(","):
            entity = next((e for e, (key, _, _) in ENTITIES.items() if key == singular), None)
            if entity is None:
                return errors(400, f"The type for {singular} is invalid.")
            wanted = term.strip().lower()
            found = [
                r
                for r in self.store.all(entity)
                if _norm((r.get("custom_field") or {}).get(field) if field.startswith("cf_") else r.get(field)) == wanted
            ]
            answer[entity] = {entity: found}
        return json_response(answer)

    # -- notes, tasks, documents -------------------------------------------------------------------

    async def create_any(self, request: Request) -> Response:
        if request.path_params["entity"] in ACTIVITIES:
            return await self.create_activity(request)
        return await self.create(request)

    async def delete_any(self, request: Request) -> Response:
        if request.path_params["entity"] in ACTIVITIES:
            return await self.delete_activity(request)
        return await self.delete(request)

    async def create_activity(self, request: Request) -> Response:
        kind = request.path_params["entity"]
        if kind not in ACTIVITIES:
            return errors(404, "Not Found")
        key, id_base = ACTIVITIES[kind]
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        payload = body.get(key) if isinstance(body, dict) else None
        if not isinstance(payload, dict):
            return errors(400, f"{key} is missing")
        required = ["description"] if kind == "notes" else ["title", "due_date"]
        problems = [f"{name.replace('_', ' ').capitalize()} can't be blank" for name in required if not payload.get(name)]
        target_problem = self._target_problem(payload.get("targetable_type"), payload.get("targetable_id"))
        if target_problem:
            problems.append(target_problem)
        if problems:
            return errors(400, *problems)
        now = self._now()
        record_id = id_base + self.store.next_id(f"freshsales.{kind}")
        record = {"id": record_id, **payload, "created_at": now, "updated_at": now}
        self.store.insert(kind, str(record_id), record)
        return json_response({key: record})

    async def delete_activity(self, request: Request) -> Response:
        kind = request.path_params["entity"]
        if kind not in ACTIVITIES or self.store.delete(kind, request.path_params["record_id"]) is None:
            return errors(404, "Not Found")
        return json_response({"success": True})

    def _target_problem(self, targetable_type: Any, targetable_id: Any) -> str | None:
        if targetable_type not in TARGETABLE:
            return f"The type for {targetable_type} is invalid." if targetable_type else "Targetable type can't be blank"
        if targetable_id is None or self.store.get(TARGETABLE[targetable_type], str(targetable_id)) is None:
            return "Targetable does not exist"
        return None

    async def upload_document(self, request: Request) -> Response:
        try:
            parts = await read_multipart(request)
        except InvalidBody as error:
            return errors(400, f"Invalid request: {error}")
        upload = parts.get("file")
        target_type = parts["targetable_type"].content.decode() if "targetable_type" in parts else None
        target_id = parts["targetable_id"].content.decode() if "targetable_id" in parts else None
        problems = [] if upload is not None else ["File can't be blank"]
        target_problem = self._target_problem(target_type, target_id)
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
        if entity is None:
            return errors(404, "Not Found")
        model, record_id = ENTITIES[entity][1], int(request.path_params["record_id"])
        found = [_public(d) for d in self.store.all("documents") if d["targetable_type"] == model and d["targetable_id"] == record_id]
        return json_response({"documents": found})

    # -- field settings -------------------------------------------------------------------------

    async def list_fields(self, request: Request) -> Response:
        entity = self._entity(request)
        if entity is None:
            return errors(404, "Not Found")
        return json_response({"fields": self.fields_of(entity)})

    async def list_forms(self, request: Request) -> Response:
        entity = self._entity(request)
        if entity is None:
            return errors(404, "Not Found")
        return json_response({"forms": [{"id": 1, "name": "Default form", "is_default": True}]})

    async def create_field(self, request: Request) -> Response:
        entity = self._entity(request)
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
        if any(f["label"].lower() == label.strip().lower() for f in self.fields_of(entity)):
            return errors(400, "Label has already been taken")
        choices = body.get("choices") or []
        if type_name in ("dropdown", "multi_select_dropdown") and not choices:
            return errors(400, "Choices can't be blank")
        name = "cf_" + re.sub(r"[^0-9a-z]+", "_", label.strip().lower()).strip("_")
        field = {
            **_field(name, label.strip(), type_name, required=bool(body.get("required")), unique=bool(body.get("unique"))),
            "choices": [{"id": self.store.next_id("freshsales.choice"), "value": str(c.get("value"))} for c in choices if isinstance(c, dict)],
            "id": self.store.next_id("freshsales.field", start=1000),
            "base_model": ENTITIES[entity][1],
        }
        self.fields_of(entity).append(field)
        return json_response({"field": field})

    async def update_field(self, request: Request) -> Response:
        entity = self._entity(request)
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
        return [
            Route(f"{API}/lookup", self.lookup, methods=["GET"]),
            Route(f"{API}/documents", self.upload_document, methods=["POST"]),
            Route(f"{API}/settings/{{entity}}/fields", self.list_fields, methods=["GET"]),
            Route(f"{API}/settings/{{entity}}/fields/{{field_id}}", self.update_field, methods=["PUT"]),
            Route(f"{API}/settings/{{entity}}/forms", self.list_forms, methods=["GET"]),
            Route(f"{API}/settings/{{entity}}/forms/{{form_id}}/fields", self.create_field, methods=["POST"]),
            Route(f"{API}/{{entity}}/filters", self.filters, methods=["GET"]),
            Route(f"{API}/{{entity}}/view/{{view_id}}", self.view, methods=["GET"]),
            Route(f"{API}/{{entity}}/upsert", self.upsert, methods=["POST"]),
            Route(f"{API}/{{entity}}/{{record_id}}/document_associations", self.document_associations, methods=["GET"]),
            Route(f"{API}/{{entity}}", self.create_any, methods=["POST"]),
            Route(f"{API}/{{entity}}/{{record_id}}", self.get_one, methods=["GET"]),
            Route(f"{API}/{{entity}}/{{record_id}}", self.update, methods=["PUT"]),
            Route(f"{API}/{{entity}}/{{record_id}}", self.delete_any, methods=["DELETE"]),
            Route("/{path:path}", self.not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]


def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette:
    """The Freshsales sandbox app (see the module docstring)."""
    store = store if store is not None else Store()
    sandbox = FreshsalesSandbox(config, store)
    return build_app(FreshsalesProfile(config), sandbox.routes(), config, store)


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _public(document: Record) -> Record:
    return {key: value for key, value in document.items() if key != "content_base64"}
