"""Turns Lark parse trees into `migc.syntax.ast` nodes, with a `Span` on every node.

A rule's span is copied from its first and last tokens or nodes in one place (`_split`). Problems only visible at this level
(an unknown string escape, a header clause given twice) are collected as diagnostics.
"""

from __future__ import annotations

import re

import msgspec
from lark import Token, Transformer

from migc import codes
from migc.diagnostics import Diagnostics, Note
from migc.source import SourceFile, Span
from migc.syntax import ast

_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_BYTES = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}
_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "0": "\0"}


# Binding power and associativity of the binary operators, and of the prefix ones.
_BINARY = {
    "or": (1, "left"), "and": (2, "left"),
    "==": (4, "none"), "!=": (4, "none"), "<": (4, "none"), "<=": (4, "none"), ">": (4, "none"),
    ">=": (4, "none"), "in": (4, "none"), "not in": (4, "none"),
    "??": (5, "right"), "+": (6, "left"), "-": (6, "left"), "*": (7, "left"), "/": (7, "left"), "%": (7, "left"),
}
_PREFIX = {"not": 3, "-": 8}


class _Flag:
    """A field flag (`required`, `unique`, `label "..."`) with where it was written."""

    __slots__ = ("name", "value", "span")

    def __init__(self, name: str, value: object, span: Span) -> None:
        self.name, self.value, self.span = name, value, span


class _Group(tuple):
    """Arguments in parentheses, remembering where the parentheses are."""

    span: Span


def _group(span: Span, items) -> _Group:
    group = _Group(items)
    group.span = span
    return group


# Tokens the builder methods read; every other token (keywords, punctuation) only delimits.
_KEPT_TOKENS = frozenset(
    {
        "NAME", "QUOTED_NAME", "STRING", "INT", "DECIMAL", "DURATION", "SIZE", "TRUE", "FALSE", "NULL",
        "OR", "AND", "NOT", "IN", "EQ", "NE", "LT", "LE", "GT", "GE", "COALESCE", "PLUS", "MINUS", "STAR",
        "SLASH", "PERCENT", "ELLIPSIS", "PLUS_ASSIGN", "CARDINALITY", "MERGE", "QUARANTINE", "REPORT",
        "FUZZY", "BUILTIN", "AGGREGATE",
    }
)


def _edge(item, end: bool):
    """The token or span where `item` starts (or ends), None for an item that takes no room."""
    if type(item) is Token:
        return item
    span = getattr(item, "span", None)  # AST nodes, flags, parenthesised groups
    if span is not None:
        return span
    if isinstance(item, (tuple, list)):  # ("from", QualifiedName) style markers
        for part in reversed(item) if end else item:
            position = _edge(part, end)
            if position is not None:
                return position
    return None


class _Spliced:
    __slots__ = ("children",)

    def __init__(self, children: list) -> None:
        self.children = children


class AstBuilder(Transformer):
    """Builds AST nodes as the parser reduces (Lark's embedded transformer). One instance serves
    every parse; `start(source, diagnostics)` points it at the file being parsed."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.source = SourceFile("<none>", "")
        self.diagnostics = Diagnostics()

    def __default__(self, data, children, meta):
        # Only Lark's inlined `_rules` get here; their parent splices in `.children`, so a bare
        # holder is enough (a Tree would cost more for nothing).
        return _Spliced(children)

    def begin(self, source: SourceFile, diagnostics: Diagnostics) -> None:
        self.source = source
        self.diagnostics = diagnostics

    # ------------------------------------------------------------------ helpers

    def _split(self, children: list) -> tuple[Span, list]:
        """The span a rule covers, and its children without delimiting tokens (the parser keeps
        all tokens, because Lark's embedded transformer gets no position metadata). Tokens carry
        their lines and columns, so a span is copied from its edges, never searched for."""
        first = last = None
        for child in children:
            first = _edge(child, False)
            if first is not None:
                break
        for child in reversed(children):
            last = _edge(child, True)
            if last is not None:
                break
        kept = [c for c in children if type(c) is not Token or c.type in _KEPT_TOKENS]
        if first is None:
            return self.source.span(0, 0), kept
        if type(first) is Token:
            line, column, start = first.line, first.column, first.start_pos
        else:
            line, column, start = first.line, first.column, first.start
        if type(last) is Token and last.end_pos is None:
            last = self._token_span(last)  # a token Lark deep-copied (see `_token_span`)
        if type(last) is Token:
            end_line, end_column, end = last.end_line, last.end_column, last.end_pos
        else:
            end_line, end_column, end = last.end_line, last.end_column, last.end
        span = Span(file=self.source.name, line=line, column=column, end_line=end_line, end_column=end_column, start=start, end=end)
        return span, kept

    def _token_span(self, token: Token) -> Span:
        if token.end_pos is None:
            # Lark deep-copies tokens for a recovery trial (`parser.copy()`), keeping only where
            # they start: find the end from the text.
            return self.source.span(token.start_pos or 0, (token.start_pos or 0) + len(token.value))
        return Span(
            file=self.source.name, line=token.line, column=token.column, end_line=token.end_line,
            end_column=token.end_column, start=token.start_pos, end=token.end_pos,
        )

    def _unescape(self, raw: str, start: int) -> str:
        body = raw[1:-1]

        def replace(match: re.Match[str]) -> str:
            escape = match.group(1)
            if escape.startswith("u{"):
                code_point = int(escape[2:-1], 16)
                if code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
                    return chr(code_point)
            elif escape in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[escape]
            offset = start + 1 + match.start()
            self.diagnostics.add(
                codes.INVALID_ESCAPE,
                self.source.span(offset, offset + len(match.group(0))),
                f"unknown escape `{match.group(0)}` in a string",
                notes=[Note(message="known escapes: \\n \\t \\r \\\" \\\\ \\0 \\u{1F600}")],
            )
            return match.group(0)

        return _ESCAPE.sub(replace, body) if "\\" in body else body

    # ------------------------------------------------------------------ leaves

    def name(self, children):
        token = children[0]
        text = token.value[1:-1] if token.type == "QUOTED_NAME" else token.value
        return ast.Name(span=self._token_span(token), text=text)

    def path(self, children):
        span, children = self._split(children)
        return ast.Path(span=span, parts=tuple(children))

    def qualified_name(self, children):
        span, children = self._split(children)
        return ast.QualifiedName(span=span, object=children[0], field=children[1])

    def string(self, children):
        token = children[0]
        value = self._unescape(token.value, token.start_pos)
        return ast.Literal(span=self._token_span(token), kind="string", value=value, text=token.value)

    def integer(self, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="integer", value=int(token.value), text=token.value)

    def decimal(self, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="decimal", value=float(token.value), text=token.value)

    def boolean(self, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="boolean", value=token.value == "true", text=token.value)

    def null(self, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="null", value=None, text=token.value)

    def duration(self, children):
        token = children[0]
        number, unit = re.fullmatch(r"(\d+)(\w+)", token.value).groups()
        seconds = int(number) * _DURATION_SECONDS[unit]
        return ast.Literal(span=self._token_span(token), kind="duration", value=seconds, text=token.value)

    def size(self, children):
        token = children[0]
        number, unit = re.fullmatch(r"(\d+)(\w+)", token.value).groups()
        return ast.Literal(
            span=self._token_span(token), kind="size", value=int(number) * _SIZE_BYTES[unit], text=token.value
        )

    def _string_lit(self, literal: ast.Literal) -> ast.StringLit:
        return ast.StringLit(span=literal.span, value=literal.value)

    # ------------------------------------------------------------------ expressions

    def name_ref(self, children):
        # The grammar reads a bare name here as a token (a `name` rule would cost a reduction).
        name = self.name(children)
        return ast.NameRef(span=name.span, name=name)

    def member(self, children):
        span, children = self._split(children)
        return ast.Member(span=span, value=children[0], name=children[1])

    def index(self, children):
        span, children = self._split(children)
        return ast.Index(span=span, value=children[0], index=children[1])

    def call(self, children):
        span, children = self._split(children)
        return ast.Call(span=span, function=children[0], args=tuple(children[1:]))

    def atom(self, children):
        """`( expr )`: the parentheses only group; the node's span includes them."""
        span, children = self._split(children)
        return msgspec.structs.replace(children[0], span=span)

    def call_args(self, children):
        span, children = self._split(children)
        return _group(span, children)

    def pipe(self, children):
        span, children = self._split(children)
        args = tuple(children[2]) if len(children) > 2 else ()
        return ast.Pipe(span=span, value=children[0], function=children[1], args=args)

    def expr(self, children):
        """A flat chain of operands and operator tokens, resolved by precedence climbing."""
        span, children = self._split(children)
        return _Climber(self, children).expression(0)

    def cast(self, children):
        span, children = self._split(children)
        return ast.Cast(span=span, value=children[0], type=children[1])

    def if_expr(self, children):
        span, children = self._split(children)
        return ast.IfExpr(span=span, condition=children[0], then=children[1], otherwise=children[2])

    def list_expr(self, children):
        span, children = self._split(children)
        return ast.ListExpr(span=span, items=tuple(children))

    # ------------------------------------------------------------------ types

    def type_expr(self, children):
        span, children = self._split(children)
        args = tuple(children[1]) if len(children) > 1 else ()
        return ast.TypeExpr(span=span, name=children[0], args=args)

    def type_args(self, children):
        span, children = self._split(children)
        return _group(span, children)

    def generic_type(self, children):
        span, children = self._split(children)
        return ast.TypeExpr(span=span, name=children[0], item=children[1])

    def function_type(self, children):
        span, children = self._split(children)
        *params, returns = children
        fn_name = ast.Name(span=self.source.span(span.start, span.start + 2), text="fn")
        return ast.TypeExpr(span=span, name=fn_name, params=tuple(params), returns=returns)

    # ------------------------------------------------------------------ header

    def migration(self, children):
        span, children = self._split(children)
        name, *clauses = children
        seen: dict[type, ast.Node] = {}
        for clause in clauses:
            kind = type(clause)
            if kind in seen:
                keyword = _CLAUSE_KEYWORDS[kind]
                self.diagnostics.add(
                    codes.DUPLICATE_CLAUSE,
                    clause.span,
                    f"`{keyword}` is given twice in the migration header",
                    notes=[Note(message="first given here", span=seen[kind].span)],
                )
            else:
                seen[kind] = clause
        return ast.Migration(span=span, name=name, clauses=tuple(clauses))

    def from_clause(self, children):
        span, children = self._split(children)
        return ast.FromClause(span=span, platform=children[0])

    def to_clause(self, children):
        span, children = self._split(children)
        return ast.ToClause(span=span, platform=children[0])

    def consent_clause(self, children):
        span, children = self._split(children)
        regulation, subject, condition = children
        return ast.ConsentClause(span=span, regulation=regulation, subject=subject, condition=condition)

    def sample_clause(self, children):
        span, children = self._split(children)
        return ast.SampleClause(span=span, size=int(children[0].value))

    def delta_clause(self, children):
        span, children = self._split(children)
        return ast.DeltaClause(span=span, window=self.duration(children))

    def order_clause(self, children):
        span, children = self._split(children)
        return ast.OrderClause(span=span, objects=tuple(children))

    # ------------------------------------------------------------------ declarations

    def import_decl(self, children):
        span, children = self._split(children)
        *names, path = children
        return ast.Import(span=span, names=tuple(names), path=self._string_lit(path))

    def let_decl(self, children):
        span, children = self._split(children)
        return ast.Let(span=span, name=children[0], value=children[1])

    def values_decl(self, children):
        span, children = self._split(children)
        name = children[0]
        source = target = default = None
        entries = []
        for child in children[1:]:
            if isinstance(child, tuple) and child[0] == "from":
                source = child[1]
            elif isinstance(child, tuple) and child[0] == "to":
                target = child[1]
            elif isinstance(child, tuple) and child[0] == "else":
                default = child[1]
            else:
                entries.append(child)
        return ast.ValuesTable(
            span=span, name=name, source=source, target=target, entries=tuple(entries), default=default
        )

    def values_from(self, children):
        span, children = self._split(children)
        return ("from", children[0])

    def values_to(self, children):
        span, children = self._split(children)
        return ("to", children[0])

    def values_else(self, children):
        span, children = self._split(children)
        return ("else", children[0])

    def value_entry(self, children):
        span, children = self._split(children)
        *keys, value = children
        return ast.ValueEntry(span=span, keys=tuple(keys), value=value)

    def _field_flags(self, flags: list[_Flag]) -> dict:
        return {flag.name: flag.value for flag in flags}

    def required_flag(self, children):
        span, children = self._split(children)
        return _Flag("required", True, span)

    def unique_flag(self, children):
        span, children = self._split(children)
        return _Flag("unique", True, span)

    def label_flag(self, children):
        span, children = self._split(children)
        return _Flag("label", self._string_lit(children[0]), span)

    def field_decl(self, children):
        span, children = self._split(children)
        name, type_, *flags = children
        return ast.FieldDecl(span=span, name=name, type=type_, **self._field_flags(flags))

    def create_module(self, children):
        span, children = self._split(children)
        name = children[0]
        rest = children[1:]
        label = None
        if rest and isinstance(rest[0], ast.Literal):
            label = self._string_lit(rest[0])
            rest = rest[1:]
        return ast.CreateModule(span=span, name=name, label=label, fields=tuple(rest))

    def create_field(self, children):
        span, children = self._split(children)
        target, type_, *flags = children
        return ast.CreateField(span=span, target=target, type=type_, **self._field_flags(flags))

    def create_picklist(self, children):
        span, children = self._split(children)
        target, _plus_assign, *values = children
        return ast.CreatePicklist(
            span=span, target=target, values=tuple(self._string_lit(v) for v in values)
        )

    def builtin_decl(self, children):
        span, children = self._split(children)
        kind, name, *rest = children
        doc = None
        if rest and isinstance(rest[-1], ast.Literal):
            doc = self._string_lit(rest.pop())
        returns = rest.pop()
        return ast.BuiltinDecl(
            span=span,
            name=name,
            params=tuple(rest),
            returns=returns,
            doc=doc,
            aggregate=kind.value == "aggregate",
        )

    def param(self, children):
        span, children = self._split(children)
        name, type_, *rest = children
        variadic = bool(rest) and isinstance(rest[0], Token) and rest[0].type == "ELLIPSIS"
        if variadic:
            rest = rest[1:]
        default = rest[0] if rest else None
        return ast.Param(span=span, name=name, type=type_, variadic=variadic, default=default)

    # ------------------------------------------------------------------ mapping

    def object_block(self, children):
        span, children = self._split(children)
        label, target_label, *items = children
        cardinality = items.pop(0) if items and isinstance(items[0], ast.Cardinality) else None
        return ast.ObjectBlock(
            span=span,
            label=self._string_lit(label),
            target_label=self._string_lit(target_label),
            cardinality=cardinality,
            items=tuple(items),
        )

    def cardinality(self, children):
        span, children = self._split(children)
        return ast.Cardinality(span=span, kind=children[0].value)

    def lossy_cardinality(self, children):
        span, children = self._split(children)
        reason = self._string_lit(children[0]) if children else None
        return ast.Cardinality(span=span, kind="lossy", reason=reason)

    def map_block(self, children):
        span, children = self._split(children)
        source = children[0]
        rest = children[1:]
        grouping = None
        if rest and isinstance(rest[0], ast.Grouping):
            grouping = rest[0]
            rest = rest[1:]
        target = rest[0]
        rest = rest[1:]
        merge = bool(rest) and isinstance(rest[0], Token) and rest[0].type == "MERGE"
        if merge:
            rest = rest[1:]
        route = lossy = None
        if rest and isinstance(rest[0], ast.Route):
            route = rest[0]
            rest = rest[1:]
        if rest and isinstance(rest[0], tuple) and rest[0][0] == "map_lossy":
            lossy = rest[0][1]
            rest = rest[1:]
        return ast.MapBlock(
            span=span,
            source=source,
            grouping=grouping,
            target=target,
            merge=merge,
            route=route,
            lossy=lossy,
            body=tuple(rest),
        )

    def distinct_grouping(self, children):
        span, children = self._split(children)
        return ast.Grouping(span=span, kind="distinct", keys=tuple(children))

    def summarize_grouping(self, children):
        span, children = self._split(children)
        return ast.Grouping(span=span, kind="summarize", keys=tuple(children))

    def where_route(self, children):
        span, children = self._split(children)
        return ast.Route(span=span, kind="where", condition=children[0])

    def otherwise_route(self, children):
        span, children = self._split(children)
        return ast.Route(span=span, kind="otherwise")

    def map_lossy(self, children):
        span, children = self._split(children)
        return ("map_lossy", self._string_lit(children[0]))

    def extend_block(self, children):
        span, children = self._split(children)
        source, target, *body = children
        return ast.ExtendBlock(span=span, source=source, target=target, body=tuple(body))

    def key_stmt(self, children):
        span, children = self._split(children)
        lossy = children[2] if len(children) > 2 else None
        return ast.KeyStmt(span=span, field=children[0], value=children[1], lossy=lossy)

    def lossy_note(self, children):
        span, children = self._split(children)
        return self._string_lit(children[0])

    def assign(self, children):
        span, children = self._split(children)
        field, value, *rest = children
        return ast.Assign(span=span, field=field, value=value, lossy=rest[0] if rest else None)

    def drop_stmt(self, children):
        span, children = self._split(children)
        lossy = children[-1] if isinstance(children[-1], ast.StringLit) else None
        paths = children[:-1] if lossy else children
        return ast.Drop(span=span, paths=tuple(paths), lossy=lossy)

    def flag_stmt(self, children):
        span, children = self._split(children)
        message, condition, action = children
        return ast.Flag(
            span=span, message=self._string_lit(message), condition=condition, action=action.value
        )

    def limit_stmt(self, children):
        span, children = self._split(children)
        count, per, *rest = children
        return ast.Limit(span=span, count=int(count.value), per=per, lossy=rest[0] if rest else None)

    def local_let(self, children):
        span, children = self._split(children)
        return ast.LocalLet(span=span, name=children[0], value=children[1])

    def note_stmt(self, children):
        span, children = self._split(children)
        return ast.NoteStmt(span=span, text=self._string_lit(children[0]))

    def lossy_stmt(self, children):
        span, children = self._split(children)
        return ast.LossyStmt(span=span, text=self._string_lit(children[0]))

    def list_stmt(self, children):
        span, children = self._split(children)
        return ast.ListStmt(span=span, paths=tuple(children))

    def ref_lookup(self, children):
        span, children = self._split(children)
        target, *rest = children
        fallback = None
        quarantine = False
        otherwise = None
        if rest and isinstance(rest[-1], tuple):
            kind, value = rest.pop()
            if kind == "quarantine":  # value is the `quarantine` token
                quarantine = True
            elif kind == "ref":
                otherwise = value
            else:
                fallback = value
        return ast.RefLookup(
            span=span, target=target, matches=tuple(rest), otherwise=otherwise, fallback=fallback, quarantine=quarantine
        )

    def ref_match(self, children):
        span, children = self._split(children)
        fuzzy = isinstance(children[0], Token)
        if fuzzy:
            children = children[1:]
        return ast.RefMatch(span=span, field=children[0], value=children[1], fuzzy=fuzzy)

    def ref_else(self, children):
        span, children = self._split(children)
        return ("value", children[0])

    def ref_else_quarantine(self, children):
        span, children = self._split(children)
        return ("quarantine", children[0])

    def ref_else_ref(self, children):
        span, children = self._split(children)
        return ("ref", children[0])

    def rebuild_block(self, children):
        span, children = self._split(children)
        source, destination, *body = children
        return ast.RebuildBlock(
            span=span, source=source, destination=self._string_lit(destination), body=tuple(body)
        )

    def start(self, children):
        span, children = self._split(children)
        return ast.Module(span=self.source.span(0, len(self.source.text)), items=tuple(children))


_CLAUSE_KEYWORDS = {
    ast.FromClause: "from",
    ast.ToClause: "to",
    ast.ConsentClause: "consent",
    ast.SampleClause: "sample",
    ast.DeltaClause: "delta window",
    ast.OrderClause: "order",
}


class _Climber:
    """Precedence climbing over `expr`'s flat children (operands and operator tokens)."""

    def __init__(self, builder: AstBuilder, items: list) -> None:
        self.builder = builder
        self.items = items
        self.position = 0

    def expression(self, min_power: int):
        item = self.items[self.position]
        self.position += 1
        if isinstance(item, Token):  # a prefix operator
            operand = self.expression(_PREFIX[item.value])
            span = self.builder._token_span(item).cover(operand.span)
            left = ast.Unary(span=span, op=item.value, operand=operand)
        else:
            left = item
        while self.position < len(self.items):
            token = self.items[self.position]
            op, width = token.value, 1
            if op == "not":  # `not in`
                op, width = "not in", 2
            power, associativity = _BINARY[op]
            if power < min_power:
                break
            self.position += width
            right = self.expression(power if associativity == "right" else power + 1)
            left = ast.Binary(span=left.span.cover(right.span), op=op, left=left, right=right)
            if associativity == "none" and self.position < len(self.items):
                following = self.items[self.position].value
                if following in _BINARY and _BINARY[following][0] == power or following == "not":
                    self.builder.diagnostics.add(
                        codes.UNEXPECTED_TOKEN,
                        self.builder._token_span(self.items[self.position]),
                        f"comparisons do not chain: write `a {op} b and b {following} c`, or add parentheses",
                    )
        return left
