"""Turns Lark parse trees into `migc.syntax.ast` nodes, with a `Span` on every node.

Lark's `meta` becomes a Span in one place (`_span`). Problems only visible at this level
(an unknown string escape, a header clause given twice) are collected as diagnostics.
"""

from __future__ import annotations

import re
from typing import Any

from lark import Token, Transformer, Tree, v_args

from migc import codes
from migc.diagnostics import Diagnostics, Note
from migc.source import SourceFile, Span
from migc.syntax import ast

_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_BYTES = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}
_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "0": "\0"}


@v_args(meta=True)
class AstBuilder(Transformer):
    def __init__(self, source: SourceFile, diagnostics: Diagnostics) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        self.diagnostics = diagnostics

    # ------------------------------------------------------------------ helpers

    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True) or meta.start_pos is None or meta.end_pos is None:
            return self.source.span(0, 0)
        return self.source.span(meta.start_pos, meta.end_pos)

    def _token_span(self, token: Token) -> Span:
        return self.source.span(token.start_pos, token.end_pos)

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

    def name(self, meta, children):
        token = children[0]
        text = token.value[1:-1] if token.type == "QUOTED_NAME" else token.value
        return ast.Name(span=self._token_span(token), text=text)

    def path(self, meta, children):
        return ast.Path(span=self._span(meta), parts=tuple(children))

    def qualified_name(self, meta, children):
        return ast.QualifiedName(span=self._span(meta), object=children[0], field=children[1])

    def string(self, meta, children):
        token = children[0]
        value = self._unescape(token.value, token.start_pos)
        return ast.Literal(span=self._token_span(token), kind="string", value=value, text=token.value)

    def integer(self, meta, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="integer", value=int(token.value), text=token.value)

    def decimal(self, meta, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="decimal", value=float(token.value), text=token.value)

    def boolean(self, meta, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="boolean", value=token.value == "true", text=token.value)

    def null(self, meta, children):
        token = children[0]
        return ast.Literal(span=self._token_span(token), kind="null", value=None, text=token.value)

    def duration(self, meta, children):
        token = children[0]
        number, unit = re.fullmatch(r"(\d+)(\w+)", token.value).groups()
        seconds = int(number) * _DURATION_SECONDS[unit]
        return ast.Literal(span=self._token_span(token), kind="duration", value=seconds, text=token.value)

    def size(self, meta, children):
        token = children[0]
        number, unit = re.fullmatch(r"(\d+)(\w+)", token.value).groups()
        return ast.Literal(
            span=self._token_span(token), kind="size", value=int(number) * _SIZE_BYTES[unit], text=token.value
        )

    def _string_lit(self, literal: ast.Literal) -> ast.StringLit:
        return ast.StringLit(span=literal.span, value=literal.value)

    # ------------------------------------------------------------------ expressions

    def name_ref(self, meta, children):
        return ast.NameRef(span=self._span(meta), name=children[0])

    def member(self, meta, children):
        return ast.Member(span=self._span(meta), value=children[0], name=children[1])

    def index(self, meta, children):
        return ast.Index(span=self._span(meta), value=children[0], index=children[1])

    def call(self, meta, children):
        return ast.Call(span=self._span(meta), function=children[0], args=tuple(children[1:]))

    def call_args(self, meta, children):
        return tuple(children)

    def pipe(self, meta, children):
        args = children[2] if len(children) > 2 else ()
        return ast.Pipe(span=self._span(meta), value=children[0], function=children[1], args=args)

    def binary(self, meta, children):
        left, op, right = children
        return ast.Binary(span=self._span(meta), op=op.value, left=left, right=right)

    def not_in(self, meta, children):
        left, _not, _in, right = children
        return ast.Binary(span=self._span(meta), op="not in", left=left, right=right)

    def unary(self, meta, children):
        op, operand = children
        return ast.Unary(span=self._span(meta), op=op.value, operand=operand)

    def cast(self, meta, children):
        return ast.Cast(span=self._span(meta), value=children[0], type=children[1])

    def if_expr(self, meta, children):
        return ast.IfExpr(span=self._span(meta), condition=children[0], then=children[1], otherwise=children[2])

    def list_expr(self, meta, children):
        return ast.ListExpr(span=self._span(meta), items=tuple(children))

    # ------------------------------------------------------------------ types

    def type_expr(self, meta, children):
        args = children[1] if len(children) > 1 else ()
        return ast.TypeExpr(span=self._span(meta), name=children[0], args=args)

    def type_args(self, meta, children):
        return tuple(children)

    def generic_type(self, meta, children):
        return ast.TypeExpr(span=self._span(meta), name=children[0], item=children[1])

    def function_type(self, meta, children):
        *params, returns = children
        fn_name = ast.Name(span=self.source.span(meta.start_pos, meta.start_pos + 2), text="fn")
        return ast.TypeExpr(span=self._span(meta), name=fn_name, params=tuple(params), returns=returns)

    # ------------------------------------------------------------------ header

    def migration(self, meta, children):
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
        return ast.Migration(span=self._span(meta), name=name, clauses=tuple(clauses))

    def from_clause(self, meta, children):
        return ast.FromClause(span=self._span(meta), platform=children[0])

    def to_clause(self, meta, children):
        return ast.ToClause(span=self._span(meta), platform=children[0])

    def consent_clause(self, meta, children):
        regulation, subject, condition = children
        return ast.ConsentClause(span=self._span(meta), regulation=regulation, subject=subject, condition=condition)

    def sample_clause(self, meta, children):
        return ast.SampleClause(span=self._span(meta), size=int(children[0].value))

    def delta_clause(self, meta, children):
        return ast.DeltaClause(span=self._span(meta), window=self.duration(meta, children))

    def order_clause(self, meta, children):
        return ast.OrderClause(span=self._span(meta), objects=tuple(children))

    # ------------------------------------------------------------------ declarations

    def import_decl(self, meta, children):
        *names, path = children
        return ast.Import(span=self._span(meta), names=tuple(names), path=self._string_lit(path))

    def let_decl(self, meta, children):
        return ast.Let(span=self._span(meta), name=children[0], value=children[1])

    def values_decl(self, meta, children):
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
            span=self._span(meta), name=name, source=source, target=target, entries=tuple(entries), default=default
        )

    def values_from(self, meta, children):
        return ("from", children[0])

    def values_to(self, meta, children):
        return ("to", children[0])

    def values_else(self, meta, children):
        return ("else", children[0])

    def value_entry(self, meta, children):
        *keys, value = children
        return ast.ValueEntry(span=self._span(meta), keys=tuple(keys), value=value)

    def _field_flags(self, flags: list) -> dict:
        result: dict[str, Any] = {}
        for flag in flags:
            result.update(flag)
        return result

    def required_flag(self, meta, children):
        return {"required": True}

    def unique_flag(self, meta, children):
        return {"unique": True}

    def label_flag(self, meta, children):
        return {"label": self._string_lit(children[0])}

    def field_decl(self, meta, children):
        name, type_, *flags = children
        return ast.FieldDecl(span=self._span(meta), name=name, type=type_, **self._field_flags(flags))

    def create_module(self, meta, children):
        name = children[0]
        rest = children[1:]
        label = None
        if rest and isinstance(rest[0], ast.Literal):
            label = self._string_lit(rest[0])
            rest = rest[1:]
        return ast.CreateModule(span=self._span(meta), name=name, label=label, fields=tuple(rest))

    def create_field(self, meta, children):
        target, type_, *flags = children
        return ast.CreateField(span=self._span(meta), target=target, type=type_, **self._field_flags(flags))

    def create_picklist(self, meta, children):
        target, _plus_assign, *values = children
        return ast.CreatePicklist(
            span=self._span(meta), target=target, values=tuple(self._string_lit(v) for v in values)
        )

    def builtin_decl(self, meta, children):
        kind, name, *rest = children
        doc = None
        if rest and isinstance(rest[-1], ast.Literal):
            doc = self._string_lit(rest.pop())
        returns = rest.pop()
        return ast.BuiltinDecl(
            span=self._span(meta),
            name=name,
            params=tuple(rest),
            returns=returns,
            doc=doc,
            aggregate=kind.value == "aggregate",
        )

    def param(self, meta, children):
        name, type_, *rest = children
        variadic = bool(rest) and isinstance(rest[0], Token) and rest[0].type == "ELLIPSIS"
        if variadic:
            rest = rest[1:]
        default = rest[0] if rest else None
        return ast.Param(span=self._span(meta), name=name, type=type_, variadic=variadic, default=default)

    # ------------------------------------------------------------------ mapping

    def object_block(self, meta, children):
        label, target_label, cardinality, *items = children
        return ast.ObjectBlock(
            span=self._span(meta),
            label=self._string_lit(label),
            target_label=self._string_lit(target_label),
            cardinality=cardinality,
            items=tuple(items),
        )

    def cardinality(self, meta, children):
        return ast.Cardinality(span=self._span(meta), kind=children[0].value)

    def lossy_cardinality(self, meta, children):
        reason = self._string_lit(children[0]) if children else None
        return ast.Cardinality(span=self._span(meta), kind="lossy", reason=reason)

    def map_block(self, meta, children):
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
            span=self._span(meta),
            source=source,
            grouping=grouping,
            target=target,
            merge=merge,
            route=route,
            lossy=lossy,
            body=tuple(rest),
        )

    def distinct_grouping(self, meta, children):
        return ast.Grouping(span=self._span(meta), kind="distinct", keys=tuple(children))

    def summarize_grouping(self, meta, children):
        return ast.Grouping(span=self._span(meta), kind="summarize", keys=tuple(children))

    def where_route(self, meta, children):
        return ast.Route(span=self._span(meta), kind="where", condition=children[0])

    def otherwise_route(self, meta, children):
        return ast.Route(span=self._span(meta), kind="otherwise")

    def map_lossy(self, meta, children):
        return ("map_lossy", self._string_lit(children[0]))

    def extend_block(self, meta, children):
        source, target, *body = children
        return ast.ExtendBlock(span=self._span(meta), source=source, target=target, body=tuple(body))

    def key_stmt(self, meta, children):
        return ast.KeyStmt(span=self._span(meta), field=children[0], value=children[1])

    def lossy_note(self, meta, children):
        return self._string_lit(children[0])

    def assign(self, meta, children):
        field, value, *rest = children
        return ast.Assign(span=self._span(meta), field=field, value=value, lossy=rest[0] if rest else None)

    def drop_stmt(self, meta, children):
        lossy = children[-1] if isinstance(children[-1], ast.StringLit) else None
        paths = children[:-1] if lossy else children
        return ast.Drop(span=self._span(meta), paths=tuple(paths), lossy=lossy)

    def flag_stmt(self, meta, children):
        message, condition, action = children
        return ast.Flag(
            span=self._span(meta), message=self._string_lit(message), condition=condition, action=action.value
        )

    def limit_stmt(self, meta, children):
        count, per, *rest = children
        return ast.Limit(span=self._span(meta), count=int(count.value), per=per, lossy=rest[0] if rest else None)

    def local_let(self, meta, children):
        return ast.LocalLet(span=self._span(meta), name=children[0], value=children[1])

    def note_stmt(self, meta, children):
        return ast.NoteStmt(span=self._span(meta), text=self._string_lit(children[0]))

    def lossy_stmt(self, meta, children):
        return ast.LossyStmt(span=self._span(meta), text=self._string_lit(children[0]))

    def list_stmt(self, meta, children):
        return ast.ListStmt(span=self._span(meta), paths=tuple(children))

    def ref_lookup(self, meta, children):
        target, *rest = children
        fallback = None
        quarantine = False
        if rest and isinstance(rest[-1], tuple):
            kind, value = rest.pop()
            if kind == "quarantine":
                quarantine = True
            else:
                fallback = value
        return ast.RefLookup(
            span=self._span(meta), target=target, matches=tuple(rest), fallback=fallback, quarantine=quarantine
        )

    def ref_match(self, meta, children):
        fuzzy = isinstance(children[0], Token)
        if fuzzy:
            children = children[1:]
        return ast.RefMatch(span=self._span(meta), field=children[0], value=children[1], fuzzy=fuzzy)

    def ref_else(self, meta, children):
        return ("value", children[0])

    def ref_else_quarantine(self, meta, children):
        return ("quarantine", None)

    def rebuild_block(self, meta, children):
        source, destination, *body = children
        return ast.RebuildBlock(
            span=self._span(meta), source=source, destination=self._string_lit(destination), body=tuple(body)
        )

    def start(self, meta, children):
        return ast.Module(span=self.source.span(0, len(self.source.text)), items=tuple(children))


_CLAUSE_KEYWORDS = {
    ast.FromClause: "from",
    ast.ToClause: "to",
    ast.ConsentClause: "consent",
    ast.SampleClause: "sample",
    ast.DeltaClause: "delta window",
    ast.OrderClause: "order",
}


def build(tree: Tree, source: SourceFile, diagnostics: Diagnostics) -> ast.Module:
    return AstBuilder(source, diagnostics).transform(tree)
