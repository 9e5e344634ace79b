"""Hover: what the name under the cursor is, from the catalogs and the checker's scope.

Fields show their type, length, flags, picklist options and catalog doc; builtins their
signature and doc; `let`s and `values` tables their declaration; a lossy note what the lossy
report will say about it.
"""

from __future__ import annotations

from lsprotocol import types

from migc.formatter import format_expr
from migc.lsp.lookup import Target, declaration_node, imported_file, target_at
from migc.lsp.snapshot import Snapshot
from migc.semantics import types as T
from migc.semantics.schema_view import FieldView, ObjectView
from migc.semantics.scope import signature_of
from migc.syntax import ast

MAX_LISTED_VALUES = 40
MAX_EXPRESSION = 300


def hover(snapshot: Snapshot, position: types.Position) -> types.Hover | None:
    target = target_at(snapshot, snapshot.offset_at(position))
    if target is None:
        return None
    text = describe(snapshot, target)
    if not text:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=snapshot.range_of(target.span),
    )


def describe(snapshot: Snapshot, target: Target) -> str:
    """Markdown describing a target; empty when there is nothing to say."""
    describer = _DESCRIBERS.get(target.kind)
    return describer(snapshot, target) if describer else ""


# ---------------------------------------------------------------------------- fields and objects


def _source_field(snapshot: Snapshot, target: Target) -> str:
    objects = snapshot.analysis.source_objects or {}
    view = objects.get(target.owner)
    head, _, member = target.name.partition(".")
    field = view.fields.get(head) if view else None
    platform = _platform(snapshot, "source")
    if field is not None and member:
        info = field.nested.get(member)
        if info is None:
            return _code(f"{target.owner}.{target.name}") + "\n\nA member of a source field."
        lines = [_code(f"{target.owner}.{target.name}: {info.type}"), f"Member of `{head}`, a field of `{target.owner}`{platform}."]
        if info.pii:
            lines.append("Personal data.")
        if info.doc:
            lines.append(info.doc)
        lines.extend(_options(info.type))
        return "\n\n".join(lines)
    if field is None:
        return _code(f"{target.owner}.{target.name}") + f"\n\nA field of `{target.owner}`{platform} (not in its catalog: untyped)."
    return _field_text(field, target.owner, f"Source field of `{target.owner}`{platform}.")


def _target_field(snapshot: Snapshot, target: Target) -> str:
    objects = snapshot.analysis.target_objects or {}
    view = objects.get(target.owner)
    field = view.fields.get(target.name) if view else None
    platform = _platform(snapshot, "target")
    if field is None:
        return _code(f"{target.owner}.{target.name}") + f"\n\nNot a field of `{target.owner}`{platform}."
    where = f"Target field of `{target.owner}`{platform}"
    if field.declared_at is not None:
        where += f", declared with `create field` on line {field.declared_at.line}" if snapshot.is_own(field.declared_at) else ", declared with `create`"
    return _field_text(field, target.owner, where + ".")


def _field_text(field: FieldView, owner: str, where: str) -> str:
    flags = [flag for flag, on in (
        ("required", field.required), ("unique", field.unique), ("read-only", field.read_only),
        ("custom", field.custom), ("personal data", field.pii),
    ) if on]
    lines = [_code(f"{owner}.{field.name}: {field.type}"), where]
    facts = []
    if field.type.length is not None:
        facts.append(f"at most {field.type.length} characters")
    if field.type.kind == "decimal" and field.type.precision is not None:
        facts.append(f"{field.type.precision} digits, {field.type.scale or 0} after the point")
    if field.type.kind == "integer" and field.type.digits is not None:
        facts.append(f"at most {field.type.digits} digits")
    facts.extend(flags)
    if facts:
        lines.append(" · ".join(facts))
    if field.label and field.label != field.name:
        lines.append(f"Label: {field.label}")
    if field.doc:
        lines.append(field.doc)
    if field.type_field:
        values = ", ".join(f'{target} `"{value}"`' for target, value in field.type_values.items())
        lines.append(f"A `ref` filling it sets `{field.type_field}` from the object it finds: {values}.")
    lines.extend(_options(field.type))
    return "\n\n".join(lines)


def _options(kind: T.Type) -> list[str]:
    if not kind.values:
        return []
    shown = ", ".join(f'`"{v}"`' for v in kind.values[:MAX_LISTED_VALUES])
    more = f" and {len(kind.values) - MAX_LISTED_VALUES} more" if len(kind.values) > MAX_LISTED_VALUES else ""
    return [f"Options: {shown}{more}"]


def _object(snapshot: Snapshot, target: Target) -> str:
    side = "source" if target.kind == "source-object" else "target"
    objects = (snapshot.analysis.source_objects if side == "source" else snapshot.analysis.target_objects) or {}
    view = objects.get(target.name)
    platform = _platform(snapshot, side)
    if view is None:
        return _code(target.name) + f"\n\nNot an object of the {side}{platform}."
    return _object_text(view, side, platform)


def _object_text(view: ObjectView, side: str, platform: str) -> str:
    lines = [_code(f"{view.name}  # {len(view.fields)} fields"), f"{side.capitalize()} object{platform}" + (f": {view.label}" if view.label and view.label != view.name else "") + "."]
    facts = []
    if view.custom:
        facts.append("custom module")
    if view.preexisting:
        facts.append("its records already exist in the account")
    if side == "target" and not view.loadable and not view.preexisting:
        facts.append("the API cannot create its records")
    if facts:
        lines.append(" · ".join(facts))
    if view.doc:
        lines.append(view.doc)
    required = sorted(name for name, f in view.fields.items() if f.required and not f.read_only)
    if side == "target" and required:
        lines.append("Required: " + ", ".join(f"`{name}`" for name in required))
    return "\n\n".join(lines)


def _platform(snapshot: Snapshot, side: str) -> str:
    catalog = snapshot.analysis.source_catalog if side == "source" else snapshot.analysis.target_catalog
    return f" ({catalog.platform.label})" if catalog is not None and catalog.platform.label else ""


def _platform_text(snapshot: Snapshot, target: Target) -> str:
    for catalog in (snapshot.analysis.source_catalog, snapshot.analysis.target_catalog):
        if catalog is not None and catalog.platform.name == target.name:
            objects = ", ".join(f"`{name}`" for name in sorted(catalog.objects)[:30])
            return _code(target.name) + f"\n\n{catalog.platform.label}, a {catalog.platform.role} platform.\n\nObjects: {objects}"
    return ""


# ---------------------------------------------------------------------------- declarations


def _builtin(snapshot: Snapshot, target: Target) -> str:
    symbol = snapshot.analysis.scope.get(target.name) if snapshot.analysis.scope else None
    signature = symbol.signature if symbol is not None and symbol.signature is not None else None
    if signature is None:
        node = declaration_node(snapshot, target)
        signature = signature_of(node) if isinstance(node, ast.BuiltinDecl) else None
    if signature is None:
        return ""
    lines = [_code(("aggregate " if signature.aggregate else "") + signature.render())]
    if signature.doc:
        lines.append(signature.doc)
    if signature.aggregate:
        lines.append("An aggregate: it reads a group of records, so it works only in `map ... summarize by ...`.")
    return "\n\n".join(lines)


def _let(snapshot: Snapshot, target: Target) -> str:
    node = declaration_node(snapshot, target)
    symbol = snapshot.analysis.scope.get(target.name) if snapshot.analysis.scope else None
    kind = f": {symbol.type}" if symbol is not None and symbol.kind == "let" and symbol.type.kind != "any" else ""
    value = _expression(node.value) if isinstance(node, (ast.Let, ast.LocalLet)) else "…"
    lines = [_code(f"let {target.name}{kind} = {value}")]
    if target.kind == "local":
        lines.append("A `let` local to this map.")
    elif target.definition is not None and not snapshot.is_own(target.definition):
        lines.append(f"Imported from `{target.definition.file}`.")
    return "\n\n".join(lines)


def _values(snapshot: Snapshot, target: Target) -> str:
    node = declaration_node(snapshot, target)
    if not isinstance(node, ast.ValuesTable):
        return _code(f"values {target.name}")
    header = f"values {node.name.text}"
    if node.source is not None:
        header += f" from {node.source.dotted}"
    if node.target is not None:
        header += f" to {node.target.dotted}"
    symbol = snapshot.analysis.scope.get(target.name) if snapshot.analysis.scope else None
    lines = [_code(header)]
    if symbol is not None and symbol.kind == "values" and symbol.type.kind != "any":
        lines.append(f"A values table: maps one value to {symbol.type}.")
    rows = []
    for entry in node.entries[:12]:
        keys = ", ".join(key.text for key in entry.keys)
        rows.append(f"{keys} -> {_expression(entry.value)}")
    if len(node.entries) > 12:
        rows.append(f"… {len(node.entries) - 12} more")
    if node.default is not None:
        rows.append(f"else {_expression(node.default)}")
    if rows:
        lines.append("```mig\n" + "\n".join(rows) + "\n```")
    if target.definition is not None and not snapshot.is_own(target.definition):
        lines.append(f"Imported from `{target.definition.file}`.")
    return "\n\n".join(lines)


def _value(snapshot: Snapshot, target: Target) -> str:
    return _code("value") + "\n\nThe source value a `values` table's `else` maps."


def _type(snapshot: Snapshot, target: Target) -> str:
    meaning = T.TYPE_NAMES.get(target.name)
    return _code(target.name) + (f"\n\nA .mig type; arguments: {meaning}." if meaning else "")


def _lossy(snapshot: Snapshot, target: Target) -> str:
    model = snapshot.analysis.model
    point = None
    if model is not None:
        point = next((p for p in model.lossy if p.span.start == target.span.start or (p.kind == "rebuild" and p.span.contains(target.span.start))), None)
    lines = [f"**Lossy:** {target.name}"]
    if point is not None:
        what = {
            "object": f"the object row \"{point.row}\"",
            "field": f"`{point.target}.{point.field}`",
            "drop": f"the dropped source field `{point.source}.{point.field}`",
            "limit": f"records of `{point.source} -> {point.target}` beyond the limit",
            "rebuild": f"`{point.source}`, rebuilt as {point.target}",
        }[point.kind]
        lines.append(f"The lossy report lists this note for {what}.")
    else:
        lines.append("This note goes into the lossy report.")
    return "\n\n".join(lines)


def _import_path(snapshot: Snapshot, target: Target) -> str:
    loaded = imported_file(snapshot, target.node) if isinstance(target.node, ast.Import) else None
    if loaded is None:
        return f'`"{target.name}"`: the file could not be loaded.'
    names = []
    if loaded.module is not None:
        names = [d.name.text for d in loaded.module.items if isinstance(d, (ast.Let, ast.ValuesTable, ast.BuiltinDecl))]
    shown = ", ".join(f"`{n}`" for n in names[:30]) or "nothing"
    return f"`{loaded.key}`\n\nDeclares {shown}."


def _expression(node: ast.Node | None) -> str:
    if node is None:
        return "…"
    try:
        text = format_expr(node)
    except RecursionError:  # an absurdly deep expression: the hover still names the declaration
        return "…"
    return text if len(text) <= MAX_EXPRESSION else text[: MAX_EXPRESSION - 1] + "…"


def _code(text: str) -> str:
    return f"```mig\n{text}\n```"


_DESCRIBERS = {
    "field": _source_field,
    "target-field": _target_field,
    "source-object": _object,
    "target-object": _object,
    "platform": _platform_text,
    "builtin": _builtin,
    "aggregate": _builtin,
    "let": _let,
    "local": _let,
    "values": _values,
    "value": _value,
    "type": _type,
    "lossy": _lossy,
    "import-path": _import_path,
}
