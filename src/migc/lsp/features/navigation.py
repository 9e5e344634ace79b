"""Go to definition and find references: declarations (`let`, `values`, builtins, custom fields
and modules) and every place that uses them, across the files that import them.

A declaration's identity is its file and start offset, so two files that each declare a
`let tags` are never confused. Fields and objects are matched by object and name within the
document, since a catalog field has no declaration in .mig code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lsprotocol import types

from migc.lsp.lookup import DECLARED_KINDS, Target, declaration_node, imported_file, target_at
from migc.lsp.snapshot import Snapshot, path_key, path_to_uri
from migc.semantics.scope import declarations
from migc.source import Span
from migc.syntax import ast

Identity = tuple


def definition(snapshot: Snapshot, position: types.Position) -> list[types.Location]:
    target = target_at(snapshot, snapshot.offset_at(position))
    if target is None:
        return []
    if target.kind == "import-path":
        loaded = imported_file(snapshot, target.node) if isinstance(target.node, ast.Import) else None
        if loaded is None:
            return []
        start = types.Position(line=0, character=0)
        return [types.Location(uri=path_to_uri(Path(loaded.key)), range=types.Range(start=start, end=start))]
    span = definition_span(snapshot, target)
    if span is None:
        return []
    location = snapshot.location(span)
    return [location] if location is not None else []


def definition_span(snapshot: Snapshot, target: Target) -> Span | None:
    if target.definition is not None:
        return target.definition
    if target.kind == "target-object":
        objects = snapshot.analysis.target_objects or {}
        view = objects.get(target.name)
        return view.declared_at if view is not None else None
    if target.kind == "target-field":
        objects = snapshot.analysis.target_objects or {}
        view = objects.get(target.owner)
        field = view.fields.get(target.name) if view else None
        return field.declared_at if field is not None else None
    return None


def identity(snapshot: Snapshot, target: Target) -> Identity | None:
    """What makes two occurrences the same symbol."""
    if target.kind in DECLARED_KINDS and target.definition is not None:
        path = snapshot.file_of(target.definition)
        if path is None:
            return None
        group = "local" if target.kind == "local" else "builtin" if target.kind in ("builtin", "aggregate") else "decl"
        return (group, path_key(path), target.definition.start)
    if target.kind in ("field", "target-field"):
        return (target.kind, target.owner, target.name)
    if target.kind in ("source-object", "target-object"):
        return (target.kind, target.name)
    return None


def occurrences(snapshot: Snapshot, wanted: Identity) -> list[tuple[Span, bool]]:
    """Every (span, is_declaration) of a symbol in one analysed document."""
    found: dict[tuple[int, int], bool] = {}
    for reference in snapshot.references:
        target = Target(kind=reference.kind, name=reference.name, span=reference.span, owner=reference.owner, definition=reference.definition)
        if identity(snapshot, target) == wanted:
            found.setdefault((reference.span.start, reference.span.end), False)
    module = snapshot.module
    if module is not None:
        for span, is_declaration in _tree_occurrences(snapshot, module, wanted):
            key = (span.start, span.end)
            found[key] = found.get(key, False) or is_declaration
    spans = {(s.start, s.end): s for s in _spans(snapshot, module, found)}
    return [(spans[key], found[key]) for key in sorted(found) if key in spans]


def _spans(snapshot: Snapshot, module: ast.Module | None, found: dict) -> Iterable[Span]:
    for reference in snapshot.references:
        if (reference.span.start, reference.span.end) in found:
            yield reference.span
    if module is not None:
        for node in ast.walk(module):
            if isinstance(node, ast.Name) and (node.span.start, node.span.end) in found:
                yield node.span


def _tree_occurrences(snapshot: Snapshot, module: ast.Module, wanted: Identity) -> Iterable[tuple[Span, bool]]:
    group = wanted[0]
    own = path_key(snapshot.path)
    if group in ("decl", "builtin", "local"):
        _, path, start = wanted
        if path == own:
            for node in ast.walk(module):
                if isinstance(node, (ast.Let, ast.ValuesTable, ast.LocalLet)) and node.name.span.start == start:
                    yield node.name.span, True
                elif isinstance(node, ast.BuiltinDecl) and node.span.start == start:
                    yield node.name.span, True
        if group == "local":
            return
        root = snapshot.analysis.program.root
        for item, loaded in (root.imports if root is not None else ()):
            if loaded is None or loaded.module is None or path_key_of(loaded.key) != path:
                continue
            for declaration in declarations(loaded.module):
                declared_at = declaration.span.start if isinstance(declaration, ast.BuiltinDecl) else declaration.name.span.start
                if declared_at == start:
                    for name in item.names:
                        if name.text == declaration.name.text:
                            yield name.span, False
        return
    if group in ("field", "target-field"):
        _, owner, field = wanted
        for node in ast.walk(module):
            if group == "target-field" and isinstance(node, ast.CreateField) and node.target.dotted == f"{owner}.{field}":
                yield node.target.field.span, True
            elif group == "target-field" and isinstance(node, ast.CreateModule) and node.name.text == owner:
                for decl in node.fields:
                    if decl.name.text == field:
                        yield decl.name.span, True
        return
    if group in ("source-object", "target-object"):
        _, name = wanted
        for node, holder_kind in _object_names(module):
            if holder_kind == group and node.text == name:
                yield node.span, False


def _object_names(module: ast.Module) -> Iterable[tuple[ast.Name, str]]:
    for node in ast.walk(module):
        if isinstance(node, (ast.MapBlock, ast.ExtendBlock)):
            yield node.source, "source-object"
            yield node.target, "target-object"
        elif isinstance(node, ast.RebuildBlock):
            yield node.source, "source-object"
        elif isinstance(node, ast.RefLookup):
            yield node.target, "target-object"
        elif isinstance(node, ast.ValuesTable):
            if node.source is not None:
                yield node.source.object, "source-object"
            if node.target is not None:
                yield node.target.object, "target-object"
        elif isinstance(node, (ast.CreateField, ast.CreatePicklist)):
            yield node.target.object, "target-object"
        elif isinstance(node, ast.CreateModule):
            yield node.name, "target-object"
        elif isinstance(node, ast.OrderClause):
            for name in node.objects:
                yield name, "target-object"
        elif isinstance(node, ast.ConsentClause):
            yield node.subject, "source-object"


def path_key_of(key: str) -> str:
    return path_key(Path(key))


def references(snapshot: Snapshot, position: types.Position, include_declaration: bool, others: Iterable[Snapshot] = ()) -> list[types.Location]:
    """Every use of the symbol at `position`: in this document and, for declarations other files
    can import, in `others` (analyses of the workspace files that mention its name)."""
    target = target_at(snapshot, snapshot.offset_at(position))
    if target is None:
        return []
    wanted = identity(snapshot, target)
    if wanted is None:
        return []
    documents = [snapshot]
    if wanted[0] in ("decl", "builtin"):
        documents += [s for s in others if path_key(s.path) != path_key(snapshot.path)]
    locations: list[types.Location] = []
    seen: set[tuple[str, int, int]] = set()
    for document in documents:
        for span, is_declaration in occurrences(document, wanted):
            if is_declaration and not include_declaration:
                continue
            location = document.location(span)
            if location is None:
                continue
            key = (location.uri, location.range.start.line, location.range.start.character)
            if key not in seen:
                seen.add(key)
                locations.append(location)
    if include_declaration and wanted[0] in ("decl", "builtin") and target.definition is not None:
        location = _declaration_location(snapshot, target)
        if location is not None:
            key = (location.uri, location.range.start.line, location.range.start.character)
            if key not in seen:
                locations.append(location)
    return sorted(locations, key=lambda l: (l.uri, l.range.start.line, l.range.start.character))


def _declaration_location(snapshot: Snapshot, target: Target) -> types.Location | None:
    """The declared name (not the whole declaration) of a `let`, `values` or builtin."""
    node = declaration_node(snapshot, target)
    name = getattr(node, "name", None)
    if isinstance(name, ast.Name):
        return snapshot.location(name.span)
    return snapshot.location(target.definition) if target.definition is not None else None
