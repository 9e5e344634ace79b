"""The grammar builds in strict mode (no LALR conflicts, no terminal collisions), and once."""

from __future__ import annotations

from migc.syntax import grammar


def test_grammar_builds_in_strict_mode() -> None:
    grammar.build_strict()


def test_parser_is_built_once() -> None:
    assert grammar.parser() is grammar.parser()
