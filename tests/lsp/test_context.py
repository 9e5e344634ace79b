"""The cursor context read from text being typed: blocks, statement tokens, calls."""

from __future__ import annotations

from migc.lsp.context import cursor_context, restart_offset

from .conftest import cut


def context(marked: str):
    text, offset = cut(marked)
    return cursor_context(text, offset)


def test_map_block_records_source_target_and_summarize():
    found = context("map User summarize by country -> Accounts {\n  Name <- ‸\n}\n")
    assert found.block.kind == "map"
    assert (found.block.source, found.block.target, found.block.summarize) == ("User", "Accounts", True)
    assert found.words == ["Name", "<-"]


def test_values_block_records_its_qualified_names():
    found = context('values s from Campaign.status to Campaigns.Status {\n  "A" -> "‸"\n}')
    assert (found.block.kind, found.block.source, found.block.target) == ("values", "Campaign.status", "Campaigns.Status")
    assert found.string is not None and found.words == ['"A"', "->"]


def test_a_new_line_starts_a_new_statement_unless_the_last_token_continues():
    assert context("map A -> B {\n  X <- y\n  ‸").words == []
    assert context("map A -> B {\n  X <- y ??\n    ‸").words == ["X", "<-", "y", "??"]


def test_a_line_starting_with_else_goes_on_with_the_statement_except_in_a_values_table():
    chained = context("map A -> B {\n  X <- ref C by k = y\n    else ref D by ‸")
    assert chained.words == ["X", "<-", "ref", "C", "by", "k", "=", "y", "else", "ref", "D", "by"]
    assert context('values v {\n  "a" -> "b"\n  else ‸').words == ["else"]


def test_the_word_being_typed_is_the_prefix():
    found = context("map A -> B {\n  X <- nor‸")
    assert found.prefix == "nor" and found.words == ["X", "<-"]


def test_calls_count_arguments_and_the_piped_value():
    found = context("map A -> B {\n  X <- name | truncate(‸")
    assert (found.call.function, found.call.argument, found.call.piped) == ("truncate", 1, True)
    found = context("map A -> B {\n  X <- coalesce(a, f(b), ‸")
    assert (found.call.function, found.call.argument) == ("coalesce", 2)
    assert context("map A -> B {\n  X <- f(a)‸").call is None


def test_locals_declared_earlier_in_the_block_are_known():
    assert context("map A -> B {\n  let short = 1\n  X <- ‸").locals == ("short",)


def test_comments_are_recognised():
    assert context("map A -> B {\n  # a note ‸").in_comment


def test_scanning_restarts_at_the_last_top_level_line():
    text = "let a = 1\n\nmap A -> B {\n  X <- y\n}\n"
    assert restart_offset(text, len(text)) == text.index("map")
    assert restart_offset(text, 3) == 0
