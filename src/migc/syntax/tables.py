"""The LALR tables of grammar/mig.lark as plain data: Lark computes them, migc caches them.

`syntax/driver.py` runs these tables directly for files that parse cleanly; Lark's own parser
(with migc's error recovery) takes every other file. Both read the one grammar, so they accept
the same language; the tables here only drop what a clean parse does not need.
"""

from __future__ import annotations

import re
from functools import cache

import msgspec

from migc.resources import grammar_path

# What a reduction does with the values of its children, decided once per rule:
PASS = 0  # `?rule` matching one child: the child itself is the value
INLINE = 1  # `_rule`: its children are spliced into its parent's
BUILD = 2  # an AST node: `AstBuilder.<alias or rule name>(children)`


_HORIZONTAL_SPACE = r"[ \t\f\r]*"


class RuleShape(msgspec.Struct, frozen=True, array_like=True):
    size: int  # symbols on the right-hand side
    origin: str  # the rule's name, to follow its goto
    action: int  # PASS, INLINE or BUILD
    builder: str  # the AstBuilder method (BUILD)
    spliced: tuple[int, ...]  # positions whose child is an inlined `_rule` (a list to splice)
    expand_single: bool  # `?rule`: a single child (after splicing) is the value itself


class ParseTables(msgspec.Struct, frozen=True):
    token_pattern: str  # optional spaces, then every terminal as a named group in Lark's order of precedence
    keywords: dict[str, str]  # a word that spells a keyword -> the keyword's terminal
    ignored: tuple[str, ...]  # terminals between tokens (white space, comments)
    actions: tuple[dict[str, int], ...]  # per state, terminal -> shift target (>= 0) or ~rule (< 0)
    gotos: tuple[dict[str, int], ...]  # per state, rule name -> state after reducing it
    rules: tuple[RuleShape, ...]
    start_state: int
    accept_state: int


def derive(lark) -> ParseTables:
    """Reads the tables out of a built Lark LALR parser (its `parse_table` and `rules`)."""
    from lark.parsers.lalr_analysis import Shift

    name_pattern = re.compile(next(t for t in lark.terminals if t.name == "NAME").pattern.to_regexp())
    keywords: dict[str, str] = {}
    scanned = []
    for terminal in lark.terminals:
        pattern = terminal.pattern
        # Lark folds a string terminal that NAME also matches into NAME and retypes the match
        # where the keyword is expected (its contextual lexer); the driver does the same.
        if pattern.type == "str" and name_pattern.fullmatch(pattern.value):
            keywords[str(pattern.value)] = str(terminal.name)
        else:
            scanned.append(terminal)
    # The contextual lexer tries terminals in this order and takes the first that matches.
    scanned.sort(key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    alternatives = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in scanned)
    # Spaces within a line are consumed with the token after them: one match instead of two.
    # (The ignored WS terminal still matches runs that hold line breaks, which the driver counts.)
    assert "WS" in lark.lexer_conf.ignore, "the grammar ignores white space as WS"
    token_pattern = f"{_HORIZONTAL_SPACE}(?:{alternatives})"

    table = lark.parser.parser.parser.parse_table
    numbering = {state: index for index, state in enumerate(sorted(table.states))}
    rule_index = {id(rule): index for index, rule in enumerate(lark.rules)}
    actions: list[dict[str, int]] = [{} for _ in numbering]
    gotos: list[dict[str, int]] = [{} for _ in numbering]
    for state, row in table.states.items():
        for symbol, (action, argument) in row.items():
            # Lark names symbols with its Token class, whose Python-level `__eq__` would run on
            # every dictionary hit in the parse loop: keep plain strings.
            symbol = str(symbol)
            if not symbol.isupper():  # a rule name: its goto
                gotos[numbering[state]][symbol] = numbering[argument]
            elif action is Shift:
                actions[numbering[state]][symbol] = numbering[argument]
            else:
                actions[numbering[state]][symbol] = ~rule_index[id(argument)]
    return ParseTables(
        token_pattern=token_pattern,
        keywords=keywords,
        ignored=tuple(str(name) for name in lark.lexer_conf.ignore),
        actions=tuple(actions),
        gotos=tuple(gotos),
        rules=tuple(_shape(rule) for rule in lark.rules),
        start_state=numbering[table.start_states["start"]],
        accept_state=numbering[table.end_states["start"]],
    )


def _shape(rule) -> RuleShape:
    spliced = tuple(i for i, symbol in enumerate(rule.expansion) if not symbol.is_term and symbol.name.startswith("_"))
    origin = str(rule.origin.name)
    # Mirrors Lark's tree builder: `?rule` expands a single child only when the alternative has no alias.
    expand_single = bool(rule.options.expand1) and not rule.alias
    if origin.startswith("_"):
        action = INLINE
    elif expand_single and len(rule.expansion) == 1 and not spliced:
        action = PASS
    else:
        action = BUILD
    return RuleShape(
        size=len(rule.expansion),
        origin=origin,
        action=action,
        builder=str(rule.alias or origin),
        spliced=spliced,
        expand_single=expand_single,
    )


@cache
def tables() -> ParseTables:
    """The tables for this grammar and Lark version, from migc's cache when it has them."""
    import lark

    from migc import cache as disk_cache
    from migc.syntax import grammar

    return disk_cache.cached(
        "parse-tables",
        grammar_path().read_bytes() + lark.__version__.encode(),
        lambda: derive(grammar.parser()),
        code=("migc.syntax.tables", "migc.syntax.grammar"),
    )
