"""Completion by context: keywords, objects, fields, builtins, values tables, picklist values."""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.features.completion import completion

from ..conftest import SAMPLE, cut

CK = types.CompletionItemKind


def items(snapshot, old: str, new: str) -> dict[str, types.CompletionItem]:
    """Completions in the sample with `old` replaced by `new` (which holds the cursor marker)."""
    assert old in SAMPLE
    text, offset = cut(SAMPLE.replace(old, new, 1))
    return {item.label: item for item in completion(snapshot, text, offset).items}


EMAIL = "  Email <- normalize_email(email)\n"


def test_statement_start_in_a_map_offers_keywords_and_target_fields_required_first(sample):
    found = items(sample, EMAIL, EMAIL + "  ‸\n")
    assert {"key", "let", "drop", "flag", "limit", "note"} <= set(found)
    assert found["Last_Name"].detail == "string(80) · required"
    assert found["Last_Name"].kind == CK.Field
    assert min(found.values(), key=lambda i: i.sort_text).label == "Last_Name"
    assert "extId" not in found  # a source field is not assignable


def test_expressions_offer_source_fields_lets_values_builtins_and_locals(sample):
    found = items(sample, "  First_Name <- short\n", "  First_Name <- ‸\n")
    assert found["surname"].kind == CK.Field and found["surname"].detail == "string"
    assert found["fallback_name"].kind == CK.Variable
    assert found["campaign_status"].kind == CK.Enum
    assert found["truncate"].detail == "truncate(s: string, length: integer) -> string"
    assert found["short"].detail == "let (this map)"
    assert "count" not in found  # aggregates only in summarize maps
    assert "Last_Name" not in found
    assert "ref" in found and "null" in found


def test_after_a_pipe_only_functions(sample):
    found = items(sample, EMAIL, EMAIL + "  Mobile <- msisdn | ‸\n")
    assert "e164" in found and "campaign_status" in found
    assert "msisdn" not in found and "fallback_name" not in found


def test_objects_after_map_arrow_and_ref(sample):
    assert {"User", "Campaign", "Device"} <= set(items(sample, "map User -> Contacts", "map ‸"))
    targets = items(sample, "map User -> Contacts", "map User -> Con‸")
    assert {"Contacts", "Accounts"} <= set(targets) and "User" not in targets
    refs = items(sample, EMAIL, EMAIL + "  Account_Name <- ref ‸\n")
    assert "Accounts" in refs and refs["Accounts"].kind == CK.Class


def test_ref_keys_are_fields_of_the_referenced_object_unique_first(sample):
    found = items(sample, EMAIL, EMAIL + "  Account_Name <- ref Accounts by ‸\n")
    assert "Account_Name" in found and "fuzzy" in found
    assert min(found.values(), key=lambda i: i.sort_text).label == "id"


def test_values_tables_offer_source_keys_then_target_options(sample):
    keys = items(sample, '  "SENDING" -> "Active"\n', "  ‸\n")
    assert keys['"FINISHED"'].insert_text == '"FINISHED" -> '
    outputs = items(sample, '  "SENDING" -> "Active"\n', '  "SENDING" -> ‸\n')
    assert {'"Planning"', '"Active"', '"Complete"'} <= set(outputs)


def test_picklist_values_inside_strings_replace_the_string_text(sample):
    found = items(sample, "  Status <- campaign_status(status)\n", '  Status <- "Pl‸"\n')
    assert {"Planning", "Active"} <= set(found) and all(i.kind == CK.EnumMember for i in found.values())
    edit = found["Planning"].text_edit
    line = SAMPLE.splitlines().index("  Status <- campaign_status(status)")
    assert edit.range == types.Range(start=types.Position(line=line, character=13), end=types.Position(line=line, character=15))
    assert edit.new_text == "Planning"
    unclosed = items(sample, "  Status <- campaign_status(status)\n", '  Status <- if true then "‸\n')
    assert unclosed["Active"].text_edit.new_text == 'Active"'


def test_header_keywords_and_platforms_by_role(sample):
    assert set(items(sample, "  from netmera\n", "  ‸\n  from netmera\n")) == {"from", "to", "consent", "sample", "delta", "order"}
    sources = items(sample, "  from netmera\n", "  from ‸\n")
    assert "netmera" in sources and "zoho_crm" not in sources
    targets = items(sample, "  to zoho_crm\n", "  to ‸\n")
    assert {"zoho_crm", "freshsales", "pipedrive"} <= set(targets) and "netmera" not in targets


def test_top_level_keywords_types_and_drops(sample):
    assert {"map", "values", "create", "migration", "import"} <= set(items(sample, "# Sample", "‸\n# Sample"))
    types_found = items(sample, "Netmera_Id__c: string(64)", "Netmera_Id__c: ‸")
    assert {"string", "picklist", "lookup"} <= set(types_found)
    drops = items(sample, '  drop segments lossy "segment rules are not kept"', "  drop ‸")
    assert "segments" in drops and "Email" not in drops


def test_names_that_need_backquotes_are_inserted_with_them(tmp_path):
    from migc.lsp.features.completion import _name_text

    assert _name_text("Account_Name") == "Account_Name"
    assert _name_text("1abc") == "`1abc`"
    assert _name_text("order") == "`order`"


def test_comments_get_nothing_and_no_analysis_still_gives_keywords(sample):
    assert items(sample, "# Sample", "# Sam‸ple") == {}
    text, offset = cut("‸")
    assert {"map", "migration"} <= {i.label for i in completion(None, text, offset).items}


def test_a_ref_chain_offers_another_ref_after_else_and_the_fields_of_the_link_being_typed(sample):
    first = "  Account_Name <- ref Accounts by Account_Name = company"
    after_else = items(sample, EMAIL, EMAIL + first + " else ‸\n")
    assert {"ref", "null", "quarantine"} <= set(after_else)
    assert "Accounts" in items(sample, EMAIL, EMAIL + first + " else ref ‸\n")
    # The chain goes on on a line of its own (as `migc fmt` breaks a long one).
    second = items(sample, EMAIL, EMAIL + first + "\n    else ref Contacts by ‸\n")
    assert "Last_Name" in second and "Website" not in second and "fuzzy" in second
    then = items(sample, EMAIL, EMAIL + first + "\n    else ref Contacts by Email = email ‸\n")
    assert {"then", "else"} <= set(then)
