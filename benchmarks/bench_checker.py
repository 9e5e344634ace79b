"""Benchmark of the checker alone (issue 3's bound on parse + check, the language server's
re-check on every edit), printed as ratios against baselines measured in the same run, because
absolute times drift with the machine's load.

The file is parsed once; then `check_program` runs on it again and again. Baselines: the parse
of the same file, and a plain Python loop over the nodes of its tree (listed once beforehand),
reading each node's span: the least any pass over the tree costs.
Sizes: the generated 10,000-line file of bench_check.py, a 1,000-line one (an editor buffer), and
the examples. On the 1,000-line file it also times what an editor does per keystroke: an
incremental parse and check of the edited text, against a fresh one.

Run: python benchmarks/bench_checker.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_check import generate

from migc.semantics.check import check_file, check_program
from migc.semantics.program import load_program
from migc.syntax import ast

ROOT = Path(__file__).resolve().parent.parent


def median_time(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def visit_every_node(nodes: list[ast.Node]) -> int:
    total = 0
    for node in nodes:
        total += node.span.start
    return total


def measure(path: Path, repeat: int) -> tuple[float, float, float, int]:
    program = load_program(path)
    assert program.root is not None and program.root.module is not None, program.diagnostics[:3]
    analysis = check_program(program)  # first run: loads the catalogs
    assert not analysis.has_errors, analysis.diagnostics[:3]
    maps = len(analysis.model.maps) if analysis.model else 0
    parse = median_time(max(1, repeat // 3), lambda: load_program(path))
    nodes = list(ast.walk(program.root.module))
    walk = median_time(repeat, lambda: visit_every_node(nodes))
    check = median_time(repeat, lambda: check_program(program))
    return check, parse, walk, maps


def measure_editing(path: Path, repeat: int) -> tuple[float, float]:
    """An editor typing one character mid-file: the incremental parse and check of each new
    version (which reuse the unchanged items and maps), and a fresh parse and check of it."""
    text = path.read_text(encoding="utf-8")
    middle = text.index("\n", len(text) // 2) + 1
    at = text.index("<- ", middle) + 3  # inside a map's value, as a user types
    name = str(path)

    def version(index: int) -> str:
        return text[:at] + "x" * (index % 5) + text[at:]

    check_file(path, text=version(0), display_name=name, incremental=True)
    counter = iter(range(1, 1_000_000))
    incremental = median_time(repeat, lambda: check_file(path, text=version(next(counter)), display_name=name, incremental=True))
    fresh = median_time(max(1, repeat // 3), lambda: check_file(path, text=version(next(counter)), display_name=name))
    return incremental, fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for lines in (10_000, 1_000):
            path = Path(tmp) / f"gen{lines}.mig"
            path.write_text(generate(lines), encoding="utf-8")
            check, parse, walk, maps = measure(path, args.repeat)
            print(
                f"check, {lines:,} lines: {check * 1000:.1f} ms, {check / maps * 1e6:.0f} us per map   "
                f"check/parse {check / parse:.2f}   check/node loop {check / walk:.0f}x"
            )
            if lines == 1_000:
                incremental, fresh = measure_editing(path, args.repeat * 3)
                print(
                    f"edit mid-file, {lines:,} lines: incremental parse+check {incremental * 1000:.1f} ms, "
                    f"fresh {fresh * 1000:.1f} ms   incremental/fresh {incremental / fresh:.2f}"
                )
    for path in sorted((ROOT / "examples").glob("*.mig")):
        check, parse, walk, _ = measure(path, args.repeat * 3)
        print(f"check, {path.name}: {check * 1000:.2f} ms   check/parse {check / parse:.2f}   check/node loop {check / walk:.0f}x")


if __name__ == "__main__":
    main()
