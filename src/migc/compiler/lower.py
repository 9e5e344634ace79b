"""Lowers a checked file (AST + `Analysis`) to the IR (`migc.ir.Program`).

Runs only on files without errors. Names resolve exactly as the checker resolved them: a
block-local `let`, then a field of the map's source object (or `value` in a values table),
then a module constant, values table or builtin. Each map absorbs the `extend` blocks that add
to it, and maps come out in the order the runtime must load them.
"""

from __future__ import annotations

from migc import ir
from migc.semantics.check import Analysis
from migc.semantics.schema_view import FieldView, ObjectView
from migc.semantics.scope import Scope, resolve_type
from migc.syntax import ast


class LoweringError(Exception):
    """The file has errors, so there is nothing sound to lower."""


def lower(analysis: Analysis) -> ir.Program:
    if analysis.has_errors or analysis.model is None or analysis.module is None or analysis.scope is None:
        raise LoweringError("the file has errors; run `migc check` and fix them first")
    module = analysis.module
    scope = analysis.scope
    # How the checker resolved each name use, by position: lowering must agree with it exactly
    # (`domain` may be a source field and a builtin; the field wins inside a map).
    resolved = {(r.span.file, r.span.start): r.kind for r in analysis.references}
    lowerer = _Lowerer(scope, resolved, analysis.target_objects or {})
    constants = tuple(
        ir.Constant(name=item.name.text, value=lowerer.expr(item.value, set()), span=item.span)
        for item in _constants(analysis)
    )
    tables = tuple(lowerer.values_table(t) for t in _tables(analysis))
    maps_ast: list[ast.MapBlock] = []
    extends: list[ast.ExtendBlock] = []
    for item in module.items:
        blocks = item.items if isinstance(item, ast.ObjectBlock) else (item,)
        for block in blocks:
            if isinstance(block, ast.MapBlock):
                maps_ast.append(block)
            elif isinstance(block, ast.ExtendBlock):
                extends.append(block)
    ids = [info.id for info in analysis.model.maps]
    # Each extend joins the map the checker attached it to.
    attached: dict[str, list[ast.ExtendBlock]] = {}
    for extend in extends:
        map_id = analysis.extended_maps.get(extend.span.start)
        if map_id is not None:
            attached.setdefault(map_id, []).append(extend)
    programs = [lowerer.map_program(map_id, block, attached.get(map_id, [])) for map_id, block in zip(ids, maps_ast)]
    model = analysis.model
    return ir.Program(
        name=model.header.name,
        source=model.header.source,
        target=model.header.target,
        constants=constants,
        values=tables,
        maps=tuple(programs),
        load_order=model.load_order,
    )


def _constants(analysis: Analysis) -> list[ast.Let]:
    """Every `let` in scope (imported ones included), in declaration order."""
    return [s.node for s in analysis.scope.symbols.values() if s.kind == "let" and isinstance(s.node, ast.Let)]


def _tables(analysis: Analysis) -> list[ast.ValuesTable]:
    return [s.node for s in analysis.scope.symbols.values() if s.kind == "values" and isinstance(s.node, ast.ValuesTable)]


class _Lowerer:
    def __init__(self, scope: Scope, resolved: dict[tuple[str, int], str], targets: dict[str, ObjectView]) -> None:
        self.scope = scope
        self.resolved = resolved
        self.targets = targets  # the target's objects as checked (type fields of lookups)

    # ------------------------------------------------------------------ blocks

    def values_table(self, table: ast.ValuesTable) -> ir.ValuesTable:
        entries = tuple((key.value, self.expr(entry.value, set())) for entry in table.entries for key in entry.keys)
        default = self.expr(table.default, set(), value_in_scope=True) if table.default is not None else None
        return ir.ValuesTable(name=table.name.text, entries=entries, default=default, span=table.span)

    def map_program(self, map_id: str, block: ast.MapBlock, extends: list[ast.ExtendBlock]) -> ir.MapProgram:
        locals_: set[str] = set()
        steps: list[ir.FieldStep | ir.LocalStep] = []
        flags: list[ir.FlagStep] = []
        key_field = ""
        limit = limit_per = None
        statements = list(block.body)
        for extend in extends:
            statements.extend(extend.body)
        for statement in statements:
            if isinstance(statement, ast.LocalLet):
                steps.append(ir.LocalStep(name=statement.name.text, value=self.expr(statement.value, locals_), span=statement.span))
                locals_.add(statement.name.text)
            elif isinstance(statement, ast.KeyStmt):
                key_field = statement.field.text
                steps.append(ir.FieldStep(field=key_field, value=self.expr(statement.value, locals_),
                                          lossy=statement.lossy.value if statement.lossy else "", span=statement.span))
            elif isinstance(statement, ast.Assign):
                if isinstance(statement.value, ast.RefLookup):
                    lookup = self._field(block.target.text, statement.field.text)
                    steps.append(ir.FieldStep(field=statement.field.text, ref=self.ref(statement.value, locals_, lookup),
                                              lossy=statement.lossy.value if statement.lossy else "", span=statement.span))
                else:
                    steps.append(ir.FieldStep(field=statement.field.text, value=self.expr(statement.value, locals_),
                                              lossy=statement.lossy.value if statement.lossy else "", span=statement.span))
            elif isinstance(statement, ast.Flag):
                flags.append(ir.FlagStep(message=statement.message.value, condition=self.expr(statement.condition, locals_),
                                         action=statement.action, span=statement.span))
            elif isinstance(statement, ast.Limit):
                limit = statement.count
                limit_per = self.expr(statement.per, locals_)
        grouping = block.grouping
        return ir.MapProgram(
            id=map_id,
            source=block.source.text,
            target=block.target.text,
            merge=block.merge,
            grouping=grouping.kind if grouping else "",
            group_keys=tuple(self.expr(k, set()) for k in grouping.keys) if grouping else (),
            route=block.route.kind if block.route else "",
            condition=self.expr(block.route.condition, set()) if block.route and block.route.condition else None,
            key_field=key_field,
            steps=tuple(steps),
            flags=tuple(flags),
            limit=limit,
            limit_per=limit_per,
            span=block.span,
        )

    def ref(self, ref: ast.RefLookup, locals_: set[str], lookup: FieldView | None = None) -> ir.RefLookup:
        """A ref (chain) as its links in order; each link knows the type value it sets where the
        lookup field has a type field (the checker made sure every link has one)."""
        type_values = lookup.type_values if lookup is not None and lookup.type_field else {}
        links = tuple(
            ir.RefLink(
                target=link.target.text,
                matches=tuple(ir.RefMatch(field=m.field.text, value=self.expr(m.value, locals_), fuzzy=m.fuzzy) for m in link.matches),
                type_value=type_values.get(link.target.text, ""),
            )
            for link in ref.links
        )
        last = ref.last
        return ir.RefLookup(
            links=links,
            fallback=self.expr(last.fallback, locals_) if last.fallback is not None else None,
            quarantine=last.quarantine,
            type_field=lookup.type_field if type_values else "",
        )

    def _field(self, object_name: str, field_name: str) -> FieldView | None:
        view = self.targets.get(object_name)
        return view.fields.get(field_name) if view is not None else None

    # ------------------------------------------------------------------ expressions

    def expr(self, node: ast.Node, locals_: set[str], *, value_in_scope: bool = False) -> ir.Expr:
        lower = self.expr
        span = node.span
        if isinstance(node, ast.Literal):
            return ir.Const(value=node.value, span=span)
        if isinstance(node, ast.NameRef):
            return self._name(node, locals_, value_in_scope)
        if isinstance(node, ast.Member):
            path = _field_path(node)
            if path is not None and path[0] not in locals_ and self._is_field(path[0], value_in_scope):
                return ir.FieldRead(path=path, span=span)
            return ir.Member(value=lower(node.value, locals_, value_in_scope=value_in_scope), name=node.name.text, span=span)
        if isinstance(node, ast.Index):
            return ir.IndexOp(value=lower(node.value, locals_, value_in_scope=value_in_scope),
                              index=lower(node.index, locals_, value_in_scope=value_in_scope), span=span)
        if isinstance(node, (ast.Call, ast.Pipe)):
            args = list(node.args) if isinstance(node, ast.Call) else [node.value, *node.args]
            return self._call(node.function.text, args, locals_, value_in_scope, span)
        if isinstance(node, ast.Binary):
            return ir.BinaryOp(op=node.op, left=lower(node.left, locals_, value_in_scope=value_in_scope),
                               right=lower(node.right, locals_, value_in_scope=value_in_scope), span=span)
        if isinstance(node, ast.Unary):
            return ir.UnaryOp(op=node.op, operand=lower(node.operand, locals_, value_in_scope=value_in_scope), span=span)
        if isinstance(node, ast.Cast):
            target = resolve_type(node.type, None)
            return ir.Convert(value=lower(node.value, locals_, value_in_scope=value_in_scope), kind=target.kind,
                              length=target.length, values=target.values, span=span)
        if isinstance(node, ast.IfExpr):
            return ir.Conditional(condition=lower(node.condition, locals_, value_in_scope=value_in_scope),
                                  then=lower(node.then, locals_, value_in_scope=value_in_scope),
                                  otherwise=lower(node.otherwise, locals_, value_in_scope=value_in_scope), span=span)
        if isinstance(node, ast.ListExpr):
            return ir.ListOf(items=tuple(lower(i, locals_, value_in_scope=value_in_scope) for i in node.items), span=span)
        raise LoweringError(f"cannot lower {type(node).__name__}")

    def _is_field(self, name: str, value_in_scope: bool) -> bool:
        symbol = self.scope.get(name)
        return not (value_in_scope and name == "value") and (symbol is None or symbol.kind not in ("let", "values"))

    def _name(self, node: ast.NameRef, locals_: set[str], value_in_scope: bool) -> ir.Expr:
        name = node.name.text
        kind = self.resolved.get((node.name.span.file, node.name.span.start))
        if kind == "field":
            return ir.FieldRead(path=(name,), span=node.span)
        if name in locals_:
            return ir.LocalRef(name=name, span=node.span)
        if value_in_scope and name == "value":
            return ir.ValueRef(span=node.span)
        symbol = self.scope.get(name)
        if symbol is not None and symbol.kind == "let":
            return ir.ConstRef(name=name, span=node.span)
        if symbol is not None and symbol.kind in ("values", "builtin"):
            return ir.FunctionRef(name=name, values_table=symbol.kind == "values", span=node.span)
        return ir.FieldRead(path=(name,), span=node.span)

    def _call(self, name: str, args: list[ast.Node], locals_: set[str], value_in_scope: bool, span) -> ir.Expr:
        symbol = self.scope.get(name)
        lowered = tuple(self.expr(a, locals_, value_in_scope=value_in_scope) for a in args)
        if symbol is not None and symbol.kind == "values":
            return ir.ValuesCall(table=name, arg=lowered[0], span=span)
        if symbol is not None and symbol.kind == "aggregate":
            return ir.Aggregate(function=name, arg=lowered[0] if lowered else None, span=span)
        return ir.Call(function=name, args=lowered, span=span)


def _field_path(node: ast.Node) -> tuple[str, ...] | None:
    parts: list[str] = []
    while isinstance(node, ast.Member):
        parts.append(node.name.text)
        node = node.value
    if isinstance(node, ast.NameRef):
        parts.append(node.name.text)
        return tuple(reversed(parts))
    return None
