"""Builds the Lark LALR parser for grammar/mig.lark once per process (and caches its tables on disk)."""

from __future__ import annotations

from functools import cache

from lark import Lark
from lark.lark import PostLex

from migc.resources import grammar_path


class _WordBoundaries(PostLex):
    """Makes every lexer state consider NAME, so a keyword never matches the prefix of a longer
    word (`mapp` is a misspelt word, not `map` + `p`). Lark retypes a NAME that spells a keyword
    acceptable in that state into the keyword."""

    always_accept = ("NAME",)

    def process(self, stream):
        return stream


@cache
def parser(lexer_callbacks: tuple[tuple[str, object], ...] = (), transformer: object = None) -> Lark:
    """The shared parser. Lark's `cache=True` pickles the LALR tables next to the temp dir, so
    a cold `migc check` does not rebuild them. Lexers copy their callbacks when they are built,
    so callbacks and the embedded transformer (which builds the AST while parsing, instead of a
    parse tree to walk afterwards) are fixed here, once."""
    return Lark.open(
        str(grammar_path()),
        parser="lalr",
        lexer="contextual",
        propagate_positions=False,
        maybe_placeholders=False,
        postlex=_WordBoundaries(),
        lexer_callbacks=dict(lexer_callbacks),
        transformer=transformer,
        keep_all_tokens=True,
        cache=True,
    )


def build_strict() -> Lark:
    """Builds the parser in strict mode (no cache): shift/reduce conflicts and terminal
    collisions raise. Used by the test suite so a grammar change cannot add a conflict."""
    return Lark.open(
        str(grammar_path()),
        parser="lalr",
        lexer="contextual",
        propagate_positions=False,
        maybe_placeholders=False,
        postlex=_WordBoundaries(),
        keep_all_tokens=True,
        strict=True,
    )
