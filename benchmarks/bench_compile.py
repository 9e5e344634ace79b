"""Benchmark of `migc compile` over every example (issue 5): plans and documents of examples/*.mig in one process.

Prints, for one process: the time to check the examples, the time to build every plan and render
every document (the first pass loads the Jinja2 templates, from Jinja2's per-user bytecode cache
when an earlier run filled it; later passes reuse them), the ratio of check + compile to the goal
of 1 s, and what compiling the templates costs without the cache. It then checks that no HTTP library was imported
(`httpx` must not be in `sys.modules` after compiling) and that `migc.plan` works without Jinja2.

Run: python benchmarks/bench_compile.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm passes over plan + documents (best is reported)")
    options = parser.parse_args()

    start = time.perf_counter()
    from migc.plan import build_plan, render_json, render_markdown
    from migc.plan.sizing import Sizing, load_sizing
    from migc.semantics.check import check_file

    imported = time.perf_counter() - start
    examples = sorted((ROOT / "examples").glob("*.mig"))
    start = time.perf_counter()
    analyses = [check_file(path, display_name=f"examples/{path.name}") for path in examples]
    checked = time.perf_counter() - start
    sizings = []
    for path in examples:
        counts = ROOT / "docs" / "examples" / path.stem / "counts.toml"
        sizings.append(load_sizing(counts) if counts.exists() else Sizing())
    plannable = [(a, s) for a, s in zip(analyses, sizings) if a.model is not None]

    start = time.perf_counter()
    plans = [build_plan(a, sizing=s) for a, s in plannable]
    for plan in plans:
        render_markdown(plan)
        render_json(plan)
    planned = time.perf_counter() - start
    jinja_before = "jinja2" in sys.modules

    from migc.docgen import compile_documents

    def compile_all() -> float:
        began = time.perf_counter()
        for (analysis, sizing) in plannable:
            plan = build_plan(analysis, sizing=sizing)
            render_markdown(plan)
            render_json(plan)
            compile_documents(analysis, plan)
        return time.perf_counter() - began

    first = compile_all()
    warm = min(compile_all() for _ in range(max(1, options.repeat)))

    # What a process pays when the per-user bytecode cache is empty (the first run after install).
    from migc.docgen.render import TEMPLATES, make_environment

    began = time.perf_counter()
    for html in (False, True):
        uncached = make_environment(html, cache=False)
        for template in sorted(TEMPLATES.glob("*.html" if html else "*.md")):
            uncached.get_template(template.name)
    cold_templates = time.perf_counter() - began

    print(f"examples: {len(examples)} ({len(plannable)} with a checked model)")
    print(f"import migc.plan + checker:       {imported:.3f} s")
    print(f"check all examples:               {checked:.3f} s")
    print(f"plans (md + json) only:           {planned:.3f} s")
    print(f"plans + documents, first pass:    {first:.3f} s  (loads the templates)")
    print(f"plans + documents, warm (best):   {warm:.3f} s")
    total = checked + first
    print(f"check + compile, one process:     {total:.3f} s  = {total / GOAL_SECONDS:.2f}x the {GOAL_SECONDS:g} s goal")
    print(f"compile alone (first pass):       {first:.3f} s  = {first / GOAL_SECONDS:.2f}x the goal")
    print(f"templates compiled without cache: {cold_templates:.3f} s  (added once when the bytecode cache is empty)")
    problems = []
    if jinja_before:
        problems.append("migc.plan imported jinja2")
    if "httpx" in sys.modules:
        problems.append("an HTTP library (httpx) was imported")
    print("imports: " + ("; ".join(problems) if problems else "no HTTP library; plans need no Jinja2"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
