"""The fast path for files that parse cleanly: one regular expression and an LALR loop over
Lark's tables, building the AST with the same `AstBuilder` as the recovering parser.

A clean parse is the common case (every `migc check` in CI, every keystroke that completes a
statement), and Lark's general machinery costs most of its time there: a lexer per parser
state, a token object with eight fields set through keyword arguments, a callback wrapper per
reduction. This loop does the same work without them. It gives up, returning None, at the
first thing it does not expect (an unknown character, a token the state cannot take, a file
nested too deeply); `parser.py` then parses the file again with Lark and reports what is wrong.
"""

from __future__ import annotations

import re
from functools import cache

from lark import Token

from migc.syntax.tables import BUILD, INLINE, PASS, ParseTables, tables


class CleanParse:
    __slots__ = ("module", "comments")

    def __init__(self, module, comments: list[Token]) -> None:
        self.module = module
        self.comments = comments


@cache
def _compiled() -> tuple[ParseTables, re.Pattern[str]]:
    parse_tables = tables()
    return parse_tables, re.compile(parse_tables.token_pattern)


@cache
def _reducers(builder_type: type) -> tuple[tuple, ...]:
    """Per rule: (size, origin, action, builder method name, spliced positions, expand single);
    a rule whose only child is spliced is marked `_ONLY_CHILD_SPLICED`, the loop's shortcut."""
    parse_tables, _ = _compiled()
    shapes = []
    for rule in parse_tables.rules:
        if rule.action == BUILD and not hasattr(builder_type, rule.builder):
            raise LookupError(f"AstBuilder has no method for grammar rule `{rule.builder}`")
        spliced = _ONLY_CHILD_SPLICED if rule.size == 1 and rule.spliced == (0,) else rule.spliced
        shapes.append((rule.size, rule.origin, rule.action, rule.builder, spliced, rule.expand_single))
    return tuple(shapes)


def parse_clean(text: str, builder) -> CleanParse | None:
    """The AST of `text` if it parses without a single error, else None."""
    try:
        return _parse(text, builder)
    except (_Unexpected, RecursionError):  # the builder recurses on very deep expressions
        return None


class _Unexpected(Exception):
    """Something only the recovering parser can explain."""


_ONLY_CHILD_SPLICED = object()  # marks `r: _inlined`, whose one child's list becomes r's children


def _parse(text: str, builder) -> CleanParse | None:
    parse_tables, pattern = _compiled()
    actions, gotos, accept_state = parse_tables.actions, parse_tables.gotos, parse_tables.accept_state
    rules = _reducers(type(builder))
    methods: dict[str, object] = {}
    states = [parse_tables.start_state]
    values: list = []
    comments: list[Token] = []
    # One loop over tokens and actions, with the reduction written out in it: this is the
    # hottest code of `migc check`, and a function call per reduction would cost a fifth of it.
    for token in _tokens(text, pattern, parse_tables, states, comments):
        kind = token.type
        while True:
            action = actions[states[-1]].get(kind)
            if action is None:
                return None
            if action >= 0:
                states.append(action)
                values.append(token)
                break
            size, origin, reduction, name, spliced, expand_single = rules[~action]
            if reduction == PASS:  # the value stays; only the state changes
                states[-1] = gotos[states[-2]][origin]
                continue
            if spliced is _ONLY_CHILD_SPLICED:  # `r: _inlined`: its list is the children
                children = values.pop()
                del states[-1]
            elif size:
                children = values[-size:]
                del values[-size:]
                del states[-size:]
                if spliced:
                    children = _splice(children, spliced)
            else:
                children = []
            if reduction == INLINE:
                value = children
            elif expand_single and len(children) == 1:
                value = children[0]
            else:
                method = methods.get(name)
                if method is None:
                    method = methods[name] = getattr(builder, name)
                value = method(children)
            values.append(value)
            states.append(gotos[states[-1]][origin])
            if states[-1] == accept_state:
                return CleanParse(value, comments)
    return None


def _tokens(text: str, pattern: re.Pattern[str], parse_tables: ParseTables, states: list[int], comments: list[Token]):
    """The tokens of `text`, then `$END`. `states` is the parser's stack: a word that spells a
    keyword is the keyword only where the parser's current state expects it (as in Lark's
    contextual lexer), so `order` can still name a field."""
    actions, keywords, ignored = parse_tables.actions, parse_tables.keywords, parse_tables.ignored
    new_token = str.__new__
    line, line_start, position = 1, 0, 0
    for match in pattern.finditer(text):
        if match.start() != position:  # a character no terminal matches
            raise _Unexpected
        kind = match.lastgroup
        start = match.start(kind)
        position = match.end()
        if kind in ignored:
            if kind == "COMMENT":
                comments.append(_token(new_token, "COMMENT", match.group(kind), start, position, line, line_start))
            else:
                newlines = text.count("\n", start, position)
                if newlines:
                    line += newlines
                    line_start = text.rindex("\n", start, position) + 1
            continue
        value = match.group(kind)
        if kind == "NAME":
            keyword = keywords.get(value)
            if keyword is not None and keyword in actions[states[-1]]:
                kind = keyword
        yield _token(new_token, kind, value, start, position, line, line_start)
    if position != len(text):
        raise _Unexpected
    yield _token(new_token, "$END", "", position, position, line, line_start)


def _token(new_token, kind: str, value: str, start: int, end: int, line: int, line_start: int) -> Token:
    # Lark's Token is a str with slots; filling them directly skips its keyword-argument
    # constructor, which costs more than the whole match. No token spans lines.
    token = new_token(Token, value)
    token.type = kind
    token.value = value
    token.start_pos = start
    token.end_pos = end
    token.line = token.end_line = line
    token.column = start - line_start + 1
    token.end_column = end - line_start + 1
    return token


def _splice(children: list, spliced: tuple[int, ...]) -> list:
    if spliced[0] == 0:
        # Repetitions are left-recursive: extend the list built so far instead of copying it.
        flat = children[0]
        rest = 1
    else:
        flat = []
        rest = 0
    for index in range(rest, len(children)):
        if index in spliced:
            flat += children[index]
        else:
            flat.append(children[index])
    return flat
