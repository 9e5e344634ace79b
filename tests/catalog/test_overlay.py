"""Account overlays: merge rules, errors, directory discovery, diffing and writing (migc.catalog.overlay)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec
import pytest

from migc.catalog import CatalogError, load_catalog
from migc.catalog.loader import overlay_files, read_overlay
from migc.catalog.overlay import Overlay, apply_overlay, encode_overlay, overlay_between, write_overlay
from migc.resources import specs_dir

from .conftest import minimal_target

HEADER = '[overlay]\nplatform = "demo_crm"\naccount = "acme"\n\n'


@pytest.fixture
def demo(specs: Path) -> Path:
    (specs / "demo_crm.toml").write_text(minimal_target(), encoding="utf-8")
    return specs


def _overlay(directory: Path, body: str, name: str = "acme.demo_crm.overlay.toml", header: str = HEADER) -> Path:
    path = directory / name
    path.write_text(header + body, encoding="utf-8")
    return path


def _overlay_error(demo: Path, body: str) -> CatalogError:
    path = _overlay(demo.parent, body)
    with pytest.raises(CatalogError) as caught:
        load_catalog("demo_crm", [path])
    return caught.value


def test_new_fields_are_custom_and_new_modules_are_added(demo: Path) -> None:
    path = _overlay(
        demo.parent,
        """
[objects.Contacts.fields.Loyalty_Tier__c]
type = "picklist"
values = ["Gold", "Silver"]

[objects.Workspaces__c]
label = "Workspace"
plural-label = "Workspaces"
kind = "custom"
id-field = "id"
loadable = true
write = { create = "POST /Workspaces__c" }
fields.id = { type = "id", read-only = true, custom = false }
fields.Name = { type = "string", length = 120, required = true, custom = false }

[objects.Contacts.fields.Workspace__c]
type = "lookup"
to = "Workspaces__c"
""",
    )
    catalog = load_catalog("demo_crm", [path])
    tier = catalog.objects["Contacts"].fields["Loyalty_Tier__c"]
    assert (tier.type, tier.values, tier.custom) == ("picklist", ("Gold", "Silver"), True)
    assert catalog.objects["Workspaces__c"].fields["Name"].required
    assert catalog.objects["Contacts"].fields["Workspace__c"].targets == ("Workspaces__c",)
    assert "Loyalty_Tier__c" not in load_catalog("demo_crm").objects["Contacts"].fields


def test_add_values_extends_a_picklist_without_duplicates(demo: Path) -> None:
    path = _overlay(demo.parent, '[objects.Contacts.fields.Lead_Source]\nadd-values = ["Netmera", "Web", "Netmera"]\n')
    values = load_catalog("demo_crm", [path]).objects["Contacts"].fields["Lead_Source"].values
    assert values == ("Web", "Phone", "Netmera")


def test_values_replace_and_overridable_attributes(demo: Path) -> None:
    path = _overlay(
        demo.parent,
        """
[objects.Contacts]
label = "Person"
[objects.Contacts.fields.Lead_Source]
values = ["Partner"]
label = "Source"
required = true
[objects.Contacts.fields.Last_Name]
type = "string"
length = 80
""",
    )
    contacts = load_catalog("demo_crm", [path]).objects["Contacts"]
    assert contacts.label == "Person"
    assert contacts.fields["Lead_Source"].values == ("Partner",)
    assert contacts.fields["Lead_Source"].label == "Source"
    assert contacts.fields["Lead_Source"].required


def test_redefining_a_field_type_is_an_error_with_file_and_path(demo: Path) -> None:
    error = _overlay_error(demo, '[objects.Contacts.fields.Last_Name]\ntype = "integer"\n')
    assert str(error) == (
        "acme.demo_crm.overlay.toml: $.objects.Contacts.fields.Last_Name.type: "
        "cannot redefine the field as 'integer': the catalog says 'string'"
    )


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ('[objects.Contacts.fields.Last_Name]\nlength = 120\n', "$.objects.Contacts.fields.Last_Name.length", "cannot change length of existing field"),
        ('[objects.Contacts.fields.Last_Name]\nadd-values = ["x"]\n', "$.objects.Contacts.fields.Last_Name.add-values", "add-values needs a picklist"),
        ('[objects.Contacts.fields.New__c]\ntype = "picklist"\nadd-values = ["x"]\n', "$.objects.Contacts.fields.New__c.add-values", "add-values extends an existing picklist"),
        ('[objects.Contacts.fields.Lead_Source]\nvalues = ["a"]\nadd-values = ["b"]\n', "$.objects.Contacts.fields.Lead_Source.add-values", "give values (replace) or add-values"),
        ('[objects.Contacts]\nkind = "custom"\n', "$.objects.Contacts.kind", "cannot change kind of existing object"),
        ('[objects.Contacts.fields.Owner]\nto = "Contacts"\n', "$.objects.Contacts.fields.Owner.to", "cannot change to of existing field"),
        ('[objects.Contacts.fields.Rank__c]\ntype = "picklist"\n', "$.objects.Contacts.fields.Rank__c.values", "a picklist needs at least one allowed value"),
        ('[objects.Contacts.fields.Rank]\ntype = "string"\n', "$.objects.Contacts.fields.Rank", "custom field API name 'Rank' does not match"),
        ('[objects.Contacts.fields.Boss__c]\ntype = "lookup"\nto = "Managers"\n', "$.objects.Contacts.fields.Boss__c.to", "unknown object 'Managers'"),
        ('[objects.Teams__c]\nlabel = "Team"\n', "$.objects.Teams__c", "Object missing required field"),
        ('[objects.Contacts.fields.X__c]\ntype = "strin"\n', "$.objects.Contacts.fields.X__c.type", "Invalid enum value 'strin'"),
    ],
)
def test_overlay_problems_name_the_overlay_file_and_path(demo: Path, body: str, path: str, message: str) -> None:
    error = _overlay_error(demo, body)
    assert error.file == "acme.demo_crm.overlay.toml"
    assert error.json_path == path
    assert error.message.startswith(message)


def test_lookup_targets_may_widen(demo: Path) -> None:
    path = _overlay(demo.parent, '[objects.Contacts.fields.Owner]\nto = ["Users", "Contacts"]\n')
    owner = load_catalog("demo_crm", [path]).objects["Contacts"].fields["Owner"]
    assert owner.targets == ("Users", "Contacts")


def test_type_values_may_name_the_objects_a_widened_lookup_gains(demo: Path) -> None:
    catalog = demo / "demo_crm.toml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8")
        + 'fields.Parent_Kind = { type = "string" }\n'
        + 'fields.Parent = { type = "lookup", to = "Users", type-field = "Parent_Kind", type-values = { Users = "User" } }\n',
        encoding="utf-8",
    )
    path = _overlay(demo.parent, '[objects.Contacts.fields.Parent]\nto = ["Users", "Contacts"]\ntype-values = { Contacts = "Contact" }\n')
    parent = load_catalog("demo_crm", [path]).objects["Contacts"].fields["Parent"]
    assert parent.type_values == {"Users": "User", "Contacts": "Contact"}
    changed = _overlay_error(demo, '[objects.Contacts.fields.Parent]\ntype-values = { Users = "Person" }\n')
    assert changed.json_path == "$.objects.Contacts.fields.Parent.type-values"
    assert changed.message.startswith("cannot change type-values of existing field")
    forgotten = _overlay_error(demo, '[objects.Contacts.fields.Parent]\nto = ["Users", "Contacts"]\n')
    assert "no value for 'Contacts'" in forgotten.message


def test_overlay_for_another_platform_is_rejected(demo: Path) -> None:
    path = _overlay(demo.parent, "", header='[overlay]\nplatform = "pipedrive"\n')
    with pytest.raises(CatalogError) as caught:
        load_catalog("demo_crm", [path])
    assert caught.value.json_path == "$.overlay.platform"
    assert "overlay is for 'pipedrive', not 'demo_crm'" in str(caught.value)


def test_directories_contribute_their_platform_overlays_in_name_order(demo: Path) -> None:
    directory = demo.parent / "overlays"
    directory.mkdir()
    _overlay(directory, '[objects.Contacts.fields.Lead_Source]\nadd-values = ["B"]\n', name="b.demo_crm.overlay.toml")
    _overlay(directory, '[objects.Contacts.fields.Lead_Source]\nadd-values = ["A"]\n', name="a.demo_crm.overlay.toml")
    _overlay(directory, "this is not toml", name="x.pipedrive.overlay.toml")
    assert [p.name for p in overlay_files("demo_crm", [directory])] == [
        "a.demo_crm.overlay.toml",
        "b.demo_crm.overlay.toml",
    ]
    values = load_catalog("demo_crm", [directory]).objects["Contacts"].fields["Lead_Source"].values
    assert values == ("Web", "Phone", "A", "B")


def test_the_example_overlay_extends_zoho() -> None:
    catalog = load_catalog("zoho_crm", [specs_dir() / "overlays"])
    assert {"Actimo_Workspaces__c", "Actimo_Survey_Responses__c"} <= set(catalog.objects)
    contacts = catalog.objects["Contacts"].fields
    assert contacts["Learning_Status__c"].values == ("Not Started", "In Progress", "Completed")
    assert contacts["Lead_Source"].values[-1] == "Actimo"
    assert "Actimo_Workspaces__c" in catalog.objects["Notes"].fields["Parent_Id"].targets
    assert catalog.objects["Deals"].fields["Closing_Date"].required


def test_overlay_between_round_trips_through_apply(demo: Path) -> None:
    base = load_catalog("demo_crm")
    account_overlay = _overlay(
        demo.parent,
        """
[objects.Contacts]
label = "Person"
[objects.Contacts.fields.Lead_Source]
add-values = ["Partner"]
required = true
[objects.Contacts.fields.Tier__c]
type = "integer"
digits = 3
[objects.Teams__c]
label = "Team"
plural-label = "Teams"
kind = "custom"
id-field = "id"
fields.id = { type = "id", custom = false }
""",
    )
    account = load_catalog("demo_crm", [account_overlay])
    delta = overlay_between(base, account, account_name="acme", pulled_at="2026-01-02T03:04:05Z")
    assert delta.overlay.account == "acme"
    assert apply_overlay(base, delta, "delta") == account
    assert overlay_between(base, base).objects == {}


def test_overlay_between_replaces_values_when_some_were_removed(demo: Path) -> None:
    base = load_catalog("demo_crm")
    account = apply_overlay(base, msgspec.convert(
        {"overlay": {"platform": "demo_crm"}, "objects": {"Contacts": {"fields": {"Lead_Source": {"values": ["Web"]}}}}},
        Overlay,
    ), "x")
    delta = overlay_between(base, account)
    assert msgspec.to_builtins(delta.objects["Contacts"])["fields"]["Lead_Source"] == {"values": ("Web",)}


def test_write_overlay_is_deterministic_and_reads_back(demo: Path, tmp_path: Path) -> None:
    overlay = read_overlay(_overlay(
        demo.parent,
        '[objects.Contacts.fields.Zeta__c]\ntype = "string"\n[objects.Contacts.fields.Alpha__c]\ntype = "picklist"\nvalues = ["b", "a"]\n',
    ))
    target = tmp_path / "out.demo_crm.overlay.toml"
    write_overlay(overlay, target)
    text = target.read_text(encoding="utf-8")
    assert text == encode_overlay(overlay)
    assert text.index("Alpha__c") < text.index("Zeta__c")
    # picklist values keep their order (only keys are sorted)
    assert tomllib.loads(text)["objects"]["Contacts"]["fields"]["Alpha__c"]["values"] == ["b", "a"]
    assert read_overlay(target) == overlay
    assert tomllib.loads(text)["overlay"] == {"platform": "demo_crm", "account": "acme"}
