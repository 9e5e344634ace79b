"""The Pipedrive target connector (API v2, plus v1 for notes, files and fields), per
the platform notes (pipedrive.md).

- Auth: header `x-api-token: <token>`. Base URL `https://<company>.pipedrive.com` (option
  `company_domain`) or the settings' base URL; paths carry `/api/v2/` or `/v1/`.
- One record per request: `batch_size()` is 1. A call with many records runs them
  concurrently inside the rate budget (burst window: 20 requests per 2 s on the cheapest plan;
  search: 10 per 2 s, a separate lane). The daily token budget is tracked with `TOKEN_COSTS`
  when `budget.daily` is set, and `x-daily-requests-left` from the server stops writes at 0.
  `x-ratelimit-remaining: 0` + `x-ratelimit-reset` pause the client (Pipedrive sends no Retry-After).
- Upsert has no endpoint: per record, search by the first key field with a value (`email`,
  `phone`, `name`, `title` or a custom field key, exact match), then PATCH the one match or
  POST a new record. Records sharing a key value in one call are processed one after another, so
  two of them cannot both be inserted. If a POST's reply is lost the key is searched again
  before anything is resent. More than one match is answered `duplicate` (`AMBIGUOUS_KEY`).
  Pipedrive's search index may lag behind writes; the sandbox has no lag.
- Custom fields: values may be given under `custom_fields` or at top level by their 40-hex
  key; enum/set values may be option labels, which are turned into option ids from `/v1/*Fields`.
- Tags are labels: `add_tags` adds missing options to the entity's `label` field (unconfirmed
  in the platform notes) and merges the ids into `label_ids`.
- Persons' `emails` / `phones` may be given as one value, a list of values or value objects:
  they are sent as `[{value, primary, label}]` with the first one primary (label "work" unless
  given). A boolean for a yes/no field (an enum with the options Yes and No) becomes the option.
- `users` are read-only (`GET /v1/users`, unconfirmed in the platform notes): `list`, `get` and
  `search` (filtered locally), so owner refs can be resolved.
- A `FieldDefinition` with `lookup` becomes an `org`, `people` or `user` field (lookups to
  organizations, persons, users); other lookups raise `SchemaOperationFailed`.
- Pipedrive has no custom objects: `create_module` raises `UnsupportedOperation`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from migc.connectors.base import (
    AuthenticationFailed,
    ConnectionSettings,
    FieldDefinition,
    ModuleDefinition,
    Operation,
    OutcomeUnknown,
    RequestFailed,
    RetriesExhausted,
    SchemaOperationFailed,
    UnsupportedOperation,
    chunked,
    describe_field,
    has_value,
)
from migc.connectors.http import HttpClient, HttpConnector, json_or_none
from migc.connectors.ratelimit import RateBudget
from migc.connectors.results import OUTCOME_UNKNOWN, Outcome, RecordResult

PLATFORM = "pipedrive"
DEFAULT_BASE_URL = "https://api.pipedrive.com"
DEFAULT_BUDGET = RateBudget(calls=20, per_seconds=2.0, concurrency=10)
SEARCH_BUDGET = RateBudget(calls=10, per_seconds=2.0)
MAX_LIMIT = 500
MAX_IDS = 100

# Token cost per request kind; v1 figures are documented, v2 are assumed to be half of them.
TOKEN_COSTS: dict[tuple[str, str], int] = {
    ("v2", "GET_ONE"): 1,
    ("v2", "LIST"): 10,
    ("v2", "POST"): 5,
    ("v2", "PATCH"): 5,
    ("v2", "DELETE"): 3,
    ("v2", "SEARCH"): 20,
    ("v1", "GET_ONE"): 2,
    ("v1", "LIST"): 20,
    ("v1", "POST"): 10,
    ("v1", "PUT"): 10,
    ("v1", "DELETE"): 6,
}

V2_OBJECTS = {"persons": "person", "organizations": "organization", "deals": "deal", "activities": "activity"}
V1_OBJECTS = {"notes": "note"}
USERS = "users"
# Lookup field types: the object a custom lookup field points at -> its Pipedrive field type.
LOOKUP_FIELD_TYPES = {"organizations": "org", "persons": "people", "users": "user"}
SEARCHABLE = frozenset({"persons", "organizations", "deals"})
FILE_LINKS = {"persons": "person_id", "organizations": "org_id", "deals": "deal_id", "activities": "activity_id"}
CUSTOM_KEY = re.compile(r"^[0-9a-f]{40}$")
# The label of an email or phone the source does not label ("work" is Pipedrive's default).
DEFAULT_CONTACT_LABEL = "work"
BOOLEAN_OPTIONS = {True: "Yes", False: "No"}

FIELD_TYPES: dict[str, str] = {
    "text": "varchar",
    "textarea": "text",
    "email": "varchar",
    "phone": "phone",
    "url": "varchar",
    "integer": "double",
    "decimal": "double",
    "currency": "monetary",
    "boolean": "enum",
    "date": "date",
    "datetime": "date",
    "picklist": "enum",
    "multipicklist": "set",
}
NEUTRAL_TYPES = {
    "varchar": "text",
    "varchar_auto": "text",
    "text": "textarea",
    "double": "decimal",
    "monetary": "currency",
    "date": "date",
    "enum": "picklist",
    "set": "multipicklist",
    "phone": "phone",
    "time": "text",
    "address": "text",
    "user": "lookup",
    "org": "lookup",
    "people": "lookup",
}


def token_cost(method: str, path: str) -> int:
    """Tokens Pipedrive charges for a request (see TOKEN_COSTS)."""
    version = "v2" if path.startswith("/api/v2/") else "v1"
    if method == "GET":
        if path.endswith("/search"):
            return TOKEN_COSTS[("v2", "SEARCH")]
        kind = "GET_ONE" if path.rstrip("/").rsplit("/", 1)[-1].isdigit() else "LIST"
        return TOKEN_COSTS[(version, kind)]
    return TOKEN_COSTS.get((version, method), 5)


class PipedriveConnector(HttpConnector):
    """Target connector for one Pipedrive company (see the module docstring)."""

    platform = PLATFORM

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: RateBudget | None = None,
        search_budget: RateBudget | None = None,
    ) -> None:
        chosen = budget or settings.budget or DEFAULT_BUDGET
        domain = settings.options.get("company_domain")
        base_url = f"https://{domain}.pipedrive.com" if domain and settings.base_url == DEFAULT_BASE_URL else settings.base_url
        token = settings.token
        super().__init__(
            HttpClient.from_settings(
                settings,
                base_url=base_url,
                auth=lambda: {"x-api-token": token.reveal()},
                budget=chosen,
                lanes={"search": search_budget or SEARCH_BUDGET},
                transport=transport,
            ),
            parallel=chosen.concurrency or 10,
        )
        self._fields_cache: dict[str, list[dict[str, Any]]] = {}

    # -- plumbing -----------------------------------------------------------------------------

    def _path(self, object: str) -> str:
        if object in V2_OBJECTS:
            return f"/api/v2/{object}"
        if object in V1_OBJECTS:
            return f"/v1/{object}"
        if object == USERS:
            raise UnsupportedOperation("pipedrive users are managed in Pipedrive's settings, not written by a migration")
        known = ", ".join(sorted({**V2_OBJECTS, **V1_OBJECTS}))
        raise UnsupportedOperation(f"pipedrive: unknown object {object!r}; supported: {known}")

    async def _users(self) -> list[dict[str, Any]]:
        response, payload = await self._call("GET", "/v1/users")
        if response.status_code != 200 or not isinstance(payload, dict):
            raise self._fail("GET", "/v1/users", response, payload)
        return [user for user in payload.get("data") or [] if isinstance(user, dict)]

    def _entity(self, object: str) -> str:
        self._path(object)
        return {**V2_OBJECTS, **V1_OBJECTS}[object]

    async def _call(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        response = await self.http.request(method, path, cost=token_cost(method, path), **kwargs)
        payload = json_or_none(response)
        if response.status_code == 401:
            raise AuthenticationFailed(f"pipedrive {method} {path}: the API token was refused (HTTP 401)")
        return response, payload

    def _fail(self, method: str, path: str, response: httpx.Response, payload: Any) -> RequestFailed:
        message = payload.get("error") if isinstance(payload, dict) else None
        code = payload.get("code") if isinstance(payload, dict) else None
        return RequestFailed(
            f"pipedrive {method} {path}: HTTP {response.status_code} {message or ''}".strip(),
            status=response.status_code,
            code=code,
        )

    # -- writes ---------------------------------------------------------------------------------

    def batch_size(self, object: str, op: Operation) -> int:
        return 1

    async def create(self, object: str, records: Sequence[dict[str, Any]]) -> list[RecordResult]:
        path = self._path(object)

        async def one(index: int) -> RecordResult:
            body = await self._prepare(object, records[index])
            return await self._insert(index, path, body)

        return await self.concurrently(len(records), one)

    async def _insert(self, index: int, path: str, body: dict[str, Any]) -> RecordResult:
        try:
            response, payload = await self._call("POST", path, json=body)
        except OutcomeUnknown as error:
            return RecordResult(index=index, outcome="failed", code=OUTCOME_UNKNOWN, message=str(error))
        except RetriesExhausted as error:
            return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
        return _result(index, response, payload, "created")

    async def update(self, object: str, records_with_id: Sequence[dict[str, Any]]) -> list[RecordResult]:
        missing = [index for index, record in enumerate(records_with_id) if not record.get("id")]
        if missing:
            raise ValueError(f"update needs an 'id' in every record; missing at positions {missing[:10]}")
        path = self._path(object)

        async def one(index: int) -> RecordResult:
            record = dict(records_with_id[index])
            record_id = record.pop("id")
            return await self._patch(index, object, f"{path}/{record_id}", await self._prepare(object, record))

        return await self.concurrently(len(records_with_id), one)

    async def _patch(self, index: int, object: str, path: str, body: dict[str, Any]) -> RecordResult:
        method = "PATCH" if object in V2_OBJECTS else "PUT"
        try:
            response, payload = await self._call(method, path, json=body)
        except RetriesExhausted as error:
            return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
        return _result(index, response, payload, "updated")

    async def upsert(
        self, object: str, records: Sequence[dict[str, Any]], key_fields: Sequence[str]
    ) -> list[RecordResult]:
        if not key_fields:
            raise ValueError("upsert needs at least one key field")
        if object not in SEARCHABLE:
            raise UnsupportedOperation(f"pipedrive cannot search {object} by key; use create")
        results: dict[int, RecordResult] = {}
        groups: dict[tuple[str, str], list[int]] = {}
        for index, record in enumerate(records):
            key = next(((field, str(value)) for field in key_fields if has_value(value := key_value(record, field))), None)
            if key is None:
                results[index] = RecordResult(
                    index=index,
                    outcome="invalid",
                    code="KEY_MISSING",
                    message=f"no value for any key field ({', '.join(key_fields)})",
                    field=key_fields[0],
                )
                continue
            groups.setdefault((key[0], key[1].strip().lower()), []).append(index)
        ordered_groups = list(groups.items())

        async def group_work(position: int) -> RecordResult:
            _, indices = ordered_groups[position]
            for index in indices:  # same key: one after another, so the first insert is found
                results[index] = await self._upsert_one(object, index, records[index], key_fields)
            return results[indices[-1]]

        await self.concurrently(len(ordered_groups), group_work)
        return [results[index] for index in range(len(records))]

    async def _upsert_one(
        self, object: str, index: int, record: dict[str, Any], key_fields: Sequence[str]
    ) -> RecordResult:
        body = await self._prepare(object, record)
        path = self._path(object)
        # Each round checks by key first, so a resent insert can never create a second record.
        for attempt in range(self.http.retry.max_attempts):
            matches = await self._match(object, record, key_fields)
            if len(matches) > 1:
                ids = ", ".join(str(m["id"]) for m in matches[:5])
                return RecordResult(
                    index=index,
                    outcome="duplicate",
                    target_id=str(matches[0]["id"]),
                    code="AMBIGUOUS_KEY",
                    message=f"the key matches {len(matches)} records ({ids})",
                )
            if matches and attempt:
                # The insert whose reply was lost did happen: report it, send nothing more.
                return RecordResult(index=index, outcome="created", target_id=str(matches[0]["id"]), code="FOUND_AFTER_RETRY")
            if matches:
                return await self._patch(index, object, f"{path}/{matches[0]['id']}", body)
            result = await self._insert(index, path, body)
            if result.code != OUTCOME_UNKNOWN:
                return result
        return RecordResult(index=index, outcome="failed", code=OUTCOME_UNKNOWN, message="the insert stayed ambiguous after checking by key")

    async def _match(self, object: str, record: dict[str, Any], key_fields: Sequence[str]) -> list[dict[str, Any]]:
        for field in key_fields:
            value = key_value(record, field)
            if has_value(value):
                found = await self.search(object, field, str(value))
                if found:
                    return found
        return []

    async def delete(self, object: str, ids: Sequence[str]) -> list[RecordResult]:
        path = self._path(object)

        async def one(index: int) -> RecordResult:
            record_id = str(ids[index])
            try:
                response, payload = await self._call("DELETE", f"{path}/{record_id}")
            except RetriesExhausted as error:
                return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
            if response.status_code == 404:
                return RecordResult(index=index, outcome="deleted", target_id=record_id, code="NOT_FOUND", message="the record no longer exists")
            return _result(index, response, payload, "deleted", default_id=record_id)

        return await self.concurrently(len(ids), one)

    # -- reads ----------------------------------------------------------------------------------

    async def get(self, object: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        if object == USERS:
            users = {str(user["id"]): user for user in await self._users()}
            return [users[str(i)] for i in ids if str(i) in users]
        path = self._path(object)
        found: dict[str, dict[str, Any]] = {}
        if object in V2_OBJECTS:
            for chunk in chunked([str(i) for i in ids], MAX_IDS):
                response, payload = await self._call("GET", path, params={"ids": ",".join(chunk), "limit": MAX_LIMIT})
                if response.status_code != 200:
                    raise self._fail("GET", path, response, payload)
                found.update({str(record["id"]): record for record in payload.get("data") or []})
        else:
            for record_id in ids:
                response, payload = await self._call("GET", f"{path}/{record_id}")
                if response.status_code == 200 and isinstance(payload, dict) and payload.get("data"):
                    found[str(record_id)] = payload["data"]
        return [found[str(record_id)] for record_id in ids if str(record_id) in found]

    async def search(self, object: str, field: str, value: str) -> list[dict[str, Any]]:
        if object == USERS:
            wanted = value.strip().lower()
            return [user for user in await self._users() if str(user.get(field) or "").strip().lower() == wanted]
        if object not in SEARCHABLE:
            raise UnsupportedOperation(f"pipedrive has no search for {object}")
        path = f"{self._path(object)}/search"
        search_field = "custom_fields" if CUSTOM_KEY.match(field) else field
        params: dict[str, Any] = {"term": value, "fields": search_field, "exact_match": "true", "limit": MAX_LIMIT}
        ids: list[str] = []
        while True:
            response, payload = await self._call("GET", path, params=params, lanes=("search",))
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._fail("GET", path, response, payload)
            ids += [str(item["item"]["id"]) for item in (payload.get("data") or {}).get("items") or []]
            cursor = (payload.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                break
            params = {**params, "cursor": cursor}
        records = await self.get(object, ids) if ids else []
        wanted = value.strip().lower()
        return [record for record in records if str(key_value(record, field) or "").strip().lower() == wanted]

    async def list(self, object: str) -> AsyncIterator[dict[str, Any]]:
        if object == USERS:
            for user in await self._users():
                yield user
            return
        path = self._path(object)
        if object in V2_OBJECTS:
            params: dict[str, Any] = {"limit": MAX_LIMIT}
            while True:
                response, payload = await self._call("GET", path, params=params)
                if response.status_code != 200 or not isinstance(payload, dict):
                    raise self._fail("GET", path, response, payload)
                for record in payload.get("data") or []:
                    yield record
                cursor = (payload.get("additional_data") or {}).get("next_cursor")
                if not cursor:
                    return
                params = {"limit": MAX_LIMIT, "cursor": cursor}
        else:
            async for record in self._offset_pages(path, MAX_LIMIT):
                yield record

    async def _offset_pages(self, path: str, limit: int) -> AsyncIterator[dict[str, Any]]:
        start = 0
        while True:
            response, payload = await self._call("GET", path, params={"start": start, "limit": limit})
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._fail("GET", path, response, payload)
            for record in payload.get("data") or []:  # v1 answers `data: null` when empty
                yield record
            pagination = (payload.get("additional_data") or {}).get("pagination") or {}
            if not pagination.get("more_items_in_collection"):
                return
            start = int(pagination["next_start"])

    # -- custom fields, labels, files ------------------------------------------------------------------

    async def _fields(self, object: str, *, fresh: bool = False) -> list[dict[str, Any]]:
        entity = self._entity(object)
        if fresh or entity not in self._fields_cache:
            self._fields_cache[entity] = [field async for field in self._offset_pages(f"/v1/{entity}Fields", MAX_LIMIT)]
        return self._fields_cache[entity]

    async def _prepare(self, object: str, record: dict[str, Any]) -> dict[str, Any]:
        """The record in the API's wire shape: a person's emails and phones as value objects,
        custom values under `custom_fields`, option labels (and yes/no booleans) as option ids."""
        body = {key: value for key, value in record.items() if not CUSTOM_KEY.match(key)}
        if object == "persons":
            body = _contact_lists(body)
        custom = {**(record.get("custom_fields") or {}), **{k: v for k, v in record.items() if CUSTOM_KEY.match(k)}}
        if not custom:
            return body
        if object in V1_OBJECTS:
            return {**body, **custom}
        fields = {field["key"]: field for field in await self._fields(object)}
        body["custom_fields"] = {key: _option_ids(fields.get(key), value) for key, value in custom.items()}
        return body

    async def add_tags(self, object: str, record_id: str, tags: Sequence[str]) -> RecordResult:
        if object not in ("persons", "organizations", "deals"):
            raise UnsupportedOperation(f"pipedrive {object} have no labels")
        entity = self._entity(object)
        label_ids = await self._label_ids(object, entity, list(dict.fromkeys(tags)))
        if isinstance(label_ids, RecordResult):
            return label_ids
        current = await self.get(object, [record_id])
        if not current:
            return RecordResult(index=0, outcome="invalid", code="NOT_FOUND", message=f"{object} {record_id} does not exist")
        merged = sorted(set(current[0].get("label_ids") or []) | set(label_ids))
        result = await self._patch(0, object, f"{self._path(object)}/{record_id}", {"label_ids": merged})
        return result

    async def _label_ids(self, object: str, entity: str, tags: list[str]) -> list[int] | RecordResult:
        for attempt in range(2):
            field = next((f for f in await self._fields(object, fresh=attempt > 0) if f.get("key") == "label"), None)
            if field is None:
                return RecordResult(index=0, outcome="failed", code="NO_LABEL_FIELD", message=f"{object} have no label field")
            options = {option["label"]: option["id"] for option in field.get("options") or []}
            missing = [tag for tag in tags if tag not in options]
            if not missing:
                return [options[tag] for tag in tags]
            body = {"options": [{"id": i, "label": label} for label, i in options.items()] + [{"label": t} for t in missing]}
            path = f"/v1/{entity}Fields/{field['id']}"
            try:
                # Not idempotent: options without id are added again on a resend.
                response, payload = await self._call("PUT", path, json=body, idempotent=False)
            except OutcomeUnknown:
                continue  # re-read the options, then decide
            except RetriesExhausted as error:
                return RecordResult(index=0, outcome="retryable", code=error.reason, message=str(error))
            if response.status_code != 200:
                return RecordResult(index=0, outcome="invalid", code="LABEL_REFUSED", message=str(self._fail("PUT", path, response, payload)))
            self._fields_cache.pop(entity, None)
        field = next((f for f in await self._fields(object, fresh=True) if f.get("key") == "label"), {})
        options = {option["label"]: option["id"] for option in field.get("options") or []}
        if all(tag in options for tag in tags):
            return [options[tag] for tag in tags]
        return RecordResult(index=0, outcome="failed", code=OUTCOME_UNKNOWN, message="label options could not be confirmed")

    async def attach(self, object: str, record_id: str, filename: str, content: bytes) -> RecordResult:
        link = FILE_LINKS.get(object)
        if link is None:
            raise UnsupportedOperation(f"pipedrive files cannot be linked to {object}")
        for _ in range(self.http.retry.max_attempts):
            try:
                response, payload = await self._call(
                    "POST", "/v1/files", files={"file": (filename, content)}, data={link: str(record_id)}
                )
            except OutcomeUnknown:
                existing = await self._find_file(object, record_id, filename, len(content))
                if existing is not None:
                    return RecordResult(index=0, outcome="created", target_id=existing, code="FOUND_AFTER_RETRY")
                continue
            except RetriesExhausted as error:
                return RecordResult(index=0, outcome="retryable", code=error.reason, message=str(error))
            return _result(0, response, payload, "created")
        return RecordResult(index=0, outcome="failed", code=OUTCOME_UNKNOWN, message="the upload's outcome stayed unknown after a check")

    async def _find_file(self, object: str, record_id: str, filename: str, size: int) -> str | None:
        async for item in self._offset_pages(f"/v1/{object}/{record_id}/files", 100):
            if item.get("file_name") == filename and item.get("file_size") == size:
                return str(item["id"])
        return None

    # -- schema -----------------------------------------------------------------------------------------

    async def create_module(self, module: ModuleDefinition) -> str:
        raise UnsupportedOperation("pipedrive has no custom objects; model them as custom fields or deals")

    async def create_field(self, object: str, field: FieldDefinition) -> str:
        entity = self._entity(object)
        wanted = field.label.strip().lower()
        for attempt in range(2):
            existing = next((f for f in await self._fields(object, fresh=True) if str(f.get("name", "")).strip().lower() == wanted), None)
            if existing is not None:
                return str(existing["key"])
            if attempt:
                break
            if field.lookup:
                field_type = LOOKUP_FIELD_TYPES.get(field.lookup)
                if field_type is None:
                    raise SchemaOperationFailed(f"pipedrive: a field cannot point at {field.lookup}; lookups go to {', '.join(sorted(LOOKUP_FIELD_TYPES))}")
            else:
                field_type = FIELD_TYPES[field.type]
            if field_type == "varchar" and field.length and field.length > 255:
                field_type = "text"
            body: dict[str, Any] = {"name": field.label, "field_type": field_type}
            options = tuple(BOOLEAN_OPTIONS.values()) if field.type == "boolean" else field.picklist
            if field_type in ("enum", "set"):
                body["options"] = [{"label": option} for option in options]
            path = f"/v1/{entity}Fields"
            try:
                response, payload = await self._call("POST", path, json=body)
            except OutcomeUnknown:
                continue
            if response.status_code not in (200, 201) or not isinstance(payload, dict) or not payload.get("success"):
                message = payload.get("error") if isinstance(payload, dict) else None
                raise SchemaOperationFailed(f"pipedrive: creating field {field.label!r} on {object} was refused: {message or response.status_code}")
            self._fields_cache.pop(entity, None)
            return str(payload["data"]["key"])
        raise SchemaOperationFailed(f"pipedrive: field {field.label!r} on {object} was not created")

    async def add_picklist_values(self, object: str, field: str, values: Sequence[str]) -> None:
        entity = self._entity(object)
        for attempt in range(2):
            definition = next((f for f in await self._fields(object, fresh=True) if f.get("key") == field), None)
            if definition is None or definition.get("field_type") not in ("enum", "set"):
                raise SchemaOperationFailed(f"pipedrive: {object} has no option field {field!r}")
            options = {option["label"]: option["id"] for option in definition.get("options") or []}
            missing = [value for value in dict.fromkeys(values) if value not in options]
            if not missing:
                return
            if attempt:
                break
            body = {"options": [{"id": i, "label": label} for label, i in options.items()] + [{"label": v} for v in missing]}
            path = f"/v1/{entity}Fields/{definition['id']}"
            try:
                response, payload = await self._call("PUT", path, json=body, idempotent=False)
            except OutcomeUnknown:
                continue
            if response.status_code != 200:
                raise SchemaOperationFailed(str(self._fail("PUT", path, response, payload)))
        raise SchemaOperationFailed(f"pipedrive: options for {object}.{field} could not be confirmed")

    async def describe(self, object: str) -> dict[str, Any]:
        fields = []
        for field in await self._fields(object, fresh=True):
            native = str(field.get("field_type"))
            fields.append(
                describe_field(
                    key=str(field["key"]),
                    label=str(field.get("name") or field["key"]),
                    type=NEUTRAL_TYPES.get(native, native),
                    native_type=native,
                    length=255 if native in ("varchar", "varchar_auto", "phone") else None,
                    required=bool(field.get("mandatory_flag")),
                    custom=bool(field.get("edit_flag")),
                    picklist=[str(option["label"]) for option in field.get("options") or []],
                )
            )
        return {"platform": PLATFORM, "object": object, "fields": sorted(fields, key=lambda f: f["key"])}


def connect(settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> PipedriveConnector:
    return PipedriveConnector(settings, transport=transport)


# -- helpers ---------------------------------------------------------------------------------------


def key_value(record: dict[str, Any], field: str) -> Any:
    """The value a record holds for an upsert key (`email`/`phone` read the primary entry)."""
    if field in ("email", "phone"):
        entries = record.get(f"{field}s") or []
        if isinstance(entries, list) and entries:
            primary = next((e for e in entries if isinstance(e, dict) and e.get("primary")), entries[0])
            return primary.get("value") if isinstance(primary, dict) else primary
        return record.get(field)
    if CUSTOM_KEY.match(field):
        return (record.get("custom_fields") or {}).get(field, record.get(field))
    return record.get(field)


def _contact_lists(body: dict[str, Any]) -> dict[str, Any]:
    """`emails` / `phones` as `[{value, primary, label}]` (the first one primary unless one says
    so), from a plain value, a list of plain values or value objects; a v1-style singular
    `email` / `phone` joins its list. Missing values are left out, and so is a list left empty:
    on an update an empty list would erase what the person has."""
    shaped = dict(body)
    for singular, plural in (("email", "emails"), ("phone", "phones")):
        values: list[Any] = []
        for key in (plural, singular):
            if key not in shaped:
                continue
            value = shaped.pop(key)
            values.extend(value if isinstance(value, list) else [value])
        items = [_value_object(value) for value in values if has_value(value) and not (isinstance(value, dict) and not has_value(value.get("value")))]
        if not items:
            continue
        if not any(item.get("primary") is True for item in items):
            items[0] = {**items[0], "primary": True}
        shaped[plural] = [{"primary": False, "label": DEFAULT_CONTACT_LABEL, **item} for item in items]
    return shaped


def _value_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    return {"value": str(value)}


def _option_ids(field: dict[str, Any] | None, value: Any) -> Any:
    if field is None or field.get("field_type") not in ("enum", "set"):
        return value
    by_label = {option["label"]: option["id"] for option in field.get("options") or []}
    if isinstance(value, bool) and field["field_type"] == "enum":
        # A yes/no field is an enum with the options Yes and No (Pipedrive has no boolean type).
        value = BOOLEAN_OPTIONS[value]
    if field["field_type"] == "enum":
        return by_label.get(value, value) if isinstance(value, str) else value
    if isinstance(value, list):
        return [by_label.get(item, item) if isinstance(item, str) else item for item in value]
    return value


_FIELD_IN_MESSAGE = re.compile(r"^(?:Validation failed: ([\w.]+):|Unknown (?:custom )?field: ([\w]+))")


def _result(
    index: int, response: httpx.Response, payload: Any, success: Outcome, default_id: str | None = None
) -> RecordResult:
    status = response.status_code
    if 200 <= status < 300 and isinstance(payload, dict) and payload.get("success"):
        data = payload.get("data") or {}
        target = data.get("id") if isinstance(data, dict) else None
        return RecordResult(index=index, outcome=success, target_id=str(target) if target is not None else default_id)
    message = payload.get("error") if isinstance(payload, dict) else None
    code = (payload.get("code") if isinstance(payload, dict) else None) or f"HTTP_{status}"
    field = None
    if message and (match := _FIELD_IN_MESSAGE.match(message)):
        field = (match.group(1) or match.group(2) or "").split(".")[0] or None
    if status in (400, 404, 422):
        outcome: Outcome = "invalid"
    elif status == 429 or status >= 500:
        outcome = "retryable"
    else:
        outcome = "failed"
    return RecordResult(index=index, outcome=outcome, code=code, message=message or f"HTTP {status}", field=field)
