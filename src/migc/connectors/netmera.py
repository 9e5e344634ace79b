"""The Netmera source connector (REST API v3.0), per the platform notes (platforms/netmera.md).

Netmera has no "list all users": users leave it through the members of a frozen segment that
covers the whole population (option `segment`, an id or a name, default "All Users"), then one
`getProfileAttributes` and one `getCategoryPreferences` per member, fetched concurrently within
the rate budget. Every segment's members are read first, so each user carries the names of its
segments. Profiles are flattened into the catalog's fields: standard attribute codes (from
`/app/profile-attributes`) and the custom codes named in option `promote` (default
`company,companyDomain,owner`) at the top level, every other custom attribute under `profile`.

Objects and how they are read:

- User, Device: frozen segment members; devices by `getDevices?extId=` per member (the paged
  `getDeviceTokens` carries no extId);
- Segment: `getSegments` (rules are not exposed); ProfileAttribute: `/app/profile-attributes`;
- Campaign: `getPushStats?start=&end=` (epoch ms) joined with the campaign export rows (name,
  channel, audience, text) when the export is available;
- PushResult: `getPushResult?notificationKey=&start=&end=` per campaign, following `nextPage`;
- Event, Tag, Journey, Widget, Survey (with its responses): the panel/FTP export rows, served
  by the sandbox at `/export/<kind>` (unconfirmed: the real files' layout is unknown).

`since`: Netmera records no modification time for users, devices, segments, tags, journeys,
widgets or surveys, so those are read whole and the runtime compares checksums (the catalog's
no-delta). Events are filtered by the export's start time, push results and campaigns by their
time window. Segment member lists are paged with `max`/`offset` and followed through `nextPage`
when the server offers it (unconfirmed; without it a segment comes back whole).

Budget default: 5 requests/s, concurrency 5 — Netmera publishes no limit, so this is a
conservative, configurable guess (the catalog's number). Errors `{"code", "error"}` become
`RequestFailed` with the Netmera code; 403 codes 2010/2021/2022 become `AuthenticationFailed`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx

from migc.connectors.base import AuthenticationFailed, ConnectionSettings, ConnectorError, RequestFailed
from migc.connectors.http import HttpClient, HttpConnector, json_or_none
from migc.connectors.ratelimit import RateBudget

PLATFORM = "netmera"
DEFAULT_BASE_URL = "https://restapi.netmera.com/rest/3.0"
DEFAULT_BUDGET = RateBudget(calls=5, per_seconds=1.0, concurrency=5)
MAX_PAGE = 1000
DEFAULT_SEGMENT = "All Users"
DEFAULT_PROMOTED = ("company", "companyDomain", "owner")
AUTH_CODES = frozenset({2010, 2021, 2022})
OBJECTS = ("Campaign", "Device", "Event", "Journey", "ProfileAttribute", "PushResult", "Segment", "Survey",
           "Tag", "User", "Widget")
_EXPORT_KINDS = {"Event": "events", "Tag": "tags", "Journey": "journeys", "Widget": "widgets"}


class NetmeraConnector(HttpConnector):
    """Source connector for one Netmera app (see the module docstring)."""

    platform = PLATFORM

    def __init__(self, settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        token = settings.token
        operating_system = settings.options.get("os", "IOS")
        super().__init__(
            HttpClient.from_settings(
                settings,
                base_url=settings.base_url or DEFAULT_BASE_URL,
                auth=lambda: {"X-netmera-api-key": token.reveal(), "X-netmera-os": operating_system},
                budget=settings.budget or DEFAULT_BUDGET,
                transport=transport,
            )
        )
        self._segment_option = settings.options.get("segment", DEFAULT_SEGMENT)
        promoted = settings.options.get("promote")
        self._promoted = tuple(name.strip() for name in promoted.split(",")) if promoted else DEFAULT_PROMOTED
        self._definitions: dict[str, Any] | None = None
        self._base_path = httpx.URL(settings.base_url or DEFAULT_BASE_URL).path.rstrip("/")

    async def objects(self) -> list[str]:
        return sorted(OBJECTS)

    async def count(self, object: str) -> int | None:
        _check_object(object)
        if object == "Segment":
            return len(await self._segments())
        if object in ("User", "Device"):
            return int((await self._frozen_segment())["userCount"])
        return None

    async def metadata(self) -> dict[str, Any]:
        definitions = await self._attribute_definitions()
        events = await self._get("/app/events")
        return {
            "platform": PLATFORM,
            "profile_attributes": definitions,
            "event_definitions": sorted((events or {}).get("list", []), key=lambda row: str(row.get("code"))),
        }

    def read(self, object: str, *, since: datetime | None = None, page_size: int | None = None) -> AsyncIterator[dict[str, Any]]:
        _check_object(object)
        size = max(1, min(page_size or MAX_PAGE, MAX_PAGE))
        since_ms = int(since.timestamp() * 1000) if since is not None else None
        readers = {
            "User": lambda: self._users(size),
            "Device": lambda: self._devices(size),
            "Segment": self._segment_rows,
            "ProfileAttribute": self._attribute_rows,
            "Campaign": lambda: self._campaigns(since_ms),
            "PushResult": lambda: self._push_results(since_ms, size),
            "Event": lambda: self._export("events", size, {"start": since_ms} if since_ms is not None else {}),
            "Survey": lambda: self._surveys(size),
        }
        reader = readers.get(object)
        if reader is None:
            return self._export(_EXPORT_KINDS[object], size, {})
        return reader()

    # -- requests --------------------------------------------------------------------------------

    async def _get(self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False) -> Any:
        response = await self.http.request("GET", path, params=params)
        if response.status_code == 404 and missing_ok:
            return None
        return _checked(response, path)

    async def _pages(self, path: str, params: dict[str, Any], key: str) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a `nextPage`-linked listing; rows are under `key`."""
        body = await self._get(path, params)
        while True:
            yield list(body.get(key) or [])
            next_page = body.get("nextPage")
            if not next_page:
                return
            body = await self._get(self._follow(str(next_page)))

    def _follow(self, next_page: str) -> str:
        """A `nextPage` link as a request path: absolute links as they are; a server-relative
        one loses the base path the client adds again."""
        if "://" not in next_page and self._base_path and next_page.startswith(self._base_path + "/"):
            return next_page[len(self._base_path):]
        return next_page

    # -- users and devices ---------------------------------------------------------------------------

    async def _segments(self) -> list[dict[str, Any]]:
        body = await self._get("/getSegments")
        return list(body.get("list") or [])

    async def _frozen_segment(self) -> dict[str, Any]:
        wanted = self._segment_option
        segments = await self._segments()
        for segment in segments:
            if str(segment.get("id")) == wanted or segment.get("name") == wanted:
                return segment
        names = ", ".join(repr(segment.get("name")) for segment in segments[:10])
        raise ConnectorError(f"netmera: no segment {wanted!r} to read users from (option `segment`); segments: {names}")

    async def _members(self, segment_id: Any, size: int) -> AsyncIterator[list[dict[str, Any]]]:
        seen: set[str] = set()
        async for page in self._pages("/getSegmentUsers", {"id": segment_id, "max": size, "offset": 0}, "list"):
            fresh = []
            for member in page:
                external_id = str(member.get("externalId"))
                if external_id not in seen:  # a segment that changes while read may repeat members
                    seen.add(external_id)
                    fresh.append(member)
            yield fresh

    async def _membership(self, segments: list[dict[str, Any]], frozen: dict[str, Any], size: int) -> dict[str, list[str]]:
        """extId -> names of its segments other than the frozen one, in getSegments order."""
        names: dict[str, list[str]] = {}
        for segment in segments:
            if segment["id"] == frozen["id"]:
                continue  # everyone read is in it; its members are read once, below
            async for page in self._members(segment["id"], size):
                for member in page:
                    names.setdefault(str(member["externalId"]), []).append(str(segment["name"]))
        return names

    async def _users(self, size: int) -> AsyncIterator[dict[str, Any]]:
        definitions = await self._attribute_definitions()
        standard = {row["code"] for row in definitions["standard"]}
        frozen = await self._frozen_segment()
        segments = await self._segments()
        membership = await self._membership(segments, frozen, size)
        order = {str(segment["name"]): position for position, segment in enumerate(segments)}
        async for page in self._members(frozen["id"], size):
            found = await asyncio.gather(*(self._user(str(member["externalId"])) for member in page))
            for external_id, profile, preferences in found:
                if profile is None:
                    continue  # deleted since the member list was read
                names = sorted([str(frozen["name"]), *membership.get(external_id, [])], key=order.__getitem__)
                yield self._user_record(external_id, profile, preferences, names, standard)

    async def _user(self, external_id: str) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
        profile, preferences = await asyncio.gather(
            self._get_user("/getProfileAttributes", {"extId": external_id}),
            self._get_user("/getCategoryPreferences", {"externalId": external_id}),
        )
        if profile is None:
            return external_id, None, {}
        return external_id, profile.get("profile") or {}, (preferences or {}).get("categoryPreferences") or {}

    async def _get_user(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        response = await self.http.request("GET", path, params=params)
        body = json_or_none(response)
        if response.status_code == 400 and isinstance(body, dict) and body.get("code") == 5016:
            return None
        return _checked(response, path)

    def _user_record(self, external_id: str, profile: dict[str, Any], preferences: dict[str, Any],
                     segments: list[str], standard: set[str]) -> dict[str, Any]:
        record: dict[str, Any] = {"extId": external_id}
        custom: dict[str, Any] = {}
        for code, value in profile.items():
            if code in standard or code in self._promoted or code in ("tags", "wpNumbers"):
                record[code] = value
            else:
                custom[code] = value
        record["segments"] = segments
        record["categoryPreferences"] = preferences
        record["profile"] = custom
        return record

    async def _devices(self, size: int) -> AsyncIterator[dict[str, Any]]:
        frozen = await self._frozen_segment()
        async for page in self._members(frozen["id"], size):
            answers = await asyncio.gather(
                *(self._get_user("/getDevices", {"extId": str(member["externalId"])}) for member in page)
            )
            for answer in answers:
                for device in (answer or {}).get("devices") or []:
                    yield {"extId": answer["extId"], **device}

    # -- definitions and segments ---------------------------------------------------------------------

    async def _attribute_definitions(self) -> dict[str, list[dict[str, Any]]]:
        if self._definitions is None:
            body = await self._get("/app/profile-attributes")
            self._definitions = {
                "standard": sorted(body.get("standardProfileAttributes") or [], key=lambda row: str(row.get("code"))),
                "custom": sorted(body.get("customProfileAttributes") or [], key=lambda row: str(row.get("code"))),
            }
        return self._definitions

    async def _attribute_rows(self) -> AsyncIterator[dict[str, Any]]:
        definitions = await self._attribute_definitions()
        for kind in ("standard", "custom"):
            for row in definitions[kind]:
                yield {"code": row.get("code"), "name": row.get("name"), "dataType": row.get("dataType"),
                       "standard": kind == "standard", "isArray": bool(row.get("isArray", False))}

    async def _segment_rows(self) -> AsyncIterator[dict[str, Any]]:
        for segment in await self._segments():
            yield {"id": segment.get("id"), "name": segment.get("name"), "userCount": segment.get("userCount"),
                   "type": segment.get("type")}

    # -- campaigns and push results -------------------------------------------------------------------

    async def _push_stats(self, since_ms: int | None) -> list[dict[str, Any]]:
        window = {"start": since_ms or 0, "end": int(time.time() * 1000)}
        body = await self._get("/getPushStats", window)
        return list(body if isinstance(body, list) else (body or {}).get("list") or [])

    async def _campaigns(self, since_ms: int | None) -> AsyncIterator[dict[str, Any]]:
        details: dict[Any, dict[str, Any]] = {}
        try:
            async for row in self._export("campaigns", MAX_PAGE, {}):
                details[row.get("notificationKey")] = row
        except _ExportUnavailable:
            pass  # push stats alone: name, channel and audience come only from a panel export
        for stats in await self._push_stats(since_ms):
            yield {**details.get(stats.get("notificationKey"), {}), **stats}

    async def _push_results(self, since_ms: int | None, size: int) -> AsyncIterator[dict[str, Any]]:
        now = int(time.time() * 1000)
        for stats in await self._push_stats(None):
            start = int(stats.get("startDate") or 0)
            end = int(stats.get("endDate") or now) + 3_600_000  # late receipts
            if since_ms is not None:
                if end < since_ms:
                    continue
                start = max(start, since_ms)
            params = {"notificationKey": stats["notificationKey"], "start": start, "end": end, "max": size}
            async for page in self._pages("/getPushResult", params, "list"):
                for result in page:
                    yield result

    # -- exports --------------------------------------------------------------------------------------

    async def _export(self, kind: str, size: int, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        path = f"/export/{kind}"
        response = await self.http.request("GET", path, params={**params, "max": size})
        if response.status_code == 404:
            raise _ExportUnavailable(f"netmera: no export of {kind} is available through the API; use the panel or FTP export")
        body = _checked(response, path)
        while True:
            for row in body.get("list") or []:
                yield row
            next_page = body.get("nextPage")
            if not next_page:
                return
            body = await self._get(self._follow(str(next_page)))

    async def _surveys(self, size: int) -> AsyncIterator[dict[str, Any]]:
        responses: dict[Any, list[dict[str, Any]]] = {}
        async for row in self._export("survey-responses", size, {}):
            responses.setdefault(row.get("surveyId"), []).append(
                {"extId": row.get("extId"), "answers": row.get("answers"), "submittedAt": row.get("submittedAt")}
            )
        async for survey in self._export("surveys", size, {}):
            yield {**survey, "responses": responses.get(survey.get("id"), [])}


class _ExportUnavailable(ConnectorError):
    """The data exists only in panel or FTP exports, not behind this API."""


def connect(settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> NetmeraConnector:
    return NetmeraConnector(settings, transport=transport)


def _check_object(object: str) -> None:
    if object not in OBJECTS:
        raise ConnectorError(f"netmera has no readable object {object!r}; objects: {', '.join(OBJECTS)}")


def _checked(response: httpx.Response, path: str) -> Any:
    """The decoded body of a successful answer; Netmera's error shapes become ConnectorErrors."""
    where = f"netmera GET {path.split('?', 1)[0]}"
    body = json_or_none(response)
    if response.status_code < 300:
        return body if body is not None else {}
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("error") if isinstance(body, dict) else None
    if message is None and isinstance(body, dict):
        message = body.get("detail") or body.get("title")  # RFC 9457 problem body
    detail = f"{where}: HTTP {response.status_code}" + (f" code {code}" if code is not None else "") + (f": {message}" if message else "")
    if response.status_code in (401, 403) and (code is None or code in AUTH_CODES):
        raise AuthenticationFailed(f"{detail} (check the REST API key and its IP whitelist)")
    raise RequestFailed(detail, status=response.status_code, code=str(code) if code is not None else None)
