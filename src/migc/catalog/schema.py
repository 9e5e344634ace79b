"""Owns the shape of a platform schema catalog: the frozen msgspec Structs and their own rules.

A catalog (one `specs/<platform>.toml`) describes a platform's API (bases, auth, limits, custom-field
naming, gotchas) and its objects with their fields. Everything a struct can check about itself is
checked in `__post_init__`; msgspec turns those `ValueError`s into `ValidationError`s, and
`migc.catalog.errors` reports them with the file and the `$.path`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "ApiBase",
    "AuthSpec",
    "BatchLimits",
    "Catalog",
    "Concurrency",
    "CustomFieldRules",
    "Fact",
    "FieldSpec",
    "FieldType",
    "FIELD_TYPES",
    "Header",
    "Limits",
    "ObjectSpec",
    "PageSize",
    "PlatformInfo",
    "RateBudget",
    "ReadSpec",
    "RuleViolation",
    "TokenBudget",
    "WriteSpec",
    "did_you_mean",
]

FieldType = Literal[
    "string",
    "text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "email",
    "phone",
    "url",
    "picklist",
    "multipicklist",
    "lookup",
    "json",
    "list",
    "tags",
    "id",
]
FIELD_TYPES: Final[tuple[str, ...]] = FieldType.__args__  # type: ignore[attr-defined]

Role = Literal["source", "target"]
ObjectKind = Literal["standard", "custom", "system"]
AuthScheme = Literal["oauth2", "api-key", "token", "bearer", "basic"]
# "none" = the endpoint returns everything in one response (e.g. Customer.io GET /v1/segments).
Pagination = Literal["cursor", "page", "offset", "page-token", "segment", "export", "none"]

PositiveInt = Annotated[int, Meta(gt=0)]
NonNegativeInt = Annotated[int, Meta(ge=0)]
# Catalogs hold the NAMES of environment variables, never credential values; the pattern keeps a
# pasted token (lower case, dots, dashes) from passing as a name.
EnvVarName = Annotated[str, Meta(pattern=r"^[A-Z][A-Z0-9_]*$")]
FactId = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]*$")]
PlatformName = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]*$")]

_LENGTH_TYPES: Final = frozenset({"string", "text", "email", "phone", "url", "tags", "id"})
_PICKLIST_TYPES: Final = frozenset({"picklist", "multipicklist"})
_MANY_TYPES: Final = frozenset({"multipicklist", "list", "tags"})
_TIME_TYPES: Final = frozenset({"date", "datetime", "integer"})
_PLACEHOLDER: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RuleViolation(ValueError):
    """A catalog rule broken inside a struct; `subpath` is relative to the struct that raised it.

    msgspec keeps the original exception as `__cause__` of its ValidationError, so the reporter can
    append `subpath` to msgspec's `$.path` and point at the exact attribute.
    """

    def __init__(self, subpath: str, message: str) -> None:
        super().__init__(f"{subpath}: {message}")
        self.subpath = subpath
        self.message = message


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """"; did you mean 'X'?" for the closest choice (ignoring case), or "" when none is close."""
    by_folded = {choice.casefold(): choice for choice in choices}
    import difflib  # only a misspelt name needs it

    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1)
    return f"; did you mean {by_folded[close[0]]!r}?" if close else ""


def _check_placeholders(subpath: str, template: str, env: dict[str, str]) -> None:
    for placeholder in _PLACEHOLDER.findall(template):
        if placeholder not in env:
            raise RuleViolation(subpath, f"placeholder {{{placeholder}}} has no environment variable in `env`")


class Base(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    rename="kebab",
    omit_defaults=True,
):
    """Shared options of every catalog struct.

    frozen: values are hashable and safe to share across the checker, planner and runtime;
    kw_only: fields can be listed in any order; forbid_unknown_fields: a misspelt key is an error,
    not a silently ignored setting; rename="kebab": TOML keys read `plural-label`, Python reads
    `plural_label`; omit_defaults: encoded catalogs and overlays stay small and diffable.
    """


class Fact(Base):
    """A documented fact or a gotcha, with the place it was read (URL or seed page)."""

    id: FactId
    title: str
    detail: str = ""
    source: str = ""
    unconfirmed: str = ""


class AuthSpec(Base):
    """How requests authenticate: scheme, header and the environment variables holding secrets."""

    scheme: AuthScheme
    header: str
    # The header value with `{placeholders}`, each filled from the variable named in `env`.
    format: str
    env: dict[str, EnvVarName]
    token_url: str = ""
    doc: str = ""
    unconfirmed: str = ""

    def __post_init__(self) -> None:
        _check_placeholders("format", self.format, self.env)


class ApiBase(Base):
    """One base URL of the platform's API and the name of the auth scheme it uses."""

    # May hold `{placeholders}` for account settings (Zoho data centre, Freshsales bundle alias).
    url: str
    auth: str
    # Placeholder in `url` -> name of the environment variable holding the account's setting.
    env: dict[str, EnvVarName] = {}
    doc: str = ""
    unconfirmed: str = ""

    def __post_init__(self) -> None:
        _check_placeholders("url", self.url, self.env)


class BatchLimits(Base):
    """Records per call for each write operation (absent = operation has no batch form)."""

    create: PositiveInt | None = None
    update: PositiveInt | None = None
    upsert: PositiveInt | None = None
    delete: PositiveInt | None = None
    doc: str = ""
    unconfirmed: str = ""


class PageSize(Base):
    """Records per page when reading: the default and the maximum a request may ask for."""

    max: PositiveInt
    default: PositiveInt | None = None
    doc: str = ""
    unconfirmed: str = ""

    def __post_init__(self) -> None:
        if self.default is not None and self.default > self.max:
            raise RuleViolation("default", f"default {self.default} exceeds max {self.max}")


class RateBudget(Base):
    """At most `calls` requests per `per-seconds` seconds within `scope` (org, api-key, token...)."""

    calls: PositiveInt
    per_seconds: PositiveInt
    scope: str
    plan: str = ""
    applies_to: str = ""
    cost_notes: str = ""
    doc: str = ""
    unconfirmed: str = ""


class Concurrency(Base):
    """At most `max` requests in flight at once within `scope`."""

    max: PositiveInt
    scope: str
    plan: str = ""
    doc: str = ""
    unconfirmed: str = ""


class TokenBudget(Base):
    """A daily budget counted in tokens rather than calls (Pipedrive): seats x multiplier x tokens."""

    tokens_per_seat: PositiveInt
    plan_multipliers: dict[str, PositiveInt]
    resets: str
    # Tokens one call costs, per operation ("get", "list", "update", ...).
    costs: dict[str, PositiveInt] = {}
    doc: str = ""
    unconfirmed: str = ""


class Header(Base):
    """A response header the rate limiter or the retry logic reads."""

    name: str
    meaning: str
    doc: str = ""
    unconfirmed: str = ""


class Limits(Base):
    """Batch sizes, paging, rate budgets, burst windows, concurrency and the headers to obey."""

    pagination: Pagination
    page_size: PageSize | None = None
    batch: BatchLimits | None = None
    rate: tuple[RateBudget, ...] = ()
    # Short rolling windows that cap spikes on top of the sustained `rate` budgets.
    burst: tuple[RateBudget, ...] = ()
    concurrency: tuple[Concurrency, ...] = ()
    daily_tokens: TokenBudget | None = None
    headers: tuple[Header, ...] = ()
    notes: tuple[Fact, ...] = ()
    doc: str = ""
    unconfirmed: str = ""


class CustomFieldRules(Base):
    """How custom fields are named on a target: pattern, prefix/suffix conventions and caps."""

    # Regular expression every custom field's API name must match (checked on custom fields).
    name_pattern: str
    prefix: str = ""
    suffix: str = ""
    max_name_length: PositiveInt | None = None
    max_label_length: PositiveInt | None = None
    max_per_object: PositiveInt | None = None
    max_per_account: dict[str, PositiveInt] = {}
    # Who decides the API name: "label" (derived from the label), "caller", "hash" (random key).
    generated_key: str = ""
    create_batch: PositiveInt | None = None
    notes: tuple[Fact, ...] = ()
    doc: str = ""
    unconfirmed: str = ""

    def __post_init__(self) -> None:
        try:
            re.compile(self.name_pattern)
        except re.error as error:
            raise RuleViolation("name-pattern", f"not a regular expression: {error}") from None


class PlatformInfo(Base):
    """Everything about a platform that is not an object: identity, API, auth, limits, gotchas."""

    name: PlatformName
    label: str
    role: Role
    api: dict[str, ApiBase]
    auth: dict[str, AuthSpec]
    limits: Limits
    custom_fields: CustomFieldRules | None = None
    gotchas: tuple[Fact, ...] = ()
    doc: str = ""

    def __post_init__(self) -> None:
        if not self.api:
            raise RuleViolation("api", "a platform needs at least one API base URL")
        for name, base in self.api.items():
            if base.auth not in self.auth:
                raise RuleViolation(
                    f"api.{name}.auth",
                    f"unknown auth {base.auth!r}{did_you_mean(base.auth, list(self.auth))}",
                )
        seen: set[str] = set()
        for index, fact in enumerate(self.gotchas):
            if fact.id in seen:
                raise RuleViolation(f"gotchas[{index}].id", f"duplicate gotcha id {fact.id!r}")
            seen.add(fact.id)
        if self.role == "target" and self.custom_fields is None:
            raise RuleViolation("custom-fields", "a target platform must describe its custom-field rules")


class FieldSpec(Base):
    """One field of an object: its type and the constraints a mapping must respect."""

    type: FieldType
    label: str = ""
    # Maximum characters (string-like types; for `tags`, per tag).
    length: PositiveInt | None = None
    # Maximum digits of an integer.
    digits: PositiveInt | None = None
    precision: PositiveInt | None = None
    scale: NonNegativeInt | None = None
    # Maximum number of values per record (multipicklist, list, tags).
    max_items: PositiveInt | None = None
    required: bool = False
    unique: bool = False
    read_only: bool = False
    custom: bool = False
    values: tuple[str, ...] = ()
    # Object(s) a lookup points at; several for polymorphic lookups (Zoho What_Id).
    to: str | tuple[str, ...] = ""
    # A polymorphic lookup whose companion field of the same object says which kind of record it
    # points at (Freshsales `targetable_type` beside `targetable_id`), and the value that field
    # takes for each object of `to`: a `ref` filling the lookup sets it from the record it found.
    type_field: str = ""
    type_values: dict[str, str] = {}
    item: FieldType | None = None
    fields: dict[str, FieldSpec] = {}
    pii: bool = False
    api_name: str = ""
    # Wire format of the value when it is not obvious ("unix-seconds", "epoch-ms", "YYYY-MM-DD").
    format: str = ""
    doc: str = ""
    unconfirmed: str = ""

    @property
    def targets(self) -> tuple[str, ...]:
        """The objects a lookup may point at (empty for other types)."""
        return (self.to,) if isinstance(self.to, str) and self.to else tuple(self.to)

    def __post_init__(self) -> None:
        kind = self.type
        if kind in _PICKLIST_TYPES:
            if not self.values:
                raise RuleViolation("values", f"a {kind} needs at least one allowed value")
            if len(set(self.values)) != len(self.values):
                duplicate = next(v for v in self.values if self.values.count(v) > 1)
                raise RuleViolation("values", f"duplicate value {duplicate!r}")
        elif self.values:
            raise RuleViolation("values", f"only picklist and multipicklist take values, not {kind}")
        if kind == "lookup":
            if not self.targets:
                raise RuleViolation("to", "a lookup needs `to` (the object it points at)")
        elif self.to:
            raise RuleViolation("to", f"only a lookup takes `to`, not {kind}")
        if (self.type_field or self.type_values) and kind != "lookup":
            raise RuleViolation("type-field", f"only a lookup has a type field, not {kind}")
        if self.type_field and not self.type_values:
            raise RuleViolation("type-values", "a type field needs `type-values` (its value for each object of `to`)")
        if self.type_values and not self.type_field:
            raise RuleViolation("type-field", "`type-values` need `type-field` (the field they are written to)")
        if self.type_values:
            unknown = sorted(set(self.type_values) - set(self.targets))
            if unknown:
                raise RuleViolation("type-values", f"{unknown[0]!r} is not an object of `to`{did_you_mean(unknown[0], self.targets)}")
            missing = [target for target in self.targets if target not in self.type_values]
            if missing:
                raise RuleViolation("type-values", f"no value for {missing[0]!r}: every object of `to` needs one")
        if kind == "list":
            if self.item is None:
                raise RuleViolation("item", "a list needs `item` (the element type)")
            if self.item == "list":
                raise RuleViolation("item", "a list of lists is not supported; use json")
        elif self.item is not None:
            raise RuleViolation("item", f"only a list takes `item`, not {kind}")
        if self.fields and not (kind == "json" or (kind == "list" and self.item == "json")):
            raise RuleViolation("fields", f"only json (or a list of json) has nested fields, not {kind}")
        if self.length is not None and kind not in _LENGTH_TYPES:
            raise RuleViolation("length", f"{kind} has no length")
        if self.digits is not None and kind != "integer":
            raise RuleViolation("digits", f"only an integer has digits, not {kind}")
        if (self.precision is not None or self.scale is not None) and kind != "decimal":
            raise RuleViolation("precision", f"only a decimal has precision and scale, not {kind}")
        if self.precision is not None and self.scale is not None and self.scale > self.precision:
            raise RuleViolation("scale", f"scale {self.scale} exceeds precision {self.precision}")
        if self.max_items is not None and kind not in _MANY_TYPES:
            raise RuleViolation("max-items", f"{kind} holds one value; max-items needs a many-valued type")
        if self.required and self.read_only:
            raise RuleViolation("required", "a field cannot be both required and read-only")


class ReadSpec(Base):
    """How a source object is read: the endpoint and its pagination."""

    endpoint: str
    pagination: Pagination
    page_size: PageSize | None = None
    # How to ask only for records changed since a watermark (query parameter, filter, export).
    delta: str = ""
    doc: str = ""
    unconfirmed: str = ""


class WriteSpec(Base):
    """How a target object is written: endpoints per operation, upsert keys, batch overrides."""

    create: str = ""
    update: str = ""
    upsert: str = ""
    delete: str = ""
    search: str = ""
    upsert_keys: tuple[str, ...] = ()
    # Overrides the platform's batch sizes for this object.
    batch: BatchLimits | None = None
    notes: str = ""
    doc: str = ""
    unconfirmed: str = ""


class ObjectSpec(Base):
    """One object (module, resource) of a platform with its fields."""

    label: str
    plural_label: str
    kind: ObjectKind
    id_field: str
    fields: dict[str, FieldSpec]
    # Targets: records can be created through the API.
    loadable: bool = False
    # Records already exist in the account and are looked up, never created (Users).
    preexisting: bool = False
    # Sources: the field holding the record's last modification time (for delta runs) ...
    modified_field: str = ""
    # ... or why there is none and how a delta run copes.
    no_delta: str = ""
    read: ReadSpec | None = None
    write: WriteSpec | None = None
    # Groups of fields of which at least one must be set ("title + person_id or org_id").
    required_any: tuple[tuple[str, ...], ...] = ()
    doc: str = ""
    unconfirmed: str = ""

    def _need_field(self, subpath: str, name: str) -> None:
        if name not in self.fields:
            raise RuleViolation(
                subpath, f"{name!r} is not a field of this object{did_you_mean(name, list(self.fields))}"
            )

    def __post_init__(self) -> None:
        self._need_field("id-field", self.id_field)
        if self.modified_field:
            self._need_field("modified-field", self.modified_field)
            kind = self.fields[self.modified_field].type
            if kind not in _TIME_TYPES:
                raise RuleViolation("modified-field", f"{self.modified_field!r} is {kind}, not a time")
            if self.no_delta:
                raise RuleViolation("no-delta", "give either modified-field or no-delta, not both")
        if self.write is not None:
            for index, key in enumerate(self.write.upsert_keys):
                self._need_field(f"write.upsert-keys[{index}]", key)
        for name, field in self.fields.items():
            if not field.type_field:
                continue
            here = f"fields.{name}.type-field"
            self._need_field(here, field.type_field)
            if field.type_field == name:
                raise RuleViolation(here, "a lookup cannot be its own type field")
            companion = self.fields[field.type_field]
            if companion.type in _PICKLIST_TYPES:
                for target, value in field.type_values.items():
                    if value not in companion.values:
                        raise RuleViolation(
                            f"fields.{name}.type-values.{target}",
                            f"{value!r} is not an option of {field.type_field!r} ({', '.join(map(repr, companion.values))})",
                        )
        for index, group in enumerate(self.required_any):
            if len(group) < 2:
                raise RuleViolation(f"required-any[{index}]", "a group needs two or more fields")
            for name in group:
                self._need_field(f"required-any[{index}]", name)
        if self.loadable and self.preexisting:
            raise RuleViolation("loadable", "a preexisting object is looked up, not loaded")
        if self.loadable and (self.write is None or not (self.write.create or self.write.upsert)):
            raise RuleViolation("write", "a loadable object needs a create or upsert endpoint")


class Catalog(Base):
    """A platform's catalog: `[platform]` facts and `[objects.<Name>]` with their fields."""

    platform: PlatformInfo
    objects: dict[str, ObjectSpec]

    def __post_init__(self) -> None:
        names = list(self.objects)
        role = self.platform.role
        rules = self.platform.custom_fields
        pattern = re.compile(rules.name_pattern) if rules is not None else None
        for object_name, spec in self.objects.items():
            here = f"objects.{object_name}"
            if role == "source":
                if spec.loadable:
                    raise RuleViolation(f"{here}.loadable", "a source platform's objects are not loaded")
                if not (spec.modified_field or spec.no_delta):
                    raise RuleViolation(
                        f"{here}.modified-field",
                        "a source object needs modified-field (for delta runs) or no-delta (why not)",
                    )
            for field_name, field in spec.fields.items():
                for target in field.targets:
                    if target not in self.objects:
                        raise RuleViolation(
                            f"{here}.fields.{field_name}.to",
                            f"unknown object {target!r}{did_you_mean(target, names)}",
                        )
                if pattern is not None and role == "target" and field.custom:
                    api_name = field.api_name or field_name
                    if not pattern.fullmatch(api_name):
                        raise RuleViolation(
                            f"{here}.fields.{field_name}",
                            f"custom field API name {api_name!r} does not match "
                            f"{self.platform.name}'s pattern {rules.name_pattern!r}",  # type: ignore[union-attr]
                        )
