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
from migc.source import SourceFile
from migc.syntax import ast
from migc.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[2]
# Every example and golden case that parses (a case of a syntax error has no tree to compare).
FILES = [
    path for path in sorted([*ROOT.glob("examples/*.mig"), *ROOT.glob("tests/cases/*/*.mig")])
    if parse(SourceFile.from_path(path)).module is not None
]
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
    assert analysis.module is not None and analysis.scope is not None
    scope = Scope()  # a private copy: inferring marks symbols used
    scope.symbols = {name: msgspec.structs.replace(symbol) for name, symbol in analysis.scope.symbols.items()}
    tables = frozenset(name for name, symbol in scope.symbols.items() if symbol.kind == "values")
    checker = ExpressionChecker(scope, Diagnostics(), [], analysis.sources)
    for source, value in assigned_values(analysis.module):
        env = RecordEnv(source, None)
        with checker.tracing() as trace:
            if isinstance(value, ast.RefLookup):  # as the map checks a ref: each link's matches, then the fallback
                for link in value.links:
                    for match in link.matches:
                        checker.infer(match.value, env)
                if value.last.fallback is not None:
                    checker.infer(value.last.fallback, env)
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


# ---------------------------------------------------------------------------- ref chains and type fields

CIO_HEADER = (
    'import eu_countries from "std/regions.mig"\n'
    "migration t {\n  from customerio\n  to freshsales\n  consent gdpr for Person when country in eu_countries\n}\n"
    'create field contacts.cf_cio_id: string(64) unique label "Customer.io ID"\n'
    'create field leads.cf_cio_id: string(64) unique label "Customer.io ID"\n'
    'map Person -> contacts where email != null {\n  key cf_cio_id <- cio_id\n  email <- normalize_email(email)\n  last_name <- last_name ?? "x"\n}\n'
    "map Person -> leads otherwise {\n  key cf_cio_id <- cio_id\n  last_name <- last_name\n}\n"
)
CHAIN = "ref contacts by cf_cio_id = customer_identifiers.cio_id else ref leads by cf_cio_id = customer_identifiers.cio_id"


def check_notes(tmp_path: Path, statements: str):
    path = tmp_path / "t.mig"
    path.write_text(CIO_HEADER + 'map Event -> notes {\n  description <- json(data)\n' + statements + "}\n", encoding="utf-8")
    return api.check(path)


def test_a_chain_checks_each_link_and_orders_the_load_after_every_object_it_tries(tmp_path: Path) -> None:
    result = check_notes(tmp_path, f"  targetable_id <- {CHAIN} else quarantine\n")
    assert [d.code for d in result.diagnostics] == []
    notes = next(info for info in result.model.maps if info.target == "notes")
    (program,) = [p for p in notes.fields if p.field == "targetable_id"]
    assert [(link.target, link.keys) for link in program.refs] == [("contacts", ("cf_cio_id",)), ("leads", ("cf_cio_id",))]
    assert program.ref_targets == ("contacts", "leads") and program.type_field == "targetable_type"
    assert {(e.dependent, e.target) for e in result.model.refs} >= {("notes", "contacts"), ("notes", "leads")}
    order = result.model.load_order
    assert order.index("notes") > max(order.index("contacts"), order.index("leads"))


def test_the_type_field_counts_as_set_by_the_ref(tmp_path: Path) -> None:
    # notes.targetable_type is required: the ref sets it, so no MIG0502.
    assert [d.code for d in check_notes(tmp_path, "  targetable_id <- ref contacts by cf_cio_id = customer_id else null\n").diagnostics] == []
    missing = check_notes(tmp_path, "  targetable_id <- 5\n")
    assert [d.code for d in missing.diagnostics].count("MIG0502") == 1
    assert "targetable_type" in next(d.message for d in missing.diagnostics if d.code == "MIG0502")


def test_assigning_the_type_field_is_an_error_unless_it_is_what_every_link_sets(tmp_path: Path) -> None:
    same = check_notes(tmp_path, '  targetable_type <- "Contact"\n  targetable_id <- ref contacts by cf_cio_id = customer_id else quarantine\n')
    assert [d.code for d in same.diagnostics] == []
    for value in ('"Contact"', '"Lead"', 'if type == "event" then "Contact" else "Lead"'):
        result = check_notes(tmp_path, f"  targetable_type <- {value}\n  targetable_id <- {CHAIN} else quarantine\n")
        (diagnostic,) = result.diagnostics
        assert diagnostic.code == "MIG0518" and diagnostic.span.line == result.diagnostics[0].span.line
        assert '("Contact" or "Lead", from the record it finds)' in diagnostic.message
        assert diagnostic.fix is not None and diagnostic.fix.edits[0].new_text == ""
    other = check_notes(tmp_path, '  targetable_type <- "Deal"\n  targetable_id <- ref contacts by cf_cio_id = customer_id else quarantine\n')
    assert [d.code for d in other.diagnostics] == ["MIG0518"]


def test_every_link_must_be_an_object_the_lookup_reaches(tmp_path: Path) -> None:
    result = check_notes(tmp_path, f"  targetable_id <- {CHAIN} else ref users by email = name else null\n")
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "MIG0516" and "not `users`" in diagnostic.message
    assert diagnostic.span.line == result.diagnostics[0].span.line


def test_later_links_are_checked_like_the_first(tmp_path: Path) -> None:
    result = check_notes(
        tmp_path,
        "  targetable_id <- ref contacts by cf_cio_id = customer_id else ref leads by cf_cio_idd = customer_id"
        " else ref deals by name = customer_id else quarantine\n",
    )
    problems = sorted((d.code, d.message.split(",")[0]) for d in result.diagnostics)
    assert problems == [
        ("MIG0405", "`leads` has no field `cf_cio_idd`; did you mean `cf_cio_id`?"),
        ("MIG0506", "no map loads `deals` and its records do not pre-exist"),
        ("MIG0507", "`deals.name` is not unique"),
    ]
