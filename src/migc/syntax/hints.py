"""Friendly syntax messages: readable names for terminals and hints for the common mistakes."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Terminals whose names say nothing to a reader; keyword and punctuation terminals are shown
# as their text in backquotes.
_DESCRIPTIONS = {
    "NAME": "a name",
    "QUOTED_NAME": "a name",
    "STRING": "a string",
    "INT": "a whole number",
    "DECIMAL": "a number",
    "DURATION": "a duration such as `48h`",
    "SIZE": "a size such as `1MB`",
    "CARDINALITY": "`1:1` or `1:many`",
    "$END": "the end of the file",
}

# If this many of these are acceptable, the position expects an expression: say so in one phrase.
_EXPRESSION_STARTERS = frozenset(
    {"NAME", "STRING", "INT", "DECIMAL", "TRUE", "FALSE", "NULL", "DURATION", "SIZE", "LSQB", "LPAR", "MINUS", "NOT", "IF"}
)


class TerminalNames:
    """Maps terminal names of the built parser to what a reader should see."""

    def __init__(self, terminals: Iterable) -> None:
        self.text_of: dict[str, str] = {}
        self.keywords: dict[str, str] = {}
        for terminal in terminals:
            pattern = terminal.pattern
            if pattern.type == "str":
                self.text_of[terminal.name] = pattern.value
                if pattern.value.isidentifier():
                    self.keywords[pattern.value] = terminal.name

    def display(self, terminal: str) -> str:
        if terminal in _DESCRIPTIONS:
            return _DESCRIPTIONS[terminal]
        if terminal in self.text_of:
            return f"`{self.text_of[terminal]}`"
        return terminal.lower()

    def describe_expected(self, expected: Iterable[str]) -> str:
        # Lark's internal rules (`__grouping_star_13`) are not terminals a reader could type.
        names = {t for t in expected if t == "$END" or (t.isupper() and not t.startswith("__"))}
        parts: list[str] = []
        if len(names & _EXPRESSION_STARTERS) >= 6:
            parts.append("an expression")
            names -= _EXPRESSION_STARTERS
        shown = sorted({self.display(t) for t in names if t not in ("QUOTED_NAME", "WS", "COMMENT")})
        parts.extend(shown)
        if not parts:
            return "something else"
        if len(parts) > 8:
            parts = parts[:8] + ["…"]
        if len(parts) == 1:
            return parts[0]
        return "one of " + ", ".join(parts)

    def close_keyword(self, word: str, expected: Iterable[str]) -> str | None:
        """The expected keyword closest to `word`, for "did you mean"."""
        candidates = [self.text_of[t] for t in expected if t in self.text_of and self.text_of[t].isidentifier()]
        matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
        return matches[0] if matches else None


def describe_token(token_type: str, value: str) -> str:
    if token_type == "$END":
        return "the end of the file"
    shown = value if len(value) <= 30 else value[:27] + "..."
    return f"`{shown}`"
