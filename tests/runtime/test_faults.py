"""Runs against target sandboxes that fail on purpose (5xx, 429 bursts, timeouts, dropped
connections, errors after a write was applied): the target must end exactly as after a clean
run, with the retries counted in the connector's stats."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from migc.sandbox.faults import FaultConfig

from tests.runtime.test_e2e_harness import canonical, journal, run_example, spec, target_store

RECORDS = 10
PLATFORMS = {"netmera_to_zoho": "zoho_crm", "netmera_to_pipedrive": "pipedrive"}
FAULTS = FaultConfig(
    seed=11,
    throttle_rate=0.04,
    throttle_burst=3,
    server_error_rate=0.05,
    error_after_write_rate=0.04,
    timeout_rate=0.03,
    drop_rate=0.03,
    hang_seconds=0.4,
)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_faults_lose_and_duplicate_nothing(tmp_path: Path, name: str) -> None:
    clean_dir, faulty_dir = tmp_path / "clean", tmp_path / "faulty"
    asyncio.run(run_example(name, clean_dir, spec(RECORDS)))
    summary = asyncio.run(run_example(name, faulty_dir, spec(RECORDS, target_faults=FAULTS, target_timeout_seconds=0.15)))
    platform = PLATFORMS[name]
    assert canonical(target_store(faulty_dir), platform) == canonical(target_store(clean_dir), platform)
    stats = summary.target_stats
    assert stats is not None and stats.retries > 0
    assert len(stats.retries_by_reason) >= 3, stats.retries_by_reason
    assert stats.throttled > 0
    records = journal(faulty_dir)
    for result in summary.phases:
        assert result.pending == 0 and result.held == 0, result
        assert records.counts(result.phase).accounted == result.read - result.duplicates


def test_a_target_that_keeps_failing_stops_the_phase_and_resume_finishes_it(tmp_path: Path) -> None:
    """Every update answered 503 for a whole run (the Device merge updates Contacts): the phase
    does not reconcile, the run stops after it, and once the target recovers a resume loads what
    was left, once."""
    from migc.runtime.interface import PhaseUnbalanced

    run_dir = tmp_path / "run"
    outage = FaultConfig(seed=1, server_error_rate=1.0, methods=("PUT",))
    events: list = []
    with pytest.raises(PhaseUnbalanced) as stopped:
        asyncio.run(run_example("netmera_to_zoho", run_dir, spec(RECORDS, target_faults=outage), events=events))
    assert stopped.value.result.phase == "Device->Contacts" and stopped.value.result.pending > 0
    assert "retry later" in str(stopped.value) and "resume" in str(stopped.value)
    started = [data["phase"] for kind, data in events if kind == "phase-start"]
    assert started[-1] == "Device->Contacts", "no phase starts after one that does not reconcile"
    assert journal(run_dir).checkpoint("Device->Contacts")[0] == "unbalanced"
    summary = asyncio.run(run_example("netmera_to_zoho", run_dir, spec(RECORDS)))
    assert all(p.pending == 0 for p in summary.phases)
    clean = tmp_path / "clean"
    asyncio.run(run_example("netmera_to_zoho", clean, spec(RECORDS)))
    assert canonical(target_store(run_dir), "zoho_crm") == canonical(target_store(clean), "zoho_crm")
