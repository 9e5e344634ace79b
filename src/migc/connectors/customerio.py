"""The Customer.io source connector (App API), per the platform notes (platforms/customerio.md).

Auth: `Authorization: Bearer <App API key>` (one workspace per key); base URL
https://api.customer.io (EU: https://api-eu.customer.io). Cursor pagination throughout: send
`start=<next>` until `next` is empty, with each endpoint's documented `limit` maximum.

Objects and how they are read:

- Person (people and anonymous profiles): `POST /v1/customers` with a filter matching every
  profile (id, email or anonymous_id exists; option `people_filter` takes another filter as
  JSON), 1000 ids per page, then `POST /v1/customers/attributes?id_type=cio_id` per 100. Each
  person gets the ids of its segments from the segment membership listings (read first). The
  App API returns attribute values as strings; they stay strings (under `attributes` for traits
  the catalog does not name), except `cio_subscription_preferences`, decoded from JSON.
  `export_people()` is the bulk alternative: an async export, polled, then its CSV.
- Object: `GET /v1/object_types`, `POST /v1/objects` per type, then each object's attributes;
  Relationship: `GET /v1/objects/{type}/{id}/relationships` per object. Both listings may repeat
  entries across pages, so both are deduplicated.
- Event: `GET /v1/activities?type=event`; Segment, Campaign, Broadcast, TransactionalMessage:
  their list endpoints (whole); Delivery: `GET /v1/messages` in windows of at most 6 months
  (`start_ts`/`end_ts`) from option `history_start` (unix seconds; default five years ago).

`since`: people changed since then are found through `attribute_change` activities (which the
App API keeps for at least 30 days) and re-read; events, segments, campaigns, broadcasts and
transactional messages are filtered client-side on their own time fields; deliveries by the
`start_ts` window (creation time). Objects and relationships carry no time and are read whole.

Budget default: 10 requests/s (documented; 429 "over the 10-per-second limit", no rate-limit
headers documented, so the shared backoff applies). Errors: 401/403 become
`AuthenticationFailed`; others `RequestFailed` with the `meta.errors` texts.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx

from migc.connectors.base import AuthenticationFailed, ConnectionSettings, ConnectorError, RequestFailed, chunked
from migc.connectors.http import HttpClient, HttpConnector, json_or_none
from migc.connectors.ratelimit import RateBudget

PLATFORM = "customerio"
DEFAULT_BASE_URL = "https://api.customer.io"
DEFAULT_BUDGET = RateBudget(calls=10, per_seconds=1.0, concurrency=5)
SEARCH_LIMIT = 1000
IDS_PER_LOOKUP = 100
MEMBERSHIP_LIMIT = 30000
ACTIVITY_LIMIT = 100
MESSAGE_LIMIT = 1000
LISTING_LIMIT = 1000
DELIVERY_WINDOW = 180 * 86400  # inside the API's 6-month maximum
DEFAULT_HISTORY_SECONDS = 5 * 365 * 86400
EXPORT_POLL_SECONDS = 2.0
EVERY_PROFILE = {"or": [{"attribute": {"field": name, "operator": "exists"}} for name in ("id", "email", "anonymous_id")]}
# Person traits the catalog names; every other attribute stays under `attributes`.
PERSON_TRAITS = ("phone", "anonymous_id", "created_at", "first_name", "last_name", "lifecycle_stage", "company", "country")
OBJECTS = ("Broadcast", "Campaign", "Delivery", "Event", "Object", "Person", "Relationship", "Segment", "TransactionalMessage")
# Whole lists: object -> (path, key of the list, time field for `since`).
LISTS = {
    "Segment": ("/v1/segments", "segments", "updated_at"),
    "Campaign": ("/v1/campaigns", "campaigns", "updated"),
    "Broadcast": ("/v1/broadcasts", "broadcasts", "updated"),
    "TransactionalMessage": ("/v1/transactional", "messages", "updated_at"),
}


class CustomerioConnector(HttpConnector):
    """Source connector for one Customer.io workspace (see the module docstring)."""

    platform = PLATFORM

    def __init__(self, settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        token = settings.token
        super().__init__(
            HttpClient.from_settings(
                settings,
                base_url=settings.base_url or DEFAULT_BASE_URL,
                auth=lambda: {"Authorization": f"Bearer {token.reveal()}"},
                budget=settings.budget or DEFAULT_BUDGET,
                transport=transport,
            )
        )
        raw_filter = settings.options.get("people_filter")
        try:
            self._people_filter = json.loads(raw_filter) if raw_filter else EVERY_PROFILE
        except ValueError:
            raise ConnectorError("customerio: option `people_filter` is not valid JSON") from None
        history = settings.options.get("history_start")
        self._history_start = int(history) if history else None
        self._poll_seconds = float(settings.options.get("export_poll_seconds", EXPORT_POLL_SECONDS))

    async def objects(self) -> list[str]:
        return sorted(OBJECTS)

    async def count(self, object: str) -> int | None:
        _check_object(object)
        if object in LISTS:
            path, key, _ = LISTS[object]
            return len((await self._request("GET", path)).get(key) or [])
        return None

    async def metadata(self) -> dict[str, Any]:
        types = (await self._request("GET", "/v1/object_types")).get("types") or []
        segments = (await self._request("GET", "/v1/segments")).get("segments") or []
        return {
            "platform": PLATFORM,
            "object_types": sorted(types, key=lambda row: int(row.get("id", 0))),
            "segments": sorted(({"id": row.get("id"), "name": row.get("name"), "type": row.get("type")} for row in segments),
                               key=lambda row: int(row["id"] or 0)),
        }

    def read(self, object: str, *, since: datetime | None = None, page_size: int | None = None) -> AsyncIterator[dict[str, Any]]:
        _check_object(object)
        since_unix = int(since.timestamp()) if since is not None else None
        if object == "Person":
            return self._people(since_unix, page_size)
        if object == "Object":
            return self._objects(page_size)
        if object == "Relationship":
            return self._relationships(page_size)
        if object == "Event":
            return self._events(since_unix, page_size)
        if object == "Delivery":
            return self._deliveries(since_unix, page_size)
        return self._list(object, since_unix)

    # -- requests --------------------------------------------------------------------------------

    async def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None,
                       missing_ok: bool = False) -> Any:
        # Searches and lookups are POSTs that change nothing, so they may be repeated.
        response = await self.http.request(method, path, params=params, json=json_body, idempotent=True)
        if response.status_code == 404 and missing_ok:
            return None
        body = json_or_none(response)
        if response.status_code < 300:
            return body if body is not None else {}
        meta = body.get("meta") if isinstance(body, dict) else None
        texts = meta.get("errors") if isinstance(meta, dict) else None
        detail = f"customerio {method} {path.split('?', 1)[0]}: HTTP {response.status_code}"
        if isinstance(texts, list) and texts:
            detail += ": " + "; ".join(str(text) for text in texts)
        if response.status_code in (401, 403):
            raise AuthenticationFailed(f"{detail} (check the App API key; Track API keys do not work here)")
        raise RequestFailed(detail, status=response.status_code)

    async def _cursor(self, method: str, path: str, key: str, limit: int, *, params: dict[str, Any] | None = None,
                      json_body: Any = None) -> AsyncIterator[list[Any]]:
        """Every page of a `start`/`next` listing; rows are under `key`."""
        start: str | None = None
        seen: set[str] = set()
        while True:
            query = {**(params or {}), "limit": limit, **({"start": start} if start else {})}
            body = await self._request(method, path, params=query, json_body=json_body)
            yield list(body.get(key) or [])
            start = body.get("next") or None
            if not start:
                return
            if start in seen:
                raise ConnectorError(f"customerio {method} {path}: the cursor repeats; stopping to avoid a loop")
            seen.add(start)

    # -- people ----------------------------------------------------------------------------------

    async def _segment_membership(self) -> dict[str, list[int]]:
        """cio_id -> ids of the segments the person is in (ascending)."""
        members: dict[str, list[int]] = {}
        segments = (await self._request("GET", "/v1/segments")).get("segments") or []
        for segment in sorted(segments, key=lambda row: int(row["id"])):
            path = f"/v1/segments/{segment['id']}/membership"
            async for page in self._cursor("GET", path, "identifiers", MEMBERSHIP_LIMIT):
                for identifiers in page:
                    members.setdefault(str(identifiers.get("cio_id")), []).append(int(segment["id"]))
        return members

    async def _people(self, since: int | None, page_size: int | None) -> AsyncIterator[dict[str, Any]]:
        membership = await self._segment_membership()
        if since is not None:
            changed = await self._changed_people(since)
            for batch in chunked(changed, IDS_PER_LOOKUP):
                for customer in await self._lookup(batch):
                    yield _person(customer, membership)
            return
        limit = max(1, min(page_size or SEARCH_LIMIT, SEARCH_LIMIT))
        seen: set[str] = set()
        async for page in self._cursor("POST", "/v1/customers", "identifiers", limit, json_body={"filter": self._people_filter}):
            fresh = [str(item["cio_id"]) for item in page if str(item.get("cio_id")) not in seen]
            seen.update(fresh)
            batches = await asyncio.gather(*(self._lookup(batch) for batch in chunked(fresh, IDS_PER_LOOKUP)))
            for customers in batches:
                for customer in customers:
                    yield _person(customer, membership)

    async def _lookup(self, cio_ids: Any) -> list[dict[str, Any]]:
        body = await self._request("POST", "/v1/customers/attributes", params={"id_type": "cio_id"},
                                   json_body={"ids": list(cio_ids)})
        found = {str(customer.get("identifiers", {}).get("cio_id")): customer for customer in body.get("customers") or []}
        # Keep the order of the ids asked for; unknown ids (deleted meanwhile) are simply absent.
        return [found[cio_id] for cio_id in cio_ids if cio_id in found]

    async def _changed_people(self, since: int) -> list[str]:
        changed: dict[str, None] = {}
        async for page in self._cursor("GET", "/v1/activities", "activities", ACTIVITY_LIMIT,
                                       params={"type": "attribute_change"}):
            for activity in page:
                cio_id = (activity.get("customer_identifiers") or {}).get("cio_id")
                if cio_id and int(activity.get("timestamp") or 0) >= since:
                    changed[str(cio_id)] = None
        return list(changed)

    async def export_people(self, attributes: list[str] | None = None, *, filters: dict[str, Any] | None = None,
                            max_wait_seconds: float = 3600.0) -> AsyncIterator[dict[str, str]]:
        """People through an async export: create, poll until done, download the CSV (rows as
        dicts of strings; columns id, email, cio_id and `attributes`). The signed download link
        expires after 15 minutes, so it is fetched at once."""
        body = await self._request("POST", "/v1/exports/customers",
                                   json_body={"filters": filters or self._people_filter, "attributes": attributes or []})
        export_id = body["export"]["id"]
        deadline = time.monotonic() + max_wait_seconds
        while True:
            status = (await self._request("GET", f"/v1/exports/{export_id}"))["export"]
            if status.get("failed") or status.get("status") == "failed":
                raise ConnectorError(f"customerio export {export_id} failed")
            if status.get("status") == "done":
                break
            if time.monotonic() > deadline:
                raise ConnectorError(f"customerio export {export_id} not done after {max_wait_seconds:g}s")
            await asyncio.sleep(self._poll_seconds)
        link = (await self._request("GET", f"/v1/exports/{export_id}/download"))["url"]
        # The link is signed; the App API key must not travel to the file host.
        response = await self.http.request("GET", link, authenticate=False)
        if response.status_code >= 300:
            raise RequestFailed(f"customerio export {export_id} download: HTTP {response.status_code}",
                                status=response.status_code)
        for row in csv.DictReader(io.StringIO(response.content.decode("utf-8"))):
            yield dict(row)

    # -- objects and relationships -------------------------------------------------------------------

    async def _object_ids(self, page_size: int | None) -> AsyncIterator[tuple[int, str]]:
        """(object_type_id, object_id) of every object, each once."""
        types = (await self._request("GET", "/v1/object_types")).get("types") or []
        limit = max(1, min(page_size or LISTING_LIMIT, LISTING_LIMIT))
        for object_type in sorted(types, key=lambda row: int(row["id"])):
            type_id = int(object_type["id"])
            seen: set[str] = set()
            body = {"object_type_id": type_id, "filter": {"and": []}}
            async for page in self._cursor("POST", "/v1/objects", "identifiers", limit, json_body=body):
                for identifiers in page:
                    object_id = str(identifiers.get("object_id"))
                    if object_id not in seen:  # listings may repeat entries across pages
                        seen.add(object_id)
                        yield type_id, object_id

    async def _objects(self, page_size: int | None) -> AsyncIterator[dict[str, Any]]:
        async for type_id, object_id in self._object_ids(page_size):
            body = await self._request("GET", f"/v1/objects/{type_id}/{_quote(object_id)}/attributes",
                                       params={"id_type": "object_id"}, missing_ok=True)
            if body is None:
                continue  # deleted since it was listed
            found = body.get("object") or {}
            attributes = dict(found.get("attributes") or {})
            identifiers = found.get("identifiers") or {}
            yield {
                "cio_object_id": identifiers.get("cio_object_id"),
                "object_type_id": found.get("object_type_id", type_id),
                "object_id": identifiers.get("object_id", object_id),
                "name": attributes.pop("name", None),
                "domain": attributes.pop("domain", None),
                "attributes": dict(sorted(attributes.items())),
            }

    async def _relationships(self, page_size: int | None) -> AsyncIterator[dict[str, Any]]:
        limit = max(1, min(page_size or LISTING_LIMIT, LISTING_LIMIT))
        async for type_id, object_id in self._object_ids(page_size):
            path = f"/v1/objects/{type_id}/{_quote(object_id)}/relationships"
            cio_object_id: str | None = None
            seen: set[str] = set()
            async for page in self._cursor("GET", path, "relationships", limit, params={"id_type": "object_id"}):
                for entry in page:
                    person = str((entry.get("identifiers") or {}).get("cio_id"))
                    if person in seen:
                        continue
                    seen.add(person)
                    if cio_object_id is None:
                        cio_object_id = await self._cio_object_id(type_id, object_id)
                    yield {
                        "id": f"{person}:{type_id}:{object_id}",
                        "person": person,
                        "object": cio_object_id,
                        "object_type_id": type_id,
                        "object_id": object_id,
                        "attributes": dict(entry.get("relationship_attributes") or {}),
                    }

    async def _cio_object_id(self, type_id: int, object_id: str) -> str | None:
        body = await self._request("GET", f"/v1/objects/{type_id}/{_quote(object_id)}/attributes",
                                   params={"id_type": "object_id"}, missing_ok=True)
        return ((body or {}).get("object") or {}).get("identifiers", {}).get("cio_object_id")

    # -- activity, deliveries, whole lists -----------------------------------------------------------

    async def _events(self, since: int | None, page_size: int | None) -> AsyncIterator[dict[str, Any]]:
        limit = max(1, min(page_size or ACTIVITY_LIMIT, ACTIVITY_LIMIT))
        async for page in self._cursor("GET", "/v1/activities", "activities", limit, params={"type": "event"}):
            for activity in page:
                if since is None or int(activity.get("timestamp") or 0) >= since:
                    yield activity

    async def _deliveries(self, since: int | None, page_size: int | None) -> AsyncIterator[dict[str, Any]]:
        limit = max(1, min(page_size or MESSAGE_LIMIT, MESSAGE_LIMIT))
        now = int(time.time())
        start = since if since is not None else (self._history_start or now - DEFAULT_HISTORY_SECONDS)
        while start < now:
            end = min(start + DELIVERY_WINDOW, now)
            async for page in self._cursor("GET", "/v1/messages", "messages", limit,
                                           params={"start_ts": start, "end_ts": end}):
                for delivery in page:
                    yield delivery
            start = end

    async def _list(self, object: str, since: int | None) -> AsyncIterator[dict[str, Any]]:
        path, key, time_field = LISTS[object]
        for row in (await self._request("GET", path)).get(key) or []:
            if since is None or int(row.get(time_field) or 0) >= since:
                yield row


def connect(settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> CustomerioConnector:
    return CustomerioConnector(settings, transport=transport)


def _check_object(object: str) -> None:
    if object not in OBJECTS:
        raise ConnectorError(f"customerio has no readable object {object!r}; objects: {', '.join(OBJECTS)}")


def _quote(value: str) -> str:
    return httpx.URL("/" + value).raw_path.decode("ascii")[1:].replace("/", "%2F")


def _person(customer: dict[str, Any], membership: dict[str, list[int]]) -> dict[str, Any]:
    """A customer attributes answer in the catalog's shape (attribute values stay strings)."""
    attributes = dict(customer.get("attributes") or {})
    identifiers = customer.get("identifiers") or {}
    cio_id = str(identifiers.get("cio_id") or attributes.get("cio_id"))
    for name in ("id", "email", "cio_id"):
        attributes.pop(name, None)
    record: dict[str, Any] = {"cio_id": cio_id, "id": identifiers.get("id"), "email": identifiers.get("email")}
    for name in PERSON_TRAITS:
        record[name] = attributes.pop(name, None)
    preferences = attributes.pop("cio_subscription_preferences", None)
    if isinstance(preferences, str):
        try:
            preferences = json.loads(preferences)
        except ValueError:
            pass  # kept as the string the API gave
    record["unsubscribed"] = bool(customer.get("unsubscribed"))
    record["cio_subscription_preferences"] = preferences
    record["segments"] = membership.get(cio_id, [])
    record["devices"] = list(customer.get("devices") or [])
    record["attributes"] = dict(sorted(attributes.items()))
    return record
