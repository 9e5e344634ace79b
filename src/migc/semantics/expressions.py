"""Type inference for .mig expressions: names, calls, pipelines, operators and coercions.

`ExpressionChecker.infer(expr)` returns the expression's type and reports what does not fit.
Bare names resolve, innermost first, to block-local `let`s, the record's fields (the source
object in a map, the subject of a consent gate), then the module scope (lets, values tables,
builtins). Every resolved name is recorded as a `Reference`, which the language server uses for
go-to-definition, hover and rename. Inside `with checker.tracing() as trace:` inference also notes
the names a value calls and mentions, in the order they are written (`NameTrace`), so the mapping
checks learn a value's shape from the one pass that types it.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from migc import codes
from migc.diagnostics import Diagnostics, Fix, Note, TextEdit
from migc.semantics import types as T
from migc.semantics.scope import Scope, Signature, Symbol, close_matches, resolve_type
from migc.source import SourceFile, Span
from migc.syntax import ast

MAX_DEPTH = 200


class FieldInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A field of the record an expression reads, with its catalog type."""

    name: str
    type: T.Type
    pii: bool = False
    doc: str = ""
    nested: dict[str, FieldInfo] = {}


class Reference(msgspec.Struct, frozen=True, kw_only=True):
    """A name use: `kind` is "field", "let", "values", "builtin", "aggregate", "local" or "value"."""

    span: Span
    kind: str
    name: str
    owner: str = ""  # the object a field belongs to
    definition: Span | None = None


class RecordEnv:
    """What bare names mean inside one block."""

    def __init__(
        self,
        object_name: str,
        fields: dict[str, FieldInfo] | None,
        *,
        allow_aggregates: bool = False,
        extra: dict[str, T.Type] | None = None,
    ) -> None:
        self.object_name = object_name
        self.fields = fields  # None: the object's schema is unknown, so any name is an untyped field
        self.locals: dict[str, tuple[T.Type, Span]] = {}
        self.extra = extra or {}
        self.allow_aggregates = allow_aggregates
        self.used_fields: set[str] = set()


class NameTrace:
    """The names inference met while tracing, in the order they are written (as `ast.walk`
    yields their nodes), whether or not they resolve."""

    __slots__ = ("_checker", "calls", "names", "indexes", "complete")

    def __init__(self, checker: ExpressionChecker) -> None:
        self._checker = checker
        self.calls: list[str] = []  # each call's or pipeline step's function
        self.names: list[str] = []  # the same, with every bare name and function passed by name
        self.indexes = False  # a `value[index]` was met
        self.complete = True  # False: nesting cut inference short, so some names were never met

    def __enter__(self) -> NameTrace:
        self._checker.trace = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._checker.trace = None


class ExpressionChecker:
    def __init__(self, scope: Scope, diagnostics: Diagnostics, references: list[Reference], sources: dict[str, SourceFile] | None = None) -> None:
        self.scope = scope
        self.diagnostics = diagnostics
        self.references = references
        self.sources = sources or {}  # to tell `a ?? (b | f)` from `a ?? b | f`
        self.trace: NameTrace | None = None
        self._depth = 0
        self._reported_depth = False

    # ------------------------------------------------------------------ entry points

    def tracing(self) -> NameTrace:
        """A context in which inference notes the names it meets (one trace at a time)."""
        return NameTrace(self)

    def infer(self, expr: ast.Node, env: RecordEnv | None) -> T.Type:
        depth = self._depth
        if depth == 0:
            self._reported_depth = False
        elif depth >= MAX_DEPTH:
            if self.trace is not None:
                self.trace.complete = False
            if not self._reported_depth:  # once per outermost expression
                self._reported_depth = True
                self.diagnostics.add(codes.TOO_DEEP, expr.span, "this expression nests too deeply; split it with `let`")
            return T.ANY
        rule = _RULES.get(type(expr))
        if rule is None:  # not an expression node: fail as a missing `_infer_<Class>` method
            rule = getattr(ExpressionChecker, "_infer_" + type(expr).__name__)
        self._depth = depth + 1
        try:
            return rule(self, expr, env)
        finally:
            self._depth = depth

    def condition(self, expr: ast.Node, env: RecordEnv | None, what: str) -> None:
        kind = self.infer(expr, env)
        if kind.kind not in ("boolean", "any", "null"):
            self.diagnostics.add(codes.CONDITION_NOT_BOOLEAN, expr.span, f"{what} must be boolean, but this is {kind}")

    # ------------------------------------------------------------------ leaves

    def _infer_Literal(self, expr: ast.Literal, env) -> T.Type:
        if expr.kind == "string":
            return T.Type(kind="string", length=len(expr.value))
        return T.simple(expr.kind)

    def _infer_NameRef(self, expr: ast.NameRef, env: RecordEnv | None) -> T.Type:
        name = expr.name.text
        span = expr.name.span
        if self.trace is not None:
            self.trace.names.append(name)
        if env is not None:
            if name in env.locals:
                kind, definition = env.locals[name]
                self.references.append(Reference(span=span, kind="local", name=name, definition=definition))
                return kind
            if name in env.extra:
                self.references.append(Reference(span=span, kind="value", name=name))
                return env.extra[name]
            if env.fields is None:
                env.used_fields.add(name)
                self.references.append(Reference(span=span, kind="field", name=name, owner=env.object_name))
                return T.ANY
            field = env.fields.get(name)
            if field is not None:
                env.used_fields.add(name)
                self.references.append(Reference(span=span, kind="field", name=name, owner=env.object_name))
                return field.type
        symbol = self.scope.get(name)
        if symbol is not None and symbol.kind in ("let", "values"):
            symbol.used = True
            self.references.append(Reference(span=span, kind=symbol.kind, name=name, definition=symbol.span))
            if symbol.kind == "values":
                return T.Type(kind="function", params=(T.ANY,), returns=symbol.type)
            return symbol.type
        if symbol is not None:
            self.references.append(Reference(span=span, kind=symbol.kind, name=name, definition=symbol.span))
            return T.Type(kind="function", params=tuple(p.type for p in symbol.signature.params), returns=symbol.signature.returns)
        self._unknown_name(name, span, env)
        return T.ANY

    def _unknown_name(self, name: str, span: Span, env: RecordEnv | None) -> None:
        candidates: list[str] = []
        where = "in this file"
        if env is not None:
            candidates.extend(env.locals)
            candidates.extend(env.extra)
            if env.fields is not None:
                candidates.extend(env.fields)
                where = f"a field of {env.object_name}, nor a `let` or `values` in scope"
        candidates.extend(s.name for s in self.scope.symbols.values() if s.kind in ("let", "values"))
        suggestions = close_matches(name, candidates)
        message = f"unknown name `{name}`: not {where}" if env is not None and env.fields is not None else f"unknown name `{name}`"
        fix = None
        if suggestions:
            message += f"; did you mean `{suggestions[0]}`?"
            fix = Fix(title=f"replace with `{suggestions[0]}`", edits=(TextEdit(span=span, new_text=suggestions[0]),))
        self.diagnostics.add(codes.UNKNOWN_NAME, span, message, fix=fix)

    def _infer_ListExpr(self, expr: ast.ListExpr, env) -> T.Type:
        item = T.NULL
        for value in expr.items:
            item = T.unify(item, self.infer(value, env))
        return T.list_of(T.ANY if item.kind == "null" else T.base(item))

    # ------------------------------------------------------------------ structure

    def _infer_Member(self, expr: ast.Member, env: RecordEnv | None) -> T.Type:
        # `device.os` where `device` is a nested field of the record: use its declared type.
        if env is not None and env.fields is not None and isinstance(expr.value, ast.NameRef):
            parent = env.fields.get(expr.value.name.text)
            if parent is not None and parent.nested:
                self.infer(expr.value, env)
                child = parent.nested.get(expr.name.text)
                if child is not None:
                    self.references.append(Reference(span=expr.name.span, kind="field", name=f"{parent.name}.{child.name}", owner=env.object_name))
                    return child.type
                suggestions = close_matches(expr.name.text, parent.nested)
                hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
                self.diagnostics.add(codes.UNKNOWN_NAME, expr.name.span, f"`{parent.name}` has no member `{expr.name.text}`{hint}")
                return T.ANY
        value = self.infer(expr.value, env)
        if value.kind in ("json", "any"):
            return T.ANY
        self.diagnostics.add(codes.TYPE_MISMATCH, expr.name.span, f"a value of type {value} has no members; only json values do")
        return T.ANY

    def _infer_Index(self, expr: ast.Index, env) -> T.Type:
        if self.trace is not None:
            self.trace.indexes = True
        value = self.infer(expr.value, env)
        index = self.infer(expr.index, env)
        if value.kind in ("json", "any"):
            return T.ANY
        if T.is_many(value):
            if index.kind not in ("integer", "any"):
                self.diagnostics.add(codes.TYPE_MISMATCH, expr.index.span, f"a list index must be an integer, not {index}")
            return T.element(value)
        self.diagnostics.add(codes.TYPE_MISMATCH, expr.span, f"a value of type {value} cannot be indexed")
        return T.ANY

    # ------------------------------------------------------------------ calls

    def _infer_Call(self, expr: ast.Call, env) -> T.Type:
        return self._call(expr.function, expr.args, expr.span, env)

    def _infer_Pipe(self, expr: ast.Pipe, env) -> T.Type:
        return self._call(expr.function, (expr.value, *expr.args), expr.span, env)

    def _call(self, function: ast.Name, all_args: tuple[ast.Node, ...], span: Span, env: RecordEnv | None) -> T.Type:
        """A call or a pipeline step; a pipeline's value is its first argument."""
        name = function.text
        if self.trace is not None:
            self.trace.calls.append(name)
            self.trace.names.append(name)
        symbol = self.scope.get(name)
        if symbol is None or symbol.kind not in ("builtin", "aggregate", "values"):
            for arg in all_args:
                self.infer(arg, env)
            self._unknown_function(function, symbol, env)
            return T.ANY
        symbol.used = True
        self.references.append(Reference(span=function.span, kind=symbol.kind, name=name, definition=symbol.span))
        if symbol.kind == "values":
            if len(all_args) != 1:
                self.diagnostics.add(codes.WRONG_ARITY, span, f"values table `{name}` takes one argument, not {len(all_args)}")
            for arg in all_args:
                self.infer(arg, env)
            return symbol.type
        signature = symbol.signature
        assert signature is not None
        if signature.aggregate and (env is None or not env.allow_aggregates):
            self.diagnostics.add(
                codes.AGGREGATE_OUTSIDE_SUMMARY, function.span,
                f"`{name}()` aggregates a group of records; use it in a `map ... summarize by ...` block",
            )
        return self._apply(signature, all_args, span, env)

    def _unknown_function(self, function: ast.Name, symbol: Symbol | None, env) -> None:
        if symbol is not None:
            self.diagnostics.add(codes.NOT_CALLABLE, function.span, f"`{function.text}` is a `{symbol.kind}`, not a function")
            return
        if env is not None and (function.text in env.locals or (env.fields and function.text in env.fields)):
            self.diagnostics.add(codes.NOT_CALLABLE, function.span, f"`{function.text}` is a value, not a function")
            return
        callables = [s.name for s in self.scope.symbols.values() if s.kind in ("builtin", "aggregate", "values")]
        suggestions = close_matches(function.text, callables)
        fix = None
        message = f"unknown function `{function.text}`"
        if suggestions:
            message += f"; did you mean `{suggestions[0]}`?"
            fix = Fix(title=f"replace with `{suggestions[0]}`", edits=(TextEdit(span=function.span, new_text=suggestions[0]),))
        self.diagnostics.add(codes.UNKNOWN_FUNCTION, function.span, message, fix=fix)

    def _apply(self, signature: Signature, args: tuple[ast.Node, ...], span: Span, env) -> T.Type:
        bindings: dict[str, T.Type] = {}
        count = len(args)
        most = signature.max_args
        if count < signature.min_args or (most is not None and count > most):
            expected = str(signature.min_args) if most == signature.min_args else (
                f"{signature.min_args} or more" if most is None else f"{signature.min_args} to {most}"
            )
            self.diagnostics.add(
                codes.WRONG_ARITY, span,
                f"`{signature.name}` takes {expected} argument{'s' if expected != '1' else ''}, not {count}",
                notes=[Note(message=signature.render())],
            )
        params = signature.params
        for position, arg in enumerate(args):
            if not params:
                self.infer(arg, env)
                continue
            param = params[min(position, len(params) - 1)]
            if position >= len(params) and not param.variadic:
                self.infer(arg, env)
                continue
            if param.type.kind == "function":
                self._function_argument(arg, param.type, bindings, env)
                continue
            actual = self.infer(arg, env)
            expected = _substitute(param.type, bindings)
            if not _bind(expected, actual, bindings):
                self.diagnostics.add(
                    codes.TYPE_MISMATCH, arg.span,
                    f"`{signature.name}` expects {param.name}: {expected}, but this is {actual}",
                    notes=[Note(message=signature.render())] + _cast_hint(actual, expected),
                )
        return _substitute(signature.returns, bindings)

    def _function_argument(self, arg: ast.Node, expected: T.Type, bindings: dict[str, T.Type], env) -> None:
        """`each(tags, normalize_tag)`: a function passed by name."""
        if not isinstance(arg, ast.NameRef):
            self.infer(arg, env)
            self.diagnostics.add(codes.TYPE_MISMATCH, arg.span, "expected the name of a function or values table here")
            return
        if self.trace is not None:
            self.trace.names.append(arg.name.text)
        symbol = self.scope.get(arg.name.text)
        if symbol is None or symbol.kind not in ("builtin", "values"):
            self._unknown_function(arg.name, symbol, env)
            return
        symbol.used = True
        self.references.append(Reference(span=arg.name.span, kind=symbol.kind, name=symbol.name, definition=symbol.span))
        returns = symbol.type if symbol.kind == "values" else symbol.signature.returns
        if expected.returns is not None and expected.returns.kind == "var":
            bindings.setdefault(expected.returns.name, returns)

    # ------------------------------------------------------------------ operators

    def _infer_Binary(self, expr: ast.Binary, env) -> T.Type:
        op = expr.op
        left = self.infer(expr.left, env)
        right = self.infer(expr.right, env)
        if op in ("and", "or"):
            for side, kind in ((expr.left, left), (expr.right, right)):
                if kind.kind not in ("boolean", "any", "null"):
                    self.diagnostics.add(codes.TYPE_MISMATCH, side.span, f"`{op}` needs boolean operands, but this is {kind}")
            return T.BOOLEAN
        if op in ("==", "!="):
            return T.BOOLEAN
        if op in ("<", "<=", ">", ">="):
            if not _comparable(left, right):
                self.diagnostics.add(codes.TYPE_MISMATCH, expr.span, f"cannot compare {left} with {right} using `{op}`")
            return T.BOOLEAN
        if op in ("in", "not in"):
            if not (T.is_many(right) or T.is_textual(right) or right.kind in ("any", "json", "null")):
                self.diagnostics.add(codes.TYPE_MISMATCH, expr.right.span, f"`{op}` needs a list or text on its right, but this is {right}")
            return T.BOOLEAN
        if op in ("??", "+"):
            self._pipe_binds_tighter(expr)
        if op == "??":
            return T.unify(left, right)
        if op == "+" and T.is_many(left) and T.is_many(right):
            return T.list_of(T.unify(T.element(left), T.element(right)))
        if op == "+" and (T.is_textual(left) or T.is_textual(right)):
            if not ((T.is_textual(left) or left.kind in ("any", "null")) and (T.is_textual(right) or right.kind in ("any", "null"))):
                self.diagnostics.add(codes.TYPE_MISMATCH, expr.span, f"cannot add {left} and {right}; convert with `as string` first")
            return T.STRING
        if op in ("+", "-") and left.kind in ("date", "datetime") and right.kind == "duration":
            return left
        return self._arithmetic(expr, op, left, right)

    def _pipe_binds_tighter(self, expr: ast.Binary) -> None:
        """`surname ?? "Unknown" | truncate(80)` truncates only "Unknown": say so, unless the
        author wrote the parentheses that show it is meant."""
        right = expr.right
        # `"n: " + count() as string` casts the count, as meant; a cast only misleads after `??`.
        if not (isinstance(right, ast.Pipe) or (isinstance(right, ast.Cast) and expr.op == "??")):
            return
        source = self.sources.get(right.span.file)
        if source is None or source.text[right.span.start : right.span.start + 1] == "(":
            return
        applied = f"| {right.function.text}" if isinstance(right, ast.Pipe) else "as"
        self.diagnostics.add(
            codes.PIPE_BINDS_TIGHTER, right.span,
            f"`{applied}` applies only to the right of `{expr.op}`; write `(a {expr.op} b) {applied} …` to apply it to the result, or `a {expr.op} (b {applied} …)` if only the right side is meant",
        )

    def _arithmetic(self, expr: ast.Binary, op: str, left: T.Type, right: T.Type) -> T.Type:
        numeric = T.NUMBERS | {"any", "null", "duration", "size"}
        for side, kind in ((expr.left, left), (expr.right, right)):
            if kind.kind not in numeric:
                self.diagnostics.add(codes.TYPE_MISMATCH, side.span, f"`{op}` needs numbers, but this is {kind}")
                return T.ANY
        if op == "/" or "decimal" in (left.kind, right.kind):
            return T.DECIMAL
        if left.kind == right.kind == "integer":
            return T.INTEGER
        return T.DECIMAL if "any" not in (left.kind, right.kind) else T.ANY

    def _infer_Unary(self, expr: ast.Unary, env) -> T.Type:
        operand = self.infer(expr.operand, env)
        if expr.op == "not":
            if operand.kind not in ("boolean", "any", "null"):
                self.diagnostics.add(codes.TYPE_MISMATCH, expr.operand.span, f"`not` needs a boolean, but this is {operand}")
            return T.BOOLEAN
        if operand.kind not in T.NUMBERS | {"any", "null"}:
            self.diagnostics.add(codes.TYPE_MISMATCH, expr.operand.span, f"`-` needs a number, but this is {operand}")
            return T.ANY
        return operand

    def _infer_Cast(self, expr: ast.Cast, env) -> T.Type:
        value = self.infer(expr.value, env)
        target = resolve_type(expr.type, self.diagnostics)
        if not T.castable(value, target):
            self.diagnostics.add(codes.INVALID_CAST, expr.span, f"cannot convert {value} to {target}")
        return target

    def _infer_IfExpr(self, expr: ast.IfExpr, env) -> T.Type:
        self.condition(expr.condition, env, "an `if` condition")
        return T.unify(self.infer(expr.then, env), self.infer(expr.otherwise, env))


# `infer`'s rule for each expression class: the `_infer_<Class>` methods, looked up once.
_RULES: dict[type, Callable[[ExpressionChecker, ast.Node, RecordEnv | None], T.Type]] = {
    getattr(ast, name.removeprefix("_infer_")): method
    for name, method in vars(ExpressionChecker).items()
    if name.startswith("_infer_")
}


def _comparable(left: T.Type, right: T.Type) -> bool:
    kinds = {left.kind, right.kind} - {"any", "null"}
    if len(kinds) <= 1:
        return True
    if kinds <= T.NUMBERS | {"duration", "size"}:
        return True
    if kinds <= {"date", "datetime"}:
        return True
    return all(T.is_textual(T.Type(kind=k)) for k in kinds)


def _substitute(t: T.Type, bindings: dict[str, T.Type]) -> T.Type:
    if t.kind == "var":
        return bindings.get(t.name, T.ANY)
    if t.kind == "list" and t.item is not None:
        return T.list_of(_substitute(t.item, bindings))
    return t


def _bind(expected: T.Type, actual: T.Type, bindings: dict[str, T.Type]) -> bool:
    if expected.kind == "var":
        bound = bindings.get(expected.name)
        if bound is None or bound.kind in ("any", "null"):
            bindings[expected.name] = actual
            return True
        if T.assignable(actual, bound):
            return True
        if T.assignable(bound, actual):
            bindings[expected.name] = actual
            return True
        unified = T.unify(bound, actual)
        bindings[expected.name] = unified
        return True
    if expected.kind == "list" and expected.item is not None and expected.item.kind == "var":
        if T.is_many(actual):
            return _bind(expected.item, T.element(actual), bindings)
        return actual.kind in ("any", "null", "json")
    return T.assignable(actual, expected)


def _cast_hint(actual: T.Type, expected: T.Type) -> list[Note]:
    if T.castable(actual, expected) and expected.kind != "var":
        return [Note(message=f"convert it explicitly: `... as {T.display(T.base(expected))}`")]
    return []
