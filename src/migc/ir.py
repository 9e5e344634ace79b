"""The IR: a checked migration as plain frozen data, the contract between compiler and runtime.

Names are resolved (a field read, a module constant, a block-local, a values table, a builtin),
types are settled, and every map carries what the runtime needs to route, group, transform,
flag, cap and load its records. Each node keeps the `.mig` span it came from, so a record that
fails at run time is reported at the line that produced the bad value.
"""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from migc.source import Span


class _Node(msgspec.Struct, frozen=True, kw_only=True, tag_field="node"):
    span: Span


class Const(_Node, tag="const"):
    value: Any


class FieldRead(_Node, tag="field"):
    """A source field; `path` has more than one part for nested json (`device.os`)."""

    path: tuple[str, ...]


class ConstRef(_Node, tag="constref"):
    """A module-level `let` (evaluated once per run)."""

    name: str


class LocalRef(_Node, tag="local"):
    name: str


class ValueRef(_Node, tag="value"):
    """`value` inside a values table's `else`."""


class Call(_Node, tag="call"):
    function: str
    args: tuple[Expr, ...]


class FunctionRef(_Node, tag="fnref"):
    """A builtin or values table passed by name (`each(tags, normalize_tag)`)."""

    name: str
    values_table: bool = False


class ValuesCall(_Node, tag="values"):
    table: str
    arg: Expr


class Aggregate(_Node, tag="aggregate"):
    function: str
    arg: Expr | None


class BinaryOp(_Node, tag="binary"):
    op: str
    left: Expr
    right: Expr


class UnaryOp(_Node, tag="unary"):
    op: str
    operand: Expr


class Member(_Node, tag="member"):
    value: Expr
    name: str


class IndexOp(_Node, tag="index"):
    value: Expr
    index: Expr


class Convert(_Node, tag="convert"):
    """`value as <type>`: `kind` is the target type's kind; `values` bound a picklist."""

    value: Expr
    kind: str
    length: int | None = None
    values: tuple[str, ...] = ()


class Conditional(_Node, tag="if"):
    condition: Expr
    then: Expr
    otherwise: Expr


class ListOf(_Node, tag="list"):
    items: tuple[Expr, ...]


Expr = Union[
    Const, FieldRead, ConstRef, LocalRef, ValueRef, Call, FunctionRef, ValuesCall, Aggregate,
    BinaryOp, UnaryOp, Member, IndexOp, Convert, Conditional, ListOf,
]


class RefMatch(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    value: Expr
    fuzzy: bool = False


class RefLink(msgspec.Struct, frozen=True, kw_only=True):
    """One object a lookup tries: through the id map when `target` is loaded by this run, else by
    searching the target; the first match of `matches` in order wins. Where the lookup has a type
    field, `type_value` is what it takes when this link finds the record."""

    target: str
    matches: tuple[RefMatch, ...]
    type_value: str = ""


class RefLookup(msgspec.Struct, frozen=True, kw_only=True):
    """A lookup the loader resolves link by link (`ref A by ... else ref B by ...`): the first link
    that finds a record wins and sets `type_field` (if any) to its `type_value`. When none does,
    `fallback` is the value, or `quarantine` sets the record aside.

    The generated transform computes the values of every link's matches, in link order, as one
    tuple: `split` hands each link its own."""

    links: tuple[RefLink, ...]
    fallback: Expr | None = None
    quarantine: bool = False
    type_field: str = ""

    @property
    def matches(self) -> tuple[RefMatch, ...]:
        """Every link's matches, in the order their values come."""
        return tuple(match for link in self.links for match in link.matches)

    @property
    def targets(self) -> tuple[str, ...]:
        """The objects the links look up, in order, each once."""
        return tuple(dict.fromkeys(link.target for link in self.links))

    def split(self, values: tuple | list) -> list[tuple[RefLink, tuple]]:
        """Each link with the values of its own matches."""
        pairs, start = [], 0
        for link in self.links:
            end = start + len(link.matches)
            pairs.append((link, tuple(values[start:end])))
            start = end
        return pairs


class FieldStep(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    value: Expr | None = None
    ref: RefLookup | None = None
    lossy: str = ""
    span: Span


class LocalStep(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    value: Expr
    span: Span


class FlagStep(msgspec.Struct, frozen=True, kw_only=True):
    message: str
    condition: Expr
    action: Literal["quarantine", "report"]
    span: Span


class MapProgram(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    source: str
    target: str
    merge: bool = False
    grouping: Literal["", "distinct", "summarize"] = ""
    group_keys: tuple[Expr, ...] = ()
    route: Literal["", "where", "otherwise"] = ""
    condition: Expr | None = None
    key_field: str = ""
    steps: tuple[FieldStep | LocalStep, ...]
    flags: tuple[FlagStep, ...] = ()
    limit: int | None = None
    limit_per: Expr | None = None
    span: Span


class ValuesTable(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    entries: tuple[tuple[Any, Expr], ...]
    default: Expr | None = None
    span: Span


class Constant(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    value: Expr
    span: Span


class Program(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the runtime executes, in load order."""

    name: str
    source: str
    target: str
    constants: tuple[Constant, ...]
    values: tuple[ValuesTable, ...]
    maps: tuple[MapProgram, ...]
    load_order: tuple[str, ...]
