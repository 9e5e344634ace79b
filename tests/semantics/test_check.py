"""The checker end to end on small files: scopes, imports, the model it hands to later stages."""

from __future__ import annotations

from pathlib import Path

from migc import api

HEADER = 'import eu_countries from "std/regions.mig"\nmigration t {\n  from netmera\n  to zoho_crm\n  consent gdpr for User when country in eu_countries\n}\n'


def check(tmp_path: Path, body: str, name: str = "t.mig"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return api.check(path)


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_a_clean_map_builds_the_model(tmp_path: Path) -> None:
    result = check(tmp_path, 'map User -> Contacts {\n  Last_Name <- (surname ?? "Unknown") | truncate(80)\n  Email <- normalize_email(email)\n}\n')
    assert codes(result) == []
    model = result.model
    (info,) = model.maps
    assert info.id == "User->Contacts"
    assert {p.field: p.reads for p in info.fields} == {"Last_Name": ("surname",), "Email": ("email",)}
    assert model.compatibility == (1, 1)
    assert ("User", "msisdn") in {(u.source, u.field) for u in model.unmapped}


def test_imports_resolve_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "shared.mig").write_text('let fallback = "Unknown"\nvalues yes_no { true -> "Yes"\n false -> "No" }\n', encoding="utf-8")
    result = check(tmp_path, 'import fallback from "shared.mig"\nmap User -> Contacts {\n  Last_Name <- (surname ?? fallback) | truncate(80)\n}\n')
    assert codes(result) == []


def test_unknown_names_get_did_you_mean_and_a_fix(tmp_path: Path) -> None:
    result = check(tmp_path, 'map User -> Contacts {\n  Last_Name <- surnme ?? "x"\n}\n')
    (diagnostic,) = [d for d in result.diagnostics if d.code == "MIG0201"]
    assert "did you mean `surname`" in diagnostic.message
    assert diagnostic.fix.edits[0].new_text == "surname"


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    result = check(tmp_path, 'map User -> Contacts {\n  Last_Name <- surnme\n  Emial <- email\n  Mobile <- to_bool(msisdn)\n  drop age\n}\n')
    assert {"MIG0201", "MIG0405", "MIG0301", "MIG0509"} <= set(codes(result))


def test_refs_order_the_load(tmp_path: Path) -> None:
    body = (
        'map User distinct by company -> Accounts where company != null {\n  key Account_Name <- company | truncate(200)\n}\n'
        'map User -> Contacts {\n  Last_Name <- "x"\n  Account_Name <- ref Accounts by Account_Name = company | truncate(200)\n}\n'
    )
    result = check(tmp_path, body)
    assert codes(result) == []
    assert result.model.load_order == ("Accounts", "Contacts")
    assert [(e.dependent, e.target) for e in result.model.refs] == [("Contacts", "Accounts")]


def test_personal_data_without_consent_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.mig"
    path.write_text('migration t {\n  from netmera\n  to zoho_crm\n}\nmap User -> Contacts {\n  Last_Name <- (surname ?? "x") | truncate(80)\n}\n', encoding="utf-8")
    assert "MIG0701" in codes(api.check(path))


def test_a_library_file_without_header_checks_its_declarations(tmp_path: Path) -> None:
    path = tmp_path / "lib.mig"
    path.write_text('let x = lower(1)\n', encoding="utf-8")
    assert codes(api.check(path)) == ["MIG0301"]


def test_schema_changes_carry_what_the_field_api_needs(tmp_path: Path) -> None:
    options = ", ".join(f'"Tier {i}"' for i in range(7))
    result = check(
        tmp_path,
        f'create field Contacts.Tier__c: picklist({options}) label "Tier"\n'
        'create field Contacts.Ref__c: string(64) unique\n'
        'map User -> Contacts {\n  Last_Name <- "x"\n  Tier__c <- "Tier 6"\n  Ref__c <- extId\n}\n',
    )
    assert not result.has_errors, [d.message for d in result.diagnostics]
    changes = {c.field: c for c in result.model.schema}
    assert len(changes["Tier__c"].values) == 7  # every option, not the display's first four
    assert changes["Ref__c"].unique and changes["Ref__c"].length == 64


def test_an_extend_adds_to_the_first_unrouted_map_else_the_first(tmp_path: Path) -> None:
    routed = 'map User -> Contacts where email != null {\n  Last_Name <- "a"\n}\n'
    unrouted = 'map User -> Contacts {\n  Last_Name <- "b"\n}\n'
    extend = 'extend User -> Contacts {\n  Mobile <- msisdn\n}\n'
    mixed = check(tmp_path, routed + unrouted + extend + routed + unrouted + extend, "mixed.mig")
    assert set(mixed.extended_maps.values()) == {"User->Contacts#2"}
    only_routed = check(tmp_path, routed + extend + routed, "routed.mig")
    assert set(only_routed.extended_maps.values()) == {"User->Contacts"}
    unmatched = check(tmp_path, routed + 'extend User -> Leads {\n  Mobile <- msisdn\n}\n', "unmatched.mig")
    assert "MIG0513" in codes(unmatched)
