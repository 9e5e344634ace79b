"""The schema phase: what the target must have before any record loads, in the order it needs it.

Custom modules first (their fields need them), then the modules' fields, then custom fields on
existing objects (a lookup field needs its module), then new picklist options, then tags where
the target creates tags per object before records carry them. Where the target names custom
fields itself (from the label, or a random hash), each object's generated names are read back
right after its fields are created, because the load needs them.
"""

from __future__ import annotations

import math
from typing import Final

import msgspec

from migc.catalog.schema import Catalog
from migc.plan.model import Estimate, Step
from migc.semantics.model import Model

# Targets whose tags must exist before records carry them, created per object. The catalog
# schema has no place for this yet, so the fact lives here with its source
# (shared/platforms/zoho_crm.md, "Tags"; OAS tags.json createTags).
TAGS_CREATED_PER_OBJECT: Final = {
    "zoho_crm": "POST /settings/tags?module={object}",
}


def schema_steps(model: Model, catalog: Catalog, tier: str) -> list[Step]:
    rules = catalog.platform.custom_fields
    batch = rules.create_batch if rules is not None and rules.create_batch else 1
    read_back = rules is not None and rules.generated_key in ("label", "hash")
    modules = [change for change in model.schema if change.kind == "module"]
    module_names = {change.object for change in modules}
    fields_by_object: dict[str, list[str]] = {}
    for change in model.schema:
        if change.kind == "field":
            fields_by_object.setdefault(change.object, []).append(change.field)
    steps: list[Step] = []
    for change in modules:
        steps.append(_schema_step(
            "create-module", f"create custom module {change.object} (\"{change.label or change.object}\")",
            change.object, (change.object,), 1, "schema",
        ))
    ordered = [name for name in fields_by_object if name in module_names] + [name for name in fields_by_object if name not in module_names]
    for name in ordered:
        fields = fields_by_object[name]
        where = "custom module" if name in module_names else "object"
        notes = []
        if rules is not None and rules.max_per_object and len(fields) > rules.max_per_object:
            notes.append(f"{len(fields)} fields exceed the {rules.max_per_object} custom fields an object may have")
        steps.append(_schema_step(
            "create-fields", f"create {len(fields)} custom field{'s' if len(fields) != 1 else ''} on {where} {name}",
            name, tuple(fields), batch, "schema", notes=tuple(notes),
        ))
        if read_back:
            how = "from each label" if rules.generated_key == "label" else "as a random key per account"  # type: ignore[union-attr]
            steps.append(_schema_step(
                "read-field-names", f"read back the field names {catalog.platform.label} generated {how} on {name}",
                name, (), 1, "read", records=1,
            ))
    if rules is not None and rules.max_per_account:
        created = sum(len(fields) for fields in fields_by_object.values())
        cap = next((v for k, v in rules.max_per_account.items() if k.lower() == tier.lower()), None)
        field_steps = [index for index, step in enumerate(steps) if step.kind == "create-fields"]
        if cap is not None and created > cap and field_steps:
            last = steps[field_steps[-1]]
            note = f"{created} custom fields in all exceed the {cap} the {tier} tier allows per account"
            steps[field_steps[-1]] = msgspec.structs.replace(last, notes=last.notes + (note,))
    for change in model.schema:
        if change.kind == "picklist":
            steps.append(_schema_step(
                "add-picklist-values", f"add {len(change.values)} option{'s' if len(change.values) != 1 else ''} to picklist {change.object}.{change.field}",
                change.object, change.values, max(1, len(change.values)), "schema", records=1,
            ))
    endpoint = TAGS_CREATED_PER_OBJECT.get(catalog.platform.name)
    if endpoint is not None:
        tag_notes = tuple(g.title for g in catalog.platform.gotchas if "tag" in g.id)
        for name, sources in _tag_fields(model).items():
            steps.append(_schema_step(
                "create-tags", f"create the tags {name} records carry (names known after extraction)",
                name, sources, 1, "schema", records=1, endpoint=endpoint.format(object=name),
                notes=("one call per object is assumed: the number of tags per create call is unconfirmed",) + tag_notes,
            ))
    return steps


def _tag_fields(model: Model) -> dict[str, tuple[str, ...]]:
    """Object -> the source fields its tags-typed fields are computed from, in map order."""
    result: dict[str, list[str]] = {}
    for info in model.maps:
        for program in info.fields:
            if program.type == "tags" or program.type.startswith("tags("):
                reads = [f"{info.source}.{name}" for name in program.reads] or [f"{info.source} (computed)"]
                result.setdefault(info.target, []).extend(f"{program.field} <- {read}" for read in reads)
    return {name: tuple(dict.fromkeys(items)) for name, items in result.items()}


def _schema_step(
    kind: str, description: str, object_name: str, items: tuple[str, ...], batch: int, operation: str,
    *, records: int | None = None, endpoint: str = "", notes: tuple[str, ...] = (),
) -> Step:
    count = len(items) if records is None else records
    return Step(
        kind=kind, description=description, object=object_name, operation=operation, endpoint=endpoint, items=items,
        records=Estimate(records=count, basis="schema items"), batch_size=batch, calls=math.ceil(count / batch),
        units=None, seconds=None, binding="", notes=notes,
    )
