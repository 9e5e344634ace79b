"""`migc run`, `status`, `diff`, `approve`, `reconcile`, `delta` and `rollback`: the migration itself.

A run directory holds one migration's journal (and, with `--sandbox`, the sandboxes' state).
The usual sequence: `migc run FILE --sandbox` loads a sample; `migc diff`/`status` show it;
`migc approve` accepts it; `migc run FILE --sandbox --full` loads the rest (records the sample
loaded are not sent again); `migc reconcile` compares counts; `migc delta` picks up what changed
during the cutover window; `migc rollback` undoes the run. docs/running.md walks through it.

Every command turns what the operator must act on (a stopped run, a refused credential, a
target that cannot do something) into one `migc: ...` line on stderr and exit code 1.
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

    if not file.exists():
        _fail(f"{file}: no such file", 2)
    analysis = api.check(file)
    if analysis.has_errors or analysis.model is None:
        write_report([analysis], "human", sys.stderr)
        raise typer.Exit(1)
    return analysis


def _run_dir(analysis, given: Path | None) -> Path:
    return given if given is not None else Path("runs") / analysis.model.header.name


def _existing_run(analysis, given: Path | None) -> Path:
    directory = _run_dir(analysis, given)
    if not (directory / "journal.sqlite").exists():
        _fail(f"no run in {directory} (no journal.sqlite); start one with `migc run`")
    return directory


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _execute(work):
    """Runs a command's coroutine; what the operator must act on becomes one message and exit 1."""
    from migc.connectors.base import ConnectorError
    from migc.runtime.engine import RunStopped
    from migc.runtime.journal import JournalError
    from migc.sandbox.store import StoreError

    try:
        return asyncio.run(work)
    except RunStopped as stopped:
        _fail(f"run stopped: {stopped}")
    except ConnectorError as error:
        _fail(f"{error}. Nothing was lost: fix the cause, then resume with --resume")
    except (JournalError, StoreError) as error:
        _fail(str(error))


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
        elif kind == "warning":
            progress.console.print(f"[yellow]warning:[/yellow] {data['message']}")

    return emit, progress


def _with_progress(progress, work):
    if progress is None:
        return _execute(work)
    with progress:
        return _execute(work)


def _summary(summary, run_dir: Path, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"event": "summary", "phases": [msgspec.structs.asdict(p) for p in summary.phases],
                               "target_stats": msgspec.to_builtins(summary.target_stats)}, sort_keys=True))
        return
    from rich.console import Console
    from rich.table import Table

    columns = ("read", "inserted", "updated", "already", "skipped", "quarantined", "held", "reported")
    console = Console()
    if console.width < 110:  # a table of nine columns would cut the phase names: one line each
        console.print(f"run {run_dir}")
        for p in summary.phases:
            counts = ", ".join(f"{getattr(p, column)} {column}" for column in columns if getattr(p, column) or column == "read")
            console.print(f"  {p.phase}: {counts}", highlight=False)
    else:
        table = Table(title=f"run {run_dir}")
        table.add_column("phase", justify="left")
        for column in columns:
            table.add_column(column, justify="right")
        for p in summary.phases:
            table.add_row(p.phase, *(str(getattr(p, column)) for column in columns))
        console.print(table)
    stats = summary.target_stats
    if stats is not None:
        typer.echo(f"target: {stats.requests} requests, {stats.retries} retries {dict(sorted(stats.retries_by_reason.items()))}, "
                   f"{stats.throttled} throttled")
    if summary.quarantined:
        typer.echo(f"{summary.quarantined} records quarantined: `migc status --run-dir {run_dir} --quarantine` lists them with their reasons")


def _sandbox_spec(directory: Path, sandbox: bool, seed: int, records: int, target_url: str | None):
    from migc.runtime.session import SandboxSpec, read_sandbox_spec

    spec = read_sandbox_spec(directory)
    if spec is None and sandbox:
        spec = SandboxSpec(seed=seed, records=records, target_url=target_url)
    elif spec is not None and target_url is not None and spec.target_url != target_url:
        spec = msgspec.structs.replace(spec, target_url=target_url)
    return spec


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        file: Annotated[Path, typer.Argument(help="The .mig file to run.", show_default=False)],
        sandbox: SandboxFlag = False,
        source_url: Annotated[Optional[str], typer.Option("--source-url", help="The source API's base URL (default: the catalog's).")] = None,
        target_url: Annotated[Optional[str], typer.Option("--target-url", help="The target API's base URL. With --sandbox: a target sandbox served by `migc sandbox serve`.")] = None,
        run_dir: RunDir = None,
        full: Annotated[bool, typer.Option("--full", help="Load everything, not a sample. Needs an approved sample unless --skip-approval.")] = False,
        sample: Annotated[Optional[int], typer.Option("--sample", help="Units per map in the sample (default: the header's `sample`).", min=1)] = None,
        skip_approval: Annotated[bool, typer.Option("--skip-approval", help="Run --full without an approved sample.")] = False,
        consent: Annotated[Optional[str], typer.Option("--consent", help='Who authorized processing personal data, and when: "Jane Roe <jane@acme.example>, 2026-11-20".')] = None,
        resume: Annotated[bool, typer.Option("--resume", help="Continue a run that stopped; nothing loaded is loaded again.")] = False,
        resend_in_doubt: Annotated[bool, typer.Option("--resend-in-doubt", help="Send again the records held because their write's outcome is unknown (check the target first).")] = False,
        records: Annotated[int, typer.Option("--records", help="With --sandbox: users in the synthetic source.", min=1)] = 200,
        seed: Annotated[int, typer.Option("--seed", help="With --sandbox: the synthetic data's seed.")] = 7,
        as_json: JsonFlag = False,
    ) -> None:
        """Run a migration: the schema phase, then every object phase in dependency order.

        By default loads a sample (the header's `sample` units per map, plus one unit for each
        values-table entry and flag met early) so it can be reviewed with `migc diff` and
        accepted with `migc approve` before `--full`. A full run stops after any phase that does
        not reconcile; fix the cause and pass --resume.

        Examples:

          migc run examples/netmera_to_zoho.mig --sandbox --consent "Jane Roe, 2026-11-20"

          migc run examples/netmera_to_zoho.mig --sandbox --full --skip-approval --consent "Jane Roe, 2026-11-20"

          migc run mapping.mig --run-dir runs/acme --resume
        """
        from migc.runtime.engine import Engine, RunOptions
        from migc.runtime.journal import ConsentRecord, now
        from migc.runtime.session import finished, open_session, start_run

        analysis = _checked(file)
        model = analysis.model
        directory = _run_dir(analysis, run_dir)
        spec = _sandbox_spec(directory, sandbox, seed, records, target_url if sandbox else None)
        if spec is None and (source_url is None or target_url is None):
            _fail("name both platforms with --source-url and --target-url, or use --sandbox", 2)
        mode = "full" if full else "sample"
        if full and not skip_approval and not (directory / APPROVAL_FILE).exists():
            _fail(f"the sample in {directory} is not approved: review it (`migc diff`), then `migc approve --run-dir {directory}`, or pass --skip-approval")
        sample_size = None if full else (sample or model.header.sample or 100)
        emit, progress = _printer(as_json)

        async def go():
            async with open_session(analysis, directory, sandbox=spec, source_url=source_url, target_url=target_url) as session:
                journal = session.journal
                previous = journal.run_info()
                if previous is not None and previous.mode == mode and not resume and not finished(session):
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
                start_run(session, mode=mode, mig_file=str(file), operator=_operator())
                engine = Engine(model=model, compiled=session.compiled, source_catalog=session.source_catalog,
                                target_catalog=session.target_catalog, source=session.source, target=session.target,
                                journal=journal, options=RunOptions(operator=_operator(), sample=sample_size, resend_held=resend_in_doubt),
                                on_event=emit)
                started = dt.datetime.now(dt.timezone.utc)
                summary = await engine.run()
                for source in {p.source for p in session.compiled.program.maps}:
                    journal.set_watermark(source, started.isoformat())
                return summary

        summary = _with_progress(progress, go())
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
        record is written again by id or key, which is idempotent.
        """
        from migc.runtime.engine import Engine, RunOptions
        from migc.runtime.session import open_session, read_sandbox_spec

        analysis = _checked(file)
        directory = _existing_run(analysis, run_dir)
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

        summary = _with_progress(progress, go())
        _summary(summary, directory, as_json)

    @app.command()
    def status(
        run_dir: Annotated[Path, typer.Option("--run-dir", help="The run directory.")],
        quarantine: Annotated[bool, typer.Option("--quarantine", help="List the quarantined records with their reasons.")] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Show a run: its mode, consent, and per phase what was loaded, skipped and quarantined."""
        from migc.runtime.journal import JournalError, SqliteJournal

        path = run_dir / "journal.sqlite"
        if not path.exists():
            _fail(f"no run in {run_dir} (no journal.sqlite)")
        try:
            journal = SqliteJournal(path)
        except JournalError as error:
            _fail(str(error))
        info = journal.run_info()
        phases = journal.phases()
        counts = [journal.counts(phase) for phase in phases]
        states = {phase: (journal.checkpoint(phase) or ("", {}))[0] for phase in phases}
        entries = list(journal.quarantined()) if quarantine else []
        if as_json:
            typer.echo(json.dumps({"run": info and msgspec.to_builtins(info),
                                   "phases": [{**msgspec.to_builtins(c), "status": states[c.phase]} for c in counts],
                                   "quarantine": [{"phase": q.phase, "source_id": q.source_id, "reason": q.reason, "location": q.location,
                                                   "held": q.held} for q in entries]}, sort_keys=True))
            return
        if info is not None:
            typer.echo(f"{info.migration}: {info.source} -> {info.target}, {info.mode} run started {info.started_at} by {info.operator}")
        recorded = journal.consent()
        if recorded is not None:
            typer.echo(f"consent ({recorded.regulation}): given by {recorded.given_by} on {recorded.given_at}, recorded {recorded.recorded_at}")
        for c in counts:
            typer.echo(f"  {c.phase:36} {states[c.phase]:10} loaded {c.loaded:6} (inserted {c.inserted:6})  skipped {c.skipped:5}  "
                       f"quarantined {c.quarantined - c.held:5}  held {c.held:4}  reported {c.reported:5}")
        for q in entries:
            where = f" at {q.location}" if q.location else ""
            kind = "held" if q.held else "quarantined"
            typer.echo(f"  {kind} {q.phase} {q.source_object} {q.source_id}: {q.reason}{where}")

    @app.command()
    def diff(
        file: Annotated[Path, typer.Argument(help="The .mig file the run executed.", show_default=False)],
        run_dir: RunDir = None,
        all_fields: Annotated[bool, typer.Option("--all", help="Show every compared field, not only the mismatches.")] = False,
        phase: Annotated[Optional[str], typer.Option("--phase", help="Only this phase (e.g. 'User->Contacts').")] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Compare, field by field, the records a run loaded with what the target holds:
        source value -> expected (the transform's output) -> actual. Exit 1 on mismatches.

        Meant for the sample: it reads the source again and fetches every loaded record.
        """
        from migc.runtime.diff import diff_run, render_diff
        from migc.runtime.session import open_session, read_sandbox_spec

        analysis = _checked(file)
        directory = _existing_run(analysis, run_dir)

        async def go():
            async with open_session(analysis, directory, sandbox=read_sandbox_spec(directory)) as session:
                return await diff_run(session, phase=phase)

        report = _execute(go())
        if as_json:
            typer.echo(json.dumps(msgspec.to_builtins(report), sort_keys=True, default=str))
        else:
            render_diff(report, all_fields=all_fields)
        raise typer.Exit(1 if report.mismatches else 0)

    @app.command()
    def approve(run_dir: Annotated[Path, typer.Option("--run-dir", help="The run directory holding the sample.")],
                by: Annotated[Optional[str], typer.Option("--by", help="Who approves (default: the login name).")] = None) -> None:
        """Approve a run's sample, which lets `migc run --full` start."""
        from migc.runtime.journal import JournalError, SqliteJournal, now

        path = run_dir / "journal.sqlite"
        if not path.exists():
            _fail(f"no run in {run_dir}")
        try:
            info = SqliteJournal(path).run_info()
        except JournalError as error:
            _fail(str(error))
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
        directory = _existing_run(analysis, run_dir)

        async def go():
            async with open_session(analysis, directory, sandbox=read_sandbox_spec(directory)) as session:
                return await reconcile_run(session)

        rows = _execute(go())
        ok = all(row.balanced for row in rows)
        if as_json:
            typer.echo(json.dumps([{**msgspec.to_builtins(r), "balanced": r.balanced} for r in rows], sort_keys=True))
        else:
            for r in rows:
                mark = "ok " if r.balanced else "OFF"
                held = f" + held {r.held}" if r.held else ""
                extra = f"; {r.unknown} no longer in the source" if r.unknown else ""
                extra += f"; {r.missing} loaded records missing from the target" if r.missing > 0 else ""
                holds = "?" if r.target_count < 0 else str(r.target_count)
                typer.echo(f"{mark} {r.phase:36} source {r.source_count:6} = loaded {r.loaded:6} + quarantined {r.quarantined:5}{held} "
                           f"+ skipped {r.skipped:5} + not yet {r.pending:5}   target holds {holds}{extra}")
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
        directory = _existing_run(analysis, run_dir)
        if not yes and not typer.confirm(f"delete every record the run in {directory} inserted, and restore what it updated?"):
            raise typer.Exit(1)

        async def go():
            async with open_session(analysis, directory, sandbox=read_sandbox_spec(directory)) as session:
                return await rollback_run(session, operator=_operator())

        result = _execute(go())
        typer.echo(f"rolled back: {result.deleted} records deleted, {result.restored} restored"
                   + (f", {result.failed} refused (run rollback again)" if result.failed else ""))
        raise typer.Exit(1 if result.failed else 0)
