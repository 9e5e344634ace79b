"""The Netmera sandbox: the REST API v3.0 read endpoints (and profile writes) over synthetic data.

Paths are under `/rest/3.0`; behaviour follows the platform notes (platforms/netmera.md).

Documented behaviour reproduced:

- auth header `X-netmera-api-key`, else 403 `{"code": 2010, "error": "Invalid API key"}`;
  segment endpoints also need `X-netmera-os: IOS|ANDROID`, else 400 code 2020;
- `GET /app/profile-attributes` (standard + custom definitions), `GET /getSegments`
  (`{list: [{id, name, userCount, type}]}`), `GET /getSegmentUsers?id=` (`{name, list:
  [{externalId, msisdn, email}]}`, unknown id 400 code 5042), `GET /getProfileAttributes?extId=`
  (`{extId, profile}`, unknown user 400 code 5016), `GET /getCategoryPreferences?externalId=`,
  `GET /getDevices?extId=` (`{extId, devices}`), `GET /getDeviceTokens?max=&offset=`
  (`{nextPage, total, devices}`, max defaults to 10), `GET /getPushStats?notificationKey=` or
  `?start=&end=` (epoch ms), `GET /getPushResult?...&max=&offset=` (opaque offset token, last two
  weeks by default), `POST /setProfileAttributes` (`[{extId, profile}]`, at most 1,000 users);
- app errors `{"code": <int>, "error": "..."}`, unknown routes an RFC 9457 problem body.

Unconfirmed, and why it is served this way:

- paging of `getSegmentUsers` (`max`/`offset` + `nextPage`, as getDeviceTokens does): the docs
  show none; without `max` the whole segment is returned, as documented;
- `profile.tags` in getProfileAttributes: the API only adds/removes tags, a user's tags come
  from a panel export;
- `osVersion`, `appVersion`, `installationId` on devices: the scope pages migrate them, the
  REF SPEC device shape lacks them;
- `GET /getPushStats?start=&end=` answers a JSON array of stats objects;
- `GET /export/<object>?max=&offset=[&start=&end=]` (`{nextPage, total, list}`) for what leaves
  Netmera only through panel or FTP exports: `events` (start/end filter on the timestamp, epoch
  ms), `tags` (`{name, extIds}`), `campaigns` (name, channel, audience, text), `journeys`,
  `widgets`, `surveys`, `survey-responses`. The real files' layout is unknown; these rows use the
  catalog's field names so an export reader can be tested against them;
- rate limiting: Netmera publishes no limit or 429 shape; over `config.rate_limit` the sandbox
  answers 429 `{"code": 5022, "error": "Service quota exceeded"}` with `Retry-After`.

Test helpers: `dataset(app)` is the served `Dataset`; `edit_user(app, index, changes)` changes a
profile (Netmera records no modification time, so nothing else moves).
"""

from __future__ import annotations

import base64
import binascii
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
    SandboxConfig,
    build_app,
    json_response,
    note_batch,
    read_json,
)
from migc.sandbox.store import Store
from migc.sandbox.synth import netmera as synthetic
from migc.sandbox.synth.dataset import Dataset
from migc.sandbox.synth.hardcases import REFERENCE_EPOCH
from migc.sandbox.synth.timeline import iso

PLATFORM = "netmera"
BASE_PATH = "/rest/3.0"
DEFAULT_PAGE = 10
MAX_PAGE = 1000  # "at most 1000 unique extIds or device tokens per request"
PUSH_RESULT_WINDOW_MS = 14 * 86400 * 1000
OS_VALUES = ("IOS", "ANDROID")


def error(status: int, code: int, message: str) -> Response:
    return json_response({"code": code, "error": message}, status=status)


class _BadRequest(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NetmeraProfile(PlatformProfile):
    platform = PLATFORM

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        return headers.get("x-netmera-api-key") == self.token

    def unauthorized(self) -> Response:
        return error(403, 2010, "Invalid API key")

    def throttled(self, state: LimitState) -> Response:
        wait = max(1, round(state.reset_seconds or 1))
        return json_response({"code": 5022, "error": "Service quota exceeded"}, status=429,
                             headers={"Retry-After": str(wait)})

    def server_error(self, status: int) -> Response:
        return error(status, 2001, "Internal server error")


class NetmeraSandbox:
    """Route handlers over one `Dataset`; derived indexes are cached per data set version."""

    def __init__(self, data: Dataset) -> None:
        self.data = data

    # -- derived data -----------------------------------------------------------------------

    def _segment_indices(self, index: int) -> list[int] | None:
        """Segments of user `index` (None when it does not exist); generated users cost no record."""
        if self.data.is_synthetic("User", index):
            return [segment - synthetic.SEGMENT_ID_BASE for segment in synthetic.segment_ids(self.data.seed, index)]
        user = self.data.get("User", index)
        if user is None:
            return None
        names = set(user.get("segments") or ())
        return [number for number in range(self.data.count("Segment"))
                if number == 0 or synthetic.segment_name(number) in names]

    def _members(self) -> dict[int, list[int]]:
        """segment index -> user indices (ascending)."""

        def build() -> dict[int, list[int]]:
            members: dict[int, list[int]] = {}
            for index in range(self.data.count("User")):
                for segment in self._segment_indices(index) or ():
                    members.setdefault(segment, []).append(index)
            return members

        return self.data.derived("members", build)

    def _taggings(self) -> dict[str, list[str]]:
        """tag name -> extIds (in user order)."""

        def build() -> dict[str, list[str]]:
            tagged: dict[str, list[str]] = {}
            for index in range(self.data.count("User")):
                if self.data.is_synthetic("User", index):
                    names, external_id = synthetic.tag_names(self.data.seed, index), synthetic.ext_id(self.data.seed, index)
                else:
                    user = self.data.get("User", index)
                    if user is None:
                        continue
                    names, external_id = user.get("tags") or [], user["extId"]
                for name in names:
                    tagged.setdefault(name, []).append(external_id)
            return tagged

        return self.data.derived("taggings", build)

    def _user(self, external_id: str | None) -> tuple[int, dict[str, Any]]:
        if not external_id:
            raise _BadRequest(2020, "Missing parameter: extId")
        index = synthetic.user_index(self.data.seed, external_id)
        if index is None:
            index = next((i for i in self.data.edited("User") if (self.data.get("User", i) or {}).get("extId") == external_id), None)
        user = self.data.get("User", index) if index is not None else None
        if user is None or index is None:
            raise _BadRequest(5016, f"User not found: {external_id}")
        return index, user

    # -- handlers ---------------------------------------------------------------------------

    async def profile_attributes(self, request: Request) -> Response:
        standard = [{"code": code, "name": code, "dataType": data_type}
                    for code, data_type in sorted(synthetic.STANDARD_ATTRIBUTES.items())]
        custom = [{"code": code, "name": code, "dataType": data_type, "isArray": is_array}
                  for code, (data_type, is_array) in sorted(synthetic.CUSTOM_ATTRIBUTES.items())]
        return json_response({"standardProfileAttributes": standard, "customProfileAttributes": custom})

    async def event_definitions(self, request: Request) -> Response:
        return json_response({"list": [{"code": name, "name": name.replace("_", " ").title()}
                                       for name in sorted(synthetic.EVENT_NAMES)]})

    async def segments(self, request: Request) -> Response:
        _require_os(request)
        members = self._members()
        rows = []
        for index in range(self.data.count("Segment")):
            segment = self.data.get("Segment", index)
            if segment is not None:
                rows.append({"id": segment["id"], "name": segment["name"],
                             "userCount": len(members.get(index, ())), "type": segment["type"]})
        return json_response({"list": rows})

    async def segment_users(self, request: Request) -> Response:
        _require_os(request)
        raw_id = request.query_params.get("id")
        if raw_id is None:
            raise _BadRequest(2020, "Missing parameter: id")
        index = _integer(raw_id, "id") - synthetic.SEGMENT_ID_BASE
        segment = self.data.get("Segment", index)
        if segment is None:
            raise _BadRequest(5042, f"Segment not found: {raw_id}")
        members = self._members().get(index, [])
        paged = "max" in request.query_params
        size = _page_size(request) if paged else len(members)
        start = _integer(request.query_params.get("offset", "0"), "offset")
        rows = []
        for user_index in members[start : start + size]:
            user = self.data.get("User", user_index)
            if user is not None:
                rows.append({"externalId": user["extId"], "msisdn": user.get("msisdn"), "email": user.get("email")})
        body: dict[str, Any] = {"name": segment["name"], "list": rows}
        if paged:
            more = start + size < len(members)
            body["nextPage"] = _next_page(request, {"id": raw_id, "max": size, "offset": start + size}) if more else None
        return json_response(body)

    async def profile(self, request: Request) -> Response:
        _, user = self._user(request.query_params.get("extId"))
        profile = {key: value for key, value in user.items()
                   if key not in ("extId", "segments", "categoryPreferences", "profile")}
        profile.update(user.get("profile") or {})
        return json_response({"extId": user["extId"], "profile": profile})

    async def category_preferences(self, request: Request) -> Response:
        _, user = self._user(request.query_params.get("externalId"))
        return json_response({"categoryPreferences": user.get("categoryPreferences") or {}})

    async def devices(self, request: Request) -> Response:
        index, user = self._user(request.query_params.get("extId"))
        device = self.data.get("Device", index)
        devices = [] if device is None else [_device_body(device)]
        wanted = request.query_params.get("pushPermitted")
        if wanted is not None:
            devices = [item for item in devices if str(item["pushPermitted"]).lower() == wanted.lower()]
        return json_response({"extId": user["extId"], "devices": devices})

    async def device_tokens(self, request: Request) -> Response:
        size = _page_size(request)
        start = _integer(request.query_params.get("offset", "0"), "offset")
        total = self.data.count("Device")
        rows = [_device_body(device) for _, device in _take(self.data.records("Device", start), size)]
        end = start + size
        return json_response({
            "nextPage": _next_page(request, {"max": size, "offset": end}) if end < total else None,
            "total": total,
            "devices": rows,
        })

    async def push_stats(self, request: Request) -> Response:
        query = request.query_params
        if "notificationKey" in query:
            index = _integer(query["notificationKey"], "notificationKey") - synthetic.NOTIFICATION_KEY_BASE
            sent = self.data.get("Campaign", index)
            if sent is None:
                raise _BadRequest(2004, f"Notification not found: {query['notificationKey']}")
            return json_response(_stats_body(sent))
        if "start" not in query or "end" not in query:
            raise _BadRequest(2020, "Missing parameter: notificationKey or start and end")
        start, end = _integer(query["start"], "start"), _integer(query["end"], "end")
        rows = [_stats_body(sent) for _, sent in self.data.records("Campaign") if start <= sent["startDate"] <= end]
        return json_response(rows)

    async def push_results(self, request: Request) -> Response:
        query = request.query_params
        size = _page_size(request)
        end = _integer(query["end"], "end") if "end" in query else (REFERENCE_EPOCH * 1000)
        start = _integer(query["start"], "start") if "start" in query else end - PUSH_RESULT_WINDOW_MS
        key = _integer(query["notificationKey"], "notificationKey") if "notificationKey" in query else None
        external_id, token = query.get("extId"), query.get("token")
        position = _decode_offset(query.get("offset"))
        rows: list[dict[str, Any]] = []
        next_position: int | None = None
        for index, result in self.data.records("PushResult", position):
            if len(rows) == size:
                next_position = index
                break
            if not start <= result["timeStamp"] <= end:
                continue
            if key is not None and result["notificationKey"] != key:
                continue
            if external_id is not None and result["extId"] != external_id:
                continue
            if token is not None and (self.data.get("Device", index // synthetic.PUSH_RESULTS_PER_USER) or {}).get("token") != token:
                continue
            rows.append(result)
        more = {**{name: value for name, value in query.items() if name not in ("offset", "max")},
                "max": size, "offset": _encode_offset(next_position or 0)}
        return json_response({"nextPage": _next_page(request, more) if next_position is not None else None,
                              "list": rows})

    async def set_profile_attributes(self, request: Request) -> Response:
        try:
            body = await read_json(request)
        except InvalidBody as problem:
            raise _BadRequest(2009, f"Invalid JSON: {problem}") from None
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            raise _BadRequest(2004, "Body should be an array of {extId, profile}")
        note_batch(request, len(body))
        if len(body) > MAX_PAGE:
            raise _BadRequest(2004, f"At most {MAX_PAGE} users per request")
        changes = []
        for item in body:
            if not isinstance(item.get("profile"), dict):
                raise _BadRequest(2004, "Field 'profile' should be an object")
            index, _ = self._user(item.get("extId"))
            changes.append((index, item["profile"]))
        for index, profile in changes:
            edit_user_profile(self.data, index, profile)
        return Response(b"", status_code=200)

    async def export(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        rows = _EXPORTS.get(kind)
        if rows is None:
            return _problem(request, 404)
        size = _page_size(request)
        # The offset is the position in the underlying records, so a filtered page (events in a
        # time window) resumes where the previous one stopped without rescanning.
        position = _integer(request.query_params.get("offset", "0"), "offset")
        page: list[dict[str, Any]] = []
        next_position: int | None = None
        for index, row in rows(self, request, position):
            if len(page) == size:
                next_position = index
                break
            page.append(row)
        query = {**dict(request.query_params), "max": size, "offset": next_position}
        return json_response({
            "nextPage": _next_page(request, query) if next_position is not None else None,
            "total": None,
            "list": page,
        })

    def _events(self, request: Request, position: int) -> Iterator[tuple[int, dict[str, Any]]]:
        query = request.query_params
        start = iso(_integer(query["start"], "start") // 1000) if "start" in query else None
        end = iso(_integer(query["end"], "end") // 1000) if "end" in query else None
        for index, event in self.data.records("Event", position):
            if (start is None or event["timestamp"] >= start) and (end is None or event["timestamp"] <= end):
                yield index, event

    def _tags(self, request: Request, position: int) -> Iterator[tuple[int, dict[str, Any]]]:
        tagged = self._taggings()
        for index, tag in self.data.records("Tag", position):
            yield index, {"name": tag["name"], "extIds": tagged.get(tag["name"], [])}

    def routes(self) -> list[Route]:
        def wrap(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
            async def endpoint(request: Request) -> Response:
                try:
                    return await handler(request)
                except _BadRequest as problem:
                    return error(400, problem.code, problem.message)

            return endpoint

        get = ["GET"]
        return [
            Route(f"{BASE_PATH}/app/profile-attributes", wrap(self.profile_attributes), methods=get),
            Route(f"{BASE_PATH}/app/events", wrap(self.event_definitions), methods=get),
            Route(f"{BASE_PATH}/getSegments", wrap(self.segments), methods=get),
            Route(f"{BASE_PATH}/getSegmentUsers", wrap(self.segment_users), methods=get),
            Route(f"{BASE_PATH}/getProfileAttributes", wrap(self.profile), methods=get),
            Route(f"{BASE_PATH}/getCategoryPreferences", wrap(self.category_preferences), methods=get),
            Route(f"{BASE_PATH}/getDevices", wrap(self.devices), methods=get),
            Route(f"{BASE_PATH}/getDeviceTokens", wrap(self.device_tokens), methods=get),
            Route(f"{BASE_PATH}/getPushStats", wrap(self.push_stats), methods=get),
            Route(f"{BASE_PATH}/getPushResult", wrap(self.push_results), methods=get),
            Route(f"{BASE_PATH}/setProfileAttributes", wrap(self.set_profile_attributes), methods=["POST"]),
            Route(f"{BASE_PATH}/export/{{kind}}", wrap(self.export), methods=get),
            Route("/{path:path}", _problem, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]


ExportRows = Callable[[NetmeraSandbox, Request, int], Iterator[tuple[int, dict[str, Any]]]]
_CAMPAIGN_EXPORT_FIELDS = ("notificationKey", "name", "channel", "segmentNames", "title", "text", "creative")


def _records_of(object_name: str) -> ExportRows:
    return lambda sandbox, request, position: sandbox.data.records(object_name, position)


def _campaign_rows(sandbox: NetmeraSandbox, request: Request, position: int) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, sent in sandbox.data.records("Campaign", position):
        yield index, {key: sent[key] for key in _CAMPAIGN_EXPORT_FIELDS}


_EXPORTS: dict[str, ExportRows] = {
    "events": NetmeraSandbox._events,
    "tags": NetmeraSandbox._tags,
    "campaigns": _campaign_rows,
    "journeys": _records_of("Journey"),
    "widgets": _records_of("Widget"),
    "surveys": _records_of("Survey"),
    "survey-responses": _records_of("SurveyResponse"),
}


def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette:
    """The Netmera sandbox app (see the module docstring); `config.records` is the user count."""
    store = store if store is not None else Store()
    data = Dataset(PLATFORM, seed=config.seed, users=config.records, store=store)
    store.mark_baseline()
    app = build_app(NetmeraProfile(config), NetmeraSandbox(data).routes(), config, store)
    app.state.dataset = data
    return app


def dataset(app: Starlette) -> Dataset:
    return app.state.dataset


def edit_user(app: Starlette, index: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change user `index` as a profile update would (`changes` in the catalog's field names)."""
    updated, _ = dataset(app).modify("User", index, changes)
    return updated


def edit_user_profile(data: Dataset, index: int, profile: dict[str, Any]) -> None:
    """Apply a setProfileAttributes `profile` (standard codes at the top, custom ones in `profile`)."""
    changes: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for code, value in profile.items():
        if code in synthetic.STANDARD_ATTRIBUTES or code in ("company", "companyDomain", "owner", "tags"):
            changes[code] = value
        else:
            custom[code] = value
    if custom:
        changes["profile"] = custom
    data.modify("User", index, changes)


# -- helpers --------------------------------------------------------------------------------------


def _require_os(request: Request) -> None:
    if request.headers.get("x-netmera-os", "").upper() not in OS_VALUES:
        raise _BadRequest(2020, "Missing parameter: X-netmera-os (IOS or ANDROID)")


def _integer(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise _BadRequest(2004, f"Field '{name}' should be a number") from None


def _page_size(request: Request) -> int:
    size = _integer(request.query_params.get("max", str(DEFAULT_PAGE)), "max")
    if not 1 <= size <= MAX_PAGE:
        raise _BadRequest(2004, f"Field 'max' should be between 1 and {MAX_PAGE}")
    return size


def _next_page(request: Request, query: dict[str, Any]) -> str:
    return str(request.url.replace_query_params(**{name: str(value) for name, value in query.items()}))


def _take(rows: Iterator[tuple[int, dict[str, Any]]], count: int) -> Iterator[tuple[int, dict[str, Any]]]:
    for taken, row in enumerate(rows):
        if taken >= count:
            return
        yield row


def _encode_offset(position: int) -> str:
    return base64.urlsafe_b64encode(f"pr:{position}".encode()).decode().rstrip("=")


def _decode_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "pr":
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise _BadRequest(2004, "Field 'offset' is not a valid page token") from None


def _device_body(device: dict[str, Any]) -> dict[str, Any]:
    return {key: device[key] for key in ("platform", "token", "deviceModel", "pushPermitted",
                                          "installationId", "osVersion", "appVersion")}


def _stats_body(sent: dict[str, Any]) -> dict[str, Any]:
    return {key: sent[key] for key in ("notificationKey", "status", "startDate", "endDate", "stats")}


async def _problem(request: Request, status: int = 404) -> Response:
    return json_response({"type": "about:blank", "title": "Not Found", "status": status,
                          "detail": f"No endpoint {request.method} {request.url.path}",
                          "instance": request.url.path}, status=status)
