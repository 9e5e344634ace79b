"""`migc lsp`: starts the language server for .mig files on standard input and output."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def lsp(
        stdio: bool = typer.Option(False, "--stdio", help="Talk LSP over standard input and output: the only transport, so this changes nothing; accepted because editors pass it."),
    ) -> None:
        """Run the .mig language server (LSP over stdio) for editors.

        Diagnostics are the ones `migc check` reports; the server also completes, explains on
        hover, navigates, renames, formats and offers quick fixes. Editors start it themselves:
        see docs/editor.md for VS Code and Neovim.

        Example:

          migc lsp
        """
        from migc.lsp.server import main

        main()
