"""Symbols and scopes: what a name in a .mig file refers to.

A module's scope holds the prelude's builtins, the names it imports and its own declarations
(`let`, `values`). Declaring a name twice, importing a name the other file lacks and an unknown
type are reported here; `semantics.expressions` resolves names against the finished scope.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache, cached_property

import msgspec

from migc import codes
from migc.diagnostics import Diagnostics, Note
from migc.semantics import types as T
from migc.semantics.program import LoadedModule, prelude
from migc.source import Span
from migc.syntax import ast


class ParamSig(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    type: T.Type
    variadic: bool = False
    optional: bool = False


class Signature(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    # `dict=True` gives instances the `__dict__` that `cached_property` stores into: every call
    # of a builtin checks its arity, and the parameters never change.
    name: str
    params: tuple[ParamSig, ...]
    returns: T.Type
    doc: str = ""
    aggregate: bool = False
    span: Span | None = None

    def render(self) -> str:
        parts = []
        for param in self.params:
            text = f"{param.name}: {param.type}{'...' if param.variadic else ''}"
            parts.append(f"{text} = …" if param.optional else text)
        return f"{self.name}({', '.join(parts)}) -> {self.returns}"

    @cached_property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional and not p.variadic)

    @cached_property
    def max_args(self) -> int | None:
        return None if any(p.variadic for p in self.params) else len(self.params)


class Symbol(msgspec.Struct, kw_only=True):
    """A declared name. Mutable only in `used`, which the unused-declaration check reads."""

    name: str
    kind: str  # "let" | "values" | "builtin" | "aggregate"
    span: Span | None
    node: ast.Node | None = None
    type: T.Type = T.ANY
    signature: Signature | None = None
    used: bool = False
    local: bool = True  # declared in the file being checked (not imported, not the prelude)


class Scope:
    def __init__(self) -> None:
        self.symbols: dict[str, Symbol] = {}

    def get(self, name: str) -> Symbol | None:
        return self.symbols.get(name)

    def names(self) -> Iterable[str]:
        return self.symbols.keys()


def close_matches(name: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.7)


# ---------------------------------------------------------------------------- type expressions


def resolve_type(expr: ast.TypeExpr, diagnostics: Diagnostics | None, *, type_vars: bool = False) -> T.Type:
    """Turns a written type into a `Type`, reporting unknown names and bad arguments."""
    name = expr.name.text
    if expr.returns is not None:  # fn(A, B) -> C
        params = tuple(resolve_type(p, diagnostics, type_vars=type_vars) for p in expr.params)
        return T.Type(kind="function", params=params, returns=resolve_type(expr.returns, diagnostics, type_vars=type_vars))
    if type_vars and len(name) == 1 and name.isupper():
        return T.Type(kind="var", name=name)
    if expr.item is not None:
        if name != "list":
            _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, expr.span, f"`{name}` takes no element type; only `list[...]` does")
            return T.ANY
        return T.list_of(resolve_type(expr.item, diagnostics, type_vars=type_vars))
    if name not in T.TYPE_NAMES:
        suggestion = close_matches(name, T.TYPE_NAMES)
        hint = f"; did you mean `{suggestion[0]}`?" if suggestion else ""
        _report(diagnostics, codes.UNKNOWN_TYPE, expr.name.span, f"unknown type `{name}`{hint}",
                notes=[Note(message="types: " + ", ".join(sorted(T.TYPE_NAMES)))])
        return T.ANY
    args = expr.args
    if name == "list":
        _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, expr.span, "`list` needs an element type: `list[string]`")
        return T.list_of(T.ANY)
    if name in ("string", "text", "tags"):
        length = _int_args(args, 1, name, expr, diagnostics)
        return T.Type(kind=name, length=length[0] if length else None)
    if name == "integer":
        digits = _int_args(args, 1, name, expr, diagnostics)
        return T.Type(kind=name, digits=digits[0] if digits else None)
    if name == "decimal":
        numbers = _int_args(args, 2, name, expr, diagnostics)
        precision = numbers[0] if numbers else None
        scale = numbers[1] if len(numbers) > 1 else (0 if numbers else None)
        return T.Type(kind=name, precision=precision, scale=scale)
    if name in ("picklist", "multipicklist"):
        values = []
        for arg in args:
            if isinstance(arg, ast.Literal) and arg.kind == "string":
                values.append(arg.value)
            else:
                _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, arg.span, f"`{name}` takes its values as strings")
        if not values:
            _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, expr.span, f'`{name}` needs its values: {name}("a", "b")')
        return T.Type(kind=name, values=tuple(values))
    if name == "lookup":
        targets = tuple(arg.text for arg in args if isinstance(arg, ast.Name))
        if len(targets) != len(args) or not targets:
            _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, expr.span, "`lookup` takes the object it points at: lookup(Accounts)")
        return T.Type(kind="lookup", to=targets)
    if args:
        _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, expr.span, f"`{name}` takes no arguments")
    return T.simple(name)


def _int_args(args, most: int, name: str, expr: ast.TypeExpr, diagnostics: Diagnostics | None) -> list[int]:
    numbers = []
    for arg in args:
        if isinstance(arg, ast.Literal) and arg.kind == "integer" and arg.value > 0:
            numbers.append(arg.value)
        elif isinstance(arg, ast.Literal) and arg.kind == "integer" and name == "decimal" and numbers:
            numbers.append(arg.value)  # a scale of 0
        else:
            _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, arg.span, f"`{name}` takes positive whole numbers: {T.TYPE_NAMES[name]}")
    if len(args) > most:
        _report(diagnostics, codes.BAD_TYPE_ARGUMENTS, expr.span, f"`{name}` takes at most {most} argument{'s' if most > 1 else ''}: {T.TYPE_NAMES[name]}")
    return numbers


def _report(diagnostics: Diagnostics | None, code, span: Span, message: str, notes=()) -> None:
    if diagnostics is not None:
        diagnostics.add(code, span, message, notes=notes)


# ---------------------------------------------------------------------------- building scopes


def signature_of(decl: ast.BuiltinDecl) -> Signature:
    params = tuple(
        ParamSig(
            name=p.name.text,
            type=resolve_type(p.type, None, type_vars=True),
            variadic=p.variadic,
            optional=p.default is not None,
        )
        for p in decl.params
    )
    return Signature(
        name=decl.name.text,
        params=params,
        returns=resolve_type(decl.returns, None, type_vars=True),
        doc=decl.doc.value if decl.doc else "",
        aggregate=decl.aggregate,
        span=decl.span,
    )


@cache
def _builtins_scope() -> dict[str, Symbol]:
    symbols = {}
    module = prelude().module
    assert module is not None
    for item in module.items:
        if isinstance(item, ast.BuiltinDecl):
            signature = signature_of(item)
            symbols[signature.name] = Symbol(
                name=signature.name,
                kind="aggregate" if item.aggregate else "builtin",
                span=item.span,
                node=item,
                signature=signature,
                local=False,
            )
    return symbols


def declarations(module: ast.Module) -> list[ast.Let | ast.ValuesTable | ast.BuiltinDecl]:
    return [item for item in module.items if isinstance(item, (ast.Let, ast.ValuesTable, ast.BuiltinDecl))]


def build_scope(loaded: LoadedModule, diagnostics: Diagnostics, *, local: bool = True) -> Scope:
    """The scope of one module: prelude builtins, imported names, then its own declarations."""
    scope = Scope()
    scope.symbols.update({name: _copy(symbol) for name, symbol in _builtins_scope().items()})
    for item, imported in loaded.imports:
        if imported is None or imported.module is None:
            continue
        exported = {d.name.text: d for d in declarations(imported.module)}
        wanted = [name.text for name in item.names] or sorted(exported)
        for name in item.names:
            if name.text not in exported:
                suggestion = close_matches(name.text, exported)
                hint = f"; did you mean `{suggestion[0]}`?" if suggestion else ""
                diagnostics.add(codes.UNKNOWN_IMPORT, name.span, f'"{item.path.value}" declares no `{name.text}`{hint}')
        for name in wanted:
            if name in exported:
                scope.symbols[name] = _symbol_for(exported[name], local=False)
    module = loaded.module
    if module is None:
        return scope
    for decl in declarations(module):
        name = decl.name.text
        existing = scope.symbols.get(name)
        if existing is not None and existing.local:
            diagnostics.add(
                codes.DUPLICATE_DEFINITION,
                decl.name.span,
                f"`{name}` is already declared",
                notes=[Note(message="first declared here", span=existing.span)],
            )
            continue
        scope.symbols[name] = _symbol_for(decl, local=local)
    return scope


def _copy(symbol: Symbol) -> Symbol:
    return msgspec.structs.replace(symbol)


def _symbol_for(decl, *, local: bool) -> Symbol:
    if isinstance(decl, ast.Let):
        return Symbol(name=decl.name.text, kind="let", span=decl.name.span, node=decl, local=local)
    if isinstance(decl, ast.ValuesTable):
        return Symbol(name=decl.name.text, kind="values", span=decl.name.span, node=decl, local=local)
    signature = signature_of(decl)
    return Symbol(
        name=signature.name,
        kind="aggregate" if decl.aggregate else "builtin",
        span=decl.span,
        node=decl,
        signature=signature,
        local=local,
    )
