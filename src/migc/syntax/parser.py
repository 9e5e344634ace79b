"""`parse(SourceFile) -> ParseResult`: the AST, every syntax diagnostic, and the comments.

The parser recovers from errors so one run reports every mistake it can: it repairs a missing
`<-`, `->` or `}` by inserting it, resynchronises at the next statement keyword by unwinding the
LALR stack (panic mode), and otherwise skips the offending token. At most one error is reported
per line, so one mistake does not drown in its own echoes.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import msgspec
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from migc import codes
from migc.diagnostics import Diagnostic, Diagnostics, Fix, Note, TextEdit
from migc.relocation import Shift, relocate
from migc.source import SourceFile, Span
from migc.syntax import ast, chunks
from migc.syntax.driver import parse_clean
from migc.syntax.grammar import parser as _lark_parser
from migc.syntax.hints import TerminalNames, describe_token
from migc.syntax.transformer import AstBuilder

# Statement and item keywords: when one of them arrives unexpectedly, the parser unwinds to a
# state that accepts it instead of throwing the keyword (and the statement it starts) away.
_SYNC_TERMINALS = frozenset(
    {
        "MIGRATION", "IMPORT", "LET", "VALUES", "CREATE", "OBJECT", "MAP", "EXTEND", "REBUILD", "BUILTIN",
        "AGGREGATE", "KEY", "DROP", "FLAG", "LIMIT", "NOTE", "LIST", "LOSSY", "FROM", "TO", "CONSENT",
        "SAMPLE", "DELTA", "ORDER", "RBRACE",
    }
)
# Tokens the parser may insert to repair a construct, in order of preference.
_INSERTABLE = ("_LARROW", "_RARROW", "RPAR", "RSQB", "RBRACE")
_MAX_DIAGNOSTICS = 200


class Comment(msgspec.Struct, frozen=True):
    span: Span
    text: str


class ParseResult(msgspec.Struct, frozen=True, kw_only=True):
    source: SourceFile
    module: ast.Module | None
    diagnostics: tuple[Diagnostic, ...]
    comments: tuple[Comment, ...]

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


_lock = threading.RLock()
_current: list[_Session] = []  # the session the shared lexer callbacks report to


def parse(source: SourceFile, *, incremental: bool = False) -> ParseResult:
    """Parses one file. Never raises for bad input: problems come back as diagnostics.

    A file with a syntax error is parsed chunk by chunk (top-level items, see `chunks.py`), so
    recovery from an error stays inside the item it is in, and `migc check` and the editor agree.
    A clean file parses the same whole or by chunks; a one-off parse of one takes it whole, which
    costs about a quarter less.

    With `incremental` (an editor re-parsing a buffer), every file is parsed by chunks and each
    chunk's result is kept by its text, so an edit re-parses only the items it touches."""
    if not incremental:
        clean = _parse_clean(source)
        if clean is not None:
            return clean
    last = _PLACED.get(source.name) if incremental else None
    previous_parts, previous = last if last is not None else (None, {})
    parts = chunks.split(source.text, previous_parts)
    if incremental:
        _PLACED.put(source.name, (parts, {}))  # placed chunks follow below
    if len(parts) == 1:
        return _parse_whole(source, clean_first=incremental)
    items: list = []
    diagnostics: list[Diagnostic] = []
    comments: list[Comment] = []
    current: dict = {}
    for index, part in enumerate(parts):
        key = (part.text, index == len(parts) - 1, part.start, part.line)
        placed = current[key] = previous.get(key) or _place(part, final=key[1], file=source.name)
        items.extend(placed[0])
        diagnostics.extend(placed[1])
        comments.extend(placed[2])
    if incremental:
        _PLACED.put(source.name, (parts, current))
    module = ast.Module(span=source.span(0, len(source.text)), items=tuple(items))
    return ParseResult(source=source, module=module, diagnostics=tuple(sorted(diagnostics, key=Diagnostic.sort_key)), comments=tuple(comments))


class _Lru:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict = OrderedDict()

    def get(self, key):
        with _lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def pop(self, key) -> None:
        with _lock:
            self.entries.pop(key, None)

    def put(self, key, value) -> None:
        with _lock:
            self.entries[key] = value
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)


# Chunks parsed on their own (positions from the chunk's start), and per file the split of its
# last parse and its chunks, moved to where they sat. An edit that keeps its line's length moves nothing; one
# that changes it moves the chunks after it (moving is cheaper than parsing them again).
_CHUNKS = _Lru(4096)
_PLACED = _Lru(64)


def forget(name: str) -> None:
    """Drops what incremental parses of file `name` kept (an editor closed it)."""
    _PLACED.pop(name)


def _place(part: chunks.Chunk, *, final: bool, file: str) -> tuple[tuple, tuple, tuple]:
    """A chunk's items, diagnostics and comments, with positions in the file."""
    result = _parse_chunk(part.text, final=final)
    items = result.module.items if result.module is not None else ()
    return relocate((items, result.diagnostics, result.comments), Shift(part.start, part.line - 1, file))


def _parse_chunk(text: str, *, final: bool) -> ParseResult:
    key = (text, final)
    result = _CHUNKS.get(key)
    if result is None:
        result = _parse_whole(SourceFile("", text), final=final)
        _CHUNKS.put(key, result)
    return result


def _parse_whole(source: SourceFile, *, final: bool = True, clean_first: bool = True) -> ParseResult:
    """`clean_first=False` skips the fast path (`driver.py`): tests compare the two."""
    with _lock:  # the Lark instance and its lexer callbacks are shared
        session = _Session(source, final=final)
        _current.append(session)
        try:
            return session.run(clean_first=clean_first)
        finally:
            _current.pop()


def _parse_clean(source: SourceFile) -> ParseResult | None:
    """The file parsed by the fast path, or None at its first syntax error."""
    with _lock:
        session = _Session(source)
        _current.append(session)
        try:
            return session.clean()
        finally:
            _current.pop()


def prepare_recovery() -> None:
    """Builds the recovering parser now (about a tenth of a second), which the first file with a
    syntax error would otherwise wait for: an editor does this before the first keystroke."""
    _parse_whole(SourceFile("<prepare>", "map A -> B {\n  x <-\n"), clean_first=False)


def parse_text(text: str, name: str = "<input>") -> ParseResult:
    return parse(SourceFile(name, text))


def _dispatch(handler: str):
    def callback(token: Token) -> Token:
        if _current:
            getattr(_current[-1], handler)(token)
        return token

    return callback


_CALLBACKS = (("COMMENT", _dispatch("_on_comment")), ("LBRACE", _dispatch("_on_lbrace")), ("RBRACE", _dispatch("_on_rbrace")))


_BUILDER = AstBuilder()


def _lark():
    return _lark_parser(_CALLBACKS, _BUILDER)


class _Session:
    def __init__(self, source: SourceFile, *, final: bool = True) -> None:
        self.source = source
        self.final = final  # False: a chunk followed by more items, so its end is not the file's
        self.diagnostics = Diagnostics()
        self.comments: list[Comment] = []
        self.open_braces: list[Token] = []
        self.reported_lines: set[int] = set()

    def clean(self) -> ParseResult | None:
        """The fast path (`driver.py`): None at the first thing it does not expect."""
        _BUILDER.begin(self.source, self.diagnostics)
        clean = parse_clean(self.source.text, _BUILDER)
        if clean is None:
            return None
        self.comments = [Comment(self._token_span(token), token.value) for token in clean.comments]
        return self._result(clean.module)

    def run(self, *, clean_first: bool = True) -> ParseResult:
        if clean_first:
            result = self.clean()
            if result is not None:
                return result
        # Not clean: parse again with Lark, recovering from each error to report them all.
        self.diagnostics = Diagnostics()
        self.names = _terminal_names()
        self.comments = []
        module = None
        _BUILDER.begin(self.source, self.diagnostics)
        try:
            module = _lark().parse(self.source.text, on_error=self._recover)
        except UnexpectedInput as error:
            # Recovery gave up (for example the file ends inside an expression): report it once.
            self._report(error)
        except VisitError as error:  # Lark wraps exceptions raised inside the transformer
            if isinstance(error.orig_exc, RecursionError):
                self._too_deep()
            else:
                raise error.orig_exc from None
        except RecursionError:
            self._too_deep()
        if module is not None and self.diagnostics.has_errors and not module.items:
            module = ast.Module(span=module.span, items=())
        return self._result(module)

    def _result(self, module: ast.Module | None) -> ParseResult:
        return ParseResult(
            source=self.source,
            module=module,
            diagnostics=self.diagnostics.sorted(),
            comments=tuple(self.comments),
        )

    # ------------------------------------------------------------------ lexer callbacks

    def _on_comment(self, token: Token) -> None:
        self.comments.append(Comment(self._token_span(token), token.value))

    def _on_lbrace(self, token: Token) -> None:
        self.open_braces.append(token)

    def _on_rbrace(self, token: Token) -> None:
        if self.open_braces:
            self.open_braces.pop()

    # ------------------------------------------------------------------ recovery

    def _recover(self, error: UnexpectedInput) -> bool:
        if len(self.diagnostics) >= _MAX_DIAGNOSTICS:
            return False
        if isinstance(error, UnexpectedCharacters):
            self._report(error)
            self._skip_bad_characters(error)
            return True
        if not isinstance(error, UnexpectedToken):
            return False
        parser = error.interactive_parser
        token = error.token
        if token.type == "$END":
            self._report(error)
            return self._close_open_blocks(parser)
        if token.type == "EQUAL" and "_LARROW" in parser.choices():
            self._report(error)
            parser.feed_token(_synthetic("_LARROW", "<-", token))  # `Name = x`: read it as `Name <- x`
            return True
        inserted = self._insert_missing(parser, token)
        if inserted is not None:
            self._report_missing(inserted, token)
            return True
        self._report(error)
        keyword = self._misspelt_keyword(parser, token)
        if keyword is not None:
            parser.feed_token(Token.new_borrow_pos(self.names.keywords[keyword], keyword, token))
            return True
        if token.type in _SYNC_TERMINALS:
            self._unwind_to(parser, token)
        return True  # the token is dropped and parsing resumes

    def _skip_bad_characters(self, error: UnexpectedCharacters) -> None:
        text = self.source.text
        start = error.pos_in_stream
        if text[start] != '"':
            return
        # An unterminated string: read the rest of the line as the string, so the statement
        # around it still parses and its words do not cascade into more errors.
        line_end = text.find("\n", start)
        line_end = len(text) if line_end == -1 else line_end
        parser = error.interactive_parser
        parser.lexer_thread.state.line_ctr.feed(text[start:line_end])
        if "STRING" in parser.choices():
            body = text[start:line_end].rstrip("\r").replace("\\", "\\\\").replace('"', "")
            parser.feed_token(
                Token("STRING", f'"{body}"', start_pos=start, line=error.line, column=error.column,
                      end_line=error.line, end_column=error.column + line_end - start, end_pos=line_end)
            )

    def _insert_missing(self, parser, token: Token) -> str | None:
        """Inserts the one token that lets `token` be read, if there is one; returns its type."""
        choices = parser.choices()
        for candidate in _INSERTABLE:
            if candidate not in choices:
                continue
            inserted = _synthetic(candidate, self.names.text_of.get(candidate, ""), token)
            trial = parser.copy()
            try:
                trial.feed_token(inserted)
                if token.type not in trial.choices():
                    continue
            except UnexpectedInput:
                continue
            parser.feed_token(inserted)
            parser.feed_token(token)
            return candidate
        return None

    def _misspelt_keyword(self, parser, token: Token) -> str | None:
        if token.type != "NAME":
            return None
        choices = parser.choices()
        if "NAME" in choices:
            return None
        return self.names.close_keyword(token.value, choices)

    def _unwind_to(self, parser, token: Token) -> None:
        state = parser.parser_state
        depth = len(state.state_stack)
        table = state.parse_conf.parse_table.states
        for keep in range(depth - 1, 0, -1):
            if token.type in table[state.state_stack[keep - 1]]:
                del state.state_stack[keep:]
                del state.value_stack[keep - 1 :]
                parser.feed_token(token)
                return

    def _last_token(self, parser) -> Token:
        end = len(self.source.text)
        line, column = self.source.position(end)
        return Token("$END", "", start_pos=end, line=line, column=column, end_pos=end)

    def _close_open_blocks(self, parser) -> bool:
        for _ in range(200):
            choices = parser.choices()
            if "$END" in choices:
                return True
            if "RBRACE" in choices:
                parser.feed_token(_synthetic("RBRACE", "}", self._last_token(parser)))
                continue
            state = parser.parser_state
            if len(state.state_stack) <= 1:
                return False
            state.state_stack.pop()
            state.value_stack.pop()
        return False

    # ------------------------------------------------------------------ diagnostics

    def _token_span(self, token: Token) -> Span:
        start = token.start_pos if token.start_pos is not None else len(self.source.text)
        end = token.end_pos if token.end_pos is not None else start
        return self.source.span(start, end)

    def _previous_end(self, token: Token) -> int:
        """Where the token before `token` ends, skipping white space and comments."""
        end = token.start_pos or 0
        text = self.source.text
        while True:
            while end > 0 and text[end - 1].isspace():
                end -= 1
            comment = next((c for c in self.comments if c.span.start < end <= c.span.end), None)
            if comment is None:
                return end
            end = comment.span.start

    def _report_missing(self, inserted: str, token: Token) -> None:
        end = self._previous_end(token)
        span = self.source.span(end, end)
        if span.line in self.reported_lines:
            return
        self.reported_lines.add(span.line)
        text = self.names.text_of.get(inserted, inserted)
        self.diagnostics.add(
            codes.MISSING_TOKEN,
            span,
            f"missing `{text}` before {describe_token(token.type, token.value)}",
            fix=Fix(title=f"insert `{text}`", edits=(TextEdit(span=span, new_text=text),)),
        )

    def _report(self, error: UnexpectedInput) -> None:
        if isinstance(error, UnexpectedCharacters):
            span = self.source.span(error.pos_in_stream, error.pos_in_stream + 1)
        elif isinstance(error, UnexpectedToken):
            if error.token.type == "$END":
                end = len(self.source.text)
                span = self.source.span(end, end)
            else:
                span = self._token_span(error.token)
        else:
            end = len(self.source.text)
            span = self.source.span(end, end)
        if span.line in self.reported_lines:
            return
        self.reported_lines.add(span.line)
        if isinstance(error, UnexpectedCharacters):
            self._report_characters(error, span)
        else:
            self._report_token(error, span)

    def _report_characters(self, error: UnexpectedCharacters, span: Span) -> None:
        char = self.source.text[error.pos_in_stream]
        if char == '"':
            line_end = self.source.text.find("\n", error.pos_in_stream)
            line_end = len(self.source.text) if line_end == -1 else line_end
            whole = self.source.span(error.pos_in_stream, line_end)
            self.diagnostics.add(
                codes.UNTERMINATED_STRING,
                whole,
                "unterminated string: a string must end with `\"` on the same line",
                fix=Fix(title='close the string with `"`', edits=(TextEdit(span=self.source.span(line_end, line_end), new_text='"'),)),
            )
            return
        shown = repr(char)[1:-1] if not char.isprintable() or char.isspace() else char
        message = f"unexpected character `{shown}`"
        if char == "'":
            message += '; strings use double quotes: "like this"'
        self.diagnostics.add(codes.UNEXPECTED_CHARACTER, span, message)

    def _report_token(self, error: UnexpectedToken, span: Span) -> None:
        token = error.token
        expected = set(error.interactive_parser.choices()) if error.interactive_parser else set(error.expected)
        described = self.names.describe_expected(expected)
        if token.type == "$END":
            if "RBRACE" in expected and self.open_braces:
                opened = self.open_braces[-1]
                self.diagnostics.add(
                    codes.UNCLOSED_BLOCK,
                    self._token_span(opened),
                    "this block is never closed: the file ends before its `}`",
                    notes=[Note(message="the file ends here", span=span)],
                    fix=Fix(title="add `}` at the end of the file", edits=(TextEdit(span=span, new_text="\n}\n"),)),
                )
            elif self.final:
                self.diagnostics.add(codes.UNEXPECTED_END, span, f"the file ends too early: expected {described}")
            else:
                self.diagnostics.add(codes.UNEXPECTED_TOKEN, span, f"this item is incomplete before the next one begins: expected {described}")
            return
        if token.type == "EQUAL" and "_LARROW" in expected:
            self.diagnostics.add(
                codes.ASSIGN_WITH_EQUALS,
                span,
                "fields are assigned with `<-`, not `=`",
                notes=[Note(message="`=` is used only by `let` and inside `ref ... by Field = value`")],
                fix=Fix(title="replace `=` with `<-`", edits=(TextEdit(span=span, new_text="<-"),)),
            )
            return
        found = describe_token(token.type, token.value)
        if token.type == "INT" and re.match(r"1:(1|many)\b", self.source.text[token.start_pos :]):
            self.diagnostics.add(
                codes.UNEXPECTED_TOKEN, span,
                "a cardinality (`1:1`, `1:many`, `lossy`) belongs on the `object` row that groups maps, not on a `map`",
            )
            return
        if token.type in ("NAME",) or token.value.isidentifier():
            suggestion = self.names.close_keyword(token.value, expected)
            expects_keyword = any(t in self.names.text_of and self.names.text_of[t].isidentifier() for t in expected)
            if suggestion and "NAME" not in expected and expects_keyword:
                self.diagnostics.add(
                    codes.UNKNOWN_KEYWORD,
                    span,
                    f"unknown keyword {found}; did you mean `{suggestion}`?",
                    fix=Fix(title=f"replace with `{suggestion}`", edits=(TextEdit(span=span, new_text=suggestion),)),
                )
                return
        if token.type in _SYNC_TERMINALS and "RBRACE" in expected and self.open_braces:
            opened = self.open_braces[-1]
            self.diagnostics.add(
                codes.UNCLOSED_BLOCK,
                span,
                f"unexpected {found}: expected {described}",
                notes=[Note(message=f"is the block opened on line {opened.line} missing its `}}`?", span=self._token_span(opened))],
            )
            return
        self.diagnostics.add(codes.UNEXPECTED_TOKEN, span, f"unexpected {found}: expected {described}")

    def _too_deep(self) -> None:
        self.diagnostics.add(
            codes.TOO_DEEP,
            self.source.span(0, 0),
            "this file nests expressions too deeply to compile; split the expression with `let`",
        )


def _synthetic(kind: str, text: str, at: Token) -> Token:
    """A zero-width token inserted by recovery, positioned where the offending token starts."""
    start = at.start_pos or 0
    return Token(kind, text, start_pos=start, line=at.line, column=at.column, end_line=at.line, end_column=at.column, end_pos=start)


_names_cache: TerminalNames | None = None


def _terminal_names() -> TerminalNames:
    global _names_cache
    if _names_cache is None:
        _names_cache = TerminalNames(_lark().terminals)
    return _names_cache

