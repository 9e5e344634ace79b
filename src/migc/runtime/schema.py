"""The schema phase: creates the custom modules, fields and picklist options the file declares (and
a source-id stamp field on objects that keyless maps load), and records the API names the target
assigns (`TargetNames`). What the target's API cannot create (a lookup field, a Freshsales module)
is listed as admin steps, and the run stops with `SchemaIncomplete` until they are done."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from migc import ir
from migc.connectors.base import (
    ConnectorError,
    FieldDefinition,
    ModuleDefinition,
    RetriesExhausted,
    SchemaOperationFailed,
    TargetConnector,
    UnsupportedOperation,
)
from migc.runtime.interface import Event, SchemaIncomplete
from migc.runtime.journal import Journal
from migc.semantics.model import SchemaChange

STAMP_LABEL = "migc source id"
# A schema call that failed in a way another try may not is tried this many times in all.
SCHEMA_CALL_TRIES = 3

# .mig type kinds -> the connectors' neutral field types (`migc.connectors.base.FieldType`).
_TYPE_OF_KIND = {
    "string": "text", "text": "textarea", "json": "textarea", "integer": "integer", "decimal": "decimal",
    "boolean": "boolean", "date": "date", "datetime": "datetime", "email": "email", "phone": "phone", "url": "url",
    "picklist": "picklist", "multipicklist": "multipicklist", "tags": "multipicklist",
}



class TargetNames:
    """The API names the target assigned to what the file declares, as the schema phase recorded
    them; a name the phase did not record is the `.mig` name."""

    def __init__(self) -> None:
        self.modules: dict[str, str] = {}  # .mig module name -> API name
        self.fields: dict[tuple[str, str], str] = {}  # (object, .mig field) -> API name
        self.stamps: dict[str, str] = {}  # target object -> API name of its stamp field

    def object_name(self, mig_name: str) -> str:
        return self.modules.get(mig_name, mig_name)

    def field_name(self, object_name: str, mig_field: str) -> str:
        return self.fields.get((object_name, mig_field), mig_field)

    def state(self) -> dict[str, Any]:
        """The names as the schema checkpoint keeps them."""
        return {"modules": self.modules, "fields": [[o, f, n] for (o, f), n in sorted(self.fields.items())], "stamps": self.stamps}

    def restore(self, state: dict[str, Any]) -> None:
        """The names a schema checkpoint kept (for a resumed run, and commands that run after it)."""
        self.modules = dict(state.get("modules", {}))
        self.fields = {(o, f): n for o, f, n in state.get("fields", [])}
        self.stamps = dict(state.get("stamps", {}))


class SchemaPhase:
    """Creates what the file declares on the target, once per run (a checkpoint marks it done),
    recording the API names in `names`."""

    def __init__(self, *, changes: Sequence[SchemaChange], maps: Sequence[ir.MapProgram], target: TargetConnector,
                 journal: Journal, names: TargetNames, emit: Event, warn: Callable[[str, str], None]) -> None:
        self.changes = changes
        self.maps = maps
        self.target = target
        self.journal = journal
        self.names = names
        self.emit = emit
        self.warn = warn

    async def run(self) -> None:
        saved = self.journal.checkpoint("schema")
        if saved is not None and saved[0] == "done":
            self.names.restore(saved[1])
            self.emit("phase-skipped", {"phase": "schema"})
            return
        self.emit("phase-start", {"phase": "schema", "changes": len(self.changes)})
        steps: list[str] = []
        missing_modules: set[str] = set()
        described: dict[str, list[dict[str, Any]]] = {}
        for change in self.changes:
            if change.kind != "module":
                continue
            label = change.label or change.object
            try:
                self.names.modules[change.object] = await self._schema_call(self.target.create_module,
                    ModuleDefinition(singular_label=label, plural_label=label, api_name=change.object))
            except (UnsupportedOperation, SchemaOperationFailed) as error:
                if await self._fields_of(change.object, described) is not None:
                    self.names.modules[change.object] = change.object  # created by an admin
                else:
                    missing_modules.add(change.object)
                    steps.append(f"custom module {change.object} (label {label!r}) with its fields: {error}")
        key_fields = {(m.target, m.key_field) for m in self.maps if m.key_field and not m.merge}
        for change in self.changes:
            if change.kind != "field" or change.object in missing_modules:
                continue
            api_object = self.names.object_name(change.object)
            existing = await self._existing_field(api_object, change.field, change.label or change.field, described)
            if existing is not None:
                self.names.fields[(change.object, change.field)] = existing
                continue
            kind = change.type.split("(")[0].split("[")[0]
            try:
                if kind == "lookup":
                    definition = FieldDefinition(label=change.label or change.field, type="text", lookup=self.names.object_name(change.lookup))
                else:
                    definition = self._field_definition(change, unique=(change.object, change.field) in key_fields)
                self.names.fields[(change.object, change.field)] = await self._schema_call(self.target.create_field, api_object, definition)
                described.pop(api_object, None)
            except (UnsupportedOperation, SchemaOperationFailed) as error:
                what = "lookup field" if kind == "lookup" else "field"
                steps.append(f"{what} {change.object}.{change.field} (label {change.label or change.field!r}, {change.type}): {error}")
        for change in self.changes:
            if change.kind != "picklist" or change.object in missing_modules:
                continue
            try:
                await self._schema_call(self.target.add_picklist_values, self.names.object_name(change.object),
                                        self.names.field_name(change.object, change.field), list(change.values))
            except (UnsupportedOperation, SchemaOperationFailed) as error:
                steps.append(f"picklist values {', '.join(change.values)} on {change.object}.{change.field}: {error}")
        for program in self.maps:
            if program.key_field or program.merge or program.target in self.names.stamps or program.target in missing_modules:
                continue
            api_object = self.names.object_name(program.target)
            existing = await self._existing_field(api_object, "", STAMP_LABEL, described)
            if existing is not None:
                self.names.stamps[program.target] = existing
                continue
            definition = FieldDefinition(label=STAMP_LABEL, type="text", length=255, unique=True,
                                         description="The source record this record was migrated from (migc).")
            try:
                self.names.stamps[program.target] = await self._schema_call(self.target.create_field, api_object, definition)
            except ConnectorError as error:
                # Not fatal: records still load, but an interrupted write to this object cannot be checked.
                self.warn(f"stamp:{program.target}", f"{program.target} gets no {STAMP_LABEL!r} field ({error}); an interrupted "
                          "insert is checked by comparing content where the target can list the object, else held for review")
        if steps:
            self.emit("schema-incomplete", {"steps": steps})
            raise SchemaIncomplete(steps)
        self.journal.set_checkpoint("schema", "done", self.names.state())
        self.emit("phase-end", {"phase": "schema"})

    async def _schema_call(self, call, *args):
        """A schema call, tried again when it failed in a way another try may not (a lost reply the
        connector could not settle, retries exhausted); connectors make these calls idempotent by
        looking first. What the target cannot do at all (`UnsupportedOperation`) is not retried."""
        for attempt in range(SCHEMA_CALL_TRIES):
            try:
                return await call(*args)
            except (SchemaOperationFailed, RetriesExhausted):
                if attempt == SCHEMA_CALL_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def _fields_of(self, api_object: str, cache: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
        """The object's fields as `describe()` reports them, or None when the target cannot say."""
        if api_object not in cache:
            try:
                cache[api_object] = list((await self.target.describe(api_object)).get("fields") or [])
            except ConnectorError:
                return None
        return cache[api_object]

    async def _existing_field(self, api_object: str, api_name: str, label: str, cache) -> str | None:
        fields = await self._fields_of(api_object, cache) or []
        wanted = label.strip().casefold()
        for field in fields:
            if api_name and field.get("key") == api_name:
                return str(field["key"])
        for field in fields:
            if str(field.get("label", "")).strip().casefold() == wanted and field.get("custom", True):
                return str(field["key"])
        return None

    def _field_definition(self, change, *, unique: bool) -> FieldDefinition:
        kind = change.type.split("(")[0].split("[")[0]
        length = change.length if kind in ("string", "text") else None
        return FieldDefinition(label=change.label or change.field, type=_TYPE_OF_KIND.get(kind, "text"), length=length,
                               picklist=change.values if kind in ("picklist", "multipicklist") else (),
                               unique=unique or change.unique)
