"""The Pipedrive sandbox: an ASGI emulator of API v2 (persons, organizations, deals, activities)
and the v1 endpoints v2 lacks (notes, files, entity fields), per the platform notes (pipedrive.md).

What it reproduces:

- auth header `x-api-token`, else 401 with Pipedrive's error body
  `{"success":false,"error":...,"error_info":...,"data":null,"additional_data":null}`;
- one record per request (there are no batch endpoints), strict v2 validation: booleans only
  `true`/`false`, numbers never coerced from strings, unknown fields refused, references
  (`org_id`, `person_id`, `deal_id`, label ids, enum option ids) must exist;
- custom fields under `custom_fields: {<40-hex key>: value}`, keys generated per account by
  `POST /v1/{entity}Fields` (deterministic from the seed) and listed by `GET /v1/{entity}Fields`;
- labels: the `label` field's options; `PUT /v1/{entity}Fields/{id}` with the full option list
  (options without `id` are added, existing ones must carry their `id`, omitted ones are removed);
- cursor pagination (`cursor`, `limit` <= 500, `additional_data.next_cursor`, null at the end)
  for v2 lists; `start`/`limit` with `additional_data.pagination` and `data: null` when empty
  for v1 lists; search with `term`, `fields`, `exact_match` (term >= 2 characters otherwise);
- `GET /v1/users` (the sandbox's users, `USERS`; unconfirmed in the platform notes);
- rate limits: the burst window from `config.rate_limit` (`calls` per `per_seconds`, 20 per 2 s on
  the cheapest plan), a separate search window (10 per 2 s, option `search_calls`) and a daily
  token budget (`rate_limit.daily`) spent per endpoint (the connector's documented
  `TOKEN_COSTS`); every answer carries
  `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset` and, with a daily budget,
  `x-daily-requests-left`; over the limit: 429 with the standard error body and no Retry-After.

Unconfirmed in the platform notes and chosen here: exact validation messages, v2 create status
(200), token costs of v2 endpoints (half of v1), label options editable through the fields API.
Deleted persons/organizations/deals/activities move to `deleted:<entity>` (Pipedrive keeps them
30 days); notes and files are removed at once.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from migc.connectors.pipedrive import TOKEN_COSTS, token_cost
from migc.sandbox.base import (
    InvalidBody,
    LimitState,
    PlatformProfile,
    RateLimitConfig,
    SandboxConfig,
    ServerRateLimiter,
    build_app,
    json_response,
    note_batch,
    read_json,
    read_multipart,
)
from migc.sandbox.store import Record, Store

PLATFORM = "pipedrive"
BASE_PATH = ""
DEFAULT_RATE_LIMIT = RateLimitConfig(calls=20, per_seconds=2.0, daily=30_000)
SEARCH_WINDOW_SECONDS = 2.0
MAX_LIMIT = 500
MAX_IDS = 100
ERROR_INFO = "Please check developers.pipedrive.com"
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
OWNER_ID = 1
ACTIVITY_TYPES = ("call", "meeting", "task", "deadline", "email", "lunch")
USERS = (
    {"id": OWNER_ID, "name": "Sandbox Admin", "email": "admin@sandbox.invalid", "active_flag": True, "is_admin": True},
    {"id": 2, "name": "Sandbox Sales", "email": "sales@sandbox.invalid", "active_flag": True, "is_admin": False},
)

# v2 entity path -> (fields endpoint entity, singular for messages)
ENTITIES = {
    "persons": ("person", "Person"),
    "organizations": ("organization", "Organization"),
    "deals": ("deal", "Deal"),
    "activities": ("activity", "Activity"),
}

# Standard writable fields per entity and their strict v2 types.
STANDARD_FIELDS: dict[str, dict[str, str]] = {
    "persons": {
        "name": "string",
        "first_name": "string",
        "last_name": "string",
        "owner_id": "int",
        "org_id": "organization",
        "emails": "contacts",
        "phones": "contacts",
        "label_ids": "labels",
        "visible_to": "int",
        "marketing_status": "string",
        "custom_fields": "custom",
    },
    "organizations": {
        "name": "string",
        "owner_id": "int",
        "address": "address",
        "label_ids": "labels",
        "visible_to": "int",
        "custom_fields": "custom",
    },
    "deals": {
        "title": "string",
        "owner_id": "int",
        "person_id": "person",
        "org_id": "organization",
        "pipeline_id": "int",
        "stage_id": "int",
        "value": "number",
        "currency": "string",
        "status": "status",
        "expected_close_date": "date",
        "probability": "number",
        "label_ids": "labels",
        "visible_to": "int",
        "custom_fields": "custom",
    },
    "activities": {
        "subject": "string",
        "type": "activity_type",
        "owner_id": "int",
        "due_date": "date",
        "due_time": "time",
        "duration": "time",
        "deal_id": "deal",
        "person_id": "person",
        "org_id": "organization",
        "done": "bool",
        "note": "string",
        "busy": "bool",
        "custom_fields": "custom",
    },
}
REQUIRED = {"persons": ["name"], "organizations": ["name"], "deals": ["title"], "activities": []}

FIELD_TYPES = ("varchar", "varchar_auto", "text", "double", "monetary", "date", "daterange", "time", "timerange", "set", "enum", "user", "org", "people", "phone", "address")


def error_response(status: int, message: str, **extra: Any) -> Response:
    body = {"success": False, "error": message, "error_info": ERROR_INFO, "data": None, "additional_data": None, **extra}
    return json_response(body, status=status)


def ok(data: Any, status: int = 200, additional: Any = None) -> Response:
    return json_response({"success": True, "data": data, "additional_data": additional}, status=status)


class PipedriveProfile(PlatformProfile):
    platform = PLATFORM

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        return headers.get("x-api-token") == self.token

    def unauthorized(self) -> Response:
        return error_response(401, "unauthorized access", errorCode=401)

    def throttled(self, state: LimitState) -> Response:
        body = {"success": False, "error": "Request over limit", "error_info": ERROR_INFO, "data": None, "additional_data": None}
        return json_response(body, status=429, headers=self.limit_headers(state))

    def server_error(self, status: int) -> Response:
        return error_response(status, "Internal server error")

    def limit_headers(self, state: LimitState) -> dict[str, str]:
        headers: dict[str, str] = {}
        if state.limit is not None:
            headers["x-ratelimit-limit"] = str(state.limit)
            headers["x-ratelimit-remaining"] = str(state.remaining or 0)
            headers["x-ratelimit-reset"] = f"{state.reset_seconds or 0:g}"
        if state.daily_left is not None:
            headers["x-daily-requests-left"] = str(state.daily_left)
        return headers

    def cost(self, method: str, path: str) -> int:
        return token_cost(method, path)


class PipedriveSandbox:
    """Route handlers over one store; field definitions live in `store.meta["pipedrive.fields"]`."""

    def __init__(self, config: SandboxConfig, store: Store) -> None:
        self.config = config
        self.store = store
        search_calls = int(config.options.get("search_calls", 10))
        self.search_limiter = ServerRateLimiter(
            RateLimitConfig(calls=search_calls, per_seconds=SEARCH_WINDOW_SECONDS) if config.rate_limit else None
        )
        self.profile = PipedriveProfile(config)
        if "pipedrive.fields" not in store.meta:
            self._seed_fields()
            store.mark_baseline()

    # -- schema --------------------------------------------------------------------------------

    def _seed_fields(self) -> None:
        fields: dict[str, list[dict[str, Any]]] = {}
        for entity in ("person", "organization", "deal", "activity", "note"):
            fields[entity] = []
        for key, name, field_type in (
            ("name", "Name", "varchar"),
            ("email", "Email", "varchar"),
            ("phone", "Phone", "phone"),
            ("org_id", "Organization", "org"),
            ("owner_id", "Owner", "user"),
        ):
            fields["person"].append(self._field_entry(key, name, field_type, custom=False))
        for key, name, field_type in (("name", "Name", "varchar"), ("address", "Address", "address"), ("owner_id", "Owner", "user")):
            fields["organization"].append(self._field_entry(key, name, field_type, custom=False))
        for key, name, field_type in (("title", "Title", "varchar"), ("value", "Value", "monetary"), ("person_id", "Contact person", "people"), ("org_id", "Organization", "org")):
            fields["deal"].append(self._field_entry(key, name, field_type, custom=False))
        for key, name, field_type in (("subject", "Subject", "varchar"), ("type", "Type", "enum"), ("due_date", "Due date", "date")):
            fields["activity"].append(self._field_entry(key, name, field_type, custom=False))
        fields["note"].append(self._field_entry("content", "Content", "text", custom=False))
        for entity, labels in (
            ("person", ("Customer", "Hot lead", "Warm lead", "Cold lead")),
            ("organization", ("Customer", "Hot lead", "Warm lead", "Cold lead")),
            ("deal", ("Hot", "Warm", "Cold")),
        ):
            entry = self._field_entry("label", "Label", "set", custom=False)
            entry["options"] = [self._option(label) for label in labels]
            fields[entity].append(entry)
        self.store.meta["pipedrive.fields"] = fields
        self.store.meta["pipedrive.stages"] = {"1": [1, 2, 3, 4, 5]}

    def _field_entry(self, key: str, name: str, field_type: str, *, custom: bool) -> dict[str, Any]:
        return {
            "id": self.store.next_id("pipedrive.field"),
            "key": key,
            "name": name,
            "field_type": field_type,
            "edit_flag": custom,
            "mandatory_flag": False,
            "active_flag": True,
            "options": None,
        }

    def _option(self, label: str) -> dict[str, Any]:
        return {"id": self.store.next_id("pipedrive.option"), "label": label}

    def fields_of(self, entity: str) -> list[dict[str, Any]]:
        return self.store.meta["pipedrive.fields"].setdefault(entity, [])

    def _custom_fields(self, entity: str) -> dict[str, dict[str, Any]]:
        return {field["key"]: field for field in self.fields_of(entity) if field["edit_flag"]}

    def _label_ids(self, entity: str) -> set[int]:
        label = next((f for f in self.fields_of(entity) if f["key"] == "label"), None)
        return {option["id"] for option in (label or {}).get("options") or []}

    def _now(self) -> str:
        tick = self.store.next_id("pipedrive.clock")
        return (EPOCH + timedelta(seconds=tick)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- validation -------------------------------------------------------------------------------

    def validate(self, collection: str, body: dict[str, Any], *, creating: bool) -> str | None:
        entity = ENTITIES[collection][0]
        allowed = STANDARD_FIELDS[collection]
        for name in body:
            if name not in allowed:
                return f"Unknown field: {name}"
        for name in REQUIRED[collection]:
            value = body.get(name)
            if (creating or name in body) and (not isinstance(value, str) or not value.strip()):
                return f"Validation failed: {name}: Required"
        for name, value in body.items():
            if value is None:
                continue
            problem = self._check(entity, name, allowed[name], value)
            if problem:
                return problem
        return None

    def _check(self, entity: str, name: str, kind: str, value: Any) -> str | None:
        if kind == "string":
            if not isinstance(value, str):
                return f"Validation failed: {name}: Expected string"
            if len(value) > 255 and name not in ("note",):
                return f"Validation failed: {name}: Maximum length is 255"
            return None
        if kind in ("int", "organization", "person", "deal"):
            if isinstance(value, bool) or not isinstance(value, int):
                return f"Validation failed: {name}: Expected integer"
            target = {"organization": "organizations", "person": "persons", "deal": "deals"}.get(kind)
            if target and self.store.get(target, str(value)) is None:
                return f"{ENTITIES[target][1]} with id {value} not found"
            return None
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"Validation failed: {name}: Expected number"
            return None
        if kind == "bool":
            return None if isinstance(value, bool) else f"Validation failed: {name}: Expected boolean"
        if kind == "date":
            return None if _is_date(value) else f"Validation failed: {name}: Expected date in format YYYY-MM-DD"
        if kind == "time":
            return None if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", value) else f"Validation failed: {name}: Expected time in format HH:MM"
        if kind == "status":
            return None if value in ("open", "won", "lost") else f"Validation failed: {name}: Must be one of open, won, lost"
        if kind == "activity_type":
            return None if value in ACTIVITY_TYPES else f"Validation failed: {name}: Unknown activity type"
        if kind == "address":
            return None if isinstance(value, str | dict) else f"Validation failed: {name}: Expected object"
        if kind == "contacts":
            if not isinstance(value, list) or not all(isinstance(item, dict) and isinstance(item.get("value"), str) for item in value):
                return f"Validation failed: {name}: Expected array of objects with value"
            for item in value:
                if "primary" in item and not isinstance(item["primary"], bool):
                    return f"Validation failed: {name}.primary: Expected boolean"
            return None
        if kind == "labels":
            if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
                return f"Validation failed: {name}: Expected array of integers"
            unknown = [v for v in value if v not in self._label_ids(entity)]
            return f"Label with id {unknown[0]} not found" if unknown else None
        if kind == "custom":
            return self._check_custom(entity, value)
        return None

    def _check_custom(self, entity: str, values: Any) -> str | None:
        if not isinstance(values, dict):
            return "Validation failed: custom_fields: Expected object"
        known = self._custom_fields(entity)
        for key, value in values.items():
            field = known.get(key)
            if field is None:
                return f"Unknown custom field: {key}"
            if value is None:
                continue
            field_type = field["field_type"]
            option_ids = {option["id"] for option in field.get("options") or []}
            if field_type in ("varchar", "varchar_auto", "phone") and (not isinstance(value, str) or len(value) > 255):
                return f"Validation failed: custom_fields.{key}: Expected string of at most 255 characters"
            if field_type == "text" and not isinstance(value, str):
                return f"Validation failed: custom_fields.{key}: Expected string"
            if field_type in ("double", "monetary") and (isinstance(value, bool) or not isinstance(value, int | float)):
                return f"Validation failed: custom_fields.{key}: Expected number"
            if field_type == "date" and not _is_date(value):
                return f"Validation failed: custom_fields.{key}: Expected date in format YYYY-MM-DD"
            if field_type == "enum" and value not in option_ids:
                return f"Validation failed: custom_fields.{key}: Option not found"
            if field_type == "set" and (not isinstance(value, list) or any(v not in option_ids for v in value)):
                return f"Validation failed: custom_fields.{key}: Option not found"
            if field_type in ("org", "people", "user"):
                if isinstance(value, bool) or not isinstance(value, int):
                    return f"Validation failed: custom_fields.{key}: Expected integer"
                exists = any(u["id"] == value for u in USERS) if field_type == "user" else (
                    self.store.get("organizations" if field_type == "org" else "persons", str(value)) is not None)
                if not exists:
                    return f"Validation failed: custom_fields.{key}: {field_type} with id {value} not found"
        return None

    # -- v2 entities -----------------------------------------------------------------------------

    def _collection(self, request: Request) -> str | None:
        collection = request.path_params["entity"]
        return collection if collection in ENTITIES else None

    async def _body(self, request: Request) -> dict[str, Any] | Response:
        try:
            body = await read_json(request)
        except InvalidBody as error:
            return error_response(400, f"Invalid request body: {error}")
        if not isinstance(body, dict):
            return error_response(400, "Invalid request body: expected an object")
        note_batch(request, 1)
        return body

    async def create(self, request: Request) -> Response:
        collection = self._collection(request)
        if collection is None:
            return error_response(404, "Not found")
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        problem = self.validate(collection, body, creating=True)
        if problem:
            return error_response(400, problem)
        now = self._now()
        record_id = self.store.next_id(f"pipedrive.{collection}")
        record = {"id": record_id, **_defaults(collection), **body, "add_time": now, "update_time": now}
        record.setdefault("custom_fields", {})
        if collection == "persons":
            record.update(_split_name(record))
        self.store.insert(collection, str(record_id), record)
        return ok(record)

    async def get_one(self, request: Request) -> Response:
        collection = self._collection(request)
        record = self.store.get(collection, request.path_params["record_id"]) if collection else None
        if record is None:
            return error_response(404, f"{ENTITIES.get(collection or '', ('', 'Item'))[1]} not found")
        return ok(record)

    async def update(self, request: Request) -> Response:
        collection = self._collection(request)
        record = self.store.get(collection, request.path_params["record_id"]) if collection else None
        if record is None:
            return error_response(404, f"{ENTITIES.get(collection or '', ('', 'Item'))[1]} not found")
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        problem = self.validate(collection, body, creating=False)
        if problem:
            return error_response(400, problem)
        custom = body.pop("custom_fields", None)
        record.update(body)
        if custom:
            record["custom_fields"] = {**record.get("custom_fields", {}), **custom}
        if collection == "persons" and "name" in body:
            record.update(_split_name(record))
        record["update_time"] = self._now()
        return ok(record)

    async def delete(self, request: Request) -> Response:
        collection = self._collection(request)
        record_id = request.path_params["record_id"]
        record = self.store.delete(collection, record_id) if collection else None
        if record is None:
            return error_response(404, f"{ENTITIES.get(collection or '', ('', 'Item'))[1]} not found")
        self.store.collection(f"deleted:{collection}")[record_id] = {**record, "is_deleted": True}
        return ok({"id": record["id"]})

    async def list(self, request: Request) -> Response:
        collection = self._collection(request)
        if collection is None:
            return error_response(404, "Not found")
        query = request.query_params
        limit = _int(query.get("limit"), 100)
        if limit is None or limit < 1 or limit > MAX_LIMIT:
            return error_response(400, f"Validation failed: limit: Must be between 1 and {MAX_LIMIT}")
        records = self.store.all(collection)
        if "ids" in query:
            ids = [part for part in query["ids"].split(",") if part]
            if len(ids) > MAX_IDS:
                return error_response(400, f"Validation failed: ids: At most {MAX_IDS} ids")
            wanted = set(ids)
            records = [record for record in records if str(record["id"]) in wanted]
        if "updated_since" in query:
            since = query["updated_since"]
            records = [record for record in records if record["update_time"] >= since]
        start = _decode_cursor(query.get("cursor"))
        if start is None:
            return error_response(400, "Validation failed: cursor: Invalid cursor")
        page = records[start : start + limit]
        next_cursor = _encode_cursor(start + limit) if start + limit < len(records) else None
        return ok(page, additional={"next_cursor": next_cursor})

    async def search(self, request: Request) -> Response:
        collection = self._collection(request)
        if collection is None:
            return error_response(404, "Not found")
        state = self.search_limiter.admit(TOKEN_COSTS[("v2", "SEARCH")])
        try:
            if state.rejected_by is not None:
                return self.profile.throttled(state)
            query = request.query_params
            term = query.get("term", "")
            exact = query.get("exact_match", "false") == "true"
            if len(term) < (1 if exact else 2):
                return error_response(400, "Validation failed: term: Must be at least 2 characters long")
            limit = _int(query.get("limit"), 100)
            if limit is None or limit < 1 or limit > MAX_LIMIT:
                return error_response(400, f"Validation failed: limit: Must be between 1 and {MAX_LIMIT}")
            fields = [f for f in query.get("fields", "").split(",") if f] or _search_fields(collection)
            matches = [record for record in self.store.all(collection) if _matches(record, fields, term, exact)]
            start = _decode_cursor(query.get("cursor"))
            if start is None:
                return error_response(400, "Validation failed: cursor: Invalid cursor")
            page = matches[start : start + limit]
            items = [{"result_score": 1.0 if exact else 0.5, "item": _search_item(collection, record)} for record in page]
            next_cursor = _encode_cursor(start + limit) if start + limit < len(matches) else None
            return ok({"items": items}, additional={"next_cursor": next_cursor})
        finally:
            if state.rejected_by is None:
                self.search_limiter.release()

    # -- v1: notes and files --------------------------------------------------------------------

    async def create_note(self, request: Request) -> Response:
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            return error_response(400, "Validation failed: content: Required")
        parents = {key: body.get(key) for key in ("deal_id", "person_id", "org_id", "lead_id") if body.get(key) is not None}
        if not parents:
            return error_response(400, "Validation failed: one of deal_id, person_id, org_id or lead_id is required")
        for key, value in parents.items():
            collection = {"deal_id": "deals", "person_id": "persons", "org_id": "organizations"}.get(key)
            if collection and self.store.get(collection, str(value)) is None:
                return error_response(400, f"{ENTITIES[collection][1]} with id {value} not found")
        unknown = [key for key in body if key not in ("content", "deal_id", "person_id", "org_id", "lead_id", "pinned_to_person_flag", "add_time")]
        if unknown:
            return error_response(400, f"Unknown field: {unknown[0]}")
        now = self._now()
        note_id = self.store.next_id("pipedrive.notes")
        note = {"id": note_id, "content": content, **parents, "add_time": now, "update_time": now, "active_flag": True}
        self.store.insert("notes", str(note_id), note)
        return ok(note, status=201)

    async def get_note(self, request: Request) -> Response:
        note = self.store.get("notes", request.path_params["record_id"])
        return ok(note) if note is not None else error_response(404, "Note not found")

    async def update_note(self, request: Request) -> Response:
        note = self.store.get("notes", request.path_params["record_id"])
        if note is None:
            return error_response(404, "Note not found")
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        if "content" in body and (not isinstance(body["content"], str) or not body["content"].strip()):
            return error_response(400, "Validation failed: content: Required")
        note.update({key: value for key, value in body.items() if key in ("content", "deal_id", "person_id", "org_id")})
        note["update_time"] = self._now()
        return ok(note)

    async def delete_note(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        if self.store.delete("notes", record_id) is None:
            return error_response(404, "Note not found")
        return ok({"id": int(record_id)})

    async def list_notes(self, request: Request) -> Response:
        records = self.store.all("notes")
        for key in ("person_id", "org_id", "deal_id"):
            if key in request.query_params:
                records = [r for r in records if str(r.get(key)) == request.query_params[key]]
        return self._offset_page(records, request.query_params, MAX_LIMIT)

    async def upload_file(self, request: Request) -> Response:
        try:
            parts = await read_multipart(request)
        except InvalidBody as error:
            return error_response(400, f"Invalid request body: {error}")
        upload = parts.get("file")
        if upload is None:
            return error_response(400, "Validation failed: file: Required")
        links = {}
        for key in ("deal_id", "person_id", "org_id", "activity_id", "product_id", "lead_id"):
            if key in parts:
                links[key] = parts[key].content.decode()
        if len(links) != 1:
            return error_response(400, "Validation failed: exactly one of deal_id, person_id, org_id, activity_id, product_id or lead_id is required")
        (key, value), = links.items()
        collection = {"deal_id": "deals", "person_id": "persons", "org_id": "organizations", "activity_id": "activities"}.get(key)
        if collection and self.store.get(collection, value) is None:
            return error_response(400, f"{ENTITIES[collection][1]} with id {value} not found")
        now = self._now()
        file_id = self.store.next_id("pipedrive.files")
        record = {
            "id": file_id,
            key: int(value) if value.isdigit() else value,
            "file_name": upload.filename or "file",
            "file_size": len(upload.content),
            "add_time": now,
            "url": f"https://sandbox.invalid/files/{file_id}",
            "content_base64": base64.b64encode(upload.content).decode("ascii"),
        }
        self.store.insert("files", str(file_id), record)
        note_batch(request, 1)
        return ok(_without_content(record), status=201)

    async def entity_files(self, request: Request) -> Response:
        entity = request.path_params["entity"]
        key = {"persons": "person_id", "organizations": "org_id", "deals": "deal_id"}.get(entity)
        if key is None:
            return error_response(404, "Not found")
        record_id = request.path_params["record_id"]
        files = [_without_content(f) for f in self.store.all("files") if str(f.get(key)) == record_id]
        return self._offset_page(files, request.query_params, 100)

    async def delete_file(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        if self.store.delete("files", record_id) is None:
            return error_response(404, "File not found")
        return ok({"id": int(record_id)})

    def _offset_page(self, records: list[Record], query: QueryParams, maximum: int) -> Response:
        start = _int(query.get("start"), 0)
        limit = _int(query.get("limit"), 100)
        if start is None or limit is None or start < 0 or limit < 1 or limit > maximum:
            return error_response(400, f"Validation failed: limit: Must be between 1 and {maximum}")
        page = records[start : start + limit]
        more = start + limit < len(records)
        pagination = {"start": start, "limit": limit, "more_items_in_collection": more}
        if more:
            pagination["next_start"] = start + limit
        return ok(page or None, additional={"pagination": pagination})

    # -- v1: fields ----------------------------------------------------------------------------

    def _fields_entity(self, request: Request) -> str | None:
        entity = request.path_params["entity"]
        return entity if entity in self.store.meta["pipedrive.fields"] else None

    async def list_fields(self, request: Request) -> Response:
        entity = self._fields_entity(request)
        if entity is None:
            return error_response(404, "Not found")
        return self._offset_page(list(self.fields_of(entity)), request.query_params, MAX_LIMIT)

    async def create_field(self, request: Request) -> Response:
        entity = self._fields_entity(request)
        if entity is None:
            return error_response(404, "Not found")
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        name, field_type = body.get("name"), body.get("field_type")
        if not isinstance(name, str) or not name.strip():
            return error_response(400, "Validation failed: name: Required")
        if field_type not in FIELD_TYPES:
            return error_response(400, f"Validation failed: field_type: Must be one of {', '.join(FIELD_TYPES)}")
        options = body.get("options")
        if field_type in ("enum", "set"):
            if not isinstance(options, list) or not options or not all(isinstance(o, dict) and o.get("label") for o in options):
                return error_response(400, "Validation failed: options: Required for enum and set fields")
        limit = int(self.config.options.get("custom_fields_limit", 30))
        custom_count = sum(1 for fields in self.store.meta["pipedrive.fields"].values() for f in fields if f["edit_flag"])
        if custom_count >= limit:
            return error_response(403, "You have reached the custom fields limit of your plan", code="feature_capping_custom_fields_limit")
        sequence = self.store.next_id("pipedrive.field_key")
        key = hashlib.sha1(f"{self.config.seed}:{entity}:{sequence}".encode()).hexdigest()
        field = self._field_entry(key, name, field_type, custom=True)
        if field_type in ("enum", "set"):
            field["options"] = [self._option(str(option["label"])) for option in options]
        self.fields_of(entity).append(field)
        note_batch(request, 1)
        return ok(field, status=201)

    async def update_field(self, request: Request) -> Response:
        entity = self._fields_entity(request)
        if entity is None:
            return error_response(404, "Not found")
        field_id = _int(request.path_params["field_id"], None)
        field = next((f for f in self.fields_of(entity) if f["id"] == field_id), None)
        if field is None:
            return error_response(404, "Field not found")
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                return error_response(400, "Validation failed: name: Required")
            field["name"] = body["name"]
        if "options" in body:
            if field["field_type"] not in ("enum", "set"):
                return error_response(400, "Validation failed: options: Only enum and set fields have options")
            current = {option["id"]: option for option in field.get("options") or []}
            updated = []
            for option in body["options"] if isinstance(body["options"], list) else []:
                if not isinstance(option, dict) or not isinstance(option.get("label"), str) or not option["label"]:
                    return error_response(400, "Validation failed: options: Each option needs a label")
                if "id" in option:
                    if option["id"] not in current:
                        return error_response(400, f"Validation failed: options: Option with id {option['id']} not found")
                    updated.append({"id": option["id"], "label": option["label"]})
                else:
                    updated.append(self._option(option["label"]))
            field["options"] = updated
        return ok(field)

    async def list_users(self, request: Request) -> Response:
        return ok(list(USERS), additional={"pagination": {"start": 0, "limit": len(USERS), "more_items_in_collection": False}})

    def routes(self) -> list[Route]:
        return [
            Route("/v1/users", self.list_users, methods=["GET"]),
            Route("/api/v2/{entity}/search", self.search, methods=["GET"]),
            Route("/api/v2/{entity}", self.list, methods=["GET"]),
            Route("/api/v2/{entity}", self.create, methods=["POST"]),
            Route("/api/v2/{entity}/{record_id}", self.get_one, methods=["GET"]),
            Route("/api/v2/{entity}/{record_id}", self.update, methods=["PATCH"]),
            Route("/api/v2/{entity}/{record_id}", self.delete, methods=["DELETE"]),
            Route("/v1/notes", self.list_notes, methods=["GET"]),
            Route("/v1/notes", self.create_note, methods=["POST"]),
            Route("/v1/notes/{record_id}", self.get_note, methods=["GET"]),
            Route("/v1/notes/{record_id}", self.update_note, methods=["PUT"]),
            Route("/v1/notes/{record_id}", self.delete_note, methods=["DELETE"]),
            Route("/v1/files", self.upload_file, methods=["POST"]),
            Route("/v1/files/{record_id}", self.delete_file, methods=["DELETE"]),
            Route("/v1/{entity}/{record_id}/files", self.entity_files, methods=["GET"]),
            Route("/v1/{entity}Fields", self.list_fields, methods=["GET"]),
            Route("/v1/{entity}Fields", self.create_field, methods=["POST"]),
            Route("/v1/{entity}Fields/{field_id}", self.update_field, methods=["PUT"]),
            Route("/{path:path}", self.not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]

    async def not_found(self, request: Request) -> Response:
        return error_response(404, "Not found")


def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette:
    """The Pipedrive sandbox app (see the module docstring)."""
    store = store if store is not None else Store()
    sandbox = PipedriveSandbox(config, store)
    return build_app(sandbox.profile, sandbox.routes(), config, store)


# -- helpers ---------------------------------------------------------------------------------------


def _defaults(collection: str) -> dict[str, Any]:
    if collection == "persons":
        return {"owner_id": OWNER_ID, "org_id": None, "emails": [], "phones": [], "label_ids": [], "visible_to": 3}
    if collection == "organizations":
        return {"owner_id": OWNER_ID, "address": None, "label_ids": [], "visible_to": 3}
    if collection == "deals":
        return {"owner_id": OWNER_ID, "person_id": None, "org_id": None, "pipeline_id": 1, "stage_id": 1, "value": 0, "currency": "USD", "status": "open", "label_ids": []}
    return {"owner_id": OWNER_ID, "done": False, "type": "task"}


def _split_name(record: Record) -> dict[str, Any]:
    if record.get("first_name") or record.get("last_name"):
        return {}
    first, _, last = str(record.get("name") or "").partition(" ")
    return {"first_name": first or None, "last_name": last or None}


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str) and len(value) == 10


def _int(value: str | None, default: int | None) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        return int(number) if prefix == "offset" and int(number) >= 0 else None
    except (ValueError, UnicodeDecodeError):
        return None


def _search_fields(collection: str) -> list[str]:
    return {"persons": ["name", "email", "phone"], "organizations": ["name"], "deals": ["title"]}.get(collection, ["subject"])


def _field_values(record: Record, field: str) -> list[str]:
    if field == "email":
        return [item["value"] for item in record.get("emails") or []]
    if field == "phone":
        return [item["value"] for item in record.get("phones") or []]
    if field == "custom_fields":
        return [str(v) for v in (record.get("custom_fields") or {}).values() if v is not None]
    value = record.get(field)
    return [] if value is None else [str(value)]


def _matches(record: Record, fields: list[str], term: str, exact: bool) -> bool:
    wanted = term.lower()
    for field in fields:
        for value in _field_values(record, field):
            if (value.lower() == wanted) if exact else (wanted in value.lower()):
                return True
    return False


def _search_item(collection: str, record: Record) -> dict[str, Any]:
    item = {"id": record["id"], "type": ENTITIES[collection][0]}
    for key in ("name", "title", "subject"):
        if key in record:
            item[key] = record[key]
    if collection == "persons":
        item["emails"] = _field_values(record, "email")
        item["phones"] = _field_values(record, "phone")
    item["custom_fields"] = _field_values(record, "custom_fields")
    return item


def _without_content(record: Record) -> Record:
    return {key: value for key, value in record.items() if key != "content_base64"}
