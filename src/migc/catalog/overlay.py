"""Owns account overlays: the format that extends a catalog with one account's custom schema.

An overlay (`acme.zoho_crm.overlay.toml`) names its platform under `[overlay]` and lists objects
and fields like a catalog does, every attribute optional. Merge rules (docs/catalogs.md):

- an object the catalog lacks is added whole (it must be a complete object);
- a field the catalog lacks is added whole; it counts as `custom` unless it says `custom = false`;
- `add-values` appends picklist values to an existing picklist or multipicklist field;
- `values` replaces an existing picklist's values (the account's own list, as pulled);
- `label`, `plural-label` and `doc` of an existing object, and `label`, `doc`, `required` and
  `unconfirmed` of an existing field may be overridden (account admins rename and require fields);
- `to` of an existing lookup may list more objects, keeping the old ones (Zoho notes attach to
  custom modules too), and its `type-values` may name more objects, keeping the old values;
- any other attribute of an existing object or field may be repeated but not changed: an overlay
  extends a catalog, it never contradicts it. A different `type` is the common case of this error.

`overlay_between` computes the overlay that turns one catalog into another, and `write_overlay`
writes it, for `migc specs pull` to record live account metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import msgspec
from msgspec import UNSET, UnsetType

from migc.catalog.errors import CatalogError, error_from_validation
from migc.catalog.schema import Base, Catalog, FieldSpec, ObjectSpec, PlatformName

__all__ = [
    "FieldPatch",
    "ObjectPatch",
    "Overlay",
    "OverlayHeader",
    "apply_overlay",
    "encode_overlay",
    "overlay_between",
    "write_overlay",
]

_OBJECT_OVERRIDABLE: Final = frozenset({"label", "plural-label", "doc"})
_FIELD_OVERRIDABLE: Final = frozenset({"label", "doc", "required", "unconfirmed", "values"})
_PICKLISTS: Final = frozenset({"picklist", "multipicklist"})


def _patch_of(
    spec: type[Base], name: str, doc: str, *, replace: dict[str, tuple[Any, Any]], extra: list[Any]
) -> type[Base]:
    """A struct with every attribute of `spec` optional (UNSET when absent), plus `extra` ones.

    Deriving the patch from the spec keeps the two from drifting apart: whatever a catalog can say,
    an overlay can say too.
    """
    fields: list[Any] = []
    for field in msgspec.structs.fields(spec):
        if field.name in replace:
            fields.append((field.name, *replace[field.name]))
        else:
            fields.append((field.name, field.type | UnsetType, UNSET))
    return msgspec.defstruct(
        name, fields + extra, bases=(Base,), module=__name__, namespace={"__doc__": doc}
    )


FieldPatch = _patch_of(
    FieldSpec,
    "FieldPatch",
    "A field in an overlay: a whole new field, or additions to an existing one (`add-values`).",
    replace={},
    extra=[("add_values", list[str] | UnsetType, UNSET)],
)
ObjectPatch = _patch_of(
    ObjectSpec,
    "ObjectPatch",
    "An object in an overlay: a whole new object (custom module), or new fields for an existing one.",
    replace={"fields": (dict[str, FieldPatch], {})},  # type: ignore[valid-type]
    extra=[],
)


class OverlayHeader(Base):
    """Which platform (and which customer account) an overlay extends."""

    platform: PlatformName
    account: str = ""
    # When `migc specs pull` read the live metadata (ISO 8601), empty for hand-written overlays.
    pulled_at: str = ""
    doc: str = ""


class Overlay(Base):
    """An account overlay: `[overlay]` header plus `[objects.<Name>...]` additions."""

    overlay: OverlayHeader
    objects: dict[str, ObjectPatch] = {}  # type: ignore[valid-type]


def apply_overlay(catalog: Catalog, overlay: Overlay, file: str) -> Catalog:
    """`catalog` extended by `overlay`; problems raise CatalogError naming `file` and the path."""
    if overlay.overlay.platform != catalog.platform.name:
        raise CatalogError(
            file,
            "$.overlay.platform",
            f"overlay is for {overlay.overlay.platform!r}, not {catalog.platform.name!r}",
        )
    data = _plain(catalog)
    objects: dict[str, Any] = data["objects"]
    for object_name, patch in overlay.objects.items():
        path = f"$.objects.{object_name}"
        changes = _plain(patch)
        if object_name in objects:
            _extend_object(objects[object_name], changes, path, file)
        else:
            for field_name, field in changes.get("fields", {}).items():
                changes["fields"][field_name] = _new_field(field, f"{path}.fields.{field_name}", file)
            objects[object_name] = changes
    try:
        return msgspec.convert(data, Catalog)
    except msgspec.ValidationError as error:
        # The catalog was valid before, so whatever fails now was brought in by this overlay.
        raise error_from_validation(error, file, data, Catalog) from None


def _new_field(field: dict[str, Any], path: str, file: str) -> dict[str, Any]:
    if "add-values" in field:
        raise CatalogError(
            file, f"{path}.add-values", "add-values extends an existing picklist; a new field lists `values`"
        )
    return {"custom": True, **field}


def _extend_object(existing: dict[str, Any], changes: dict[str, Any], path: str, file: str) -> None:
    for attribute, value in changes.items():
        if attribute == "fields":
            continue
        if attribute in _OBJECT_OVERRIDABLE:
            existing[attribute] = value
        elif existing.get(attribute, _default_of(ObjectSpec, attribute)) != value:
            raise CatalogError(
                file,
                f"{path}.{attribute}",
                f"cannot change {attribute} of existing object: the catalog has "
                f"{existing.get(attribute)!r}, the overlay {value!r}; an overlay only extends",
            )
    fields: dict[str, Any] = existing["fields"]
    for field_name, field_changes in changes.get("fields", {}).items():
        field_path = f"{path}.fields.{field_name}"
        if field_name in fields:
            _extend_field(fields[field_name], field_changes, field_path, file)
        else:
            fields[field_name] = _new_field(field_changes, field_path, file)


def _extend_field(existing: dict[str, Any], changes: dict[str, Any], path: str, file: str) -> None:
    if "type" in changes and changes["type"] != existing["type"]:
        raise CatalogError(
            file,
            f"{path}.type",
            f"cannot redefine the field as {changes['type']!r}: the catalog says {existing['type']!r}",
        )
    if "values" in changes and "add-values" in changes:
        raise CatalogError(file, f"{path}.add-values", "give values (replace) or add-values (extend), not both")
    for attribute, value in changes.items():
        if attribute == "add-values":
            if existing["type"] not in _PICKLISTS:
                raise CatalogError(
                    file, f"{path}.add-values", f"add-values needs a picklist, the field is {existing['type']}"
                )
            current: list[str] = existing["values"]
            existing["values"] = current + [v for v in dict.fromkeys(value) if v not in current]
        elif attribute in _FIELD_OVERRIDABLE:
            existing[attribute] = value
        elif attribute == "to" and _widens(existing.get("to", ""), value):
            existing[attribute] = value
        elif attribute == "type-values" and _adds_entries(existing.get("type-values", {}), value):
            existing[attribute] = {**existing.get("type-values", {}), **value}
        elif existing.get(attribute, _default_of(FieldSpec, attribute)) != value:
            raise CatalogError(
                file,
                f"{path}.{attribute}",
                f"cannot change {attribute} of existing field: the catalog has "
                f"{existing.get(attribute)!r}, the overlay {value!r}; an overlay only extends",
            )


def _targets(to: str | list[str]) -> list[str]:
    return [to] if isinstance(to, str) and to else list(to)


def _widens(old: str | list[str], new: str | list[str]) -> bool:
    """A lookup may gain targets (Notes attached to a custom module), never lose one."""
    return set(_targets(old)) <= set(_targets(new))


def _adds_entries(old: dict[str, str], new: dict[str, str]) -> bool:
    """A widened lookup's type values name the new objects too; the old ones keep their values."""
    return all(new.get(target, value) == value for target, value in old.items())


def _plain(value: Any) -> Any:
    """Encoded builtins with every sequence as a list, so catalog tuples compare equal to TOML lists."""
    return msgspec.json.decode(msgspec.json.encode(value))


def _default_of(spec: type[Base], encoded_name: str) -> Any:
    """The encoded default of an attribute (what to_builtins omits), to compare repeated values."""
    for field in msgspec.structs.fields(spec):
        if field.encode_name == encoded_name:
            if field.default is not msgspec.NODEFAULT:
                return _plain(field.default)
            if field.default_factory is not msgspec.NODEFAULT:
                return _plain(field.default_factory())
    return None


def overlay_between(
    base: Catalog, account: Catalog, *, account_name: str = "", pulled_at: str = ""
) -> Overlay:
    """The overlay that extends `base` into `account`: new objects, new fields, new picklist values.

    Differences an overlay cannot express (a changed type) are kept, so applying the overlay
    reports them instead of hiding them.
    """
    objects: dict[str, Any] = {}
    for object_name in sorted(account.objects):
        spec = account.objects[object_name]
        known = base.objects.get(object_name)
        if known is None:
            new_object = _plain(spec)
            new_object["fields"] = {name: _whole_field(f) for name, f in spec.fields.items()}
            objects[object_name] = new_object
            continue
        changes: dict[str, Any] = {}
        if spec.label != known.label:
            changes["label"] = spec.label
        if spec.plural_label != known.plural_label:
            changes["plural-label"] = spec.plural_label
        fields: dict[str, Any] = {}
        for field_name in sorted(spec.fields):
            field = spec.fields[field_name]
            old = known.fields.get(field_name)
            if old is None:
                fields[field_name] = _whole_field(field)
                continue
            field_changes: dict[str, Any] = {}
            if field.type != old.type:
                field_changes["type"] = field.type
            elif field.type in _PICKLISTS and field.values != old.values:
                if set(old.values) <= set(field.values):
                    field_changes["add-values"] = [v for v in field.values if v not in old.values]
                else:
                    field_changes["values"] = field.values
            if field.label != old.label:
                field_changes["label"] = field.label
            if field.required != old.required:
                field_changes["required"] = field.required
            if field_changes:
                fields[field_name] = field_changes
        if fields:
            changes["fields"] = fields
        if changes:
            objects[object_name] = changes
    header = {"platform": base.platform.name, "account": account_name, "pulled-at": pulled_at}
    return msgspec.convert({"overlay": header, "objects": objects}, Overlay)


def _whole_field(field: FieldSpec) -> dict[str, Any]:
    # `custom` is spelt out because an overlay's new fields default to custom = true.
    return {**_plain(field), "custom": field.custom}


def encode_overlay(overlay: Overlay) -> str:
    """The overlay as TOML text with sorted keys (byte-for-byte stable)."""
    return msgspec.toml.encode(_sorted(_plain(overlay))).decode("utf-8")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def write_overlay(overlay: Overlay, path: Path) -> None:
    """Write `overlay` to `path` as deterministic TOML (see encode_overlay)."""
    path.write_text(encode_overlay(overlay), encoding="utf-8")
