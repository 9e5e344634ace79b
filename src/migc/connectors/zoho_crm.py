"""The Zoho CRM target connector (REST API v8), per the platform notes (zoho_crm.md).

- Auth: `Authorization: Zoho-oauthtoken <access token>`. With `refresh_token`, `client_id` and
  `client_secret` in the credentials (and optionally `accounts_url`, default
  https://accounts.zoho.com), an expired token is renewed once on 401 and the request resent.
- Writes go 100 records per call (`{"data":[...]}`); every reply item `{code, details,
  message, status}` (201/200, 207 partial, 400) becomes a `RecordResult`. `trigger: []` is
  sent so workflows, approvals and blueprints do not fire during a migration; the option
  `trigger` (e.g. "workflow,approval") turns them back on.
- Upsert is Zoho's own `POST /{module}/upsert` with `duplicate_check_fields`, idempotent by
  key, so it is retried like a read. A record without a value for any key field is answered
  `invalid` (`KEY_MISSING`) instead of being sent, since Zoho would insert it on every retry.
- Plain inserts (`create`) are not idempotent: if a reply is lost the records come back as
  `failed` / `OUTCOME_UNKNOWN`, to be checked by key (prefer `upsert` when a key exists).
- Reads: `fields` is mandatory in v8 and capped at 50 per call, so the connector learns the
  module's fields from settings/fields and, for wider modules, fetches the rest by `ids`.
  Lists use `page=1` then `page_token` (which reaches 100,000 records); 204 means empty.
- Schema calls are made idempotent by looking first: a field whose label exists, a module whose
  plural label exists, a picklist value already present are not created again. A module is
  created with its `api_name` only when that name follows Zoho's rules (a letter first, then
  letters, digits and single underscores, not ending in one, at most 50 characters); otherwise
  Zoho derives the name from the plural label, and `create_module` returns whatever name Zoho
  assigned. Module creation needs profiles: every non-lite profile of the org is given access
  (option `module_profiles`, comma-separated profile names, narrows that). A `FieldDefinition`
  with `lookup` becomes a lookup field to that module (`lookup.module.api_name`, unconfirmed
  beyond the key name). Refused schema calls raise `SchemaOperationFailed`, including modules
  whose fields the API cannot change (Notes, Attachments).
- Attachments are not a module: `create("Attachments", records)` uploads each record's
  `attachmentUrl` (with `File_Name` as its title) to `POST /{module}/{id}/Attachments` of the
  record its `Parent_Id` names (`{"module": {"api_name": ...}, "id": ...}`); a lost reply is
  checked by listing the parent's attachments before anything is resent. Attachment ids are
  returned as `<module>/<record id>/<attachment id>`, because deleting or reading one needs its
  parent. Attachments cannot be edited: `update` keeps an existing one (code `UNCHANGED`).
  Read back (`get`), a link attachment also carries its URL as `attachmentUrl`, the name it is
  written with (Zoho keeps it as `$link_url`), so a diff compares what was sent.
- `Users` are read-only: `list`, `get` and `search` read `GET /users?type=ActiveUsers`.

Budget defaults: Standard edition concurrency 10 (Zoho limits concurrency and daily credits,
not calls per second); daily credits depend on edition and users, so none is assumed here.
Zoho's rate-limit headers are unconfirmed; `Retry-After` is honoured if sent.
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
from migc.connectors.results import OUTCOME_UNKNOWN, Outcome, RecordResult, failed_all
from migc.connectors.secrets import Secret

PLATFORM = "zoho_crm"
DEFAULT_BASE_URL = "https://www.zohoapis.com/crm/v8"
DEFAULT_ACCOUNTS_URL = "https://accounts.zoho.com"
DEFAULT_BUDGET = RateBudget(calls=50, per_seconds=1.0, concurrency=10)
MAX_RECORDS_PER_CALL = 100
MAX_PER_PAGE = 200
MAX_FIELDS_PER_READ = 50
SEARCH_PAGE_LIMIT = 10

FIELD_TYPES: dict[str, str] = {
    "text": "text",
    "textarea": "textarea",
    "email": "email",
    "phone": "phone",
    "url": "website",
    "integer": "integer",
    "decimal": "double",
    "currency": "currency",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "picklist": "picklist",
    "multipicklist": "multiselectpicklist",
}
NEUTRAL_TYPES: dict[str, str] = {
    **{zoho: neutral for neutral, zoho in FIELD_TYPES.items()},
    "bigint": "integer",
    "percent": "decimal",
    "lookup": "lookup",
    "userlookup": "lookup",
    "parent": "lookup",
}
DEFAULT_LENGTHS = {"text": 255, "textarea": 2000, "email": 100, "phone": 50, "website": 255}
ATTACHMENTS = "Attachments"
USERS = "Users"
# Zoho's naming rules for a custom module's API name (Zoho help, "API names").
MODULE_API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$")
MAX_MODULE_API_NAME = 50

INVALID_CODES = frozenset(
    {
        "MANDATORY_NOT_FOUND",
        "INVALID_DATA",
        "DEPENDENT_FIELD_MISSING",
        "DEPENDENT_MISMATCH",
        "MULTIPLE_OR_MULTI_ERRORS",
        "LIMIT_EXCEEDED",
        "LICENSE_LIMIT_EXCEEDED",
        "ID_ALREADY_CONVERTED",
    }
)
RETRYABLE_CODES = frozenset({"RECORD_LOCKED", "TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR"})


class ZohoCrmConnector(HttpConnector):
    """Target connector for one Zoho CRM org (see the module docstring)."""

    platform = PLATFORM

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        self._token = settings.token
        self._settings = settings
        can_refresh = all(name in settings.extra for name in ("refresh_token", "client_id", "client_secret"))
        super().__init__(
            HttpClient.from_settings(
                settings,
                base_url=settings.base_url,
                auth=lambda: {"Authorization": f"Zoho-oauthtoken {self._token.reveal()}"},
                budget=budget or settings.budget or DEFAULT_BUDGET,
                transport=transport,
                refresh_auth=self._refresh_access_token if can_refresh else None,
            )
        )
        triggers = settings.options.get("trigger", "")
        self._triggers = [name.strip() for name in triggers.split(",") if name.strip()]
        self._fields_cache: dict[str, list[dict[str, Any]]] = {}

    # -- auth -----------------------------------------------------------------------------------

    async def _refresh_access_token(self) -> bool:
        extra = self._settings.extra
        accounts = self._settings.options.get("accounts_url", DEFAULT_ACCOUNTS_URL).rstrip("/")
        # A form body, not the query string Zoho's examples use: URLs end up in logs (httpx logs
        # every request line), and these values are secrets.
        response = await self.http.request(
            "POST",
            f"{accounts}/oauth/v2/token",
            data={
                "grant_type": "refresh_token",
                "client_id": extra["client_id"].reveal(),
                "client_secret": extra["client_secret"].reveal(),
                "refresh_token": extra["refresh_token"].reveal(),
            },
            idempotent=True,
            authenticate=False,
        )
        payload = json_or_none(response)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            return False
        self._token = Secret(token)
        return True

    # -- writes ---------------------------------------------------------------------------------

    def batch_size(self, object: str, op: Operation) -> int:
        return 1 if object == ATTACHMENTS else MAX_RECORDS_PER_CALL

    def _refuse_users(self, object: str) -> None:
        if object == USERS:
            raise UnsupportedOperation("zoho_crm: users are managed in Zoho's setup, not written by a migration")

    async def create(self, object: str, records: Sequence[dict[str, Any]]) -> list[RecordResult]:
        self._refuse_users(object)
        if object == ATTACHMENTS:
            return await self.concurrently(len(records), lambda index: self._upload_link(index, records[index]))
        return await self._write_all(
            "POST", f"/{object}", records, default_outcome="created", idempotent=False, extra={}
        )

    async def update(self, object: str, records_with_id: Sequence[dict[str, Any]]) -> list[RecordResult]:
        missing = [index for index, record in enumerate(records_with_id) if not record.get("id")]
        if missing:
            raise ValueError(f"update needs an 'id' in every record; missing at positions {missing[:10]}")
        self._refuse_users(object)
        if object == ATTACHMENTS:
            return await self._keep_attachments(records_with_id)
        return await self._write_all(
            "PUT", f"/{object}", records_with_id, default_outcome="updated", idempotent=True, extra={}
        )

    async def upsert(
        self, object: str, records: Sequence[dict[str, Any]], key_fields: Sequence[str]
    ) -> list[RecordResult]:
        if not key_fields:
            raise ValueError("upsert needs at least one key field")
        self._refuse_users(object)
        if object == ATTACHMENTS:
            raise UnsupportedOperation("zoho_crm attachments have no key to upsert by; write them with create")
        keyed = [index for index, record in enumerate(records) if any(has_value(record.get(k)) for k in key_fields)]
        keyed_set = set(keyed)
        results: dict[int, RecordResult] = {
            index: RecordResult(
                index=index,
                outcome="invalid",
                code="KEY_MISSING",
                message=f"no value for any key field ({', '.join(key_fields)}); an upsert would insert it again on retry",
                field=key_fields[0],
            )
            for index in range(len(records))
            if index not in keyed_set
        }
        sent = await self._write_all(
            "POST",
            f"/{object}/upsert",
            [records[index] for index in keyed],
            default_outcome=None,
            idempotent=True,
            extra={"duplicate_check_fields": list(key_fields)},
        )
        for position, result in enumerate(sent):
            index = keyed[position]
            results[index] = _reindexed(result, index)
        return [results[index] for index in range(len(records))]

    async def delete(self, object: str, ids: Sequence[str]) -> list[RecordResult]:
        self._refuse_users(object)
        if object == ATTACHMENTS:
            return await self.concurrently(len(ids), lambda index: self._delete_attachment(index, str(ids[index])))
        results: list[RecordResult] = []
        for offset, chunk in enumerate(chunked(list(ids), MAX_RECORDS_PER_CALL)):
            base = offset * MAX_RECORDS_PER_CALL
            try:
                response = await self.http.request("DELETE", f"/{object}", params={"ids": ",".join(chunk)})
            except RetriesExhausted as error:
                results.extend(_shift(failed_all(len(chunk), outcome="retryable", code=error.reason, message=str(error)), base))
                continue
            items = self._items(response, len(chunk), "DELETE", object)
            chunk_results = [_item_result(base + i, item, "deleted") for i, item in enumerate(items)]
            results.extend(await self._confirm_deleted(object, chunk_results, chunk, base))
        return results

    async def _confirm_deleted(
        self, object: str, results: list[RecordResult], ids: Sequence[str], base: int
    ) -> list[RecordResult]:
        """A delete that failed because the id is gone counts as deleted (a retried rollback)."""
        failed = [result for result in results if not result.ok]
        if not failed:
            return results
        still_there = {record["id"] for record in await self.get(object, [ids[r.index - base] for r in failed])}
        confirmed = []
        for result in results:
            record_id = ids[result.index - base]
            if not result.ok and record_id not in still_there:
                result = RecordResult(index=result.index, outcome="deleted", target_id=record_id, code="NOT_FOUND",
                                      message="the record no longer exists")
            confirmed.append(result)
        return confirmed

    async def _write_all(
        self,
        method: str,
        path: str,
        records: Sequence[dict[str, Any]],
        *,
        default_outcome: Outcome | None,
        idempotent: bool,
        extra: dict[str, Any],
    ) -> list[RecordResult]:
        results: list[RecordResult] = []
        for offset, chunk in enumerate(chunked(list(records), MAX_RECORDS_PER_CALL)):
            base = offset * MAX_RECORDS_PER_CALL
            body = {"data": list(chunk), "trigger": self._triggers, **extra}
            try:
                response = await self.http.request(method, path, json=body, idempotent=idempotent)
            except OutcomeUnknown as error:
                results.extend(_shift(failed_all(len(chunk), outcome="failed", code=OUTCOME_UNKNOWN, message=str(error)), base))
                continue
            except RetriesExhausted as error:
                results.extend(_shift(failed_all(len(chunk), outcome="retryable", code=error.reason, message=str(error)), base))
                continue
            items = self._items(response, len(chunk), method, path)
            results.extend(_item_result(base + i, item, default_outcome) for i, item in enumerate(items))
        return results

    def _items(self, response: httpx.Response, count: int, method: str, path: str) -> list[dict[str, Any]]:
        payload = json_or_none(response)
        data = payload.get("data") if isinstance(payload, dict) else None
        if isinstance(data, list) and len(data) == count and all(isinstance(item, dict) for item in data):
            return data
        raise self._request_error(response, payload, method, path)

    def _request_error(self, response: httpx.Response, payload: Any, method: str, path: str) -> Exception:
        code = payload.get("code") if isinstance(payload, dict) else None
        message = payload.get("message") if isinstance(payload, dict) else None
        where = f"zoho_crm {method} {path.split('?', 1)[0]}"
        details = payload.get("details") if isinstance(payload, dict) else None
        detail_text = f" {details}" if details else ""
        if response.status_code == 401:
            return AuthenticationFailed(f"{where}: the access token was refused ({code or 'HTTP 401'}); renew it")
        return RequestFailed(
            f"{where}: HTTP {response.status_code} {code or ''} {message or ''}{detail_text}".strip(),
            status=response.status_code,
            code=code,
        )

    # -- reads ----------------------------------------------------------------------------------

    async def _fields(self, object: str) -> list[dict[str, Any]]:
        if object in (ATTACHMENTS, USERS):
            raise SchemaOperationFailed(f"zoho_crm: {object} is not a module whose fields the API can read or change")
        if object not in self._fields_cache:
            response = await self.http.request("GET", "/settings/fields", params={"module": object})
            payload = json_or_none(response)
            if isinstance(payload, dict) and payload.get("code") == "INVALID_MODULE":
                raise SchemaOperationFailed(f"zoho_crm: no module {object!r} in this org (GET /settings/fields answered INVALID_MODULE)")
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._request_error(response, payload, "GET", "/settings/fields")
            self._fields_cache[object] = list(payload.get("fields") or [])
        return self._fields_cache[object]

    async def _field_groups(self, object: str) -> list[list[str]]:
        names = sorted(field["api_name"] for field in await self._fields(object))
        return [list(group) for group in chunked(names, MAX_FIELDS_PER_READ)] or [["id"]]

    async def get(self, object: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        if object == USERS:
            wanted = {str(i) for i in ids}
            found = {str(user["id"]): user async for user in self._users() if str(user.get("id")) in wanted}
            return [found[str(i)] for i in ids if str(i) in found]
        if object == ATTACHMENTS:
            return await self._get_attachments(ids)
        groups = await self._field_groups(object)
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunked(list(ids), MAX_RECORDS_PER_CALL):
            for group in groups:
                response = await self.http.request(
                    "GET", f"/{object}", params={"ids": ",".join(chunk), "fields": ",".join(group)}
                )
                if response.status_code == 204:
                    break
                payload = json_or_none(response)
                if response.status_code != 200 or not isinstance(payload, dict):
                    raise self._request_error(response, payload, "GET", f"/{object}")
                for record in payload.get("data") or []:
                    found.setdefault(str(record["id"]), {}).update(record)
        return [found[record_id] for record_id in ids if record_id in found]

    async def list(self, object: str) -> AsyncIterator[dict[str, Any]]:
        if object == USERS:
            async for user in self._users():
                yield user
            return
        if object == ATTACHMENTS:
            raise UnsupportedOperation("zoho_crm lists attachments per parent record only")
        groups = await self._field_groups(object)
        params: dict[str, Any] = {"fields": ",".join(groups[0]), "per_page": MAX_PER_PAGE, "page": 1}
        while True:
            response = await self.http.request("GET", f"/{object}", params=params)
            if response.status_code == 204:
                return
            payload = json_or_none(response)
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._request_error(response, payload, "GET", f"/{object}")
            records = list(payload.get("data") or [])
            if len(groups) > 1:
                records = await self._widen(object, records, groups[1:])
            for record in records:
                yield record
            info = payload.get("info") or {}
            token = info.get("next_page_token")
            if not info.get("more_records") or not token:
                return
            params = {"fields": ",".join(groups[0]), "per_page": MAX_PER_PAGE, "page_token": token}

    async def _widen(self, object: str, records: list[dict[str, Any]], groups: list[list[str]]) -> list[dict[str, Any]]:
        by_id = {str(record["id"]): record for record in records}
        for chunk in chunked(list(by_id), MAX_RECORDS_PER_CALL):
            for group in groups:
                response = await self.http.request("GET", f"/{object}", params={"ids": ",".join(chunk), "fields": ",".join(group)})
                payload = json_or_none(response)
                extras = payload.get("data") or [] if isinstance(payload, dict) else []
                for extra in extras:
                    if str(extra.get("id")) in by_id:
                        by_id[str(extra["id"])].update(extra)
        return records

    async def search(self, object: str, field: str, value: str) -> list[dict[str, Any]]:
        if object == USERS:
            return [user async for user in self._users() if _same(user.get(field), value)]
        if object == ATTACHMENTS:
            raise UnsupportedOperation("zoho_crm cannot search attachments")
        criteria = f"({field}:equals:{escape_criteria_value(value)})"
        found: list[dict[str, Any]] = []
        for page in range(1, SEARCH_PAGE_LIMIT + 1):
            response = await self.http.request(
                "GET", f"/{object}/search", params={"criteria": criteria, "page": page, "per_page": MAX_PER_PAGE}
            )
            if response.status_code == 204:
                break
            payload = json_or_none(response)
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._request_error(response, payload, "GET", f"/{object}/search")
            found.extend(payload.get("data") or [])
            if not (payload.get("info") or {}).get("more_records"):
                break
        # Keep Zoho's case-insensitive equality but nothing looser (e.g. a lookup matched by name).
        return [record for record in found if _same(record.get(field), value)]

    # -- tags and attachments -----------------------------------------------------------------------

    async def add_tags(self, object: str, record_id: str, tags: Sequence[str]) -> RecordResult:
        body = {"tags": [{"name": tag} for tag in tags]}
        try:
            response = await self.http.request(
                "POST", f"/{object}/{record_id}/actions/add_tags", json=body, idempotent=True
            )
        except RetriesExhausted as error:
            return RecordResult(index=0, outcome="retryable", target_id=record_id, code=error.reason, message=str(error))
        payload = json_or_none(response)
        data = payload.get("data") if isinstance(payload, dict) else None
        if isinstance(data, list) and data and isinstance(data[0], dict):
            result = _item_result(0, data[0], "updated")
            return RecordResult(
                index=0,
                outcome=result.outcome,
                target_id=record_id,
                code=result.code,
                message=result.message,
                field=result.field,
            )
        raise self._request_error(response, payload, "POST", f"/{object}/{{id}}/actions/add_tags")

    async def attach(self, object: str, record_id: str, filename: str, content: bytes) -> RecordResult:
        path = f"/{object}/{record_id}/Attachments"
        # Each round checks for the file first, so a resend never uploads it twice.
        for _ in range(self.http.retry.max_attempts):
            try:
                response = await self.http.request("POST", path, files={"file": (filename, content)})
            except OutcomeUnknown:
                existing = await self._find_attachment(object, record_id, filename, len(content))
                if existing is not None:
                    return RecordResult(index=0, outcome="created", target_id=existing, code="FOUND_AFTER_RETRY")
                continue
            except RetriesExhausted as error:
                return RecordResult(index=0, outcome="retryable", code=error.reason, message=str(error))
            payload = json_or_none(response)
            data = payload.get("data") if isinstance(payload, dict) else None
            if isinstance(data, list) and data and isinstance(data[0], dict):
                return _item_result(0, data[0], "created")
            if response.status_code == 413:
                code = payload.get("code") if isinstance(payload, dict) else None
                return RecordResult(index=0, outcome="invalid", code=code or "FILE_TOO_LARGE", message="the file is larger than Zoho accepts")
            raise self._request_error(response, payload, "POST", f"/{object}/{{id}}/Attachments")
        return RecordResult(
            index=0, outcome="failed", code=OUTCOME_UNKNOWN, message="the upload's outcome stayed unknown after a check"
        )

    async def _find_attachment(self, object: str, record_id: str, filename: str, size: int) -> str | None:
        response = await self.http.request(
            "GET", f"/{object}/{record_id}/Attachments", params={"fields": "id,File_Name,Size"}
        )
        payload = json_or_none(response)
        for attachment in (payload.get("data") or []) if isinstance(payload, dict) else []:
            if attachment.get("File_Name") == filename and str(attachment.get("Size")) == str(size):
                return str(attachment["id"])
        return None

    async def _upload_link(self, index: int, record: dict[str, Any]) -> RecordResult:
        """One attachment record: its URL linked to the record its `Parent_Id` names."""
        parent = record.get("Parent_Id") if isinstance(record.get("Parent_Id"), dict) else {}
        module = (parent.get("module") or {}).get("api_name") if isinstance(parent.get("module"), dict) else None
        record_id = parent.get("id")
        if not module or not has_value(record_id):
            return RecordResult(index=index, outcome="invalid", code="MANDATORY_NOT_FOUND", field="Parent_Id",
                                message="an attachment needs Parent_Id {module: {api_name}, id}")
        url = record.get("attachmentUrl")
        if not has_value(url):
            return RecordResult(index=index, outcome="invalid", code="MANDATORY_NOT_FOUND", field="attachmentUrl",
                                message="an attachment record needs attachmentUrl (file content goes through attach())")
        title = record.get("File_Name") or record.get("title")
        form: dict[str, Any] = {"attachmentUrl": (None, str(url))}
        if has_value(title):
            form["title"] = (None, str(title))
        path = f"/{module}/{record_id}/Attachments"
        # Each round checks the parent's attachments first, so a resend never links it twice.
        for _ in range(self.http.retry.max_attempts):
            try:
                response = await self.http.request("POST", path, files=form)
            except OutcomeUnknown:
                existing = await self._find_link(module, str(record_id), str(url))
                if existing is not None:
                    return RecordResult(index=index, outcome="created", target_id=_attachment_id(module, record_id, existing), code="FOUND_AFTER_RETRY")
                continue
            except RetriesExhausted as error:
                return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
            payload = json_or_none(response)
            data = payload.get("data") if isinstance(payload, dict) else None
            if isinstance(data, list) and data and isinstance(data[0], dict):
                result = _item_result(index, data[0], "created")
                if result.ok and result.target_id is not None:
                    return RecordResult(index=index, outcome="created", target_id=_attachment_id(module, record_id, result.target_id), code=result.code)
                return result
            if response.status_code == 401:
                raise self._request_error(response, payload, "POST", f"/{module}/{{id}}/Attachments")
            code = payload.get("code") if isinstance(payload, dict) else None
            message = payload.get("message") if isinstance(payload, dict) else None
            outcome: Outcome = "retryable" if response.status_code == 429 or response.status_code >= 500 else "invalid"
            return RecordResult(index=index, outcome=outcome, code=code or f"HTTP_{response.status_code}", message=message, field="Parent_Id" if code == "INVALID_MODULE" else None)
        return RecordResult(index=index, outcome="failed", code=OUTCOME_UNKNOWN, message="the upload's outcome stayed unknown after a check")

    async def _parent_attachments(self, module: str, record_id: str) -> list[dict[str, Any]]:
        response = await self.http.request(
            "GET", f"/{module}/{record_id}/Attachments", params={"fields": "id,File_Name,Size,$link_url"}
        )
        if response.status_code == 204:
            return []
        payload = json_or_none(response)
        if response.status_code != 200 or not isinstance(payload, dict):
            raise self._request_error(response, payload, "GET", f"/{module}/{{id}}/Attachments")
        return list(payload.get("data") or [])

    async def _find_link(self, module: str, record_id: str, url: str) -> str | None:
        for attachment in await self._parent_attachments(module, record_id):
            if attachment.get("$link_url") == url:
                return str(attachment["id"])
        return None

    async def _get_attachments(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        by_parent: dict[tuple[str, str], set[str]] = {}
        for composite in ids:
            parts = _attachment_parts(str(composite))
            if parts is not None:
                by_parent.setdefault(parts[:2], set()).add(parts[2])
        found: dict[str, dict[str, Any]] = {}
        for (module, record_id), wanted in by_parent.items():
            for attachment in await self._parent_attachments(module, record_id):
                if str(attachment.get("id")) in wanted:
                    composite = _attachment_id(module, record_id, attachment["id"])
                    found[composite] = _attachment_as_written({**attachment, "id": composite})
        return [found[str(i)] for i in ids if str(i) in found]

    async def _keep_attachments(self, records_with_id: Sequence[dict[str, Any]]) -> list[RecordResult]:
        existing = {record["id"] for record in await self._get_attachments([str(r["id"]) for r in records_with_id])}
        return [
            RecordResult(index=index, outcome="updated", target_id=str(record["id"]), code="UNCHANGED",
                         message="Zoho cannot edit an attachment; the existing one is kept")
            if str(record["id"]) in existing
            else RecordResult(index=index, outcome="invalid", code="NOT_FOUND", message=f"attachment {record['id']} does not exist")
            for index, record in enumerate(records_with_id)
        ]

    async def _delete_attachment(self, index: int, composite: str) -> RecordResult:
        parts = _attachment_parts(composite)
        if parts is None:
            return RecordResult(index=index, outcome="invalid", code="INVALID_DATA", message=f"{composite!r} is not an attachment id of this connector")
        module, record_id, attachment_id = parts
        try:
            response = await self.http.request("DELETE", f"/{module}/{record_id}/Attachments/{attachment_id}")
        except RetriesExhausted as error:
            return RecordResult(index=index, outcome="retryable", code=error.reason, message=str(error))
        payload = json_or_none(response)
        data = payload.get("data") if isinstance(payload, dict) else None
        if isinstance(data, list) and data and isinstance(data[0], dict) and data[0].get("status") == "success":
            return RecordResult(index=index, outcome="deleted", target_id=composite)
        # Gone already (a retried rollback), or refused: the parent's list tells which.
        if not await self._get_attachments([composite]):
            return RecordResult(index=index, outcome="deleted", target_id=composite, code="NOT_FOUND", message="the attachment no longer exists")
        item = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else (payload if isinstance(payload, dict) else {})
        return _item_result(index, {**item, "status": "error"}, "deleted")

    async def _users(self) -> AsyncIterator[dict[str, Any]]:
        page = 1
        while True:
            response = await self.http.request("GET", "/users", params={"type": "ActiveUsers", "page": page, "per_page": MAX_PER_PAGE})
            if response.status_code == 204:
                return
            payload = json_or_none(response)
            if response.status_code != 200 or not isinstance(payload, dict):
                raise self._request_error(response, payload, "GET", "/users")
            for user in payload.get("users") or []:
                yield user
            if not (payload.get("info") or {}).get("more_records"):
                return
            page += 1

    # -- schema -------------------------------------------------------------------------------------

    async def _modules(self) -> list[dict[str, Any]]:
        response = await self.http.request("GET", "/settings/modules")
        payload = json_or_none(response)
        if response.status_code != 200 or not isinstance(payload, dict):
            raise self._request_error(response, payload, "GET", "/settings/modules")
        return list(payload.get("modules") or [])

    async def create_module(self, module: ModuleDefinition) -> str:
        # Zoho refuses an API name that breaks its rules (`Actimo_Workspaces__c` has a double
        # underscore): such a module is created without one and Zoho names it from its label.
        requested = module.api_name if module.api_name and valid_module_api_name(module.api_name) else None

        def matching(modules: list[dict[str, Any]]) -> str | None:
            for entry in modules:
                if entry.get("plural_label") == module.plural_label or (
                    module.api_name and entry.get("api_name") in (module.api_name, requested)
                ):
                    return str(entry["api_name"])
            return None

        existing = matching(await self._modules())
        if existing is not None:
            return existing
        body: dict[str, Any] = {
            "singular_label": module.singular_label,
            "plural_label": module.plural_label,
            "profiles": [{"id": profile} for profile in await self._module_profiles()],
        }
        if requested:
            body["api_name"] = requested
        try:
            response = await self.http.request("POST", "/settings/modules", json={"modules": [body]})
        except OutcomeUnknown:
            response = None
        if response is not None:
            self._schema_item(response, "modules", f"create module {module.plural_label!r}")
        created = matching(await self._modules())
        if created is None:
            raise SchemaOperationFailed(f"zoho_crm: module {module.plural_label!r} was not created")
        return created

    async def _module_profiles(self) -> list[str]:
        """The profiles a new module is opened to: those the option `module_profiles` names, else
        every profile but the lite ones (Zoho refuses lite profiles for custom modules)."""
        response = await self.http.request("GET", "/settings/profiles")
        payload = json_or_none(response)
        if response.status_code != 200 or not isinstance(payload, dict):
            raise SchemaOperationFailed(str(self._request_error(response, payload, "GET", "/settings/profiles")))
        profiles = [p for p in payload.get("profiles") or [] if isinstance(p, dict) and p.get("id")]
        wanted = {name.strip().lower() for name in self._settings.options.get("module_profiles", "").split(",") if name.strip()}
        if wanted:
            chosen = [p for p in profiles if str(p.get("name", "")).lower() in wanted or str(p.get("display_label", "")).lower() in wanted]
        else:
            chosen = [p for p in profiles if p.get("type") != "lite_profile"]
        if not chosen:
            raise SchemaOperationFailed("zoho_crm: no profile to open a new module to (check the option module_profiles)")
        return [str(p["id"]) for p in chosen]

    async def create_field(self, object: str, field: FieldDefinition) -> str:
        existing = _field_by_label(await self._fields(object), field.label)
        if existing is not None:
            return str(existing["api_name"])
        if field.lookup:
            definition: dict[str, Any] = {"field_label": field.label, "data_type": "lookup", "lookup": {"module": {"api_name": field.lookup}}}
        else:
            zoho_type = FIELD_TYPES[field.type]
            definition = {"field_label": field.label, "data_type": zoho_type}
            if zoho_type in DEFAULT_LENGTHS:
                definition["length"] = field.length or DEFAULT_LENGTHS[zoho_type]
            if field.picklist:
                definition["pick_list_values"] = [{"display_value": v, "actual_value": v} for v in field.picklist]
        if field.unique:
            definition["unique"] = {"case_sensitive": False}
        if field.description:
            definition["tooltip"] = {"name": "static_text", "value": field.description}
        try:
            response = await self.http.request(
                "POST", "/settings/fields", params={"module": object}, json={"fields": [definition]}
            )
        except OutcomeUnknown:
            response = None
        if response is not None:
            self._schema_item(response, "fields", f"create field {field.label!r} on {object}")
        self._fields_cache.pop(object, None)
        created = _field_by_label(await self._fields(object), field.label)
        if created is None:
            raise SchemaOperationFailed(f"zoho_crm: field {field.label!r} on {object} was not created")
        return str(created["api_name"])

    async def add_picklist_values(self, object: str, field: str, values: Sequence[str]) -> None:
        self._fields_cache.pop(object, None)
        definition = next((f for f in await self._fields(object) if f.get("api_name") == field), None)
        if definition is None:
            raise SchemaOperationFailed(f"zoho_crm: {object} has no field {field!r}")
        present = {option.get("actual_value") for option in definition.get("pick_list_values") or []}
        missing = [value for value in dict.fromkeys(values) if value not in present]
        if not missing:
            return
        body = {"fields": [{"id": definition["id"], "pick_list_values": [{"display_value": v, "actual_value": v} for v in missing]}]}
        response = await self.http.request("PATCH", f"/settings/fields/{definition['id']}", params={"module": object}, json=body)
        self._schema_item(response, "fields", f"add picklist values to {object}.{field}")
        self._fields_cache.pop(object, None)

    def _schema_item(self, response: httpx.Response, key: str, action: str) -> None:
        payload = json_or_none(response)
        items = payload.get(key) if isinstance(payload, dict) else None
        if isinstance(items, list) and items and isinstance(items[0], dict):
            item = items[0]
            if item.get("status") == "success":
                return
            raise SchemaOperationFailed(
                f"zoho_crm: {action} was refused: {item.get('code')} {item.get('message')} {item.get('details') or ''}".strip()
            )
        error = self._request_error(response, payload, response.request.method, response.request.url.path)
        if isinstance(error, RequestFailed) and 400 <= error.status < 500 and error.status != 429:
            raise SchemaOperationFailed(f"zoho_crm: {action} was refused: {error}")
        raise error

    async def describe(self, object: str) -> dict[str, Any]:
        self._fields_cache.pop(object, None)
        fields = []
        for field in await self._fields(object):
            native = str(field.get("data_type"))
            fields.append(
                describe_field(
                    key=str(field["api_name"]),
                    label=str(field.get("field_label") or field["api_name"]),
                    type=NEUTRAL_TYPES.get(native, native),
                    native_type=native,
                    length=field.get("length"),
                    required=bool(field.get("system_mandatory")),
                    unique=bool(field.get("unique")),
                    custom=bool(field.get("custom_field")),
                    read_only=bool(field.get("read_only")),
                    picklist=[str(o.get("actual_value")) for o in field.get("pick_list_values") or []],
                )
            )
        return {"platform": PLATFORM, "object": object, "fields": sorted(fields, key=lambda f: f["key"])}


def connect(settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> ZohoCrmConnector:
    return ZohoCrmConnector(settings, transport=transport)


# -- reply mapping --------------------------------------------------------------------------------


def _item_result(index: int, item: dict[str, Any], success: Outcome | None) -> RecordResult:
    details = item.get("details") if isinstance(item.get("details"), dict) else {}
    code = item.get("code")
    if item.get("status") == "success":
        outcome: Outcome = success or ("updated" if item.get("action") == "update" else "created")
        return RecordResult(index=index, outcome=outcome, target_id=_str_or_none(details.get("id")), code=code)
    message = str(item.get("message") or "")
    for detail in ("maximum_length", "expected_data_type", "supported_values", "limit"):
        if detail in details:
            message += f" ({detail}: {details[detail]})"
    field = details.get("api_name")
    if code == "DUPLICATE_DATA":
        duplicate = details.get("duplicate_record") if isinstance(details.get("duplicate_record"), dict) else {}
        target = details.get("id") or duplicate.get("id")
        return RecordResult(index=index, outcome="duplicate", target_id=_str_or_none(target), code=code, message=message, field=field)
    if code in INVALID_CODES:
        outcome = "invalid"
    elif code in RETRYABLE_CODES:
        outcome = "retryable"
    else:
        outcome = "failed"
    return RecordResult(index=index, outcome=outcome, code=code, message=message or None, field=field)


def _reindexed(result: RecordResult, index: int) -> RecordResult:
    return RecordResult(
        index=index, outcome=result.outcome, target_id=result.target_id, code=result.code, message=result.message, field=result.field
    )


def _shift(results: list[RecordResult], base: int) -> list[RecordResult]:
    return [_reindexed(result, result.index + base) for result in results]


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _same(actual: Any, wanted: str) -> bool:
    if isinstance(actual, dict):
        actual = actual.get("id") or actual.get("name")
    return actual is not None and str(actual).strip().lower() == wanted.strip().lower()


def _field_by_label(fields: list[dict[str, Any]], label: str) -> dict[str, Any] | None:
    wanted = label.strip().lower()
    return next((f for f in fields if str(f.get("field_label", "")).strip().lower() == wanted), None)


def valid_module_api_name(name: str) -> bool:
    """Whether Zoho accepts `name` as a custom module's API name."""
    return len(name) <= MAX_MODULE_API_NAME and MODULE_API_NAME.match(name) is not None and not name.endswith("_")


def _attachment_id(module: str, record_id: Any, attachment_id: Any) -> str:
    return f"{module}/{record_id}/{attachment_id}"


def _attachment_parts(composite: str) -> tuple[str, str, str] | None:
    parts = composite.split("/")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None


def _attachment_as_written(attachment: dict[str, Any]) -> dict[str, Any]:
    """A link attachment with its URL also under `attachmentUrl`, the upload's field name (Zoho
    hands it back only as `$link_url`); file attachments have no URL and stay as they are."""
    link = attachment.get("$link_url")
    if link is None or "attachmentUrl" in attachment:
        return attachment
    return {**attachment, "attachmentUrl": link}


def escape_criteria_value(value: str) -> str:
    """Escape the characters Zoho treats as syntax inside a criteria value."""
    return re.sub(r"([\\(),])", r"\\\1", value)
