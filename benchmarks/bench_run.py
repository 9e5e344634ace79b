"""Load rate end to end against target sandboxes that enforce a known rate ceiling.

    python benchmarks/bench_run.py

The source is the synthetic Netmera of bench_memory (so it never limits the run); the target is
the real Zoho CRM or Pipedrive sandbox served in-process with a server-side `RateLimitConfig`,
and the connector's client budget set to the same ceiling (as the catalog would). For the phase
measured, prints the calls the target answered per second and that rate as a ratio of the
ceiling. Goal: >= 0.9.

- Zoho: 100 records per upsert call, up to four calls in flight (its real limit is concurrency,
  so the ceiling here is a calls-per-second window set for the benchmark). The ceiling is low
  because the sandbox checks duplicates by scanning the module, so an upsert call costs CPU in
  proportion to the records already loaded, in this same process;
- Pipedrive: one record per call, the engine handing the connector 50 at a time, which it sends
  concurrently within the budget (20 requests per 2 s is the cheapest plan's burst window).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_memory import SyntheticNetmera  # noqa: E402

from migc.connectors.ratelimit import RateBudget  # noqa: E402
from migc.runtime.engine import Engine, RunOptions  # noqa: E402
from migc.runtime.journal import ConsentRecord, now  # noqa: E402
from migc.runtime.session import SandboxSpec, open_session, start_run  # noqa: E402
from migc.sandbox.base import RateLimitConfig  # noqa: E402
from migc.semantics.check import check_file  # noqa: E402

HEADER = """import eu_countries from "std/regions.mig"

migration {name} {{
  from netmera
  to {target}
  consent gdpr for User when country in eu_countries
}}
"""

CASES = {
    "zoho_crm": (
        HEADER.format(name="bench_run_zoho", target="zoho_crm") + """
map User -> Contacts {
  key Email <- normalize_email(email)
  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)
  First_Name <- name | truncate(40)
}
""",
        "User->Contacts", 4 * 4_000, RateLimitConfig(calls=2, per_seconds=1.0)),
    "pipedrive": (
        HEADER.format(name="bench_run_pipedrive", target="pipedrive") + """
map Event -> activities {
  subject <- ("Netmera: " + name) | truncate(255)
  type <- "task"
  done <- true
  due_date <- timestamp as date
}
""",
        "Event->activities", 2 * 300, RateLimitConfig(calls=40, per_seconds=2.0)),
}


async def measure(platform: str, directory: Path) -> tuple[int, float, float]:
    text, phase, records, ceiling = CASES[platform]
    path = directory / f"{platform}.mig"
    path.write_text(text, encoding="utf-8")
    analysis = check_file(path, text=None, overlays=(), display_name=path.name)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    budget = RateBudget(calls=ceiling.calls, per_seconds=ceiling.per_seconds, concurrency=10)
    sandbox = SandboxSpec(records=10, target_rate_limit=ceiling, target_budget=budget)
    marks: dict[str, tuple[float, int]] = {}
    async with open_session(analysis, directory / "run", sandbox=sandbox) as session:
        traffic = session.target_app.state.traffic

        def on_event(kind: str, data: dict) -> None:
            if data.get("phase") == phase and kind in ("phase-start", "phase-end"):
                marks[kind] = (time.perf_counter(), traffic.total)

        start_run(session, mode="full", mig_file=path.name, operator="bench")
        session.journal.record_consent(ConsentRecord(regulation="gdpr", given_by="bench", given_at="2026-11-20", recorded_at=now()))
        engine = Engine(model=analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                        target_catalog=session.target_catalog, source=SyntheticNetmera(records), target=session.target,
                        journal=session.journal, options=RunOptions(operator="bench"), on_event=on_event)
        await engine.run()
        rejected = traffic.by_status.get(429, 0)
    (started, calls_before), (ended, calls_after) = marks["phase-start"], marks["phase-end"]
    calls = calls_after - calls_before
    return calls, ended - started, rejected


def main() -> None:
    for platform, (_, phase, _, ceiling) in CASES.items():
        with tempfile.TemporaryDirectory(prefix="migc-bench-run-") as directory:
            calls, elapsed, rejected = asyncio.run(measure(platform, Path(directory)))
        limit = ceiling.calls / ceiling.per_seconds
        achieved = calls / elapsed
        print(f"{platform:10} {phase:18} {calls:5} calls in {elapsed:6.2f} s = {achieved:6.2f} calls/s; ceiling {limit:g}/s; "
              f"ratio {achieved / limit:.2f} (goal >= 0.9); 429 answers {rejected}")


if __name__ == "__main__":
    main()
