"""`migc run`, `status`, `approve`, `reconcile`, `delta` and `rollback`: the migration itself.

A run directory holds one migration's journal (and, with `--sandbox`, the sandboxes' state).
The usual sequence: `migc run FILE --sandbox` loads a sample; `migc diff`/`status` show it;
`migc approve` accepts it; `migc run FILE --sandbox --full` loads the rest (records the sample
loaded are not sent again); `migc reconcile` compares counts; `migc delta` picks up what changed
during the cutover window; `migc rollback` undoes the run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import msgspec
import typer

RunDir = Annotated[Optional[Path], typer.Option("--run-dir", help="Where the run's journal lives (default: runs/<migration name>).")]
SandboxFlag = Annotated[bool, typer.Option("--sandbox", help="Use the built-in sandboxes of both platforms (no accounts needed); their state is kept in the run directory.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable events, one JSON object per line, instead of progress bars.")]

APPROVAL_FILE = "approved.json"


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"migc: {message}", err=True)
    raise typer.Exit(code)


def _checked(file: Path):
    """The file's analysis; prints its diagnostics and exits 1 when it has errors."""
    from migc import api
    from migc.report import write_report

    analysis = api.check(file)
    if analysis.has_errors or analysis.model is None:
        write_report([analysis], "human", sys.stderr)
        raise typer.Exit(1)
    return analysis


def _run_dir(analysis, given: Path | None) -> Path:
    return given if given is not None else Path("runs") / analysis.model.header.name


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _printer(as_json: bool):
    """An event sink: JSON lines, or a compact progress display for people."""
    if as_json:
        def emit(kind: str, data: dict) -> None:
            typer.echo(json.dumps({"event": kind, **data}, default=str, sort_keys=True))
        return emit, None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), console=console, transient=False)
    tasks: dict[str, int] = {}

    def emit(kind: str, data: dict) -> None:
        phase = data.get("phase", "")
        if kind == "phase-start":
            tasks[phase] = progress.add_task(phase, total=None, stats="")
        elif kind == "batch" and phase in tasks:
            progress.update(tasks[phase], stats=f"{data['loaded']} loaded, {data['quarantined']} quarantined")
        elif kind == "phase-end" and phase in tasks:
            stats = f"{data.get('loaded', 0)} loaded, {data.get('quarantined', 0)} quarantined, {data.get('skipped', 0)} skipped"
            progress.update(tasks[phase], total=1, completed=1, stats=stats)
        elif kind == "phase-skipped":
            progress.add_task(f"{phase} (done earlier)", total=1, completed=1, stats="")

    return emit, progress


def _summary(summary, run_dir: Path, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"event": "summary", "phases": [msgspec.structs.asdict(p) for p in summary.phases]}, sort_keys=True))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"run {run_dir}")
    for column in ("phase", "read", "inserted", "updated", "skipped", "quarantined", "reported"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for p in summary.phases:
        table.add_row(p.phase, str(p.read), str(p.inserted), str(p.updated), str(p.skipped), str(p.quarantined), str(p.reported))
    Console().print(table)
    if summary.quarantined:
        typer.echo(f"{summary.quarantined} records quarantined: `migc status --run-dir {run_dir} --quarantine` lists them with their reasons")


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        file: Annotated[Path, typer.Argument(help="The .mig file to run.", show_default=False)],
        sandbox: SandboxFlag = False,
        source_url: Annotated[Optional[str], typer.Option("--source-url", help="The source API's base URL (default: the catalog's).")] = None,
        target_url: Annotated[Optional[str], typer.Option("--target-url", help="The target API's base URL (default: the catalog's).")] = None,
        run_dir: RunDir = None,
        full: Annotated[bool, typer.Option("--full", help="Load everything, not a sample. Needs an approved sample unless --skip-approval.")] = False,
        sample: Annotated[Optional[int], typer.Option("--sample", help="Records per map in the sample (default: the header's `sample`).")] = None,
        skip_approval: Annotated[bool, typer.Option("--skip-approval", help="Run --full without an approved sample.")] = False,
        consent: Annotated[Optional[str], typer.Option("--consent", help='Who authorized processing personal data, and when: "Jane Roe <jane@acme.example>, 2026-11-20".')] = None,
        resume: Annotated[bool, typer.Option("--resume", help="Continue a run that stopped; nothing loaded is loaded again.")] = False,
        records: Annotated[int, typer.Option("--records", help="With --sandbox: users in the synthetic source.")] = 200,
        seed: Annotated[int, typer.Option("--seed", help="With --sandbox: the synthetic data's seed.")] = 7,
        as_json: JsonFlag = False,
    ) -> None:
        """Run a migration: the schema phase, then every object phase in dependency order.

        By default loads a sample (the header's `sample` records per map) so it can be reviewed
        with `migc diff` and accepted with `migc approve` before `--full`.

        Examples:

          migc run examples/netmera_to_zoho.mig --sandbox --consent "Jane Roe, 2026-11-20"

          migc run examples/netmera_to_zoho.mig --sandbox --full --skip-approval --consent "Jane Roe, 2026-11-20"

          migc run mapping.mig --run-dir runs/acme --resume
        """
        from migc.runtime.engine import Engine, RunOptions
        from migc.runtime.journal import ConsentRecord, RunInfo, now
        from migc.runtime.session import SandboxSpec, open_session, read_sandbox_spec

        if not sandbox and not resume and (source_url is None or target_url is None):
            _fail("name both platforms with --source-url and --target-url, or use --sandbox", 2)
        analysis = _checked(file)
        model = analysis.model
        directory = _run_dir(analysis, run_dir)
        journal_exists = (directory / "journal.sqlite").exists()
        spec = read_sandbox_spec(directory) if journal_exists else None
        if sandbox and spec is None:
            spec = SandboxSpec(seed=seed, records=records)
        mode = "full" if full else "sample"
        if full and not skip_approval and not (directory / APPROVAL_FILE).exists():
            _fail(f"the sample in {directory} is not approved: review it (`migc diff`), then `migc approve --run-dir {directory}`, or pass --skip-approval")
        sample_size = None if full else (sample or model.header.sample or 100)
        emit, progress = _printer(as_json)

        async def go():
            async with open_session(analysis, directory, sandbox=spec, source_url=source_url, target_url=target_url) as session:
                journal = session.journal
                previous = journal.run_info()
                if previous is not None and previous.mode == mode and not resume:
                    finished = all((journal.checkpoint(p.id) or ("", {}))[0] == "done" for p in session.compiled.program.maps)
                    if not finished:
                        _fail(f"{directory} holds an unfinished {mode} run: pass --resume to continue it, or choose another --run-dir")
                if model.header.consent is not None:
                    recorded = journal.consent()
                    if recorded is None and consent is None:
                        _fail(
                            f"this migration moves personal data under a {model.header.consent.regulation} consent gate: "
                            'record who authorized it with --consent "Name, date"'
                        )
                    if consent is not None:
                        given_by, _, given_at = consent.rpartition(",")
                        journal.record_consent(ConsentRecord(regulation=model.header.consent.regulation, given_by=(given_by or consent).strip(),
                                                             given_at=given_at.strip(), recorded_at=now()))
                if previous is None or previous.mode != mode:
                    journal.start_run(RunInfo(run_id=f"{model.header.name}-{now()}", mig_file=str(file), migration=model.header.name,
                                              source=model.header.source, target=model.header.target, mode=mode,
                                              operator=_operator(), started_at=now()))
                    if previous is not None:  # the full run after a sample: every phase runs again
                        for program in session.compiled.program.maps:
                            journal.set_checkpoint(program.id, "pending", {})
                engine = Engine(model=model, compiled=session.compiled, source_catalog=session.source_catalog,
                                target_catalog=session.target_catalog, source=session.source, target=session.target,
                                journal=journal, options=RunOptions(operator=_operator(), sample=sample_size), on_event=emit)
                started = dt.datetime.now(dt.timezone.utc)
                summary = await engine.run()
                for source in {p.source for p in session.compiled.program.maps}:
                    journal.set_watermark(source, started.isoformat())
                return summary

        if progress is not None:
            with progress:
                summary = asyncio.run(go())
        else:
            summary = asyncio.run(go())
        _summary(summary, directory, as_json)

    @app.command()
    def delta(
        file: Annotated[Path, typer.Argument(help="The .mig file the run executed.", show_default=False)],
        run_dir: RunDir = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Apply what changed in the source since the last run's watermark (the cutover window):
        changed records update their target records through the id map, new ones are inserted.

        Sources that record no modification time (Netmera users) are re-read whole and every
        record is upserted by its key, which is idempotent.
        """
        from migc.runtime.engine import Engine, RunOptions
        from migc.runtime.session import open_session, read_sandbox_spec

        analysis = _checked(file)
        directory = _run_dir(analysis, run_dir)
        if not (directory / "journal.sqlite").exists():
            _fail(f"no run in {directory} to take a delta of")
        emit, progress = _printer(as_json)

        async def go():
            async with open_session(analysis, directory, sandbox=read_sandbox_spec(directory)) as session:
                journal = session.journal
                marks = [journal.watermark(p.source) for p in session.compiled.program.maps]
                since = min((dt.datetime.fromisoformat(m) for m in marks if m), default=None)
                started = dt.datetime.now(dt.timezone.utc)
                for program in session.compiled.program.maps:
                    journal.set_checkpoint(program.id, "pending", {})
                engine = Engine(model=analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                                target_catalog=session.target_catalog, source=session.source, target=session.target, journal=journal,
                                options=RunOptions(operator=_operator(), since=since, refresh=True), on_event=emit)
                summary = await engine.run()
                for source in {p.source for p in session.compiled.program.maps}:
                    journal.set_watermark(source, started.isoformat())
                return summary

        if progress is not None:
            with progress:
                summary = asyncio.run(go())
        else:
            summary = asyncio.run(go())
        _summary(summary, directory, as_json)

    @app.command()
    def status(
        run_dir: Annotated[Path, typer.Option("--run-dir", help="The run directory.")],
        quarantine: Annotated[bool, typer.Option("--quarantine", help="List the quarantined records with their reasons.")] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Show a run: its mode, consent, and per phase what was loaded, skipped and quarantined."""
        from migc.runtime.journal import SqliteJournal

        path = run_dir / "journal.sqlite"
        if not path.exists():
            _fail(f"no run in {run_dir} (no journal.sqlite)")
        journal = SqliteJournal(path)
        info = journal.run_info()
        phases = sorted({row["phase"] for row in journal.audit_rows()} | {q.phase for q in journal.quarantined()})
        counts = [journal.counts(phase) for phase in phases]
        if as_json:
            typer.echo(json.dumps({"run": info and {f: getattr(info, f) for f in info.__struct_fields__},
                                   "phases": [{f: getattr(c, f) for f in c.__struct_fields__} for c in counts],
                                   "quarantine": [{"phase": q.phase, "source_id": q.source_id, "reason": q.reason, "location": q.location}
                                                  for q in journal.quarantined()] if quarantine else []}, sort_keys=True))
            return
        if info is not None:
            typer.echo(f"{info.migration}: {info.source} -> {info.target}, {info.mode} run started {info.started_at} by {info.operator}")
        recorded = journal.consent()
        if recorded is not None:
            typer.echo(f"consent ({recorded.regulation}): given by {recorded.given_by} on {recorded.given_at}, recorded {recorded.recorded_at}")
        for c in counts:
            typer.echo(f"  {c.phase:40} inserted {c.inserted:6}  updated {c.updated:6}  skipped {c.skipped:5}  quarantined {c.quarantined:5}  reported {c.reported:5}")
        if quarantine:
            for q in journal.quarantined():
                where = f" at {q.location}" if q.location else ""
                typer.echo(f"  quarantined {q.phase} {q.source_object} {q.source_id}: {q.reason}{where}")

    @app.command()
    def approve(run_dir: Annotated[Path, typer.Option("--run-dir", help="The run directory holding the sample.")],
                by: Annotated[Optional[str], typer.Option("--by", help="Who approves (default: the login name).")] = None) -> None:
        """Approve a run's sample, which lets `migc run --full` start."""
        from migc.runtime.journal import SqliteJournal, now

        path = run_dir / "journal.sqlite"
        if not path.exists():
            _fail(f"no run in {run_dir}")
        info = SqliteJournal(path).run_info()
        if info is None or info.mode != "sample":
            _fail(f"{run_dir} holds no sample run to approve")
        (run_dir / APPROVAL_FILE).write_text(json.dumps({"approved_by": by or _operator(), "at": now()}, sort_keys=True) + "\n", encoding="utf-8")
        typer.echo(f"sample in {run_dir} approved")

    @app.command()
    def reconcile(
        file: Annotated[Path, typer.Argument(help="The .mig file the run executed.", show_default=False)],
        run_dir: RunDir = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Compare, per phase, what the source has with what was loaded, quarantined and skipped,
        and what the target holds. Exit 1 when a phase does not reconcile."""
        from migc.runtime.reconcile import reconcile_run
        from migc.runtime.session import open_session, read_sandbox_spec

        analysis = _checked(file)
        directory = _run_dir(analysis, run_dir)

        async def go():
            async with open_session(analysis, directory, sandbox=read_sandbox_spec(directory)) as session:
                return await reconcile_run(session)

        rows = asyncio.run(go())
        ok = all(row.balanced for row in rows)
        if as_json:
            typer.echo(json.dumps([{f: getattr(r, f) for f in r.__struct_fields__} for r in rows], sort_keys=True))
        else:
            for r in rows:
                mark = "ok " if r.balanced else "OFF"
                typer.echo(f"{mark} {r.phase:40} source {r.source_count:6} = loaded {r.loaded:6} + quarantined {r.quarantined:5} + skipped {r.skipped:5} + not yet {r.pending:5}   target holds {r.target_count}")
        raise typer.Exit(0 if ok else 1)

    @app.command()
    def rollback(
        file: Annotated[Path, typer.Argument(help="The .mig file the run executed.", show_default=False)],
        run_dir: RunDir = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Undo a run: delete what it inserted and restore what it updated from the before-images,
        in reverse dependency order. Journaled, and safe to run again after an interruption."""
        from migc.runtime.rollback import rollback_run
        from migc.runtime.session import open_session, read_sandbox_spec

        analysis = _checked(file)
        directory = _run_dir(analysis, run_dir)
        if not yes and not typer.confirm(f"delete every record the run in {directory} inserted, and restore what it updated?"):
            raise typer.Exit(1)

        async def go():
            async with open_session(analysis, directory, sandbox=read_sandbox_spec(directory)) as session:
                return await rollback_run(session, operator=_operator())

        deleted, restored = asyncio.run(go())
        typer.echo(f"rolled back: {deleted} records deleted, {restored} restored")
