"""Sample runs: which units a sample takes. Per map, the first `sample` units, plus the first unit
(within the first `SAMPLE_SCAN_FACTOR` x `sample` units read, at least `SAMPLE_MIN_SCAN`) that
covers something no unit taken covers yet: a values-table entry (or `else`), a flag, a report, a
kind of failure. Units whose ref points at a record this run loads but the sample does not are
left out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from migc.compiler.codegen import CompiledProgram
from migc.runtime.stages import Failure, Pending

SAMPLE_SCAN_FACTOR = 20
SAMPLE_MIN_SCAN = 1_000

LEFT_OUT = Failure(reason="outside the sample")
_ELSE = "else"


class ValuesTrace:
    """Wraps the generated values-table functions so a sample sees which entries a unit hits."""

    def __init__(self) -> None:
        self._hits: set[tuple] | None = None  # while a unit is evaluated

    def install(self, compiled: CompiledProgram) -> Callable[[], None]:
        """Wraps the program's values tables; returns what puts the originals back."""
        namespace = compiled.namespace
        originals: dict[str, Any] = {}
        for index, table in enumerate(compiled.program.values):
            name = f"V{index}"
            original = namespace.get(name)
            if original is None:
                continue
            originals[name] = original
            keys = [key for key, _ in table.entries]
            namespace[name] = self._traced(table.name, keys, original)

        def restore() -> None:
            namespace.update(originals)

        return restore

    async def covering(self, evaluation: Awaitable[Pending | Failure]) -> tuple[Pending | Failure, set[tuple]]:
        """Awaits a unit's evaluation with the trace on: (its pending or failure, what it covers);
        a unit whose ref points outside the sample is `LEFT_OUT`."""
        self._hits = set()
        try:
            evaluated = await evaluation
        finally:
            hits, self._hits = self._hits, None
        if isinstance(evaluated, Failure):
            if evaluated.outside_sample:
                return LEFT_OUT, set()
            hits.add(evaluated.kind)
        else:
            hits.update(("report", message) for message in evaluated.reports)
        return evaluated, hits

    def _traced(self, table: str, keys: list[Any], original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def traced(value: Any) -> Any:
            if self._hits is not None:
                entry = next((key for key in keys if key == value and type(key) is type(value)), _ELSE) if value is not None else None
                self._hits.add(("values", table, repr(entry)))
            return original(value)

        return traced


class SampleSelection:
    """The units of one phase a sample takes, as they are read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.window = max(SAMPLE_SCAN_FACTOR * size, SAMPLE_MIN_SCAN)
        self.covered: set[tuple] = set()
        self.scanned = 0
        self.taken = 0

    def scan(self) -> bool:
        """Counts one more unit read; False once the sample is full and the scan window is past."""
        self.scanned += 1
        return not (self.taken >= self.size and self.scanned > self.window)

    def take(self, evaluated: Any, hits: set[tuple]) -> bool:
        """Whether the sample takes a unit read (`evaluated` and `hits` as `ValuesTrace.covering`
        gives them): one of the first `size`, or one that covers something new."""
        new = hits - self.covered
        if evaluated is LEFT_OUT or (self.taken >= self.size and not new):
            return False
        self.covered |= hits
        self.taken += 1
        return True
