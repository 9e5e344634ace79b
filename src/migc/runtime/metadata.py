"""Reads a target account's live schema through its connector and turns it into a catalog overlay.

What an overlay records is what `migc check` needs to know about one account beyond the shipped
catalog: custom fields (with type, length, picklist options) and picklist options added to
standard fields. Labels of standard fields are not copied: an account's wording is not a schema
difference. Fields whose platform type has no catalog equivalent are listed, not guessed.
"""

from __future__ import annotations

import msgspec

from migc.catalog.schema import Catalog, FieldSpec
from migc.connectors.base import ConnectorError, TargetConnector

# The connectors' neutral field types (`describe()`) -> catalog field types.
_CATALOG_TYPE = {
    "text": "string", "textarea": "text", "email": "email", "phone": "phone", "url": "url",
    "integer": "integer", "decimal": "decimal", "currency": "decimal", "boolean": "boolean",
    "date": "date", "datetime": "datetime", "picklist": "picklist", "multipicklist": "multipicklist",
}
_WITH_LENGTH = {"string", "text", "email", "phone", "url"}
_PICKLISTS = {"picklist", "multipicklist"}


class PullResult(msgspec.Struct, frozen=True, kw_only=True):
    catalog: Catalog
    skipped: tuple[str, ...]  # what could not be read or expressed, one line each


async def pull_account(base: Catalog, connector: TargetConnector) -> PullResult:
    """`base` extended with what the live account has: custom fields and extra picklist options."""
    objects = dict(base.objects)
    skipped: list[str] = []
    for name, spec in sorted(base.objects.items()):
        try:
            described = await connector.describe(name)
        except ConnectorError as error:
            skipped.append(f"{name}: not described ({error})")
            continue
        fields = dict(spec.fields)
        changed = False
        for field in described.get("fields", []):
            key = field["key"]
            known = fields.get(key)
            kind = _CATALOG_TYPE.get(field["type"])
            if known is None:
                if kind is None:
                    skipped.append(f"{name}.{key}: type {field['native_type']!r} has no catalog equivalent")
                    continue
                if kind in _PICKLISTS and not field["picklist"]:
                    skipped.append(f"{name}.{key}: a {kind} without options")
                    continue
                fields[key] = FieldSpec(
                    type=kind,
                    label=field["label"],
                    length=field["length"] if kind in _WITH_LENGTH and field["length"] else None,
                    required=field["required"] and not field["read_only"],
                    unique=field["unique"],
                    read_only=field["read_only"],
                    custom=True,
                    values=tuple(field["picklist"]) if kind in _PICKLISTS else (),
                )
                changed = True
            elif known.type in _PICKLISTS and field["picklist"]:
                extra = tuple(v for v in field["picklist"] if v not in known.values)
                if extra:
                    fields[key] = msgspec.structs.replace(known, values=tuple(known.values) + extra)
                    changed = True
        if changed:
            objects[name] = msgspec.structs.replace(spec, fields=fields)
    return PullResult(catalog=msgspec.structs.replace(base, objects=objects), skipped=tuple(skipped))
