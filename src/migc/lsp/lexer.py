"""A forgiving tokenizer of .mig text for the editor: comments, strings, names, numbers, operators.

The parser (Lark, kept inside `migc.syntax`) stops being useful in the middle of a word being
typed; completion and semantic highlighting need the tokens of broken text too. The token rules
mirror the terminals of grammar/mig.lark; an unterminated string runs to the end of its line, as
the parser's recovery reads it. The keyword list is read from the grammar itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import msgspec

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\f\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\r\n]|\\.)*"?)
  | (?P<quoted_name>`[^`\r\n]+`)
  | (?P<cardinality>1:many|1:1)
  | (?P<duration>\d+(?:ms|s|m|h|d|w)(?![\w.]))
  | (?P<size>\d+(?:KB|MB|GB)(?![\w.]))
  | (?P<number>\d+\.\d+|\d+)
  | (?P<name>(?!\d)\w+)
  | (?P<operator><-|->|\?\?|==|!=|<=|>=|\+=|\.\.\.|[<>+\-*/%|=])
  | (?P<punct>[{}()\[\],.:])
  | (?P<unknown>.)
    """,
    re.VERBOSE,
)


class Token(msgspec.Struct, frozen=True, array_like=True):
    """One token: `kind` is a group name of `_TOKEN` (never "ws"); `start`/`end` are offsets."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        """A name as the parser reads it: backquotes removed."""
        return self.text[1:-1] if self.kind == "quoted_name" else self.text

    @property
    def is_name(self) -> bool:
        return self.kind in ("name", "quoted_name")

    @property
    def closed(self) -> bool:
        """Whether a string token has its closing quote."""
        return self.kind != "string" or (len(self.text) >= 2 and self.text.endswith('"') and not _escaped_end(self.text))


def _escaped_end(text: str) -> bool:
    backslashes = len(text) - 1 - len(text[:-1].rstrip("\\"))
    return backslashes % 2 == 1


def tokenize(text: str, start: int = 0, end: int | None = None) -> Iterator[Token]:
    """The tokens of `text[start:end]`, skipping white space."""
    stop = len(text) if end is None else end
    position = start
    match = _TOKEN.match
    while position < stop:
        found = match(text, position, stop)
        if found is None:  # cannot happen: `unknown` takes any character
            break
        kind = found.lastgroup
        position = found.end()
        if kind != "ws":
            yield Token(kind, found.group(), found.start(), position)


@cache
def keywords() -> frozenset[str]:
    """Every word the grammar reserves somewhere (`map`, `lossy`, `true`, ...)."""
    from migc.syntax.grammar import parser
    from migc.syntax.hints import TerminalNames

    return frozenset(TerminalNames(parser().terminals).keywords)


# Words that are literals rather than keywords (highlighted and completed as values).
LITERAL_WORDS = frozenset({"true", "false", "null"})
