"""The run commands as an operator uses them: sample, diff, approve, full, status, reconcile,
delta, rollback, with their gates, exit codes and one-line errors (never a traceback)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from migc.cli import app
from migc.runtime.session import write_sandbox_spec
from migc.sandbox.store import Store

from tests.runtime.test_e2e_harness import EXAMPLES, spec

CONSENT = ["--consent", "Jane Roe <jane@acme.example>, 2026-11-20"]
FILE = "examples/netmera_to_zoho.mig"
RUN_DIR = Path("runs/netmera_to_zoho")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    # The sandboxes of this run: a small source and a fast client (as `--records` would, plus test budgets).
    write_sandbox_spec(tmp_path / RUN_DIR, spec(12))
    return tmp_path


def migc(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_a_migration_from_sample_to_rollback(workspace: Path) -> None:
    refused = migc("run", FILE, "--sandbox", "--sample", "3")
    assert refused.exit_code == 1 and "consent gate" in refused.output and "Traceback" not in refused.output

    sample = migc("run", FILE, "--sandbox", "--sample", "3", *CONSENT)
    assert sample.exit_code == 0, sample.output
    assert "User->Contacts" in sample.output

    early = migc("run", FILE, "--sandbox", "--full")
    assert early.exit_code == 1 and "is not approved" in early.output

    compared = migc("diff", FILE)
    assert compared.exit_code == 0, compared.output
    assert "no mismatch" in compared.output

    assert migc("approve", "--run-dir", str(RUN_DIR), "--by", "Jane Roe").exit_code == 0
    full = migc("run", FILE, "--sandbox", "--full", "--json")
    assert full.exit_code == 0, full.output
    events = [json.loads(line) for line in full.output.splitlines() if line.startswith("{")]
    summary = events[-1]
    assert summary["event"] == "summary"
    assert sum(p["already"] for p in summary["phases"]) > 0, "records the sample loaded are not sent again"

    shown = migc("status", "--run-dir", str(RUN_DIR), "--quarantine")
    assert shown.exit_code == 0
    assert "full run" in shown.output and "consent (gdpr): given by Jane Roe <jane@acme.example>" in shown.output
    assert "quarantined User->Contacts" in shown.output or "quarantined Event->" in shown.output
    assert "examples/netmera_to_zoho.mig:" in shown.output
    as_json = json.loads(migc("status", "--run-dir", str(RUN_DIR), "--quarantine", "--json").output)
    assert {p["status"] for p in as_json["phases"]} == {"done"} and as_json["quarantine"]

    balanced = migc("reconcile", FILE)
    assert balanced.exit_code == 0, balanced.output
    assert balanced.output.count("ok ") == 7

    assert migc("delta", FILE).exit_code == 0

    undone = migc("rollback", FILE, "--yes")
    assert undone.exit_code == 0 and "records deleted" in undone.output
    store = Store.from_file(workspace / RUN_DIR / "target.json")
    assert all(store.count(name) == 0 for name in store.names() if not name.startswith("recycle_bin:"))
    again = migc("rollback", FILE, "--yes")
    assert "rolled back: 0 records deleted, 0 restored" in again.output

    off = migc("reconcile", FILE, "--json")
    assert off.exit_code == 1, "after a rollback the target no longer holds what the journal loaded... and the journal knows"


def test_diff_reports_a_field_the_target_changed(workspace: Path) -> None:
    assert migc("run", FILE, "--sandbox", "--sample", "2", *CONSENT).exit_code == 0
    path = workspace / RUN_DIR / "target.json"
    store = Store.from_file(path)
    contact = store.all("Contacts")[0]
    contact["First_Name"] = "Changed In The CRM"
    store.save(path)
    result = migc("diff", FILE, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    mismatches = [row for row in report["rows"] if row["match"] is False]
    assert [(row["field"], row["actual"]) for row in mismatches] == [("First_Name", "Changed In The CRM")]
    assert mismatches[0]["source"] == {"name": mismatches[0]["expected"]}
    human = migc("diff", FILE)
    assert human.exit_code == 1 and "1 mismatches" in human.output


def test_an_unfinished_run_needs_resume(workspace: Path) -> None:
    # The target refuses every update, so the Device merge cannot finish: the run stops.
    from migc.sandbox.faults import FaultConfig

    write_sandbox_spec(workspace / RUN_DIR, msgspec.structs.replace(
        spec(12), target_faults=FaultConfig(seed=1, server_error_rate=1.0, methods=("PUT",))))
    stopped = migc("run", FILE, "--sandbox", "--full", "--skip-approval", *CONSENT)
    assert stopped.exit_code == 1
    assert "run stopped: phase Device->Contacts does not reconcile" in stopped.output and "Traceback" not in stopped.output
    write_sandbox_spec(workspace / RUN_DIR, spec(12))
    again = migc("run", FILE, "--sandbox", "--full", "--skip-approval")
    assert again.exit_code == 1 and "pass --resume" in again.output
    resumed = migc("run", FILE, "--sandbox", "--full", "--skip-approval", "--resume")
    assert resumed.exit_code == 0, resumed.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("run", "examples/missing.mig", "--sandbox"), 2, "no such file"),
        (("run", FILE), 2, "--source-url and --target-url, or use --sandbox"),
        (("status", "--run-dir", "nowhere"), 1, "no run in nowhere"),
        (("approve", "--run-dir", "nowhere"), 1, "no run in nowhere"),
        (("reconcile", FILE, "--run-dir", "nowhere"), 1, "no run in nowhere"),
        (("rollback", FILE, "--run-dir", "nowhere", "--yes"), 1, "no run in nowhere"),
        (("diff", FILE, "--run-dir", "nowhere"), 1, "no run in nowhere"),
    ],
)
def test_operator_mistakes_get_one_clear_line(tmp_path: Path, monkeypatch, args, code: int, message: str) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    result = migc(*args)
    assert result.exit_code == code
    assert message in result.output and "Traceback" not in result.output


def test_a_journal_from_another_migc_is_refused_clearly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "journal.sqlite").write_bytes(b"this is not a journal" * 64)
    result = migc("status", "--run-dir", "old")
    assert result.exit_code == 1 and "not a migc journal" in result.output
