"""The diff's comparison rules (how targets hand values back) and its report on a real sample."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from migc.runtime.diff import diff_run, same
from migc.runtime.session import open_session

from tests.runtime.test_e2e_harness import analysis, run_example, spec, target_store


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ({"id": "57"}, {"id": "57", "name": "Helix Media"}),  # a Zoho lookup read back with its name
        (57, "57"),
        ("2.5", 2.5),
        ("2024-08-21T23:03:13Z", "2024-08-21T23:03:13+00:00"),
        ([{"value": "a@x.io", "primary": True}], [{"value": "a@x.io", "primary": True, "label": "work"}]),
        (["vip", "beta"], [{"name": "beta", "id": "1"}, {"name": "vip", "id": "2"}]),  # Zoho tags
        (None, ""),
        ([], None),
        (True, True),
    ],
)
def test_values_the_target_writes_back_differently_are_the_same(expected, actual) -> None:
    assert same(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ({"id": "57"}, {"id": "58"}),
        ("Jane", "jane"),
        ("2024-08-21", "2024-08-22"),
        (1, True),
        (["vip"], ["vip", "beta"]),
        ("x", None),
        ("2024-08-21T23:03:13Z", "2024-08-21T23:03:14Z"),
    ],
)
def test_real_differences_are_mismatches(expected, actual) -> None:
    assert not same(expected, actual)


def test_a_fresh_sample_matches_and_a_deleted_record_is_reported_missing(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    asyncio.run(run_example("netmera_to_zoho", run_dir, spec(10), sample=2))

    async def diff():
        async with open_session(analysis("netmera_to_zoho"), run_dir, sandbox=spec(10)) as session:
            return await diff_run(session)

    report = asyncio.run(diff())
    assert report.mismatches == 0 and report.records > 0 and report.fields > report.records
    assert {row.phase for row in report.rows} >= {"User->Accounts", "User->Contacts", "Device->Contacts", "Event->Notes"}
    store = target_store(run_dir)
    gone = store.all("Tasks")[0]["id"]
    store.delete("Tasks", gone)
    store.save(run_dir / "target.json")
    report = asyncio.run(diff())
    assert report.missing == 1 and report.mismatches == 1
    assert [row.target_id for row in report.rows if row.match is False] == [gone]


def test_zoho_attachment_links_are_compared_not_skipped(tmp_path: Path) -> None:
    """Zoho keeps an attachment's `attachmentUrl` as `$link_url`; the connector reads it back under
    the written name, so every loaded link's URL is compared (and matches)."""
    run_dir = tmp_path / "run"
    # The admin step actimo_to_zoho lists (custom fields on Notes), done by the sandbox's option.
    sandbox = spec(14, target_options={"custom_field_modules": "Notes"})
    asyncio.run(run_example("actimo_to_zoho", run_dir, sandbox, sample=3))

    async def diff():
        async with open_session(analysis("actimo_to_zoho"), run_dir, sandbox=sandbox) as session:
            return await diff_run(session)

    report = asyncio.run(diff())
    links = [row for row in report.rows if row.field == "attachmentUrl"]
    assert links and all(row.match is True for row in links), [(r.target_id, r.actual) for r in links if r.match is not True]
    assert report.mismatches == 0


def test_a_ref_chain_is_compared_with_the_object_it_found_and_the_type_it_set(tmp_path: Path) -> None:
    """Customer.io engagement refs the person's Contact, else their Lead: the diff resolves the
    chain as the load did, so both `targetable_id` and `targetable_type` (set by the ref) compare,
    and a note moved to another kind of record is a mismatch."""
    name = "customerio_to_freshsales"
    run_dir = tmp_path / "run"
    sandbox = spec(8, target_options={"custom_modules": "cf_cio_objects=Customer.io objects", "activity_field_settings": "true"})
    asyncio.run(run_example(name, run_dir, sandbox, sample=6))

    async def diff():
        async with open_session(analysis(name), run_dir, sandbox=sandbox) as session:
            return await diff_run(session)

    report = asyncio.run(diff())
    assert report.mismatches == 0
    types = [row for row in report.rows if row.field == "targetable_type"]
    assert {row.expected for row in types} == {"Contact", "Lead"} and all(row.match for row in types)
    store = target_store(run_dir)
    note = next(n for n in store.all("notes") if n["targetable_type"] == "Lead")
    store.get("notes", str(note["id"]))["targetable_type"] = "Contact"
    store.save(run_dir / "target.json")
    moved = [row for row in asyncio.run(diff()).rows if row.match is False]
    assert [(row.field, row.expected, row.actual) for row in moved] == [("targetable_type", "Lead", "Contact")]
