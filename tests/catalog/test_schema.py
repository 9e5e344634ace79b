"""Rules the catalog structs enforce on themselves (migc.catalog.schema)."""

from __future__ import annotations

import msgspec
import pytest

from migc.catalog.schema import AuthSpec, Catalog, FieldSpec, ObjectSpec, PlatformInfo, RuleViolation


def _field_problem(**attributes: object) -> str:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(attributes, FieldSpec)
    cause = caught.value.__cause__
    assert isinstance(cause, RuleViolation)
    return str(cause)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"type": "picklist"}, "values: a picklist needs at least one allowed value"),
        ({"type": "multipicklist", "values": ["a", "a"]}, "values: duplicate value 'a'"),
        ({"type": "string", "values": ["a"]}, "values: only picklist and multipicklist take values"),
        ({"type": "lookup"}, "to: a lookup needs `to`"),
        ({"type": "lookup", "to": []}, "to: a lookup needs `to`"),
        ({"type": "string", "to": "Accounts"}, "to: only a lookup takes `to`"),
        ({"type": "list"}, "item: a list needs `item`"),
        ({"type": "list", "item": "list"}, "item: a list of lists is not supported"),
        ({"type": "string", "item": "string"}, "item: only a list takes `item`"),
        ({"type": "integer", "length": 5}, "length: integer has no length"),
        ({"type": "string", "digits": 5}, "digits: only an integer has digits"),
        ({"type": "integer", "scale": 2}, "precision: only a decimal has precision and scale"),
        ({"type": "decimal", "precision": 4, "scale": 6}, "scale: scale 6 exceeds precision 4"),
        ({"type": "boolean", "max-items": 3}, "max-items: boolean holds one value"),
        ({"type": "string", "fields": {"a": {"type": "string"}}}, "fields: only json"),
        ({"type": "id", "required": True, "read-only": True}, "required: a field cannot be both required"),
        ({"type": "string", "type-field": "Kind"}, "type-field: only a lookup has a type field, not string"),
        ({"type": "lookup", "to": ["A", "B"], "type-field": "Kind"}, "type-values: a type field needs `type-values`"),
        ({"type": "lookup", "to": ["A", "B"], "type-values": {"A": "a", "B": "b"}}, "type-field: `type-values` need `type-field`"),
        ({"type": "lookup", "to": ["A", "B"], "type-field": "Kind", "type-values": {"A": "a", "B": "b", "Cc": "c"}},
         "type-values: 'Cc' is not an object of `to`"),
        ({"type": "lookup", "to": ["A", "B"], "type-field": "Kind", "type-values": {"A": "a"}},
         "type-values: no value for 'B': every object of `to` needs one"),
    ],
)
def test_field_rules(attributes: dict[str, object], expected: str) -> None:
    assert _field_problem(**attributes).startswith(expected)


def test_field_length_must_be_positive() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"Expected `int` >= 1 - at `\$.length`"):
        msgspec.convert({"type": "string", "length": 0}, FieldSpec)


def test_valid_fields_and_lookup_targets() -> None:
    assert msgspec.convert({"type": "lookup", "to": "Users"}, FieldSpec).targets == ("Users",)
    poly = msgspec.convert({"type": "lookup", "to": ["Accounts", "Deals"]}, FieldSpec)
    assert poly.targets == ("Accounts", "Deals")
    assert msgspec.convert({"type": "string"}, FieldSpec).targets == ()
    nested = msgspec.convert(
        {"type": "list", "item": "json", "fields": {"value": {"type": "email"}}}, FieldSpec
    )
    assert nested.fields["value"].type == "email"


def test_a_polymorphic_lookup_names_its_type_field_and_a_value_per_object() -> None:
    spec = msgspec.convert(
        {"type": "lookup", "to": ["A", "B"], "type-field": "Kind", "type-values": {"A": "Ay", "B": "Bee"}}, FieldSpec
    )
    assert (spec.type_field, spec.type_values) == ("Kind", {"A": "Ay", "B": "Bee"})


def _object(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "label": "Contact",
        "plural-label": "Contacts",
        "kind": "standard",
        "id-field": "id",
        "fields": {"id": {"type": "id"}, "Email": {"type": "email"}, "Changed": {"type": "datetime"}},
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"id-field": "ID"}, "id-field: 'ID' is not a field of this object; did you mean 'id'?"),
        ({"modified-field": "Email"}, "modified-field: 'Email' is email, not a time"),
        ({"modified-field": "Changed", "no-delta": "why"}, "no-delta: give either"),
        ({"write": {"create": "POST /x", "upsert-keys": ["Emial"]}}, "write.upsert-keys[0]: 'Emial'"),
        ({"required-any": [["Email"]]}, "required-any[0]: a group needs two or more fields"),
        ({"loadable": True}, "write: a loadable object needs a create or upsert endpoint"),
        ({"loadable": True, "preexisting": True}, "loadable: a preexisting object is looked up"),
        ({"fields": {"id": {"type": "id"}, "Parent": {"type": "lookup", "to": "Contact", "type-field": "Kind", "type-values": {"Contact": "C"}}}},
         "fields.Parent.type-field: 'Kind' is not a field of this object"),
        ({"fields": {"id": {"type": "id"}, "Parent": {"type": "lookup", "to": "Contact", "type-field": "Parent", "type-values": {"Contact": "C"}}}},
         "fields.Parent.type-field: a lookup cannot be its own type field"),
        ({"fields": {"id": {"type": "id"}, "Kind": {"type": "picklist", "values": ["Person"]},
                     "Parent": {"type": "lookup", "to": "Contact", "type-field": "Kind", "type-values": {"Contact": "Contact"}}}},
         "fields.Parent.type-values.Contact: 'Contact' is not an option of 'Kind' ('Person')"),
    ],
)
def test_object_rules(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(_object(**overrides), ObjectSpec)
    assert str(caught.value.__cause__).startswith(expected)


def test_auth_placeholders_need_env_names_and_names_are_not_values() -> None:
    good = {"scheme": "api-key", "header": "X-Key", "format": "{key}", "env": {"key": "MIGC_KEY"}}
    assert msgspec.convert(good, AuthSpec).env == {"key": "MIGC_KEY"}
    with pytest.raises(msgspec.ValidationError, match="placeholder {token} has no environment"):
        msgspec.convert({**good, "format": "Bearer {token}"}, AuthSpec)
    with pytest.raises(msgspec.ValidationError, match="matching regex"):
        msgspec.convert({**good, "env": {"key": "1000.8cb99dxxx.secret"}}, AuthSpec)


def _platform(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "demo",
        "label": "Demo",
        "role": "source",
        "limits": {"pagination": "cursor"},
        "api": {"main": {"url": "https://x.test", "auth": "key"}},
        "auth": {"key": {"scheme": "api-key", "header": "X", "format": "{k}", "env": {"k": "K"}}},
    }
    data.update(overrides)
    return data


def test_platform_rules() -> None:
    assert msgspec.convert(_platform(), PlatformInfo).role == "source"
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(_platform(api={"main": {"url": "https://x.test", "auth": "kye"}}), PlatformInfo)
    assert str(caught.value.__cause__) == "api.main.auth: unknown auth 'kye'; did you mean 'key'?"
    with pytest.raises(msgspec.ValidationError, match="a target platform must describe its custom-field"):
        msgspec.convert(_platform(role="target"), PlatformInfo)
    gotcha = {"id": "same", "title": "t"}
    with pytest.raises(msgspec.ValidationError, match=r"gotchas\[1\].id: duplicate gotcha id 'same'"):
        msgspec.convert(_platform(gotchas=[gotcha, gotcha]), PlatformInfo)


def _catalog(objects: dict[str, object], **platform: object) -> dict[str, object]:
    return {"platform": _platform(**platform), "objects": objects}


def test_catalog_cross_object_rules() -> None:
    user = _object(**{"modified-field": "Changed"})
    lookup = _object(**{"modified-field": "Changed"})
    lookup["fields"] = {**lookup["fields"], "Owner": {"type": "lookup", "to": "Userz"}}  # type: ignore[dict-item]
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(_catalog({"Users": user, "Contacts": lookup}), Catalog)
    assert str(caught.value.__cause__) == (
        "objects.Contacts.fields.Owner.to: unknown object 'Userz'; did you mean 'Users'?"
    )
    with pytest.raises(msgspec.ValidationError, match="needs modified-field .* or no-delta"):
        msgspec.convert(_catalog({"Users": _object()}), Catalog)
    loadable = _object(loadable=True, write={"create": "POST /x"}, **{"no-delta": "n/a"})
    with pytest.raises(msgspec.ValidationError, match="a source platform's objects are not loaded"):
        msgspec.convert(_catalog({"Users": loadable}), Catalog)


def test_target_custom_fields_follow_the_naming_pattern() -> None:
    objects = {"Contacts": _object()}
    objects["Contacts"]["fields"]["Loyalty"] = {"type": "string", "custom": True}  # type: ignore[index]
    rules = {"name-pattern": "^cf_[a-z_]+$"}
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(_catalog(objects, role="target", **{"custom-fields": rules}), Catalog)
    assert "objects.Contacts.fields.Loyalty: custom field API name 'Loyalty'" in str(caught.value.__cause__)
    objects["Contacts"]["fields"]["Loyalty"]["api-name"] = "cf_loyalty"  # type: ignore[index]
    catalog = msgspec.convert(_catalog(objects, role="target", **{"custom-fields": rules}), Catalog)
    assert catalog.objects["Contacts"].fields["Loyalty"].api_name == "cf_loyalty"


def test_structs_and_their_sequences_are_immutable() -> None:
    field = msgspec.convert({"type": "picklist", "values": ["a"]}, FieldSpec)
    with pytest.raises(AttributeError):
        field.type = "string"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        field.values.append("b")  # type: ignore[attr-defined]
