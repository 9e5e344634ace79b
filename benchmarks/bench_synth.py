"""Benchmark of synthetic data generation: records/s per object, relative to building plain dicts.

The baseline builds the same number of dicts with the same keys (each value the loop index), the
cheapest record a generator could hand out; the ratio says how many times slower a synthetic
record is. Run: `python benchmarks/bench_synth.py [records_per_object] [seed]`.
"""

from __future__ import annotations

import sys
import time

from migc.sandbox import synth


def _rate(count: int, build) -> float:
    started = time.perf_counter()
    build(count)
    elapsed = time.perf_counter() - started
    return count / elapsed if elapsed > 0 else float("inf")


def main(count: int = 5000, seed: int = 1) -> None:
    print(f"{'platform':<11} {'object':<21} {'records/s':>11} {'dicts/s':>12} {'ratio':>7}")
    for platform in synth.PLATFORMS:
        sizes = synth.counts(platform, 1_000_000)
        for name in synth.objects(platform):
            size = min(count, sizes[name])
            keys = tuple(synth.record(platform, name, 0, seed))

            def generate(n: int, platform: str = platform, name: str = name) -> None:
                for _ in synth.generate(platform, name, n, seed):
                    pass

            def baseline(n: int, keys: tuple[str, ...] = keys) -> None:
                for index in range(n):
                    {key: index for key in keys}  # noqa: B018 - building it is the measured work

            records = _rate(size, generate)
            dicts = _rate(size, baseline)
            print(f"{platform:<11} {name:<21} {records:>11,.0f} {dicts:>12,.0f} {dicts / records:>6.1f}x")


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    main(*arguments)
