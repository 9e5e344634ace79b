"""The AST builder's spans, including for tokens Lark copied during error recovery."""

from __future__ import annotations

import copy

from lark import Token

from migc.diagnostics import Diagnostics
from migc.source import SourceFile
from migc.syntax.parser import parse_text
from migc.syntax.transformer import AstBuilder


def test_a_token_lark_deep_copied_still_gets_its_whole_span() -> None:
    # A recovery trial (`parser.copy()`) deep-copies tokens; Lark's copy keeps only where a
    # token starts, not where it ends.
    builder = AstBuilder()
    builder.begin(SourceFile("t.mig", "let total = amount - fee\n"), Diagnostics())
    original = Token("MINUS", "-", start_pos=19, line=1, column=20, end_line=1, end_column=21, end_pos=20)
    copied = copy.deepcopy(original)
    assert copied.end_pos is None  # what Lark does
    assert builder._token_span(copied) == builder._token_span(original)


def test_recovery_that_copies_a_prefix_operator_reports_instead_of_crashing() -> None:
    # Found by mutation fuzzing: trying to insert a token here runs a trial on copied tokens.
    result = parse_text("map Device summarize by - status =", "t.mig")
    assert result.diagnostics and not result.ok
    assert all(d.span.start is not None and d.span.end is not None for d in result.diagnostics)
