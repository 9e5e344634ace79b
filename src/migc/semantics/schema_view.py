"""The checker's view of both platforms' schemas: catalog objects typed for .mig, plus the
custom modules, fields and picklist options the file itself declares with `create`."""

from __future__ import annotations

import msgspec

from migc.catalog.schema import Catalog, FieldSpec, ObjectSpec
from migc.semantics import types as T
from migc.semantics.expressions import FieldInfo
from migc.source import Span


class FieldView(msgspec.Struct, kw_only=True):
    name: str
    type: T.Type
    required: bool = False
    unique: bool = False
    read_only: bool = False
    pii: bool = False
    custom: bool = False
    label: str = ""
    doc: str = ""
    declared_at: Span | None = None  # a `create field` in the .mig file
    nested: dict[str, FieldInfo] = {}
    # A polymorphic lookup's companion field and its value per object (catalog `type-field`).
    type_field: str = ""
    type_values: dict[str, str] = {}


class ObjectView(msgspec.Struct, kw_only=True):
    name: str
    label: str
    fields: dict[str, FieldView]
    loadable: bool = True
    preexisting: bool = False
    custom: bool = False
    required_any: tuple[tuple[str, ...], ...] = ()
    doc: str = ""
    declared_at: Span | None = None

    def copy(self) -> ObjectView:
        """A copy whose fields (and their types) a check may change without touching this view."""
        return msgspec.structs.replace(self, fields={name: msgspec.structs.replace(field) for name, field in self.fields.items()})

    def field_infos(self) -> dict[str, FieldInfo]:
        return {
            name: FieldInfo(name=name, type=field.type, pii=field.pii, doc=field.doc, nested=field.nested)
            for name, field in self.fields.items()
        }


def type_of(spec: FieldSpec) -> T.Type:
    kind = spec.type
    if kind == "list":
        return T.list_of(T.simple(spec.item or "any"))
    if kind in ("picklist", "multipicklist"):
        return T.Type(kind=kind, values=tuple(spec.values))
    if kind == "lookup":
        return T.Type(kind="lookup", to=spec.targets)
    if kind == "decimal":
        return T.Type(kind=kind, precision=spec.precision, scale=spec.scale)
    if kind == "integer":
        return T.Type(kind=kind, digits=spec.digits)
    return T.Type(kind=kind, length=spec.length)


def _nested(spec: FieldSpec) -> dict[str, FieldInfo]:
    return {
        name: FieldInfo(name=name, type=type_of(child), pii=child.pii, doc=child.doc, nested=_nested(child))
        for name, child in spec.fields.items()
    }


def field_view(name: str, spec: FieldSpec) -> FieldView:
    return FieldView(
        name=name,
        type=type_of(spec),
        required=spec.required,
        unique=spec.unique,
        read_only=spec.read_only,
        pii=spec.pii,
        custom=spec.custom,
        label=spec.label,
        doc=spec.doc,
        nested=_nested(spec),
        type_field=spec.type_field,
        type_values=spec.type_values,
    )


def object_view(name: str, spec: ObjectSpec, *, role: str) -> ObjectView:
    return ObjectView(
        name=name,
        label=spec.label,
        fields={field_name: field_view(field_name, field) for field_name, field in spec.fields.items()},
        loadable=spec.loadable if role == "target" else False,
        preexisting=spec.preexisting,
        custom=spec.kind == "custom",
        required_any=tuple(tuple(group) for group in spec.required_any),
        doc=spec.doc,
    )


def catalog_objects(catalog: Catalog) -> dict[str, ObjectView]:
    """Views of the catalog's objects, fresh for each check (its `create`s add to them). They are
    typed once per catalog and copied: typing every field again cost more than checking a small file."""
    return {name: view.copy() for name, view in _typed_views(catalog).items()}


# Typed views by catalog identity: catalogs are frozen, and `load_catalog` returns the same object
# until a file changes. Each entry keeps its catalog alive, so no other catalog can take its id.
_TYPED_VIEWS: dict[int, tuple[Catalog, dict[str, ObjectView]]] = {}
_TYPED_VIEWS_KEPT = 16


def _typed_views(catalog: Catalog) -> dict[str, ObjectView]:
    entry = _TYPED_VIEWS.get(id(catalog))
    if entry is None:
        if len(_TYPED_VIEWS) >= _TYPED_VIEWS_KEPT:
            _TYPED_VIEWS.pop(next(iter(_TYPED_VIEWS)), None)  # the oldest
        role = catalog.platform.role
        views = {name: object_view(name, spec, role=role) for name, spec in catalog.objects.items()}
        entry = _TYPED_VIEWS[id(catalog)] = (catalog, views)
    return entry[1]
