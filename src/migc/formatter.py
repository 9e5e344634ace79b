"""The canonical layout of .mig files (`migc fmt`): prints a syntax tree back as text.

`format_text` parses the input and refuses broken code (it returns the diagnostics and no text);
otherwise `format_module` prints the tree. Printing works from the AST, not from the tokens, so
the result does not depend on how the input was spaced, and comments are put back by their span
offsets. docs/formatting.md states the rules; the comments below say why each one is as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache

import msgspec

from migc import codes
from migc.diagnostics import Diagnostic, Diagnostics
from migc.syntax import ast
from migc.syntax.grammar import parser as grammar_parser
from migc.syntax.hints import TerminalNames
from migc.syntax.parser import Comment, parse_text

MAX_WIDTH = 100
INDENT = "  "


class FormatResult(msgspec.Struct, frozen=True, kw_only=True):
    """The formatted text (None when the input has syntax errors), the parser's diagnostics, and
    whether the text differs from the input."""

    text: str | None
    diagnostics: tuple[Diagnostic, ...]
    changed: bool


def format_text(text: str, name: str = "<input>") -> FormatResult:
    """Formats one file's text. Never raises for bad input: broken code comes back unformatted,
    with the diagnostics that say why."""
    # A byte-order mark is not part of the program (SourceFile.from_bytes drops it too).
    source_text = text[1:] if text.startswith("\ufeff") else text
    parsed = parse_text(source_text, name)
    if parsed.module is None or not parsed.ok:
        return FormatResult(text=None, diagnostics=parsed.diagnostics, changed=False)
    try:
        formatted = format_module(parsed.module, parsed.comments)
    except RecursionError:
        problems = Diagnostics()
        problems.extend(parsed.diagnostics)
        problems.add(
            codes.TOO_DEEP,
            parsed.source.span(0, 0),
            "this file nests expressions too deeply to format; split the expression with `let`",
        )
        return FormatResult(text=None, diagnostics=problems.sorted(), changed=False)
    return FormatResult(text=formatted, diagnostics=parsed.diagnostics, changed=formatted != text)


def format_module(module: ast.Module, comments: Sequence[Comment] = ()) -> str:
    """The canonical text of a parsed file, with its comments put back where they belong."""
    printer = _Printer(comments)
    elements = printer.body(module.items, 0, module.span.end)
    elements.extend(printer.comment_element(comment, 0) for comment in printer.comments.take_rest())
    lines = _layout(elements, top_level=True)
    return "\n".join(lines) + "\n" if lines else ""


def format_expr(expr: ast.Expr) -> str:
    """One expression on one line, with the fewest parentheses its meaning needs."""
    out: list[str] = []
    _emit_expr(expr, out)
    return "".join(out)


def format_type(type_expr: ast.TypeExpr) -> str:
    out: list[str] = []
    _emit_type(type_expr, out)
    return "".join(out)


def quote_string(value: str) -> str:
    """A string literal for `value` with the canonical escapes: `\\"`, `\\\\`, `\\n`, `\\t`, and
    `\\u{..}` for other control characters (and U+2028/U+2029, which editors show as line breaks)."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, value) + '"'


def format_name(text: str, *, reserved: frozenset[str] | None = None) -> str:
    """A name as written in source: in backquotes when it is not a plain identifier or when it
    spells one of the `reserved` words (by default every keyword of the grammar, which is safe
    in any position)."""
    if reserved is None:
        reserved = _keywords()
    if _PLAIN_NAME.fullmatch(text) and text not in reserved:
        return text
    if not text or "`" in text or "\n" in text or "\r" in text:
        # Only a hand-built tree can hold such a name; the parser never produces one.
        raise ValueError(f"the name {text!r} cannot be written in .mig, not even in backquotes")
    return f"`{text}`"


# ---------------------------------------------------------------------------- names and strings

# The grammar's NAME terminal; Lark uses the same `re` semantics for \w.
_PLAIN_NAME = re.compile(r"(?!\d)\w+")
# The lexer reserves a keyword only where the grammar accepts it. Where a name can stand next to
# a keyword (a statement's first word, an expression operand, a field declaration, a `ref` match
# field), every keyword is backquoted: one rule, always safe. Where the grammar accepts nothing
# but a name (after `map`, `.`, `|`, `let`, in parameter lists, ...), no word is reserved, so
# `builtin get(value: json, key: string)` keeps its plain `key`. In a type only `fn` is reserved,
# so `list[string]` stays readable. tests/test_formatter.py checks these sets against the parser.
_NOTHING_RESERVED: frozenset[str] = frozenset()
_TYPE_KEYWORDS = frozenset({"fn"})


def _bare(text: str) -> str:
    """A name where the grammar accepts only a name."""
    return format_name(text, reserved=_NOTHING_RESERVED)


def _type_name(text: str) -> str:
    return format_name(text, reserved=_TYPE_KEYWORDS)


@cache
def _keywords() -> frozenset[str]:
    """Every keyword of the grammar, read from the built parser so grammar additions count."""
    return frozenset(TerminalNames(grammar_parser().terminals).keywords)


_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029]')
_NAMED_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    return _NAMED_ESCAPES.get(character) or f"\\u{{{ord(character):x}}}"


def _literal(literal: ast.Literal) -> str:
    # Numbers, durations and sizes keep their written form (`1.50`, `48h`); strings are re-escaped.
    return quote_string(literal.value) if literal.kind == "string" else literal.text


def _qualified(name: ast.QualifiedName) -> str:
    return f"{_bare(name.object.text)}.{_bare(name.field.text)}"


def _path(path: ast.Path) -> str:
    return ".".join(_bare(part.text) for part in path.parts)


# ---------------------------------------------------------------------------- expressions

# The precedence ladder of grammar/mig.lark, lowest to highest. `as` and `|` share a level and
# apply left to right: `x | f as t | g` is `((x | f) as t) | g`.
_IF, _OR, _AND, _NOT, _COMPARE, _COALESCE, _ADD, _MULTIPLY, _NEGATE, _CHAIN, _ACCESS, _ATOM = range(12)

_BINARY_LEVELS = {
    "or": _OR,
    "and": _AND,
    "==": _COMPARE,
    "!=": _COMPARE,
    "<": _COMPARE,
    "<=": _COMPARE,
    ">": _COMPARE,
    ">=": _COMPARE,
    "in": _COMPARE,
    "not in": _COMPARE,
    "??": _COALESCE,
    "+": _ADD,
    "-": _ADD,
    "*": _MULTIPLY,
    "/": _MULTIPLY,
    "%": _MULTIPLY,
}
_LOGICAL = frozenset({"and", "or"})
# `5s.x` would not lex: a duration or size may not be followed by `.`.
_NO_MEMBER_ACCESS = frozenset({"duration", "size"})


def _level(expr: ast.Expr) -> int:
    if isinstance(expr, ast.Binary):
        return _BINARY_LEVELS[expr.op]
    if isinstance(expr, ast.Unary):
        return _NOT if expr.op == "not" else _NEGATE
    if isinstance(expr, ast.IfExpr):
        return _IF
    if isinstance(expr, (ast.Cast, ast.Pipe)):
        return _CHAIN
    if isinstance(expr, (ast.Member, ast.Index)):
        return _ACCESS
    return _ATOM


def _operand_levels(op: str) -> tuple[int, int]:
    """The lowest precedence each side of a binary operator takes without parentheses."""
    level = _BINARY_LEVELS[op]
    if level == _COMPARE:  # comparisons do not chain: `a == b == c` is a syntax error
        return _COALESCE, _COALESCE
    if level == _COALESCE:  # `??` groups to the right
        return _ADD, _COALESCE
    return level, level + 1  # everything else groups to the left


def _author_grouped(parent: ast.Binary | ast.Unary, child: ast.Expr) -> bool:
    """Whether to keep parentheses the author wrote although the ladder does not need them:
    around an `and` inside an `or` (or the reverse), and around a `|` pipeline or an `as` cast
    that is an operand of an operator, as in `(tags | each(f)) + (segments | each(f))`. Readers
    rarely know those rungs of the ladder by heart, so the parentheses stay."""
    if isinstance(child, (ast.Pipe, ast.Cast)):
        return _parenthesised(child, child.value)
    if not isinstance(parent, ast.Binary) or parent.op not in _LOGICAL:
        return False
    if not isinstance(child, ast.Binary) or child.op not in _LOGICAL or child.op == parent.op:
        return False
    return _parenthesised(child, child.left)


def _parenthesised(node: ast.Expr, leftmost: ast.Expr) -> bool:
    """Parentheses are not nodes, but a parenthesised node's span includes them, so it starts
    before its leftmost operand (nothing else can stand there). Generated trees with no real
    spans never count as parenthesised."""
    return node.span.start < leftmost.span.start


def _emit_expr(expr: ast.Expr, out: list[str], min_level: int = _IF, parenthesise: bool = False) -> None:
    """Appends the text of `expr` to `out`; parts are joined once by the caller, so printing a
    long expression stays linear."""
    grouped = parenthesise or _level(expr) < min_level
    if grouped:
        out.append("(")
    if isinstance(expr, ast.Literal):
        out.append(_literal(expr))
    elif isinstance(expr, ast.NameRef):
        out.append(format_name(expr.name.text))
    elif isinstance(expr, ast.Binary):
        left_level, right_level = _operand_levels(expr.op)
        _emit_expr(expr.left, out, left_level, _author_grouped(expr, expr.left))
        out.append(f" {expr.op} ")
        _emit_expr(expr.right, out, right_level, _author_grouped(expr, expr.right))
    elif isinstance(expr, ast.Unary):
        grouped_operand = _author_grouped(expr, expr.operand)
        if expr.op == "not":
            out.append("not ")
            _emit_expr(expr.operand, out, _NOT, grouped_operand)
        else:
            out.append(expr.op)
            _emit_expr(expr.operand, out, _NEGATE, grouped_operand)
    elif isinstance(expr, ast.Call):
        out.append(format_name(expr.function.text))
        _emit_arguments(expr.args, out)
    elif isinstance(expr, ast.Pipe):
        _emit_expr(expr.value, out, _CHAIN)
        out.append(" | ")
        out.append(_bare(expr.function.text))
        if expr.args:
            _emit_arguments(expr.args, out)
    elif isinstance(expr, ast.Member):
        value = expr.value
        bare_number = isinstance(value, ast.Literal) and value.kind in _NO_MEMBER_ACCESS
        _emit_expr(value, out, _ACCESS, bare_number)
        out.append(".")
        out.append(_bare(expr.name.text))
    elif isinstance(expr, ast.Index):
        _emit_expr(expr.value, out, _ACCESS)
        out.append("[")
        _emit_expr(expr.index, out)
        out.append("]")
    elif isinstance(expr, ast.Cast):
        _emit_expr(expr.value, out, _CHAIN)
        out.append(" as ")
        _emit_type(expr.type, out)
    elif isinstance(expr, ast.IfExpr):
        out.append("if ")
        _emit_expr(expr.condition, out)
        out.append(" then ")
        _emit_expr(expr.then, out)
        out.append(" else ")
        _emit_expr(expr.otherwise, out)
    elif isinstance(expr, ast.ListExpr):
        out.append("[")
        _emit_separated(expr.items, out)
        out.append("]")
    else:
        raise TypeError(f"the formatter does not know the expression node {type(expr).__name__}")
    if grouped:
        out.append(")")


def _emit_arguments(args: Sequence[ast.Expr], out: list[str]) -> None:
    out.append("(")
    _emit_separated(args, out)
    out.append(")")


def _emit_separated(items: Sequence[ast.Expr], out: list[str]) -> None:
    for index, item in enumerate(items):
        if index:
            out.append(", ")
        _emit_expr(item, out)


def _emit_type(type_expr: ast.TypeExpr, out: list[str]) -> None:
    if type_expr.returns is not None:
        out.append("fn(")
        for index, param in enumerate(type_expr.params):
            if index:
                out.append(", ")
            _emit_type(param, out)
        out.append(") -> ")
        _emit_type(type_expr.returns, out)
        return
    out.append(_type_name(type_expr.name.text))
    if type_expr.item is not None:
        out.append("[")
        _emit_type(type_expr.item, out)
        out.append("]")
    elif type_expr.args:
        shown = (
            _literal(arg) if isinstance(arg, ast.Literal) else _type_name(arg.text)
            for arg in type_expr.args
        )
        out.append("(" + ", ".join(shown) + ")")


def _expr(expr: ast.Expr) -> str:
    return format_expr(expr)


def _lossy(note: ast.StringLit | None) -> str:
    return f" lossy {quote_string(note.value)}" if note is not None else ""


# ---------------------------------------------------------------------------- comments


class _CommentQueue:
    """The file's comments in source order with a cursor. The printer visits nodes in source
    order too, so every comment is looked at once: attachment is linear, not nodes × comments."""

    __slots__ = ("_comments", "_next")

    def __init__(self, comments: Sequence[Comment]) -> None:
        self._comments = sorted(comments, key=lambda comment: comment.span.start)
        self._next = 0

    def take_before(self, offset: int, last_line: int | None = None) -> list[Comment]:
        """The waiting comments that start before `offset` (and on or before `last_line`)."""
        taken: list[Comment] = []
        comments = self._comments
        while self._next < len(comments):
            comment = comments[self._next]
            if comment.span.start >= offset or (last_line is not None and comment.span.line > last_line):
                break
            taken.append(comment)
            self._next += 1
        return taken

    def any_between(self, start: int, end: int) -> bool:
        index = self._next
        while index < len(self._comments) and self._comments[index].span.start < end:
            if self._comments[index].span.start >= start:
                return True
            index += 1
        return False

    def take_trailing(self, end: int, line: int, limit: int) -> str | None:
        """The comment that ends the source line `line` after a node ending at `end`, if one
        does before `limit` (where the next node starts)."""
        if self._next >= len(self._comments):
            return None
        comment = self._comments[self._next]
        if end <= comment.span.start < limit and comment.span.line == line:
            self._next += 1
            return _comment_text(comment)
        return None

    def take_rest(self) -> list[Comment]:
        rest = self._comments[self._next :]
        self._next = len(self._comments)
        return rest


def _comment_text(comment: Comment) -> str:
    return comment.text.rstrip()  # a CRLF file leaves `\r` at the end of every comment


def _with_comment(code: str, comment: str | None) -> str:
    return f"{code}  {comment}" if comment else code


def _width(text: str) -> int:
    """Columns `text` takes in a terminal or editor: East Asian wide characters take two, so
    `名前 <- x` lines up with its neighbours."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


# ---------------------------------------------------------------------------- layout


class _Aligned(msgspec.Struct, frozen=True, kw_only=True):
    """A one-line `left <- right` (or `left -> right`) whose arrow lines up with its neighbours."""

    indent: str
    left: str
    arrow: str
    right: str
    comment: str | None

    @property
    def tail_width(self) -> int:
        return len(self.arrow) + _width(self.right) + 2


class _Element(msgspec.Struct, frozen=True, kw_only=True):
    """One printed statement, block or comment line of a body, with the source lines it came
    from (blank lines between elements are kept where the author had them)."""

    first_line: int
    last_line: int
    lines: tuple[str, ...] = ()
    aligned: _Aligned | None = None
    is_comment: bool = False
    # Top-level one-liners of one kind (imports, lets, builtins...) may stay without blank lines.
    compact_kind: str | None = None


def _layout(elements: Sequence[_Element], *, top_level: bool) -> list[str]:
    blanks = _blank_lines(elements, top_level=top_level)
    widths = _alignment_widths(elements, blanks)
    lines: list[str] = []
    for index, element in enumerate(elements):
        if blanks[index]:
            lines.append("")
        aligned = element.aligned
        if aligned is None:
            lines.extend(element.lines)
        else:
            padding = " " * (widths[index] - _width(aligned.left))
            code = f"{aligned.indent}{aligned.left}{padding} {aligned.arrow} {aligned.right}"
            lines.append(_with_comment(code, aligned.comment))
    return lines


def _blank_lines(elements: Sequence[_Element], *, top_level: bool) -> list[bool]:
    """Whether a blank line goes before each element. The author's blank lines (at most one) are
    kept; at the top level every item is also set off from the item before it, with its leading
    comments, unless both are one-liners of the same kind."""
    blanks = [False] * len(elements)
    next_item: list[int | None] = [None] * len(elements)
    upcoming: int | None = None
    for index in range(len(elements) - 1, -1, -1):
        if not elements[index].is_comment:
            upcoming = index
        next_item[index] = upcoming
    for index in range(1, len(elements)):
        previous, current = elements[index - 1], elements[index]
        author_blank = current.first_line - previous.last_line > 1
        following = next_item[index]
        if top_level and not previous.is_comment and following is not None:
            kind = previous.compact_kind
            same_kind_one_liners = kind is not None and kind == elements[following].compact_kind
            blanks[index] = author_blank if same_kind_one_liners else True
        else:
            blanks[index] = author_blank
    return blanks


def _alignment_widths(elements: Sequence[_Element], blanks: Sequence[bool]) -> list[int]:
    """The width every aligned element pads its left side to. Consecutive aligned elements form
    a group; a blank line, a comment line or any other statement ends it, and so does a line that
    would no longer fit in MAX_WIDTH columns (it starts the next group)."""
    widths = [0] * len(elements)
    group: list[int] = []
    width = tail = 0

    def close() -> None:
        for member in group:
            widths[member] = width
        group.clear()

    for index, element in enumerate(elements):
        aligned = element.aligned
        if aligned is None or blanks[index]:
            close()
            if aligned is None:
                continue
        left_width = _width(aligned.left)
        new_width = max(width, left_width) if group else left_width
        new_tail = max(tail, aligned.tail_width) if group else aligned.tail_width
        if group and len(aligned.indent) + new_width + new_tail > MAX_WIDTH:
            close()
            new_width, new_tail = left_width, aligned.tail_width
        group.append(index)
        width, tail = new_width, new_tail
    close()
    return widths


# ---------------------------------------------------------------------------- the printer

_ChildPrinter = Callable[[ast.Node, int, int], list[_Element]]


class _Printer:
    """Turns each node into body elements, taking the comments that belong to it on the way."""

    def __init__(self, comments: Sequence[Comment]) -> None:
        self.comments = _CommentQueue(comments)

    # ------------------------------------------------------------------ generic shapes

    def body(
        self, children: Sequence[ast.Node], depth: int, end: int, print_child: _ChildPrinter | None = None
    ) -> list[_Element]:
        """The elements of a block body (or of the file): each child preceded by the comments
        before it, then the comments left before `end`."""
        print_child = print_child or self.node
        elements: list[_Element] = []
        for index, child in enumerate(children):
            limit = children[index + 1].span.start if index + 1 < len(children) else end
            for comment in self.comments.take_before(child.span.start):
                elements.append(self.comment_element(comment, depth))
            elements.extend(print_child(child, depth, limit))
        for comment in self.comments.take_before(end):
            elements.append(self.comment_element(comment, depth))
        return elements

    def comment_element(self, comment: Comment, depth: int, at_line: int | None = None) -> _Element:
        """An own-line comment. `at_line` places a comment moved out of a statement (one written
        inside a multi-line expression) at the statement's first line."""
        line = comment.span.line if at_line is None else at_line
        text = INDENT * depth + _comment_text(comment)
        return _Element(first_line=line, last_line=line, lines=(text,), is_comment=True)

    def hoisted(self, node: ast.Node, depth: int, before: int) -> list[_Element]:
        """Comments inside a statement that prints on one line go on own lines above it."""
        return [self.comment_element(c, depth, node.span.line) for c in self.comments.take_before(before)]

    def leaf(
        self, node: ast.Node, depth: int, limit: int, code: str, compact_kind: str | None = None
    ) -> list[_Element]:
        elements = self.hoisted(node, depth, node.span.end)
        trailing = self.comments.take_trailing(node.span.end, node.span.end_line, limit)
        line = _with_comment(INDENT * depth + code, trailing)
        span = node.span
        elements.append(
            _Element(first_line=span.line, last_line=span.end_line, lines=(line,), compact_kind=compact_kind)
        )
        return elements

    def aligned_leaf(
        self, node: ast.Node, depth: int, limit: int, left: str, arrow: str, right: str
    ) -> list[_Element]:
        elements = self.hoisted(node, depth, node.span.end)
        trailing = self.comments.take_trailing(node.span.end, node.span.end_line, limit)
        aligned = _Aligned(indent=INDENT * depth, left=left, arrow=arrow, right=right, comment=trailing)
        elements.append(_Element(first_line=node.span.line, last_line=node.span.end_line, aligned=aligned))
        return elements

    def block(
        self,
        node: ast.Node,
        depth: int,
        limit: int,
        header: str,
        header_nodes: Sequence[ast.Node | None],
        children: Sequence[ast.Node],
        print_child: _ChildPrinter | None = None,
    ) -> list[_Element]:
        header_line = max([node.span.line] + [part.span.end_line for part in header_nodes if part is not None])
        body_start = children[0].span.start if children else node.span.end
        elements: list[_Element] = []
        header_comment = None
        # Comments written inside a multi-line header move above it; the one ending the header's
        # last line stays there; those after it belong to the body.
        for comment in self.comments.take_before(body_start, last_line=header_line):
            if comment.span.line < header_line:
                elements.append(self.comment_element(comment, depth, node.span.line))
            else:
                header_comment = _comment_text(comment)
        body = self.body(children, depth + 1, node.span.end, print_child)
        closing_comment = self.comments.take_trailing(node.span.end, node.span.end_line, limit)
        indent = INDENT * depth
        if not body and header_comment is None:
            lines: list[str] = [_with_comment(f"{indent}{header} {{}}", closing_comment)]
        else:
            lines = [_with_comment(f"{indent}{header} {{", header_comment)]
            lines.extend(_layout(body, top_level=False))
            lines.append(_with_comment(f"{indent}}}", closing_comment))
        elements.append(_Element(first_line=node.span.line, last_line=node.span.end_line, lines=tuple(lines)))
        return elements

    def list_statement(
        self,
        node: ast.Node,
        depth: int,
        limit: int,
        prefix: str,
        items: Sequence[ast.Node],
        item_texts: Sequence[str],
        list_span: tuple[int, int],
        suffix: str = "",
    ) -> list[_Element] | None:
        """A statement whose value is a list, broken over lines when it does not fit in
        MAX_WIDTH columns or holds comments: items fill each line, one comment ends a line.
        Returns None when the statement fits on one line (the caller prints it as usual)."""
        indent = INDENT * depth
        list_start, list_end = list_span
        one_line = f"{indent}{prefix}[{', '.join(item_texts)}]{suffix}"
        if _width(one_line) <= MAX_WIDTH and not self.comments.any_between(list_start, list_end):
            return None
        elements = self.hoisted(node, depth, list_start)
        inner = indent + INDENT
        lines = [f"{indent}{prefix}["]
        current: list[str] = []  # the items of the line being filled
        filled = len(inner)  # its width so far

        def end_line(comment: str | None = None) -> None:
            nonlocal filled
            if current:
                lines.append(_with_comment(inner + " ".join(current), comment))
                current.clear()
                filled = len(inner)

        for index, item in enumerate(items):
            item_limit = items[index + 1].span.start if index + 1 < len(items) else list_end
            own_line = self.comments.take_before(item.span.start) + self.comments.take_before(item.span.end)
            if own_line:
                end_line()
                lines.extend(inner + _comment_text(comment) for comment in own_line)
            piece = item_texts[index] + ","
            piece_width = _width(piece) + (1 if current else 0)
            if current and filled + piece_width > MAX_WIDTH:
                end_line()
                piece_width -= 1
            current.append(piece)
            filled += piece_width
            trailing = self.comments.take_trailing(item.span.end, item.span.end_line, item_limit)
            if trailing is not None:
                end_line(trailing)
        end_line()
        lines.extend(inner + _comment_text(comment) for comment in self.comments.take_before(list_end))
        elements.extend(self.hoisted(node, depth, node.span.end))  # e.g. between `]` and `lossy`
        closing_comment = self.comments.take_trailing(node.span.end, node.span.end_line, limit)
        lines.append(_with_comment(f"{indent}]{suffix}", closing_comment))
        elements.append(_Element(first_line=node.span.line, last_line=node.span.end_line, lines=tuple(lines)))
        return elements

    def list_valued(
        self, node: ast.Node, depth: int, limit: int, prefix: str, value: ast.Expr, suffix: str = ""
    ) -> list[_Element] | None:
        if not isinstance(value, ast.ListExpr):
            return None
        texts = [_expr(item) for item in value.items]
        list_span = (value.span.start, value.span.end)
        return self.list_statement(node, depth, limit, prefix, value.items, texts, list_span, suffix)

    # ------------------------------------------------------------------ dispatch

    def node(self, node: ast.Node, depth: int, limit: int) -> list[_Element]:
        method = getattr(self, "print_" + type(node).__name__, None)
        if method is None:
            raise TypeError(f"the formatter does not know the statement node {type(node).__name__}")
        return method(node, depth, limit)

    # ------------------------------------------------------------------ header

    def print_Migration(self, node: ast.Migration, depth: int, limit: int) -> list[_Element]:
        header = f"migration {_bare(node.name.text)}"
        return self.block(node, depth, limit, header, [node.name], node.clauses)

    def print_FromClause(self, node: ast.FromClause, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"from {_bare(node.platform.text)}")

    def print_ToClause(self, node: ast.ToClause, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"to {_bare(node.platform.text)}")

    def print_ConsentClause(self, node: ast.ConsentClause, depth: int, limit: int) -> list[_Element]:
        code = (
            f"consent {_bare(node.regulation.text)} for {_bare(node.subject.text)}"
            f" when {_expr(node.condition)}"
        )
        return self.leaf(node, depth, limit, code)

    def print_SampleClause(self, node: ast.SampleClause, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"sample {node.size}")

    def print_DeltaClause(self, node: ast.DeltaClause, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"delta window {node.window.text}")

    def print_OrderClause(self, node: ast.OrderClause, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, "order " + ", ".join(_bare(n.text) for n in node.objects))

    # ------------------------------------------------------------------ declarations

    def print_Import(self, node: ast.Import, depth: int, limit: int) -> list[_Element]:
        names = ", ".join(_bare(name.text) for name in node.names)
        source = quote_string(node.path.value)
        code = f"import {names} from {source}" if names else f"import {source}"
        return self.leaf(node, depth, limit, code, compact_kind="import")

    def print_Let(self, node: ast.Let, depth: int, limit: int) -> list[_Element]:
        prefix = f"let {_bare(node.name.text)} = "
        wrapped = self.list_valued(node, depth, limit, prefix, node.value)
        if wrapped is not None:
            return wrapped
        return self.leaf(node, depth, limit, prefix + _expr(node.value), compact_kind="let")

    def print_ValuesTable(self, node: ast.ValuesTable, depth: int, limit: int) -> list[_Element]:
        header = f"values {_bare(node.name.text)}"
        if node.source is not None:
            header += f" from {_qualified(node.source)}"
        if node.target is not None:
            header += f" to {_qualified(node.target)}"
        rows: list[ast.Node] = list(node.entries)
        if node.default is not None:
            rows.append(node.default)
        default = node.default

        def print_row(row: ast.Node, row_depth: int, row_limit: int) -> list[_Element]:
            if row is default:
                return self.leaf(row, row_depth, row_limit, f"else {_expr(default)}")
            assert isinstance(row, ast.ValueEntry)
            keys = ", ".join(_literal(key) for key in row.keys)
            return self.aligned_leaf(row, row_depth, row_limit, keys, "->", _expr(row.value))

        return self.block(node, depth, limit, header, [node.name, node.source, node.target], rows, print_row)

    def print_CreateModule(self, node: ast.CreateModule, depth: int, limit: int) -> list[_Element]:
        header = f"create module {_bare(node.name.text)}"
        if node.label is not None:
            header += f" {quote_string(node.label.value)}"
        return self.block(node, depth, limit, header, [node.name, node.label], node.fields)

    def print_FieldDecl(self, node: ast.FieldDecl, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"{format_name(node.name.text)}: {_field_type(node)}")

    def print_CreateField(self, node: ast.CreateField, depth: int, limit: int) -> list[_Element]:
        code = f"create field {_qualified(node.target)}: {_field_type(node)}"
        return self.leaf(node, depth, limit, code, compact_kind="create field")

    def print_CreatePicklist(self, node: ast.CreatePicklist, depth: int, limit: int) -> list[_Element]:
        prefix = f"create picklist {_qualified(node.target)} += "
        texts = [quote_string(value.value) for value in node.values]
        wrapped = self.list_statement(
            node, depth, limit, prefix, node.values, texts, (node.values[0].span.start, node.span.end)
        )
        if wrapped is not None:
            return wrapped
        return self.leaf(node, depth, limit, f"{prefix}[{', '.join(texts)}]", compact_kind="create picklist")

    def print_BuiltinDecl(self, node: ast.BuiltinDecl, depth: int, limit: int) -> list[_Element]:
        keyword = "aggregate" if node.aggregate else "builtin"
        params = ", ".join(_param(param) for param in node.params)
        code = f"{keyword} {_bare(node.name.text)}({params}) -> {format_type(node.returns)}"
        if node.doc is not None:
            code += f" {quote_string(node.doc.value)}"
        # `builtin` and `aggregate` lines are one kind: the prelude lists them together.
        return self.leaf(node, depth, limit, code, compact_kind="builtin")

    # ------------------------------------------------------------------ mapping blocks

    def print_ObjectBlock(self, node: ast.ObjectBlock, depth: int, limit: int) -> list[_Element]:
        cardinality = node.cardinality
        header = f"object {quote_string(node.label.value)} -> {quote_string(node.target_label.value)}"
        if cardinality is not None:
            header += f" {cardinality.kind}"
            if cardinality.reason is not None:
                header += f" {quote_string(cardinality.reason.value)}"
        return self.block(node, depth, limit, header, [cardinality] if cardinality is not None else [], node.items)

    def print_MapBlock(self, node: ast.MapBlock, depth: int, limit: int) -> list[_Element]:
        header = f"map {_bare(node.source.text)}"
        grouping = node.grouping
        if grouping is not None:
            header += f" {grouping.kind} by " + ", ".join(_expr(key) for key in grouping.keys)
        header += f" -> {_bare(node.target.text)}"
        if node.merge:
            header += " merge"
        route = node.route
        if route is not None:
            header += f" where {_expr(route.condition)}" if route.condition is not None else f" {route.kind}"
        header += _lossy(node.lossy)
        header_nodes = [node.source, grouping, node.target, route, node.lossy]
        return self.block(node, depth, limit, header, header_nodes, node.body)

    def print_ExtendBlock(self, node: ast.ExtendBlock, depth: int, limit: int) -> list[_Element]:
        header = f"extend {_bare(node.source.text)} -> {_bare(node.target.text)}"
        return self.block(node, depth, limit, header, [node.source, node.target], node.body)

    def print_RebuildBlock(self, node: ast.RebuildBlock, depth: int, limit: int) -> list[_Element]:
        header = f"rebuild {_bare(node.source.text)} as {quote_string(node.destination.value)}"
        return self.block(node, depth, limit, header, [node.source, node.destination], node.body)

    # ------------------------------------------------------------------ statements

    def print_KeyStmt(self, node: ast.KeyStmt, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"key {_bare(node.field.text)} <- {_expr(node.value)}{_lossy(node.lossy)}")

    def print_Assign(self, node: ast.Assign, depth: int, limit: int) -> list[_Element]:
        field = format_name(node.field.text)
        lossy = _lossy(node.lossy)
        wrapped = self.list_valued(node, depth, limit, f"{field} <- ", node.value, lossy)
        if wrapped is not None:
            return wrapped
        value = node.value
        if isinstance(value, ast.RefLookup):
            links = _ref_links(value)
            one_line = f"{INDENT * depth}{field} <- {' else '.join(links)}{lossy}"
            if len(links) > 1 and _width(one_line) > MAX_WIDTH:
                return self.ref_chain(node, depth, limit, f"{field} <- ", links, lossy)
            return self.aligned_leaf(node, depth, limit, field, "<-", " else ".join(links) + lossy)
        return self.aligned_leaf(node, depth, limit, field, "<-", _expr(value) + lossy)

    def ref_chain(self, node: ast.Assign, depth: int, limit: int, prefix: str, links: list[str], lossy: str) -> list[_Element]:
        """A `ref` chain too wide for one line: each further link starts a line of its own, one
        level deeper, so the objects tried read top to bottom. Comments inside move above it."""
        elements = self.hoisted(node, depth, node.span.end)
        trailing = self.comments.take_trailing(node.span.end, node.span.end_line, limit)
        indent = INDENT * depth
        lines = [indent + prefix + links[0]]
        lines.extend(f"{indent}{INDENT}else {link}" for link in links[1:])
        lines[-1] = _with_comment(lines[-1] + lossy, trailing)
        elements.append(_Element(first_line=node.span.line, last_line=node.span.end_line, lines=tuple(lines)))
        return elements

    def print_Drop(self, node: ast.Drop, depth: int, limit: int) -> list[_Element]:
        code = "drop " + ", ".join(_path(path) for path in node.paths) + _lossy(node.lossy)
        return self.leaf(node, depth, limit, code)

    def print_Flag(self, node: ast.Flag, depth: int, limit: int) -> list[_Element]:
        code = f"flag {quote_string(node.message.value)} when {_expr(node.condition)} -> {node.action}"
        return self.leaf(node, depth, limit, code)

    def print_Limit(self, node: ast.Limit, depth: int, limit: int) -> list[_Element]:
        code = f"limit {node.count} per {_expr(node.per)}{_lossy(node.lossy)}"
        return self.leaf(node, depth, limit, code)

    def print_LocalLet(self, node: ast.LocalLet, depth: int, limit: int) -> list[_Element]:
        prefix = f"let {_bare(node.name.text)} = "
        wrapped = self.list_valued(node, depth, limit, prefix, node.value)
        if wrapped is not None:
            return wrapped
        return self.leaf(node, depth, limit, prefix + _expr(node.value))

    def print_NoteStmt(self, node: ast.NoteStmt, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"note {quote_string(node.text.value)}")

    def print_LossyStmt(self, node: ast.LossyStmt, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, f"lossy {quote_string(node.text.value)}")

    def print_ListStmt(self, node: ast.ListStmt, depth: int, limit: int) -> list[_Element]:
        return self.leaf(node, depth, limit, "list " + ", ".join(_path(path) for path in node.paths))


def _field_type(node: ast.FieldDecl | ast.CreateField) -> str:
    """`type required unique label "..."`: flags in one fixed order, whatever order they came in."""
    parts = [format_type(node.type)]
    if node.required:
        parts.append("required")
    if node.unique:
        parts.append("unique")
    if node.label is not None:
        parts.append(f"label {quote_string(node.label.value)}")
    return " ".join(parts)


def _param(param: ast.Param) -> str:
    text = f"{_bare(param.name.text)}: {format_type(param.type)}"
    if param.variadic:
        text += "..."
    if param.default is not None:
        text += f" = {_expr(param.default)}"
    return text


def _ref_links(lookup: ast.RefLookup) -> list[str]:
    """Each link of a `ref` chain as text (`ref X by ...`), the last with what ends the chain;
    joined by " else " they are the whole lookup."""
    texts = []
    for link in lookup.links:
        matches = " then ".join(
            f"{'fuzzy ' if match.fuzzy else ''}{format_name(match.field.text)} = {_expr(match.value)}"
            for match in link.matches
        )
        texts.append(f"ref {_bare(link.target.text)} by {matches}")
    last = lookup.last
    if last.quarantine:
        texts[-1] += " else quarantine"
    elif last.fallback is not None:
        texts[-1] += f" else {_expr(last.fallback)}"
    return texts
