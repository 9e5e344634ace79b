"""`migc sandbox serve`: a platform's built-in sandbox over HTTP, for people and other tools."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    sandbox_app = typer.Typer(help="The built-in sandboxes: faithful local emulators of the six platforms' APIs.", no_args_is_help=True)
    app.add_typer(sandbox_app, name="sandbox")

    @sandbox_app.command()
    def serve(
        platform: Annotated[str, typer.Argument(help="netmera, actimo, customerio, zoho_crm, freshsales or pipedrive.", show_default=False)],
        port: Annotated[int, typer.Option("--port", help="TCP port on 127.0.0.1.")] = 8000,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic data (sources).")] = 0,
        records: Annotated[int, typer.Option("--records", help="Users in a source sandbox's synthetic data.")] = 100,
    ) -> None:
        """Serve one sandbox on 127.0.0.1 until interrupted.

        Examples:

          migc sandbox serve netmera --records 1000

          migc sandbox serve zoho_crm --port 8001
        """
        from migc.sandbox.serve import serve as serve_app

        serve_app(platform, port=port, seed=seed, records=records)
