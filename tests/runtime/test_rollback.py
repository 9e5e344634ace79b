"""Rollback returns the target to its state before the run: records the run inserted are deleted,
records it updated (an existing Account the upsert matched by name, an existing Contact matched by
its Netmera ID, then merged into by the Device map) get their before-images back. Running it
again changes nothing; an interrupted rollback finishes when run again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec

from migc.connectors.base import FieldDefinition
from migc.runtime.rollback import rollback_run
from migc.runtime.session import open_session
from migc.sandbox.faults import FaultConfig

from tests.runtime.test_e2e_harness import VOLATILE, analysis, journal, run_example, spec, target_store

NAME = "netmera_to_zoho"
RECORDS = 10
# Zoho adds tags through an action and the connectors have no "remove tags": tags the run added
# to a record that existed before stay after a rollback (docs/running.md says so).
NOT_RESTORED = frozenset({"Tag"})


async def seed_existing_records(run_dir: Path) -> dict[str, Any]:
    """Before the run, the customer's CRM already holds an Account named like a source company,
    a Contact carrying a source user's Netmera ID (the field an admin created earlier), and a
    Contact the migration never touches."""
    async with open_session(analysis(NAME), run_dir, sandbox=spec(RECORDS)) as session:
        users = [user async for user in session.source.read("User")]
        user = next(u for u in users if u.get("company") and u.get("extId"))
        target = session.target
        await target.create_field("Contacts", FieldDefinition(label="Netmera ID", type="text", length=64, unique=True))
        account = await target.create("Accounts", [{"Account_Name": user["company"].strip(), "Website": "https://old.example",
                                                   "Description": "kept by the customer"}])
        contact = await target.create("Contacts", [{"Last_Name": "Before", "First_Name": "Old", "Email": "old@example.com",
                                                   "Netmera_ID": user["extId"], "Mailing_City": "Nowhere"}])
        untouched = await target.create("Contacts", [{"Last_Name": "Untouched", "Email": "untouched@example.com"}])
        assert all(r[0].ok for r in (account, contact, untouched))
        return {"account": account[0].target_id, "contact": contact[0].target_id, "untouched": untouched[0].target_id}


def comparable(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records by id without volatile fields; an absent field and an empty one are the same."""
    return {r["id"]: {k: v for k, v in r.items() if k not in VOLATILE and k not in NOT_RESTORED and v not in (None, "", [])} for r in records}


def state(run_dir: Path) -> dict[str, dict]:
    store = target_store(run_dir)
    return {name: comparable(store.all(name)) for name in store.names() if not name.startswith("recycle_bin:") and store.count(name)}


def test_rollback_deletes_what_the_run_inserted_and_restores_what_it_updated(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    existing = asyncio.run(seed_existing_records(run_dir))
    before = state(run_dir)
    asyncio.run(run_example(NAME, run_dir, spec(RECORDS)))
    after_run = target_store(run_dir)
    contact = after_run.get("Contacts", existing["contact"])
    assert contact["Last_Name"] != "Before" and contact.get("Device_OS"), "the upsert and the merge updated the existing Contact"
    assert after_run.get("Accounts", existing["account"])["Description"] == "Synthesized from Netmera user company properties"
    links = {link.target_id: link for link in journal(run_dir).links()}
    assert not links[existing["contact"]].inserted and not links[existing["account"]].inserted

    result = asyncio.run(_rollback(run_dir))
    assert result.failed == 0 and result.restored == 2 and result.deleted > 0
    assert state(run_dir) == before

    again = asyncio.run(_rollback(run_dir))
    assert (again.deleted, again.restored, again.failed) == (0, 0, 0)
    assert state(run_dir) == before


def test_an_interrupted_rollback_finishes_when_run_again(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    asyncio.run(seed_existing_records(run_dir))
    before = state(run_dir)
    asyncio.run(run_example(NAME, run_dir, spec(RECORDS)))
    # The target refuses every delete for a while: the restores happen, the deletes wait.
    outage = msgspec.structs.replace(spec(RECORDS), target_faults=FaultConfig(seed=2, server_error_rate=1.0, methods=("DELETE",)))
    first = asyncio.run(_rollback(run_dir, outage))
    assert first.failed > 0 and first.deleted == 0 and first.restored == 2
    second = asyncio.run(_rollback(run_dir))
    assert second.failed == 0 and second.restored == 0 and second.deleted > 0
    assert state(run_dir) == before
    operations = {row["op"] for row in journal(run_dir).audit_rows("rollback")}
    assert operations == {"delete", "restore"}


async def _rollback(run_dir: Path, sandbox=None):
    async with open_session(analysis(NAME), run_dir, sandbox=sandbox or spec(RECORDS)) as session:
        return await rollback_run(session, operator="tester")


def test_rollback_removes_activities_a_ref_chain_attached_to_leads(tmp_path: Path) -> None:
    """Customer.io engagement lands on Contacts, else Leads (a ref chain): rollback deletes the
    notes, activities and tasks on either, then the people, and leaves the target as it was."""
    name = "customerio_to_freshsales"
    run_dir = tmp_path / "run"
    sandbox = spec(8, target_options={"custom_modules": "cf_cio_objects=Customer.io objects", "activity_field_settings": "true"})
    asyncio.run(run_example(name, run_dir, sandbox))
    loaded = target_store(run_dir)
    assert any(note["targetable_type"] == "Lead" for note in loaded.all("notes"))

    async def rollback():
        async with open_session(analysis(name), run_dir, sandbox=sandbox) as session:
            return await rollback_run(session, operator="tester")

    result = asyncio.run(rollback())
    assert result.failed == 0 and result.deleted > 0
    after = target_store(run_dir)
    assert {collection: after.count(collection) for collection in ("notes", "sales_activities", "tasks", "leads", "contacts")} == {
        "notes": 0, "sales_activities": 0, "tasks": 0, "leads": 0, "contacts": 0}
