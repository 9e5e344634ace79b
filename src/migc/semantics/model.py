"""The checked model: what `migc check` learned about a migration, as plain frozen data.

Later stages (lowering, plan, documents, the language server) read this instead of the AST:
the object rows of the scope table with their classification, each map's field programs and
what they read, the lookups between target objects and the load order they imply, every lossy
point and every source field nothing maps.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from migc.source import Span

Cardinality = Literal["1:1", "1:many", "lossy"]
Classification = Literal["1:1", "1:many", "lossy", "rebuild"]


class Consent(msgspec.Struct, frozen=True, kw_only=True):
    regulation: str
    subject: str
    span: Span


class Header(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    source: str
    target: str
    consent: Consent | None = None
    sample: int | None = None
    delta_window_seconds: int | None = None
    order: tuple[str, ...] = ()
    span: Span


class RefLink(msgspec.Struct, frozen=True, kw_only=True):
    """One object a `ref` looks up (a chain tries several, in order) and the fields it matches by."""

    target: str
    keys: tuple[str, ...]


class FieldProgram(msgspec.Struct, frozen=True, kw_only=True):
    """One target field and how its value is computed."""

    field: str
    type: str
    reads: tuple[str, ...]  # source fields the expression reads
    coercion: str = ""  # the `as` type, or the builtins that convert
    refs: tuple[RefLink, ...] = ()  # a lookup: the objects it tries, in order
    type_field: str = ""  # the field the lookup's ref also sets (catalog `type-field`), from the object found
    values_table: str = ""
    lossy: str = ""
    is_key: bool = False
    span: Span

    @property
    def ref_targets(self) -> tuple[str, ...]:
        """The objects the lookup may point at, in the order its links try them (empty if no ref)."""
        return tuple(dict.fromkeys(link.target for link in self.refs))


class MapInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    source: str
    target: str
    grouping: str = ""  # "", "distinct", "summarize"
    merge: bool = False  # updates records another map loads, found by `key`
    # A merge that looks up an object loading after its own: it runs once every object exists.
    late: bool = False
    route: str = ""  # "", "where", "otherwise"
    key: str = ""
    fields: tuple[FieldProgram, ...]
    drops: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    limit: int | None = None
    lossy: str = ""
    row: str
    span: Span


class Rebuild(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    destination: str
    items: tuple[str, ...]
    notes: tuple[str, ...]
    constraints: tuple[str, ...]
    lossy: tuple[str, ...]
    row: str
    span: Span


class ObjectRow(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the scope page's object table."""

    label: str
    target_label: str
    declared: Cardinality | None
    classification: Classification
    maps: tuple[str, ...]
    extends: tuple[str, ...]  # ids of maps (declared elsewhere) whose fields this row adds
    rebuilds: tuple[str, ...]
    notes: tuple[str, ...]
    lossy_reason: str = ""
    span: Span


class LossyPoint(msgspec.Struct, frozen=True, kw_only=True):
    row: str
    source: str
    target: str
    field: str
    kind: Literal["object", "field", "drop", "limit", "rebuild"]
    reason: str
    span: Span


class UnmappedField(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    field: str


class RefEdge(msgspec.Struct, frozen=True, kw_only=True):
    """`dependent.field` holds a lookup to `target`: `target` must load first (if we load it)."""

    dependent: str
    field: str
    target: str
    span: Span
    late: bool = False  # set by a `merge` map, which runs after every object is created


class SchemaChange(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["module", "field", "picklist"]
    object: str
    field: str = ""
    type: str = ""  # as written for people, e.g. `string(64)`
    values: tuple[str, ...] = ()  # picklist options: of a new picklist field, or the ones added
    label: str = ""
    length: int | None = None
    lookup: str = ""  # the object a lookup field points at
    required: bool = False
    unique: bool = False
    span: Span


class Model(msgspec.Struct, frozen=True, kw_only=True):
    header: Header
    rows: tuple[ObjectRow, ...]
    maps: tuple[MapInfo, ...]
    rebuilds: tuple[Rebuild, ...]
    schema: tuple[SchemaChange, ...]
    refs: tuple[RefEdge, ...]
    load_order: tuple[str, ...]
    lossy: tuple[LossyPoint, ...]
    unmapped: tuple[UnmappedField, ...]

    @property
    def compatibility(self) -> tuple[int, int]:
        """(rows that map 1:1, all rows): the scope page's "N of M objects map 1:1"."""
        one_to_one = sum(1 for row in self.rows if (row.declared or row.classification) == "1:1")
        return one_to_one, len(self.rows)
