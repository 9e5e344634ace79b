"""The Customer.io sandbox: the App API read endpoints (paths under `/v1`) over synthetic data.

Behaviour follows the platform notes (platforms/customerio.md).

Documented behaviour reproduced:

- `Authorization: Bearer <App API key>`; 10 requests/s when `config.rate_limit` is `RATE_LIMIT`,
  over it 429 ("over the 10-per-second limit");
- cursor pagination: `start=<next>` until `next` is empty, with the documented `limit` ranges:
  people search 1-1000 (default 50), segment membership up to 30000, activities up to 100,
  messages up to 1000; segments, campaigns, broadcasts and transactional messages come whole;
- `POST /v1/customers` (search by `filter`: `and`/`or`/`not`, `segment {id}`, `attribute {field,
  operator eq|exists, value}`) answering `{identifiers, ids, next}`; `POST /v1/customers/attributes`
  (1-100 ids, `id_type` id|cio_id|email, unknown ids omitted); `GET /v1/customers/{id}/attributes`
  (404 "The customer_id does not exist"); attribute values come back as strings;
- `GET /v1/segments`, `/v1/segments/{id}/membership`, `/v1/segments/{id}/customer_count`;
- `GET /v1/object_types`, `POST /v1/objects` (`{object_type_id, filter}`),
  `GET /v1/objects/{type}/{id}/attributes`, `/v1/objects/{type}/{id}/relationships`: the object
  and relationship listings repeat the previous page's last entry at the top of the next page
  (the docs warn of repeats; clients must dedupe);
- `GET /v1/activities` (`type`, `name`, `customer_id` filters): custom events, plus
  `attribute_change` entries for people changed in the last 30 days (and every edit);
- `GET /v1/messages` (deliveries; `type`, `campaign_id`, `newsletter_id`, `action_id`,
  `start_ts`/`end_ts`; the window is at most 6 months and defaults to the last 6 months);
- `GET /v1/campaigns`, `/v1/broadcasts`, `/v1/transactional`;
- async exports: `POST /v1/exports/customers` → `GET /v1/exports/{id}` (pending for
  `options["export_polls"]` polls, default 1, then done) → `GET /v1/exports/{id}/download`
  (`{url}`, a signed link valid 15 minutes) → CSV;
- errors `{"meta": {"errors": ["..."]}}` (documented for 400; used for 401/404/429 too, whose
  bodies Customer.io does not specify).

Unconfirmed: the response keys of `/v1/object_types` (`types`), `/v1/objects` (like people
search: `identifiers`, `ids`, `next`), object relationships (`relationships`), transactional
(`messages`); activities are served in stored order (events, then attribute changes);
deliveries carry `transactional_message_id`; the export file is CSV with columns id, email,
cio_id and the requested attributes. No rate-limit headers are documented, so none are sent
unless `options["retry_after"]` is true (then 429s carry `Retry-After`).

Test helpers: `dataset(app)`; `edit_person(app, index, changes)` changes a person's traits and
logs an `attribute_change` activity at the data set's logical clock.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import io
import json
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from migc.sandbox.base import (
    InvalidBody,
    LimitState,
    PlatformProfile,
    RateLimitConfig,
    SandboxConfig,
    build_app,
    json_response,
    read_json,
)
from migc.sandbox.store import Store
from migc.sandbox.synth import customerio as synthetic
from migc.sandbox.synth.dataset import Dataset
from migc.sandbox.synth.hardcases import REFERENCE_EPOCH

PLATFORM = "customerio"
BASE_PATH = ""
RATE_LIMIT = RateLimitConfig(calls=10, per_seconds=1.0)
SEARCH_LIMIT = (50, 1000)  # (default, maximum)
MEMBERSHIP_LIMIT = (1000, 30000)
ACTIVITY_LIMIT = (10, 100)
MESSAGE_LIMIT = (50, 1000)
OBJECT_LIMIT = (50, 1000)
RELATIONSHIP_LIMIT = (50, 1000)
MAX_IDS = 100
SIX_MONTHS = 183 * 86400
ACTIVITY_DAYS = 30
EXPORT_URL_SECONDS = 15 * 60
# Top-level fields of a person record that are not traits.
_NOT_TRAITS = ("segments", "devices", "attributes", "unsubscribed")


def errors(status: int, *texts: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"meta": {"errors": list(texts)}}, status=status, headers=headers)


class _Problem(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class CustomerioProfile(PlatformProfile):
    platform = PLATFORM

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        return headers.get("authorization") == f"Bearer {self.token}"

    def unauthorized(self) -> Response:
        return errors(401, "Unauthorized request")

    def throttled(self, state: LimitState) -> Response:
        headers = None
        if self.config.options.get("retry_after"):
            headers = {"Retry-After": str(max(1, math.ceil(state.reset_seconds or 1)))}
        return errors(429, "over the 10-per-second limit", headers=headers)

    def server_error(self, status: int) -> Response:
        return errors(status, "internal server error")

    def exempt(self, path: str) -> bool:
        return path.startswith("/export-files/")  # signed download links carry their own check


class CustomerioSandbox:
    def __init__(self, data: Dataset, config: SandboxConfig) -> None:
        self.data = data
        self.config = config
        # A per-app key for download signatures; derived from the seed, never a credential.
        self._signing_key = hashlib.sha256(f"customerio-sandbox-exports:{config.seed}".encode()).digest()


    # -- people --------------------------------------------------------------------------------

    def _people(self, position: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
        """(position, record) over people, then anonymous profiles."""
        persons = self.data.count("Person")
        if position < persons:
            for index, person in self.data.records("Person", position):
                yield index, person
            position = persons
        for index, profile in self.data.records("AnonymousProfile", position - persons):
            yield persons + index, profile

    def _by_email(self) -> dict[str, int]:
        """lower-cased email -> position of the first profile with it (a scan, built once per version)."""

        def build() -> dict[str, int]:
            found: dict[str, int] = {}
            for position, person in self._people():
                if person.get("email"):
                    found.setdefault(person["email"].strip().lower(), position)
            return found

        return self.data.derived("emails", build)

    def _person_at(self, position: int) -> dict[str, Any] | None:
        persons = self.data.count("Person")
        if position < persons:
            return self.data.get("Person", position)
        return self.data.get("AnonymousProfile", position - persons)

    def _find(self, identifier: str, id_type: str) -> dict[str, Any] | None:
        if id_type not in ("id", "cio_id", "email"):
            raise _Problem(400, f"id_type {id_type!r} is not enabled in this workspace")
        if id_type == "email":
            position = self._by_email().get(identifier.strip().lower())
            return self._person_at(position) if position is not None else None
        # Generated ids invert to their index; edited or added profiles are checked one by one.
        if id_type == "cio_id":
            located = synthetic.profile_index(self.data.seed, identifier)
        else:
            index = synthetic.person_index(self.data.seed, identifier)
            located = ("Person", index) if index is not None else None
        if located is not None:
            person = self.data.get(*located)
            if person is not None and person.get(id_type) == identifier:
                return person
        for object_name in ("Person", "AnonymousProfile"):
            for index in self.data.edited(object_name):
                person = self.data.get(object_name, index)
                if person is not None and person.get(id_type) == identifier:
                    return person
        return None

    async def search(self, request: Request) -> Response:
        body = await _body(request)
        condition = body.get("filter")
        if not isinstance(condition, dict):
            raise _Problem(400, "filter is required")
        limit = _limit(request, SEARCH_LIMIT)
        position = _cursor(request)
        identifiers: list[dict[str, Any]] = []
        next_position: int | None = None
        for current, person in self._people(position):
            if len(identifiers) == limit:
                next_position = current
                break
            if _matches(condition, person):
                identifiers.append(_identifiers(person))
        return json_response({"identifiers": identifiers, "ids": [item["id"] for item in identifiers],
                              "next": _encode(next_position)})

    async def attributes_by_ids(self, request: Request) -> Response:
        body = await _body(request)
        ids = body.get("ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_IDS:
            raise _Problem(400, f"ids must be a list of 1 to {MAX_IDS} identifiers")
        id_type = request.query_params.get("id_type", "id")
        found = [self._find(str(identifier), id_type) for identifier in ids]
        return json_response({"customers": [_customer_body(person) for person in found if person is not None]})

    async def person_attributes(self, request: Request) -> Response:
        person = self._find(request.path_params["customer_id"], request.query_params.get("id_type", "id"))
        if person is None:
            raise _Problem(404, "The customer_id does not exist")
        return json_response({"customer": _customer_body(person)})

    # -- segments ------------------------------------------------------------------------------

    def _members(self) -> dict[int, list[int]]:
        """segment id -> positions of its members (generated people cost no record)."""

        def build() -> dict[int, list[int]]:
            members: dict[int, list[int]] = {}
            persons = self.data.count("Person")
            for position in range(persons + self.data.count("AnonymousProfile")):
                object_name, index = ("Person", position) if position < persons else ("AnonymousProfile", position - persons)
                if self.data.is_synthetic(object_name, index):
                    segments = synthetic.segment_ids(self.data.seed, index) if object_name == "Person" else []
                else:
                    segments = (self.data.get(object_name, index) or {}).get("segments") or []
                for segment in segments:
                    members.setdefault(int(segment), []).append(position)
            return members

        return self.data.derived("members", build)

    def _segment(self, raw: str) -> dict[str, Any]:
        try:
            index = int(raw) - synthetic.segment_id(0)
        except ValueError:
            index = -1
        segment = self.data.get("Segment", index) if index >= 0 else None
        if segment is None:
            raise _Problem(404, "The segment_id does not exist")
        return segment

    async def segments(self, request: Request) -> Response:
        return json_response({"segments": [segment for _, segment in self.data.records("Segment")]})

    async def membership(self, request: Request) -> Response:
        segment = self._segment(request.path_params["segment_id"])
        members = self._members().get(segment["id"], [])
        limit = _limit(request, MEMBERSHIP_LIMIT)
        start = _cursor(request)
        page = [self._person_at(position) for position in members[start : start + limit]]
        identifiers = [_identifiers(person) for person in page if person is not None]
        more = start + limit < len(members)
        return json_response({"identifiers": identifiers, "ids": [item["id"] for item in identifiers],
                              "next": _encode(start + limit if more else None)})

    async def segment_count(self, request: Request) -> Response:
        segment = self._segment(request.path_params["segment_id"])
        return json_response({"segment_id": segment["id"], "count": len(self._members().get(segment["id"], []))})

    # -- objects and relationships ---------------------------------------------------------------

    async def object_types(self, request: Request) -> Response:
        return json_response({"types": [{"id": type_id, "name": name, "singular": name.rstrip("s")}
                                        for type_id, name in sorted(synthetic.OBJECT_TYPES.items())]})

    async def find_objects(self, request: Request) -> Response:
        body = await _body(request)
        try:
            type_id = int(body.get("object_type_id"))
        except (TypeError, ValueError):
            raise _Problem(400, "object_type_id is required") from None
        condition = body.get("filter") or {"and": []}
        matching = [index for index, row in self.data.records("Object")
                    if row["object_type_id"] == type_id and _matches(condition, _object_fields(row))]
        return self._repeating_page(request, matching, OBJECT_LIMIT, lambda index: _object_identifiers(self.data.get("Object", index)))

    def _object(self, request: Request) -> tuple[int, dict[str, Any]]:
        type_id, identifier = request.path_params["object_type_id"], request.path_params["object_id"]
        id_type = request.query_params.get("id_type", "object_id")
        if id_type not in ("object_id", "cio_object_id"):
            raise _Problem(400, "id_type must be object_id or cio_object_id")

        def build() -> dict[tuple[str, str, str], int]:
            return {(str(row["object_type_id"]), name, row[name]): index
                    for index, row in self.data.records("Object") for name in ("object_id", "cio_object_id")}

        index = self.data.derived("objects", build).get((type_id, id_type, identifier))
        row = self.data.get("Object", index) if index is not None else None
        if row is None or index is None:
            raise _Problem(404, "The object does not exist")
        return index, row

    async def object_attributes(self, request: Request) -> Response:
        _, row = self._object(request)
        return json_response({"object": {
            "attributes": _strings({"name": row["name"], "domain": row["domain"], **row["attributes"]}),
            "timestamps": {},
            "identifiers": {"object_id": row["object_id"], "cio_object_id": row["cio_object_id"]},
            "object_type_id": row["object_type_id"],
        }})

    def _relations(self) -> dict[str, list[int]]:
        """cio_object_id -> relationship indices."""

        def build() -> dict[str, list[int]]:
            related: dict[str, list[int]] = {}
            for index, row in self.data.records("Relationship"):
                related.setdefault(row["object"], []).append(index)
            return related

        return self.data.derived("relations", build)

    async def object_relationships(self, request: Request) -> Response:
        _, row = self._object(request)
        indices = self._relations().get(row["cio_object_id"], [])

        def entry(index: int) -> dict[str, Any]:
            relation = self.data.get("Relationship", index) or {}
            person = self._find(relation.get("person", ""), "cio_id")
            return {"identifiers": _identifiers(person) if person else {"cio_id": relation.get("person")},
                    "relationship_attributes": _strings(relation.get("attributes") or {})}

        return self._repeating_page(request, indices, RELATIONSHIP_LIMIT, entry, key="relationships")

    def _repeating_page(self, request: Request, items: list[int], limits: tuple[int, int],
                        render: Callable[[int], dict[str, Any]], key: str = "identifiers") -> Response:
        limit = _limit(request, limits)
        start = _cursor(request)
        # Pages after the first repeat the previous page's last entry (documented: "may repeat").
        first = start - 1 if start > 0 else start
        page = [render(index) for index in items[first : start + limit]]
        more = start + limit < len(items)
        body: dict[str, Any] = {key: page, "next": _encode(start + limit if more else None)}
        if key == "identifiers":
            body["ids"] = [item.get("object_id") for item in page]
        return json_response(body)

    # -- activities and deliveries -----------------------------------------------------------------

    def _attribute_changes(self) -> list[dict[str, Any]]:
        """attribute_change activities: people changed in the last 30 days, plus logged edits."""

        def build() -> list[dict[str, Any]]:
            persons = self.data.count("Person")
            # Edited people have their own entries in the edit log.
            edited = set(self.data.edited("Person")) | {persons + i for i in self.data.edited("AnonymousProfile")}
            recent = REFERENCE_EPOCH - ACTIVITY_DAYS * 86400
            changes = []
            for position, person in self._people():
                changed = int((person.get("attributes") or {}).get("updated_at") or 0)
                if changed >= recent and position not in edited:
                    changes.append(_change_activity(person, changed, "updated_at"))
            changes.extend(self.data.store.meta.get("customerio-activity", []))
            return changes

        return self.data.derived("changes", build)

    async def activities(self, request: Request) -> Response:
        query = request.query_params
        kind, name, customer = query.get("type"), query.get("name"), query.get("customer_id")
        limit = _limit(request, ACTIVITY_LIMIT)
        position = _cursor(request)
        events = self.data.count("Event")
        changes = self._attribute_changes()
        rows: list[dict[str, Any]] = []
        next_position: int | None = None
        current = position
        while current < events + len(changes):
            row = self.data.get("Event", current) if current < events else changes[current - events]
            if row is not None and (kind is None or row["type"] == kind) and (name is None or row["name"] == name) \
                    and (customer is None or row.get("customer_id") == customer):
                if len(rows) == limit:
                    next_position = current
                    break
                rows.append(row)
            current += 1
        return json_response({"activities": rows, "next": _encode(next_position)})

    async def messages(self, request: Request) -> Response:
        query = request.query_params
        end = _integer(query.get("end_ts"), "end_ts", REFERENCE_EPOCH)
        start = _integer(query.get("start_ts"), "start_ts", end - SIX_MONTHS)
        if end - start > SIX_MONTHS:
            raise _Problem(400, "the time window between start_ts and end_ts must not exceed 6 months")
        wanted = {name: query[name] for name in ("type", "campaign_id", "newsletter_id", "action_id") if name in query}
        limit = _limit(request, MESSAGE_LIMIT)
        position = _cursor(request)
        rows: list[dict[str, Any]] = []
        next_position: int | None = None
        for index, delivery in self.data.records("Delivery", position):
            if not start <= delivery["created"] < end:
                continue
            if any(str(delivery.get(field)) != value for field, value in wanted.items()):
                continue
            if len(rows) == limit:
                next_position = index
                break
            rows.append(delivery)
        return json_response({"messages": rows, "next": _encode(next_position)})

    async def campaigns(self, request: Request) -> Response:
        return json_response({"campaigns": [row for _, row in self.data.records("Campaign")]})

    async def broadcasts(self, request: Request) -> Response:
        return json_response({"broadcasts": [row for _, row in self.data.records("Broadcast")]})

    async def transactional(self, request: Request) -> Response:
        fields = ("id", "name", "description", "send_to_unsubscribed", "link_tracking", "open_tracking",
                  "queue_drafts", "created_at", "updated_at")
        return json_response({"messages": [{key: row[key] for key in fields}
                                           for _, row in self.data.records("TransactionalMessage")]})

    # -- exports ---------------------------------------------------------------------------------

    def _exports(self) -> dict[str, Any]:
        return self.data.store.meta.setdefault("customerio-exports", {})

    async def export_customers(self, request: Request) -> Response:
        body = await _body(request)
        attributes = body.get("attributes") or []
        if not isinstance(attributes, list) or not all(isinstance(name, str) for name in attributes):
            raise _Problem(400, "attributes must be a list of attribute names")
        condition = body.get("filters") or {"and": []}
        if not isinstance(condition, dict):
            raise _Problem(400, "filters must be an object")
        exports = self._exports()
        export_id = len(exports) + 1
        exports[str(export_id)] = {"filters": condition, "attributes": attributes, "polls": 0}
        return json_response({"export": self._export_body(export_id)})

    def _export_body(self, export_id: int) -> dict[str, Any]:
        entry = self._exports()[str(export_id)]
        done = entry["polls"] >= int(self.config.options.get("export_polls", 1))
        return {"id": export_id, "user_id": 1, "user_email": "sandbox@customerio.invalid", "total": 0,
                "deduplicate_id": f"{export_id}:{REFERENCE_EPOCH}", "type": "customers", "failed": False,
                "status": "done" if done else "pending", "description": "customers export",
                "downloads": entry.get("downloads", 0), "created_at": REFERENCE_EPOCH, "updated_at": REFERENCE_EPOCH}

    def _export_entry(self, request: Request) -> tuple[int, dict[str, Any]]:
        raw = request.path_params["export_id"]
        entry = self._exports().get(raw)
        if entry is None:
            raise _Problem(404, "The export ID does not exist")
        return int(raw), entry

    async def export_status(self, request: Request) -> Response:
        export_id, entry = self._export_entry(request)
        body = self._export_body(export_id)
        entry["polls"] += 1
        return json_response({"export": body})

    async def export_download(self, request: Request) -> Response:
        export_id, entry = self._export_entry(request)
        if self._export_body(export_id)["status"] != "done":
            raise _Problem(400, "The export is not finished yet")
        entry["downloads"] = entry.get("downloads", 0) + 1
        expires = int(time.time()) + EXPORT_URL_SECONDS
        signature = self._sign(export_id, expires)
        url = request.url.replace(path=f"/export-files/{export_id}", query=f"expires={expires}&signature={signature}")
        return json_response({"url": str(url)})

    def _sign(self, export_id: int, expires: int) -> str:
        return hmac.new(self._signing_key, f"{export_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    async def export_file(self, request: Request) -> Response:
        raw = request.path_params["export_id"]
        entry = self._exports().get(raw)
        try:
            expires = int(request.query_params.get("expires", "0"))
        except ValueError:
            expires = 0
        signature = request.query_params.get("signature", "")
        if entry is None or not hmac.compare_digest(signature, self._sign(int(raw), expires)) or expires < time.time():
            return Response(b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                            status_code=403, media_type="application/xml")
        columns = ["id", "email", "cio_id", *entry["attributes"]]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for _, person in self._people():
            if not _matches(entry["filters"], person):
                continue
            traits = _traits(person)
            writer.writerow(["" if traits.get(column) is None else _string(traits.get(column)) for column in columns])
        return Response(buffer.getvalue().encode("utf-8"), media_type="text/csv")

    def routes(self) -> list[Route]:
        def wrap(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
            async def endpoint(request: Request) -> Response:
                try:
                    return await handler(request)
                except _Problem as problem:
                    return errors(problem.status, problem.text)

            return endpoint

        get, post = ["GET"], ["POST"]
        return [
            Route("/v1/customers", wrap(self.search), methods=post),
            Route("/v1/customers/attributes", wrap(self.attributes_by_ids), methods=post),
            Route("/v1/customers/{customer_id}/attributes", wrap(self.person_attributes), methods=get),
            Route("/v1/segments", wrap(self.segments), methods=get),
            Route("/v1/segments/{segment_id}/membership", wrap(self.membership), methods=get),
            Route("/v1/segments/{segment_id}/customer_count", wrap(self.segment_count), methods=get),
            Route("/v1/object_types", wrap(self.object_types), methods=get),
            Route("/v1/objects", wrap(self.find_objects), methods=post),
            Route("/v1/objects/{object_type_id}/{object_id}/attributes", wrap(self.object_attributes), methods=get),
            Route("/v1/objects/{object_type_id}/{object_id}/relationships", wrap(self.object_relationships), methods=get),
            Route("/v1/activities", wrap(self.activities), methods=get),
            Route("/v1/messages", wrap(self.messages), methods=get),
            Route("/v1/campaigns", wrap(self.campaigns), methods=get),
            Route("/v1/broadcasts", wrap(self.broadcasts), methods=get),
            Route("/v1/transactional", wrap(self.transactional), methods=get),
            Route("/v1/exports/customers", wrap(self.export_customers), methods=post),
            Route("/v1/exports/{export_id}", wrap(self.export_status), methods=get),
            Route("/v1/exports/{export_id}/download", wrap(self.export_download), methods=get),
            Route("/export-files/{export_id}", self.export_file, methods=get),
        ]


def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette:
    """The Customer.io sandbox app (see the module docstring); `config.records` is the people count."""
    store = store if store is not None else Store()
    data = Dataset(PLATFORM, seed=config.seed, users=config.records, store=store)
    store.mark_baseline()
    app = build_app(CustomerioProfile(config), CustomerioSandbox(data, config).routes(), config, store)
    app.state.dataset = data
    return app


def dataset(app: Starlette) -> Dataset:
    return app.state.dataset


def edit_person(app: Starlette, index: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change person `index` (top-level traits, or other traits under `attributes`) and log an
    `attribute_change` activity per changed trait, as Customer.io does."""
    data = dataset(app)
    updated, when = data.modify("Person", index, changes)
    moment = int(when.timestamp())
    updated["attributes"] = {**updated.get("attributes", {}), "updated_at": moment}
    data.replace("Person", index, updated)
    log = data.store.meta.setdefault("customerio-activity", [])
    for trait in sorted(changes):
        log.append(_change_activity(updated, moment, trait, sequence=len(log)))
    return updated


# -- shapes ---------------------------------------------------------------------------------------


def _traits(person: dict[str, Any]) -> dict[str, Any]:
    """Every attribute of a person, flat (top-level traits and `attributes`)."""
    traits = {key: value for key, value in person.items() if key not in _NOT_TRAITS}
    traits.update(person.get("attributes") or {})
    return traits


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def _strings(attributes: dict[str, Any]) -> dict[str, str]:
    """Attribute values as the App API returns them: strings; unset attributes are absent."""
    return {key: _string(value) for key, value in attributes.items() if value is not None}


def _identifiers(person: dict[str, Any]) -> dict[str, Any]:
    return {"email": person.get("email"), "id": person.get("id"), "cio_id": person["cio_id"]}


def _customer_body(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": person.get("id"),
        "identifiers": _identifiers(person),
        "attributes": _strings(_traits(person)),
        "timestamps": {},
        "unsubscribed": bool(person.get("unsubscribed")),
        "devices": person.get("devices") or [],
    }


def _object_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "domain": row["domain"], **row["attributes"]}


def _object_identifiers(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    return {"object_id": row.get("object_id"), "cio_object_id": row.get("cio_object_id")}


def _change_activity(person: dict[str, Any], moment: int, trait: str, sequence: int | None = None) -> dict[str, Any]:
    suffix = f"-{sequence}" if sequence is not None else ""
    return {
        "id": f"chg_{person['cio_id']}_{moment}{suffix}",
        "type": "attribute_change",
        "name": trait,
        "timestamp": moment,
        "customer_id": person.get("id"),
        "customer_identifiers": _identifiers(person),
        "delivery_id": None,
        "delivery_type": None,
        "data": {"attribute": trait},
    }


def _matches(condition: dict[str, Any], person: dict[str, Any]) -> bool:
    if "and" in condition:
        return all(_matches(part, person) for part in condition["and"])
    if "or" in condition:
        return any(_matches(part, person) for part in condition["or"])
    if "not" in condition:
        return not _matches(condition["not"], person)
    if "segment" in condition:
        return int(condition["segment"].get("id", -1)) in (person.get("segments") or [])
    if "attribute" in condition:
        rule = condition["attribute"]
        value = _traits(person).get(rule.get("field"))
        operator = rule.get("operator", "eq")
        if operator == "exists":
            return value is not None
        if operator == "eq":
            return value is not None and _string(value) == _string(rule.get("value"))
        raise _Problem(400, f"unsupported attribute operator {operator!r}")
    raise _Problem(400, "filter must use and, or, not, segment or attribute")


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await read_json(request)
    except InvalidBody as problem:
        raise _Problem(400, str(problem)) from None
    if not isinstance(body, dict):
        raise _Problem(400, "the body must be a JSON object")
    return body


def _integer(raw: str | None, name: str, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise _Problem(400, f"{name} must be an integer") from None


def _limit(request: Request, limits: tuple[int, int]) -> int:
    default, maximum = limits
    limit = _integer(request.query_params.get("limit"), "limit", default)
    if not 1 <= limit <= maximum:
        raise _Problem(400, f"limit must be between 1 and {maximum}")
    return limit


def _encode(position: int | None) -> str:
    if position is None:
        return ""
    return base64.urlsafe_b64encode(f"cur:{position}".encode()).decode().rstrip("=")


def _cursor(request: Request) -> int:
    token = request.query_params.get("start")
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "cur":
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise _Problem(400, "start is not a valid cursor") from None
