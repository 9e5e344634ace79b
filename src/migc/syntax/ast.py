"""The abstract syntax tree of a .mig file: frozen nodes, each with a `Span`.

Nodes are msgspec Structs compared by value. The generic helpers (`children`, `walk`, `dump`,
`Visitor`) are written once here and work for every node class, the way Jinja2's `nodes.py` does.
Field order in each class is the order `dump()` prints and `children()` yields.
"""

from __future__ import annotations

import typing
from typing import Any, Union

import msgspec

from migc.source import Span


class Node(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    # gc=False: a syntax tree is built bottom-up from immutable parts, so it cannot hold a
    # reference cycle, and the collector need not walk its nodes (a fifth of a large check).
    span: Span


# ---------------------------------------------------------------------------- leaves


class Name(Node, frozen=True, kw_only=True):
    """An identifier as written (backquotes removed)."""

    text: str


class Path(Node, frozen=True, kw_only=True):
    """A dotted source-field path such as `device.os`."""

    parts: tuple[Name, ...]

    @property
    def dotted(self) -> str:
        return ".".join(part.text for part in self.parts)


class QualifiedName(Node, frozen=True, kw_only=True):
    """`Object.field`."""

    object: Name
    field: Name

    @property
    def dotted(self) -> str:
        return f"{self.object.text}.{self.field.text}"


class StringLit(Node, frozen=True, kw_only=True):
    value: str


# ---------------------------------------------------------------------------- expressions

LiteralKind = typing.Literal["string", "integer", "decimal", "boolean", "null", "duration", "size"]


class Literal(Node, frozen=True, kw_only=True):
    """A literal; `value` is the Python value (durations in seconds, sizes in bytes)."""

    kind: LiteralKind
    value: str | int | float | bool | None
    text: str


class NameRef(Node, frozen=True, kw_only=True):
    name: Name


class Member(Node, frozen=True, kw_only=True):
    value: Expr
    name: Name


class Index(Node, frozen=True, kw_only=True):
    value: Expr
    index: Expr


class Call(Node, frozen=True, kw_only=True):
    function: Name
    args: tuple[Expr, ...]


class Pipe(Node, frozen=True, kw_only=True):
    """`value | function(args)`: calls `function(value, *args)`."""

    value: Expr
    function: Name
    args: tuple[Expr, ...]


class Binary(Node, frozen=True, kw_only=True):
    op: str
    left: Expr
    right: Expr


class Unary(Node, frozen=True, kw_only=True):
    op: str
    operand: Expr


class Cast(Node, frozen=True, kw_only=True):
    value: Expr
    type: TypeExpr


class IfExpr(Node, frozen=True, kw_only=True):
    condition: Expr
    then: Expr
    otherwise: Expr


class ListExpr(Node, frozen=True, kw_only=True):
    items: tuple[Expr, ...]


Expr = Union[Literal, NameRef, Member, Index, Call, Pipe, Binary, Unary, Cast, IfExpr, ListExpr]


# ---------------------------------------------------------------------------- types


class TypeExpr(Node, frozen=True, kw_only=True):
    """`string(80)`, `decimal(16, 2)`, `picklist("a", "b")`, `lookup(Accounts)`, `list[string]`,
    `fn(T) -> U`. `args` hold literals and names; `item` the element type of `list[...]`."""

    name: Name
    args: tuple[Literal | Name, ...] = ()
    item: TypeExpr | None = None
    params: tuple[TypeExpr, ...] = ()
    returns: TypeExpr | None = None


# ---------------------------------------------------------------------------- header


class FromClause(Node, frozen=True, kw_only=True):
    platform: Name


class ToClause(Node, frozen=True, kw_only=True):
    platform: Name


class ConsentClause(Node, frozen=True, kw_only=True):
    """`consent gdpr for User when country in eu_countries`."""

    regulation: Name
    subject: Name
    condition: Expr


class SampleClause(Node, frozen=True, kw_only=True):
    size: int


class DeltaClause(Node, frozen=True, kw_only=True):
    window: Literal


class OrderClause(Node, frozen=True, kw_only=True):
    objects: tuple[Name, ...]


HeaderClause = Union[FromClause, ToClause, ConsentClause, SampleClause, DeltaClause, OrderClause]


class Migration(Node, frozen=True, kw_only=True):
    name: Name
    clauses: tuple[HeaderClause, ...]

    def clause(self, kind: type) -> Any:
        for clause in self.clauses:
            if isinstance(clause, kind):
                return clause
        return None


# ---------------------------------------------------------------------------- declarations


class Import(Node, frozen=True, kw_only=True):
    """`import "file.mig"` (all names) or `import a, b from "file.mig"`."""

    names: tuple[Name, ...]
    path: StringLit


class Let(Node, frozen=True, kw_only=True):
    name: Name
    value: Expr


class ValueEntry(Node, frozen=True, kw_only=True):
    keys: tuple[Literal, ...]
    value: Expr


class ValuesTable(Node, frozen=True, kw_only=True):
    name: Name
    source: QualifiedName | None
    target: QualifiedName | None
    entries: tuple[ValueEntry, ...]
    default: Expr | None


class FieldDecl(Node, frozen=True, kw_only=True):
    name: Name
    type: TypeExpr
    required: bool = False
    unique: bool = False
    label: StringLit | None = None


class CreateModule(Node, frozen=True, kw_only=True):
    name: Name
    label: StringLit | None
    fields: tuple[FieldDecl, ...]


class CreateField(Node, frozen=True, kw_only=True):
    target: QualifiedName
    type: TypeExpr
    required: bool = False
    unique: bool = False
    label: StringLit | None = None


class CreatePicklist(Node, frozen=True, kw_only=True):
    """`create picklist Contacts.Lead_Source += ["Netmera"]`: options added to a target picklist."""

    target: QualifiedName
    values: tuple[StringLit, ...]


class Param(Node, frozen=True, kw_only=True):
    name: Name
    type: TypeExpr
    variadic: bool = False
    default: Expr | None = None


class BuiltinDecl(Node, frozen=True, kw_only=True):
    name: Name
    params: tuple[Param, ...]
    returns: TypeExpr
    doc: StringLit | None
    aggregate: bool = False


# ---------------------------------------------------------------------------- statements


class RefMatch(Node, frozen=True, kw_only=True):
    field: Name
    value: Expr
    fuzzy: bool = False


class RefLookup(Node, frozen=True, kw_only=True):
    """`ref Accounts by Account_Name = trim(company) then fuzzy ... else null`.

    `otherwise` is the next link of a chain (`... else ref leads by ...`), tried when this one
    matches nothing; its span starts at its own `ref`. The last link ends the chain: `fallback`
    is the value when no link matches, `quarantine` sets the record aside instead."""

    target: Name
    matches: tuple[RefMatch, ...]
    otherwise: RefLookup | None = None
    fallback: Expr | None = None
    quarantine: bool = False

    @property
    def links(self) -> tuple[RefLookup, ...]:
        """This link and every one after it, in the order they are tried."""
        chain = [self]
        while chain[-1].otherwise is not None:
            chain.append(chain[-1].otherwise)
        return tuple(chain)

    @property
    def last(self) -> RefLookup:
        """The link that says what happens when none matches (`fallback`, `quarantine`)."""
        link = self
        while link.otherwise is not None:
            link = link.otherwise
        return link


class KeyStmt(Node, frozen=True, kw_only=True):
    field: Name
    value: Expr
    lossy: StringLit | None = None


class Assign(Node, frozen=True, kw_only=True):
    field: Name
    value: Expr | RefLookup
    lossy: StringLit | None = None


class Drop(Node, frozen=True, kw_only=True):
    paths: tuple[Path, ...]
    lossy: StringLit | None = None


class Flag(Node, frozen=True, kw_only=True):
    message: StringLit
    condition: Expr
    action: typing.Literal["quarantine", "report"]


class Limit(Node, frozen=True, kw_only=True):
    count: int
    per: Expr
    lossy: StringLit | None = None


class LocalLet(Node, frozen=True, kw_only=True):
    name: Name
    value: Expr


class NoteStmt(Node, frozen=True, kw_only=True):
    text: StringLit


class LossyStmt(Node, frozen=True, kw_only=True):
    text: StringLit


class ListStmt(Node, frozen=True, kw_only=True):
    paths: tuple[Path, ...]


MapStmt = Union[KeyStmt, Assign, Drop, Flag, Limit, LocalLet, NoteStmt]
RebuildStmt = Union[ListStmt, NoteStmt, Flag, LossyStmt]


# ---------------------------------------------------------------------------- blocks


class Grouping(Node, frozen=True, kw_only=True):
    """`distinct by expr` (first record of each key) or `summarize by a, b` (aggregates)."""

    kind: typing.Literal["distinct", "summarize"]
    keys: tuple[Expr, ...]


class Route(Node, frozen=True, kw_only=True):
    kind: typing.Literal["where", "otherwise"]
    condition: Expr | None = None


class MapBlock(Node, frozen=True, kw_only=True):
    """`map Src -> Dst { ... }`; with `merge`, updates the `Dst` records another map loads
    (matched by this map's `key`) instead of creating records."""

    source: Name
    grouping: Grouping | None
    target: Name
    merge: bool
    route: Route | None
    lossy: StringLit | None
    body: tuple[MapStmt, ...]


class ExtendBlock(Node, frozen=True, kw_only=True):
    source: Name
    target: Name
    body: tuple[MapStmt, ...]


class RebuildBlock(Node, frozen=True, kw_only=True):
    source: Name
    destination: StringLit
    body: tuple[RebuildStmt, ...]


class Cardinality(Node, frozen=True, kw_only=True):
    kind: typing.Literal["1:1", "1:many", "lossy"]
    reason: StringLit | None = None


class ObjectBlock(Node, frozen=True, kw_only=True):
    """One row of the scope page's object table, grouping the blocks that implement it."""

    label: StringLit
    target_label: StringLit
    cardinality: Cardinality | None  # None: computed from the maps
    items: tuple[MapBlock | ExtendBlock | RebuildBlock | NoteStmt, ...]


Item = Union[
    Migration,
    Import,
    Let,
    ValuesTable,
    CreateModule,
    CreateField,
    CreatePicklist,
    ObjectBlock,
    MapBlock,
    ExtendBlock,
    RebuildBlock,
    BuiltinDecl,
]


class Module(Node, frozen=True, kw_only=True):
    """One parsed file."""

    items: tuple[Item, ...]

    @property
    def migration(self) -> Migration | None:
        for item in self.items:
            if isinstance(item, Migration):
                return item
        return None


# ---------------------------------------------------------------------------- generic helpers


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: Node) -> list[Node]:
    """The direct child nodes, in field order."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind.__struct_fields__ if f != "span")
    found: list[Node] = []
    for field in fields:
        value = getattr(node, field)
        if isinstance(value, Node):
            found.append(value)
        elif type(value) is tuple:
            found.extend(item for item in value if isinstance(item, Node))
    return found


def walk(node: Node) -> list[Node]:
    """Every node of the tree, depth first, parents before children (a list: callers read all
    of it, and one list costs less than a generator per node)."""
    order: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(reversed(children(current)))
    return order


def node_at(root: Node, offset: int) -> list[Node]:
    """The chain of nodes whose span contains `offset`, outermost first."""
    chain: list[Node] = []
    current: Node | None = root
    while current is not None:
        chain.append(current)
        current = next((c for c in children(current) if c.span.contains(offset)), None)
    return chain


def dump(node: Node, *, spans: bool = True) -> str:
    """A stable, indented text form of a tree for snapshots and equality up to layout."""
    out: list[str] = []
    _dump(node, 0, spans, out)
    return "\n".join(out)


def _dump(node: Node, depth: int, spans: bool, out: list[str]) -> None:
    indent = "  " * depth
    name = type(node).__name__
    location = f" @{node.span.line}:{node.span.column}-{node.span.end_line}:{node.span.end_column}" if spans else ""
    scalars = []
    nested: list[tuple[str, Any]] = []
    for field in node.__struct_fields__:
        if field == "span":
            continue
        value = getattr(node, field)
        if isinstance(value, Node) or (isinstance(value, tuple) and value and isinstance(value[0], Node)):
            nested.append((field, value))
        elif isinstance(value, tuple) and not value:
            continue
        elif value is None or value is False:
            continue
        else:
            scalars.append(f"{field}={value!r}")
    out.append(f"{indent}{name}{location}" + (" " + " ".join(scalars) if scalars else ""))
    for field, value in nested:
        out.append(f"{indent}  .{field}")
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            _dump(item, depth + 2, spans, out)


class Visitor:
    """Dispatches `visit(node)` to `visit_<ClassName>`; unhandled nodes visit their children."""

    def visit(self, node: Node) -> Any:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            return self.generic_visit(node)
        return method(node)

    def generic_visit(self, node: Node) -> Any:
        for child in children(node):
            self.visit(child)
        return None
