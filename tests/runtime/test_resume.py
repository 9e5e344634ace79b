"""Crash and resume: `migc run` in a subprocess killed with SIGKILL at many points, then
`migc run --resume`; the target (served from this process, so it outlives the kill) must end
exactly as after an uninterrupted run: no duplicate, no lost record.

The kill points come from the engine's test hook (MIGC_TEST_CRASH_AFTER_BATCHES and
MIGC_TEST_CRASH_POINT): before a batch is sent, after it was sent but before its results were
journaled (the open-batch window), and after its results were committed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest

from migc.runtime.crash_hook import CRASH_AFTER_VARIABLE, CRASH_POINT_VARIABLE
from migc.runtime.session import write_sandbox_spec
from migc.sandbox.base import SandboxConfig

from tests.runtime.test_e2e_harness import ROOT, TargetServer, canonical, journal, run_example, spec, target_store

RECORDS = 8
PLATFORMS = {"netmera_to_zoho": "zoho_crm", "netmera_to_pipedrive": "pipedrive", "netmera_to_freshsales": "freshsales"}


def migc(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in (CRASH_AFTER_VARIABLE, CRASH_POINT_VARIABLE)}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "migc", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout)


def run_args(name: str, run_dir: Path, *extra: str) -> list[str]:
    return ["run", f"examples/{name}.mig", "--sandbox", "--full", "--skip-approval", "--consent", "Jane Roe, 2026-11-20",
            "--run-dir", str(run_dir), "--json", *extra]


@pytest.fixture(scope="module")
def baselines(tmp_path_factory) -> dict[str, dict]:
    """The canonical target after one uninterrupted run, per example."""
    found = {}
    for name in ("netmera_to_zoho", "netmera_to_pipedrive"):
        run_dir = tmp_path_factory.mktemp(f"baseline-{name}") / "run"
        asyncio.run(run_example(name, run_dir, spec(RECORDS)))
        found[name] = canonical(target_store(run_dir), PLATFORMS[name])
    return found


def crash_then_resume(name: str, run_dir: Path, server: TargetServer, *, after: int, point: str) -> subprocess.CompletedProcess:
    write_sandbox_spec(run_dir, msgspec.structs.replace(spec(RECORDS), target_url=server.url))
    crashed = migc(run_args(name, run_dir), env={CRASH_AFTER_VARIABLE: str(after), CRASH_POINT_VARIABLE: point})
    assert crashed.returncode == -signal.SIGKILL, (crashed.returncode, crashed.stderr[-2000:])
    return migc(run_args(name, run_dir, "--resume"))


ZOHO_KILL_POINTS = [
    (1, "after-commit"),  # between phases: Accounts done, Contacts not started
    (2, "before-send"),  # Contacts: the batch is journaled as open, nothing sent
    (2, "after-send"),  # Contacts: upserted and tagged, results not journaled
    (3, "after-send"),  # the Device merge: updated, before-images kept, results not journaled
    (5, "after-send"),  # Tasks, keyless: upserted by the stamp field
    (8, "after-send"),  # Event->Notes, the phase's last batch
]


@pytest.mark.parametrize(("after", "point"), ZOHO_KILL_POINTS, ids=[f"{a}-{p}" for a, p in ZOHO_KILL_POINTS])
def test_zoho_run_killed_and_resumed_ends_as_an_uninterrupted_run(baselines, tmp_path: Path, after: int, point: str) -> None:
    with TargetServer("zoho_crm") as server:
        resumed = crash_then_resume("netmera_to_zoho", tmp_path / "run", server, after=after, point=point)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert canonical(server.store, "zoho_crm") == baselines["netmera_to_zoho"]
    if (after, point) == (8, "after-send"):
        # Zoho Notes take no stamp field: the interrupted inserts (the last batch, and the one
        # before it when both were in flight) were found by their content, not inserted again.
        checks = [json.loads(line) for line in resumed.stdout.splitlines() if '"event": "content-check"' in line]
        assert len(checks) == 1 and checks[0]["found"] == checks[0]["units"] >= 41, checks
    records = journal(tmp_path / "run")
    for phase in records.phases():
        assert records.checkpoint(phase)[0] == "done", phase
        assert records.open_batches(phase) == []


def test_pipedrive_inserts_interrupted_after_sending_are_found_by_stamp_not_sent_again(baselines, tmp_path: Path) -> None:
    # Pipedrive has no upsert for activities: they are inserted, and an interrupted insert is
    # looked up by its stamp field on resume. Batch 4 is the first Event->activities batch.
    with TargetServer("pipedrive") as server:
        resumed = crash_then_resume("netmera_to_pipedrive", tmp_path / "run", server, after=4, point="after-send")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert '"event": "recovered"' in resumed.stdout
        assert canonical(server.store, "pipedrive") == baselines["netmera_to_pipedrive"]


def test_inserts_that_cannot_be_looked_up_are_held_and_resent_only_when_released(tmp_path: Path) -> None:
    # Freshsales notes take no custom field, so no stamp: a batch interrupted before it was sent
    # is held for review on resume, then sent with --resend-in-doubt; nothing is duplicated.
    run_dir = tmp_path / "run"
    with TargetServer("freshsales") as server:
        write_sandbox_spec(run_dir, msgspec.structs.replace(spec(RECORDS), target_url=server.url))
        first = migc(run_args("netmera_to_freshsales", run_dir), env={CRASH_AFTER_VARIABLE: "6", CRASH_POINT_VARIABLE: "before-send"})
        assert first.returncode == -signal.SIGKILL
        held_notes = server.store.count("notes")
        resumed = migc(run_args("netmera_to_freshsales", run_dir, "--resume"))
        records = journal(run_dir)
        held = [q for q in records.quarantined("Campaign->notes") if q.held]
        assert held and server.store.count("notes") == held_notes == 0
        assert "resend-in-doubt" in held[0].reason
        released = migc(run_args("netmera_to_freshsales", run_dir, "--resume", "--resend-in-doubt"))
        records = journal(run_dir)
        assert not [q for q in records.quarantined("Campaign->notes") if q.held]
        links = list(records.links(map_id="Campaign->notes"))
        assert server.store.count("notes") == len(links) == len({link.target_id for link in links}) > 0
        # These runs go on to phases the Freshsales connector may not support yet; the notes are settled either way.
        del resumed, released


def test_refs_that_fall_back_to_leads_resolve_the_same_after_a_kill(tmp_path: Path) -> None:
    """Customer.io engagement lands on the person's Contact, else their Lead (a ref chain):
    killed after the email activities were sent but before their results were journaled, the
    resumed run finds them by their stamp and ends with exactly the target an uninterrupted run
    gives, activities on Leads included."""
    name = "customerio_to_freshsales"
    # The admin steps the example lists (a custom module, activity field settings), as options.
    options = {"custom_modules": "cf_cio_objects=Customer.io objects", "activity_field_settings": "true"}
    baseline_dir = tmp_path / "baseline"
    asyncio.run(run_example(name, baseline_dir, spec(RECORDS, target_options=options)))
    expected = canonical(target_store(baseline_dir), "freshsales")
    with TargetServer("freshsales", config=SandboxConfig(seed=7, options=options)) as server:
        # Batches 1-5 load accounts, contacts, relationships and leads, 6-9 notes, 10 email activities.
        resumed = crash_then_resume(name, tmp_path / "run", server, after=10, point="after-send")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert canonical(server.store, "freshsales") == expected
        assert any(activity["targetable_type"] == "Lead" for activity in server.store.all("sales_activities"))


def test_a_kill_at_an_arbitrary_moment_is_survived(baselines, tmp_path: Path) -> None:
    """Not the hook: the test kills the process once the journal shows a few batches."""
    run_dir = tmp_path / "run"
    with TargetServer("zoho_crm") as server:
        write_sandbox_spec(run_dir, msgspec.structs.replace(spec(RECORDS), target_url=server.url))
        process = subprocess.Popen([sys.executable, "-m", "migc", *run_args("netmera_to_zoho", run_dir)], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                if _batches_done(run_dir / "journal.sqlite") >= 3:
                    break
                time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
        resumed = migc(run_args("netmera_to_zoho", run_dir, "--resume"))
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert canonical(server.store, "zoho_crm") == baselines["netmera_to_zoho"]


def _batches_done(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1) as db:
            return int(db.execute("SELECT COUNT(DISTINCT phase) FROM audit WHERE op IN ('insert', 'update')").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_keyed_inserts_the_target_cannot_look_up_are_held_not_resent(tmp_path: Path) -> None:
    """Freshsales notes can be neither searched nor listed: killed after a batch of notes was
    sent but before its results were journaled, the resumed run cannot tell whether they were
    created, so it holds them for review instead of failing or sending them again."""
    name = "customerio_to_freshsales"
    options = {"custom_modules": "cf_cio_objects=Customer.io objects", "activity_field_settings": "true"}
    with TargetServer("freshsales", config=SandboxConfig(seed=7, options=options)) as server:
        run_dir = tmp_path / "run"
        write_sandbox_spec(run_dir, msgspec.structs.replace(spec(RECORDS, target_options=options), target_url=server.url))
        # Batches 6-9 write notes (see the test above): die right after sending the seventh.
        first = migc(run_args(name, run_dir), env={CRASH_AFTER_VARIABLE: "7", CRASH_POINT_VARIABLE: "after-send"})
        assert first.returncode == -signal.SIGKILL
        sent = server.store.count("notes")
        resumed = migc(run_args(name, run_dir, "--resume"))
        assert "Traceback" not in resumed.stderr and "no way to list" not in resumed.stderr, resumed.stderr[-3000:]
        records = journal(run_dir)
        held = [q for q in records.quarantined() if q.held]
        assert held and all("resend-in-doubt" in q.reason for q in held)
        links = list(records.links())
        notes_linked = [link for link in links if link.target_id in {str(n["id"]) for n in server.store.all("notes")}]
        # Nothing was sent blindly: the notes no journal link accounts for are ones the killed run
        # sent (the held records' doubtful inserts), never more than there are held records.
        unaccounted = server.store.count("notes") - len(notes_linked)
        assert 0 < unaccounted <= min(sent, len(held))
