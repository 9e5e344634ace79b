"""The rules of one `map` block: how a value's shape is learned, and the guards on required fields."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from migc import api
from migc.diagnostics import Diagnostics
from migc.semantics.expressions import MAX_DEPTH, ExpressionChecker, RecordEnv
from migc.semantics.mapping import traced_shape, value_shape
from migc.semantics.scope import Scope
from migc.syntax import ast

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.glob("examples/*.mig"), *ROOT.glob("tests/cases/*/*.mig")])
HEADER = 'migration t {\n  from netmera\n  to zoho_crm\n}\n'


def assigned_values(module: ast.Module):
    for node in ast.walk(module):
        if isinstance(node, (ast.MapBlock, ast.ExtendBlock)):
            for statement in node.body:
                if isinstance(statement, (ast.Assign, ast.KeyStmt)):
                    yield node.source.text, statement.value


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_inference_meets_the_names_a_walk_finds(path: Path) -> None:
    analysis = api.check(path)
    if analysis.module is None or analysis.scope is None:
        pytest.skip("the file does not parse (a syntax-error case)")
    scope = Scope()  # a private copy: inferring marks symbols used
    scope.symbols = {name: msgspec.structs.replace(symbol) for name, symbol in analysis.scope.symbols.items()}
    tables = frozenset(name for name, symbol in scope.symbols.items() if symbol.kind == "values")
    checker = ExpressionChecker(scope, Diagnostics(), [], analysis.sources)
    for source, value in assigned_values(analysis.module):
        env = RecordEnv(source, None)
        with checker.tracing() as trace:
            if isinstance(value, ast.RefLookup):  # as the map checks a ref: its matches, then its fallback
                for match in value.matches:
                    checker.infer(match.value, env)
                if value.fallback is not None:
                    checker.infer(value.fallback, env)
            else:
                checker.infer(value, env)
        if trace.complete:
            assert traced_shape(trace, tables) == value_shape(value, tables), value.span


def test_a_value_nested_too_deep_to_infer_is_walked(tmp_path: Path) -> None:
    # `+` nests to the left: the call sits below the depth where inference stops.
    value = 'trim(name) + ' + ' + '.join(['"a"'] * (MAX_DEPTH + 5))
    path = tmp_path / "deep.mig"
    path.write_text(HEADER + f'map User -> Contacts {{\n  Last_Name <- "x"\n  Description <- {value}\n}}\n', encoding="utf-8")
    result = api.check(path)
    assert "MIG0110" in [d.code for d in result.diagnostics]
    (info,) = result.model.maps
    (description,) = [p for p in info.fields if p.field == "Description"]
    assert description.coercion == "trim"


@pytest.mark.parametrize(
    ("guard", "warned"),
    [
        ("", True),
        ('  flag "no surname" when surname == null -> quarantine\n', False),
        ('  flag "no surname" when surname == null -> report\n', True),
    ],
)
def test_a_required_field_read_directly_is_guarded_by_a_quarantine(tmp_path: Path, guard: str, warned: bool) -> None:
    path = tmp_path / "guard.mig"
    path.write_text(HEADER + f"map User -> Contacts {{\n  Last_Name <- surname\n{guard}}}\n", encoding="utf-8")
    codes = [d.code for d in api.check(path).diagnostics]
    assert ("MIG0503" in codes) is warned


def test_a_where_route_guards_the_fields_it_tests(tmp_path: Path) -> None:
    path = tmp_path / "route.mig"
    path.write_text(HEADER + "map User -> Contacts where surname != null {\n  Last_Name <- surname\n}\n", encoding="utf-8")
    assert "MIG0503" not in [d.code for d in api.check(path).diagnostics]
