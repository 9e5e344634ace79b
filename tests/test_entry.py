"""The typer-free fast path of `migc check` accepts exactly the options the typer command does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

from migc.cli import OutputFormat, app
from migc.entry import FORMATS, check_parser

ROOT = Path(__file__).resolve().parent.parent


def test_fast_path_options_match_the_typer_command() -> None:
    command = typer.main.get_command(app).commands["check"]
    typer_options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("-")}
    typer_options -= {"-h", "--help"}
    fast_options = {opt for action in check_parser()._actions for opt in action.option_strings}
    assert fast_options == typer_options
    assert set(FORMATS) == {f.value for f in OutputFormat}


def test_the_fast_path_does_not_import_typer() -> None:
    code = (
        "import sys; sys.argv = ['migc', 'check', 'examples/netmera_to_zoho.mig']\n"
        "from migc.entry import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'pydantic', 'httpx', 'jinja2', 'pygls', 'starlette'))\n"
        "print(code, heavy, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stderr.strip().splitlines()[-1] == "0 []"
