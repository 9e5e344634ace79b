"""The Actimo sandbox: the REST API v1 (under `/api/v1`) over synthetic data.

Behaviour follows the platform notes (platforms/actimo.md). Actimo documents little, so most of
this is marked unconfirmed.

Documented behaviour reproduced:

- auth header `api-key` (seen in a third-party connector, unconfirmed officially);
- `GET /contacts` (`search=` and exact filters `employee_id=`, `email=`, `data1..data20=`),
  `GET /contacts/{id}`, `PUT /contacts/{id}`, all answering `{"data": [...]}`; `GET /groups`;
  `GET /project` (the key check the connector uses);
- 20 requests/s per key when `config.rate_limit` is set to it (`RATE_LIMIT`).

Unconfirmed, and how the sandbox fills the gap:

- paging: `page` (from 1) and `limit` (default 50, at most 500) with a Laravel-style
  `meta: {current_page, last_page, per_page, total}` and `links: {next}`; a client should follow
  `links.next` or `meta` when present and otherwise take the one page;
- error bodies: 401 `{"message": "Unauthenticated."}`, 404 `{"message": "Not found."}`, 422
  `{"message", "errors": {field: [..]}}`, 429 `{"message": "Too Many Attempts."}` with
  `Retry-After` and `X-RateLimit-Limit`/`X-RateLimit-Remaining` (Laravel's throttle headers);
- `GET /project` answers the workspaces (`{data: [{id, name, description, member_count}]}`);
  groups carry `member_ids`; contacts carry `updated_at`, `manager_id`, `engagement_role`,
  `active`, `workspace_id`, `location` (the scope page needs them, the API shows none);
- objects that leave Actimo through UI exports or the admin develop tab are listed, same paging,
  at `/messages`, `/message-analytics`, `/learning-paths`, `/learning-enrollments`, `/surveys`,
  `/survey-responses`, `/tasks`, `/group-posts`, `/attachments`, `/flows`, `/integrations`;
- `GET /contacts/fields` lists the custom field slots with their labels (the develop tab shows them).

Test helpers: `dataset(app)`; `edit(app, object, index, changes)` changes a record and stamps
`updated_at` with the data set's logical clock, as a contact update in Actimo would.
"""

from __future__ import annotations

import math
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
from migc.sandbox.synth import actimo as synthetic
from migc.sandbox.synth.dataset import Dataset
from migc.sandbox.synth.timeline import iso

PLATFORM = "actimo"
BASE_PATH = "/api/v1"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
RATE_LIMIT = RateLimitConfig(calls=20, per_seconds=1.0)
# Collections beyond contacts and groups: path -> synthetic object.
COLLECTIONS = {
    "messages": "Message",
    "message-analytics": "MessageAnalytics",
    "learning-paths": "LearningPath",
    "learning-enrollments": "LearningEnrollment",
    "surveys": "PulseSurvey",
    "survey-responses": "SurveyResponse",
    "tasks": "Task",
    "group-posts": "GroupPost",
    "attachments": "Attachment",
    "flows": "Flow",
    "integrations": "Integration",
}
CUSTOM_FIELD_LABELS = {"data1": "Cost centre", "data2": "Shift", "data3": "Hire date"}
# Fields a contact update may not change.
READ_ONLY = frozenset({"id", "created_at", "updated_at"})
CUSTOM_SLOTS = tuple(f"data{number}" for number in range(1, 21))
_FILTERS = ("employee_id", "email", *CUSTOM_SLOTS)


def message(status: int, text: str, errors: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {"message": text}
    if errors:
        body["errors"] = errors
    return json_response(body, status=status)


class ActimoProfile(PlatformProfile):
    platform = PLATFORM

    def authenticated(self, headers: Headers, query: QueryParams) -> bool:
        return headers.get("api-key") == self.token

    def unauthorized(self) -> Response:
        return message(401, "Unauthenticated.")

    def throttled(self, state: LimitState) -> Response:
        headers = {"Retry-After": str(max(1, math.ceil(state.reset_seconds or 1)))}
        if state.limit is not None:
            headers.update({"X-RateLimit-Limit": str(state.limit), "X-RateLimit-Remaining": "0"})
        return json_response({"message": "Too Many Attempts."}, status=429, headers=headers)

    def server_error(self, status: int) -> Response:
        return message(status, "Server Error")

    def limit_headers(self, state: LimitState) -> dict[str, str]:
        if state.limit is None or state.remaining is None:
            return {}
        return {"X-RateLimit-Limit": str(state.limit), "X-RateLimit-Remaining": str(state.remaining)}


class ActimoSandbox:
    def __init__(self, data: Dataset) -> None:
        self.data = data


    def _contact_index(self, raw: str) -> int | None:
        try:
            contact = int(raw)
        except ValueError:
            return None
        index = (contact - 1_000_000) // 3
        if index >= 0 and synthetic.contact_id(self.data.seed, index) == contact and self.data.get("User", index):
            return index
        return None

    def _memberships(self) -> tuple[dict[int, int], dict[str, list[int]]]:
        """(workspace id -> members, group name -> member contact ids)."""

        def build() -> tuple[dict[int, int], dict[str, list[int]]]:
            workspaces: dict[int, int] = {}
            groups: dict[str, list[int]] = {}
            seed = self.data.seed
            for index in range(self.data.count("User")):
                if self.data.is_synthetic("User", index):  # generated contacts cost no record
                    workspace = synthetic.workspace_id(synthetic.workspace_index(seed, index))
                    names = [synthetic.group_name(group) for group in synthetic.group_indices(seed, index)]
                    contact_id = synthetic.contact_id(seed, index)
                else:
                    contact = self.data.get("User", index)
                    if contact is None:
                        continue
                    workspace, names, contact_id = contact["workspace_id"], contact.get("tags") or [], contact["id"]
                workspaces[workspace] = workspaces.get(workspace, 0) + 1
                for name in names:
                    groups.setdefault(name, []).append(contact_id)
            return workspaces, groups

        return self.data.derived("memberships", build)

    # -- handlers ---------------------------------------------------------------------------

    async def contacts(self, request: Request) -> Response:
        query = request.query_params
        search = (query.get("search") or "").strip().lower()
        exact = {name: query[name] for name in _FILTERS if name in query}
        if not search and not exact:
            return self._page(request, object_name="User")

        def rows() -> Iterator[dict[str, Any]]:
            for _, contact in self.data.records("User"):
                if search and not any(search in str(contact.get(field) or "").lower()
                                      for field in ("name", "email", "employee_id", "msisdn")):
                    continue
                if any(str(contact.get(name)) != value for name, value in exact.items()):
                    continue
                yield contact

        return self._page(request, rows)

    async def contact(self, request: Request) -> Response:
        index = self._contact_index(request.path_params["contact"])
        if index is None:
            return message(404, "Not found.")
        return json_response({"data": [self.data.get("User", index)]})

    async def update_contact(self, request: Request) -> Response:
        index = self._contact_index(request.path_params["contact"])
        if index is None:
            return message(404, "Not found.")
        try:
            body = await read_json(request)
        except InvalidBody as problem:
            return message(400, f"Invalid request body: {problem}")
        if not isinstance(body, dict):
            return message(422, "The given data was invalid.", {"body": ["must be an object"]})
        current = self.data.get("User", index) or {}
        settable = (set(current) | set(CUSTOM_SLOTS)) - READ_ONLY
        unknown = sorted(name for name in body if name not in settable)
        if unknown:
            return message(422, "The given data was invalid.", {name: ["cannot be set"] for name in unknown})
        if "email" in body and body["email"] is not None and "@" not in str(body["email"]):
            return message(422, "The given data was invalid.", {"email": ["must be a valid email address"]})
        return json_response({"data": [edit_dataset(self.data, "User", index, body)]})

    async def groups(self, request: Request) -> Response:
        _, members = self._memberships()

        def rows() -> Iterator[dict[str, Any]]:
            for _, group in self.data.records("Group"):
                yield {**group, "member_ids": members.get(group["name"], [])}

        return self._page(request, rows)

    async def project(self, request: Request) -> Response:
        counts, _ = self._memberships()

        def rows() -> Iterator[dict[str, Any]]:
            for _, workspace in self.data.records("Workspace"):
                yield {key: workspace[key] for key in ("id", "name", "description")} | {
                    "member_count": counts.get(workspace["id"], 0)}

        return self._page(request, rows)

    async def contact_fields(self, request: Request) -> Response:
        fields = [{"key": slot, "label": CUSTOM_FIELD_LABELS.get(slot), "type": "text"} for slot in CUSTOM_SLOTS]
        return json_response({"data": fields})

    async def collection(self, request: Request) -> Response:
        object_name = COLLECTIONS.get(request.path_params["collection"])
        if object_name is None:
            return message(404, "Not found.")
        return self._page(request, object_name=object_name)

    def _page(self, request: Request, rows: Callable[[], Iterator[dict[str, Any]]] | None = None, *,
              object_name: str | None = None) -> Response:
        """One page of `rows` (filtered: counted by scanning) or of a whole object (sliced by
        index, so any page of a large object costs only its own records)."""
        query = request.query_params
        try:
            page = int(query.get("page", "1"))
            limit = int(query.get("limit", str(DEFAULT_LIMIT)))
        except ValueError:
            return message(422, "The given data was invalid.", {"page": ["must be an integer"]})
        if page < 1 or not 1 <= limit <= MAX_LIMIT:
            return message(422, "The given data was invalid.",
                           {"limit": [f"must be between 1 and {MAX_LIMIT}"]} if page >= 1 else {"page": ["must be at least 1"]})
        first = (page - 1) * limit
        selected: list[dict[str, Any]] = []
        if object_name is not None:
            slots = self.data.count(object_name)
            total = slots - self.data.deleted_count(object_name)
            for index in range(first, min(first + limit, slots)):
                row = self.data.get(object_name, index)
                if row is not None:
                    selected.append(row)
            last_page = max(1, math.ceil(slots / limit))
        else:
            total = 0
            for row in rows() if rows is not None else ():
                if first <= total < first + limit:
                    selected.append(row)
                total += 1
            last_page = max(1, math.ceil(total / limit))
        next_link = str(request.url.include_query_params(page=page + 1, limit=limit)) if page < last_page else None
        return json_response({
            "data": selected,
            "links": {"next": next_link},
            "meta": {"current_page": page, "last_page": last_page, "per_page": limit, "total": total},
        })

    def routes(self) -> list[Route]:
        return [
            Route(f"{BASE_PATH}/contacts", self.contacts, methods=["GET"]),
            Route(f"{BASE_PATH}/contacts/fields", self.contact_fields, methods=["GET"]),
            Route(f"{BASE_PATH}/contacts/{{contact}}", self.contact, methods=["GET"]),
            Route(f"{BASE_PATH}/contacts/{{contact}}", self.update_contact, methods=["PUT"]),
            Route(f"{BASE_PATH}/groups", self.groups, methods=["GET"]),
            Route(f"{BASE_PATH}/project", self.project, methods=["GET"]),
            Route(f"{BASE_PATH}/{{collection}}", self.collection, methods=["GET"]),
        ]


def create_app(config: SandboxConfig, store: Store | None = None) -> Starlette:
    """The Actimo sandbox app (see the module docstring); `config.records` is the employee count."""
    store = store if store is not None else Store()
    data = Dataset(PLATFORM, seed=config.seed, users=config.records, store=store)
    store.mark_baseline()
    app = build_app(ActimoProfile(config), ActimoSandbox(data).routes(), config, store)
    app.state.dataset = data
    return app


def dataset(app: Starlette) -> Dataset:
    return app.state.dataset


# Objects whose records carry `updated_at`.
_STAMPED = frozenset({"User", "Message", "LearningPath", "LearningEnrollment", "Task"})


def edit_dataset(data: Dataset, object_name: str, index: int, changes: dict[str, Any]) -> dict[str, Any]:
    updated, when = data.modify(object_name, index, changes)
    if object_name in _STAMPED:
        updated["updated_at"] = iso(int(when.timestamp()))
        data.replace(object_name, index, updated)
    return updated


def edit(app: Starlette, object_name: str, index: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a record as Actimo would (stamping `updated_at` where the object has one)."""
    return edit_dataset(dataset(app), object_name, index, changes)
