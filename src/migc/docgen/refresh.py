"""Regenerates docs/examples/: the plan, graph and documents of every examples/*.mig.

Run `python -m migc.docgen.refresh` from the repository root after changing an example, a
template, the planner or a catalog; `--check` only compares and exits 1 when a file is stale.
Each example's counts come from `docs/examples/<name>/counts.toml` when it exists (illustrative
sizes, not customer data). An example with errors gets draft documents (marked as such) and a
`diagnostics.txt` with the errors as `migc check` prints them; one that cannot be planned (no
checked model, no catalog) gets only `diagnostics.txt`. Paths inside the outputs are relative to the repository root.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Final

from migc.docgen.bundle import render_bundle
from migc.plan import PlanError, build_plan
from migc.plan.sizing import Sizing, SizingError, load_sizing
from migc.report import write_report
from migc.semantics.check import check_file

ROOT: Final = Path(__file__).resolve().parents[3]
COUNTS_FILE: Final = "counts.toml"
DIAGNOSTICS_FILE: Final = "diagnostics.txt"
# Files in an example's directory that are inputs or kept by hand, not generated.
KEPT: Final = frozenset({COUNTS_FILE})
REFRESH_COMMAND: Final = "python -m migc.docgen.refresh"


def example_outputs(mig: Path, root: Path = ROOT) -> dict[str, str]:
    """File name -> content for one example, as the refresh writes them."""
    relative = mig.resolve().relative_to(root.resolve()).as_posix()
    analysis = check_file(mig, display_name=relative)
    files: dict[str, str] = {}
    if analysis.has_errors:
        buffer = io.StringIO()
        write_report([analysis], "human", buffer)
        files[DIAGNOSTICS_FILE] = buffer.getvalue()
    if analysis.model is not None:
        counts = root / "docs" / "examples" / mig.stem / COUNTS_FILE
        try:
            sizing = load_sizing(counts) if counts.exists() else Sizing()
            plan = build_plan(analysis, sizing=sizing)
        except (PlanError, SizingError) as error:
            files[DIAGNOSTICS_FILE] = files.get(DIAGNOSTICS_FILE, "") + f"no plan: {error}\n"
        else:
            files.update(render_bundle(analysis, plan))
    return dict(sorted(files.items()))


def expected_tree(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Example name -> its generated files, for every examples/*.mig."""
    return {mig.stem: example_outputs(mig, root) for mig in sorted((root / "examples").glob("*.mig"))}


def stale_files(root: Path = ROOT) -> list[str]:
    """Paths (relative to docs/examples) that differ from what the refresh would write, or should not exist."""
    base = root / "docs" / "examples"
    problems = []
    expected = expected_tree(root)
    for name, files in expected.items():
        for file_name, content in files.items():
            path = base / name / file_name
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                problems.append(f"{name}/{file_name}")
        folder = base / name
        if folder.is_dir():
            for extra in sorted(folder.iterdir()):
                if extra.name not in files and extra.name not in KEPT:
                    problems.append(f"{name}/{extra.name}")
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else ():
        if folder.name not in expected:
            problems.append(f"{folder.name}/")
    return problems


def refresh(root: Path = ROOT) -> list[str]:
    """Writes every example's files; removes generated files no longer produced. Returns what changed."""
    base = root / "docs" / "examples"
    changed = []
    for name, files in expected_tree(root).items():
        folder = base / name
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, content in files.items():
            path = folder / file_name
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8", newline="")
                changed.append(f"{name}/{file_name}")
        for extra in sorted(folder.iterdir()):
            if extra.is_file() and extra.name not in files and extra.name not in KEPT:
                extra.unlink()
                changed.append(f"{name}/{extra.name} (removed)")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migc.docgen.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when docs/examples is stale")
    options = parser.parse_args(argv)
    if options.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: docs/examples/{path}")
        return 1 if stale else 0
    for path in refresh():
        print(f"wrote docs/examples/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
