"""Peak memory of the transform + load pipeline at 10,000 vs 1,000,000 source records.

    python benchmarks/bench_memory.py                 # 10,000 and 1,000,000
    python benchmarks/bench_memory.py 10000 200000    # other sizes

Each size runs in its own subprocess (peak RSS from `resource.getrusage`): a synthetic Netmera
source generating users, devices and events (a quarter, a quarter and half of the records), the
real engine and SQLite journal, and a sink target that answers every write at once and keeps
nothing. The program exercises what could hold state per record: `distinct` (Accounts from user
companies), a keyed upsert with tags, a `summarize` merge (devices per user), a `limit` per user
and refs through the journal. Prints the peak RSS per size and the growth; the goal is growth
under 50 MB.

What the engine holds per key, and where: `distinct` keys in memory (one per distinct value: the
number of companies, not of records); `summarize` groups and `limit` counters in temporary
SQLite files; the id map, lookup keys and audit rows in the journal (disk); the ref lookup cache
is capped at LOOKUP_CACHE_LIMIT entries.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from migc.compiler.codegen import compile_program
from migc.compiler.lower import lower
from migc.connectors.results import RecordResult
from migc.connectors.retry import StatsSnapshot
from migc.runtime.engine import Engine, RunOptions
from migc.runtime.journal import SqliteJournal
from migc.semantics.check import check_file

PROGRAM = """import eu_countries from "std/regions.mig"

migration bench_memory {
  from netmera
  to zoho_crm
  consent gdpr for User when country in eu_countries
}

create field Contacts.Netmera_Id__c: string(64) unique label "Netmera ID"
create field Contacts.Device_OS__c: string(40) label "Device OS"

map User distinct by lower(trim(company)) -> Accounts where company != null {
  key Account_Name <- trim(company) | truncate(200)
}

map User -> Contacts {
  key Netmera_Id__c <- extId
  Email <- normalize_email(email)
  Last_Name <- (surname ?? name ?? "Unknown") | truncate(80)
  Account_Name <- ref Accounts by Account_Name = trim(company) | truncate(200) else null
  Tag <- tags | each(normalize_tag)
}

map Device summarize by extId -> Contacts merge {
  key Netmera_Id__c <- first(extId)
  Device_OS__c <- last(platform)
}

map Event -> Notes {
  limit 2 per extId lossy "two notes per contact"
  Parent_Id <- ref Contacts by Netmera_Id__c = extId else quarantine
  Note_Title <- name | truncate(120)
  Note_Content <- "Netmera event " + name
}
"""

COMPANIES = 500
ZERO_STATS = StatsSnapshot(requests=0, retries=0, retries_by_reason={}, responses_by_status={}, throttled=0, gave_up=0, waited_seconds=0.0)


class SyntheticNetmera:
    """A source connector generating records on the fly: nothing is kept."""

    platform = "netmera"

    def __init__(self, records: int) -> None:
        self.users = max(1, records // 4)
        self.counts = {"User": self.users, "Device": self.users, "Event": records - 2 * self.users}

    async def read(self, object: str, *, since=None, page_size=None) -> AsyncIterator[dict[str, Any]]:
        for index in range(self.counts.get(object, 0)):
            if index % 1000 == 0:
                await asyncio.sleep(0)  # a real connector awaits the network between pages
            if object == "User":
                yield {"extId": f"u{index}", "email": f"user{index}@example.com", "name": f"Name{index}", "surname": f"Surname{index}",
                       "company": f"Company {index % COMPANIES}", "country": "TR", "tags": ["vip", f"cohort-{index % 7}"]}
            elif object == "Device":
                yield {"token": f"t{index}", "extId": f"u{index}", "platform": "IOS" if index % 2 else "ANDROID"}
            else:
                yield {"id": f"e{index}", "extId": f"u{index % self.users}", "name": "purchase", "timestamp": 1_700_000_000_000 + index}

    def stats(self) -> StatsSnapshot:
        return ZERO_STATS

    async def aclose(self) -> None:
        return None


class SinkTarget:
    """A target connector that accepts every write at once and stores nothing."""

    platform = "zoho_crm"

    def __init__(self) -> None:
        self._next = 10_000_000
        self.calls = 0

    def _ids(self, count: int, outcome: str) -> list[RecordResult]:
        self.calls += 1
        results = [RecordResult(index=i, outcome=outcome, target_id=str(self._next + i)) for i in range(count)]  # type: ignore[arg-type]
        self._next += count
        return results

    def batch_size(self, object: str, op: str) -> int:
        return 100

    async def upsert(self, object: str, records: Sequence[dict[str, Any]], key_fields: Sequence[str]) -> list[RecordResult]:
        return self._ids(len(records), "created")

    async def create(self, object: str, records: Sequence[dict[str, Any]]) -> list[RecordResult]:
        return self._ids(len(records), "created")

    async def update(self, object: str, records: Sequence[dict[str, Any]]) -> list[RecordResult]:
        self.calls += 1
        return [RecordResult(index=i, outcome="updated", target_id=str(r["id"])) for i, r in enumerate(records)]

    async def get(self, object: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        return []

    async def search(self, object: str, field: str, value: str) -> list[dict[str, Any]]:
        return []

    async def list(self, object: str) -> AsyncIterator[dict[str, Any]]:
        return
        yield {}

    async def add_tags(self, object: str, record_id: str, tags: Sequence[str]) -> RecordResult:
        return RecordResult(index=0, outcome="updated", target_id=record_id)

    async def describe(self, object: str) -> dict[str, Any]:
        return {"fields": []}

    async def create_field(self, object: str, field) -> str:
        return field.label.replace(" ", "_")

    async def create_module(self, module) -> str:
        return module.api_name or module.plural_label

    async def add_picklist_values(self, object: str, field: str, values: Sequence[str]) -> None:
        return None

    def stats(self) -> StatsSnapshot:
        return ZERO_STATS

    async def aclose(self) -> None:
        return None


async def pipeline(records: int, directory: Path) -> tuple[int, float]:
    path = directory / "bench_memory.mig"
    path.write_text(PROGRAM, encoding="utf-8")
    analysis = check_file(path, text=None, overlays=(), display_name="bench_memory.mig")
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    journal = SqliteJournal(directory / "journal.sqlite")
    engine = Engine(model=analysis.model, compiled=compile_program(lower(analysis)), source_catalog=analysis.source_catalog,
                    target_catalog=analysis.target_catalog, source=SyntheticNetmera(records), target=SinkTarget(), journal=journal,
                    options=RunOptions(operator="bench"))
    started = time.perf_counter()
    summary = await engine.run()
    elapsed = time.perf_counter() - started
    journal.close()
    return sum(p.read for p in summary.phases), elapsed


def child(records: int) -> None:
    with tempfile.TemporaryDirectory(prefix="migc-bench-") as directory:
        units, elapsed = asyncio.run(pipeline(records, Path(directory)))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{records} {units} {peak_kb} {elapsed:.1f}")


def main(sizes: list[int]) -> None:
    peaks = {}
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True, text=True, check=True)
        records, units, peak_kb, elapsed = done.stdout.split()
        peaks[size] = int(peak_kb) / 1024
        print(f"{int(records):>10,} source records: {int(units):>10,} units through the pipeline in {float(elapsed):7.1f} s "
              f"({int(units) / float(elapsed):,.0f} units/s), peak RSS {peaks[size]:7.1f} MB")
    small, large = min(sizes), max(sizes)
    growth = peaks[large] - peaks[small]
    print(f"peak RSS growth {small:,} -> {large:,} records: {growth:+.1f} MB (goal < 50 MB: {'met' if growth < 50 else 'NOT met'}); "
          f"ratio {peaks[large] / peaks[small]:.2f}x")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [10_000, 1_000_000])
