"""The SQLite journal: one disposition per unit, pass numbers, lookup keys, before-images,
deferred refs, open batches, counts, and durability across connections."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from migc.runtime.journal import (
    SCHEMA_VERSION,
    AuditEntry,
    DeferredRef,
    IdLink,
    JournalError,
    LookupKey,
    Quarantined,
    Skipped,
    SqliteJournal,
)


@pytest.fixture
def journal(tmp_path: Path) -> SqliteJournal:
    opened = SqliteJournal(tmp_path / "journal.sqlite")
    opened.begin_pass("tester")
    yield opened
    opened.close()


def link(sid: str, target_id: str, *, map_id: str = "User->Contacts", inserted: bool = True, partial: bool = False) -> IdLink:
    return IdLink(map_id=map_id, source_object="User", source_id=sid, target_object="Contacts", target_id=target_id,
                  key_field="Email", key_value=f"{sid}@example.com", inserted=inserted, partial=partial)


def quarantined(sid: str, *, held: bool = False, map_id: str = "User->Contacts") -> Quarantined:
    return Quarantined(phase=map_id, map_id=map_id, source_object="User", source_id=sid, reason="bad", location="", record={"id": sid}, held=held)


class TestDispositions:
    def test_a_unit_has_one_disposition_at_a_time(self, journal: SqliteJournal) -> None:
        journal.quarantine([quarantined("u1")])
        assert journal.disposition("User->Contacts", "u1") == ("quarantined", True)
        journal.skip([Skipped(map_id="User->Contacts", source_id="u1", reason="over the limit")])
        assert journal.disposition("User->Contacts", "u1") == ("skipped", True)
        journal.link([link("u1", "10")])
        assert journal.disposition("User->Contacts", "u1") == ("linked", True)
        assert list(journal.quarantined()) == []
        counts = journal.counts("User->Contacts")
        assert (counts.loaded, counts.quarantined, counts.skipped, counts.accounted) == (1, 0, 0, 1)

    def test_dispositions_of_an_earlier_pass_are_told_apart(self, journal: SqliteJournal) -> None:
        journal.link([link("u1", "10")])
        journal.begin_pass("tester")
        assert journal.disposition("User->Contacts", "u1") == ("linked", False)
        journal.link([link("u2", "11")])
        assert journal.disposition("User->Contacts", "u2") == ("linked", True)
        assert journal.disposition("User->Contacts", "nobody") == (None, False)

    def test_partial_links_and_held_quarantines(self, journal: SqliteJournal) -> None:
        journal.link([link("u1", "10", partial=True)])
        assert journal.disposition("User->Contacts", "u1")[0] == "partial"
        journal.link([link("u1", "10")])
        assert journal.disposition("User->Contacts", "u1")[0] == "linked"
        journal.mark_partial("User->Contacts", ["u1"])
        assert journal.disposition("User->Contacts", "u1")[0] == "partial"
        journal.quarantine([quarantined("u2", held=True), quarantined("u3")])
        assert journal.disposition("User->Contacts", "u2")[0] == "held"
        assert journal.counts("User->Contacts").held == 1
        assert journal.release_held("User->Contacts") == 1
        assert journal.disposition("User->Contacts", "u2")[0] is None
        assert journal.disposition("User->Contacts", "u3")[0] == "quarantined"

    def test_a_record_first_inserted_stays_inserted(self, journal: SqliteJournal) -> None:
        journal.link([link("u1", "10", inserted=True)])
        journal.link([link("u1", "10", inserted=False)])
        assert [l.inserted for l in journal.links()] == [True]
        counts = journal.counts("User->Contacts")
        assert (counts.inserted, counts.updated) == (1, 0)

    def test_removed_links_are_gone_from_lookups(self, journal: SqliteJournal) -> None:
        journal.link([link("u1", "10")])
        journal.index_keys([LookupKey(target_object="Contacts", field="Email", value="u1@example.com", target_id="10")])
        journal.mark_removed("Contacts", ["10"])
        assert journal.target_for_source("User->Contacts", "u1") is None
        assert journal.target_id("Contacts", "Email", "u1@example.com") is None
        assert list(journal.links()) == []


def test_lookup_keys_match_as_crms_do_trimmed_and_case_folded(journal: SqliteJournal) -> None:
    journal.index_keys([LookupKey(target_object="Accounts", field="Account_Name", value="Helix Media A.Ş.", target_id="7")])
    assert journal.target_id("Accounts", "Account_Name", "  helix media a.ş. ") == "7"
    assert journal.target_id("Accounts", "Website", "Helix Media A.Ş.") is None


def test_the_first_before_image_wins_and_restores_are_remembered(journal: SqliteJournal) -> None:
    journal.before_image("Contacts", "10", {"Last_Name": "Original"})
    journal.before_image("Contacts", "10", {"Last_Name": "Changed by the run"})
    assert list(journal.before_images("Contacts")) == [("10", {"Last_Name": "Original"})]
    journal.mark_restored("Contacts", "10")
    assert list(journal.before_images("Contacts", pending_only=True)) == []


def test_preexisting_records_are_found_by_normalized_key(journal: SqliteJournal) -> None:
    journal.remember_preexisting("Contacts", "Email", [("Jane@Example.com", "5", {"id": "5", "Email": "Jane@Example.com"})])
    assert journal.preexisting("Contacts", "Email", "jane@example.com") == ("5", {"id": "5", "Email": "Jane@Example.com"})
    assert journal.preexisting("Contacts", "Email", "john@example.com") is None


def test_deferred_refs_come_back_in_pages_and_clear(journal: SqliteJournal) -> None:
    journal.defer_refs([DeferredRef(map_id="User->Contacts", source_id=f"u{i}", field="Manager", values=[[f"m{i}"], None])
                        for i in range(7)])
    first = journal.deferred_refs("User->Contacts", limit=5)
    rest = journal.deferred_refs("User->Contacts", after=first[-1][0], limit=5)
    assert [d.source_id for _, d in first + rest] == [f"u{i}" for i in range(7)]
    journal.clear_deferred("User->Contacts", ["u0", "u1"])
    assert len(journal.deferred_refs("User->Contacts")) == 5


def test_open_batches_and_checkpoints(journal: SqliteJournal) -> None:
    journal.begin_batch("User->Contacts", 0, [["u1", "u1@example.com"], ["u2", ""]])
    assert journal.open_batches("User->Contacts") == [(0, [["u1", "u1@example.com"], ["u2", ""]])]
    journal.end_batch("User->Contacts", 0)
    assert journal.open_batches("User->Contacts") == []
    journal.set_checkpoint("User->Contacts", "running", {"batches": 1, "op": "create"})
    journal.set_checkpoint("preexisting:Contacts:Email", "done", {})
    assert journal.checkpoint("User->Contacts") == ("running", {"batches": 1, "op": "create"})
    assert journal.phases() == ["User->Contacts"]


def test_reports_count_each_unit_once(journal: SqliteJournal) -> None:
    entry = AuditEntry(op="report", phase="User->Contacts", map_id="User->Contacts", source_object="User", source_id="u1",
                       target_object="Contacts", detail="flag: no email")
    journal.audit([entry, entry], "tester")
    assert journal.counts("User->Contacts").reported == 1
    assert [row["operator"] for row in journal.audit_rows("User->Contacts")] == ["tester", "tester"]


def test_a_transaction_commits_together_or_not_at_all(journal: SqliteJournal) -> None:
    with pytest.raises(RuntimeError):
        with journal.transaction():
            journal.link([link("u1", "10")])
            journal.end_batch("User->Contacts", 0)
            raise RuntimeError("crash inside the transaction")
    assert list(journal.links()) == []


def test_what_was_committed_survives_a_new_connection(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    first = SqliteJournal(path)
    first.begin_pass("tester")
    first.link([link("u1", "10")])
    # No close(): a killed process closes nothing.
    second = SqliteJournal(path)
    assert second.target_for_source("User->Contacts", "u1") == "10"
    second.close()
    first.close()


def test_a_journal_of_another_format_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE run (id INTEGER)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(JournalError, match="another version of migc"):
        SqliteJournal(path)
    path.write_bytes(b"not a database, just text" * 100)
    with pytest.raises(JournalError, match="not a migc journal"):
        SqliteJournal(path)
