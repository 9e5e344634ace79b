"""`check_file(path) -> Analysis`: every static rule of a .mig file, and the checked model.

The checker loads the file and its imports, builds the scope, loads both platforms' catalogs
(with account overlays), types every declaration and block, orders the target objects by their
refs, and collects every diagnostic instead of stopping at the first. The CLI and the language
server both call this; neither re-implements a rule. `check_program` checks a program already
loaded (benchmarks time the checker alone with it).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import msgspec

from migc import codes
from migc.catalog import CatalogError, available_platforms, load_catalog
from migc.catalog.schema import Catalog
from migc.diagnostics import Diagnostic, Diagnostics, Fix, Note, TextEdit
from migc.semantics import types as T
from migc.semantics.expressions import ExpressionChecker, RecordEnv, Reference
from migc.semantics.graph import dependency_order, order_conflicts
from migc.semantics.incremental import MapReuse
from migc.semantics.mapping import MapContext, MapEffects, check_map, source_env, target_view
from migc.semantics.model import (
    Consent,
    Header,
    LossyPoint,
    MapInfo,
    Model,
    ObjectRow,
    Rebuild,
    SchemaChange,
    UnmappedField,
)
from migc.semantics.program import LoadedModule, Program, load_program
from migc.semantics.schema_view import FieldView, ObjectView, catalog_objects
from migc.semantics.scope import Scope, build_scope, close_matches, resolve_type
from migc.source import SourceFile, Span
from migc.syntax import ast


_resolving = threading.Lock()


class Analysis:
    """The result of checking one file: diagnostics, the checked model, and what the editor needs."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.diagnostics: tuple[Diagnostic, ...] = ()
        self._model: Model | None = None
        self._deferred_model: Callable[[], Model] | None = None
        self.scope: Scope | None = None
        self._references: list[Reference] = []
        self._deferred_references: list[Callable[[], Sequence[Reference]]] = []
        self.source_catalog: Catalog | None = None
        self.target_catalog: Catalog | None = None
        self.source_objects: dict[str, ObjectView] | None = None
        self.target_objects: dict[str, ObjectView] | None = None
        # offset of each `extend` block in the checked file -> id of the map it adds fields to
        self.extended_maps: dict[int, str] = {}
        self.reused_maps = 0  # maps whose check an incremental check took from the file's last one

    @property
    def references(self) -> list[Reference]:
        """Every resolved name use (the checker appends to this list while it runs)."""
        if self._deferred_references:
            with _resolving:  # an editor's threads may read one analysis at once
                if self._deferred_references:
                    resolved = list(self._references)
                    for resolve in self._deferred_references:
                        resolved.extend(resolve())
                    self._references, self._deferred_references = resolved, []
        return self._references

    @property
    def model(self) -> Model | None:
        """The checked model (None for a library file, or when the file could not be read)."""
        if self._deferred_model is not None:
            with _resolving:
                if self._deferred_model is not None:
                    self._model, self._deferred_model = self._deferred_model(), None
        return self._model

    @model.setter
    def model(self, model: Model | None) -> None:
        self._model, self._deferred_model = model, None

    def defer_model(self, build: Callable[[], Model]) -> None:
        """The model, built when someone first reads `model` (see `defer_references`)."""
        self._deferred_model = build

    def defer_references(self, resolve: Callable[[], Sequence[Reference]]) -> None:
        """Name uses to add when someone first reads `references` (an incremental check moves
        reused maps' ones only then: diagnostics never wait for them)."""
        self._deferred_references.append(resolve)

    @property
    def module(self) -> ast.Module | None:
        return self.program.root.module if self.program.root else None

    @property
    def sources(self) -> dict[str, SourceFile]:
        return self.program.sources

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def check_file(
    path: Path,
    *,
    text: str | None = None,
    overlays: Sequence[Path] = (),
    display_name: str | None = None,
    incremental: bool = False,
) -> Analysis:
    """`incremental`: reuse the parse of the file's unchanged top-level items (editors)."""
    program = load_program(path, text=text, display_name=display_name, incremental=incremental)
    return check_program(program, overlays=overlays, incremental=incremental)


def check_program(program: Program, *, overlays: Sequence[Path] = (), incremental: bool = False) -> Analysis:
    """Checks a loaded program (its parse diagnostics are part of the result). `incremental`:
    reuse the checks of maps unchanged since the file's last incremental check (`incremental.py`)."""
    analysis = Analysis(program)
    diagnostics = Diagnostics()
    diagnostics.extend(program.diagnostics)
    if program.root is not None and program.root.module is not None:
        _Checker(program, analysis, diagnostics, overlays, incremental=incremental).run()
    analysis.diagnostics = diagnostics.sorted()
    return analysis


class _Checker:
    def __init__(self, program: Program, analysis: Analysis, diagnostics: Diagnostics, overlays: Sequence[Path], *, incremental: bool = False) -> None:
        self.program = program
        self.incremental = incremental
        self.analysis = analysis
        self.d = diagnostics
        self.overlays = overlays
        self.root = program.root
        self.module: ast.Module = program.root.module
        self.references: list[Reference] = analysis.references
        self.module_types: dict[str, dict[str, T.Type]] = {}
        self.moves: dict[str, Callable[[object], object]] = {}  # map id -> how its reused info moves

    def run(self) -> None:
        self.scope = build_scope(self.root, self.d)
        self.analysis.scope = self.scope
        self.exprs = ExpressionChecker(self.scope, self.d, self.references, self.program.sources)
        migration = self._header()
        library = migration is None  # a file of shared declarations, imported by mappings
        sources, targets = self._catalogs(migration)
        self.analysis.source_objects, self.analysis.target_objects = sources, targets
        self.ctx = MapContext(
            scope=self.scope, exprs=self.exprs, diagnostics=self.d, references=self.references,
            sources=sources, targets=targets,
        )
        schema = self._creates()
        # Imported values tables are checked against this migration's catalogs, like local ones.
        self._type_imports(self.root, self.scope)
        self._declarations(self.root, self.scope, report=True)
        maps, rows, rebuilds = self._blocks()
        load_order = self._graph(maps, migration)
        maps = _mark_late_merges(maps, load_order)
        self._consent(migration)
        self._unused()
        if library:
            return
        model = Model(
            header=self._header_model(migration),
            rows=tuple(rows),
            maps=tuple(maps),
            rebuilds=tuple(rebuilds),
            schema=tuple(schema),
            refs=tuple(sorted({(e.dependent, e.field, e.target): e for e in self.ctx.edges}.values(), key=lambda e: (e.dependent, e.field, e.target))),
            load_order=load_order,
            lossy=tuple(sorted(self.ctx.lossy, key=lambda p: (p.span.start, p.kind, p.field))),
            unmapped=self._unmapped(rebuilds),
        )
        if self.moves:  # reused maps' infos are where those maps were checked: moved when read
            self.analysis.defer_model(partial(_moved_maps, model, self.moves))
        else:
            self.analysis.model = model

    # ------------------------------------------------------------------ header and catalogs

    def _header(self) -> ast.Migration | None:
        headers = [item for item in self.module.items if isinstance(item, ast.Migration)]
        blocks = [item for item in self.module.items if isinstance(item, (ast.MapBlock, ast.ObjectBlock, ast.RebuildBlock, ast.ExtendBlock))]
        if len(headers) > 1:
            for extra in headers[1:]:
                self.d.add(codes.MISSING_HEADER, extra.name.span, "a file has one `migration` header; this is a second one",
                           notes=[Note(message="the first is here", span=headers[0].name.span)])
        if not headers:
            if blocks:
                self.d.add(
                    codes.MISSING_HEADER, blocks[0].span.cover(blocks[0].span),
                    "maps need a `migration` header naming the source and target platforms",
                    fix=Fix(title="add a migration header", edits=(TextEdit(span=self.module.span.start_point(), new_text="migration name {\n  from source_platform\n  to target_platform\n}\n\n"),)),
                )
            return None
        migration = headers[0]
        for clause, keyword in ((ast.FromClause, "from"), (ast.ToClause, "to")):
            if migration.clause(clause) is None:
                self.d.add(codes.HEADER_INCOMPLETE, migration.name.span, f"the migration header needs `{keyword} <platform>`")
        return migration

    def _catalogs(self, migration: ast.Migration | None) -> tuple[dict[str, ObjectView] | None, dict[str, ObjectView] | None]:
        if migration is None:
            return None, None
        views = []
        for clause_type, role in ((ast.FromClause, "source"), (ast.ToClause, "target")):
            clause = migration.clause(clause_type)
            views.append(self._catalog(clause.platform, role) if clause else None)
        return views[0], views[1]

    def _catalog(self, name: ast.Name, role: str) -> dict[str, ObjectView] | None:
        platforms = available_platforms()
        if name.text not in platforms:
            suggestions = close_matches(name.text, platforms)
            hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
            fix = Fix(title=f"replace with `{suggestions[0]}`", edits=(TextEdit(span=name.span, new_text=suggestions[0]),)) if suggestions else None
            self.d.add(codes.UNKNOWN_PLATFORM, name.span, f"no catalog for platform `{name.text}`{hint}",
                       notes=[Note(message="platforms: " + ", ".join(platforms))], fix=fix)
            return None
        try:
            catalog = load_catalog(name.text, self.overlays)
        except CatalogError as error:
            self.d.add(codes.CATALOG_INVALID, name.span, str(error))
            return None
        if catalog.platform.role != role:
            self.d.add(codes.PLATFORM_ROLE, name.span,
                       f"`{name.text}` is a {catalog.platform.role} platform; it cannot be the {role} of a migration")
            return None  # its objects would only cause follow-on errors
        if role == "source":
            self.analysis.source_catalog = catalog
        else:
            self.analysis.target_catalog = catalog
        return catalog_objects(catalog)

    def _header_model(self, migration: ast.Migration) -> Header:
        source = migration.clause(ast.FromClause)
        target = migration.clause(ast.ToClause)
        consent = migration.clause(ast.ConsentClause)
        sample = migration.clause(ast.SampleClause)
        delta = migration.clause(ast.DeltaClause)
        order = migration.clause(ast.OrderClause)
        return Header(
            name=migration.name.text,
            source=source.platform.text if source else "",
            target=target.platform.text if target else "",
            consent=Consent(regulation=consent.regulation.text, subject=consent.subject.text, span=consent.span) if consent else None,
            sample=sample.size if sample else None,
            delta_window_seconds=int(delta.window.value) if delta else None,
            order=tuple(n.text for n in order.objects) if order else (),
            span=migration.span,
        )

    # ------------------------------------------------------------------ declarations

    def _type_imports(self, loaded: LoadedModule, scope: Scope) -> None:
        """Imported lets and values tables get the types they have in their own file."""
        for _, imported in loaded.imports:
            if imported is None or imported.module is None:
                continue
            types = self._module_types(imported)
            for name, kind in types.items():
                symbol = scope.get(name)
                if symbol is not None and not symbol.local and symbol.kind in ("let", "values"):
                    symbol.type = kind

    def _module_types(self, loaded: LoadedModule) -> dict[str, T.Type]:
        if loaded.key in self.module_types:
            return self.module_types[loaded.key]
        self.module_types[loaded.key] = {}
        scope = build_scope(loaded, self.d, local=True)
        self._type_imports(loaded, scope)
        self._declarations(loaded, scope, report=True)
        types = {s.name: s.type for s in scope.symbols.values() if s.local and s.kind in ("let", "values")}
        self.module_types[loaded.key] = types
        return types

    def _declarations(self, loaded: LoadedModule, scope: Scope, *, report: bool) -> None:
        checker = self.exprs if scope is self.scope else ExpressionChecker(scope, self.d, [], self.program.sources)
        for item in loaded.module.items:
            if isinstance(item, ast.Let):
                symbol = scope.get(item.name.text)
                kind = checker.infer(item.value, None)
                if symbol is not None and symbol.node is item:
                    symbol.type = kind
            elif isinstance(item, ast.ValuesTable):
                symbol = scope.get(item.name.text)
                kind = self._values_table(item, checker)
                if symbol is not None and symbol.node is item:
                    symbol.type = kind
            elif isinstance(item, ast.BuiltinDecl):
                resolve_type(item.returns, self.d, type_vars=True)
                for param in item.params:
                    resolve_type(param.type, self.d, type_vars=True)

    def _values_table(self, table: ast.ValuesTable, checker: ExpressionChecker) -> T.Type:
        key_type = T.NULL
        seen: dict[object, ast.Literal] = {}
        outputs: list[object] = []
        key_count = 0
        for entry in table.entries:
            for key in entry.keys:
                key_type = T.unify(key_type, checker.infer(key, None))
                key_count += 1
                if key.value in seen:
                    self.d.add(codes.DUPLICATE_DEFINITION, key.span, f"{key.text} is already mapped in this table",
                               notes=[Note(message="first mapped here", span=seen[key.value].span)])
                seen.setdefault(key.value, key)
        result = T.NULL
        for entry in table.entries:
            result = T.unify(result, checker.infer(entry.value, None))
            outputs.append(entry.value.value if isinstance(entry.value, ast.Literal) else id(entry))
        source_field = self._values_source(table)
        if source_field is not None:
            key_type = source_field.type if key_type.kind == "null" else key_type
        if table.default is not None:
            env = RecordEnv(table.name.text, {}, extra={"value": key_type if key_type.kind != "null" else T.ANY})
            result = T.unify(result, checker.infer(table.default, env))
        self._values_against_catalogs(table, source_field, seen)
        if len(set(map(repr, outputs))) < key_count:
            self.ctx.collapsing_tables.add(table.name.text)
        return T.ANY if result.kind == "null" else result

    def _values_source(self, table: ast.ValuesTable) -> FieldView | None:
        if table.source is None or self.ctx.sources is None:
            return None
        return self._field_of(self.ctx.sources, table.source, "source")

    def _field_of(self, objects: dict[str, ObjectView], name: ast.QualifiedName, side: str) -> FieldView | None:
        view = objects.get(name.object.text)
        if view is None:
            suggestions = close_matches(name.object.text, objects)
            hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
            self.d.add(codes.UNKNOWN_OBJECT, name.object.span, f"the {side} has no object `{name.object.text}`{hint}")
            return None
        field = view.fields.get(name.field.text)
        if field is None:
            suggestions = close_matches(name.field.text, view.fields)
            hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
            self.d.add(codes.UNKNOWN_FIELD, name.field.span, f"`{view.name}` has no field `{name.field.text}`{hint}")
        else:
            kind = "field" if side == "source" else "target-field"
            self.references.append(Reference(span=name.field.span, kind=kind, name=field.name, owner=view.name, definition=field.declared_at))
        return field

    def _values_against_catalogs(self, table: ast.ValuesTable, source_field: FieldView | None, keys: dict) -> None:
        if source_field is not None and source_field.type.values and table.default is None:
            missing = [v for v in source_field.type.values if v not in keys]
            if missing:
                shown = ", ".join(f'"{v}"' for v in missing)
                insert = "".join(f'  "{v}" -> \n' for v in missing)
                self.d.add(
                    codes.VALUES_INCOMPLETE, table.name.span,
                    f"`{table.name.text}` does not map {shown} of {table.source.dotted}, and has no `else`",
                    fix=Fix(title="add the missing entries", edits=(TextEdit(span=table.span.before_end(), new_text=insert),)),
                )
        if table.target is None or self.ctx.targets is None:
            return
        target_field = self._field_of(self.ctx.targets, table.target, "target")
        if target_field is None or not target_field.type.values:
            return
        allowed = target_field.type.values
        produced = [e.value for e in table.entries] + ([table.default] if table.default is not None else [])
        for value in produced:
            if isinstance(value, ast.Literal) and value.kind == "string" and value.value not in allowed:
                suggestions = close_matches(value.value, allowed)
                hint = f"; did you mean \"{suggestions[0]}\"?" if suggestions else ""
                self.d.add(codes.VALUE_NOT_IN_PICKLIST, value.span, f"\"{value.value}\" is not an option of {table.target.dotted}{hint}",
                           notes=[Note(message="options: " + ", ".join(f'"{v}"' for v in allowed))])

    # ------------------------------------------------------------------ target schema declarations

    def _creates(self) -> list[SchemaChange]:
        changes: list[SchemaChange] = []
        targets = self.ctx.targets
        rules = self.analysis.target_catalog.platform.custom_fields if self.analysis.target_catalog else None
        for item in self.module.items:
            if isinstance(item, ast.CreateModule):
                changes.extend(self._create_module(item, targets, rules))
            elif isinstance(item, ast.CreateField):
                change = self._create_field(item, targets, rules)
                if change is not None:
                    changes.append(change)
            elif isinstance(item, ast.CreatePicklist):
                changes.append(self._create_picklist(item, targets))
        return changes

    def _check_name(self, name: ast.Name, rules, what: str) -> None:
        # Where the platform generates the key (Pipedrive's 40-hex hashes), the name written in the
        # .mig is the field's label and the key is learned when the plan creates the field.
        if rules is None or rules.generated_key == "hash":
            return
        problems = []
        if not re.fullmatch(rules.name_pattern, name.text):
            problems.append(f"it must match `{rules.name_pattern}`")
        if rules.max_name_length and len(name.text) > rules.max_name_length:
            problems.append(f"it is {len(name.text)} characters, longer than {rules.max_name_length}")
        if problems:
            self.d.add(codes.CUSTOM_NAME_INVALID, name.span, f"`{name.text}` is not a valid custom {what} name: " + "; ".join(problems))

    def _create_module(self, item: ast.CreateModule, targets, rules) -> list[SchemaChange]:
        name = item.name.text
        self._check_name(item.name, rules, "module")
        if targets is not None and name in targets and targets[name].declared_at is None:
            self.d.add(codes.CUSTOM_FIELD_COLLISION, item.name.span, f"the target already has an object `{name}`")
        fields: dict[str, FieldView] = {}
        changes = [SchemaChange(kind="module", object=name, label=item.label.value if item.label else name, span=item.span)]
        for decl in item.fields:
            kind = resolve_type(decl.type, self.d)
            if decl.name.text in fields:
                self.d.add(codes.DUPLICATE_DEFINITION, decl.name.span, f"`{decl.name.text}` is declared twice in `{name}`")
            fields[decl.name.text] = FieldView(
                name=decl.name.text, type=kind, required=decl.required, unique=decl.unique, custom=True,
                label=decl.label.value if decl.label else "", declared_at=decl.span,
            )
            self._check_lookup_target(kind, decl.type.span, targets, extra={name})
            changes.append(_field_change(name, decl.name.text, kind, decl.label, decl.required, decl.unique, decl.span))
        if targets is not None:
            targets[name] = ObjectView(name=name, label=item.label.value if item.label else name, fields=fields, loadable=True, custom=True, declared_at=item.span)
        return changes

    def _create_field(self, item: ast.CreateField, targets, rules) -> SchemaChange | None:
        kind = resolve_type(item.type, self.d)
        object_name, field_name = item.target.object.text, item.target.field.text
        self._check_name(item.target.field, rules, "field")
        self._check_lookup_target(kind, item.type.span, targets)
        if targets is not None:
            view = targets.get(object_name)
            if view is None:
                target_view(self.ctx, item.target.object, loading=False)
                return None
            if field_name in view.fields:
                existing = view.fields[field_name]
                notes = [Note(message="declared here", span=existing.declared_at)] if existing.declared_at else [Note(message=f"it is a field of the {self.analysis.target_catalog.platform.label} catalog" if self.analysis.target_catalog else "it already exists")]
                self.d.add(codes.CUSTOM_FIELD_COLLISION, item.target.field.span, f"`{object_name}` already has a field `{field_name}`", notes=notes)
            else:
                view.fields[field_name] = FieldView(
                    name=field_name, type=kind, required=item.required, unique=item.unique, custom=True,
                    label=item.label.value if item.label else "", declared_at=item.span,
                )
        return _field_change(object_name, field_name, kind, item.label, item.required, item.unique, item.span)

    def _check_lookup_target(self, kind: T.Type, span: Span, targets, extra: set[str] = frozenset()) -> None:
        if kind.kind != "lookup" or targets is None:
            return
        for name in kind.to:
            if name not in targets and name not in extra and not any(
                isinstance(i, ast.CreateModule) and i.name.text == name for i in self.module.items
            ):
                suggestions = close_matches(name, targets)
                hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
                self.d.add(codes.UNKNOWN_OBJECT, span, f"`lookup({name})`: the target has no object `{name}`{hint}")

    def _create_picklist(self, item: ast.CreatePicklist, targets) -> SchemaChange:
        object_name, field_name = item.target.object.text, item.target.field.text
        values = tuple(v.value for v in item.values)
        if targets is not None:
            view = targets.get(object_name)
            field = self._field_of(targets, item.target, "target") if view is not None else None
            if view is None:
                target_view(self.ctx, item.target.object, loading=False)
            elif field is not None:
                if field.type.kind not in ("picklist", "multipicklist"):
                    self.d.add(codes.TYPE_MISMATCH, item.target.span, f"`{item.target.dotted}` is {field.type}, not a picklist")
                else:
                    merged = field.type.values + tuple(v for v in values if v not in field.type.values)
                    field.type = T.Type(kind=field.type.kind, values=merged)
        return SchemaChange(kind="picklist", object=object_name, field=field_name, values=values, span=item.span)

    # ------------------------------------------------------------------ blocks

    def _blocks(self) -> tuple[list[MapInfo], list[ObjectRow], list[Rebuild]]:
        placed: list[tuple[str, ast.ObjectBlock | None, ast.Node]] = []
        for item in self.module.items:
            if isinstance(item, ast.ObjectBlock):
                for inner in item.items:
                    placed.append((item.label.value, item, inner))
            elif isinstance(item, (ast.MapBlock, ast.ExtendBlock, ast.RebuildBlock)):
                placed.append((item.source.text, None, item))
        maps_ast = [(row, node) for row, _, node in placed if isinstance(node, ast.MapBlock)]
        extends = [(row, node) for row, _, node in placed if isinstance(node, ast.ExtendBlock)]
        for _, block in maps_ast:
            key_fields = {s.field.text for s in block.body if isinstance(s, ast.KeyStmt)}
            self.ctx.loaded_keys.setdefault(block.target.text, set()).update(key_fields)
            if not block.merge:
                self.ctx.creating_keys.setdefault(block.target.text, set()).update(key_fields)
        extends_of = self._match_extends(maps_ast, extends)
        reuse = MapReuse(self.program, self.ctx, (self.analysis.source_catalog, self.analysis.target_catalog), self.overlays) if self.incremental else None
        maps: list[MapInfo] = []
        ids: dict[str, int] = {}
        self.analysis.extended_maps = {}
        seen_where: set[str] = set()
        for row, block in maps_ast:
            base_id = f"{block.source.text}->{block.target.text}"
            ids[base_id] = ids.get(base_id, 0) + 1
            map_id = base_id if ids[base_id] == 1 else f"{base_id}#{ids[base_id]}"
            if block.route is not None and block.route.kind == "where":
                seen_where.add(block.source.text)
            elif block.route is not None and block.route.kind == "otherwise" and block.source.text not in seen_where:
                self.d.add(codes.OTHERWISE_WITHOUT_WHERE, block.route.span,
                           f"`otherwise` takes the `{block.source.text}` records no earlier `where` map took, but there is none")
            for extend in extends_of.get(id(block), []):
                self.analysis.extended_maps[extend.span.start] = map_id
            maps.append(self._map(reuse, block, extends_of.get(id(block), []), row, map_id))
        if reuse is not None:
            reuse.finish()
            self.analysis.reused_maps = reuse.reused
        rebuilds = [self._rebuild(row, node) for row, _, node in placed if isinstance(node, ast.RebuildBlock)]
        rows = self._rows(placed, maps, rebuilds)
        return maps, rows, rebuilds

    def _map(self, reuse: MapReuse | None, block: ast.MapBlock, extends: list[ast.ExtendBlock], row: str, map_id: str) -> MapInfo:
        def check() -> MapEffects:
            return check_map(self.ctx, block, extends, row, map_id)

        if reuse is None:
            effects = check()
            self.ctx.absorb(effects)
            return effects.info
        reused = reuse.effects(block, extends, row, map_id, check)
        self.ctx.absorb(reused.effects, replayed=reused.replayed, references=reused.move is None)
        if reused.move is not None:
            self.analysis.defer_references(partial(reused.move, reused.effects.references))
            self.moves[map_id] = reused.move
        return reused.effects.info

    def _match_extends(self, maps_ast, extends) -> dict[int, list[ast.ExtendBlock]]:
        # An extend adds to the first unrouted map of its source and target (else to the first one);
        # that map is found once per pair rather than searched for per extend.
        extended: dict[tuple[str, str], ast.MapBlock] = {}
        for _, block in maps_ast:
            pair = (block.source.text, block.target.text)
            first = extended.get(pair)
            if first is None or (first.route is not None and block.route is None):
                extended[pair] = block
        result: dict[int, list[ast.ExtendBlock]] = {}
        for row, extend in extends:
            block = extended.get((extend.source.text, extend.target.text))
            if block is None:
                self.d.add(codes.EXTEND_WITHOUT_MAP, extend.span.cover(extend.target.span),
                           f"there is no `map {extend.source.text} -> {extend.target.text}` to extend")
                continue
            result.setdefault(id(block), []).append(extend)
        return result

    def _rebuild(self, row: str, block: ast.RebuildBlock) -> Rebuild:
        env, _ = source_env(self.ctx, block.source)
        items, notes, constraints, lossy = [], [], [], []
        for statement in block.body:
            if isinstance(statement, ast.ListStmt):
                for path in statement.paths:
                    items.append(path.dotted)
                    head = path.parts[0]
                    if env.fields is not None and head.text not in env.fields:
                        suggestions = close_matches(head.text, env.fields)
                        hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
                        self.d.add(codes.UNKNOWN_NAME, head.span, f"`{block.source.text}` has no field `{head.text}`{hint}")
                    else:
                        env.used_fields.add(head.text)
                        self.references.append(Reference(span=head.span, kind="field", name=head.text, owner=block.source.text))
            elif isinstance(statement, ast.NoteStmt):
                notes.append(statement.text.value)
            elif isinstance(statement, ast.Flag):
                self.exprs.condition(statement.condition, env, "a `flag ... when` condition")
                constraints.append(statement.message.value)
            elif isinstance(statement, ast.LossyStmt):
                lossy.append(statement.text.value)
                self.ctx.lossy.append(LossyPoint(row=row, source=block.source.text, target=block.destination.value, field="", kind="rebuild", reason=statement.text.value, span=statement.span))
        self.ctx.used_fields.setdefault(block.source.text, set()).update(env.used_fields)
        return Rebuild(source=block.source.text, destination=block.destination.value, items=tuple(items), notes=tuple(notes),
                       constraints=tuple(constraints), lossy=tuple(lossy), row=row, span=block.span)

    def _rows(self, placed, maps: list[MapInfo], rebuilds: list[Rebuild]) -> list[ObjectRow]:
        rows: dict[str, dict] = {}
        for row, block, node in placed:
            entry = rows.setdefault(row, {"block": block, "maps": [], "extends": [], "rebuilds": [], "notes": [], "span": block.span if block else node.span})
            if isinstance(node, ast.NoteStmt):
                entry["notes"].append(node.text.value)
            elif isinstance(node, ast.ExtendBlock) and node.span.start in self.analysis.extended_maps:
                entry["extends"].append(self.analysis.extended_maps[node.span.start])
        for info in maps:
            rows[info.row]["maps"].append(info)
        for rebuild in rebuilds:
            rows[rebuild.row]["rebuilds"].append(rebuild)
        # The rows something is lost in, collected once instead of searched for per row; a row that
        # states its loss (`lossy "..."`) adds itself below, before it is classified.
        losing_rows = {p.row for p in self.ctx.lossy}
        rows_lossy_as_a_whole = {p.row for p in self.ctx.lossy if p.kind in ("object", "limit")}
        result = []
        for label, entry in rows.items():
            block: ast.ObjectBlock | None = entry["block"]
            stated = block.cardinality if block is not None else None
            declared = stated.kind if stated is not None else None
            reason = stated.reason.value if stated is not None and stated.reason else ""
            if stated is not None and stated.kind == "lossy" and reason:
                self.ctx.lossy.append(LossyPoint(row=label, source=label, target=block.target_label.value, field="", kind="object", reason=reason, span=block.cardinality.span))
                losing_rows.add(label)
                rows_lossy_as_a_whole.add(label)
            computed = self._classify(entry["maps"], entry["extends"], entry["rebuilds"], lossy=label in rows_lossy_as_a_whole)
            if stated is not None:
                self._check_cardinality(block, entry["maps"], label, loses=label in losing_rows)
            result.append(ObjectRow(
                label=label,
                target_label=block.target_label.value if block else ", ".join(dict.fromkeys(m.target for m in entry["maps"])) or ", ".join(r.destination for r in entry["rebuilds"]),
                declared=declared,
                classification=computed,
                maps=tuple(m.id for m in entry["maps"]),
                extends=tuple(dict.fromkeys(entry["extends"])),
                rebuilds=tuple(r.source for r in entry["rebuilds"]),
                notes=tuple(entry["notes"]),
                lossy_reason=reason,
                span=entry["span"],
            ))
        return result

    def _classify(self, maps: list[MapInfo], extends: list[str], rebuilds: list[Rebuild], *, lossy: bool) -> str:
        """`lossy`: the row loses whole records (an object-level `lossy`, a `limit`)."""
        if rebuilds and not maps and not extends:
            return "rebuild"
        if lossy:
            return "lossy"
        by_source: dict[str, list[MapInfo]] = {}
        for info in maps:
            by_source.setdefault(info.source, []).append(info)
        for group in by_source.values():
            fan_out = [m for m in group if m.route == ""]
            if len(fan_out) > 1 or (fan_out and len(group) > len(fan_out)):
                return "1:many"
        return "1:1"

    def _check_cardinality(self, block: ast.ObjectBlock, maps: list[MapInfo], label: str, *, loses: bool) -> None:
        """`loses`: something in the row is lost (a drop, a limit, a lossy field or object)."""
        kind = block.cardinality.kind
        if kind == "lossy":
            has_loss = block.cardinality.reason is not None or loses
            if not has_loss:
                self.d.add(codes.CARDINALITY_MISMATCH, block.cardinality.span,
                           f"\"{label}\" is declared lossy, but nothing in it says what is lost; give a reason: `lossy \"...\"`")
        elif kind == "1:1":
            creating = [m for m in maps if not m.merge and m.route == "" and m.grouping == ""]
            fan_out = {m.source for m in creating if sum(1 for o in creating if o.source == m.source) > 1}
            if fan_out:
                self.d.add(codes.CARDINALITY_MISMATCH, block.cardinality.span,
                           f"\"{label}\" is declared 1:1, but each {sorted(fan_out)[0]} record loads several target records; declare it 1:many")
        elif kind == "1:many":
            targets = {m.target for m in maps}
            if len(maps) == 1 and len(targets) == 1 and maps[0].grouping == "" and maps[0].limit is None:
                self.d.add(codes.CARDINALITY_MISMATCH, block.cardinality.span,
                           f"\"{label}\" is declared 1:many, but its one map loads one `{maps[0].target}` per record")

    # ------------------------------------------------------------------ graph, consent, unused

    def _graph(self, maps: list[MapInfo], migration: ast.Migration | None) -> tuple[str, ...]:
        objects = list(dict.fromkeys(m.target for m in maps))
        result = dependency_order(objects, self.ctx.edges)
        for cycle in result.cycles:
            first = next(e for e in self.ctx.edges if e.dependent == cycle[0] and e.target in cycle)
            self.d.add(codes.DEPENDENCY_CYCLE, first.span, "these objects reference each other, so none can load first: " + " -> ".join(cycle + (cycle[0],)),
                       notes=[Note(message="break the cycle: load one side without the lookup, then set it with a second map")])
        order = migration.clause(ast.OrderClause) if migration else None
        if order is not None:
            declared = [n.text for n in order.objects]
            for conflict in order_conflicts(declared, self.ctx.edges):
                at = next(n for n in order.objects if n.text == conflict.target)
                self.d.add(codes.ORDER_CONTRADICTS_REFS, at.span,
                           f"`order` loads {conflict.target} after {conflict.dependent}, but {conflict.dependent}.{conflict.field} refers to {conflict.target}",
                           notes=[Note(message="the ref is here", span=conflict.span)])
            for name in order.objects:
                if name.text not in objects:
                    self.d.add(codes.ORDER_UNKNOWN_OBJECT, name.span, f"`order` names `{name.text}`, but no map loads it")
            # A valid declared order wins; objects it does not name follow in dependency order.
            if not self.d.has_errors:
                named = [n for n in declared if n in objects]
                return tuple(named + [o for o in result.order if o not in named])
        return result.order

    def _consent(self, migration: ast.Migration | None) -> None:
        if migration is None:
            return
        consent = migration.clause(ast.ConsentClause)
        if consent is not None:
            env, _ = source_env(self.ctx, consent.subject)
            self.exprs.condition(consent.condition, env, "a consent condition")
            return
        if self.ctx.pii_reads:
            source, field = self.ctx.pii_reads[0]
            count = len(set(self.ctx.pii_reads))
            self.d.add(
                codes.CONSENT_MISSING, migration.name.span,
                f"this migration moves personal data ({source}.{field} and {count - 1} more field{'s' if count != 2 else ''}) but has no consent gate",
                notes=[Note(message="add `consent gdpr for <Object> when <condition>` to the header: the run then stops until consent is recorded")],
                fix=Fix(title="add a consent gate", edits=(TextEdit(span=migration.span.before_end(), new_text=f"  consent gdpr for {source} when country in eu_countries\n"),)),
            )

    def _unused(self) -> None:
        for symbol in self.scope.symbols.values():
            if symbol.local and symbol.kind in ("let", "values") and not symbol.used and symbol.span is not None:
                if self.module.migration is None:
                    continue  # a library file declares names for others to use
                self.d.add(codes.UNUSED_DECLARATION, symbol.span, f"`{symbol.name}` is declared but never used")

    def _unmapped(self, rebuilds: list[Rebuild]) -> tuple[UnmappedField, ...]:
        if self.ctx.sources is None:
            return ()
        result = []
        mapped_sources = set(self.ctx.used_fields) | {r.source for r in rebuilds}
        for source in sorted(mapped_sources):
            view = self.ctx.sources.get(source)
            if view is None:
                continue
            touched = self.ctx.used_fields.get(source, set()) | self.ctx.dropped_fields.get(source, set())
            for name in sorted(view.fields):
                if name not in touched:
                    result.append(UnmappedField(source=source, field=name))
        return tuple(result)


def _field_change(object_name: str, field_name: str, kind: T.Type, label, required: bool, unique: bool, span: Span) -> SchemaChange:
    """A custom field to create, with the facts the target's field API needs."""
    return SchemaChange(
        kind="field", object=object_name, field=field_name, type=str(kind), label=label.value if label else "",
        length=kind.length, values=kind.values, lookup=kind.to[0] if kind.kind == "lookup" and kind.to else "",
        required=required, unique=unique, span=span,
    )


def _moved_maps(model: Model, moves: dict[str, Callable[[object], object]]) -> Model:
    maps = tuple(moves[info.id](info) if info.id in moves else info for info in model.maps)
    return msgspec.structs.replace(model, maps=maps)


def _mark_late_merges(maps: list[MapInfo], load_order: tuple[str, ...]) -> list[MapInfo]:
    """Sets `late` on merges that look up an object loading after their own (a cycle broken by
    a merge): the plan and the run engine both schedule those after every create."""
    position = {name: index for index, name in enumerate(load_order)}
    marked = []
    for info in maps:
        own = position.get(info.target, -1)
        late = info.merge and any(position.get(target, -1) > own for p in info.fields for target in p.ref_targets)
        marked.append(msgspec.structs.replace(info, late=True) if late else info)
    return marked
