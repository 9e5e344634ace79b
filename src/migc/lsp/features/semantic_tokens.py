"""Semantic tokens for the whole document: keywords, types, objects, functions, variables,
fields (properties), strings, numbers, comments and operators.

Words are classified by what they mean, not how they look: the checker's references and the
syntax tree say whether `order` is a keyword or a field named `order`. Names the checker could
not resolve get no token, so the TextMate grammar's colour shows through.
"""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.lexer import LITERAL_WORDS, keywords, tokenize
from migc.lsp.snapshot import Snapshot
from migc.syntax import ast

TOKEN_TYPES = (
    "namespace", "type", "class", "function", "parameter", "variable", "property",
    "keyword", "string", "number", "comment", "operator",
)
TOKEN_MODIFIERS = ("declaration", "readonly", "defaultLibrary")
LEGEND = types.SemanticTokensLegend(token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS))

_TYPE = {name: index for index, name in enumerate(TOKEN_TYPES)}
_DECLARATION, _READONLY, _LIBRARY = 1, 2, 4

_REFERENCE_CLASS = {
    "field": ("property", 0),
    "target-field": ("property", 0),
    "let": ("variable", _READONLY),
    "local": ("variable", 0),
    "values": ("function", 0),
    "builtin": ("function", _LIBRARY),
    "aggregate": ("function", _LIBRARY),
    "value": ("parameter", 0),
}
_LEXICAL_CLASS = {
    "comment": "comment", "string": "string", "number": "number", "duration": "number",
    "size": "number", "cardinality": "number", "operator": "operator",
}


def semantic_tokens(snapshot: Snapshot) -> types.SemanticTokens:
    names = name_classes(snapshot)
    keyword_set = keywords()
    data: list[int] = []
    previous_line = previous_start = 0
    lines = snapshot.lines
    for token in tokenize(snapshot.text):
        if token.is_name:
            found = names.get(token.start)
            if found is None:
                if token.kind == "name" and (token.text in keyword_set or token.text in LITERAL_WORDS):
                    found = ("keyword", 0)
                else:
                    continue
            kind, modifiers = found
        else:
            kind = _LEXICAL_CLASS.get(token.kind)
            if kind is None:
                continue
            modifiers = 0
        position = lines.position(token.start)
        length = lines.units(token.text)
        delta_line = position.line - previous_line
        delta_start = position.character - previous_start if delta_line == 0 else position.character
        data.extend((delta_line, delta_start, length, _TYPE[kind], modifiers))
        previous_line, previous_start = position.line, position.character
    return types.SemanticTokens(data=data)


def name_classes(snapshot: Snapshot) -> dict[int, tuple[str, int]]:
    """The class of every name the tree or the checker knows, by start offset."""
    classes: dict[int, tuple[str, int]] = {}
    module = snapshot.module
    if module is not None:
        _classify_tree(module, classes)
    for reference in snapshot.references:
        found = _REFERENCE_CLASS.get(reference.kind)
        if found is not None:
            classes[reference.span.start] = found
    return classes


def _classify_tree(module: ast.Module, classes: dict[int, tuple[str, int]]) -> None:
    def mark(name: ast.Name | None, kind: str, modifiers: int = 0) -> None:
        if name is not None:
            classes[name.span.start] = (kind, modifiers)

    for node in ast.walk(module):
        if isinstance(node, ast.Migration):
            mark(node.name, "namespace", _DECLARATION)
        elif isinstance(node, (ast.FromClause, ast.ToClause)):
            mark(node.platform, "namespace")
        elif isinstance(node, ast.ConsentClause):
            mark(node.regulation, "namespace")
            mark(node.subject, "class")
        elif isinstance(node, ast.OrderClause):
            for name in node.objects:
                mark(name, "class")
        elif isinstance(node, ast.Import):
            for name in node.names:
                mark(name, "variable")
        elif isinstance(node, ast.Let):
            mark(node.name, "variable", _DECLARATION | _READONLY)
        elif isinstance(node, ast.LocalLet):
            mark(node.name, "variable", _DECLARATION)
        elif isinstance(node, ast.ValuesTable):
            mark(node.name, "function", _DECLARATION)
        elif isinstance(node, ast.QualifiedName):
            mark(node.object, "class")
            mark(node.field, "property")
        elif isinstance(node, ast.CreateModule):
            mark(node.name, "class", _DECLARATION)
        elif isinstance(node, ast.FieldDecl):
            mark(node.name, "property", _DECLARATION)
        elif isinstance(node, ast.TypeExpr):
            mark(node.name, "type")
            for argument in node.args:
                if isinstance(argument, ast.Name):
                    mark(argument, "class")
        elif isinstance(node, ast.BuiltinDecl):
            mark(node.name, "function", _DECLARATION | _LIBRARY)
        elif isinstance(node, ast.Param):
            mark(node.name, "parameter", _DECLARATION)
        elif isinstance(node, (ast.MapBlock, ast.ExtendBlock)):
            mark(node.source, "class")
            mark(node.target, "class")
        elif isinstance(node, ast.RebuildBlock):
            mark(node.source, "class")
        elif isinstance(node, ast.RefLookup):
            mark(node.target, "class")
        elif isinstance(node, ast.RefMatch):
            mark(node.field, "property")
        elif isinstance(node, (ast.KeyStmt, ast.Assign)):
            mark(node.field, "property")
        elif isinstance(node, ast.Path):
            for part in node.parts:
                mark(part, "property")
        elif isinstance(node, (ast.Call, ast.Pipe)):
            mark(node.function, "function")
        elif isinstance(node, ast.Member):
            mark(node.name, "property")
