"""The Freshsales (Freshworks CRM) target connector, per the platform notes (freshsales.md).

- Auth: `Authorization: Token token=<API key>`. Base URL: the settings' base URL, e.g.
  `https://<bundle-alias>.myfreshworks.com/crm/sales` (option `bundle_alias` builds it); resource
  paths are `/api/<resource>`.
- Budget: 1,000 requests per hour per account (Growth; Pro 2,000, Enterprise 5,000), shared by
  all users and apps. Freshsales' rate-limit headers are unconfirmed; `Retry-After` and
  `X-RateLimit-Remaining` are honoured if present.
- One record per request (`batch_size()` 1): `bulk_upsert` is asynchronous and its item shape
  unconfirmed, so it is not used. A call with many records runs them concurrently in the budget.
- Objects (`OBJECTS`): contacts, sales_accounts, deals, leads (classic accounts), notes, tasks,
  appointments, sales_activities and lists at `/api/<object>`; any other lower-case name is a
  custom module whose records live at `/api/custom_module/<entity_name>`.
- Selector objects are the account's own choices, read and never written: sales_activity_types
  (`GET /api/selector/sales_activity_types`, answered `{"sales_activity_types": [{id, name, ...}]}`)
  and users, the owners records take in `owner_id` (`GET /api/selector/owners`, answered
  `{"users": [{id, display_name, email, ...}]}`: the key is unconfirmed, so an answer's only list
  is taken whatever its key).
  The notes see both `/selector/` and `/selectors/` in public code (unconfirmed which account
  serves which), so a 404 on the first is retried on the second. They are listed whole (no
  paging seen) and searched by filtering that list; writes raise `UnsupportedOperation`.
- Bodies are wrapped in the singular name (`{"contact": {...}}`, `{"sales_activity": {...}}`;
  a custom module's records in its entity name, unconfirmed). Custom values go under
  `custom_field` with `cf_` keys: top-level `cf_` keys and a plural `custom_fields` (which
  Freshsales silently ignores) are moved there.
- Upsert: contacts, sales accounts and deals use `POST /api/<entity>/upsert` with
  `unique_identifier` (`email` becomes `emails`), idempotent by key; 201 is read as created and
  200 as updated (unconfirmed). Leads and lists have no upsert endpoint: the connector searches
  by key (`/lookup` for leads, `GET /lists` for lists), then updates the one match or creates,
  and after a lost reply searches again before anything is resent. Objects the API cannot
  search by key (activities, custom modules) raise `UnsupportedOperation` from `upsert`, so the
  caller writes them with `create` and checks its own journal. Records sharing a key value in
  one call always go one after another.
- A list's `contact_ids` are not a field of the list: they are added after the write with
  `PUT /api/lists/<id>/add_contacts`.
- Errors `{"errors":{"code":..,"message":[..]}}` map to `invalid` (400; `duplicate` when the
  message says "not unique" / "already been taken"), `retryable` (429/5xx) or `failed`.
- Reads: contacts, sales accounts, deals, leads and custom modules are listed through their
  "All ..." view (`/filters` → `view/<id>?page=&per_page=100`); tasks through the `open` and
  `completed` filters, appointments through `upcoming` and `past` (filter names unconfirmed),
  sales activities and lists directly. Notes cannot be listed.
- Field settings: `GET /api/settings/<object>/fields` (documented for contacts, sales accounts,
  deals and sales activities; leads and custom modules assumed the same). Objects whose settings
  the account does not serve (404) get `SchemaOperationFailed` from `describe`/`create_field`.
  Custom field creation uses the forms API with numeric `field_type` codes
  (`FIELD_TYPE_CODES`, unconfirmed); if it is refused, pre-create the field in the admin UI:
  `create_field` finds an existing field by label and returns its `cf_` name without writing.
- Custom modules: the notes name `/settings/module_customizations` but give no payload, so
  `create_module` creates nothing. It returns the entity name of a module an admin has
  created (its field settings answer), else raises `UnsupportedOperation` saying what to create.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
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
    describe_field,
    has_value,
)
from migc.connectors.http import HttpClient, HttpConnector, json_or_none
from migc.connectors.ratelimit import RateBudget
from migc.connectors.results import OUTCOME_UNKNOWN, Outcome, RecordResult

PLATFORM = "freshsales"
DEFAULT_BUDGET = RateBudget(calls=1_000, per_seconds=3_600.0, concurrency=5)
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class ObjectRoute:
    """Where an object's records live and how the API treats them."""

    path: str  # e.g. /api/contacts
    wrapper: str  # the key a body wraps one record in
    upsert_endpoint: bool = False  # POST <path>/upsert with unique_identifier
    lookup: str | None = None  # the `entities=` name of GET /api/lookup
    listing: str = "none"  # views | filtered | plain | lists | selector | none
    filters: tuple[str, ...] = ()  # list filters of `filtered` objects
    taggable: bool = False
    writable: bool = True  # selector objects are the account's settings: read, never written


OBJECTS: dict[str, ObjectRoute] = {
    "contacts": ObjectRoute("/api/contacts", "contact", upsert_endpoint=True, lookup="contact", listing="views", taggable=True),
    "sales_accounts": ObjectRoute("/api/sales_accounts", "sales_account", upsert_endpoint=True, lookup="sales_account", listing="views", taggable=True),
    "deals": ObjectRoute("/api/deals", "deal", upsert_endpoint=True, lookup="deal", listing="views", taggable=True),
    "leads": ObjectRoute("/api/leads", "lead", lookup="lead", listing="views", taggable=True),
    "notes": ObjectRoute("/api/notes", "note"),
    "tasks": ObjectRoute("/api/tasks", "task", listing="filtered", filters=("open", "completed")),
    "appointments": ObjectRoute("/api/appointments", "appointment", listing="filtered", filters=("upcoming", "past")),
    "sales_activities": ObjectRoute("/api/sales_activities", "sales_activity", listing="plain"),
    "lists": ObjectRoute("/api/lists", "list", listing="lists"),
    "sales_activity_types": ObjectRoute("/api/selector/sales_activity_types", "sales_activity_type", listing="selector", writable=False),
    "users": ObjectRoute("/api/selector/owners", "user", listing="selector", writable=False),
}
# The other spelling of selector paths seen in public code (classic vs Suite, unconfirmed).
SELECTOR_PATHS = ("/api/selector/", "/api/selectors/")
CUSTOM_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Catalog objects that are not record collections of this connector (so never a custom module).
NOT_RECORDS = {
    "documents": "are uploaded with attach()",
    "email_templates": "have no API in the platform notes",
}
TARGETABLE_TYPES = {"contacts": "Contact", "sales_accounts": "SalesAccount", "deals": "Deal"}
UNIQUE_IDENTIFIER_NAMES = {"email": "emails"}
LIST_MEMBERS = "contact_ids"

# Numeric field type codes of the forms API (unconfirmed; the sandbox uses the same table).
FIELD_TYPE_CODES: dict[str, int] = {
    "text": 1,
    "textarea": 2,
    "number": 3,
    "dropdown": 4,
    "checkbox": 5,
    "date": 6,
    "multi_select_dropdown": 7,
    "url": 8,
    "phone_number": 9,
}
FIELD_TYPES: dict[str, str] = {
    "text": "text",
    "textarea": "textarea",
    "email": "text",
    "phone": "phone_number",
    "url": "url",
    "integer": "number",
    "decimal": "number",
    "currency": "number",
    "boolean": "checkbox",
    "date": "date",
    "datetime": "date",
    "picklist": "dropdown",
    "multipicklist": "multi_select_dropdown",
}
NEUTRAL_TYPES = {
    "text": "text",
    "textarea": "textarea",
    "email": "email",
    "phone_number": "phone",
    "url": "url",
    "number": "decimal",
    "checkbox": "boolean",
    "date": "date",
    "datetime": "datetime",
    "dropdown": "picklist",
    "multi_select_dropdown": "multipicklist",
    "lookup": "lookup",
    "tags": "multipicklist",
}
DUPLICATE_MESSAGE = re.compile(r"(is not unique|has already been taken)", re.IGNORECASE)


class FreshsalesConnector(HttpConnector):
    """Target connector for one Freshsales account (see the module docstring)."""

    platform = PLATFORM

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        chosen = budget or settings.budget or DEFAULT_BUDGET
        alias = settings.options.get("bundle_alias")
        base_url = f"https://{alias}.myfreshworks.com/crm/sales" if alias else settings.base_url
        token = settings.token
        super().__init__(
            HttpClient.from_settings(
                settings,
                base_url=base_url,
                auth=lambda: {"Authorization": f"Token token={token.reveal()}"},
                budget=chosen,
                transport=transport,
            ),
            parallel=chosen.concurrency or 5,
        )
        self._fields_cache: dict[str, list[dict[str, Any]]] = {}

    # -- plumbing -------------------------------------------------------------------------------

    def _route(self, object: str) -> ObjectRoute:
        route = OBJECTS.get(object)
        if route is not None:
            return route
        if object in NOT_RECORDS:
            raise UnsupportedOperation(f"freshsales: {object} {NOT_RECORDS[object]}")
        if CUSTOM_MODULE_NAME.match(object):
            return ObjectRoute(f"/api/custom_module/{object}", object, listing="views")
        known = ", ".join(sorted(OBJECTS))
        raise UnsupportedOperation(f"freshsales: unknown object {object!r}; supported: {known}, or a custom module's entity name")

    def _writable_route(self, object: str) -> ObjectRoute:
        route = self._route(object)
        if not route.writable:
            raise UnsupportedOperation(
                f"freshsales: {object} are the account's settings (GET {route.path}), read and never written; "
                "change them in Admin Settings"
            )
        return route

    async def _call(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        response = await self.http.request(method, path, **kwargs)
        payload = json_or_none(response)
        if response.status_code == 401:
            raise AuthenticationFailed(f"freshsales {method} {path}: the API key was refused (HTTP 401)")
        return response, payload

    def _fail(self, method: str, path: str, response: httpx.Response, payload: Any) -> RequestFailed:
        return RequestFailed(
            f"freshsales {method} {path}: HTTP {response.status_code} {'; '.join(_messages(payload))}".strip(),
            status=response.status_code,
        )

    # -- writes ---------------------------------------------------------------------------------

    def batch_size(self, object: str, op: Operation) -> int:
        return 1

    async def create(self, object: str, records: Sequence[dict[str, Any]]) -> list[RecordResult]:
        route = self._writable_route(object)

        async def one(index: int) -> RecordResult:
            body, members = _split_members(object, records[index])
            result = await self._insert(index, route, body)
            return await self._add_members(result, route, members)

        return await self.concurrently(len(records), one)

    async def _insert(self, index: int, route: ObjectRoute, body: dict[str, Any]) -> RecordResult:
        try:
            response, payload = await self._call("POST", route.path, json={route.wrapper: _prepare(body)})
        except OutcomeUnknown as error:
            return RecordResult(index=index, outcome="failed", code=OUTCOME_UNKNOWN, message=str(error))
        except RetriesExhausted as error:
            return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
        return _result(index, response, payload, route.wrapper, "created")

    async def update(self, object: str, records_with_id: Sequence[dict[str, Any]]) -> list[RecordResult]:
        missing = [index for index, record in enumerate(records_with_id) if not record.get("id")]
        if missing:
            raise ValueError(f"update needs an 'id' in every record; missing at positions {missing[:10]}")
        route = self._writable_route(object)

        async def one(index: int) -> RecordResult:
            record = dict(records_with_id[index])
            record_id = str(record.pop("id"))
            body, members = _split_members(object, record)
            result = await self._put(index, route, record_id, body)
            return await self._add_members(result, route, members)

        return await self.concurrently(len(records_with_id), one)

    async def _put(self, index: int, route: ObjectRoute, record_id: str, body: dict[str, Any]) -> RecordResult:
        try:
            response, payload = await self._call("PUT", f"{route.path}/{record_id}", json={route.wrapper: _prepare(body)})
        except RetriesExhausted as error:
            return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
        result = _result(index, response, payload, route.wrapper, "updated")
        if result.ok and result.target_id is None:
            return RecordResult(index=index, outcome="updated", target_id=record_id)
        return result

    async def _add_members(self, result: RecordResult, route: ObjectRoute, members: list[Any] | None) -> RecordResult:
        """Adds a list's contacts once the list exists (the call is idempotent: members are a set)."""
        if not members or not result.ok or result.target_id is None:
            return result
        path = f"{route.path}/{result.target_id}/add_contacts"
        try:
            response, payload = await self._call("PUT", path, json={"ids": members})
        except RetriesExhausted as error:
            return RecordResult(index=result.index, outcome="retryable", target_id=result.target_id, code=error.reason, message=str(error))
        if response.status_code == 200:
            return result
        refused = _result(result.index, response, payload, route.wrapper, "updated")
        return RecordResult(
            index=result.index, outcome=refused.outcome, target_id=result.target_id, code=refused.code,
            message=f"the list was written, its contacts were not: {refused.message}", field=LIST_MEMBERS,
        )

    async def upsert(
        self, object: str, records: Sequence[dict[str, Any]], key_fields: Sequence[str]
    ) -> list[RecordResult]:
        if not key_fields:
            raise ValueError("upsert needs at least one key field")
        route = self._writable_route(object)
        searchable = route.lookup is not None or route.listing == "lists"
        if not route.upsert_endpoint and not searchable:
            raise UnsupportedOperation(f"freshsales has no upsert and no key search for {object}; write it with create")
        results: dict[int, RecordResult] = {}
        groups: dict[tuple[str, str], list[int]] = {}
        for index, record in enumerate(records):
            key = next(((f, v) for f in key_fields if has_value(v := _key_value(record, f))), None)
            if key is None:
                results[index] = RecordResult(
                    index=index, outcome="invalid", code="KEY_MISSING", message=f"no value for any key field ({', '.join(key_fields)})", field=key_fields[0]
                )
                continue
            groups.setdefault((key[0], str(key[1]).strip().lower()), []).append(index)
        ordered = list(groups.items())

        async def group_work(position: int) -> RecordResult:
            (field, _), indices = ordered[position]
            for index in indices:  # same key: one after another, so the second finds the first
                if route.upsert_endpoint:
                    results[index] = await self._upsert_by_endpoint(index, route, records[index], field)
                else:
                    results[index] = await self._upsert_by_search(index, object, route, records[index], field)
            return results[indices[-1]]

        await self.concurrently(len(ordered), group_work)
        return [results[index] for index in range(len(records))]

    async def _upsert_by_endpoint(self, index: int, route: ObjectRoute, record: dict[str, Any], field: str) -> RecordResult:
        value = _key_value(record, field)
        body = {"unique_identifier": {UNIQUE_IDENTIFIER_NAMES.get(field, field): value}, route.wrapper: _prepare(record)}
        try:
            response, payload = await self._call("POST", f"{route.path}/upsert", json=body, idempotent=True)
        except RetriesExhausted as error:
            return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
        return _result(index, response, payload, route.wrapper, "created" if response.status_code == 201 else "updated")

    async def _upsert_by_search(
        self, index: int, object: str, route: ObjectRoute, record: dict[str, Any], field: str
    ) -> RecordResult:
        value = str(_key_value(record, field))
        body, members = _split_members(object, record)
        # Each round looks the key up first, so a resent insert can never create a second record.
        for attempt in range(self.http.retry.max_attempts):
            matches = await self.search(object, field, value)
            if len(matches) > 1:
                ids = ", ".join(str(m["id"]) for m in matches[:5])
                return RecordResult(
                    index=index, outcome="duplicate", target_id=str(matches[0]["id"]), code="AMBIGUOUS_KEY",
                    message=f"the key matches {len(matches)} records ({ids})",
                )
            if matches and attempt:
                # The insert whose reply was lost did happen: report it, then finish its members.
                found = RecordResult(index=index, outcome="created", target_id=str(matches[0]["id"]), code="FOUND_AFTER_RETRY")
                return await self._add_members(found, route, members)
            if matches:
                result = await self._put(index, route, str(matches[0]["id"]), body)
                return await self._add_members(result, route, members)
            result = await self._insert(index, route, body)
            if result.code != OUTCOME_UNKNOWN:
                return await self._add_members(result, route, members)
        return RecordResult(index=index, outcome="failed", code=OUTCOME_UNKNOWN, message="the insert stayed ambiguous after checking by key")

    async def delete(self, object: str, ids: Sequence[str]) -> list[RecordResult]:
        route = self._writable_route(object)

        async def one(index: int) -> RecordResult:
            record_id = str(ids[index])
            try:
                response, payload = await self._call("DELETE", f"{route.path}/{record_id}")
            except RetriesExhausted as error:
                return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
            if response.status_code == 404:
                return RecordResult(index=index, outcome="deleted", target_id=record_id, code="NOT_FOUND", message="the record no longer exists")
            result = _result(index, response, payload, route.wrapper, "deleted")
            return RecordResult(index=index, outcome=result.outcome, target_id=record_id, code=result.code, message=result.message)

        return await self.concurrently(len(ids), one)

    # -- reads ------------------------------------------------------------------------------------

    async def get(self, object: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        route = self._route(object)
        found: dict[str, dict[str, Any]] = {}
        if route.listing == "selector":
            by_id = {str(r.get("id")): r for r in await self._selector(object, route)}
            return [by_id[str(record_id)] for record_id in ids if str(record_id) in by_id]
        for record_id in ids:
            response, payload = await self._call("GET", f"{route.path}/{record_id}")
            if response.status_code == 200 and isinstance(payload, dict) and isinstance(payload.get(route.wrapper), dict):
                found[str(record_id)] = payload[route.wrapper]
            elif response.status_code != 404:
                raise self._fail("GET", f"{route.path}/{{id}}", response, payload)
        return [found[str(record_id)] for record_id in ids if str(record_id) in found]

    async def search(self, object: str, field: str, value: str) -> list[dict[str, Any]]:
        route = self._route(object)
        wanted = value.strip().lower()
        if route.listing in ("lists", "selector"):
            return [r async for r in self.list(object) if str(_key_value(r, field) or "").strip().lower() == wanted]
        if route.lookup is None:
            raise UnsupportedOperation(f"freshsales cannot search {object} by a field")
        response, payload = await self._call("GET", "/api/lookup", params={"q": value, "f": field, "entities": route.lookup})
        if response.status_code != 200 or not isinstance(payload, dict):
            raise self._fail("GET", "/api/lookup", response, payload)
        records = ((payload.get(object) or {}).get(object)) or []
        return [r for r in records if str(_key_value(r, field) or "").strip().lower() == wanted]

    async def list(self, object: str) -> AsyncIterator[dict[str, Any]]:
        route = self._route(object)
        if route.listing == "views":
            async for record in self._view_pages(object, route):
                yield record
        elif route.listing == "filtered":
            for name in route.filters:
                async for record in self._pages(object, route.path, {"filter": name}):
                    yield record
        elif route.listing == "plain":
            async for record in self._pages(object, route.path, {}):
                yield record
        elif route.listing == "lists":
            response, payload = await self._call("GET", route.path)
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._fail("GET", route.path, response, payload)
            for record in payload.get("lists") or []:
                yield record
        elif route.listing == "selector":
            for record in await self._selector(object, route):
                yield record
        else:
            raise UnsupportedOperation(f"freshsales has no way to list {object}")

    async def _selector(self, object: str, route: ObjectRoute) -> list[dict[str, Any]]:
        """A selector's whole list, from whichever spelling of the path the account serves."""
        name = route.path.rsplit("/", 1)[-1]
        for prefix in SELECTOR_PATHS:
            path = prefix + name
            response, payload = await self._call("GET", path)
            if response.status_code == 404:
                continue
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._fail("GET", path, response, payload)
            records = payload.get(object)
            if records is None:
                # Public clients read the answer's only key; accept that shape too.
                lists = [value for value in payload.values() if isinstance(value, list)]
                records = lists[0] if len(lists) == 1 else []
            return [r for r in records if isinstance(r, dict)]
        raise UnsupportedOperation(f"freshsales: this account serves no {name} selector (GET {route.path} and the /selectors/ spelling answered 404)")

    async def _view_pages(self, object: str, route: ObjectRoute) -> AsyncIterator[dict[str, Any]]:
        response, payload = await self._call("GET", f"{route.path}/filters")
        if response.status_code != 200 or not isinstance(payload, dict):
            raise self._fail("GET", f"{route.path}/filters", response, payload)
        views = payload.get("filters") or []
        view = next((v for v in views if str(v.get("name", "")).startswith("All")), views[0] if views else None)
        if view is None:
            raise RequestFailed(f"freshsales: no view lists all {object}", status=response.status_code)
        async for record in self._pages(object, f"{route.path}/view/{view['id']}", {"sort": "created_at", "sort_type": "asc"}):
            yield record

    async def _pages(self, object: str, path: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        page = 1
        while True:
            response, payload = await self._call("GET", path, params={**params, "page": page, "per_page": MAX_PER_PAGE})
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._fail("GET", path, response, payload)
            records = payload.get(object) or []
            for record in records:
                yield record
            total_pages = int((payload.get("meta") or {}).get("total_pages") or 0)
            if len(records) < MAX_PER_PAGE or page >= total_pages:
                return
            page += 1

    # -- tags and documents -------------------------------------------------------------------------

    async def add_tags(self, object: str, record_id: str, tags: Sequence[str]) -> RecordResult:
        route = self._route(object)
        if not route.taggable:
            raise UnsupportedOperation(f"freshsales {object} have no tags")
        current = await self.get(object, [record_id])
        if not current:
            return RecordResult(index=0, outcome="invalid", code="NOT_FOUND", message=f"{object} {record_id} does not exist")
        # Setting tags replaces the list, so send the merged list (a resend is harmless).
        merged = list(dict.fromkeys([*(current[0].get("tags") or []), *tags]))
        return await self._put(0, route, record_id, {"tags": merged})

    async def attach(self, object: str, record_id: str, filename: str, content: bytes) -> RecordResult:
        target_type = TARGETABLE_TYPES.get(object)
        if target_type is None:
            raise UnsupportedOperation(f"freshsales documents cannot be linked to {object}")
        form = {"targetable_type": target_type, "targetable_id": str(record_id), "file_name": filename}
        # Each round checks for the document first, so a resend never uploads it twice.
        for _ in range(self.http.retry.max_attempts):
            try:
                response, payload = await self._call("POST", "/api/documents", files={"file": (filename, content)}, data=form)
            except OutcomeUnknown:
                existing = await self._find_document(object, record_id, filename, len(content))
                if existing is not None:
                    return RecordResult(index=0, outcome="created", target_id=existing, code="FOUND_AFTER_RETRY")
                continue
            except RetriesExhausted as error:
                return RecordResult(index=0, outcome="retryable", code=error.reason, message=str(error))
            return _result(0, response, payload, "document", "created")
        return RecordResult(index=0, outcome="failed", code=OUTCOME_UNKNOWN, message="the upload's outcome stayed unknown after a check")

    async def _find_document(self, object: str, record_id: str, filename: str, size: int) -> str | None:
        response, payload = await self._call("GET", f"/api/{object}/{record_id}/document_associations")
        for document in (payload.get("documents") or []) if isinstance(payload, dict) else []:
            if document.get("name") == filename and document.get("content_file_size") == size:
                return str(document["id"])
        return None

    # -- schema ------------------------------------------------------------------------------------

    async def _fields(self, object: str, *, fresh: bool = False) -> list[dict[str, Any]]:
        self._route(object)
        if fresh or object not in self._fields_cache:
            path = f"/api/settings/{object}/fields"
            response, payload = await self._call("GET", path)
            if response.status_code == 404:
                raise SchemaOperationFailed(
                    f"freshsales: this account has no field settings for {object} (GET {path} answered 404); "
                    "create the fields in the admin UI, or leave them out"
                )
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._fail("GET", path, response, payload)
            self._fields_cache[object] = list(payload.get("fields") or [])
        return self._fields_cache[object]

    async def create_module(self, module: ModuleDefinition) -> str:
        entity = module.api_name or _entity_name(module.plural_label)
        if entity in OBJECTS or not CUSTOM_MODULE_NAME.match(entity):
            raise UnsupportedOperation(f"freshsales: {entity!r} cannot be a custom module's entity name")
        try:
            await self._fields(entity, fresh=True)
        except SchemaOperationFailed:
            raise UnsupportedOperation(
                f"freshsales custom modules cannot be created through the API (the platform notes give no payload for "
                f"/settings/module_customizations): create module {module.plural_label!r} with entity name {entity!r} "
                "in Admin Settings, then run again"
            ) from None
        return entity

    async def create_field(self, object: str, field: FieldDefinition) -> str:
        wanted = field.label.strip().lower()
        for attempt in range(2):
            # Only a custom field is ours to reuse: a standard field with the same label (a lead's
            # `company`) has its own type and meaning.
            existing = next(
                (f for f in await self._fields(object, fresh=True) if str(f.get("name", "")).startswith("cf_") and str(f.get("label", "")).strip().lower() == wanted),
                None,
            )
            if existing is not None:
                return str(existing["name"])
            if attempt:
                break
            response, payload = await self._call("GET", f"/api/settings/{object}/forms")
            forms = payload.get("forms") if isinstance(payload, dict) else None
            if response.status_code != 200 or not forms:
                raise SchemaOperationFailed(f"freshsales: no form to add {field.label!r} to; pre-create it in the admin UI")
            form = next((f for f in forms if f.get("is_default")), forms[0])
            type_name = FIELD_TYPES[field.type]
            body: dict[str, Any] = {"label": field.label, "field_type": FIELD_TYPE_CODES[type_name], "required": field.required}
            if field.unique:
                body["unique"] = True
            if field.picklist:
                body["choices"] = [{"value": value} for value in field.picklist]
            path = f"/api/settings/{object}/forms/{form['id']}/fields"
            try:
                response, payload = await self._call("POST", path, json=body)
            except OutcomeUnknown:
                continue
            if response.status_code not in (200, 201):
                raise SchemaOperationFailed(
                    f"freshsales: creating field {field.label!r} on {object} was refused ({'; '.join(_messages(payload)) or response.status_code}); "
                    "pre-create it in the admin UI"
                )
        raise SchemaOperationFailed(f"freshsales: field {field.label!r} on {object} was not created")

    async def add_picklist_values(self, object: str, field: str, values: Sequence[str]) -> None:
        definition = next((f for f in await self._fields(object, fresh=True) if f.get("name") == field), None)
        if definition is None or definition.get("type") not in ("dropdown", "multi_select_dropdown"):
            raise SchemaOperationFailed(f"freshsales: {object} has no dropdown field {field!r}")
        present = {choice.get("value") for choice in definition.get("choices") or []}
        missing = [value for value in dict.fromkeys(values) if value not in present]
        if not missing:
            return
        path = f"/api/settings/{object}/fields/{definition['id']}"
        response, payload = await self._call("PUT", path, json={"choices": [{"value": v} for v in missing]})
        if response.status_code != 200:
            raise SchemaOperationFailed(str(self._fail("PUT", path, response, payload)))

    async def describe(self, object: str) -> dict[str, Any]:
        fields = []
        for field in await self._fields(object, fresh=True):
            native = str(field.get("type"))
            fields.append(
                describe_field(
                    key=str(field["name"]),
                    label=str(field.get("label") or field["name"]),
                    type=NEUTRAL_TYPES.get(native, native),
                    native_type=native,
                    length=255 if native in ("text", "email", "url", "phone_number") else None,
                    required=bool(field.get("required")),
                    unique=bool(field.get("unique")),
                    custom=str(field["name"]).startswith("cf_"),
                    picklist=[str(choice.get("value")) for choice in field.get("choices") or []],
                )
            )
        return {"platform": PLATFORM, "object": object, "fields": sorted(fields, key=lambda f: f["key"])}


def connect(settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> FreshsalesConnector:
    return FreshsalesConnector(settings, transport=transport)


# -- helpers -------------------------------------------------------------------------------------


def _prepare(record: dict[str, Any]) -> dict[str, Any]:
    """`cf_` values moved under `custom_field` (Freshsales ignores them anywhere else)."""
    body = {k: v for k, v in record.items() if not k.startswith("cf_") and k != "custom_fields"}
    custom = {
        **(record.get("custom_fields") or {}),
        **(record.get("custom_field") or {}),
        **{k: v for k, v in record.items() if k.startswith("cf_")},
    }
    if custom:
        body["custom_field"] = custom
    return body


def _split_members(object: str, record: dict[str, Any]) -> tuple[dict[str, Any], list[Any] | None]:
    """A list's body without its members, and the members (contact ids) to add after the write."""
    if object != "lists" or LIST_MEMBERS not in record:
        return record, None
    body = {k: v for k, v in record.items() if k != LIST_MEMBERS}
    members = record[LIST_MEMBERS]
    if members is None:
        return body, None
    items = members if isinstance(members, list) else [members]
    return body, [int(m) if isinstance(m, str) and m.isdigit() else m for m in items if has_value(m)]


def _entity_name(label: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", label.strip().lower()).strip("_")


def _key_value(record: dict[str, Any], field: str) -> Any:
    if field.startswith("cf_"):
        return (record.get("custom_field") or {}).get(field, record.get(field))
    return record.get(field)


def _messages(payload: Any) -> list[str]:
    if isinstance(payload, dict):
        if isinstance(payload.get("errors"), dict):
            messages = payload["errors"].get("message")
            return [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
        if "message" in payload:
            return [str(payload["message"])]
    return []


def _result(index: int, response: httpx.Response, payload: Any, wrapper: str, success: Outcome) -> RecordResult:
    status = response.status_code
    if 200 <= status < 300:
        record = payload.get(wrapper) if isinstance(payload, dict) else None
        target = record.get("id") if isinstance(record, dict) else None
        return RecordResult(index=index, outcome=success, target_id=None if target is None else str(target))
    messages = _messages(payload)
    message = "; ".join(messages) or f"HTTP {status}"
    field = _field_from_message(messages[0]) if messages else None
    if status == 400 and any(DUPLICATE_MESSAGE.search(m) for m in messages):
        outcome: Outcome = "duplicate"
    elif status in (400, 404, 422):
        outcome = "invalid"
    elif status == 429 or status >= 500:
        outcome = "retryable"
    else:
        outcome = "failed"
    return RecordResult(index=index, outcome=outcome, code=f"HTTP_{status}", message=message, field=field)


# Labels whose field name is not the label in snake case.
FIELDS_BY_LABEL = {
    "MobileNumber": "mobile_number",
    "Email": "email",
    "Sales account": "sales_account_id",
    "Sales activity type": "sales_activity_type_id",
    "Owner": "owner_id",
    "Targetable": "targetable_id",
    "Targetable type": "targetable_type",
}


def _field_from_message(message: str) -> str | None:
    """`Last name can't be blank` -> `last_name` (Rails-style full messages start with the label)."""
    if message.startswith("The type for "):
        return "targetable_type"
    match = re.match(r"^([A-Z][\w ]*?) (?:can't|is|has|must|does)\b", message)
    if not match:
        return None
    label = match.group(1).strip()
    return FIELDS_BY_LABEL.get(label, label.lower().replace(" ", "_"))
