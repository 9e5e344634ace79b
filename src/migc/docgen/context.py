"""The data each document shows, computed from the checked model, the catalogs and the plan.

Templates only lay these Structs out: every number and every sentence that depends on the
mapping is made here, so the Markdown and HTML versions of a document always agree, and no
figure is typed into a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import msgspec

from migc.catalog.schema import Catalog, Fact
from migc.docgen.complexity import Complexity, grade
from migc.docgen.timeline import Timeline, timeline
from migc.plan import words
from migc.plan.details import MapDetails, map_details
from migc.plan.model import LoadPlan, Phase
from migc.semantics.check import Analysis
from migc.semantics.model import FieldProgram, MapInfo, Model, ObjectRow
from migc.source import Span


class _View(msgspec.Struct, frozen=True, kw_only=True):
    """Frozen and keyword-only, like every other data type of the pipeline."""


class Header(_View, frozen=True, kw_only=True):
    migration: str
    file: str
    source: str
    target: str
    errors: int


class RowView(_View, frozen=True, kw_only=True):
    label: str
    target_label: str
    cardinality: str
    classification: str
    notes: tuple[str, ...]


class FieldView(_View, frozen=True, kw_only=True):
    field: str
    type: str
    reads: str
    coercion: str
    lookup: str
    values: str
    lossy: str
    key: bool


class FieldTable(_View, frozen=True, kw_only=True):
    row: str
    map: str
    heading: str
    shape: tuple[str, ...]
    fields: tuple[FieldView, ...]
    drops: tuple[str, ...]
    flags: tuple[str, ...]


class GotchaView(_View, frozen=True, kw_only=True):
    title: str
    detail: str
    unconfirmed: str
    source: str


class ApproachStep(_View, frozen=True, kw_only=True):
    title: str
    text: str


class ScopePage(_View, frozen=True, kw_only=True):
    header: Header
    compatibility: str
    complexity: Complexity
    timeline: Timeline
    facts: tuple[tuple[str, str], ...]
    rows: tuple[RowView, ...]
    field_tables: tuple[FieldTable, ...]
    source_gotchas: tuple[GotchaView, ...]
    target_gotchas: tuple[GotchaView, ...]
    prerequisites: tuple[str, ...]
    approach: tuple[ApproachStep, ...]
    assumptions: tuple[str, ...]


class LossyView(_View, frozen=True, kw_only=True):
    row: str
    source: str
    target: str
    field: str
    kind: str
    reason: str
    line: int


class UnmappedGroup(_View, frozen=True, kw_only=True):
    source: str
    fields: tuple[str, ...]


class LossyReport(_View, frozen=True, kw_only=True):
    header: Header
    summary: tuple[tuple[str, str], ...]
    points: tuple[LossyView, ...]
    unmapped: tuple[UnmappedGroup, ...]
    unmapped_count: int


class RebuildView(_View, frozen=True, kw_only=True):
    row: str
    source: str
    source_label: str
    destination: str
    items: tuple[str, ...]
    notes: tuple[str, ...]
    constraints: tuple[str, ...]
    lossy: tuple[str, ...]
    related: tuple[GotchaView, ...]
    line: int


class RebuildInventory(_View, frozen=True, kw_only=True):
    header: Header
    rebuilds: tuple[RebuildView, ...]
    item_count: int


# ---------------------------------------------------------------------------------------- builders


def header(plan: LoadPlan) -> Header:
    return Header(migration=plan.migration, file=plan.file, source=plan.source.label, target=plan.target.label, errors=plan.errors)


def compatibility_text(model: Model) -> str:
    """The scope page's figure, from `Model.compatibility` (the same pair the plan and `migc check --format json` hold)."""
    one_to_one, objects = model.compatibility
    return f"{one_to_one} of {objects}"


def scope_page(analysis: Analysis, plan: LoadPlan) -> ScopePage:
    model = _model(analysis)
    details = map_details(analysis, model.maps)
    complexity = grade(model, plan)
    span_of_map = {m.id: m for m in model.maps}
    field_count = sum(len(m.fields) for m in model.maps)
    facts = (
        ("Object rows", str(len(model.rows))),
        ("Maps", str(len(model.maps))),
        ("Target fields set", f"{field_count:,}"),
        ("Custom schema changes", str(len(model.schema))),
        ("Lossy points", str(len(model.lossy))),
        ("Rebuild blocks", str(len(model.rebuilds))),
        ("Records to create", words.count(plan.totals.records) + ("" if plan.totals.complete else " (some sources not counted)")),
        ("API calls", f"{plan.totals.calls:,}"),
        ("Estimated load time", words.duration(plan.totals.seconds) + f" ({plan.target.label} {plan.budget.tier})".replace(" )", ")")),
    )
    return ScopePage(
        header=header(plan),
        compatibility=compatibility_text(model),
        complexity=complexity,
        timeline=timeline(complexity.grade, plan),
        facts=facts,
        rows=tuple(_row(row) for row in model.rows),
        field_tables=tuple(_field_tables(model, span_of_map, details)),
        source_gotchas=_gotchas(analysis.source_catalog),
        target_gotchas=_gotchas(analysis.target_catalog),
        prerequisites=plan.prerequisites,
        approach=_approach(plan),
        assumptions=plan.assumptions,
    )


def lossy_report(analysis: Analysis, plan: LoadPlan) -> LossyReport:
    model = _model(analysis)
    kinds: dict[str, int] = {}
    for point in model.lossy:
        kinds[point.kind] = kinds.get(point.kind, 0) + 1
    groups: dict[str, list[str]] = {}
    for field in model.unmapped:
        groups.setdefault(field.source, []).append(field.field)
    summary = (("Lossy points", str(len(model.lossy))),) + tuple(
        (f"{_KIND_WORDS[kind]}", str(kinds[kind])) for kind in _KIND_WORDS if kind in kinds
    ) + (("Unmapped source fields", str(len(model.unmapped))),)
    return LossyReport(
        header=header(plan),
        summary=summary,
        points=tuple(
            LossyView(row=p.row, source=p.source, target=p.target, field=p.field or "(whole object)", kind=p.kind, reason=p.reason, line=p.span.line)
            for p in model.lossy
        ),
        unmapped=tuple(UnmappedGroup(source=source, fields=tuple(fields)) for source, fields in sorted(groups.items())),
        unmapped_count=len(model.unmapped),
    )


def rebuild_inventory(analysis: Analysis, plan: LoadPlan) -> RebuildInventory:
    model = _model(analysis)
    catalog = analysis.source_catalog
    views = []
    for rebuild in model.rebuilds:
        spec = catalog.objects.get(rebuild.source) if catalog is not None else None
        label = spec.label if spec is not None else rebuild.source
        views.append(RebuildView(
            row=rebuild.row, source=rebuild.source, source_label=label, destination=rebuild.destination, items=rebuild.items,
            notes=rebuild.notes, constraints=rebuild.constraints, lossy=rebuild.lossy,
            related=_related_gotchas(catalog, (rebuild.source, label)), line=rebuild.span.line,
        ))
    return RebuildInventory(header=header(plan), rebuilds=tuple(views), item_count=sum(len(r.items) for r in model.rebuilds))


_KIND_WORDS = {
    "object": "Whole objects (lossy rows and maps)",
    "field": "Narrowed fields",
    "drop": "Dropped source fields",
    "limit": "Record limits",
    "rebuild": "Lost in a rebuild",
}


def _model(analysis: Analysis) -> Model:
    if analysis.model is None:
        raise ValueError("documents need a checked model")
    return analysis.model


def _row(row: ObjectRow) -> RowView:
    notes = list(row.notes)
    if row.lossy_reason:
        notes.insert(0, f"Lossy: {row.lossy_reason}")
    if row.declared and row.declared != row.classification:
        notes.append(f"Declared {row.declared}; the maps make it {row.classification}.")
    return RowView(
        label=row.label, target_label=row.target_label, cardinality=row.declared or "—", classification=row.classification,
        notes=tuple(notes),
    )


def _within(inner: Span, outer: Span) -> bool:
    return inner.file == outer.file and outer.start <= inner.start and inner.end <= outer.end


def _field_tables(model: Model, maps: dict[str, MapInfo], details: dict[str, MapDetails]) -> Iterable[FieldTable]:
    """One table per (row, map): the fields the row's own blocks set, extends included."""
    for row in model.rows:
        for map_id in dict.fromkeys(row.maps + row.extends):
            info = maps.get(map_id)
            if info is None:
                continue
            programs = [p for p in info.fields if _within(p.span, row.span)]
            if not programs:
                continue
            own = map_id in row.maps
            heading = f"{info.source} → {info.target}" + ("" if own else f" (adds to `{map_id}`)")
            yield FieldTable(
                row=row.label, map=map_id, heading=heading, shape=_shape(info, details.get(map_id, MapDetails())) if own else (),
                fields=tuple(_field(p) for p in programs),
                drops=tuple(info.drops) if own else (), flags=tuple(info.flags) if own else (),
            )


def _shape(info: MapInfo, detail: MapDetails) -> tuple[str, ...]:
    shape = []
    if info.grouping:
        by = f" `{detail.group_by}`" if detail.group_by else ""
        shape.append(f"{info.grouping}: one record per key{by}")
    if info.route == "where":
        shape.append(f"routed: takes the records where `{detail.condition}`" if detail.condition else "routed: takes the records its `where` condition selects")
    elif info.route == "otherwise":
        shape.append("routed: takes the records no earlier `where` map took")
    if info.merge:
        shape.append(f"merge: updates records loaded by another map, found by `{info.key}`")
    elif info.key:
        shape.append(f"key: `{info.key}`")
    if info.limit is not None:
        per = f"`{detail.limit_per}`" if detail.limit_per else "group"
        shape.append(f"limit: at most {info.limit} per {per}")
    if info.lossy:
        shape.append(f"lossy: {info.lossy}")
    return tuple(shape)


def _field(program: FieldProgram) -> FieldView:
    # A chain reads as its links in order: "contacts by cf_cio_id, else leads by cf_cio_id".
    lookup = ", else ".join(f"{link.target} by {', '.join(link.keys)}" if link.keys else link.target for link in program.refs)
    if program.type_field:
        lookup += f" (sets {program.type_field})"
    return FieldView(
        field=program.field, type=program.type, reads=", ".join(program.reads) or "(computed)", coercion=program.coercion,
        lookup=lookup, values=program.values_table, lossy=program.lossy, key=program.is_key,
    )


def _gotcha(fact: Fact) -> GotchaView:
    return GotchaView(title=fact.title, detail=fact.detail, unconfirmed=fact.unconfirmed, source=fact.source)


def _gotchas(catalog: Catalog | None) -> tuple[GotchaView, ...]:
    return tuple(_gotcha(fact) for fact in catalog.platform.gotchas) if catalog is not None else ()


def _related_gotchas(catalog: Catalog | None, names: Sequence[str]) -> tuple[GotchaView, ...]:
    """Source gotchas whose title names the rebuilt object (widget asset limits for Widget); details
    mention objects in passing too often to be a useful signal."""
    if catalog is None:
        return ()
    patterns = [re.compile(rf"\b{re.escape(name)}s?\b", re.IGNORECASE) for name in dict.fromkeys(names) if name]
    return tuple(
        _gotcha(fact) for fact in catalog.platform.gotchas
        if any(p.search(fact.title) for p in patterns)
    )


def _approach(plan: LoadPlan) -> tuple[ApproachStep, ...]:
    steps = [ApproachStep(title="Before the run", text=" ".join(plan.prerequisites))]
    if plan.schema.steps:
        kinds = {}
        for step in plan.schema.steps:
            kinds[step.kind] = kinds.get(step.kind, 0) + len(step.items)
        made = []
        if kinds.get("create-module"):
            made.append(words.plural(kinds["create-module"], "custom module"))
        if kinds.get("create-fields"):
            made.append(words.plural(kinds["create-fields"], "custom field"))
        if kinds.get("add-picklist-values"):
            made.append(words.plural(kinds["add-picklist-values"], "picklist option"))
        if kinds.get("create-tags"):
            made.append("the tags of " + ", ".join(sorted({s.object for s in plan.schema.steps if s.kind == "create-tags"})))
        steps.append(ApproachStep(
            title="Schema",
            text=f"Create {_join(made)} in {plan.target.label} ({words.plural(plan.schema.calls, 'API call')}), then read back the names it generates.",
        ))
    for phase in plan.phases:
        title = f"Phase {phase.number}: {phase.label}" + (", late merges" if phase.late else "")
        steps.append(ApproachStep(title=title, text=_phase_text(phase)))
    if plan.delta.window:
        steps.append(ApproachStep(title="Delta pass", text=f"Reload what changed in the last {plan.delta.window}, phase by phase in the same order."))
    steps.append(ApproachStep(title="Cutover", text=" ".join(plan.cutover.steps)))
    return tuple(steps)


def _phase_text(phase: Phase) -> str:
    sources = list(dict.fromkeys(s.source for s in phase.steps if s.source and s.kind != "link"))
    if phase.late:
        return (f"Once every object exists, update {phase.label} from {_join(sources)}: these merges look up objects that load "
                f"after {phase.label}. {words.count(phase.calls)} API calls, {words.duration(phase.seconds)}; reconcile at the end.")
    parts = [f"Load {words.count(phase.records, upper=phase.upper_bound)} {phase.label} records from {_join(sources)}"]
    needs = [lookup for lookup in phase.lookups if lookup.resolution == "loaded-earlier"]
    if needs:
        parts.append("their lookups to " + _join(list(dict.fromkeys(l.target for l in needs))) + " resolve against the phases before")
    if any(s.kind == "merge" for s in phase.steps):
        parts.append("merges then update them")
    if any(s.kind == "link" for s in phase.steps):
        parts.append("a second pass links records to each other")
    if phase.in_cycle:
        parts.append("part of a dependency cycle: some lookups stay empty")
    text = "; ".join(parts)
    return f"{text}. {words.count(phase.calls)} API calls, {words.duration(phase.seconds)}; reconcile before the next phase."


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if not items:
        return "nothing"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
