"""`migc specs pull`: record a target account's custom schema as a catalog overlay file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    specs_app = typer.Typer(help="Platform catalogs and account overlays.", no_args_is_help=True)
    app.add_typer(specs_app, name="specs")

    @specs_app.command()
    def pull(
        platform: Annotated[str, typer.Argument(help="The target platform: zoho_crm, freshsales or pipedrive.", show_default=False)],
        out: Annotated[Path, typer.Option("--out", help="Directory for the overlay file.")] = Path("specs-overlays"),
        account: Annotated[str, typer.Option("--account", help="The account's name, used in the file name.")] = "account",
        url: Annotated[Optional[str], typer.Option("--url", help="The API's base URL (default: the catalog's). Credentials come from MIGC_<PLATFORM>_* or ~/.config/migc/credentials.toml.")] = None,
        sandbox: Annotated[bool, typer.Option("--sandbox", help="Read the built-in sandbox instead of a real account.")] = False,
        run_dir: Annotated[Optional[Path], typer.Option("--run-dir", help="With --sandbox: the sandbox state of this run (e.g. after `migc run` created custom fields).")] = None,
    ) -> None:
        """Read an account's custom fields and picklist options and write them as an overlay,
        which `migc check --specs DIR` (and the language server's `mig.specs` setting) then use.

        Examples:

          migc specs pull zoho_crm --account acme --out accounts/acme/

          migc specs pull zoho_crm --sandbox --run-dir runs/netmera_to_zoho --out overlays/
        """
        import asyncio
        import datetime as dt

        from migc.catalog import CatalogError, load_catalog, overlay_between, write_overlay
        from migc.connectors.base import ConnectionSettings, ConnectorError
        from migc.connectors.registry import TARGET_PLATFORMS, connect_target
        from migc.connectors.secrets import CredentialsError, load_credentials
        from migc.runtime.metadata import pull_account

        if platform not in TARGET_PLATFORMS:
            typer.echo(f"migc: specs pull reads target accounts: {', '.join(TARGET_PLATFORMS)}", err=True)
            raise typer.Exit(2)
        try:
            base = load_catalog(platform)
        except CatalogError as error:
            typer.echo(f"migc: {error}", err=True)
            raise typer.Exit(1) from None

        async def go():
            if sandbox:
                import httpx

                from migc.runtime.session import TARGET_STATE_FILE
                from migc.sandbox.base import SandboxConfig
                from migc.sandbox.registry import create_app, sandbox_settings
                from migc.sandbox.store import Store

                state = run_dir / TARGET_STATE_FILE if run_dir is not None else None
                store = Store.from_file(state) if state is not None and state.exists() else None
                config = SandboxConfig()
                connector = connect_target(sandbox_settings(platform, config=config), transport=httpx.ASGITransport(app=create_app(platform, config, store)))
            else:
                credentials = load_credentials(platform)
                connector = connect_target(ConnectionSettings.from_credentials(credentials, base_url=url or next(iter(base.platform.api.values())).url))
            try:
                return await pull_account(base, connector)
            finally:
                await connector.aclose()

        try:
            result = asyncio.run(go())
        except (ConnectorError, CredentialsError) as error:
            typer.echo(f"migc: {error}", err=True)
            raise typer.Exit(1) from None
        pulled_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        overlay = overlay_between(base, result.catalog, account_name=account, pulled_at=pulled_at)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{account}.{platform}.overlay.toml"
        write_overlay(overlay, path)
        added = sum(len(o.fields or {}) for o in overlay.objects.values()) if overlay.objects else 0
        typer.echo(f"wrote {path}: {len(overlay.objects)} objects with {added} field changes")
        for line in result.skipped:
            typer.echo(f"  skipped {line}")
