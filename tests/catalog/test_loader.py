"""Finding, decoding, caching and error reporting of catalogs (migc.catalog.loader, .errors)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migc.catalog import CatalogError, available_platforms, load_catalog
from migc.catalog.errors import display_path
from migc.catalog.loader import overlay_files, read_catalog

from .conftest import minimal_target

PLATFORMS = ["actimo", "customerio", "freshsales", "netmera", "pipedrive", "zoho_crm"]


def test_all_six_platforms_are_available() -> None:
    assert available_platforms() == PLATFORMS


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_catalog_loads(platform: str) -> None:
    catalog = load_catalog(platform)
    assert catalog.platform.name == platform
    assert catalog.objects
    expected_role = "target" if platform in {"zoho_crm", "freshsales", "pipedrive"} else "source"
    assert catalog.platform.role == expected_role


def test_loading_is_cached_per_platform_and_overlays() -> None:
    assert load_catalog("zoho_crm") is load_catalog("zoho_crm")
    assert load_catalog("zoho_crm") is not load_catalog("pipedrive")


def _load_broken(specs: Path, text: str, name: str = "demo_crm") -> CatalogError:
    (specs / f"{name}.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(name)
    return caught.value


def test_error_names_file_and_path_with_keys(specs: Path) -> None:
    broken = minimal_target().replace('type = "string", length = 80', 'type = "strng", length = 80')
    error = _load_broken(specs, broken)
    assert str(error) == (
        "specs/demo_crm.toml: $.objects.Contacts.fields.Last_Name.type: Invalid enum value 'strng'"
    )
    assert (error.file, error.json_path) == ("specs/demo_crm.toml", "$.objects.Contacts.fields.Last_Name.type")
    assert error.message == "Invalid enum value 'strng'"


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("length = 80,", "length = 80, colour = 1,", "$.objects.Contacts.fields.Last_Name", "Object contains unknown field `colour`"),
        (', values = ["Web", "Phone"]', "", "$.objects.Contacts.fields.Lead_Source.values", "a picklist needs at least one allowed value"),
        ('to = "Users"', 'to = "Usres"', "$.objects.Contacts.fields.Owner.to", "unknown object 'Usres'; did you mean 'Users'?"),
        ('id-field = "id"\nloadable', 'id-field = "Id"\nloadable', "$.objects.Contacts.id-field", "'Id' is not a field of this object; did you mean 'id'?"),
        ("length = 80", "length = -3", "$.objects.Contacts.fields.Last_Name.length", "Expected `int` >= 1"),
        ('"MIGC_DEMO_API_KEY"', '"sk_live_secret"', "$.platform.auth.key.env.api_key", "Expected `str` matching regex '^[A-Z][A-Z0-9_]*$'"),
        ('auth = "key"', 'auth = "oauth"', "$.platform.api.main.auth", "unknown auth 'oauth'"),
        ('kind = "standard"', 'kind = "standart"', "$.objects.Contacts.kind", "Invalid enum value 'standart'"),
        ('plural-label = "Contacts"\n', "", "$.objects.Contacts", "Object missing required field `plural-label`"),
    ],
)
def test_broken_catalogs_report_the_attribute(specs: Path, old: str, new: str, path: str, message: str) -> None:
    text = minimal_target()
    assert old in text
    error = _load_broken(specs, text.replace(old, new, 1))
    assert error.file == "specs/demo_crm.toml"
    assert error.json_path == path
    assert error.message.startswith(message)
    assert "sk_live_secret" not in str(error)


def test_toml_syntax_error_names_the_file(specs: Path) -> None:
    error = _load_broken(specs, "[platform\nname = 1\n")
    assert error.file == "specs/demo_crm.toml"
    assert error.json_path == ""
    assert str(error).startswith("specs/demo_crm.toml: not valid TOML: ")


def test_platform_name_must_match_file_name(specs: Path) -> None:
    error = _load_broken(specs, minimal_target(name="other_crm"))
    assert error.json_path == "$.platform.name"
    assert "does not match the file name 'demo_crm'" in error.message


def test_unknown_platform_lists_available_and_suggests(specs: Path) -> None:
    (specs / "zoho_crm.toml").write_text(minimal_target("zoho_crm"), encoding="utf-8")
    (specs / "pipedrive.toml").write_text(minimal_target("pipedrive"), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog("zoho")
    assert str(caught.value) == (
        "specs/zoho.toml: no catalog for platform 'zoho'; did you mean 'zoho_crm'? "
        "(available: pipedrive, zoho_crm)"
    )


def test_edited_file_is_read_again(specs: Path) -> None:
    path = specs / "demo_crm.toml"
    path.write_text(minimal_target(), encoding="utf-8")
    first = load_catalog("demo_crm")
    assert load_catalog("demo_crm") is first
    path.write_text(minimal_target().replace('label = "Demo CRM"', 'label = "Demo CRM, renamed"'), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_catalog("demo_crm").platform.label == "Demo CRM, renamed"


def test_display_path_is_relative_inside_cwd_and_absolute_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inside = tmp_path / "a" / "b.toml"
    monkeypatch.chdir(tmp_path)
    assert display_path(inside) == "a/b.toml"
    monkeypatch.chdir(tmp_path / "..")
    outside = tmp_path.parent.parent / "elsewhere.toml"
    assert display_path(outside) == outside.resolve().as_posix()


def test_read_catalog_reads_one_file_without_cache(specs: Path) -> None:
    path = specs / "demo_crm.toml"
    path.write_text(minimal_target(), encoding="utf-8")
    assert read_catalog(path) == read_catalog(path)
    assert read_catalog(path) is not read_catalog(path)


def test_missing_overlay_path_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="overlay file or directory not found"):
        overlay_files("zoho_crm", [tmp_path / "nope.overlay.toml"])


def test_paths_through_lists_keep_indexes_and_name_keys_after_them(specs: Path) -> None:
    gotchas = '\n[[platform.gotchas]]\nid = "ok"\ntitle = "t"\n\n[[platform.gotchas]]\nid = "Bad Id"\ntitle = "t"\n'
    text = minimal_target().replace("[platform.api.main]", gotchas + "\n[platform.api.main]")
    error = _load_broken(specs, text)
    assert error.json_path == "$.platform.gotchas[1].id"
    nested = 'fields.Emails = { type = "list", item = "json", fields = { value = { type = "emial" } } }\n'
    error = _load_broken(specs, minimal_target() + nested)
    assert error.json_path == "$.objects.Contacts.fields.Emails.fields.value.type"
