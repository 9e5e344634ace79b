"""Hover texts for fields, builtins, declarations, objects and lossy notes."""

from __future__ import annotations

from migc.lsp.features.hover import hover

from ..conftest import position


def text_at(snapshot, needle, after="", delta=1):
    found = hover(snapshot, position(snapshot, needle, after=after, delta=delta))
    return found.contents.value if found else None


def test_source_field_shows_type_flags_label_and_doc(sample):
    text = text_at(sample, "extId")
    assert "User.extId: id" in text and "required · unique" in text and "Label: External ID" in text


def test_target_field_shows_length_and_where_it_is_declared(sample):
    text = text_at(sample, "Netmera_Id__c", after="key")
    assert "Contacts.Netmera_Id__c: string(64)" in text
    assert "at most 64 characters" in text and "unique" in text
    assert "declared with `create field` on line 10" in text


def test_picklist_fields_list_every_option(sample):
    text = text_at(sample, "status)", after="Status <-")
    assert 'Options: `"FINISHED"`, `"SENDING"`' in text


def test_builtins_show_signature_and_doc(sample):
    text = text_at(sample, "normalize_email")
    assert "normalize_email(s: string) -> email" in text and "validated email address" in text


def test_lets_values_and_locals_show_their_declaration(sample):
    assert 'let fallback_name: string(7) = "Unknown"' in text_at(sample, "fallback_name", after="Last_Name")
    values = text_at(sample, "campaign_status", after="Status <-")
    assert "values campaign_status from Campaign.status to Campaigns.Status" in values
    assert '"FINISHED" -> "Complete"' in values
    assert "local to this map" in text_at(sample, "short", after="First_Name")


def test_imported_names_say_where_they_come_from(sample):
    text = text_at(sample, "eu_countries", after="consent")
    assert "let eu_countries: list[string]" in text and "Imported from `std/regions.mig`" in text


def test_lossy_notes_say_what_the_report_lists(sample):
    text = text_at(sample, "segment rules")
    assert "**Lossy:** segment rules are not kept" in text
    assert "dropped source field `User.segments`" in text


def test_objects_and_platforms(sample):
    assert "Required: `Last_Name`" in text_at(sample, "Contacts", after="map User")
    assert "Netmera, a source platform" in text_at(sample, "netmera")


def test_nothing_to_say_between_names(sample):
    assert hover(sample, position(sample, "# Sample")) is None


def test_every_link_of_a_ref_chain_hovers_like_the_first(chain):
    assert "Lead" in text_at(chain, "leads by", delta=1)
    field = text_at(chain, "cf_cio_id", after="else ref leads by")
    assert "leads.cf_cio_id: string(64)" in field and "declared with `create field` on line 8" in field
    lookup = text_at(chain, "targetable_id")
    assert 'A `ref` filling it sets `targetable_type` from the object it finds' in lookup and 'leads `"Lead"`' in lookup
