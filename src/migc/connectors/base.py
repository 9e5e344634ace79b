"""The connector contract: settings, schema definitions, errors and the source/target protocols.

Every platform module `migc.connectors.<platform>` exposes

    def connect(settings: ConnectionSettings, *, transport: httpx.AsyncBaseTransport | None = None)

returning a `SourceConnector` (netmera, actimo, customerio) or a `TargetConnector` (zoho_crm,
freshsales, pipedrive). `transport` lets tests serve the platform's sandbox in-process
(`httpx.ASGITransport(app=...)`); without it the connector speaks HTTP to `settings.base_url`.
All requests go through `migc.connectors.http.HttpClient`, which applies the shared rate
limiter and retry policy. Connectors are async context managers; `aclose()` releases the
keep-alive connections.

Records cross this boundary as plain dicts in the platform's own field names (Zoho `Last_Name`,
Pipedrive `custom_fields: {<hash>: value}`, Freshsales `custom_field: {cf_x: value}`); the runtime
does the mapping. Errors a caller can act on are `ConnectorError` subclasses whose messages name
the platform, method and path, never a credential; per-record failures are `RecordResult`s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

import msgspec

from migc.connectors.ratelimit import RateBudget
from migc.connectors.results import RecordResult
from migc.connectors.retry import RetryPolicy, StatsSnapshot
from migc.connectors.secrets import Credentials, Secret

Operation = Literal["create", "update", "upsert", "delete"]

# Platform-neutral field types for schema calls; each target maps them to its own type names.
FieldType = Literal[
    "text",
    "textarea",
    "email",
    "phone",
    "url",
    "integer",
    "decimal",
    "currency",
    "boolean",
    "date",
    "datetime",
    "picklist",
    "multipicklist",
]


class ConnectionSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How to reach one platform account. `budget`/`retry` of None mean the platform's defaults."""

    platform: str
    base_url: str
    token: Secret
    extra: dict[str, Secret] = msgspec.field(default_factory=dict)
    options: dict[str, str] = msgspec.field(default_factory=dict)
    budget: RateBudget | None = None
    retry: RetryPolicy | None = None
    timeout_seconds: float = 30.0
    seed: int | None = None

    @classmethod
    def from_credentials(cls, credentials: Credentials, *, base_url: str, **overrides: Any) -> ConnectionSettings:
        """Settings for `credentials`; their own base_url (e.g. another data centre) wins."""
        return cls(
            platform=credentials.platform,
            base_url=credentials.base_url or base_url,
            token=credentials.token,
            extra=dict(credentials.extra),
            options=dict(credentials.options),
            **overrides,
        )


class FieldDefinition(msgspec.Struct, frozen=True, kw_only=True):
    """A custom field to create on a target object (`label` is what users see).

    With `lookup` (the API name of an object) the field is a lookup to that object's records
    and `type` is not used; targets that cannot create lookup fields raise `SchemaOperationFailed`."""

    label: str
    type: FieldType
    length: int | None = None
    required: bool = False
    unique: bool = False
    picklist: tuple[str, ...] = ()
    description: str | None = None
    lookup: str | None = None


class ModuleDefinition(msgspec.Struct, frozen=True, kw_only=True):
    """A custom object/module to create on a target (Zoho custom module, Freshsales custom module)."""

    singular_label: str
    plural_label: str
    api_name: str | None = None


class ConnectorError(Exception):
    """A failure the caller can act on; the message is safe to show and to log."""


class AuthenticationFailed(ConnectorError):
    """The platform refused the credentials (401/403)."""


class RequestFailed(ConnectorError):
    """A request-level error the platform reported (not a per-record outcome)."""

    def __init__(self, message: str, *, status: int, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RetriesExhausted(ConnectorError):
    """Every attempt failed with a retryable error; the request was not applied or is idempotent."""

    def __init__(self, message: str, *, reason: str, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class OutcomeUnknown(ConnectorError):
    """A non-idempotent write failed in a way that leaves open whether the server applied it."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class DailyLimitReached(ConnectorError):
    """The daily request budget (credits, tokens) is spent."""


class UnsupportedOperation(ConnectorError):
    """The platform has no API for this operation (e.g. custom modules in Pipedrive)."""


class SchemaOperationFailed(ConnectorError):
    """A schema call (create module/field, add picklist values) was refused."""


@runtime_checkable
class SourceConnector(Protocol):
    """Reads every record of a source platform, in the API's own pagination."""

    platform: str

    async def objects(self) -> list[str]:
        """The object names this connector can read, sorted."""
        ...

    def read(
        self, object: str, *, since: datetime | None = None, page_size: int | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Stream every record of `object`; with `since`, only those modified at or after it."""
        ...

    async def count(self, object: str) -> int | None:
        """The number of records, when the API can tell without reading them all."""
        ...

    async def metadata(self) -> dict[str, Any]:
        """Attribute / custom field definitions, for `migc specs pull`."""
        ...

    def stats(self) -> StatsSnapshot: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class TargetConnector(Protocol):
    """Writes records, tags, attachments and schema into a target CRM.

    Every write returns one `RecordResult` per input record, in input order. `batch_size`
    is how many records one API call carries (Zoho 100, Pipedrive and Freshsales 1). Callers
    may pass more: batch APIs get consecutive full calls, single-record APIs concurrent calls
    within the rate budget, so a caller wanting throughput passes many records at once.
    """

    platform: str

    def batch_size(self, object: str, op: Operation) -> int: ...

    async def create(self, object: str, records: Sequence[dict[str, Any]]) -> list[RecordResult]: ...

    async def upsert(
        self, object: str, records: Sequence[dict[str, Any]], key_fields: Sequence[str]
    ) -> list[RecordResult]:
        """Insert or update by key, never creating a duplicate of a record that matches the key."""
        ...

    async def update(self, object: str, records_with_id: Sequence[dict[str, Any]]) -> list[RecordResult]:
        """Each record carries its target id under the key `id`."""
        ...

    async def delete(self, object: str, ids: Sequence[str]) -> list[RecordResult]: ...

    async def get(self, object: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The records that exist among `ids`, in the order of `ids`."""
        ...

    async def search(self, object: str, field: str, value: str) -> list[dict[str, Any]]:
        """Records whose `field` equals `value` exactly."""
        ...

    def list(self, object: str) -> AsyncIterator[dict[str, Any]]: ...

    async def add_tags(self, object: str, record_id: str, tags: Sequence[str]) -> RecordResult: ...

    async def attach(self, object: str, record_id: str, filename: str, content: bytes) -> RecordResult: ...

    async def create_module(self, module: ModuleDefinition) -> str:
        """Create a custom object; returns its API name."""
        ...

    async def create_field(self, object: str, field: FieldDefinition) -> str:
        """Create a custom field; returns the key records use for it (api_name, cf_ name, hash)."""
        ...

    async def add_picklist_values(self, object: str, field: str, values: Sequence[str]) -> None: ...

    async def describe(self, object: str) -> dict[str, Any]:
        """Field metadata of `object` in a platform-neutral, sorted shape (see docs/connectors.md)."""
        ...

    def stats(self) -> StatsSnapshot: ...

    async def aclose(self) -> None: ...


def has_value(value: Any) -> bool:
    """Whether a field holds something a key can match on (not None, "" or [])."""
    return value is not None and value != "" and value != []


def chunked(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """`items` in consecutive slices of at most `size`."""
    if size < 1:
        raise ValueError("chunk size must be >= 1")
    return [items[start : start + size] for start in range(0, len(items), size)]


def describe_field(
    *,
    key: str,
    label: str,
    type: str,
    native_type: str,
    length: int | None = None,
    required: bool = False,
    unique: bool = False,
    custom: bool = False,
    read_only: bool = False,
    picklist: Sequence[str] = (),
) -> dict[str, Any]:
    """One field of a `describe()` answer; the same keys for every platform."""
    return {
        "key": key,
        "label": label,
        "type": type,
        "native_type": native_type,
        "length": length,
        "required": required,
        "unique": unique,
        "custom": custom,
        "read_only": read_only,
        "picklist": list(picklist),
    }
