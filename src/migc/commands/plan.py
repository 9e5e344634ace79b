"""The `migc plan`, `migc graph` and `migc compile` commands: typer shells over migc.plan and migc.docgen.

`register(app)` adds the three commands to the CLI's typer app. Each command checks the file
first and prints its diagnostics the way `migc check` does (on standard error); a file with
errors exits 1 and produces nothing, unless `--draft` asks for the outputs anyway (`migc graph`
always draws, so a dependency cycle can be seen). Exit codes: 0 done, 1 the file has errors or an
output could not be written, 2 usage (a bad counts file, an unknown tier, a library file).
Imports are lazy: `migc plan` never loads Jinja2, and nothing here loads an HTTP library.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from migc.plan.model import LoadPlan
    from migc.semantics.check import Analysis

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class PlanFormat(str, Enum):
    md = "md"
    json = "json"


class GraphFormat(str, Enum):
    dot = "dot"
    mermaid = "mermaid"


FileArgument = Annotated[Path, typer.Argument(help="The .mig file to plan.", metavar="FILE", show_default=False)]
CountsOption = Annotated[
    Optional[Path],
    typer.Option(
        "--counts", "-c",
        help="A TOML or JSON file of record counts per source object (`User = 120000`), optionally per "
        "map id (`\"User->Accounts\" = 2500`), and an `[assume]` table (tier, seats, call-seconds, in-flight).",
        metavar="FILE",
        show_default=False,
    ),
]
TierOption = Annotated[
    Optional[str],
    typer.Option("--tier", help="The target's edition whose rate budget applies (overrides `assume.tier`).", metavar="NAME", show_default=False),
]
DraftOption = Annotated[
    bool, typer.Option("--draft", help="Produce the outputs even when the file has errors (marked as a draft); still exits 1."),
]
SpecsOption = Annotated[
    Optional[list[Path]],
    typer.Option("--specs", help="An account overlay file or a directory of `*.overlay.toml` files (repeatable).", metavar="PATH", show_default=False),
]


def register(app: typer.Typer) -> None:
    """Adds `plan`, `graph` and `compile` to `app`."""
    app.command("plan")(plan_command)
    app.command("graph")(graph_command)
    app.command("compile")(compile_command)


def plan_command(
    file: FileArgument,
    counts: CountsOption = None,
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="Markdown for people, or JSON (docs/plan.schema.json).")] = PlanFormat.md,
    tier: TierOption = None,
    draft: DraftOption = False,
    specs: SpecsOption = None,
) -> None:
    """Print the load plan: schema phase, object phases in dependency order, delta, cutover.

    Each phase lists the maps feeding it, record estimates, batch sizes, API calls and the time
    under the target's rate budget (naming the limit that binds), and its reconciliation
    checkpoint. Without --counts only the schema phase is timed.

    Examples:

      migc plan examples/netmera_to_zoho.mig

      migc plan mapping.mig --counts counts.toml --format json > plan.json

      migc plan mapping.mig --counts counts.toml --tier Enterprise
    """
    from migc.plan import render_json, render_markdown

    analysis, load_plan = _plan_for(file, counts, tier, draft, specs)
    sys.stdout.write(render_json(load_plan) if format is PlanFormat.json else render_markdown(load_plan))
    raise typer.Exit(EXIT_PROBLEMS if analysis.has_errors else EXIT_OK)


def graph_command(
    file: Annotated[Path, typer.Argument(help="The .mig file whose target objects to draw.", metavar="FILE", show_default=False)],
    format: Annotated[GraphFormat, typer.Option("--format", "-f", help="Graphviz DOT or a Mermaid flowchart.")] = GraphFormat.dot,
    specs: SpecsOption = None,
) -> None:
    """Print the dependency graph of the target objects.

    Arrows run from the object a lookup needs to the object holding it (the load order), labelled
    with the lookup field; self-references are dashed "second pass" loops, and cycles are red.
    The graph is drawn even when the file has errors (to show a cycle); the exit status is then 1.

    Examples:

      migc graph examples/actimo_to_zoho.mig | dot -Tsvg > graph.svg

      migc graph mapping.mig --format mermaid
    """
    from migc.plan import render_dot, render_mermaid

    analysis, load_plan = _plan_for(file, None, None, True, specs)
    sys.stdout.write(render_dot(load_plan) if format is GraphFormat.dot else render_mermaid(load_plan))
    raise typer.Exit(EXIT_PROBLEMS if analysis.has_errors else EXIT_OK)


def compile_command(
    file: FileArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="The directory to write the documents to (created if missing).", metavar="DIR", show_default=False)],
    counts: CountsOption = None,
    tier: TierOption = None,
    draft: DraftOption = False,
    specs: SpecsOption = None,
) -> None:
    """Write the customer documents and the plan for a mapping.

    The scope page (compatibility, complexity grade, timeline, object and field tables, gotchas,
    migration approach), the lossy report and the rebuild inventory, each as Markdown and HTML,
    plus plan.md, plan.json and the dependency graph (graph.dot, graph.mmd).

    Examples:

      migc compile examples/netmera_to_zoho.mig -o out/netmera_to_zoho

      migc compile mapping.mig -o docs/acme --counts counts.toml
    """
    analysis, load_plan = _plan_for(file, counts, tier, draft, specs)
    from migc.docgen.bundle import render_bundle  # Jinja2 loads here, and only for `compile`

    files = render_bundle(analysis, load_plan)
    try:
        output.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (output / name).write_text(content, encoding="utf-8", newline="")
    except OSError as error:
        typer.echo(f"migc compile: cannot write to {output}: {error.strerror or error}", err=True)
        raise typer.Exit(EXIT_PROBLEMS) from None
    typer.echo(f"wrote {len(files)} files to {output}: " + ", ".join(files))
    raise typer.Exit(EXIT_PROBLEMS if analysis.has_errors else EXIT_OK)


def _plan_for(file: Path, counts: Path | None, tier: str | None, draft: bool, specs: list[Path] | None) -> tuple[Analysis, LoadPlan]:
    """Checks `file`, reports its diagnostics, and builds the plan (or exits with the right status)."""
    import msgspec

    from migc import api
    from migc.plan import PlanError, SizingError, build_plan, load_sizing
    from migc.plan.sizing import Sizing
    from migc.report import write_report

    try:
        sizing = load_sizing(counts) if counts is not None else Sizing()
    except SizingError as error:
        typer.echo(f"migc: {error}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if tier is not None:
        sizing = msgspec.structs.replace(sizing, tier=tier)
    analysis = api.check(file, overlays=specs or ())
    if analysis.diagnostics:
        write_report([analysis], "human", sys.stderr)
    if analysis.has_errors and (not draft or analysis.model is None):
        raise typer.Exit(EXIT_PROBLEMS)
    if analysis.model is None:
        typer.echo(f"migc: {file} has no `migration` header (a library of shared declarations): there is nothing to plan", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        return analysis, build_plan(analysis, sizing=sizing)
    except PlanError as error:
        typer.echo(f"migc: {error}", err=True)
        raise typer.Exit(EXIT_PROBLEMS if analysis.has_errors else EXIT_USAGE) from None
