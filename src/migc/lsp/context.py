"""Where the cursor is in the code being typed: the enclosing blocks, the tokens of the current
statement, the word or string under the cursor, and the call whose arguments it is in.

Completion and signature help run on every keystroke, on text that usually does not parse, so
this reads tokens instead of the syntax tree. It starts at the nearest earlier line that begins
(at column 0) with a top-level keyword, so its cost does not grow with the file.
"""

from __future__ import annotations

import re

import msgspec

from migc.lsp.lexer import Token, tokenize

_TOP_LEVEL = re.compile(r"^(?:migration|import|let|values|create|object|map|extend|rebuild|builtin|aggregate)\b", re.MULTILINE)
# A token that cannot end an expression: a statement goes on past the line break after it.
_CONTINUES = frozenset({"<-", "->", "=", "==", "!=", "<", "<=", ">", ">=", "??", "+", "-", "*", "/", "%", "|", ",", "(", "[", ".", "+=", ":"})
_CONTINUING_WORDS = frozenset({"and", "or", "not", "in", "if", "then", "else", "as", "by", "when", "per", "from", "to", "ref", "fuzzy", "lossy"})


class Block(msgspec.Struct, frozen=True, kw_only=True):
    """A `{ ... }` block the cursor is inside: `kind` is migration, values, module, object, map,
    extend, rebuild or other. For maps, `source`/`target` are the objects; for values tables,
    `source`/`target` are `Object.field` of its `from`/`to`."""

    kind: str
    source: str = ""
    target: str = ""
    summarize: bool = False


class Call(msgspec.Struct, frozen=True, kw_only=True):
    """The innermost call whose parentheses hold the cursor."""

    function: str
    argument: int  # 0-based, counting the piped value of `x | f(...)` as argument 0
    piped: bool
    open_offset: int


class CursorContext(msgspec.Struct, frozen=True, kw_only=True):
    blocks: tuple[Block, ...]
    statement: tuple[Token, ...]  # the current statement's tokens before the word being typed
    prefix: str  # the part of a name already typed before the cursor
    prefix_start: int
    string: Token | None  # the string literal the cursor is inside
    in_comment: bool
    call: Call | None
    locals: tuple[str, ...]  # map-local `let` names declared earlier in the enclosing block

    @property
    def block(self) -> Block | None:
        return self.blocks[-1] if self.blocks else None

    @property
    def words(self) -> list[str]:
        return [t.word for t in self.statement]

    @property
    def previous(self) -> Token | None:
        return self.statement[-1] if self.statement else None


def restart_offset(text: str, offset: int) -> int:
    """The start of the last line before `offset` that opens a top-level item."""
    last = 0
    for match in _TOP_LEVEL.finditer(text, 0, offset):
        last = match.start()
    return last


def cursor_context(text: str, offset: int) -> CursorContext:
    offset = max(0, min(offset, len(text)))
    start = restart_offset(text, offset)
    tokens = list(tokenize(text, start, offset))
    prefix, prefix_start, string, in_comment = "", offset, None, False
    if tokens and tokens[-1].end == offset:
        last = tokens[-1]
        if last.kind == "comment":
            in_comment = True
        elif last.kind == "string" and not last.closed:
            string = last
            tokens.pop()
        elif last.kind == "name":
            prefix, prefix_start = last.text, last.start
            tokens.pop()
        elif last.kind == "quoted_name" or (last.kind == "unknown" and last.text == "`"):
            prefix, prefix_start = last.text.strip("`"), last.start
            tokens.pop()
    cursor_start = string.start if string is not None else prefix_start
    return _scan(text, tokens, prefix, prefix_start, string, in_comment, cursor_start)


def _scan(text: str, tokens: list[Token], prefix: str, prefix_start: int, string: Token | None, in_comment: bool, cursor_start: int) -> CursorContext:
    blocks: list[Block] = []
    local_names: list[list[str]] = []
    statement: list[Token] = []
    groups: list[tuple[str, int, bool, int]] = []  # open ( and [ : function name, commas, piped, offset
    previous: Token | None = None
    for token in tokens:
        if (previous is not None and not groups and _new_line(text, previous, token) and not _continues(previous)
                and not _continues_line(token, blocks)):
            _end_statement(statement, local_names)
            statement = []
        if token.text == "{":
            blocks.append(_block(statement))
            local_names.append([])
            statement, groups = [], []
        elif token.text == "}":
            _end_statement(statement, local_names)
            if blocks:
                blocks.pop()
                local_names.pop()
            statement, groups = [], []
        else:
            if token.text in ("(", "["):
                function, piped = "", False
                if token.text == "(" and statement and statement[-1].is_name:
                    function = statement[-1].word
                    piped = len(statement) >= 2 and statement[-2].text == "|"
                groups.append((function, 0, piped, token.start))
            elif token.text in (")", "]") and groups:
                groups.pop()
            elif token.text == "," and groups:
                function, commas, piped, at = groups[-1]
                groups[-1] = (function, commas + 1, piped, at)
            statement.append(token)
        previous = token
    # The word being typed starts a new statement when a line break separates it from the last one.
    if previous is not None and not groups and "\n" in text[previous.end : cursor_start] and not _continues(previous):
        _end_statement(statement, local_names)
        statement = []
    call = None
    for function, commas, piped, at in reversed(groups):
        if function:
            call = Call(function=function, argument=commas + (1 if piped else 0), piped=piped, open_offset=at)
            break
    return CursorContext(
        blocks=tuple(blocks),
        statement=tuple(statement),
        prefix=prefix,
        prefix_start=prefix_start,
        string=string,
        in_comment=in_comment,
        call=call,
        locals=tuple(local_names[-1]) if local_names else (),
    )


def _new_line(text: str, previous: Token, token: Token) -> bool:
    return "\n" in text[previous.end : token.start]


def _continues(token: Token) -> bool:
    return token.text in _CONTINUES or (token.kind == "name" and token.text in _CONTINUING_WORDS)


def _continues_line(token: Token, blocks: list[Block]) -> bool:
    """A line starting with `else` goes on with the statement before it (the next link of a
    `ref` chain, the rest of an `if`), except in a `values` table, where `else` starts the default."""
    return token.kind == "name" and token.text == "else" and not (blocks and blocks[-1].kind == "values")


def _end_statement(statement: list[Token], local_names: list[list[str]]) -> None:
    if local_names and len(statement) >= 2 and statement[0].text == "let" and statement[1].is_name:
        local_names[-1].append(statement[1].word)


def _block(header: list[Token]) -> Block:
    words = [t.word for t in header]
    if not words:
        return Block(kind="other")
    first = words[0]
    if first == "migration":
        return Block(kind="migration")
    if first == "values":
        return Block(kind="values", source=_qualified_after(header, "from"), target=_qualified_after(header, "to"))
    if first == "create":
        return Block(kind="module" if "module" in words[:2] else "other")
    if first == "object":
        return Block(kind="object")
    if first in ("map", "extend"):
        source = words[1] if len(words) > 1 and header[1].is_name else ""
        target = ""
        for index, token in enumerate(header):
            if token.text == "->" and index + 1 < len(header) and header[index + 1].is_name:
                target = header[index + 1].word
                break
        return Block(kind=first, source=source, target=target, summarize="summarize" in words)
    if first == "rebuild":
        return Block(kind="rebuild", source=words[1] if len(words) > 1 else "")
    return Block(kind="other")


def _qualified_after(header: list[Token], keyword: str) -> str:
    for index, token in enumerate(header):
        if token.kind == "name" and token.text == keyword:
            parts = header[index + 1 : index + 4]
            if len(parts) == 3 and parts[0].is_name and parts[1].text == "." and parts[2].is_name:
                return f"{parts[0].word}.{parts[2].word}"
    return ""
