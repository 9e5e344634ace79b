"""The Actimo source connector (REST API v1), per the platform notes (platforms/actimo.md).

Auth is the header `api-key` (seen in a third-party connector; Actimo's own articles do not name
it). Every listing answers `{"data": [...]}`. Actimo documents no paging, so the connector pages
defensively: it asks for `page`/`limit` and follows `links.next`, else `meta.current_page` <
`meta.last_page`, else takes the single answer whole. Records are yielded as the API gives them
(the catalog's field names).

Objects and where they are read (all but User, Group and Workspace are unconfirmed paths the
admin develop tab would confirm per customer; the sandbox serves them):

- User: `/contacts`; Group: `/groups`; Workspace: `/project`;
- Message, MessageAnalytics, LearningPath, LearningEnrollment, PulseSurvey, SurveyResponse,
  Task, GroupPost, Attachment, Flow, Integration: `/messages`, `/message-analytics`,
  `/learning-paths`, `/learning-enrollments`, `/surveys`, `/survey-responses`, `/tasks`,
  `/group-posts`, `/attachments`, `/flows`, `/integrations`.

`since`: no endpoint filters by time, so the filter is client-side on each object's
modification field (User, Message, LearningPath, LearningEnrollment, Task: `updated_at`;
GroupPost: `created_at`; SurveyResponse: `submitted_at`); objects without one are read whole
(the runtime compares checksums). Records without a parseable time are kept, never dropped.

Budget default: 20 requests/s (a helpdesk article; 429 behaviour undocumented). Errors: 401/403
become `AuthenticationFailed`; other non-2xx become `RequestFailed` with the body's `message`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx

from migc.connectors.base import AuthenticationFailed, ConnectionSettings, ConnectorError, RequestFailed
from migc.connectors.http import HttpClient, HttpConnector, json_or_none
from migc.connectors.ratelimit import RateBudget

PLATFORM = "actimo"
DEFAULT_BASE_URL = "https://a.actimo.com/api/v1"
DEFAULT_BUDGET = RateBudget(calls=20, per_seconds=1.0, concurrency=4)
DEFAULT_PAGE = 200
PATHS = {
    "User": "/contacts",
    "Group": "/groups",
    "Workspace": "/project",
    "Message": "/messages",
    "MessageAnalytics": "/message-analytics",
    "LearningPath": "/learning-paths",
    "LearningEnrollment": "/learning-enrollments",
    "PulseSurvey": "/surveys",
    "SurveyResponse": "/survey-responses",
    "Task": "/tasks",
    "GroupPost": "/group-posts",
    "Attachment": "/attachments",
    "Flow": "/flows",
    "Integration": "/integrations",
}
MODIFIED_FIELDS = {
    "User": "updated_at",
    "Message": "updated_at",
    "LearningPath": "updated_at",
    "LearningEnrollment": "updated_at",
    "Task": "updated_at",
    "GroupPost": "created_at",
    "SurveyResponse": "submitted_at",
}


class ActimoConnector(HttpConnector):
    """Source connector for one Actimo account (see the module docstring)."""

    platform = PLATFORM

    def __init__(self, settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        token = settings.token
        super().__init__(
            HttpClient.from_settings(
                settings,
                base_url=settings.base_url or DEFAULT_BASE_URL,
                auth=lambda: {"api-key": token.reveal()},
                budget=settings.budget or DEFAULT_BUDGET,
                transport=transport,
            )
        )

    async def objects(self) -> list[str]:
        return sorted(PATHS)

    async def count(self, object: str) -> int | None:
        body = await self._get(_path(object), {"page": 1, "limit": 1})
        meta = body.get("meta") if isinstance(body, dict) else None
        total = meta.get("total") if isinstance(meta, dict) else None
        return int(total) if isinstance(total, int) else None

    async def metadata(self) -> dict[str, Any]:
        body = await self._get("/contacts/fields", None)
        fields = sorted((body or {}).get("data") or [], key=lambda field: _slot_number(str(field.get("key"))))
        return {"platform": PLATFORM, "custom_fields": fields}

    async def read(self, object: str, *, since: datetime | None = None, page_size: int | None = None) -> AsyncIterator[dict[str, Any]]:
        path = _path(object)
        field = MODIFIED_FIELDS.get(object) if since is not None else None
        limit = max(1, page_size or DEFAULT_PAGE)
        page = 1
        seen_pages: set[str] = set()
        url: str | None = path
        params: dict[str, Any] | None = {"page": page, "limit": limit}
        while url is not None:
            body = await self._get(url, params)
            rows = body.get("data") if isinstance(body, dict) else body
            if not isinstance(rows, list):
                raise RequestFailed(f"actimo GET {path}: the answer has no `data` list", status=200)
            for row in rows:
                if field is None or _modified_since(row.get(field), since):
                    yield row
            url, params = self._next(body, path, page, limit, seen_pages)
            page += 1

    def _next(self, body: Any, path: str, page: int, limit: int, seen: set[str]) -> tuple[str | None, dict[str, Any] | None]:
        """Where the next page is, from whatever paging hints the answer carries."""
        if not isinstance(body, dict):
            return None, None
        links = body.get("links")
        next_link = links.get("next") if isinstance(links, dict) else body.get("next")
        if isinstance(next_link, str) and next_link:
            if next_link in seen:
                raise ConnectorError(f"actimo GET {path}: the server sent the same next page twice; stopping")
            seen.add(next_link)
            return next_link, None
        meta = body.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("last_page"), int):
            current = meta.get("current_page", page)
            if isinstance(current, int) and current < meta["last_page"]:
                return path, {"page": current + 1, "limit": limit}
        return None, None

    async def _get(self, path: str, params: dict[str, Any] | None) -> Any:
        response = await self.http.request("GET", path, params=params)
        body = json_or_none(response)
        if response.status_code < 300:
            return body if body is not None else {}
        text = body.get("message") if isinstance(body, dict) else None
        detail = f"actimo GET {path.split('?', 1)[0]}: HTTP {response.status_code}" + (f": {text}" if text else "")
        if response.status_code in (401, 403):
            raise AuthenticationFailed(f"{detail} (check the api-key issued by Actimo support)")
        raise RequestFailed(detail, status=response.status_code)


def connect(settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> ActimoConnector:
    return ActimoConnector(settings, transport=transport)


def _path(object: str) -> str:
    try:
        return PATHS[object]
    except KeyError:
        raise ConnectorError(f"actimo has no readable object {object!r}; objects: {', '.join(sorted(PATHS))}") from None


def _slot_number(key: str) -> int:
    return int(key[4:]) if key.startswith("data") and key[4:].isdigit() else 0


def _modified_since(value: Any, since: datetime | None) -> bool:
    """Whether a record stamped `value` changed at or after `since`; unknown times count as changed."""
    if since is None or not isinstance(value, str) or not value:
        return True
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return True
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    return stamp >= moment
