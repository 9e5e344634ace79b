"""Subcommands of `migc` that live beside their feature (plan/compile, lsp, sandbox, run); each
module's `register(app)` adds its commands to the typer app in `migc.cli`."""
