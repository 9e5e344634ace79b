"""The `migc` command line: a thin typer shell over the library.

Every command imports what it needs inside its function, so `migc check` never pays for HTTP,
templates or the language server. Exit codes: 0 clean, 1 diagnostics or a failed job, 2 usage.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="migc",
    help="A declarative language and toolchain for CRM data migrations.\n\n"
    "Write the mapping as a .mig file; `migc check` type-checks it against both platforms' "
    "catalogs, `migc fmt` formats it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

from migc.entry import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, expand_paths


class OutputFormat(str, Enum):
    human = "human"
    json = "json"
    sarif = "sarif"
    github = "github"


SpecsOption = Annotated[
    Optional[list[Path]],
    typer.Option(
        "--specs",
        help="An account overlay file or a directory of `*.overlay.toml` files (repeatable): the "
        "customer's custom fields, modules and picklist values on top of the built-in catalogs.",
    ),
]


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="The .mig files (or directories of them) to check.", show_default=False)],
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="How to print diagnostics.")] = OutputFormat.human,
    specs: SpecsOption = None,
    color: Annotated[Optional[bool], typer.Option("--color/--no-color", help="Colour the output (default: when printing to a terminal).")] = None,
) -> None:
    """Check .mig files: syntax, names, types, and both platforms' catalogs.

    Every file is checked even when an earlier one fails, and every problem in a file is
    reported. Exit status 0 when no file has an error, 1 when one has.

    Examples:

      migc check examples/netmera_to_zoho.mig

      migc check examples/ --format sarif > migc.sarif

      migc check mapping.mig --specs accounts/acme/
    """
    from migc.entry import run_check

    raise typer.Exit(run_check(files, format.value, specs or (), color))


@app.command()
def fmt(
    files: Annotated[list[Path], typer.Argument(help="The .mig files (or directories of them) to format.", show_default=False)],
    check_only: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 if any file is not formatted.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print what would change as a unified diff; change nothing.")] = False,
) -> None:
    """Format .mig files in place into the canonical layout.

    Formatting never changes meaning and keeps every comment. Files with syntax errors are
    reported and left alone.

    Examples:

      migc fmt examples/

      migc fmt --check mapping.mig     # in CI
    """
    import difflib

    from migc.formatter import format_text
    from migc.source import SourceError, SourceFile

    paths = expand_paths(files)
    if not paths:
        typer.echo("migc fmt: no .mig files found in the given paths", err=True)
        raise typer.Exit(EXIT_USAGE)
    failed = False
    for path in paths:
        try:
            source = SourceFile.from_path(path)
        except SourceError as error:
            typer.echo(f"{error}", err=True)
            failed = True
            continue
        result = format_text(source.text, str(path))
        if result.text is None:
            from migc.diagnostics import render

            for diagnostic in result.diagnostics:
                typer.echo(render(diagnostic, source), err=True)
            failed = True
            continue
        if not result.changed:
            continue
        if diff:
            typer.echo("".join(difflib.unified_diff(
                source.text.splitlines(keepends=True), result.text.splitlines(keepends=True),
                fromfile=f"{path} (original)", tofile=f"{path} (formatted)",
            )), nl=False)
            failed = True
        elif check_only:
            typer.echo(f"would reformat {path}")
            failed = True
        else:
            path.write_text(result.text, encoding="utf-8", newline="")
            typer.echo(f"formatted {path}")
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _register_subcommands() -> None:
    """Commands that live beside their feature; importing them is cheap (they import lazily)."""
    from migc.commands import lsp, plan, run, sandbox, specs

    for module in (plan, run, sandbox, specs, lsp):
        module.register(app)


_register_subcommands()


def main() -> None:
    """Runs the typer app (the console entry point is `migc.entry.main`)."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
