"""The engine's own rules on small programs written for them: the sample's selection, quarantine
of malformed records with their `.mig` location, `limit`, duplicate source ids, the grouping of
`summarize`, and the crash-test hook."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from migc.runtime.crash_hook import CRASH_POINT_VARIABLE, CrashHook
from migc.runtime.engine import Engine
from migc.runtime.interface import RunOptions, RunStopped
from migc.runtime.scratch import Grouping
from migc.runtime.session import open_session, start_run
from migc.semantics.check import check_file

from tests.runtime.test_e2e_harness import CONSENT, journal, spec, target_store

HEADER = """import eu_countries from "std/regions.mig"

migration {name} {{
  from netmera
  to zoho_crm
  consent gdpr for User when country in eu_countries
  sample 2
}}
"""

SAMPLE_RULE = HEADER.format(name="sample_rule") + """
values salutation from User.gender to Contacts.Salutation {
  "MALE" -> "Mr."
  "FEMALE" -> "Ms."
  else "-None-"
}

map User -> Contacts {
  key Email <- normalize_email(email)
  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)
  Salutation <- salutation(gender)
  flag "no email" when email == null -> quarantine
}
"""

MALFORMED = HEADER.format(name="malformed") + """
map User -> Contacts {
  key Email <- normalize_email(email)
  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)
  Mobile <- e164(msisdn)
  flag "no email" when email == null -> quarantine
}
"""

LIMITED = HEADER.format(name="limited") + """
map User -> Contacts {
  key Netmera_Id__c <- extId
  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)
}

map Event -> Notes {
  limit 2 per extId lossy "two notes per contact are enough for this test"
  Parent_Id <- ref Contacts by Netmera_Id__c = extId else quarantine
  Note_Title <- name | truncate(120)
  Note_Content <- json(attributes)
}

create field Contacts.Netmera_Id__c: string(64) unique label "Netmera ID"
"""


CHAINED = HEADER.format(name="chained") + """
create field Contacts.Netmera_Id__c: string(64) unique label "Netmera ID"
create field Leads.Netmera_Id__c: string(64) unique label "Netmera ID"
create field Contacts.Manager__c: lookup(Contacts) label "Manager"

map User -> Contacts where isSubscribed == true {
  key Netmera_Id__c <- extId
  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)
  Email <- normalize_email(email)
  # A self reference through a chain: its first link never matches, the second finds the contact itself.
  Manager__c <- ref Contacts by Netmera_Id__c = "nobody" else ref Contacts by Netmera_Id__c = extId else null
}

# Every user is a Lead too: a note must still go to the Contact where there is one.
map User -> Leads {
  key Netmera_Id__c <- extId
  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)
}

map Event -> Notes {
  Parent_Id <- ref Contacts by Netmera_Id__c = extId else ref Leads by Netmera_Id__c = extId else quarantine
  Note_Title <- name | truncate(120)
  Note_Content <- json(attributes)
}
"""


def program(tmp_path: Path, name: str, text: str):
    path = tmp_path / f"{name}.mig"
    path.write_text(text, encoding="utf-8")
    analysis = check_file(path, text=None, overlays=(), display_name=f"{name}.mig")
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    return analysis


async def run(analysis, run_dir: Path, *, records: int, sample: int | None = None, source=None):
    async with open_session(analysis, run_dir, sandbox=spec(records)) as session:
        start_run(session, mode="sample" if sample else "full", mig_file="test.mig", operator="tester")
        session.journal.record_consent(CONSENT)
        engine = Engine(model=analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                        target_catalog=session.target_catalog, source=source or session.source, target=session.target,
                        journal=session.journal, options=RunOptions(operator="tester", sample=sample))
        return await engine.run()


async def users(analysis, run_dir: Path, records: int) -> list[dict]:
    async with open_session(analysis, run_dir, sandbox=spec(records)) as session:
        return [user async for user in session.source.read("User")]


def _salutation_class(gender) -> str:
    return {"MALE": "MALE", "FEMALE": "FEMALE", None: "null"}.get(gender, "else")


def test_the_sample_spans_every_values_entry_and_flag_met_in_the_first_records(tmp_path: Path) -> None:
    analysis = program(tmp_path, "sample_rule", SAMPLE_RULE)
    summary = asyncio.run(run(analysis, tmp_path / "run", records=40, sample=2))
    population = asyncio.run(users(analysis, tmp_path / "source", 40))
    wanted = {_salutation_class(u.get("gender")) for u in population if u.get("email")}
    assert len(wanted) >= 3, "the synthetic users must carry several genders for this test to mean anything"
    records = journal(tmp_path / "run")
    loaded = {link.source_id for link in records.links(map_id="User->Contacts")}
    by_id = {u["extId"]: u for u in population}
    covered = {_salutation_class(by_id[sid].get("gender")) for sid in loaded}
    assert covered == wanted
    if any(not u.get("email") for u in population):
        assert [q.reason for q in records.quarantined()] == ["flag: no email"]
    phase = summary.phases[0]
    # Two units, plus at most one per values entry and flag that the first two did not cover.
    assert 2 < phase.read <= 2 + len(wanted) + 1


def test_a_plain_sample_takes_the_first_units(tmp_path: Path) -> None:
    text = SAMPLE_RULE.replace("  Salutation <- salutation(gender)\n", "").replace(
        'values salutation from User.gender to Contacts.Salutation {\n  "MALE" -> "Mr."\n  "FEMALE" -> "Ms."\n  else "-None-"\n}\n', "")
    analysis = program(tmp_path, "plain", text.replace('flag "no email" when email == null -> quarantine', ""))
    summary = asyncio.run(run(analysis, tmp_path / "run", records=40, sample=2))
    assert summary.phases[0].read == 2


def test_malformed_source_values_are_quarantined_with_the_mig_line_never_dropped(tmp_path: Path) -> None:
    analysis = program(tmp_path, "malformed", MALFORMED)
    summary = asyncio.run(run(analysis, tmp_path / "run", records=60))
    phase = summary.phases[0]
    entries = list(journal(tmp_path / "run").quarantined())
    failed = [q for q in entries if q.reason.startswith("e164")]
    assert failed, "the synthetic source has phone numbers e164() cannot read without a region"
    line = MALFORMED.splitlines().index("  Mobile <- e164(msisdn)") + 1
    assert {q.location for q in failed} == {f"malformed.mig:{line}:3"}
    assert all(q.record.get("extId") for q in failed), "the quarantine keeps the source record"
    assert phase.read == phase.loaded + phase.quarantined
    # Users sharing an email land on one Contact (the key dedupes them).
    targets = {link.target_id for link in journal(tmp_path / "run").links(map_id="User->Contacts")}
    assert target_store(tmp_path / "run").count("Contacts") == len(targets) == phase.inserted


def test_limit_keeps_the_first_units_per_key_and_skips_the_rest(tmp_path: Path) -> None:
    analysis = program(tmp_path, "limited", LIMITED)
    summary = asyncio.run(run(analysis, tmp_path / "run", records=12))
    notes = next(p for p in summary.phases if p.phase == "Event->Notes")
    assert notes.skipped > 0
    assert notes.read == notes.loaded + notes.skipped + notes.quarantined
    store = target_store(tmp_path / "run")
    per_contact = Counter(note["Parent_Id"]["id"] for note in store.all("Notes"))
    assert max(per_contact.values()) == 2
    assert journal(tmp_path / "run").counts("Event->Notes").skipped == notes.skipped


class RepeatingSource:
    """The source sandbox, but every user is listed twice (as some listing APIs do)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.platform = inner.platform

    async def read(self, object, *, since=None, page_size=None):
        async for record in self.inner.read(object, since=since, page_size=page_size):
            yield record
            yield record

    def stats(self):
        return self.inner.stats()

    async def aclose(self):
        await self.inner.aclose()


def test_a_source_that_lists_records_twice_loads_them_once_and_still_reconciles(tmp_path: Path) -> None:
    analysis = program(tmp_path, "sample_rule", SAMPLE_RULE)

    async def go():
        async with open_session(analysis, tmp_path / "run", sandbox=spec(10)) as session:
            start_run(session, mode="full", mig_file="test.mig", operator="tester")
            session.journal.record_consent(CONSENT)
            engine = Engine(model=analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                            target_catalog=session.target_catalog, source=RepeatingSource(session.source), target=session.target,
                            journal=session.journal, options=RunOptions(operator="tester"))
            return await engine.run()

    phase = asyncio.run(go()).phases[0]
    assert phase.duplicates == phase.read // 2
    assert target_store(tmp_path / "run").count("Contacts") == phase.loaded


def test_summarize_groups_spill_to_disk_and_come_back_in_first_record_order() -> None:
    grouping = Grouping()
    try:
        for index, key in enumerate(["b", "a", "b", "c", "a", "b"]):
            grouping.add((key,), {"n": index, "key": key})
        groups = [(key, [m["n"] for m in members]) for key, members in grouping.groups()]
    finally:
        grouping.close()
    assert groups == [("b", [0, 2, 5]), ("a", [1, 4]), ("c", [3])]


def test_the_crash_hook_reads_one_variable_and_refuses_unknown_points(monkeypatch) -> None:
    monkeypatch.delenv("MIGC_TEST_CRASH_AFTER_BATCHES", raising=False)
    hook = CrashHook()
    hook.batch_started()
    hook.reached("after-send")  # no variable: nothing happens
    monkeypatch.setenv(CRASH_POINT_VARIABLE, "sometime")
    with pytest.raises(RunStopped, match="before-send, after-send, after-commit"):
        CrashHook()


class CorruptingSource(RepeatingSource):
    """The source sandbox, but every third user's date of birth is written in a way no API uses."""

    async def read(self, object, *, since=None, page_size=None):
        index = 0
        async for record in self.inner.read(object, since=since, page_size=page_size):
            if object == "User" and index % 3 == 0:
                record = {**record, "dateOfBirth": "31/02/nineteen-eighty"}
            index += 1
            yield record


def test_source_values_that_cannot_be_decoded_are_quarantined_and_counted(tmp_path: Path) -> None:
    analysis = program(tmp_path, "sample_rule", SAMPLE_RULE)

    async def go():
        async with open_session(analysis, tmp_path / "run", sandbox=spec(9)) as session:
            start_run(session, mode="full", mig_file="test.mig", operator="tester")
            session.journal.record_consent(CONSENT)
            engine = Engine(model=analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                            target_catalog=session.target_catalog, source=CorruptingSource(session.source), target=session.target,
                            journal=session.journal, options=RunOptions(operator="tester"))
            return await engine.run()

    phase = asyncio.run(go()).phases[0]
    decoded = [q for q in journal(tmp_path / "run").quarantined() if q.reason.startswith("source field dateOfBirth")]
    assert len(decoded) == 3 and all(q.record["dateOfBirth"] == "31/02/nineteen-eighty" for q in decoded)
    assert phase.read == 9 and phase.read == phase.loaded + phase.quarantined


def test_the_decoder_types_nested_json_dates_without_touching_the_source_record() -> None:
    from migc.catalog import load_catalog
    from migc.runtime.records import decoder_for

    decode = decoder_for(load_catalog("customerio").objects["Delivery"])
    raw = {"id": 7, "created": 1727209102, "metrics": {"sent": 1727209115, "bounced": None}}
    decoded = decode(raw)
    assert decoded["metrics"]["sent"].isoformat() == "2024-09-24T20:18:35+00:00"
    assert decoded["created"].year == 2024 and decoded["id"] == "7"
    assert raw == {"id": 7, "created": 1727209102, "metrics": {"sent": 1727209115, "bounced": None}}


def test_a_ref_chain_links_each_record_to_the_first_object_that_has_it(tmp_path: Path) -> None:
    """Notes find their person among the Contacts, else among the Leads; a Zoho polymorphic
    lookup names the module of the record found. A self reference through a chain is set in the
    second pass, its links tried in order."""
    analysis = program(tmp_path, "chained", CHAINED)
    run_dir = tmp_path / "run"
    summary = asyncio.run(run(analysis, run_dir, records=6))
    store = target_store(run_dir)
    records = journal(run_dir)
    api = {(o, f): n for o, f, n in records.checkpoint("schema")[1]["fields"]}
    assert store.count("Contacts") and store.count("Leads")
    modules = Counter()
    contact_ids = {record[api[("Contacts", "Netmera_Id__c")]] for record in store.all("Contacts")}
    for note in store.all("Notes"):
        parent = note["Parent_Id"]
        module = parent["module"]["api_name"]
        person = store.get(module, str(parent["id"]))
        assert person is not None, note
        # The Lead only for people without a Contact: the first link wins when it matches.
        assert (module == "Contacts") == (person[api[(module, "Netmera_Id__c")]] in contact_ids), note
        modules[module] += 1
    assert modules["Contacts"] and modules["Leads"]
    quarantined = [entry.reason for entry in journal(run_dir).quarantined("Event->Notes")]
    assert all(reason.startswith("ref Contacts else Leads: no record matches Netmera_Id__c = ") and ", nor Netmera_Id__c = " in reason
               and reason.endswith(" in Leads") for reason in quarantined)
    notes = next(p for p in summary.phases if p.phase == "Event->Notes")
    assert notes.loaded == store.count("Notes") and notes.loaded + notes.quarantined == notes.read
    for contact in store.all("Contacts"):
        assert contact[api[("Contacts", "Manager__c")]]["id"] == contact["id"], contact
