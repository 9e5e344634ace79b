"""Record and value helpers: a source record's id and typed values, a value as the target APIs
take it and hand it back, and a record as the journal keeps it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from migc.runtime.builtins import BUILTINS, BuiltinError


def source_id(record: dict[str, Any], id_field: str) -> str:
    """The record's id in the source, or a stable digest of its content when it has none."""
    value = record.get(id_field) if id_field else None
    if value is not None and value != "":
        return str(value)
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


# Catalog wire formats of dates and times -> the builtins' `format` argument.
_TIME_FORMATS = {"epoch-ms": "epoch_ms", "unix-seconds": "epoch_s", "unix": "epoch_s"}


def decoder_for(spec) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Turns a source record's wire values into typed values: the catalog says which fields are
    dates or date-times and how they are written (epoch milliseconds for Netmera, unix seconds
    for Customer.io, ISO text), including fields nested in json ones (`metrics.sent`)."""
    temporal: list[tuple[tuple[str, ...], Callable, str]] = []
    identifiers: list[str] = []

    def collect(fields, prefix: tuple[str, ...]) -> None:
        for name, field in fields.items():
            path = prefix + (name,)
            if field.type in ("date", "datetime"):
                parse = BUILTINS["parse_date" if field.type == "date" else "parse_datetime"]
                temporal.append((path, parse, _TIME_FORMATS.get(field.format, "")))
            elif field.type in ("id", "lookup") and not prefix:
                identifiers.append(name)  # ids are text in .mig, whatever JSON type the API uses
            elif field.type == "json" and field.fields:
                collect(field.fields, path)

    if spec is not None:
        collect(spec.fields, ())
    if not temporal and not identifiers:
        return lambda record: record

    def decode(record: dict[str, Any]) -> dict[str, Any]:
        decoded = None
        copied: set[int] = set()  # containers already copied, so the source record is never changed

        def writable(path: tuple[str, ...]) -> dict[str, Any]:
            nonlocal decoded
            if decoded is None:
                decoded = dict(record)
                copied.add(id(decoded))
            container = decoded
            for part in path:
                inner = container[part]
                if id(inner) not in copied:
                    inner = dict(inner)
                    copied.add(id(inner))
                    container[part] = inner
                container = inner
            return container

        for name in identifiers:
            value = record.get(name)
            if value is not None and not isinstance(value, str):
                writable(())[name] = str(value)
        for path, parse, wire_format in temporal:
            container: Any = decoded if decoded is not None else record
            for part in path[:-1]:
                container = container.get(part) if isinstance(container, dict) else None
            if not isinstance(container, dict):
                continue
            value = container.get(path[-1])
            if value is None or isinstance(value, (dt.date, dt.datetime)):
                continue
            try:
                parsed = parse(value, wire_format) if wire_format else parse(value)
            except BuiltinError as error:
                raise BuiltinError(f"source field {'.'.join(path)}: {error}") from None
            writable(path[:-1])[path[-1]] = parsed
        return decoded if decoded is not None else record

    return decode


def to_wire(value: Any) -> Any:
    """A value as the target APIs' JSON expects it."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    return value


def field_value(record: dict[str, Any], api_field: str) -> Any:
    """A field of a record as a target returns it: at the top level, or among the custom values
    (Freshsales `custom_field`, Pipedrive `custom_fields`)."""
    if api_field in record:
        return record[api_field]
    for nest in ("custom_field", "custom_fields"):
        inner = record.get(nest)
        if isinstance(inner, dict) and api_field in inner:
            return inner[api_field]
    return None


def comparable(value: Any) -> Any:
    """A value as targets may hand it back: a lookup by its id, multi-values as a sorted set of
    their values, numbers as numbers, instants in UTC, text trimmed."""
    if isinstance(value, dict):
        if "id" in value:
            return str(value["id"])
        if "value" in value:
            return comparable(value["value"])
        return {k: comparable(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [comparable(v) for v in value if present(v)]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str)) or None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) >= 19 and text[4] == "-" and text[10] == "T":
            try:
                instant = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                instant = instant if instant.tzinfo else instant.replace(tzinfo=dt.timezone.utc)
                return instant.astimezone(dt.timezone.utc).isoformat()
            except ValueError:
                pass
        return text or None
    return value


def content_print(values: dict[str, Any], written: dict[str, Any]) -> str:
    """A fingerprint of the fields `written` holds, taken from `values`."""
    return json.dumps({name: comparable(values.get(name)) for name in sorted(written)}, sort_keys=True, default=str)


def present(value: Any) -> bool:
    """Whether a value holds something: not None, empty text or an empty list."""
    return value is not None and value != "" and value != []


def value_objects(values: list[Any], *, primary: bool) -> list[Any]:
    """A list of plain values as the `[{"value": ..., "primary": ...}]` objects a target's
    multi-value field takes (Pipedrive emails and phones); missing values are left out."""
    shaped = []
    for value in values:
        if isinstance(value, dict) or not present(value):
            if isinstance(value, dict):
                shaped.append(value)
            continue
        item: dict[str, Any] = {"value": value}
        if primary:
            item["primary"] = not shaped
        shaped.append(item)
    return shaped


def group_sid(key: tuple) -> str:
    """The source id of a `distinct` or `summarize` unit: its group key."""
    return "|".join("" if k is None else str(k) for k in key)


def jsonable(record: Any) -> dict[str, Any]:
    """A unit's record (a group's records under `members`) as plain JSON, as the journal keeps it."""
    if isinstance(record, dict):
        return json.loads(json.dumps(record, default=str))
    return {"members": json.loads(json.dumps(record, default=str))}

