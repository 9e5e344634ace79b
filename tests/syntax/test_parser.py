"""Parsing: every construct into the AST with spans, and errors collected with recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc.syntax import ast
from migc.syntax.parser import parse_text

ROOT = Path(__file__).resolve().parents[2]


def codes_of(text: str) -> list[str]:
    return [d.code for d in parse_text(text, "t.mig").diagnostics]


class TestConstructs:
    def test_every_construct_dumps_stably(self, snapshot) -> None:
        source = (ROOT / "tests" / "syntax" / "constructs.mig").read_text(encoding="utf-8")
        result = parse_text(source, "constructs.mig")
        assert result.ok, result.diagnostics
        assert ast.dump(result.module) == snapshot

    def test_spans_are_one_based_and_cover_the_node(self) -> None:
        result = parse_text('map User -> Contacts {\n  Last_Name <- surname ?? "Unknown"\n}\n', "t.mig")
        block = result.module.items[0]
        assign = block.body[0]
        assert (assign.span.line, assign.span.column) == (2, 3)
        assert result.source.text[assign.span.start : assign.span.end] == 'Last_Name <- surname ?? "Unknown"'
        assert (assign.value.span.line, assign.value.span.column, assign.value.span.end_column) == (2, 16, 36)

    def test_precedence_ladder(self) -> None:
        module = parse_text("let x = a ?? b + c * -d | f as integer == e and not g or h", "t.mig").module
        dumped = ast.dump(module.items[0].value, spans=False)
        # or(and(==(??(a, +(b, *(c, -(cast(pipe(d, f)))))), e), not g), h)
        assert dumped.splitlines()[0] == "Binary op='or'"
        assert "Pipe" in dumped and dumped.index("Unary op='-'") < dumped.index("Cast") < dumped.index("Pipe")

    def test_string_escapes(self) -> None:
        module = parse_text(r'let s = "tab\t quote\" slash\\ emoji\u{1F600} é"', "t.mig").module
        assert module.items[0].value.value == 'tab\t quote" slash\\ emoji\U0001F600 é'

    def test_unicode_and_backquoted_names(self) -> None:
        module = parse_text("map Kullanıcı -> `Contact Person` { Adı_Soyadı <- `first name` }", "t.mig").module
        block = module.items[0]
        assert block.source.text == "Kullanıcı" and block.target.text == "Contact Person"
        assert block.body[0].value.name.text == "first name"

    def test_keywords_are_names_where_no_keyword_fits(self) -> None:
        module = parse_text("map A -> B { order <- list + map }", "t.mig").module
        assign = module.items[0].body[0]
        assert assign.field.text == "order"

    def test_durations_and_sizes(self) -> None:
        module = parse_text("migration m { from a to b delta window 2d }\nlet big = 12MB", "t.mig").module
        delta = module.items[0].clauses[2]
        assert delta.window.value == 2 * 86400
        assert module.items[1].value.value == 12 * 1024 * 1024

    def test_crlf_bom_and_tabs(self) -> None:
        result = parse_text("\ufeffmap A -> B {\r\n\tx <- 1\r\n}\r\n".lstrip("\ufeff"), "t.mig")
        assert result.ok
        assert result.module.items[0].body[0].span.line == 2

    def test_comments_are_collected(self) -> None:
        result = parse_text('# top\nmap A -> B { # inside\n  x <- "#not a comment" # trailing\n}\n', "t.mig")
        assert [c.text for c in result.comments] == ["# top", "# inside", "# trailing"]

    def test_a_ref_chain_nests_each_link_in_the_one_before(self) -> None:
        text = (
            "map A -> B {\n"
            "  t <- ref contacts by id = x then fuzzy name = n\n"
            "       else ref leads by id = x else ref deals by key = k else quarantine\n"
            "}\n"
        )
        result = parse_text(text, "t.mig")
        assert result.ok, result.diagnostics
        ref = result.module.items[0].body[0].value
        links = ref.links
        assert [link.target.text for link in links] == ["contacts", "leads", "deals"]
        assert [len(link.matches) for link in links] == [2, 1, 1]
        assert ref.last is links[-1] and links[-1].quarantine and not ref.quarantine and ref.fallback is None
        # Each link's span runs from its own `ref` to the end of the chain.
        assert [result.source.text[link.span.start : link.span.end].split(" by ")[0] for link in links] == [
            "ref contacts", "ref leads", "ref deals"]
        assert all(link.span.end == ref.span.end for link in links)

    def test_a_ref_chain_may_end_in_a_value_or_in_nothing(self) -> None:
        module = parse_text("map A -> B { t <- ref C by k = 1 else ref D by k = 2 else null\n u <- ref C by k = 1 else ref D by k = 2 }", "t.mig").module
        first, second = (statement.value for statement in module.items[0].body)
        assert first.last.fallback is not None and first.last.fallback.kind == "null"
        assert second.last.fallback is None and not second.last.quarantine

    def test_a_name_starting_with_ref_is_a_fallback_not_a_link(self) -> None:
        module = parse_text("map A -> B { t <- ref C by k = 1 else ref_count }", "t.mig").module
        ref = module.items[0].body[0].value
        assert ref.otherwise is None and ref.fallback.name.text == "ref_count"

    def test_empty_file_is_an_empty_module(self) -> None:
        result = parse_text("", "t.mig")
        assert result.ok and result.module.items == ()


class TestErrors:
    def test_five_mistakes_give_five_diagnostics(self) -> None:
        text = (
            "mapp User -> Contacts {\n"       # misspelt keyword
            "  Email = lower(email)\n"          # = instead of <-
            '  Last_Name <- "Unknown\n'         # unterminated string
            "  Phone <- e164(msisdn\n"          # missing )
            "  First_Name <- name @\n"          # stray character
            "}\n"
        )
        assert codes_of(text) == ["MIG0106", "MIG0105", "MIG0103", "MIG0111", "MIG0102"]

    def test_did_you_mean_for_a_misspelt_keyword(self) -> None:
        diagnostic = parse_text("valuse t { }", "t.mig").diagnostics[0]
        assert diagnostic.code == "MIG0106" and "did you mean `values`" in diagnostic.message
        assert diagnostic.fix is not None and diagnostic.fix.edits[0].new_text == "values"

    def test_assignment_with_equals_has_a_fix(self) -> None:
        diagnostic = parse_text("map A -> B { x = 1 }", "t.mig").diagnostics[0]
        assert diagnostic.code == "MIG0105"
        assert diagnostic.fix.edits[0].new_text == "<-"

    def test_unclosed_block_points_at_its_brace(self) -> None:
        diagnostic = parse_text("map A -> B {\n  x <- 1\n", "t.mig").diagnostics[0]
        assert diagnostic.code == "MIG0104"
        assert (diagnostic.span.line, diagnostic.span.column) == (1, 12)

    def test_expected_tokens_are_named_readably(self) -> None:
        diagnostic = parse_text("map A -> B { x <- + }", "t.mig").diagnostics[0]
        assert diagnostic.message.startswith("unexpected `+`: expected")
        assert "an expression" in diagnostic.message and "__" not in diagnostic.message

    def test_a_missing_arrow_is_inserted(self) -> None:
        diagnostic = parse_text("map A B { }", "t.mig").diagnostics[0]
        assert diagnostic.code == "MIG0111" and diagnostic.message == "missing `->` before `B`"

    def test_single_quotes_get_a_hint(self) -> None:
        diagnostic = parse_text("let s = 'x'", "t.mig").diagnostics[0]
        assert diagnostic.code == "MIG0102" and "double quotes" in diagnostic.message

    def test_invalid_escape(self) -> None:
        assert codes_of(r'let s = "bad \q"') == ["MIG0109"]

    def test_duplicate_header_clause(self) -> None:
        assert codes_of("migration m { from a to b sample 10 sample 20 }") == ["MIG0108"]

    def test_recovery_keeps_later_blocks(self) -> None:
        result = parse_text("map A -> B { x <- }\nmap C -> D { y <- 1 }\n", "t.mig")
        assert [d.code for d in result.diagnostics]
        assert result.module is not None
        assert any(isinstance(i, ast.MapBlock) and i.source.text == "C" for i in result.module.items)

    @pytest.mark.parametrize("depth", [50, 400, 3000])
    def test_deep_nesting_never_raises(self, depth: int) -> None:
        result = parse_text("let x = " + "(" * depth + "1" + ")" * depth, "t.mig")
        assert result.module is not None or result.diagnostics
