"""The references in docs/ agree with the implementation: diagnostics.md is generated and
current, every diagnostic code has a golden case whose fixed twin checks clean, and the examples
and tables of language.md and types.md match the grammar, the prelude and the type model."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from migc import api, codes
from migc.semantics import types as T
from migc.resources import grammar_path
from migc.semantics.program import prelude
from migc.syntax import ast
from migc.syntax.parser import parse_text
from tests import docs_gen as gen
from tests.expectations import compare, expectations

DOCS = gen.ROOT / "docs"
LANGUAGE = DOCS / "language.md"
TYPES = DOCS / "types.md"
ERR_CASES = sorted(gen.ERR.glob("*.mig"))
FIXED_CASES = sorted(gen.FIXED.glob("*.mig"))
CODE_OF_CASE = re.compile(r"^(MIG\d{4})_(.+)\.mig$")


def _code_of(path: Path) -> codes.Code:
    match = CODE_OF_CASE.match(path.name)
    assert match, f"{path.name}: a golden case is named <code>_<slug>.mig"
    code = codes.REGISTRY.get(match[1])
    assert code is not None, f"{path.name}: {match[1]} is not in migc.codes.REGISTRY"
    assert code.slug == match[2], f"{path.name}: the slug of {code.id} is {code.slug!r}"
    return code


def _errors_and_warnings(analysis) -> list:
    return [d for d in analysis.diagnostics if d.severity in ("error", "warning")]


# ---------------------------------------------------------------------------- diagnostics.md


class TestDiagnosticsReference:
    def test_is_current(self) -> None:
        expected = gen.render_document()
        actual = gen.DOC.read_text(encoding="utf-8") if gen.DOC.exists() else ""
        assert actual == expected, "docs/diagnostics.md is stale: run `python -m tests.docs_gen`"

    def test_every_code_has_an_explanation(self) -> None:
        assert sorted(gen.EXPLANATIONS) == sorted(codes.REGISTRY)
        for code, text in gen.EXPLANATIONS.items():
            assert len(text) >= 100 and text.endswith("."), f"{code}: the explanation is a paragraph"

    @pytest.mark.parametrize("code_id", sorted(codes.REGISTRY))
    def test_every_code_has_a_golden_case(self, code_id: str) -> None:
        code = codes.REGISTRY[code_id]
        name = gen.case_name(code)
        wrong, fixed = gen.ERR / name, gen.FIXED / name
        if code_id in gen.PENDING:
            assert not wrong.exists() and not fixed.exists(), f"{code_id} has a case now: remove it from docs_gen.PENDING"
        elif code_id in gen.GENERATED:
            assert fixed.exists() and not wrong.exists(), f"{code_id}: only the fixed case is committed"
        else:
            assert wrong.exists(), f"tests/cases/err/{name} is missing"
            assert fixed.exists(), f"tests/cases/fixed/{name} is missing"

    def test_pending_codes_are_explained(self) -> None:
        assert set(gen.PENDING) <= set(codes.REGISTRY)
        assert not set(gen.PENDING) & gen.GENERATED
        assert all(reason for reason in gen.PENDING.values())

    @pytest.mark.parametrize("path", ERR_CASES + FIXED_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
    def test_case_is_named_after_its_code(self, path: Path) -> None:
        _code_of(path)

    @pytest.mark.parametrize("path", ERR_CASES, ids=lambda p: p.stem)
    def test_err_case_states_its_own_code(self, path: Path) -> None:
        code = _code_of(path)
        assert code.id in {e.code for e in expectations(path)}, f"{path.name} never states {code.id}"

    @pytest.mark.parametrize("path", ERR_CASES, ids=lambda p: p.stem)
    def test_shown_example_reports_what_the_case_states(self, path: Path) -> None:
        """The docs show the case without its expectation comments; it must report the same."""
        shown = gen.strip_expectations(path.read_text(encoding="utf-8"))
        assert not re.search(r"#\s*[EW](@\d+)?:\s*MIG\d{4}", shown)
        reported = Counter((d.severity, d.code) for d in _errors_and_warnings(gen.check_case(path, text=shown)))
        stated = Counter((e.severity, e.code) for e in expectations(path))
        assert reported == stated

    @pytest.mark.parametrize("path", FIXED_CASES, ids=lambda p: p.stem)
    def test_fixed_case_checks_clean(self, path: Path) -> None:
        if _code_of(path).id == "MIG0402":
            with gen.overlay_dir(gen.FIXED_OVERLAY) as (directory, _):
                analysis = gen.check_case(path, overlays=(directory,))
        else:
            analysis = gen.check_case(path)
        assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
        problems = compare(path, analysis.diagnostics)
        assert not problems, "\n".join(problems)

    def test_file_in_a_legacy_encoding_is_unreadable(self) -> None:
        with gen.unreadable_file() as (path, _):
            analysis = gen.check_case(path)
        assert [(d.code, d.span.line) for d in analysis.diagnostics] == [("MIG0001", 1)]
        assert "not valid UTF-8 (byte 0xfc on line 1)" in analysis.diagnostics[0].message

    def test_broken_overlay_is_reported_on_its_platform(self) -> None:
        path = gen.FIXED / gen.case_name(codes.CATALOG_INVALID)
        with gen.overlay_dir(gen.BROKEN_OVERLAY) as (directory, shown):
            analysis = gen.check_case(path, overlays=(directory,))
        [diagnostic] = analysis.diagnostics
        line = path.read_text(encoding="utf-8").splitlines()[diagnostic.span.line - 1]
        assert diagnostic.code == "MIG0402" and line.strip() == "to zoho_crm"
        assert "$.objects.Contacts.fields.Netmera_Id__c.type" in diagnostic.message

    def test_strip_expectations_keeps_everything_else(self) -> None:
        text = (
            "# a comment stays\n"
            '  Last_Name <- surname  # W: MIG0503 can be null\n'
            "# E@9: MIG0103 unterminated\n"
            "\n"
            'let x = "# E: inside a string is not a comment"\n'
        )
        assert gen.strip_expectations(text) == (
            "# a comment stays\n"
            "  Last_Name <- surname\n"
            "\n"
            'let x = "# E: inside a string is not a comment"\n'
        )


# ---------------------------------------------------------------------------- ok cases


def test_ok_cases_cover_every_construct() -> None:
    """Together, tests/cases/ok/ uses every node of the grammar and every variant of each."""
    nodes = [
        node
        for path in sorted((gen.CASES / "ok").glob("*.mig"))
        for node in ast.walk(parse_text(path.read_text(encoding="utf-8"), path.name).module)
    ]
    kinds = {type(node).__name__ for node in nodes}
    every_node = {
        name for name, value in vars(ast).items()
        if isinstance(value, type) and issubclass(value, ast.Node) and value is not ast.Node
    }
    # Builtin declarations are the prelude's syntax; mappings have no use for them.
    assert every_node - kinds == {"BuiltinDecl", "Param"}
    variants = {
        ("grouping", n.kind) for n in nodes if isinstance(n, ast.Grouping)
    } | {("route", n.kind) for n in nodes if isinstance(n, ast.Route)} | {
        ("cardinality", n.kind, n.reason is not None) for n in nodes if isinstance(n, ast.Cardinality)
    } | {("flag", n.action) for n in nodes if isinstance(n, ast.Flag)} | {
        ("ref", "quarantine" if n.quarantine else "else" if n.fallback else "none", len(n.matches) > 1, any(m.fuzzy for m in n.matches))
        for n in nodes if isinstance(n, ast.RefLookup)
    } | {
        ("ref chain", len(n.links), "quarantine" if n.last.quarantine else "else" if n.last.fallback else "none")
        for n in nodes if isinstance(n, ast.RefLookup) and n.otherwise is not None
    } | {("import", bool(n.names)) for n in nodes if isinstance(n, ast.Import)} | {
        ("literal", n.kind) for n in nodes if isinstance(n, ast.Literal)
    } | {("merge",) for n in nodes if isinstance(n, ast.MapBlock) and n.merge} | {
        ("map lossy",) for n in nodes if isinstance(n, ast.MapBlock) and n.lossy
    } | {("values else",) for n in nodes if isinstance(n, ast.ValuesTable) and n.default} | {
        ("multi-key",) for n in nodes if isinstance(n, ast.ValueEntry) and len(n.keys) > 1
    } | {("unary", n.op) for n in nodes if isinstance(n, ast.Unary)} | {
        ("binary", n.op) for n in nodes if isinstance(n, ast.Binary)
    }
    expected = {
        ("grouping", "distinct"), ("grouping", "summarize"), ("route", "where"), ("route", "otherwise"),
        ("cardinality", "1:1", False), ("cardinality", "1:many", False), ("cardinality", "lossy", False),
        ("cardinality", "lossy", True), ("flag", "quarantine"), ("flag", "report"),
        ("ref", "quarantine", False, False), ("ref", "else", False, False), ("ref", "else", True, True),
        ("ref chain", 2, "quarantine"), ("ref chain", 3, "else"),
        ("import", True), ("import", False), ("merge",), ("map lossy",), ("values else",), ("multi-key",),
        ("unary", "not"), ("unary", "-"),
    } | {("literal", kind) for kind in ("string", "integer", "decimal", "boolean", "null", "duration", "size")} | {
        ("binary", op) for op in ("or", "and", "==", "!=", "<", ">=", ">", "in", "not in", "??", "+", "-", "*", "/", "%")
    }
    assert expected - variants == set()


# ---------------------------------------------------------------------------- language.md


def _mig_blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [
        (text[: match.start()].count("\n") + 2, match[1])
        for match in re.finditer(r"^```mig\n(.*?)^```", text, re.S | re.M)
    ]


def _marked_table(path: Path, marker: str) -> list[list[str]]:
    """The body rows of the tables between `<!-- marker ... -->` and `<!-- /marker -->`, as
    cells with markdown escapes (`\\|`) and code backquotes removed; header rows are skipped."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}\b.*?-->\n(.*?)<!-- /{marker} -->", text, re.S)
    assert match, f"{path.name} has no <!-- {marker} --> table"
    lines = match[1].splitlines()
    rows = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line.startswith("|") or set(line) <= set("|-") or set(following) <= set("|-") and following:
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append([cell[1:-1] if cell.startswith("`") and cell.endswith("`") else cell for cell in cells])
    return rows


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a markdown file (outside code blocks)."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, re.M)
    }


class TestLanguageReference:
    @pytest.mark.parametrize("doc", [LANGUAGE, TYPES], ids=lambda p: p.name)
    def test_every_mig_example_parses(self, doc: Path) -> None:
        blocks = _mig_blocks(doc)
        assert blocks
        for line, block in blocks:
            result = api.parse(block, f"{doc.name}:{line}")
            errors = [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in result.diagnostics if d.is_error]
            assert not errors, f"the example at {doc.name} line {line} does not parse: {errors}"

    def test_examples_that_are_whole_mappings_check_clean(self) -> None:
        whole = [
            (line, block) for line, block in _mig_blocks(LANGUAGE)
            if re.search(r"^migration\b", block, re.M) and re.search(r"^(object|map)\b", block, re.M)
        ]
        assert whole
        for line, block in whole:
            analysis = api.check(gen.ROOT / "docs" / "example.mig", text=block)
            assert not analysis.diagnostics, f"language.md line {line}: {[d.message for d in analysis.diagnostics]}"

    def test_every_construct_has_an_example(self) -> None:
        examples = "\n".join(block for _, block in _mig_blocks(LANGUAGE))
        kinds = {type(node).__name__ for line, block in _mig_blocks(LANGUAGE) for node in ast.walk(api.parse(block).module)}
        expected = {
            "Migration", "FromClause", "ToClause", "ConsentClause", "SampleClause", "DeltaClause", "OrderClause",
            "Import", "Let", "ValuesTable", "ValueEntry", "CreateModule", "FieldDecl", "CreateField", "CreatePicklist",
            "ObjectBlock", "MapBlock", "Grouping", "Route", "ExtendBlock", "RebuildBlock", "KeyStmt", "Assign", "Drop",
            "Flag", "Limit", "LocalLet", "NoteStmt", "LossyStmt", "ListStmt", "RefLookup", "RefMatch", "Literal",
            "NameRef", "Member", "Index", "Call", "Pipe", "Binary", "Unary", "Cast", "IfExpr", "ListExpr",
            "BuiltinDecl", "Param",
        }
        assert expected <= kinds, f"no example of {sorted(expected - kinds)}"
        for snippet in ("distinct by", "summarize by", " merge", "otherwise", "then fuzzy", "else quarantine", "-> report", "-> quarantine", "`"):
            assert snippet in examples, f"no example uses {snippet!r}"

    def test_precedence_examples_group_as_stated(self) -> None:
        rows = _marked_table(LANGUAGE, "precedence-examples")
        assert len(rows) >= 10
        for written, means in rows:
            trees = []
            for expression in (written, means):
                result = parse_text(f"let x = {expression}", "precedence.mig")
                assert result.ok, f"{expression!r}: {[d.message for d in result.diagnostics]}"
                trees.append(ast.dump(result.module.items[0].value, spans=False))
            assert trees[0] == trees[1], f"{written!r} does not mean {means!r}"

    def test_comparisons_do_not_chain(self) -> None:
        assert "do not chain" in LANGUAGE.read_text(encoding="utf-8")
        assert not parse_text("let x = a < b < c", "chain.mig").ok

    def test_every_builtin_is_listed_as_declared(self) -> None:
        rows = _marked_table(LANGUAGE, "builtins")
        listed = {row[0] for row in rows}
        loaded = prelude()
        declared = {
            loaded.source.text[item.name.span.start : item.returns.span.end]
            for item in loaded.module.items
            if isinstance(item, ast.BuiltinDecl)
        }
        assert declared - listed == set(), "builtins missing from language.md"
        assert listed - declared == set(), "language.md lists builtins the prelude does not declare"

    def test_keyword_list_matches_the_grammar(self) -> None:
        match = re.search(r"The keywords are `([^`]+)`", LANGUAGE.read_text(encoding="utf-8"))
        assert match
        grammar = set(re.findall(r'"([a-z]+)"', grammar_path().read_text(encoding="utf-8")))
        assert set(match[1].split()) == grammar

    @pytest.mark.parametrize("doc", [LANGUAGE, TYPES], ids=lambda p: p.name)
    def test_links_between_the_references_exist(self, doc: Path) -> None:
        text = doc.read_text(encoding="utf-8")
        for file, target in re.findall(r"\]\((language\.md|types\.md|diagnostics\.md)?#([\w-]+)\)", text):
            anchors = _anchors(DOCS / file if file else doc)
            assert target in anchors, f"{doc.name} links to a missing section {file}#{target}"
        for code in re.findall(r"\bMIG\d{4}\b", text):
            assert code in codes.REGISTRY, f"{doc.name} mentions {code}, which does not exist"


# ---------------------------------------------------------------------------- types.md

# A representative type for each column and row label of the conversion table.
_SAMPLES = {
    "string": T.Type(kind="string"), "text": T.Type(kind="text"), "email": T.Type(kind="email"),
    "phone": T.Type(kind="phone"), "url": T.Type(kind="url"), "id": T.Type(kind="id"),
    "integer": T.Type(kind="integer"), "decimal": T.Type(kind="decimal"), "boolean": T.Type(kind="boolean"),
    "date": T.Type(kind="date"), "datetime": T.Type(kind="datetime"),
    "picklist": T.Type(kind="picklist", values=("Active",)),
    "multipicklist": T.Type(kind="multipicklist", values=("a", "b")),
    "tags": T.Type(kind="tags"), "list[string]": T.list_of(T.STRING),
    "lookup": T.Type(kind="lookup", to=("Accounts",)), "json": T.Type(kind="json"),
    "null": T.NULL, "any": T.ANY, "duration": T.Type(kind="duration"), "size": T.Type(kind="size"),
}


class TestTypesReference:
    def test_conversion_table_matches_the_type_model(self) -> None:
        text = TYPES.read_text(encoding="utf-8")
        header = re.search(r"<!-- conversion-table\b.*?-->\n(\|[^\n]*)\n", text, re.S)
        assert header
        columns = [cell.strip().strip("`") for cell in header[1].strip("|").split("|")][1:]
        rows = _marked_table(TYPES, "conversion-table")
        assert {row[0] for row in rows} == set(_SAMPLES) and set(columns) <= set(_SAMPLES)
        for row in rows:
            value = _SAMPLES[row[0]]
            for column, cell in zip(columns, row[1:], strict=True):
                target = _SAMPLES[column]
                expected = "✓" if T.assignable(value, target) else "as" if T.castable(value, target) else "–"
                assert cell == expected, f"{row[0]} into {column}: the table says {cell!r}, the model {expected!r}"

    def test_every_type_name_is_documented(self) -> None:
        text = TYPES.read_text(encoding="utf-8")
        for name in T.TYPE_NAMES:
            assert f"| `{name}` |" in text, f"types.md does not describe `{name}`"
