"""Go to definition and find references, in one file and across imports."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from migc.lsp.features.navigation import definition, references

from ..conftest import position, snapshot_of


def lines_of(locations):
    return sorted((Path(l.uri).name if "://" not in l.uri else l.uri.rsplit("/", 1)[1], l.range.start.line) for l in locations)


def test_definition_of_lets_values_locals_and_custom_fields(sample):
    assert definition(sample, position(sample, "fallback_name", after="Last_Name"))[0].range.start.line == 11
    assert definition(sample, position(sample, "campaign_status", after="Status <-"))[0].range.start == types.Position(line=13, character=7)
    assert definition(sample, position(sample, "short", after="First_Name"))[0].range.start.line == 21
    assert definition(sample, position(sample, "Netmera_Id__c", after="key"))[0].range.start.line == 9


def test_definition_of_builtins_and_std_imports_opens_the_standard_library(sample):
    builtin = definition(sample, position(sample, "normalize_email"))[0]
    assert builtin.uri.endswith("prelude.mig")
    imported = definition(sample, position(sample, "eu_countries", after="consent"))[0]
    assert imported.uri.endswith("regions.mig")
    path = definition(sample, position(sample, '"std/regions.mig"', delta=2))[0]
    assert path.uri.endswith("regions.mig") and path.range.start.line == 0


def test_references_in_one_file(sample):
    found = references(sample, position(sample, "fallback_name"), include_declaration=True)
    assert [l.range.start.line for l in found] == [11, 22]
    assert [l.range.start.line for l in references(sample, position(sample, "fallback_name"), include_declaration=False)] == [22]
    custom = references(sample, position(sample, "Netmera_Id__c", after="key"), include_declaration=True)
    assert [l.range.start.line for l in custom] == [9, 19]


def test_references_across_files_follow_imports(tmp_path: Path):
    library = snapshot_of(tmp_path, 'let vip = ["a"]\nlet other = 1\n', "shared.mig")
    first = snapshot_of(tmp_path, 'import vip from "shared.mig"\nlet a = vip\n', "first.mig")
    second = snapshot_of(tmp_path, 'import "shared.mig"\nlet b = vip\nlet c = other\n', "second.mig")
    found = references(first, position(first, "vip", after="let a"), True, [library, second])
    assert lines_of(found) == [("first.mig", 0), ("first.mig", 1), ("second.mig", 1), ("shared.mig", 0)]
    from_library = references(library, position(library, "vip"), True, [first, second])
    assert lines_of(from_library) == lines_of(found)


def test_two_declarations_of_one_name_are_not_confused(tmp_path: Path):
    one = snapshot_of(tmp_path, "let tags = 1\nlet a = tags\n", "one.mig")
    two = snapshot_of(tmp_path, "let tags = 2\nlet b = tags\n", "two.mig")
    found = references(one, position(one, "tags"), True, [two])
    assert lines_of(found) == [("one.mig", 0), ("one.mig", 1)]


def test_references_of_a_builtin_include_its_prelude_declaration(sample):
    found = references(sample, position(sample, "truncate"), include_declaration=True)
    uses = [l for l in found if l.uri == sample.uri]
    assert [l.range.start.line for l in uses] == [21, 22, 28]
    (declaration,) = [l for l in found if l.uri != sample.uri]
    assert declaration.uri.endswith("prelude.mig")
    assert declaration.range.end.character - declaration.range.start.character == len("truncate")


def test_the_second_link_of_a_ref_chain_goes_to_its_own_fields_and_objects(chain):
    declared = definition(chain, position(chain, "cf_cio_id", after="else ref leads by"))
    assert [location.range.start.line for location in declared] == [7]  # create field leads.cf_cio_id
    leads = references(chain, position(chain, "leads", after="else ref"), include_declaration=True)
    assert [location.range.start.line for location in leads] == [7, 13, 19]
