"""The rules of one `map` block (with the `extend` blocks that add to it) against both catalogs.

Checks that the target object and fields exist and accept writes, that each value's type fits
its field (or is coerced), that it cannot overflow the field, that picklist values are allowed,
that refs point at objects loaded first or already present and match by a unique key, that
every required field is set, and that every loss (a drop, a limit, a narrowing) is acknowledged
with a `lossy` note. Produces the `MapInfo` the later stages use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import msgspec

from migc import codes
from migc.diagnostics import Diagnostic, Diagnostics, Fix, Note, TextEdit
from migc.semantics import types as T
from migc.semantics.expressions import ExpressionChecker, FieldInfo, NameTrace, Reference, RecordEnv
from migc.semantics.model import FieldProgram, LossyPoint, MapInfo, RefEdge, RefLink
from migc.semantics.schema_view import FieldView, ObjectView
from migc.semantics.scope import Scope, close_matches, resolve_type
from migc.semantics.traversal import expression_nodes
from migc.source import Span
from migc.syntax import ast

# Builtins that never return null (documented in stdlib/prelude.mig).
_NEVER_NULL = frozenset({"json", "count", "collect"})
# Builtins whose result is bounded by an argument: (position of the bound, its default).
_LENGTH_BOUNDING = {"truncate": (1, None), "normalize_tag": (1, 25)}


@dataclass
class MapContext:
    """What every map check needs: the scope, both schemas, and what other maps load."""

    scope: Scope
    exprs: ExpressionChecker
    diagnostics: Diagnostics
    references: list[Reference]
    sources: dict[str, ObjectView] | None  # None: the source catalog is unknown
    targets: dict[str, ObjectView] | None
    loaded_keys: dict[str, set[str]] = field(default_factory=dict)  # target object -> key fields
    creating_keys: dict[str, set[str]] = field(default_factory=dict)  # the same, for maps that create
    collapsing_tables: set[str] = field(default_factory=set)
    lossy: list[LossyPoint] = field(default_factory=list)
    edges: list[RefEdge] = field(default_factory=list)
    used_fields: dict[str, set[str]] = field(default_factory=dict)
    dropped_fields: dict[str, set[str]] = field(default_factory=dict)
    pii_reads: list[tuple[str, str]] = field(default_factory=list)  # (source object, field), in reading order
    # Per-object facts every map into (or out of) the object needs. Computed on first use: every
    # `create` that adds fields or options to a view is applied before the first map is checked.
    _field_infos: dict[str, dict[str, FieldInfo]] = field(default_factory=dict)
    _required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _personal: dict[str, frozenset[str]] = field(default_factory=dict)

    @cached_property
    def values_tables(self) -> frozenset[str]:
        """The names of the values tables in scope (complete before the first map is checked)."""
        return frozenset(name for name, symbol in self.scope.symbols.items() if symbol.kind == "values")

    def absorb(self, effects: MapEffects, *, replayed: bool = False, references: bool = True) -> None:
        """Adds one map's effects. `replayed`: they come from an earlier check, so the scope's
        `let`s and values tables it used are marked used here (a fresh check marked them).
        `references=False`: the caller adds the name uses itself (see `incremental.py`)."""
        self.diagnostics.extend(effects.diagnostics)
        if references:
            self.references.extend(effects.references)
        self.lossy.extend(effects.lossy)
        self.edges.extend(effects.edges)
        self.pii_reads.extend(effects.pii_reads)
        for name, fields in effects.used_fields:
            self.used_fields.setdefault(name, set()).update(fields)
        for name, fields in effects.dropped_fields:
            self.dropped_fields.setdefault(name, set()).update(fields)
        if replayed:
            for reference in effects.references:
                if reference.kind == "let" or reference.kind == "values":
                    self.scope.get(reference.name).used = True

    def field_infos(self, view: ObjectView) -> dict[str, FieldInfo]:
        """The fields of a source object as expressions see them (shared: no one modifies them)."""
        infos = self._field_infos.get(view.name)
        if infos is None:
            infos = self._field_infos[view.name] = view.field_infos()
        return infos

    def personal_fields(self, view: ObjectView) -> frozenset[str]:
        """The fields of a source object that hold personal data."""
        names = self._personal.get(view.name)
        if names is None:
            names = self._personal[view.name] = frozenset(name for name, field_view in view.fields.items() if field_view.pii)
        return names

    def required_fields(self, view: ObjectView) -> tuple[str, ...]:
        """The fields of a target object every creating map must set, sorted by name."""
        names = self._required.get(view.name)
        if names is None:
            names = self._required[view.name] = tuple(
                name for name, field_view in sorted(view.fields.items()) if field_view.required and not field_view.read_only
            )
        return names


def source_env(ctx: MapContext, source: ast.Name, *, aggregates: bool = False) -> tuple[RecordEnv, ObjectView | None]:
    """What bare names mean in a block reading `source` (a map's source, a consent subject)."""
    name = source.text
    if ctx.sources is None:
        return RecordEnv(name, None, allow_aggregates=aggregates), None
    view = ctx.sources.get(name)
    if view is None:
        suggestions = close_matches(name, ctx.sources)
        hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
        fix = Fix(title=f"replace with `{suggestions[0]}`", edits=(TextEdit(span=source.span, new_text=suggestions[0]),)) if suggestions else None
        ctx.diagnostics.add(
            codes.UNKNOWN_OBJECT, source.span,
            f"the source has no object `{name}`{hint}",
            notes=[Note(message="objects: " + ", ".join(sorted(ctx.sources)))], fix=fix,
        )
        return RecordEnv(name, None, allow_aggregates=aggregates), None
    return RecordEnv(name, ctx.field_infos(view), allow_aggregates=aggregates), view


def target_view(ctx: MapContext, name: ast.Name, *, loading: bool) -> ObjectView | None:
    if ctx.targets is None:
        return None
    view = ctx.targets.get(name.text)
    if view is None:
        suggestions = close_matches(name.text, ctx.targets)
        hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
        fix = Fix(title=f"replace with `{suggestions[0]}`", edits=(TextEdit(span=name.span, new_text=suggestions[0]),)) if suggestions else None
        ctx.diagnostics.add(
            codes.UNKNOWN_OBJECT, name.span, f"the target has no object `{name.text}`{hint}",
            notes=[Note(message="declare a custom module with `create module` if it is new")], fix=fix,
        )
        return None
    if loading and not view.loadable:
        reason = "its records already exist in the account; use `ref` to link to them" if view.preexisting else "the API does not create its records"
        ctx.diagnostics.add(codes.NOT_LOADABLE, name.span, f"cannot load records into `{name.text}`: {reason}")
    return view


class MapEffects(msgspec.Struct, frozen=True, kw_only=True):
    """Everything checking one map adds to the context, in the order it was added: what
    `check_map` returns and `MapContext.absorb` applies (also to a map checked in an earlier
    version of the file, see `incremental.py`)."""

    info: MapInfo
    diagnostics: tuple[Diagnostic, ...]
    references: tuple[Reference, ...]
    lossy: tuple[LossyPoint, ...]
    edges: tuple[RefEdge, ...]
    pii_reads: tuple[tuple[str, str], ...]
    used_fields: tuple[tuple[str, tuple[str, ...]], ...]
    dropped_fields: tuple[tuple[str, tuple[str, ...]], ...]


def check_map(ctx: MapContext, block: ast.MapBlock, extends: list[ast.ExtendBlock], row: str, map_id: str) -> MapEffects:
    """Checks one map (with the `extend` blocks that add to it) into fresh collections, so what
    it adds can be kept apart; the caller applies it with `ctx.absorb`."""
    saved = (ctx.diagnostics, ctx.references, ctx.lossy, ctx.edges, ctx.pii_reads, ctx.used_fields, ctx.dropped_fields)
    diagnostics, references = Diagnostics(), []
    ctx.diagnostics = ctx.exprs.diagnostics = diagnostics
    ctx.references = ctx.exprs.references = references
    ctx.lossy, ctx.edges, ctx.pii_reads, ctx.used_fields, ctx.dropped_fields = [], [], [], {}, {}
    try:
        info = MapChecker(ctx, block, extends, row, map_id).run()
        return MapEffects(
            info=info,
            diagnostics=tuple(diagnostics),
            references=tuple(references),
            lossy=tuple(ctx.lossy),
            edges=tuple(ctx.edges),
            pii_reads=tuple(ctx.pii_reads),
            used_fields=tuple((name, tuple(sorted(fields))) for name, fields in ctx.used_fields.items()),
            dropped_fields=tuple((name, tuple(sorted(fields))) for name, fields in ctx.dropped_fields.items()),
        )
    finally:
        ctx.diagnostics, ctx.references, ctx.lossy, ctx.edges, ctx.pii_reads, ctx.used_fields, ctx.dropped_fields = saved
        ctx.exprs.diagnostics, ctx.exprs.references = ctx.diagnostics, ctx.references


class MapChecker:
    def __init__(self, ctx: MapContext, block: ast.MapBlock, extends: list[ast.ExtendBlock], row: str, map_id: str) -> None:
        self.ctx = ctx
        self.block = block
        self.extends = extends
        self.row = row
        self.map_id = map_id
        self.assigned: dict[str, Span] = {}
        self.programs: list[FieldProgram] = []
        self.drops: list[str] = []
        self.flags: list[str] = []
        self.key_field = ""
        # The map's statements, then those of the `extend` blocks that add to it.
        self.statements: list[ast.Node] = [*block.body, *(statement for extend in extends for statement in extend.body)]

    @property
    def d(self) -> Diagnostics:
        return self.ctx.diagnostics

    def run(self) -> MapInfo:
        block = self.block
        summarize = block.grouping is not None and block.grouping.kind == "summarize"
        env, source = source_env(self.ctx, block.source, aggregates=summarize)
        self.env = env
        self.source = source
        target = target_view(self.ctx, block.target, loading=not block.merge)
        self.target = target
        if block.grouping is not None:
            for key in block.grouping.keys:
                self.ctx.exprs.infer(key, env)
        if block.route is not None and block.route.condition is not None:
            self.ctx.exprs.condition(block.route.condition, env, "a `where` condition")
        if block.lossy is not None:
            self._lossy("object", "", block.lossy.value, block.lossy.span)
        limit = None
        for statement in self.statements:
            result = self._statement(statement)
            if isinstance(statement, ast.Limit):
                limit = result
        if target is not None:
            self._type_fields(target)
        if block.merge:
            self._merge_key(target)
        elif target is not None:
            self._required_fields(target)
        self.ctx.used_fields.setdefault(block.source.text, set()).update(env.used_fields)
        if source is not None:
            for name in sorted(env.used_fields & self.ctx.personal_fields(source)):
                self.ctx.pii_reads.append((block.source.text, name))
        return MapInfo(
            id=self.map_id,
            source=block.source.text,
            target=block.target.text,
            grouping=block.grouping.kind if block.grouping else "",
            merge=block.merge,
            route=block.route.kind if block.route else "",
            key=self.key_field,
            fields=tuple(self.programs),
            drops=tuple(self.drops),
            flags=tuple(self.flags),
            limit=limit,
            lossy=block.lossy.value if block.lossy else "",
            row=self.row,
            span=block.span,
        )

    # ------------------------------------------------------------------ statements

    def _statement(self, statement: ast.Node):
        if isinstance(statement, ast.Assign):  # most statements are
            self._assign(statement.field, statement.value, statement.lossy)
        elif isinstance(statement, ast.LocalLet):
            kind = self.ctx.exprs.infer(statement.value, self.env)
            self.env.locals[statement.name.text] = (kind, statement.name.span)
        elif isinstance(statement, ast.KeyStmt):
            self.key_field = statement.field.text
            self._assign(statement.field, statement.value, statement.lossy, is_key=True)
        elif isinstance(statement, ast.Drop):
            self._drop(statement)
        elif isinstance(statement, ast.Flag):
            self.ctx.exprs.condition(statement.condition, self.env, "a `flag ... when` condition")
            self.flags.append(statement.message.value)
        elif isinstance(statement, ast.Limit):
            self.ctx.exprs.infer(statement.per, self.env)
            if statement.lossy is None:
                self.d.add(
                    codes.LIMIT_WITHOUT_LOSSY, statement.span,
                    f"`limit {statement.count}` drops records beyond the cap; say so with `lossy \"...\"`",
                    fix=Fix(title="add a lossy note", edits=(TextEdit(span=statement.span.end_point(), new_text=f' lossy "only the first {statement.count} per group are kept"'),)),
                )
            else:
                self._lossy("limit", "", statement.lossy.value, statement.lossy.span)
            return statement.count
        return None

    @cached_property
    def nullable_guards(self) -> set[str]:
        """Source fields every loaded record has: `flag ... when x == null -> quarantine` sets
        the others aside, and `where x != null` never takes them. Found only when a required
        field's value reads a field directly: most maps never need them."""
        guards = set()
        for statement in self.statements:
            if isinstance(statement, ast.Flag) and statement.action == "quarantine":
                guards.update(_null_tests(statement.condition, "=="))
        route = self.block.route
        if route is not None and route.condition is not None:
            guards.update(_null_tests(route.condition, "!="))
        return guards

    def _drop(self, statement: ast.Drop) -> None:
        for path in statement.paths:
            head = path.parts[0].text
            self.drops.append(path.dotted)
            self.ctx.dropped_fields.setdefault(self.block.source.text, set()).add(head)
            if self.env.fields is not None and head not in self.env.fields:
                suggestions = close_matches(head, self.env.fields)
                hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
                self.d.add(codes.UNKNOWN_NAME, path.parts[0].span, f"`{self.block.source.text}` has no field `{head}`{hint}")
            else:
                self.ctx.references.append(Reference(span=path.parts[0].span, kind="field", name=head, owner=self.block.source.text))
            if statement.lossy is None:
                self.d.add(
                    codes.DROP_WITHOUT_LOSSY, path.span,
                    f"`{path.dotted}` is dropped without saying why; add `lossy \"...\"` so the lossy report explains it",
                    fix=Fix(title="add a lossy note", edits=(TextEdit(span=statement.span.end_point(), new_text=' lossy "not migrated"'),)),
                )
            else:
                self._lossy("drop", path.dotted, statement.lossy.value, statement.lossy.span)

    def _assign(self, name: ast.Name, value: ast.Node, lossy: ast.StringLit | None, *, is_key: bool = False) -> None:
        field_view = self._target_field(name)
        if not is_key and name.text in self.assigned:
            self.d.add(
                codes.DUPLICATE_ASSIGNMENT, name.span, f"`{name.text}` is already assigned in this map",
                notes=[Note(message="first assigned here (a `key` line assigns its field too)", span=self.assigned[name.text])],
            )
        self.assigned.setdefault(name.text, name.span)
        if lossy is not None:
            self._lossy("field", name.text, lossy.value, lossy.span)
        outer_reads = self.env.used_fields
        self.env.used_fields = set()
        ref_links: tuple[RefLink, ...] = ()
        type_field = ""
        is_ref = isinstance(value, ast.RefLookup)
        with self.ctx.exprs.tracing() as trace:
            if is_ref:
                ref_links, type_field = self._ref(value, name, field_view)
                kind = T.Type(kind="lookup", to=tuple(dict.fromkeys(link.target for link in ref_links)))
            else:
                kind = _bounded(value, self.ctx.exprs.infer(value, self.env))
        # Nesting deep enough to cut inference short hides names from the trace: walk those values.
        shape = traced_shape(trace, self.ctx.values_tables) if trace.complete else value_shape(value, self.ctx.values_tables)
        if not is_ref and field_view is not None:
            self._fits(value, kind, field_view, lossy, shape)
        reads = tuple(sorted(self.env.used_fields))
        outer_reads |= self.env.used_fields
        self.env.used_fields = outer_reads
        self.programs.append(
            FieldProgram(
                field=name.text,
                type=str(field_view.type if field_view else kind),
                reads=reads,
                coercion=_coercion(value, shape),
                refs=ref_links,
                type_field=type_field,
                values_table=shape.values_table,
                lossy=lossy.value if lossy else "",
                is_key=is_key,
                span=name.span.cover(value.span),
            )
        )

    def _target_field(self, name: ast.Name) -> FieldView | None:
        if self.target is None:
            return None
        field_view = self.target.fields.get(name.text)
        if field_view is None:
            suggestions = close_matches(name.text, self.target.fields)
            hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
            fix = Fix(title=f"replace with `{suggestions[0]}`", edits=(TextEdit(span=name.span, new_text=suggestions[0]),)) if suggestions else None
            self.d.add(
                codes.UNKNOWN_FIELD, name.span, f"`{self.target.name}` has no field `{name.text}`{hint}",
                notes=[Note(message=f"declare it with `create field {self.target.name}.{name.text}: <type>` if it is a new custom field")],
                fix=fix,
            )
            return None
        self.ctx.references.append(Reference(span=name.span, kind="target-field", name=name.text, owner=self.target.name, definition=field_view.declared_at))
        if field_view.read_only:
            self.d.add(codes.READ_ONLY_FIELD, name.span, f"`{self.target.name}.{name.text}` is read-only: the target sets it itself")
        return field_view

    # ------------------------------------------------------------------ value checks

    def _fits(self, value: ast.Node, kind: T.Type, field_view: FieldView, lossy: ast.StringLit | None, shape: ValueShape) -> None:
        target = field_view.type
        if not T.assignable(kind, target):
            hint = [Note(message=f"convert it explicitly: `... as {T.display(T.base(target))}`")] if T.castable(kind, target) else []
            self.d.add(codes.TYPE_MISMATCH, value.span, f"{self._label(field_view)} is {target}, but this value is {kind}", notes=hint)
            return
        if target.length is not None and kind.length is not None and kind.length > target.length and lossy is None:
            self.d.add(
                codes.LENGTH_OVERFLOW, value.span,
                f"{self._label(field_view)} holds at most {target.length} characters, but this value can have {kind.length}",
                notes=[Note(message=f"shorten it with `| truncate({target.length})` and add a `lossy` note")],
            )
        if target.kind in ("picklist", "multipicklist") and target.values:
            for literal, produced in self._produced_literals(value):
                if produced not in target.values:
                    suggestions = close_matches(produced, target.values)
                    hint = f"; did you mean \"{suggestions[0]}\"?" if suggestions else ""
                    self.d.add(
                        codes.VALUE_NOT_IN_PICKLIST, literal.span,
                        f"\"{produced}\" is not an option of {self._label(field_view)}{hint}",
                        notes=[Note(message="options: " + ", ".join(f'"{v}"' for v in target.values))],
                    )
        if lossy is None and not T.is_many(target) and shape.narrows(self.ctx.collapsing_tables):
            self.d.add(
                codes.NARROWING_WITHOUT_LOSSY, value.span,
                f"this narrows several values into one {self._label(field_view)}; add a `lossy` note saying what is lost",
                fix=Fix(title="add a lossy note", edits=(TextEdit(span=value.span.end_point(), new_text=' lossy "several values become one"'),)),
            )

    def _label(self, field_view: FieldView) -> str:
        """How a message names the target field (built only when a message is)."""
        return f"`{self.target.name}.{field_view.name}`"

    def _produced_literals(self, value: ast.Node) -> list[tuple[ast.Literal, str]]:
        """String literals a value can evaluate to: the value itself, `if` branches, `??`
        fallbacks, and the outputs of a values table it calls."""
        found: list[tuple[ast.Literal, str]] = []
        stack = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Literal) and node.kind == "string":
                found.append((node, node.value))
            elif isinstance(node, ast.IfExpr):
                stack.extend([node.then, node.otherwise])
            elif isinstance(node, ast.Binary) and node.op == "??":
                stack.extend([node.left, node.right])
            elif isinstance(node, (ast.Call, ast.Pipe)):
                symbol = self.ctx.scope.get(node.function.text)
                # A table that names its target (`to Obj.field`) has its outputs checked there.
                if symbol is not None and symbol.kind == "values" and isinstance(symbol.node, ast.ValuesTable) and symbol.node.target is None:
                    for entry in symbol.node.entries:
                        stack.append(entry.value)
                    if symbol.node.default is not None:
                        stack.append(symbol.node.default)
        return found

    # ------------------------------------------------------------------ refs

    def _ref(self, ref: ast.RefLookup, name: ast.Name, field_view: FieldView | None) -> tuple[tuple[RefLink, ...], str]:
        """Checks every link of a ref (chain) and its fallback; returns the links and the type
        field the ref sets (the lookup's catalog `type-field`, "" if none)."""
        lookup = field_view
        if field_view is not None and field_view.type.kind not in ("lookup", "any", "id"):
            dependent = self.block.target.text
            self.d.add(codes.NOT_A_LOOKUP, name.span, f"`{dependent}.{name.text}` is {field_view.type}, not a lookup; a `ref` can only fill a lookup field")
            lookup = None
        links = []
        edges: set[str] = set()
        for link in ref.links:
            links.append(self._ref_link(link, name, lookup, edges))
        last = ref.last
        if last.fallback is not None:
            self.ctx.exprs.infer(last.fallback, self.env)
        type_field = lookup.type_field if lookup is not None and lookup.type.kind == "lookup" else ""
        return tuple(links), type_field

    def _ref_link(self, link: ast.RefLookup, name: ast.Name, lookup: FieldView | None, edges: set[str]) -> RefLink:
        """One link: its object is one the lookup reaches and is loaded or pre-exists, its
        matches use unique fields of fitting types, and it adds its load-order edge."""
        target_name = link.target.text
        dependent = self.block.target.text
        view = target_view(self.ctx, link.target, loading=False)
        if (
            lookup is not None
            and lookup.type.kind == "lookup"
            and lookup.type.to
            and target_name not in lookup.type.to
            and not (len(lookup.type.to) > 1 and view is not None and view.declared_at is not None)
        ):  # a polymorphic lookup (Zoho Parent_Id, What_Id) also reaches modules this file creates
            self.d.add(codes.NOT_A_LOOKUP, link.target.span, f"`{dependent}.{name.text}` looks up {', '.join(lookup.type.to)}, not `{target_name}`")
        elif lookup is not None and lookup.type_field and target_name not in lookup.type_values:
            self.d.add(
                codes.NOT_A_LOOKUP, link.target.span,
                f"`{dependent}.{name.text}` has no `{lookup.type_field}` value for `{target_name}`, so a record found there could not be linked",
                notes=[Note(message="values: " + ", ".join(f"{k} = {v!r}" for k, v in sorted(lookup.type_values.items())))],
            )
        loaded = target_name in self.ctx.loaded_keys
        if view is not None and not loaded and not view.preexisting:
            self.d.add(
                codes.REF_TO_UNMAPPED, link.target.span,
                f"no map loads `{target_name}` and its records do not pre-exist, so this ref can never match",
                notes=[Note(message=f"add `map <Source> -> {target_name}` or remove the ref")],
            )
        keys = []
        for match in link.matches:
            keys.append(match.field.text)
            value_type = self.ctx.exprs.infer(match.value, self.env)
            if view is None:
                continue
            key_view = view.fields.get(match.field.text)
            if key_view is None:
                suggestions = close_matches(match.field.text, view.fields)
                hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
                self.d.add(codes.UNKNOWN_FIELD, match.field.span, f"`{target_name}` has no field `{match.field.text}`{hint}")
                continue
            self.ctx.references.append(Reference(span=match.field.span, kind="target-field", name=match.field.text, owner=target_name, definition=key_view.declared_at))
            if not match.fuzzy and not key_view.unique and match.field.text not in self.ctx.loaded_keys.get(target_name, set()):
                self.d.add(
                    codes.REF_KEY_NOT_UNIQUE, match.field.span,
                    f"`{target_name}.{match.field.text}` is not unique, so it may match several records",
                    notes=[Note(message=f"match by a unique field, declare `key {match.field.text} <- ...` in the map that loads {target_name}, or mark the match `fuzzy`")],
                )
            if not T.assignable(value_type, key_view.type) and not (T.is_textual(value_type) and T.is_textual(key_view.type)):
                self.d.add(codes.TYPE_MISMATCH, match.value.span, f"`{target_name}.{match.field.text}` is {key_view.type}, but this value is {value_type}")
        if loaded and target_name not in edges:
            edges.add(target_name)
            # A merge updates records after they exist: its refs do not constrain the load order.
            self.ctx.edges.append(RefEdge(dependent=dependent, field=name.text, target=target_name, span=link.span, late=self.block.merge))
        return RefLink(target=target_name, keys=tuple(keys))

    def _type_fields(self, target: ObjectView) -> None:
        """A field a ref sets from the object it finds (`targetable_type`) is not assigned too,
        unless with the one value every link of the ref would set."""
        for program in self.programs:
            lookup = target.fields.get(program.field) if program.type_field else None
            if lookup is None:
                continue
            # What the ref writes, per link in order ("?" for an object without a type value, reported already).
            produced = list(dict.fromkeys(lookup.type_values.get(name, "?") for name in program.ref_targets))
            for statement in self.statements:
                if not isinstance(statement, (ast.Assign, ast.KeyStmt)) or statement.field.text != program.type_field:
                    continue
                value = statement.value
                if isinstance(value, ast.Literal) and value.kind == "string" and produced == [value.value]:
                    continue  # says what the ref sets anyway
                written = " or ".join(f'"{v}"' for v in produced)
                self.d.add(
                    codes.TYPE_FIELD_SET_BY_REF, statement.field.span,
                    f"`{target.name}.{program.type_field}` is set by the ref on `{program.field}` ({written}, from the record it finds); "
                    "assigning it here could contradict that ref",
                    notes=[Note(message=f"the ref on `{program.field}`", span=program.span)],
                    fix=Fix(title=f"remove the assignment to `{program.type_field}`", edits=(TextEdit(span=statement.span, new_text=""),)),
                )

    # ------------------------------------------------------------------ required fields

    def _merge_key(self, target: ObjectView | None) -> None:
        """A merge finds its records by `key`: a field another map loads records by, or a unique one."""
        name = self.block.target.text
        if not self.key_field:
            self.d.add(codes.MERGE_WITHOUT_KEY, self.block.target.span,
                       f"a `merge` into `{name}` needs `key <Field> <- ...` to find the record to update")
            return
        creators = self.ctx.creating_keys.get(name, set())
        unique = target is not None and self.key_field in target.fields and target.fields[self.key_field].unique
        if self.key_field not in creators and not unique:
            self.d.add(
                codes.MERGE_WITHOUT_KEY, self.block.target.span,
                f"no map loads `{name}` records by `{self.key_field}`, so this merge cannot find them",
                notes=[Note(message=f"declare `key {self.key_field} <- ...` in the map that creates the {name} records")],
            )

    def _required_fields(self, target: ObjectView) -> None:
        # A ref filling a lookup with a type field sets that field too.
        assigned = {p.field for p in self.programs} | {p.type_field for p in self.programs if p.type_field}
        for name in self.ctx.required_fields(target):
            if name not in assigned:
                self.d.add(
                    codes.REQUIRED_FIELD_MISSING, self.block.target.span,
                    f"`{target.name}.{name}` is required, but this map never sets it",
                    fix=Fix(title=f"set `{name}`", edits=(TextEdit(span=self.block.span.before_end(), new_text=f"  {name} <- \n"),)),
                )
        for group in target.required_any:
            if not any(name in assigned for name in group):
                self.d.add(codes.REQUIRED_FIELD_MISSING, self.block.target.span, f"`{target.name}` needs at least one of {', '.join(group)}")
        for statement in self.statements:
            if not isinstance(statement, ast.Assign):
                continue
            field_view = target.fields.get(statement.field.text)
            if field_view is None or not field_view.required or isinstance(statement.value, ast.RefLookup):
                continue
            if self._may_be_null(statement.value):
                self.d.add(
                    codes.REQUIRED_FIELD_MAY_BE_EMPTY, statement.value.span,
                    f"`{target.name}.{statement.field.text}` is required, but this value can be null: the target will reject those records",
                    notes=[Note(message='give a fallback with `?? "..."`, or quarantine them with `flag "..." when ... == null -> quarantine`')],
                )

    def _may_be_null(self, value: ast.Node) -> bool:
        """Whether a value can evaluate to null (conservatively: True when unsure)."""
        may = self._may_be_null
        if isinstance(value, ast.Literal):
            return value.kind == "null"
        if isinstance(value, ast.NameRef):
            name = value.name.text
            if name in self.nullable_guards:
                return False
            if self.source is not None and name in self.source.fields:
                return not self.source.fields[name].required
            symbol = self.ctx.scope.get(name) if name not in self.env.locals else None
            if symbol is not None and symbol.kind == "let" and isinstance(symbol.node, ast.Let):
                bound = symbol.node.value  # a constant: null only if it is the null literal
                return not (isinstance(bound, ast.ListExpr) or (isinstance(bound, ast.Literal) and bound.kind != "null"))
            return True
        if isinstance(value, ast.Binary):
            if value.op == "??":
                return may(value.right)
            if value.op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"):
                return False
            return may(value.left) or may(value.right)
        if isinstance(value, ast.IfExpr):
            return may(value.then) or may(value.otherwise)
        if isinstance(value, ast.Cast):
            return may(value.value)
        if isinstance(value, ast.Unary):
            return value.op != "not" and may(value.operand)
        if isinstance(value, (ast.Call, ast.Pipe)) and value.function.text in _NEVER_NULL:
            return False
        if isinstance(value, ast.Call) and value.function.text in ("coalesce", "concat", "full_name"):
            return all(may(arg) for arg in value.args)
        if isinstance(value, ast.Pipe):
            return may(value.value)
        if isinstance(value, ast.Call) and value.args:
            return may(value.args[0])
        if isinstance(value, ast.ListExpr):
            return False
        return True

    def _lossy(self, kind: str, field_name: str, reason: str, span: Span) -> None:
        self.ctx.lossy.append(
            LossyPoint(row=self.row, source=self.block.source.text, target=self.block.target.text, field=field_name, kind=kind, reason=reason, span=span)
        )


# ---------------------------------------------------------------------------- helpers


def _null_tests(condition: ast.Node, op: str) -> set[str]:
    """Field names tested with `name == null` (or `!=`), looking through `and`/`or`."""
    names = set()
    for node in expression_nodes(condition):
        if isinstance(node, ast.Binary) and node.op == op and isinstance(node.left, ast.NameRef):
            if isinstance(node.right, ast.Literal) and node.right.kind == "null":
                names.add(node.left.name.text)
    return names


def _bounded(value: ast.Node, kind: T.Type) -> T.Type:
    """`truncate(x, 80)` is a string of at most 80 characters (likewise `normalize_tag`)."""
    call = value
    if isinstance(call, (ast.Call, ast.Pipe)) and call.function.text in _LENGTH_BOUNDING:
        position, default = _LENGTH_BOUNDING[call.function.text]
        args = list(call.args) if isinstance(call, ast.Call) else [call.value, *call.args]
        bound = default
        if len(args) > position and isinstance(args[position], ast.Literal) and args[position].kind == "integer":
            bound = args[position].value
        if bound is not None:
            return T.Type(kind=kind.kind if kind.kind != "any" else "string", length=bound)
    return kind


class ValueShape(msgspec.Struct, frozen=True, kw_only=True):
    """What an assigned value calls and names, as the field checks need it."""

    functions: tuple[str, ...]  # the builtins and values tables it calls, in pre-order
    values_table: str  # the first values table it calls or names ("" if none)
    indexes: bool  # it indexes a list (`segments[0]`)

    def narrows(self, collapsing_tables: set[str]) -> bool:
        """Many values into one: indexing a list, or a values table that maps several source
        values to one target value."""
        return self.indexes or not collapsing_tables.isdisjoint(self.functions)


def traced_shape(trace: NameTrace, values_tables: frozenset[str]) -> ValueShape:
    """The shape of a value from the names its inference met (see `NameTrace`)."""
    values_table = next((name for name in trace.names if name in values_tables), "")
    return ValueShape(functions=tuple(trace.calls), values_table=values_table, indexes=trace.indexes)


def value_shape(value: ast.Node, values_tables: frozenset[str]) -> ValueShape:
    """The shape of `value` (an expression or a `ref`), from one walk over its expression nodes."""
    functions: list[str] = []
    values_table = ""
    indexes = False
    for node in expression_nodes(value):
        kind = type(node)
        if kind is ast.NameRef:
            name = node.name.text
        elif kind is ast.Call or kind is ast.Pipe:
            name = node.function.text
            functions.append(name)
        else:
            indexes = indexes or kind is ast.Index
            continue
        if not values_table and name in values_tables:
            values_table = name
    return ValueShape(functions=tuple(functions), values_table=values_table, indexes=indexes)


def _coercion(value: ast.Node, shape: ValueShape) -> str:
    if isinstance(value, ast.Cast):
        return f"as {T.display(resolve_type(value.type, None))}"
    return ", ".join(dict.fromkeys(shape.functions))
