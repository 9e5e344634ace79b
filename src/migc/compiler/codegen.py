"""Generates Python from the IR, once per program, as Jinja2 compiles templates.

Each map becomes a function `transform(r)` that returns the target fields, the values its refs
match by, and the indexes of the flags that fire. Route conditions, group keys and `limit`
keys become small functions too. Generated line numbers map back to the `.mig` span of the
statement that produced them (`CompiledProgram.span_at`), so a record that fails at run time is
reported at its `.mig` line.

Null semantics (docs/language.md): a condition is true only when it is `true`; comparisons and
arithmetic with null give null (conditions then read it as false); `a ?? b` is `b` when `a` is
null.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable
from typing import Any

import msgspec

from migc import ir
from migc.runtime.builtins import AGGREGATES, BUILTINS, BuiltinError
from migc.source import Span


class MapFunctions(msgspec.Struct, kw_only=True):
    """The compiled callables of one map."""

    program: ir.MapProgram
    transform: Callable[..., tuple[dict[str, Any], dict[str, tuple[Any, ...]], list[int]]]
    route: Callable[[dict], bool] | None = None
    group_key: Callable[[dict], tuple] | None = None
    limit_key: Callable[[dict], Any] | None = None


class CompiledProgram:
    def __init__(self, program: ir.Program, source: str, namespace: dict[str, Any], spans: dict[int, Span]) -> None:
        self.program = program
        self.source = source
        self.namespace = namespace
        self._spans = spans
        self.maps: dict[str, MapFunctions] = {}

    def span_at(self, line: int) -> Span | None:
        """The `.mig` span of the statement generated at `line` (or the nearest before it)."""
        for candidate in range(line, 0, -1):
            if candidate in self._spans:
                return self._spans[candidate]
        return None

    def span_of(self, error: BaseException) -> Span | None:
        """The `.mig` span where `error` was raised inside generated code."""
        tb = error.__traceback__
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == GENERATED_FILE:
                line = tb.tb_lineno
            tb = tb.tb_next
        return self.span_at(line) if line is not None else None


GENERATED_FILE = "<migc generated>"


def compile_program(program: ir.Program) -> CompiledProgram:
    generator = _Generator(program)
    source = generator.module()
    namespace = generator.namespace()
    code = compile(source, GENERATED_FILE, "exec")
    exec(code, namespace)
    compiled = CompiledProgram(program, source, namespace, generator.spans)
    for constant in program.constants:
        namespace[generator.constant_names[constant.name]] = namespace[f"_const_{generator.constant_names[constant.name]}"]()
    for index, map_program in enumerate(program.maps):
        compiled.maps[map_program.id] = MapFunctions(
            program=map_program,
            transform=namespace[f"map_{index}"],
            route=namespace.get(f"route_{index}"),
            group_key=namespace.get(f"group_{index}"),
            limit_key=namespace.get(f"limit_{index}"),
        )
    return compiled


# ---------------------------------------------------------------------------- runtime helpers


def _truthy(value: Any) -> bool:
    return value is True


def _compare(op: str) -> Callable[[Any, Any], Any]:
    import operator

    function = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def compare(left: Any, right: Any) -> Any:
        if left is None or right is None:
            return None
        try:
            return function(left, right)
        except TypeError:
            raise BuiltinError(f"cannot compare {type(left).__name__} with {type(right).__name__} using `{op}`") from None

    return compare


def _in(needle: Any, haystack: Any) -> Any:
    if needle is None or haystack is None:
        return None
    if isinstance(haystack, str):
        return str(needle) in haystack
    return needle in haystack


def _add(left: Any, right: Any) -> Any:
    # Lists concatenate with a missing list as empty: a user without tags keeps their segments.
    if isinstance(left, list) and right is None or left is None and isinstance(right, list):
        return list(left or right)
    if left is None or right is None:
        return None
    if isinstance(left, (_dt.date, _dt.datetime)) and isinstance(right, (int, float)):
        return left + _dt.timedelta(seconds=right)
    if isinstance(left, str) != isinstance(right, str):
        raise BuiltinError(f"cannot add {type(left).__name__} and {type(right).__name__}")
    return left + right


def _arith(op: str) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        if left is None or right is None:
            return None
        if op == "-":
            if isinstance(left, (_dt.date, _dt.datetime)) and isinstance(right, (int, float)):
                return left - _dt.timedelta(seconds=right)
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            raise BuiltinError(f"division by zero in `{op}`")
        return left / right if op == "/" else left % right

    return apply


def _negate(value: Any) -> Any:
    return None if value is None else -value


def _member(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def _path(record: dict, path: tuple[str, ...]) -> Any:
    value: Any = record
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _index(value: Any, index: Any) -> Any:
    if value is None or index is None:
        return None
    if isinstance(value, dict):
        return value.get(index)
    try:
        return value[index]
    except (IndexError, TypeError):
        return None


def _convert(value: Any, kind: str, length: int | None, values: tuple[str, ...]) -> Any:
    if value is None:
        return None
    builtins = BUILTINS
    if kind in ("string", "text", "id"):
        result = builtins["to_string"](value)
        if length is not None and len(result) > length:
            raise BuiltinError(f"{result[:40]!r}… is {len(result)} characters, more than {kind}({length}) allows")
        return result
    if kind == "integer":
        return builtins["to_integer"](value)
    if kind == "decimal":
        return builtins["to_number"](value)
    if kind == "boolean":
        return builtins["to_bool"](value)
    if kind == "date":
        return builtins["parse_date"](value)
    if kind == "datetime":
        return builtins["parse_datetime"](value)
    if kind == "email":
        return builtins["normalize_email"](value)
    if kind == "phone":
        return builtins["e164"](value)
    if kind == "url":
        text = builtins["to_string"](value).strip()
        if not text.startswith(("http://", "https://")):
            raise BuiltinError(f"{text[:60]!r} is not a URL (it must start with http:// or https://)")
        return text
    if kind == "picklist":
        text = builtins["to_string"](value)
        if values and text not in values:
            raise BuiltinError(f"{text[:60]!r} is not one of the picklist's options")
        return text
    if kind in ("list", "multipicklist", "tags"):
        return value if isinstance(value, list) else builtins["split"](builtins["to_string"](value))
    if kind == "json":
        return value
    return value


def _aggregate(name: str, values: list[Any]) -> Any:
    accumulator = AGGREGATES[name]()
    for value in values:
        accumulator.add(value)
    return accumulator.result()


def _missing_value(table: str, value: Any) -> Any:
    raise BuiltinError(f"{value!r} has no entry in values table `{table}` and the table has no `else`")


_HELPERS: dict[str, Any] = {
    "_truthy": _truthy,
    "_lt": _compare("<"),
    "_le": _compare("<="),
    "_gt": _compare(">"),
    "_ge": _compare(">="),
    "_in": _in,
    "_add": _add,
    "_sub": _arith("-"),
    "_mul": _arith("*"),
    "_div": _arith("/"),
    "_mod": _arith("%"),
    "_negate": _negate,
    "_member": _member,
    "_path": _path,
    "_index": _index,
    "_convert": _convert,
    "_aggregate": _aggregate,
    "_missing_value": _missing_value,
}
_COMPARISONS = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}
_ARITHMETIC = {"-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}


# ---------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.lines: list[str] = []
        self.spans: dict[int, Span] = {}
        self.constant_names = {c.name: f"C{i}" for i, c in enumerate(program.constants)}
        self.table_names = {t.name: f"V{i}" for i, t in enumerate(program.values)}
        self.literals: dict[str, Any] = {}
        self._temp = itertools.count()
        self.local_names: dict[str, str] = {}
        self.in_group = False

    def namespace(self) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__builtins__": __builtins__}
        namespace.update(_HELPERS)
        namespace.update({f"B_{name}": function for name, function in BUILTINS.items()})
        namespace.update(self.literals)
        return namespace

    def emit(self, text: str, span: Span | None = None) -> None:
        first = len(self.lines) + 1
        self.lines.extend(text.split("\n"))
        if span is not None:
            for line in range(first, len(self.lines) + 1):
                self.spans[line] = span

    # ------------------------------------------------------------------ module

    def module(self) -> str:
        for constant in self.program.constants:
            name = self.constant_names[constant.name]
            self.local_names = {}
            self.emit(f"def _const_{name}():", constant.span)
            self.emit(f"    return {self.expr(constant.value)}", constant.span)
        for table in self.program.values:
            self._values_table(table)
        for index, map_program in enumerate(self.program.maps):
            self._map(index, map_program)
        return "\n".join(self.lines) + "\n"

    def _values_table(self, table: ir.ValuesTable) -> None:
        name = self.table_names[table.name]
        constant = all(isinstance(value, ir.Const) for _, value in table.entries)
        self.local_names = {}
        if constant:
            lookup = f"_T_{name}"
            self.literals[lookup] = {key: value.value for key, value in table.entries}
            self.emit(f"def {name}(value):", table.span)
            self.emit(f"    if value is None:\n        return None")
            self.emit(f"    try:\n        return {lookup}[value]\n    except KeyError:\n        pass")
        else:
            self.emit(f"def {name}(value):", table.span)
            self.emit(f"    if value is None:\n        return None")
            for key, value in table.entries:
                self.emit(f"    if value == {self._literal(key)}:", value.span)
                self.emit(f"        return {self.expr(value)}", value.span)
        if table.default is not None:
            self.emit(f"    return {self.expr(table.default)}", table.default.span)
        else:
            self.emit(f"    return _missing_value({table.name!r}, value)", table.span)

    def _map(self, index: int, program: ir.MapProgram) -> None:
        summarize = program.grouping == "summarize"
        if program.condition is not None:
            self.local_names = {}
            self.emit(f"def route_{index}(r):", program.condition.span)
            self.emit(f"    return _truthy({self.expr(program.condition)})", program.condition.span)
        if program.group_keys:
            self.local_names = {}
            keys = ", ".join(self.expr(k) for k in program.group_keys)
            self.emit(f"def group_{index}(r):", program.span)
            self.emit(f"    return ({keys},)", program.group_keys[0].span)
        if program.limit_per is not None:
            self.local_names = {}
            self.emit(f"def limit_{index}(r):", program.limit_per.span)
            self.emit(f"    return {self.expr(program.limit_per)}", program.limit_per.span)
        self.local_names = {}
        self.in_group = summarize
        if summarize:
            self.emit(f"def map_{index}(group):", program.span)
            self.emit("    r = group[0]")
        else:
            self.emit(f"def map_{index}(r):", program.span)
        self.emit("    out = {}")
        self.emit("    refs = {}")
        for step in program.steps:
            if isinstance(step, ir.LocalStep):
                local = f"L{len(self.local_names)}"
                value = self.expr(step.value)
                self.local_names[step.name] = local
                self.emit(f"    {local} = {value}", step.span)
            elif step.ref is not None:
                matches = ", ".join(self.expr(m.value) for m in step.ref.matches)
                fallback = self.expr(step.ref.fallback) if step.ref.fallback is not None else "None"
                self.emit(f"    refs[{step.field!r}] = (({matches},), {fallback})", step.span)
            else:
                self.emit(f"    out[{step.field!r}] = {self.expr(step.value)}", step.span)
        self.emit("    fired = []")
        for number, flag in enumerate(program.flags):
            self.emit(f"    if _truthy({self.expr(flag.condition)}):", flag.span)
            self.emit(f"        fired.append({number})", flag.span)
        self.emit("    return out, refs, fired")
        self.in_group = False

    # ------------------------------------------------------------------ expressions

    def _literal(self, value: Any) -> str:
        if value is None or isinstance(value, (bool, int, str)):
            return repr(value)
        if isinstance(value, float):
            return repr(value) if value == value and value not in (float("inf"), float("-inf")) else self._boxed(value)
        return self._boxed(value)

    def _boxed(self, value: Any) -> str:
        name = f"_K{len(self.literals)}"
        self.literals[name] = value
        return name

    def _temp_name(self) -> str:
        return f"_t{next(self._temp)}"

    def expr(self, node: ir.Expr) -> str:
        if isinstance(node, ir.Const):
            return self._literal(node.value)
        if isinstance(node, ir.FieldRead):
            if len(node.path) == 1:
                return f"r.get({node.path[0]!r})"
            return f"_path(r, {node.path!r})"
        if isinstance(node, ir.ConstRef):
            return self.constant_names[node.name]
        if isinstance(node, ir.LocalRef):
            return self.local_names[node.name]
        if isinstance(node, ir.ValueRef):
            return "value"
        if isinstance(node, ir.FunctionRef):
            return self.table_names[node.name] if node.values_table else f"B_{node.name}"
        if isinstance(node, ir.ValuesCall):
            return f"{self.table_names[node.table]}({self.expr(node.arg)})"
        if isinstance(node, ir.Call):
            if node.function == "coalesce":
                return self._coalesce(list(node.args))
            return f"B_{node.function}({', '.join(self.expr(a) for a in node.args)})"
        if isinstance(node, ir.Aggregate):
            if node.function == "count":
                return "len(group)"
            return f"_aggregate({node.function!r}, [{self.expr(node.arg)} for r in group])"
        if isinstance(node, ir.BinaryOp):
            return self._binary(node)
        if isinstance(node, ir.UnaryOp):
            if node.op == "not":
                return f"(not _truthy({self.expr(node.operand)}))"
            return f"_negate({self.expr(node.operand)})"
        if isinstance(node, ir.Member):
            return f"_member({self.expr(node.value)}, {node.name!r})"
        if isinstance(node, ir.IndexOp):
            return f"_index({self.expr(node.value)}, {self.expr(node.index)})"
        if isinstance(node, ir.Convert):
            return f"_convert({self.expr(node.value)}, {node.kind!r}, {node.length!r}, {node.values!r})"
        if isinstance(node, ir.Conditional):
            return f"({self.expr(node.then)} if _truthy({self.expr(node.condition)}) else {self.expr(node.otherwise)})"
        if isinstance(node, ir.ListOf):
            return f"[{', '.join(self.expr(i) for i in node.items)}]"
        raise TypeError(f"cannot generate {type(node).__name__}")

    def _coalesce(self, args: list[ir.Expr]) -> str:
        if len(args) == 1:
            return self.expr(args[0])
        temp = self._temp_name()
        return f"({temp} if ({temp} := {self.expr(args[0])}) is not None else {self._coalesce(args[1:])})"

    def _binary(self, node: ir.BinaryOp) -> str:
        op = node.op
        left, right = self.expr(node.left), self.expr(node.right)
        if op == "and":
            return f"(_truthy({left}) and _truthy({right}))"
        if op == "or":
            return f"(_truthy({left}) or _truthy({right}))"
        if op == "==":
            return f"({left} == {right})"
        if op == "!=":
            return f"({left} != {right})"
        if op in _COMPARISONS:
            return f"{_COMPARISONS[op]}({left}, {right})"
        if op == "in":
            return f"_in({left}, {right})"
        if op == "not in":
            temp = self._temp_name()
            return f"(None if ({temp} := _in({left}, {right})) is None else not {temp})"
        if op == "??":
            temp = self._temp_name()
            return f"({temp} if ({temp} := {left}) is not None else {right})"
        if op == "+":
            return f"_add({left}, {right})"
        return f"{_ARITHMETIC[op]}({left}, {right})"

