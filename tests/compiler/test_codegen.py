"""Lowering and code generation: deterministic Python per map, null semantics, and runtime
errors reported at the `.mig` statement that produced them."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc import api
from migc.compiler.codegen import compile_program
from migc.compiler.lower import LoweringError, lower
from migc.runtime.builtins import BuiltinError

ROOT = Path(__file__).resolve().parents[2]
HEADER = 'import eu_countries from "std/regions.mig"\nmigration t {\n  from netmera\n  to zoho_crm\n  consent gdpr for User when country in eu_countries\n}\n'


def compiled(tmp_path: Path, body: str):
    path = tmp_path / "t.mig"
    path.write_text(HEADER + body, encoding="utf-8")
    analysis = api.check(path)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    return compile_program(lower(analysis))


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.mig")), ids=lambda p: p.stem)
def test_generated_code_is_deterministic(example: Path, snapshot) -> None:
    first = compile_program(lower(api.check(example))).source
    assert first == compile_program(lower(api.check(example))).source
    if example.stem == "netmera_to_zoho":
        assert first == snapshot


def test_lowering_refuses_a_file_with_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.mig"
    path.write_text(HEADER + "map User -> Contacts { Nope <- 1 }\n", encoding="utf-8")
    with pytest.raises(LoweringError):
        lower(api.check(path))


def test_null_semantics(tmp_path: Path) -> None:
    program = compiled(
        tmp_path,
        'map User -> Contacts {\n'
        '  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)\n'
        '  Description <- if age > 30 then "older" else "younger or unknown"\n'
        '  Email_Opt_Out <- not isSubscribed\n'
        '  Title <- concat(name, " ", surname)\n'
        '}\n',
    )
    transform = program.maps["User->Contacts"].transform
    out, _, _ = transform({"surname": None, "name": None, "age": None, "isSubscribed": None})
    assert out == {"Last_Name": "Unknown", "Description": "younger or unknown", "Email_Opt_Out": True, "Title": " "}
    out, _, _ = transform({"surname": "Öz", "name": "Ada", "age": 41, "isSubscribed": True})
    assert out == {"Last_Name": "Öz", "Description": "older", "Email_Opt_Out": False, "Title": "Ada Öz"}


def test_routes_groups_limits_flags_and_refs(tmp_path: Path) -> None:
    program = compiled(
        tmp_path,
        'create field Contacts.Netmera_Id__c: string(64) unique\n'
        'map User -> Contacts {\n  key Netmera_Id__c <- extId\n  Last_Name <- "x"\n}\n'
        'map Event -> Tasks where name in ["purchase"] {\n'
        '  Subject <- name\n'
        '  Who_Id <- ref Contacts by Netmera_Id__c = extId else quarantine\n'
        '  flag "no user" when extId == null -> quarantine\n'
        '  limit 2 per extId lossy "two per user"\n'
        '}\n',
    )
    tasks = program.maps["Event->Tasks"]
    assert tasks.route({"name": "purchase"}) is True and tasks.route({"name": "view"}) is False
    assert tasks.limit_key({"extId": "u1"}) == "u1"
    out, refs, fired = tasks.transform({"name": "purchase", "extId": None})
    assert out == {"Subject": "purchase"} and refs == {"Who_Id": ((None,), None)} and fired == [0]


def test_summarize_aggregates_over_the_group(tmp_path: Path) -> None:
    program = compiled(
        tmp_path,
        'create field Contacts.Netmera_Id__c: string(64) unique\ncreate field Contacts.Events__c: integer\n'
        'create field Contacts.Children__c: decimal\n'
        'map User -> Contacts {\n  key Netmera_Id__c <- extId\n  Last_Name <- "x"\n}\n'
        'map User summarize by extId -> Contacts merge {\n  key Netmera_Id__c <- first(extId)\n  Events__c <- count()\n  Children__c <- sum(numberOfChildren)\n}\n',
    )
    summary = program.maps["User->Contacts#2"]
    group = [{"extId": "u1", "numberOfChildren": 2}, {"extId": "u1", "numberOfChildren": None}, {"extId": "u1", "numberOfChildren": 1}]
    assert summary.group_key(group[0]) == ("u1",)
    assert summary.transform(group)[0] == {"Netmera_Id__c": "u1", "Events__c": 3, "Children__c": 3}


def test_a_failing_value_is_reported_at_its_statement(tmp_path: Path) -> None:
    program = compiled(tmp_path, 'map User -> Contacts {\n  Last_Name <- "x"\n  Email <- normalize_email(email)\n}\n')
    with pytest.raises(BuiltinError) as caught:
        program.maps["User->Contacts"].transform({"email": "no at sign"})
    span = program.span_of(caught.value)
    assert (span.line, span.column) == (9, 3)  # the Email line, after the 6-line header


def test_values_tables_without_else_refuse_unknown_values(tmp_path: Path) -> None:
    program = compiled(
        tmp_path,
        'values status_map from Campaign.status to Campaigns.Status {\n  "FINISHED" -> "Complete"\n  "SENDING" -> "Active"\n}\n'
        'map Campaign -> Campaigns {\n  Campaign_Name <- "c"\n  Status <- status_map(status)\n}\n',
    )
    transform = program.maps["Campaign->Campaigns"].transform
    assert transform({"status": "SENDING"})[0]["Status"] == "Active"
    with pytest.raises(BuiltinError, match="no entry in values table"):
        transform({"status": "PAUSED"})


def test_a_source_field_named_like_a_builtin_reads_the_field(tmp_path: Path) -> None:
    # Customer.io objects have a `domain` attribute; `domain` is also a builtin.
    path = tmp_path / "t.mig"
    path.write_text(
        'migration t {\n  from customerio\n  to freshsales\n}\n'
        'map Object -> sales_accounts where object_type_id == "1" {\n'
        '  key name <- name ?? "x"\n  website <- domain\n}\n',
        encoding="utf-8",
    )
    analysis = api.check(path)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    out, _, _ = compile_program(lower(analysis)).maps["Object->sales_accounts"].transform({"name": "Acme", "domain": "acme.example"})
    assert out["website"] == "acme.example"
