"""`expression_nodes`: the expression nodes of a value, in the order `ast.walk` yields them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from migc.semantics.traversal import expression_nodes
from migc.source import SourceFile
from migc.syntax import ast
from migc.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[2]
# Every example and golden case that parses (a case of a syntax error has no tree to compare).
FILES = [
    path for path in sorted([*ROOT.glob("examples/*.mig"), *ROOT.glob("tests/cases/*/*.mig")])
    if parse(SourceFile.from_path(path)).module is not None
]


def walked_expressions(root: ast.Node) -> Iterator[ast.Node]:
    """The specification: `ast.walk` without names and without written types (and what they hold)."""
    skipped: set[int] = set()
    for node in ast.walk(root):
        if id(node) in skipped or isinstance(node, ast.TypeExpr):
            skipped.update(id(inner) for inner in ast.walk(node))
            continue
        if not isinstance(node, ast.Name):
            yield node


def values_and_conditions(module: ast.Module) -> Iterator[ast.Node]:
    for node in ast.walk(module):
        if isinstance(node, (ast.Assign, ast.KeyStmt, ast.Let, ast.LocalLet, ast.RefMatch)):
            yield node.value
        elif isinstance(node, (ast.Flag, ast.ConsentClause)):
            yield node.condition
        elif isinstance(node, ast.Route) and node.condition is not None:
            yield node.condition


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_lists_what_a_walk_meets_in_its_order(path: Path) -> None:
    module = parse(SourceFile.from_path(path)).module
    for root in values_and_conditions(module):
        assert [id(n) for n in expression_nodes(root)] == [id(n) for n in walked_expressions(root)]


def test_lists_every_kind_of_expression(tmp_path: Path) -> None:
    text = (
        'migration t {\n  from netmera\n  to zoho_crm\n}\n'
        'map User -> Contacts {\n'
        '  Last_Name <- if not (age > 3) then [tags[0], -age, device.os] else (name as string) | truncate(8)\n'
        '  Account_Name <- ref Accounts by Account_Name = trim(company) fuzzy ?? "none"\n'
        '  Reports_To <- ref Contacts by Email = email else ref Leads by Email = lower(email) else name ?? "x"\n'
        '}\n'
    )
    module = parse(SourceFile("t.mig", text)).module
    assert module is not None
    (block,) = [item for item in module.items if isinstance(item, ast.MapBlock)]
    kinds = set()
    for statement in block.body:
        listed = expression_nodes(statement.value)
        assert [id(n) for n in listed] == [id(n) for n in walked_expressions(statement.value)]
        kinds.update(type(n).__name__ for n in listed)
    assert kinds >= {"IfExpr", "Unary", "Binary", "ListExpr", "Index", "Member", "Cast", "Pipe", "Call", "NameRef", "Literal", "RefLookup", "RefMatch"}


def test_other_nodes_have_all_their_children_listed() -> None:
    module = parse(SourceFile("t.mig", 'let x = trim("a")\n')).module
    assert module is not None
    (let,) = module.items
    expected = [module, let, let.name, let.value, let.value.args[0]]  # not the call's function name
    assert [id(n) for n in expression_nodes(module)] == [id(n) for n in expected]
