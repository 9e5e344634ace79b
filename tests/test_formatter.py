"""Tests for migc.formatter: golden pairs, the layout rules one by one, the properties every .mig
file in the repository must keep (idempotence, meaning, comments), and generated trees."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migc import codes, formatter
from migc.formatter import FormatResult, format_expr, format_module, format_name, format_text, quote_string
from migc.source import Span
from migc.syntax import ast
from migc.syntax.parser import parse_text

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
GOLDEN = CASES / "fmt"


def formatted(text: str) -> str:
    result = format_text(text)
    assert result.text is not None, [d.message for d in result.diagnostics]
    return result.text


def meaning(module: ast.Module) -> str:
    """The tree without layout: no spans, and string literals by value only (their `text` is the
    token as written, so `"\\u{41}"` and `"A"` differ there although they mean the same)."""
    return ast.dump(_without_string_spelling(module), spans=False)


def _without_string_spelling(node: ast.Node) -> ast.Node:
    changes: dict[str, object] = {}
    for field in node.__struct_fields__:
        value = getattr(node, field)
        if isinstance(value, ast.Node):
            changes[field] = _without_string_spelling(value)
        elif isinstance(value, tuple) and any(isinstance(item, ast.Node) for item in value):
            changes[field] = tuple(
                _without_string_spelling(item) if isinstance(item, ast.Node) else item for item in value
            )
    if isinstance(node, ast.Literal) and node.kind == "string":
        changes["text"] = ""
    return msgspec.structs.replace(node, **changes)


def comment_texts(text: str) -> Counter[str]:
    return Counter(comment.text.strip() for comment in parse_text(text).comments)


# ---------------------------------------------------------------------------- golden pairs

GOLDEN_INPUTS = sorted(GOLDEN.glob("*.in.mig"))


def expected_output(source: Path) -> str:
    return source.with_name(source.name.replace(".in.mig", ".out.mig")).read_text(encoding="utf-8")


@pytest.mark.parametrize("source", GOLDEN_INPUTS, ids=lambda path: path.name.removesuffix(".in.mig"))
class TestGolden:
    def test_formats_to_expected_output(self, source: Path) -> None:
        assert formatted(source.read_text(encoding="utf-8")) == expected_output(source)

    def test_expected_output_is_already_canonical(self, source: Path) -> None:
        expected = expected_output(source)
        result = format_text(expected)
        assert result.text == expected
        assert not result.changed

    def test_crlf_input_gives_the_same_lf_output(self, source: Path) -> None:
        crlf = source.read_text(encoding="utf-8").replace("\n", "\r\n")
        result = format_text(crlf)
        assert result.text == expected_output(source)
        assert "\r" not in result.text


def test_the_example_in_the_documentation_is_what_the_formatter_prints() -> None:
    document = (ROOT / "docs" / "formatting.md").read_text(encoding="utf-8")
    section = document[document.index("## Before and after") : document.index("## The rules")]
    blocks = section.split("```\n")
    before, after = blocks[1], blocks[3]
    assert formatted(before) == after


def test_golden_cases_exist_for_every_construct_family() -> None:
    names = {path.name.removesuffix(".in.mig") for path in GOLDEN_INPUTS}
    assert {"header", "values", "create", "objects", "statements", "builtins", "expressions", "names",
            "strings", "comments", "lists", "tabs"} <= names
    for source in GOLDEN_INPUTS:
        assert source.with_name(source.name.replace(".in.mig", ".out.mig")).exists(), source


# ---------------------------------------------------------------------------- properties of every file


def repository_mig_files() -> list[Path]:
    """Every .mig file the project has: test cases, examples and the standard library."""
    found: set[Path] = set()
    for folder in (CASES, ROOT / "examples", ROOT / "stdlib"):
        found.update(folder.rglob("*.mig"))
    return sorted(found)


@pytest.mark.parametrize("path", repository_mig_files(), ids=lambda path: str(path.relative_to(ROOT)))
class TestEveryFile:
    def test_formatting_keeps_meaning_and_comments_and_is_idempotent(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        original = parse_text(text, path.name)
        result = format_text(text, path.name)
        if not original.ok:
            # Never format broken code: the file comes back untouched, with the reasons.
            assert result.text is None and not result.changed
            assert any(diagnostic.is_error for diagnostic in result.diagnostics)
            return
        assert result.text is not None
        again = parse_text(result.text, path.name)
        assert again.ok, [d.message for d in again.diagnostics]
        assert meaning(again.module) == meaning(original.module)
        assert comment_texts(result.text) == comment_texts(text)
        assert formatted(result.text) == result.text

    def test_output_is_plain_canonical_text(self, path: Path) -> None:
        result = format_text(path.read_text(encoding="utf-8"))
        if result.text is None or not result.text:
            return
        assert result.text.endswith("\n") and not result.text.endswith("\n\n")
        assert "\r" not in result.text and "\t" not in _code_only(result.text)
        for line in result.text.split("\n"):
            assert line == line.rstrip(), repr(line)
        assert "\n\n\n" not in result.text


def _code_only(text: str) -> str:
    """The text without comments and string literals, where a tab is the author's to keep."""
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n") if '"' not in line)


# ---------------------------------------------------------------------------- format_text


class TestFormatText:
    def test_broken_code_is_never_formatted(self) -> None:
        result = format_text("map User -> Contacts {\n  Email <- \n}\n", "broken.mig")
        assert result == FormatResult(text=None, diagnostics=result.diagnostics, changed=False)
        assert any(d.is_error and d.span.file == "broken.mig" for d in result.diagnostics)

    def test_an_unterminated_string_is_reported_not_formatted(self) -> None:
        result = format_text('let x = "open\n')
        assert result.text is None
        assert [d.code for d in result.diagnostics] == [codes.UNTERMINATED_STRING.id]

    def test_an_unknown_escape_is_reported_not_formatted(self) -> None:
        result = format_text('let x = "\\q"\n')
        assert result.text is None
        assert codes.INVALID_ESCAPE.id in {d.code for d in result.diagnostics}

    def test_changed_says_whether_the_text_differs(self) -> None:
        assert not format_text("let x = 1\n").changed
        assert format_text("let  x = 1\n").changed
        assert format_text("let x = 1").changed  # the final newline is added

    def test_byte_order_mark_is_dropped(self) -> None:
        result = format_text("\ufefflet x = 1\n")
        assert result.text == "let x = 1\n" and result.changed

    def test_empty_input_stays_empty(self) -> None:
        assert format_text("").text == ""
        assert format_text("\n\n  \t\n").text == ""

    def test_a_printer_too_deep_for_python_becomes_a_diagnostic(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def too_deep(module: ast.Module, comments: object = ()) -> str:
            raise RecursionError

        monkeypatch.setattr(formatter, "format_module", too_deep)
        result = format_text("let x = 1\n")
        assert result.text is None
        assert [d.code for d in result.diagnostics] == [codes.TOO_DEEP.id]

    def test_format_module_without_comments(self) -> None:
        module = parse_text("map A -> B { x <- 1 # gone\n}").module
        assert format_module(module) == "map A -> B {\n  x <- 1\n}\n"


# ---------------------------------------------------------------------------- layout rules


class TestBlankLines:
    def test_top_level_blocks_are_separated_by_one_blank_line(self) -> None:
        text = "map A -> B {}\nmap C -> D {}\n\n\n\nmap E -> F {}"
        assert formatted(text) == "map A -> B {}\n\nmap C -> D {}\n\nmap E -> F {}\n"

    def test_one_liners_of_one_kind_keep_the_authors_spacing(self) -> None:
        text = 'import "a.mig"\nimport "b.mig"\n\n\nimport "c.mig"\nlet x = 1\nlet y = 2\n'
        assert formatted(text) == 'import "a.mig"\nimport "b.mig"\n\nimport "c.mig"\n\nlet x = 1\nlet y = 2\n'

    def test_leading_comments_go_with_the_item_after_them(self) -> None:
        text = "map A -> B {}\n# about C\nmap C -> D {}\n"
        assert formatted(text) == "map A -> B {}\n\n# about C\nmap C -> D {}\n"

    def test_inside_blocks_at_most_one_blank_line_is_kept_and_none_at_the_edges(self) -> None:
        text = "map A -> B {\n\n\n  x <- 1\n\n\n\n  y <- 2\n  z <- 3\n\n}\n"
        assert formatted(text) == "map A -> B {\n  x <- 1\n\n  y <- 2\n  z <- 3\n}\n"


class TestAlignment:
    def test_consecutive_assignments_align_their_arrows(self) -> None:
        text = "map A -> B {\n  a <- 1\n  longer <- 2\n  mid <- 3\n}\n"
        assert formatted(text) == "map A -> B {\n  a      <- 1\n  longer <- 2\n  mid    <- 3\n}\n"

    @pytest.mark.parametrize(
        "separator",
        ["\n\n", "\n  # a comment line\n", "\n  drop z\n", "\n  key K <- 1\n", "\n  let v = 1\n"],
        ids=["blank line", "comment", "drop", "key", "let"],
    )
    def test_a_run_stops_at_blank_lines_comments_and_other_statements(self, separator: str) -> None:
        text = f"map A -> B {{\n  a <- 1\n  bb <- 2{separator}  ccc <- 3\n  d <- 4\n}}\n"
        lines = formatted(text).split("\n")
        assert "  a  <- 1" in lines and "  bb <- 2" in lines
        assert "  ccc <- 3" in lines and "  d   <- 4" in lines

    def test_a_trailing_comment_does_not_stop_a_run(self) -> None:
        text = "map A -> B {\n  a <- 1  # one\n  bb <- 2\n}\n"
        assert formatted(text) == "map A -> B {\n  a  <- 1  # one\n  bb <- 2\n}\n"

    def test_a_line_that_would_pass_the_width_limit_starts_a_new_group(self) -> None:
        long_value = "x" * 70
        long_name = "a_field_name_of_25_chars_"
        text = f"map A -> B {{\n  a <- {long_value}\n  {long_name} <- 1\n  c <- 3\n}}\n"
        lines = formatted(text).split("\n")
        # Aligned to the long name, the first line would take 2 + 25 + 4 + 70 = 101 columns.
        assert lines[1:4] == [f"  a <- {long_value}", f"  {long_name} <- 1", f"  c{' ' * 24} <- 3"]
        assert all(len(line) <= formatter.MAX_WIDTH for line in lines)

    def test_a_line_longer_than_the_limit_on_its_own_stands_alone(self) -> None:
        long_value = "x" * 100
        text = f"map A -> B {{\n  a <- 1\n  bb <- {long_value}\n  ccc <- 3\n  d <- 4\n}}\n"
        lines = formatted(text).split("\n")
        assert lines[1:5] == ["  a <- 1", f"  bb <- {long_value}", "  ccc <- 3", "  d   <- 4"]

    def test_values_entries_align_their_arrows(self) -> None:
        text = 'values v {\n  "a" -> 1\n  "bb", "c" -> 2\n  else 3\n}\n'
        assert formatted(text) == 'values v {\n  "a"       -> 1\n  "bb", "c" -> 2\n  else 3\n}\n'

    def test_wide_characters_count_two_columns(self) -> None:
        text = "map A -> B {\n  名前 <- 1\n  abcde <- 2\n}\n"
        assert formatted(text) == "map A -> B {\n  名前  <- 1\n  abcde <- 2\n}\n"


class TestParentheses:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("((a))", "a"),
            ("(a + b) + c", "a + b + c"),
            ("a + (b + c)", "a + (b + c)"),
            ("(a * b) + c", "a * b + c"),
            ("(a + b) * c", "(a + b) * c"),
            ("a ?? (b ?? c)", "a ?? b ?? c"),
            ("(a ?? b) ?? c", "(a ?? b) ?? c"),
            ("(a == b) == c", "(a == b) == c"),
            ("not (a == b)", "not a == b"),
            ("not (a and b)", "not (a and b)"),
            ("-(a + b)", "-(a + b)"),
            ("(-a) as string", "(-a) as string"),
            ("-a as string", "-a as string"),
            ("(a as t) | f", "a as t | f"),
            ("(a | f) | g(1)", "a | f | g(1)"),
            ("(a as t)[0]", "(a as t)[0]"),
            ("(a | f) as t", "a | f as t"),
            ("(a | f).x", "(a | f).x"),
            ("(if a then b else c).x", "(if a then b else c).x"),
            ("if a then b else (c or d)", "if a then b else c or d"),
            ("(5s).x", "(5s).x"),
            ("(1MB)[0]", "1MB[0]"),
        ],
    )
    def test_minimal_parentheses(self, source: str, expected: str) -> None:
        assert formatted(f"let x = {source}\n") == f"let x = {expected}\n"

    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("(a and b) or c", "(a and b) or c"),
            ("a or (b and c)", "a or (b and c)"),
            ("a and b or c", "a and b or c"),
            ("(a or b) or c", "a or b or c"),
            ("((a and b)) or c", "(a and b) or c"),
            ("f(a and b or c)", "f(a and b or c)"),
            ("(a | f) + (b | g(1))", "(a | f) + (b | g(1))"),
            ("a | f + b as t", "a | f + b as t"),
            ("-(a as string)", "-(a as string)"),
            ("not ((a | f))", "not (a | f)"),
            ("(a | f) | g", "a | f | g"),
            ("f((a | g))", "f(a | g)"),
        ],
    )
    def test_author_parentheses_that_help_readers_stay(self, source: str, expected: str) -> None:
        # Around `and` inside `or` (and the reverse), and around a pipeline or cast that is an
        # operand of an operator; nowhere else.
        assert formatted(f"let x = {source}\n") == f"let x = {expected}\n"


class TestNames:
    def test_keywords_and_non_identifiers_are_backquoted(self) -> None:
        assert format_name("order") == "`order`"
        assert format_name("odd name") == "`odd name`"
        assert format_name("1st") == "`1st`"
        assert format_name("şehir") == "şehir"
        assert format_name("Order") == "Order"

    def test_a_name_that_cannot_be_written_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="cannot be written"):
            format_name("a`b")

    # Positions where the grammar accepts only a name: keywords print plainly there. If the grammar
    # ever starts reserving a word in one of them, these tests fail and formatter.py must follow.
    BARE_POSITIONS = {
        "header": "migration K { from K to K consent K for K when x order K, K }",
        "import": 'import K, K from "x"',
        "let": "let K = x",
        "values": "values K from K.K to K.K { 1 -> 2 }",
        "module": "create module K { x: string }",
        "field": "create field K.K: string",
        "picklist": 'create picklist K.K += ["a"]',
        "builtin": "builtin K(K: string, y: integer) -> string",
        "map": 'map K distinct by x -> K where y { key K <- 1 let K = 2 drop K.K, K lossy "r" a <- x.K | K(1) }',
        "ref target": "map A -> B { b <- ref K by c = 1 }",
        "ref chain target": "map A -> B { b <- ref A by c = 1 else ref K by c = 1 }",
        "extend": "extend K -> K { a <- x | K }",
        "rebuild": 'rebuild K as "x" { list K.K, K }',
    }
    TYPE_POSITIONS = {
        "field type": "create field A.b: K",
        "type arguments": "create field A.b: K(K, 1)",
        "generic": "create field A.b: K[K]",
        "cast": "let x = y as K(K) + 1",
        "function type": "builtin f(a: fn(K) -> K) -> K",
    }

    @pytest.mark.parametrize("template", BARE_POSITIONS.values(), ids=BARE_POSITIONS.keys())
    def test_keywords_stay_plain_where_only_a_name_can_stand(self, template: str) -> None:
        for keyword in sorted(formatter._keywords()):
            plain = parse_text(template.replace("K", keyword))
            quoted = parse_text(template.replace("K", f"`{keyword}`"))
            assert plain.ok, (keyword, [d.message for d in plain.diagnostics])
            assert meaning(plain.module) == meaning(quoted.module), keyword
            assert formatted(template.replace("K", f"`{keyword}`")) == formatted(template.replace("K", keyword))

    @pytest.mark.parametrize("template", TYPE_POSITIONS.values(), ids=TYPE_POSITIONS.keys())
    def test_in_types_only_fn_is_reserved(self, template: str) -> None:
        for keyword in sorted(formatter._keywords() - {"fn"}):
            plain = parse_text(template.replace("K", keyword))
            assert plain.ok, (keyword, [d.message for d in plain.diagnostics])
        assert not parse_text(template.replace("K", "fn")).ok

    def test_keywords_are_backquoted_where_they_would_be_read_as_keywords(self) -> None:
        text = "map A -> B { `note` <- `if`(`true`) + `list` }\n"
        assert formatted(text) == "map A -> B {\n  `note` <- `if`(`true`) + `list`\n}\n"


class TestStrings:
    @pytest.mark.parametrize(
        ("value", "literal"),
        [
            ("plain", '"plain"'),
            ('say "hi"', '"say \\"hi\\""'),
            ("C:\\dir", '"C:\\\\dir"'),
            ("a\nb\tc", '"a\\nb\\tc"'),
            ("\r\x00\x1b\x7f\x85", '"\\u{d}\\u{0}\\u{1b}\\u{7f}\\u{85}"'),
            ("line\u2028separator", '"line\\u{2028}separator"'),
            ("Grüße 世界 😀 #", '"Grüße 世界 😀 #"'),
        ],
    )
    def test_canonical_escapes(self, value: str, literal: str) -> None:
        assert quote_string(value) == literal
        parsed = parse_text(f"let x = {literal}\n")
        assert parsed.ok and parsed.module.items[0].value.value == value

    def test_numbers_durations_and_sizes_keep_their_spelling(self) -> None:
        assert formatted("let x = [007, 1.50, 48h, 1MB]") == "let x = [007, 1.50, 48h, 1MB]\n"


class TestComments:
    def test_trailing_comments_stay_on_their_line(self) -> None:
        text = "map A -> B {\n  x <- 1 # why\n}\n"
        assert formatted(text) == "map A -> B {\n  x <- 1  # why\n}\n"

    def test_comments_inside_an_expression_move_above_its_statement(self) -> None:
        text = "map A -> B {\n  x <- f(a, # first\n    b) # last\n}\n"
        assert formatted(text) == "map A -> B {\n  # first\n  x <- f(a, b)  # last\n}\n"

    def test_comments_at_the_end_of_a_block_stay_inside_it(self) -> None:
        text = "map A -> B {\n  x <- 1\n# closing thoughts\n}\n"
        assert formatted(text) == "map A -> B {\n  x <- 1\n  # closing thoughts\n}\n"

    def test_a_comment_after_a_closing_brace_stays_there(self) -> None:
        assert formatted("map A -> B { x <- 1 } # done\n") == "map A -> B {\n  x <- 1\n}  # done\n"

    def test_two_statements_on_one_line_keep_the_comment_on_the_second(self) -> None:
        text = "map A -> B {\n  x <- 1 y <- 2 # about y\n}\n"
        assert formatted(text) == "map A -> B {\n  x <- 1\n  y <- 2  # about y\n}\n"

    def test_file_of_only_comments(self) -> None:
        assert formatted("   # a\n\n\n\t# b   ") == "# a\n\n# b\n"

    def test_comment_attachment_is_linear(self) -> None:
        # A shape that a nodes × comments search would make slow; here it only has to be right.
        lines = ["map A -> B {"]
        for index in range(2000):
            lines.append(f"  f{index} <- {index}  # c{index}")
        lines.append("}")
        text = "\n".join(lines) + "\n"
        result = formatted(text)
        assert comment_texts(result) == comment_texts(text)
        assert result.split("\n")[1] == "  f0    <- 0  # c0"


class TestLists:
    def test_a_short_list_stays_on_one_line(self) -> None:
        assert formatted("let x = [\n  1,\n  2,\n]\n") == "let x = [1, 2]\n"

    def test_a_list_that_does_not_fit_fills_lines_of_items(self) -> None:
        items = ", ".join(f'"item{index:02}"' for index in range(20))
        result = formatted(f"let x = [{items}]\n").split("\n")
        assert result[0] == "let x = ["
        assert result[-2] == "]"
        assert all(len(line) <= formatter.MAX_WIDTH and line.endswith(",") for line in result[1:-2])
        assert [line.count('"item') for line in result[1:-2]] == [9, 9, 2]  # 2 + 9 * 10 + 8 = 100 columns

    def test_nested_lists_are_not_broken(self) -> None:
        text = "let x = f([" + ", ".join(str(index) for index in range(60)) + "])\n"
        assert formatted(text) == text


class TestRefChains:
    CHAIN = "ref contacts by cf_cio_id = customer_identifiers.cio_id else ref leads by cf_cio_id = customer_identifiers.cio_id"

    def test_a_chain_that_fits_stays_on_one_line_and_aligns(self) -> None:
        text = "map A -> B {\n  a <- ref C by k = x\n    else ref D by k = x else null\n  bb <- 1\n}\n"
        assert formatted(text) == "map A -> B {\n  a  <- ref C by k = x else ref D by k = x else null\n  bb <- 1\n}\n"

    def test_a_chain_that_does_not_fit_breaks_before_each_further_link(self) -> None:
        text = f"map A -> B {{\n  targetable_id <- {self.CHAIN} else ref deals by name = x else quarantine lossy \"r\"  # end\n  b <- 1\n}}\n"
        assert formatted(text).splitlines() == [
            "map A -> B {",
            "  targetable_id <- ref contacts by cf_cio_id = customer_identifiers.cio_id",
            "    else ref leads by cf_cio_id = customer_identifiers.cio_id",
            '    else ref deals by name = x else quarantine lossy "r"  # end',
            "  b <- 1",
            "}",
        ]

    def test_a_comment_inside_a_chain_moves_above_it(self) -> None:
        text = f"map A -> B {{\n  t <- ref contacts by k = x  # first\n    else ref leads by k = x\n}}\n"
        assert formatted(text) == "map A -> B {\n  # first\n  t <- ref contacts by k = x else ref leads by k = x\n}\n"

    def test_a_single_long_ref_is_not_broken(self) -> None:
        text = "map A -> B {\n  t <- ref contacts by " + " then ".join(f"field_{i} = value_{i}" for i in range(8)) + "\n}\n"
        assert formatted(text) == text


# ---------------------------------------------------------------------------- comments anywhere


def _comment_spots(text: str) -> list[int]:
    """Offsets of white space between tokens (not inside strings, names or comments), where a
    comment can be put without changing what the code means."""
    parsed = parse_text(text)
    taken = bytearray(len(text))
    spans = [(c.span.start, c.span.end) for c in parsed.comments]
    spans += [
        (node.span.start, node.span.end)
        for node in ast.walk(parsed.module)
        if isinstance(node, (ast.Literal, ast.StringLit, ast.Name))
    ]
    for start, end in spans:
        taken[start:end] = b"\x01" * (end - start)
    return [offset for offset, character in enumerate(text) if character in " \n" and not taken[offset]]


COMMENT_SAMPLES = sorted(GOLDEN.glob("*.out.mig"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COMMENT_SAMPLES), st.data())
def test_comments_put_anywhere_survive_formatting(sample: Path, data: st.DataObject) -> None:
    text = sample.read_text(encoding="utf-8")
    spots = _comment_spots(text)
    if not spots:
        return
    chosen = data.draw(st.lists(st.sampled_from(spots), min_size=1, max_size=6, unique=True))
    for number, offset in enumerate(sorted(chosen, reverse=True)):
        text = f"{text[:offset]} # note {number}\n{text[offset + 1:]}"
    original = parse_text(text)
    assert original.ok
    result = formatted(text)
    again = parse_text(result)
    assert again.ok, result
    assert meaning(again.module) == meaning(original.module)
    assert comment_texts(result) == comment_texts(text)
    assert formatted(result) == result


# ---------------------------------------------------------------------------- generated trees

SPAN = Span(file="<generated>", line=1, column=1, end_line=1, end_column=1, start=0, end=0)
# How the transformer computes literal values, so generated literals compare equal to parsed ones.
DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SIZE_BYTES = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}


def node(node_class: type, /, **fields: object) -> ast.Node:
    return node_class(span=SPAN, **fields)


def literal(kind: str, value: object, text: str) -> ast.Literal:
    return ast.Literal(span=SPAN, kind=kind, value=value, text=text)


def decimal(whole: int, fraction: str) -> ast.Literal:
    text = f"{whole}.{fraction}"
    return literal("decimal", float(text), text)


name_texts = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True),
    st.sampled_from(sorted(formatter._keywords()) + ["şehir", "名前", "odd name", "1st", "a-b", "x.y", "#"]),
    st.text(st.characters(exclude_characters="`\r\n", exclude_categories=("Cs",)), min_size=1, max_size=5),
)
names = name_texts.map(lambda text: node(ast.Name, text=text))
strings = st.text(st.characters(exclude_categories=("Cs",)), max_size=8).map(
    lambda value: literal("string", value, quote_string(value))
)
string_lits = strings.map(lambda string: node(ast.StringLit, value=string.value))
optional_strings = st.one_of(st.none(), string_lits)
integers = st.integers(0, 10**6).map(lambda value: literal("integer", value, str(value)))
key_literals = st.one_of(
    strings,
    integers,
    st.builds(decimal, st.integers(0, 999), st.from_regex(r"[0-9]{1,3}", fullmatch=True)),
    st.booleans().map(lambda value: literal("boolean", value, "true" if value else "false")),
    st.just(literal("null", None, "null")),
)
literals = st.one_of(
    key_literals,
    st.builds(
        lambda amount, unit: literal("duration", amount * DURATION_SECONDS[unit], f"{amount}{unit}"),
        st.integers(0, 999),
        st.sampled_from(sorted(DURATION_SECONDS)),
    ),
    st.builds(
        lambda amount, unit: literal("size", amount * SIZE_BYTES[unit], f"{amount}{unit}"),
        st.integers(0, 999),
        st.sampled_from(sorted(SIZE_BYTES)),
    ),
)


def _compound_types(inner: st.SearchStrategy[ast.TypeExpr]) -> st.SearchStrategy[ast.TypeExpr]:
    fn = node(ast.Name, text="fn")
    return st.one_of(
        st.builds(lambda name, item: node(ast.TypeExpr, name=name, item=item), names, inner),
        st.builds(
            lambda params, returns: node(ast.TypeExpr, name=fn, params=tuple(params), returns=returns),
            st.lists(inner, max_size=2),
            inner,
        ),
    )


type_arguments = st.lists(st.one_of(names, strings, integers), max_size=2).map(tuple)
types = st.recursive(
    st.builds(lambda name, args: node(ast.TypeExpr, name=name, args=args), names, type_arguments),
    _compound_types,
    max_leaves=4,
)


def _compound_expressions(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    arguments = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        st.builds(
            lambda op, left, right: node(ast.Binary, op=op, left=left, right=right),
            st.sampled_from(sorted(formatter._BINARY_LEVELS)),
            children,
            children,
        ),
        st.builds(
            lambda op, operand: node(ast.Unary, op=op, operand=operand), st.sampled_from(["not", "-"]), children
        ),
        st.builds(lambda function, args: node(ast.Call, function=function, args=args), names, arguments),
        st.builds(
            lambda value, f, args: node(ast.Pipe, value=value, function=f, args=args), children, names, arguments
        ),
        st.builds(lambda value, name: node(ast.Member, value=value, name=name), children, names),
        st.builds(lambda value, index: node(ast.Index, value=value, index=index), children, children),
        st.builds(lambda value, type_: node(ast.Cast, value=value, type=type_), children, types),
        st.builds(
            lambda condition, then, otherwise: node(ast.IfExpr, condition=condition, then=then, otherwise=otherwise),
            children,
            children,
            children,
        ),
        arguments.map(lambda items: node(ast.ListExpr, items=items)),
    )


name_refs = names.map(lambda name: node(ast.NameRef, name=name))
expressions = st.recursive(st.one_of(literals, name_refs), _compound_expressions, max_leaves=10)
paths = st.lists(names, min_size=1, max_size=3).map(lambda parts: node(ast.Path, parts=tuple(parts)))


def _ref_lookup(links: list[tuple[ast.Name, list[ast.RefMatch]]], fallback: ast.Expr | None, quarantine: bool):
    """A chain of one or more links (`ref A by ... else ref B by ...`); the last ends it."""
    (target, matches), *rest = links
    if not rest:
        return node(
            ast.RefLookup, target=target, matches=tuple(matches), fallback=None if quarantine else fallback,
            quarantine=quarantine,
        )
    return node(ast.RefLookup, target=target, matches=tuple(matches), otherwise=_ref_lookup(rest, fallback, quarantine))


ref_matches = st.builds(
    lambda field, value, fuzzy: node(ast.RefMatch, field=field, value=value, fuzzy=fuzzy),
    names,
    expressions,
    st.booleans(),
)
ref_links = st.tuples(names, st.lists(ref_matches, min_size=1, max_size=3))
ref_lookups = st.builds(
    _ref_lookup, st.lists(ref_links, min_size=1, max_size=3), st.one_of(st.none(), expressions), st.booleans()
)
map_statements = st.one_of(
    st.builds(
        lambda field, value, lossy: node(ast.Assign, field=field, value=value, lossy=lossy),
        names,
        st.one_of(expressions, ref_lookups),
        optional_strings,
    ),
    st.builds(lambda field, value: node(ast.KeyStmt, field=field, value=value), names, expressions),
    st.builds(
        lambda drop_paths, lossy: node(ast.Drop, paths=tuple(drop_paths), lossy=lossy),
        st.lists(paths, min_size=1, max_size=3),
        optional_strings,
    ),
    st.builds(
        lambda message, condition, action: node(ast.Flag, message=message, condition=condition, action=action),
        string_lits,
        expressions,
        st.sampled_from(["quarantine", "report"]),
    ),
    st.builds(
        lambda count, per, lossy: node(ast.Limit, count=count, per=per, lossy=lossy),
        st.integers(0, 10**4),
        expressions,
        optional_strings,
    ),
    st.builds(lambda name, value: node(ast.LocalLet, name=name, value=value), names, expressions),
    string_lits.map(lambda text: node(ast.NoteStmt, text=text)),
)
groupings = st.one_of(
    st.none(),
    expressions.map(lambda key: node(ast.Grouping, kind="distinct", keys=(key,))),
    st.lists(expressions, min_size=1, max_size=2).map(
        lambda keys: node(ast.Grouping, kind="summarize", keys=tuple(keys))
    ),
)
routes = st.one_of(
    st.none(),
    st.just(node(ast.Route, kind="otherwise")),
    expressions.map(lambda condition: node(ast.Route, kind="where", condition=condition)),
)


def _map_block(source, grouping, target, merge, route, lossy, body) -> ast.MapBlock:
    return node(
        ast.MapBlock, source=source, grouping=grouping, target=target, merge=merge, route=route, lossy=lossy,
        body=tuple(body),
    )


map_blocks = st.builds(
    _map_block, names, groupings, names, st.booleans(), routes, optional_strings, st.lists(map_statements, max_size=5)
)
params = st.builds(
    lambda name, type_, variadic, default: node(ast.Param, name=name, type=type_, variadic=variadic, default=default),
    names,
    types,
    st.booleans(),
    st.one_of(st.none(), expressions),
)
builtins = st.builds(
    lambda name, parameters, returns, doc, aggregate: node(
        ast.BuiltinDecl, name=name, params=tuple(parameters), returns=returns, doc=doc, aggregate=aggregate
    ),
    names,
    st.lists(params, max_size=3),
    types,
    optional_strings,
    st.booleans(),
)
created_fields = st.builds(
    lambda owner, field, type_, required, unique, label: node(
        ast.CreateField,
        target=node(ast.QualifiedName, object=owner, field=field),
        type=type_,
        required=required,
        unique=unique,
        label=label,
    ),
    names,
    names,
    types,
    st.booleans(),
    st.booleans(),
    optional_strings,
)
value_entries = st.builds(
    lambda keys, value: node(ast.ValueEntry, keys=tuple(keys), value=value),
    st.lists(key_literals, min_size=1, max_size=3),
    expressions,
)
values_tables = st.builds(
    lambda name, entries, default: node(
        ast.ValuesTable, name=name, source=None, target=None, entries=tuple(entries), default=default
    ),
    names,
    st.lists(value_entries, max_size=3),
    st.one_of(st.none(), expressions),
)
lets = st.builds(lambda name, value: node(ast.Let, name=name, value=value), names, expressions)
items = st.one_of(map_blocks, lets, builtins, created_fields, values_tables)


class TestGeneratedTrees:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(expressions)
    def test_printed_expressions_parse_back_to_the_same_tree(self, expr: ast.Expr) -> None:
        text = f"let x = {format_expr(expr)}\n"
        parsed = parse_text(text)
        assert parsed.ok, (text, [d.message for d in parsed.diagnostics])
        assert meaning(parsed.module.items[0].value) == meaning(expr)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(items, min_size=1, max_size=4))
    def test_printed_files_parse_back_to_the_same_tree(self, generated: list[ast.Node]) -> None:
        module = ast.Module(span=SPAN, items=tuple(generated))
        text = format_module(module)
        parsed = parse_text(text)
        assert parsed.ok, (text, [d.message for d in parsed.diagnostics])
        assert meaning(parsed.module) == meaning(module)
        assert formatted(text) == text
