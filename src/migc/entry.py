"""The console entry point: `migc check` on a fast path that never imports typer (which loads
pydantic, a third of a cold start), every other command through the typer app in `migc.cli`."""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
FORMATS = ("human", "json", "sarif", "github")


def run_check(files: list[Path], format: str, specs, color: bool | None) -> int:
    """`migc check`'s work, shared by the typer command and the fast path in `main`."""
    from migc import api
    from migc.report import write_report

    paths = expand_paths(files)
    if not paths:
        print("migc check: no .mig files found in the given paths", file=sys.stderr)
        return EXIT_USAGE
    results = [api.check(path, overlays=specs) for path in paths]
    use_color = sys.stdout.isatty() if color is None else color
    write_report(results, format, sys.stdout, color=use_color)
    return EXIT_PROBLEMS if any(r.has_errors for r in results) else EXIT_OK


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; directories contribute their `*.mig` files, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.mig")))
        else:
            files.append(path)
    return files



def check_parser():
    import argparse

    parser = argparse.ArgumentParser(prog="migc check", add_help=False, allow_abbrev=False, exit_on_error=False)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--format", "-f", choices=FORMATS, default="human")
    parser.add_argument("--specs", action="append", type=Path, default=[])
    parser.add_argument("--color", dest="color", action="store_true", default=None)
    parser.add_argument("--no-color", dest="color", action="store_false")
    return parser


def fast_check(argv: list[str]) -> int | None:
    """`migc check ARGS` with argparse; None hands anything unusual (help, usage errors) to typer,
    which prints the full help and errors. tests/test_entry.py keeps both option sets equal."""
    import argparse

    if any(arg in ("-h", "--help") for arg in argv):
        return None
    parser = check_parser()
    try:
        options, unknown = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    if unknown:
        return None
    return run_check(options.files, options.format, options.specs, options.color)


def main() -> None:
    if sys.argv[1:2] == ["check"]:
        code = fast_check(sys.argv[2:])
        if code is not None:
            sys.exit(code)
    from migc.cli import main as typer_main

    typer_main()
