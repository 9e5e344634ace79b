"""Quick fixes: each diagnostic's own `fix` (did you mean, add a lossy note, add the missing
`values` entries, ...), and for an unknown target field (MIG0405) a `create field` declaration
typed from the assigned value.

The declaration goes after the last top-level `create` line, else after the `migration`
header, else at the top of the file.
"""

from __future__ import annotations

import msgspec
from lsprotocol import types

from migc import codes
from migc.diagnostics import Diagnostic, Diagnostics
from migc.lsp.features.diagnostics import to_lsp
from migc.lsp.snapshot import Snapshot
from migc.semantics import types as T
from migc.semantics.expressions import ExpressionChecker, RecordEnv
from migc.semantics.scope import Scope
from migc.syntax import ast


def code_actions(snapshot: Snapshot, range_: types.Range) -> list[types.CodeAction]:
    start, end = snapshot.lines.offsets(range_)
    actions: list[types.CodeAction] = []
    for diagnostic in snapshot.analysis.diagnostics:
        span = diagnostic.span
        if not snapshot.is_own(span) or span.end < start or span.start > end:
            continue
        lsp_diagnostic = to_lsp(snapshot, diagnostic)
        if diagnostic.fix is not None:
            action = _apply_fix(snapshot, diagnostic, lsp_diagnostic)
            if action is not None:
                actions.append(action)
        if diagnostic.code == codes.UNKNOWN_FIELD.id:
            action = declare_field_action(snapshot, diagnostic, lsp_diagnostic)
            if action is not None:
                actions.append(action)
    return actions


def _apply_fix(snapshot: Snapshot, diagnostic: Diagnostic, lsp_diagnostic: types.Diagnostic) -> types.CodeAction | None:
    fix = diagnostic.fix
    edits = [
        types.TextEdit(range=snapshot.range_of(edit.span), new_text=edit.new_text)
        for edit in fix.edits
        if snapshot.is_own(edit.span)
    ]
    if not edits:
        return None
    return types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[lsp_diagnostic],
        edit=types.WorkspaceEdit(changes={snapshot.uri: edits}),
        is_preferred=fix.title.startswith("replace with"),
    )


def declare_field_action(snapshot: Snapshot, diagnostic: Diagnostic, lsp_diagnostic: types.Diagnostic) -> types.CodeAction | None:
    found = _assignment_at(snapshot, diagnostic.span.start)
    if found is None:
        return None
    block, statement = found
    object_name = block.target.text
    field_text = snapshot.text[statement.field.span.start : statement.field.span.end]
    type_text = type_syntax(_value_type(snapshot, block, statement), statement.value)
    declaration = f"create field {object_name}.{field_text}: {type_text}"
    offset, new_text = _insertion(snapshot, declaration)
    edit = types.TextEdit(range=snapshot.lines.range(offset, offset), new_text=new_text)
    return types.CodeAction(
        title=f"declare `{declaration}`",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[lsp_diagnostic],
        edit=types.WorkspaceEdit(changes={snapshot.uri: [edit]}),
    )


def _assignment_at(snapshot: Snapshot, offset: int):
    module = snapshot.module
    if module is None:
        return None
    for node in ast.walk(module):
        if isinstance(node, (ast.MapBlock, ast.ExtendBlock)) and node.span.contains(offset):
            for statement in node.body:
                if isinstance(statement, (ast.Assign, ast.KeyStmt)) and statement.field.span.start == offset:
                    return node, statement
    return None


def _value_type(snapshot: Snapshot, block, statement) -> T.Type:
    value = statement.value
    if isinstance(value, ast.RefLookup):
        return T.Type(kind="lookup", to=tuple(dict.fromkeys(link.target.text for link in value.links)))
    scope = snapshot.analysis.scope
    if scope is None:
        return T.ANY
    # A private copy of the scope: inferring marks symbols used, and the analysis is shared.
    private = Scope()
    private.symbols = {name: msgspec.structs.replace(symbol) for name, symbol in scope.symbols.items()}
    checker = ExpressionChecker(private, Diagnostics(), [])
    objects = snapshot.analysis.source_objects or {}
    view = objects.get(block.source.text)
    summarize = isinstance(block, ast.MapBlock) and block.grouping is not None and block.grouping.kind == "summarize"
    env = RecordEnv(block.source.text, view.field_infos() if view is not None else None, allow_aggregates=summarize)
    for earlier in block.body:
        if earlier is statement:
            break
        if isinstance(earlier, ast.LocalLet):
            env.locals[earlier.name.text] = (checker.infer(earlier.value, env), earlier.name.span)
    return checker.infer(value, env)


def type_syntax(kind: T.Type, value: ast.Node | None = None) -> str:
    """A type as .mig code for `create field`, defaulting to `string` where nothing better is known."""
    name = kind.kind
    if name in ("null", "any", "var", "function", "duration", "size", "json") or name not in T.TYPE_NAMES:
        return "text" if name == "json" else "string"
    if name == "list":
        item = kind.item or T.STRING
        return f"list[{type_syntax(item)}]"
    if name in ("picklist", "multipicklist"):
        if not kind.values:
            return "string"
        quoted = ", ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in kind.values)
        return f"{name}({quoted})"
    if name == "lookup":
        return f"lookup({', '.join(kind.to)})" if kind.to else "string"
    if name in ("string", "text", "tags"):
        literal = isinstance(value, ast.Literal)  # a literal's length says nothing about the field
        return f"{name}({kind.length})" if kind.length is not None and not literal else name
    if name == "decimal" and kind.precision is not None:
        return f"decimal({kind.precision}, {kind.scale or 0})"
    if name == "integer" and kind.digits is not None:
        return f"integer({kind.digits})"
    return name


def _insertion(snapshot: Snapshot, declaration: str) -> tuple[int, str]:
    module = snapshot.module
    items = module.items if module is not None else ()
    creates = [i for i in items if isinstance(i, (ast.CreateField, ast.CreateModule, ast.CreatePicklist))]
    if creates:
        return _line_end(snapshot, creates[-1].span.end), "\n" + declaration
    header = next((i for i in items if isinstance(i, ast.Migration)), None)
    if header is not None:
        return _line_end(snapshot, header.span.end), "\n\n" + declaration
    return 0, declaration + "\n\n"


def _line_end(snapshot: Snapshot, offset: int) -> int:
    end = snapshot.text.find("\n", offset)
    if end == -1:
        return len(snapshot.text)
    return end - 1 if end > 0 and snapshot.text[end - 1] == "\r" else end
