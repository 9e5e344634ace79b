"""Completion: keywords by context, objects, source and target fields, builtins with their
signatures, `let`s, values tables, types, platforms, and picklist values.

The cursor's context comes from the text being typed (`migc.lsp.context`); the names come from
the latest analysis of the document, which may be a version or two behind while the user types.
"""

from __future__ import annotations

import re
from functools import cache

from lsprotocol import types

from migc.lsp.context import Block, CursorContext, cursor_context
from migc.lsp.convert import UTF16, LineIndex
from migc.lsp.lexer import keywords
from migc.lsp.snapshot import Snapshot
from migc.resources import stdlib_dir
from migc.semantics import types as T
from migc.semantics.schema_view import FieldView, ObjectView

CK = types.CompletionItemKind
_PLAIN_NAME = re.compile(r"(?!\d)\w+")

TOP_LEVEL_KEYWORDS = ("migration", "import", "let", "values", "create", "object", "map", "extend", "rebuild")
HEADER_KEYWORDS = ("from", "to", "consent", "sample", "delta", "order")
MAP_KEYWORDS = ("key", "let", "drop", "flag", "limit", "note")
OBJECT_KEYWORDS = ("map", "extend", "rebuild", "note")
REBUILD_KEYWORDS = ("list", "note", "flag", "lossy")
EXPRESSION_KEYWORDS = ("if", "then", "else", "and", "or", "not", "in", "true", "false", "null")
AFTER_OPERAND_KEYWORDS = ("and", "or", "not", "in", "as", "then", "else", "lossy")
FIELD_FLAGS = ("required", "unique", "label")


class Completer:
    """Builds the completion list for one request."""

    def __init__(self, snapshot: Snapshot | None, text: str, offset: int, lines: LineIndex | None = None) -> None:
        self.snapshot = snapshot
        self.lines = lines
        self.analysis = snapshot.analysis if snapshot is not None else None
        self.text = text
        self.offset = offset
        self.context: CursorContext = cursor_context(text, offset)
        self.items: dict[str, types.CompletionItem] = {}

    # ------------------------------------------------------------------ entry point

    def complete(self) -> list[types.CompletionItem]:
        context = self.context
        if context.in_comment:
            return []
        if context.string is not None:
            self._in_string()
        else:
            self._in_code()
        return sorted(self.items.values(), key=lambda item: (item.sort_text or "", item.label))

    def _in_code(self) -> None:
        block = self.context.block
        words = self.context.words
        if block is None or block.kind == "object":
            if not words:
                self._keywords(OBJECT_KEYWORDS if block is not None else TOP_LEVEL_KEYWORDS)
                return
            self._top_level_statement(words)
        elif block.kind == "migration":
            self._header_statement(words)
        elif block.kind == "values":
            self._values_statement(block, words)
        elif block.kind in ("map", "extend"):
            self._map_statement(block, words)
        elif block.kind == "rebuild":
            self._rebuild_statement(block, words)
        elif block.kind == "module":
            self._field_declaration(words)

    # ------------------------------------------------------------------ statements

    def _top_level_statement(self, words: list[str]) -> None:
        first, previous = words[0], words[-1]
        if first in ("map", "extend", "rebuild"):
            if len(words) == 1:
                self._objects("source")
            elif previous == "->":
                self._objects("target")
            elif "->" in words and first == "map" and self.context.previous.is_name and words[-2] == "->":
                self._keywords(("merge", "where", "otherwise", "lossy"))
            elif previous in ("where", "by") or "where" in words:
                self._expression(Block(kind="map", source=words[1] if len(words) > 1 else ""))
            elif len(words) == 2 and first == "map":
                self._keywords(("distinct", "summarize"))
            elif len(words) == 2 and first == "rebuild":
                self._keywords(("as",))
        elif first == "values":
            self._qualified_name(words, "from", "source") or self._qualified_name(words, "to", "target")
            if len(words) >= 2 and previous not in ("from", "to", "."):
                self._keywords(("from", "to"))
        elif first == "create":
            self._create(words)
        elif first == "let" and "=" in words:
            self._expression(None)
        elif first == "object" and previous not in ("object", "->"):
            self._keywords(("1:1", "1:many", "lossy"))

    def _create(self, words: list[str]) -> None:
        previous = words[-1]
        if len(words) == 1:
            self._keywords(("module", "field", "picklist"))
        elif len(words) == 2 and words[1] in ("field", "picklist"):
            self._objects("target")
        elif previous == "." and len(words) >= 4 and words[1] == "picklist":
            view = self._target_objects().get(words[-2])
            if view is not None:
                for field in view.fields.values():
                    if field.type.kind in ("picklist", "multipicklist"):
                        self._field(field, view, rank="0")
        elif words[1] == "field" and ":" in words:
            self._after_colon(words)

    def _field_declaration(self, words: list[str]) -> None:
        if ":" in words:
            self._after_colon(words)

    def _after_colon(self, words: list[str]) -> None:
        previous = words[-1]
        if previous in (":", "[", ","):
            self._types()
        elif previous in (")", "]") or (self.context.previous is not None and self.context.previous.is_name and previous in T.TYPE_NAMES) or previous in FIELD_FLAGS:
            self._keywords(FIELD_FLAGS)

    def _header_statement(self, words: list[str]) -> None:
        if not words:
            self._keywords(HEADER_KEYWORDS)
            return
        first, previous = words[0], words[-1]
        if first == "from" and len(words) == 1:
            self._platforms("source")
        elif first == "to" and len(words) == 1:
            self._platforms("target")
        elif first == "consent":
            if len(words) == 1:
                self._add("gdpr", CK.Constant, detail="regulation")
            elif previous == "for":
                self._objects("source")
            elif len(words) == 4 and words[2] == "for":
                self._keywords(("when",))
            elif "when" in words and len(words) > 3:
                self._expression(Block(kind="map", source=words[3]))
            elif len(words) == 2:
                self._keywords(("for",))
        elif first == "delta" and len(words) == 1:
            self._keywords(("window",))
        elif first == "order" and previous in ("order", ","):
            self._objects("target")

    def _values_statement(self, block: Block, words: list[str]) -> None:
        target = self._qualified_field(block.target, "target")
        if not words:
            source = self._qualified_field(block.source, "source")
            if source is not None:
                for value in source.type.values:
                    self._add(f'"{value}"', CK.EnumMember, detail=f"a value of {block.source}", insert=f'"{value}" -> ', rank="0")
            self._keywords(("else",))
            return
        if "->" in words or words[0] == "else":
            previous = words[-1]
            if previous in ("->", "else") and target is not None:
                for value in target.type.values:
                    self._add(f'"{value}"', CK.EnumMember, detail=f"an option of {block.target}", rank="0")
            self._expression(None, extra_names=("value",) if words[0] == "else" else ())

    def _map_statement(self, block: Block, words: list[str]) -> None:
        if not words:
            self._keywords(MAP_KEYWORDS)
            self._target_fields(block.target)
            return
        first, previous = words[0], words[-1]
        if first == "key" and "<-" not in words:
            if len(words) == 1:
                self._target_fields(block.target)
            return
        if first == "drop":
            if previous in ("drop", ","):
                self._source_fields(block.source)
            elif previous == ".":
                self._members(block, self.context.statement)
            return
        if first == "flag":
            if previous == "->":
                self._keywords(("quarantine", "report"))
            elif "when" in words:
                self._expression(block)
            elif len(words) == 2:
                self._keywords(("when",))
            return
        if first == "limit":
            if "per" in words:
                self._expression(block)
            elif len(words) == 2:
                self._keywords(("per",))
            return
        if first == "let":
            if "=" in words:
                self._expression(block)
            return
        if first == "note":
            return
        if "<-" in words:
            if "ref" in words:
                self._ref(block, words)
                return
            self._expression(block)
            if previous == "<-":
                self._keywords(("ref",))

    def _ref(self, block: Block, words: list[str]) -> None:
        # In a chain (`ref A by ... else ref B by ...`) the link being typed is the last one.
        at = len(words) - 1 - words[::-1].index("ref")
        previous = words[-1]
        target_object = words[at + 1] if len(words) > at + 1 else ""
        if previous == "ref":
            self._objects("target")
        elif previous in ("by", "then", "fuzzy"):
            view = self._target_objects().get(target_object)
            if view is not None:
                for field in view.fields.values():
                    self._field(field, view, rank="0" if field.unique else "1")
            if previous != "fuzzy":
                self._keywords(("fuzzy",))
        elif previous == "else":
            self._keywords(("null", "quarantine", "ref"))
            self._expression(block)
        elif len(words) == at + 2:
            self._keywords(("by",))
        else:
            self._expression(block)
            self._keywords(("then", "else"))

    def _rebuild_statement(self, block: Block, words: list[str]) -> None:
        if not words:
            self._keywords(REBUILD_KEYWORDS)
            return
        first, previous = words[0], words[-1]
        if first == "list" and previous in ("list", ","):
            self._source_fields(block.source)
        elif first == "flag" and "when" in words:
            self._expression(block)

    # ------------------------------------------------------------------ expressions

    def _expression(self, block: Block | None, extra_names: tuple[str, ...] = ()) -> None:
        previous = self.context.previous
        text = previous.text if previous is not None else ""
        if text == "|":
            self._functions(block)
            return
        if text == "as":
            self._types()
            return
        if text == ".":
            if block is not None:
                self._members(block, self.context.statement)
            return
        if previous is not None and _ends_operand(previous):
            self._keywords(AFTER_OPERAND_KEYWORDS)
            return
        if block is not None and block.source:
            self._source_fields(block.source)
        for name in self.context.locals:
            self._add(name, CK.Variable, detail="let (this map)", rank="1")
        for name in extra_names:
            self._add(name, CK.Variable, detail="the value being mapped", rank="0")
        self._scope_names(block)
        self._keywords(EXPRESSION_KEYWORDS, rank="8")

    def _scope_names(self, block: Block | None) -> None:
        scope = self.analysis.scope if self.analysis is not None else None
        if scope is None:
            return
        for symbol in scope.symbols.values():
            if symbol.kind == "let":
                self._add(symbol.name, CK.Variable, detail=f"let: {symbol.type}" if symbol.type.kind != "any" else "let", rank="2")
            elif symbol.kind == "values":
                self._add(symbol.name, CK.Enum, detail="values table", rank="2")
        self._functions(block, rank="3")

    def _functions(self, block: Block | None, rank: str = "1") -> None:
        scope = self.analysis.scope if self.analysis is not None else None
        if scope is None:
            return
        summarize = block is not None and block.summarize
        for symbol in scope.symbols.values():
            if symbol.kind == "values":
                self._add(symbol.name, CK.Enum, detail="values table", rank=rank)
            elif symbol.kind in ("builtin", "aggregate") and symbol.signature is not None:
                if symbol.kind == "aggregate" and not summarize:
                    continue
                signature = symbol.signature
                self._add(
                    symbol.name, CK.Function, detail=signature.render(),
                    documentation=signature.doc, rank=rank,
                )

    def _members(self, block: Block, statement: tuple) -> None:
        """`device.` -> the nested members of a source field."""
        if len(statement) < 2 or not statement[-2].is_name:
            return
        view = self._source_objects().get(block.source)
        field = view.fields.get(statement[-2].word) if view is not None else None
        if field is None:
            return
        for name, info in sorted(field.nested.items()):
            self._add(name, CK.Field, detail=str(info.type), documentation=info.doc, rank="0")

    # ------------------------------------------------------------------ strings

    def _in_string(self) -> None:
        context = self.context
        string = context.string
        block = context.block
        words = context.words
        values: tuple[str, ...] = ()
        detail = ""
        if block is not None and block.kind == "values":
            if "->" in words or (words and words[0] == "else"):
                field = self._qualified_field(block.target, "target")
                detail = f"an option of {block.target}"
            else:
                field = self._qualified_field(block.source, "source")
                detail = f"a value of {block.source}"
            values = field.type.values if field is not None else ()
        elif block is not None and block.kind in ("map", "extend") and "<-" in words:
            field_name = words[0] if words[0] != "key" else (words[1] if len(words) > 1 else "")
            view = self._target_objects().get(block.target)
            field = view.fields.get(field_name) if view is not None else None
            if field is not None:
                values = field.type.values
                detail = f"an option of {block.target}.{field.name}"
        elif words and words[0] == "import":
            self._import_paths(string)
            return
        if not values:
            return
        replace = self._string_content_range(string)
        for value in values:
            item = self._add(value, CK.EnumMember, detail=detail, rank="0")
            closing = "" if self.text[self.offset : self.offset + 1] == '"' or replace[2] else '"'
            item.text_edit = types.TextEdit(range=replace[0], new_text=_escape(value) + closing)
            item.filter_text = value

    def _string_content_range(self, string) -> tuple[types.Range, int, bool]:
        """The range of the string's text (after its opening quote, up to its closing quote or the
        end of the line), and whether a closing quote follows."""
        start = string.start + 1
        end = self.offset
        text = self.text
        while end < len(text) and text[end] not in '"\n':
            end += 1
        closed = end < len(text) and text[end] == '"'
        if self.lines is None or self.lines.text is not text:
            encoding = self.snapshot.encoding if self.snapshot is not None else UTF16
            self.lines = LineIndex(text, encoding)
        return self.lines.range(start, end), end, closed

    def _import_paths(self, string) -> None:
        for path in sorted(stdlib_dir().glob("*.mig")):
            if path.stem != "prelude":
                self._add(f"std/{path.name}", CK.File, detail="standard library", rank="0")
        if self.snapshot is not None:
            for path in sorted(self.snapshot.path.parent.glob("*.mig")):
                if path != self.snapshot.path:
                    self._add(path.name, CK.File, detail="beside this file", rank="1")

    # ------------------------------------------------------------------ names from the catalogs

    def _source_objects(self) -> dict[str, ObjectView]:
        return (self.analysis.source_objects if self.analysis is not None else None) or {}

    def _target_objects(self) -> dict[str, ObjectView]:
        return (self.analysis.target_objects if self.analysis is not None else None) or {}

    def _objects(self, side: str) -> None:
        objects = self._source_objects() if side == "source" else self._target_objects()
        for view in objects.values():
            facts = [f"{side} object", f"{len(view.fields)} fields"]
            if view.custom:
                facts.append("custom")
            self._add(view.name, CK.Class, detail=" · ".join(facts), documentation=view.doc or view.label, rank="0")

    def _source_fields(self, object_name: str) -> None:
        view = self._source_objects().get(object_name)
        if view is None:
            return
        for field in view.fields.values():
            self._field(field, view, rank="0")

    def _target_fields(self, object_name: str) -> None:
        view = self._target_objects().get(object_name)
        if view is None:
            return
        for field in view.fields.values():
            if field.read_only:
                continue
            self._field(field, view, rank="0" if field.required else "1")

    def _field(self, field: FieldView, view: ObjectView, rank: str) -> None:
        facts = [str(field.type)]
        if field.required:
            facts.append("required")
        if field.unique:
            facts.append("unique")
        if field.custom:
            facts.append("custom")
        documentation = "\n\n".join(part for part in (field.label if field.label != field.name else "", field.doc) if part)
        self._add(field.name, CK.Field, detail=" · ".join(facts), documentation=documentation, rank=rank)

    def _qualified_name(self, words: list[str], keyword: str, side: str) -> bool:
        """`from Obj.field` in a values header: objects after the keyword, fields after the dot."""
        if words[-1] == keyword:
            self._objects(side)
            return True
        if len(words) >= 3 and words[-1] == "." and words[-3] == keyword:
            objects = self._source_objects() if side == "source" else self._target_objects()
            view = objects.get(words[-2])
            if view is not None:
                for field in view.fields.values():
                    self._field(field, view, rank="0" if field.type.values else "1")
            return True
        return False

    def _qualified_field(self, dotted: str, side: str) -> FieldView | None:
        object_name, _, field_name = dotted.partition(".")
        objects = self._source_objects() if side == "source" else self._target_objects()
        view = objects.get(object_name)
        return view.fields.get(field_name) if view is not None else None

    def _platforms(self, role: str) -> None:
        for name, (label, platform_role) in _platforms().items():
            if platform_role == role:
                self._add(name, CK.Module, detail=f"{label} ({role})", rank="0")

    def _types(self) -> None:
        for name, arguments in T.TYPE_NAMES.items():
            self._add(name, CK.TypeParameter, detail=arguments, rank="0")

    # ------------------------------------------------------------------ items

    def _keywords(self, words, rank: str = "5") -> None:
        for word in words:
            self._add(word, CK.Keyword, rank=rank, quote=False)

    def _add(self, label: str, kind, *, detail: str = "", documentation: str = "", insert: str | None = None, rank: str = "5", quote: bool = True) -> types.CompletionItem:
        existing = self.items.get(label)
        if existing is not None:
            return existing
        text = insert if insert is not None else (_name_text(label) if quote and kind != CK.EnumMember else label)
        item = types.CompletionItem(
            label=label,
            kind=kind,
            detail=detail or None,
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=documentation) if documentation else None,
            insert_text=text if text != label else None,
            sort_text=f"{rank}{label.lower()}",
        )
        self.items[label] = item
        return item


def _ends_operand(token) -> bool:
    if token.is_name:
        return token.text not in keywords() or token.text in ("true", "false", "null")
    return token.kind in ("string", "number", "duration", "size") or token.text in (")", "]")


def _name_text(name: str) -> str:
    """A name as it must be written: backquoted when it is not a plain name or is a keyword."""
    if _PLAIN_NAME.fullmatch(name) and name not in keywords():
        return name
    return f"`{name}`"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@cache
def _platforms() -> dict[str, tuple[str, str]]:
    from migc.catalog import CatalogError, available_platforms, load_catalog

    result = {}
    for name in available_platforms():
        try:
            platform = load_catalog(name).platform
        except CatalogError:
            continue
        result[name] = (platform.label, platform.role)
    return result


def completion(snapshot: Snapshot | None, text: str, offset: int, lines: LineIndex | None = None) -> types.CompletionList:
    """Completions at `offset` of `text` (the current buffer, whose line index `lines` is), using
    `snapshot`'s names."""
    return types.CompletionList(is_incomplete=False, items=Completer(snapshot, text, offset, lines).complete())
