"""The .mig type model: value types, how they are written, and the coercion rules between them.

Types mirror the catalogs' field types (`migc.catalog.schema.FieldType`) plus the types only
expressions have (`any`, `null`, `duration`, `size`, functions and type variables). Assignment
rules, documented in docs/types.md:

- `null` fits every type (whether a field may be empty is a separate, catalog-level check);
- `any` (an untyped source attribute, a json member) fits every type and is checked at run time;
- the string family (`string(n)`, `text`, `email`, `phone`, `url`, `id`) widens to `string`/`text`;
  narrowing into `email`, `phone` or `url` needs a coercion (`as email`, `normalize_email(...)`);
- `integer` widens to `decimal`; every other change of kind needs an explicit `as` coercion;
- `picklist` values fit a string or a picklist holding them; `list[T]` fits `multipicklist`, `tags`
  and `list[U]` when `T` fits `U`.
Length, precision and picklist membership are checked against catalogs by the mapping checks,
not here.
"""

from __future__ import annotations

from typing import Final

import msgspec


class Type(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    length: int | None = None
    digits: int | None = None
    precision: int | None = None
    scale: int | None = None
    values: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    item: Type | None = None
    params: tuple[Type, ...] = ()
    returns: Type | None = None
    name: str = ""  # type variables

    def __str__(self) -> str:
        return display(self)


def simple(kind: str) -> Type:
    return _SIMPLE[kind]


STRING_FAMILY: Final = frozenset({"string", "text", "email", "phone", "url", "id"})
NUMBERS: Final = frozenset({"integer", "decimal"})
MANY_VALUED: Final = frozenset({"list", "multipicklist", "tags"})
SCALAR_KINDS: Final = frozenset(
    {"string", "text", "integer", "decimal", "boolean", "date", "datetime", "email", "phone", "url", "id", "json"}
)
# Names a .mig file may write in a type position, with the arguments each takes.
TYPE_NAMES: Final = {
    "string": "optional max length: string(80)",
    "text": "optional max length: text(32000)",
    "integer": "optional digits: integer(9)",
    "decimal": "optional precision and scale: decimal(16, 2)",
    "boolean": "no arguments",
    "date": "no arguments",
    "datetime": "no arguments",
    "email": "no arguments",
    "phone": "no arguments",
    "url": "no arguments",
    "picklist": 'its values: picklist("Active", "Inactive")',
    "multipicklist": 'its values: multipicklist("a", "b")',
    "lookup": "the target object: lookup(Accounts)",
    "json": "no arguments",
    "tags": "optional max tag length: tags(25)",
    "id": "no arguments",
    "any": "no arguments",
    "list": "an element type: list[string]",
}

_SIMPLE: Final = {
    kind: Type(kind=kind)
    for kind in (
        "string", "text", "integer", "decimal", "boolean", "date", "datetime", "email", "phone", "url",
        "json", "tags", "id", "any", "null", "duration", "size", "multipicklist", "picklist", "lookup",
    )
}
ANY: Final = _SIMPLE["any"]
NULL: Final = _SIMPLE["null"]
STRING: Final = _SIMPLE["string"]
BOOLEAN: Final = _SIMPLE["boolean"]
INTEGER: Final = _SIMPLE["integer"]
DECIMAL: Final = _SIMPLE["decimal"]
JSON: Final = _SIMPLE["json"]


def list_of(item: Type) -> Type:
    return Type(kind="list", item=item)


def display(t: Type) -> str:
    if t.kind == "var":
        return t.name
    if t.kind == "list":
        return f"list[{display(t.item) if t.item else 'any'}]"
    if t.kind == "function":
        params = ", ".join(display(p) for p in t.params)
        return f"fn({params}) -> {display(t.returns) if t.returns else 'any'}"
    if t.kind in ("picklist", "multipicklist") and t.values:
        shown = ", ".join(f'"{v}"' for v in t.values[:4]) + (", …" if len(t.values) > 4 else "")
        return f"{t.kind}({shown})"
    if t.kind == "lookup" and t.to:
        return f"lookup({', '.join(t.to)})"
    if t.kind == "decimal" and t.precision is not None:
        return f"decimal({t.precision}, {t.scale or 0})"
    if t.kind == "integer" and t.digits is not None:
        return f"integer({t.digits})"
    if t.length is not None and t.kind in ("string", "text", "tags"):
        return f"{t.kind}({t.length})"
    return t.kind


def base(t: Type) -> Type:
    """The type without its limits: what operators and overloads care about."""
    if t.kind == "list":
        return list_of(base(t.item) if t.item else ANY)
    return _SIMPLE.get(t.kind, t)


def is_textual(t: Type) -> bool:
    return t.kind in STRING_FAMILY or t.kind == "picklist"


def is_many(t: Type) -> bool:
    return t.kind in MANY_VALUED


def element(t: Type) -> Type:
    """The element type of a many-valued type."""
    if t.kind == "list":
        return t.item or ANY
    if t.kind == "multipicklist":
        return Type(kind="picklist", values=t.values)
    if t.kind == "tags":
        return Type(kind="string", length=t.length)
    return ANY


def assignable(value: Type, target: Type) -> bool:
    """Whether a value of type `value` may be stored where `target` is expected, with no coercion."""
    if value.kind in ("any", "null") or target.kind == "any":
        return True
    if target.kind == "var" or value.kind == "var":
        return True
    v, t = value.kind, target.kind
    if v == t and v not in ("list", "function"):
        return True
    if t in ("string", "text"):
        # a source lookup holds the foreign record's id, which is text
        return v in STRING_FAMILY or v in ("picklist", "lookup")
    if t == "decimal":
        return v == "integer"
    if t == "datetime":
        return False
    if t == "picklist":
        return v in ("string", "text")  # membership is checked against the catalog's values
    if t == "lookup":
        return v == "id"
    if t == "id":
        return v in ("string", "text", "lookup")
    if t in ("multipicklist", "tags", "list"):
        if v in MANY_VALUED:
            target_item = element(target)
            return assignable(element(value), target_item)
        return False
    if t == "json":
        return True
    if t == "function" and v == "function":
        return True
    return False


def castable(value: Type, target: Type) -> bool:
    """Whether `value as target` is a coercion migc can perform (checked per record at run time)."""
    if assignable(value, target):
        return True
    v, t = value.kind, target.kind
    if t in STRING_FAMILY or t == "picklist":
        return v in SCALAR_KINDS or v in ("picklist", "multipicklist", "list", "tags", "lookup")
    if t in NUMBERS:
        return v in STRING_FAMILY or v in NUMBERS or v in ("boolean", "picklist")
    if t == "boolean":
        return v in STRING_FAMILY or v in NUMBERS or v == "picklist"
    if t in ("date", "datetime"):
        return v in STRING_FAMILY or v in ("date", "datetime", "integer")
    if t in MANY_VALUED:
        return v in STRING_FAMILY or v in MANY_VALUED or v == "picklist"
    return False


def unify(a: Type, b: Type) -> Type:
    """The narrowest type both fit in (for `??`, `if`, list items, values tables), or `any`."""
    if a.kind == "null":
        return b
    if b.kind == "null":
        return a
    if a == b:
        return a
    if assignable(a, b):
        return b
    if assignable(b, a):
        return a
    if is_textual(a) and is_textual(b):
        return STRING
    return ANY
