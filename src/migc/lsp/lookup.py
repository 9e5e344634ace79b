"""What the name under the cursor refers to: a `Target` built from the checker's references and
the syntax tree, shared by hover, go to definition, find references and rename.

The checker records every resolved name use (`Analysis.references`); the tree adds what is not a
use: declarations, object names in block headers, imported names, type names and lossy notes.
"""

from __future__ import annotations

import msgspec

from migc.lsp.snapshot import Snapshot
from migc.semantics.program import prelude
from migc.semantics.scope import declarations
from migc.source import Span
from migc.syntax import ast

# Kinds whose identity is a declaration somewhere (so they have references and may be renamed).
DECLARED_KINDS = frozenset({"let", "values", "builtin", "aggregate", "local"})
RENAMEABLE_KINDS = frozenset({"let", "values", "local"})


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """A named thing at a position. `kind`: field, target-field, let, values, builtin, aggregate,
    local, value, source-object, target-object, platform, type, lossy, import-path."""

    kind: str
    name: str
    span: Span  # the occurrence under the cursor
    owner: str = ""  # the object of a field
    definition: Span | None = None  # where it is declared, when the .mig code declares it
    node: ast.Node | None = None  # the node a hover describes (a lossy note, an import)


def target_at(snapshot: Snapshot, offset: int) -> Target | None:
    reference = snapshot.reference_at(offset)
    if reference is not None:
        return Target(kind=reference.kind, name=reference.name, span=reference.span, owner=reference.owner, definition=reference.definition)
    module = snapshot.module
    if module is None:
        return None
    chain = ast.node_at(module, offset)
    if len(chain) < 2:
        return None
    node, parent = chain[-1], chain[-2]
    if isinstance(node, ast.Name):
        return _name_target(snapshot, node, parent, chain)
    if isinstance(node, ast.StringLit):
        return _string_target(node, parent)
    return None


def _name_target(snapshot: Snapshot, name: ast.Name, parent: ast.Node, chain: list[ast.Node]) -> Target | None:
    text, span = name.text, name.span
    if isinstance(parent, (ast.Let, ast.ValuesTable)) and parent.name is name:
        kind = "let" if isinstance(parent, ast.Let) else "values"
        return Target(kind=kind, name=text, span=span, definition=span, node=parent)
    if isinstance(parent, ast.BuiltinDecl) and parent.name is name:
        return Target(kind="aggregate" if parent.aggregate else "builtin", name=text, span=span, definition=parent.span, node=parent)
    if isinstance(parent, ast.LocalLet) and parent.name is name:
        return Target(kind="local", name=text, span=span, definition=span, node=parent)
    if isinstance(parent, (ast.MapBlock, ast.ExtendBlock, ast.RebuildBlock)):
        if parent.source is name:
            return Target(kind="source-object", name=text, span=span)
        if getattr(parent, "target", None) is name:
            return Target(kind="target-object", name=text, span=span)
    if isinstance(parent, ast.RefLookup) and parent.target is name:
        return Target(kind="target-object", name=text, span=span)
    if isinstance(parent, ast.ConsentClause) and parent.subject is name:
        return Target(kind="source-object", name=text, span=span)
    if isinstance(parent, ast.OrderClause):
        return Target(kind="target-object", name=text, span=span)
    if isinstance(parent, (ast.FromClause, ast.ToClause)):
        return Target(kind="platform", name=text, span=span)
    if isinstance(parent, ast.TypeExpr) and parent.name is name:
        return Target(kind="type", name=text, span=span)
    if isinstance(parent, ast.QualifiedName):
        return _qualified_target(name, parent, chain)
    if isinstance(parent, ast.FieldDecl) and parent.name is name and len(chain) >= 3 and isinstance(chain[-3], ast.CreateModule):
        return Target(kind="target-field", name=text, span=span, owner=chain[-3].name.text, definition=parent.span)
    if isinstance(parent, ast.CreateModule) and parent.name is name:
        return Target(kind="target-object", name=text, span=span, definition=parent.span)
    if isinstance(parent, ast.Import):
        return _import_target(snapshot, name, parent)
    return None


def _qualified_target(name: ast.Name, qualified: ast.QualifiedName, chain: list[ast.Node]) -> Target | None:
    holder = chain[-3] if len(chain) >= 3 else None
    source_side = isinstance(holder, ast.ValuesTable) and holder.source is qualified
    if qualified.object is name:
        return Target(kind="source-object" if source_side else "target-object", name=name.text, span=name.span)
    definition = holder.span if isinstance(holder, ast.CreateField) else None
    kind = "field" if source_side else "target-field"
    return Target(kind=kind, name=name.text, span=name.span, owner=qualified.object.text, definition=definition)


def _import_target(snapshot: Snapshot, name: ast.Name, item: ast.Import) -> Target | None:
    declaration = imported_declaration(snapshot, item, name.text)
    if declaration is None:
        return None
    if isinstance(declaration, ast.BuiltinDecl):
        return Target(kind="aggregate" if declaration.aggregate else "builtin", name=name.text, span=name.span, definition=declaration.span, node=declaration)
    kind = "let" if isinstance(declaration, ast.Let) else "values"
    return Target(kind=kind, name=name.text, span=name.span, definition=declaration.name.span, node=declaration)


def imported_declaration(snapshot: Snapshot, item: ast.Import, name: str) -> ast.Let | ast.ValuesTable | ast.BuiltinDecl | None:
    """The declaration an `import name from "file"` brings in."""
    root = snapshot.analysis.program.root
    if root is None:
        return None
    for imported_item, loaded in root.imports:
        if imported_item is item and loaded is not None and loaded.module is not None:
            return next((d for d in declarations(loaded.module) if d.name.text == name), None)
    return None


def imported_file(snapshot: Snapshot, item: ast.Import):
    """The loaded module an `import` refers to (None when it could not be loaded)."""
    root = snapshot.analysis.program.root
    if root is None:
        return None
    return next((loaded for imported_item, loaded in root.imports if imported_item is item), None)


def _string_target(string: ast.StringLit, parent: ast.Node) -> Target | None:
    lossy_holders = (ast.Assign, ast.Drop, ast.Limit, ast.MapBlock)
    if isinstance(parent, lossy_holders) and parent.lossy is string:
        return Target(kind="lossy", name=string.value, span=string.span, node=parent)
    if isinstance(parent, ast.LossyStmt) or (isinstance(parent, ast.Cardinality) and parent.reason is string):
        return Target(kind="lossy", name=string.value, span=string.span, node=parent)
    if isinstance(parent, ast.Import) and parent.path is string:
        return Target(kind="import-path", name=string.value, span=string.span, node=parent)
    return None


def declaration_node(snapshot: Snapshot, target: Target) -> ast.Node | None:
    """The `let`, `values`, builtin or local `let` node a target's definition span belongs to."""
    if target.node is not None and not isinstance(target.node, ast.Import):
        return target.node
    if target.definition is None:
        return None
    module = _module_of(snapshot, target.definition)
    if module is None:
        return None
    wanted = target.definition.start
    for node in ast.walk(module):
        if isinstance(node, (ast.Let, ast.ValuesTable, ast.LocalLet)) and node.name.span.start == wanted:
            return node
        if isinstance(node, ast.BuiltinDecl) and node.span.start == wanted:
            return node
    return None


def _module_of(snapshot: Snapshot, span: Span) -> ast.Module | None:
    if snapshot.is_own(span):
        return snapshot.module
    if span.file == prelude().source.name:
        return prelude().module
    for loaded in snapshot.analysis.program.modules.values():
        if loaded.source.name == span.file:
            return loaded.module
    return None
