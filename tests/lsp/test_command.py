"""`migc lsp`: the command registers, documents itself and starts the server."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from migc.commands import lsp as command


def app_with_lsp() -> typer.Typer:
    app = typer.Typer(rich_markup_mode=None)
    command.register(app)

    @app.command()
    def other() -> None:  # a second command keeps typer from collapsing the app into one command
        pass

    return app


def test_help_explains_the_command():
    result = CliRunner().invoke(app_with_lsp(), ["lsp", "--help"])
    assert result.exit_code == 0
    assert "language server" in result.output and "--stdio" in result.output


def test_the_command_runs_the_server(monkeypatch):
    started = []
    monkeypatch.setattr("migc.lsp.server.main", lambda: started.append(True))
    result = CliRunner().invoke(app_with_lsp(), ["lsp", "--stdio"])
    assert result.exit_code == 0 and started == [True]
