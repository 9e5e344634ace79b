"""The checker's views of the catalogs: typed once per catalog, never shared between checks."""

from __future__ import annotations

from pathlib import Path

from migc import api
from migc.catalog import load_catalog
from migc.semantics import types as T
from migc.semantics.schema_view import FieldView, catalog_objects

HEADER = 'migration t {\n  from netmera\n  to zoho_crm\n}\n'


def test_each_call_gets_views_it_may_change() -> None:
    catalog = load_catalog("zoho_crm")
    first = catalog_objects(catalog)
    email_type = first["Contacts"].fields["Email"].type
    first["Contacts"].fields["Extra__c"] = FieldView(name="Extra__c", type=T.STRING)
    first["Contacts"].fields["Email"].type = T.INTEGER
    first["Brand_New__c"] = first["Contacts"]
    second = catalog_objects(catalog)
    assert "Extra__c" not in second["Contacts"].fields
    assert second["Contacts"].fields["Email"].type == email_type
    assert "Brand_New__c" not in second
    assert second["Contacts"] is not first["Contacts"]


def test_one_files_creates_do_not_reach_the_next_check(tmp_path: Path) -> None:
    creating = tmp_path / "creating.mig"
    creating.write_text(
        HEADER + 'create field Contacts.Tier__c: picklist("Gold")\ncreate picklist Contacts.Lead_Source += ["Netmera"]\n'
        'map User -> Contacts {\n  Last_Name <- "x"\n  Tier__c <- "Gold"\n  Lead_Source <- "Netmera"\n}\n',
        encoding="utf-8",
    )
    assert [d.code for d in api.check(creating).diagnostics if d.is_error] == []
    plain = tmp_path / "plain.mig"
    plain.write_text(HEADER + 'map User -> Contacts {\n  Last_Name <- "x"\n  Tier__c <- "Gold"\n  Lead_Source <- "Netmera"\n}\n', encoding="utf-8")
    codes = [d.code for d in api.check(plain).diagnostics]
    assert "MIG0405" in codes  # no field Tier__c
    assert "MIG0505" in codes  # "Netmera" is not an option of Lead_Source
