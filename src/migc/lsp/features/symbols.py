"""Document symbols (the outline: header, object rows with their maps, rebuilds, declarations)
and workspace symbols (the top-level declarations and blocks of every .mig file)."""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types

from migc.lsp.snapshot import Snapshot
from migc.syntax import ast

K = types.SymbolKind


def document_symbols(snapshot: Snapshot) -> list[types.DocumentSymbol]:
    module = snapshot.module
    if module is None:
        return []
    return [symbol for item in module.items for symbol in _item(snapshot, item)]


def _symbol(snapshot: Snapshot, name: str, kind: K, node: ast.Node, selection: ast.Node, detail: str = "", children: list | None = None) -> types.DocumentSymbol:
    whole = snapshot.range_of(node.span)
    chosen = snapshot.range_of(selection.span)
    # The selection must lie inside the range; recovered trees can have odd spans.
    if (chosen.start.line, chosen.start.character) < (whole.start.line, whole.start.character) or (
        (chosen.end.line, chosen.end.character) > (whole.end.line, whole.end.character)
    ):
        chosen = whole
    return types.DocumentSymbol(
        name=name or "?", kind=kind, range=whole, selection_range=chosen, detail=detail or None, children=children or None,
    )


def _item(snapshot: Snapshot, item: ast.Node) -> Iterable[types.DocumentSymbol]:
    if isinstance(item, ast.Migration):
        source = item.clause(ast.FromClause)
        target = item.clause(ast.ToClause)
        detail = f"{source.platform.text if source else '?'} -> {target.platform.text if target else '?'}"
        children = [_symbol(snapshot, _clause_name(c), K.Property, c, c) for c in item.clauses]
        yield _symbol(snapshot, f"migration {item.name.text}", K.Module, item, item.name, detail, children)
    elif isinstance(item, ast.Import):
        names = ", ".join(n.text for n in item.names) or "*"
        yield _symbol(snapshot, f'import "{item.path.value}"', K.Package, item, item.path, names)
    elif isinstance(item, ast.Let):
        yield _symbol(snapshot, item.name.text, K.Variable, item, item.name, "let")
    elif isinstance(item, ast.ValuesTable):
        detail = " ".join(part for part in (
            f"from {item.source.dotted}" if item.source else "", f"to {item.target.dotted}" if item.target else "",
        ) if part)
        entries = [
            _symbol(snapshot, ", ".join(k.text for k in entry.keys), K.EnumMember, entry, entry)
            for entry in item.entries
        ]
        yield _symbol(snapshot, item.name.text, K.Enum, item, item.name, detail or "values", entries)
    elif isinstance(item, ast.CreateModule):
        fields = [_symbol(snapshot, d.name.text, K.Field, d, d.name, "field") for d in item.fields]
        yield _symbol(snapshot, item.name.text, K.Class, item, item.name, "create module", fields)
    elif isinstance(item, ast.CreateField):
        yield _symbol(snapshot, item.target.dotted, K.Field, item, item.target, "create field")
    elif isinstance(item, ast.CreatePicklist):
        yield _symbol(snapshot, item.target.dotted, K.Enum, item, item.target, "create picklist")
    elif isinstance(item, ast.ObjectBlock):
        children = [symbol for inner in item.items for symbol in _item(snapshot, inner)]
        detail = f"-> {item.target_label.value} ({item.cardinality.kind})"
        yield _symbol(snapshot, item.label.value, K.Namespace, item, item.label, detail, children)
    elif isinstance(item, ast.MapBlock):
        yield _map(snapshot, item, "map")
    elif isinstance(item, ast.ExtendBlock):
        yield _map(snapshot, item, "extend")
    elif isinstance(item, ast.RebuildBlock):
        yield _symbol(snapshot, f"rebuild {item.source.text}", K.Interface, item, item.source, f"as {item.destination.value}")
    elif isinstance(item, ast.BuiltinDecl):
        yield _symbol(snapshot, item.name.text, K.Function, item, item.name, "aggregate" if item.aggregate else "builtin")
    elif isinstance(item, ast.NoteStmt):
        return


def _map(snapshot: Snapshot, block: ast.MapBlock | ast.ExtendBlock, word: str) -> types.DocumentSymbol:
    children = []
    for statement in block.body:
        if isinstance(statement, ast.KeyStmt):
            children.append(_symbol(snapshot, statement.field.text, K.Key, statement, statement.field, "key"))
        elif isinstance(statement, ast.Assign):
            children.append(_symbol(snapshot, statement.field.text, K.Field, statement, statement.field, "<-"))
        elif isinstance(statement, ast.LocalLet):
            children.append(_symbol(snapshot, statement.name.text, K.Variable, statement, statement.name, "let"))
    detail = ""
    if isinstance(block, ast.MapBlock):
        detail = " ".join(part for part in (
            block.grouping.kind if block.grouping else "", "merge" if block.merge else "", block.route.kind if block.route else "",
        ) if part)
    return _symbol(snapshot, f"{word} {block.source.text} -> {block.target.text}", K.Struct, block, block.target, detail, children)


def _clause_name(clause: ast.Node) -> str:
    if isinstance(clause, ast.FromClause):
        return f"from {clause.platform.text}"
    if isinstance(clause, ast.ToClause):
        return f"to {clause.platform.text}"
    if isinstance(clause, ast.ConsentClause):
        return f"consent {clause.regulation.text} for {clause.subject.text}"
    if isinstance(clause, ast.SampleClause):
        return f"sample {clause.size}"
    if isinstance(clause, ast.DeltaClause):
        return f"delta window {clause.window.text}"
    if isinstance(clause, ast.OrderClause):
        return "order " + ", ".join(n.text for n in clause.objects)
    return type(clause).__name__


# ---------------------------------------------------------------------------- workspace symbols


def workspace_symbols(snapshots: Iterable[Snapshot], query: str) -> list[types.WorkspaceSymbol]:
    """Top-level symbols of every given document whose name matches `query` (a case-insensitive
    subsequence, as editors filter), sorted by name then file."""
    result = []
    for snapshot in snapshots:
        for symbol in document_symbols(snapshot):
            candidates = [symbol] + ((symbol.children or []) if symbol.kind == K.Namespace else [])
            for candidate in candidates:
                if _matches(query, candidate.name):
                    result.append(types.WorkspaceSymbol(
                        name=candidate.name,
                        kind=candidate.kind,
                        location=types.Location(uri=snapshot.uri, range=candidate.selection_range),
                        container_name=symbol.name if candidate is not symbol else None,
                    ))
    return sorted(result, key=lambda s: (s.name.lower(), s.location.uri, s.location.range.start.line))


def _matches(query: str, name: str) -> bool:
    letters = iter(name.lower())
    return all(char in letters for char in query.lower() if not char.isspace())
