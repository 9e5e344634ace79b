"""Prints check results in each `migc check --format`: human text, JSON, SARIF 2.1.0, GitHub annotations.

`write_report` is the one entry point the CLI calls. The JSON document is migc's own versioned
contract: its shape is the frozen Structs below (`CheckReport` and its parts), and
`docs/check-result.schema.json` is generated from them (`python -m migc.report`). SARIF follows
the OASIS 2.1.0 schema for code-scanning tools; `github` prints workflow commands that GitHub
Actions turns into annotations on a pull request's diff.

Positions: lines and columns are 1-based and columns count Unicode code points, exactly as
`migc.source.Span` does; offsets are 0-based code-point offsets into the decoded text. An end
position is exclusive: it names the character just after the range.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TextIO

import msgspec

from migc.codes import REGISTRY, Severity
from migc.diagnostics import Diagnostic, render, summary_line
from migc.source import Span

if TYPE_CHECKING:
    from migc.semantics.check import Analysis

FORMATS = ("human", "json", "sarif", "github")

# The version of the JSON document's shape; docs/check-json.md says when it changes.
JSON_FORMAT_VERSION = 1

# Where the project's documentation lives. Not yet published: SARIF readers need absolute URIs,
# so this placeholder (the reserved `.invalid` domain) stands in until the repository has a home.
PROJECT_URI = "https://migc.invalid/"
DIAGNOSTICS_DOC = "docs/diagnostics.md"


def write_report(results: Sequence[Analysis], format: str, out: TextIO, *, color: bool = False) -> None:
    """Writes the results of `migc check` to `out` in `format` (one of `FORMATS`).

    `color` applies to `human` only; the machine formats never contain escape sequences."""
    if format == "human":
        _write_human(results, out, color=color)
    elif format == "json":
        out.write(_pretty(check_report(results)))
    elif format == "sarif":
        out.write(_pretty(sarif_log(results, root=Path.cwd())))
    elif format == "github":
        for line in github_commands(results, root=Path.cwd()):
            out.write(line + "\n")
    else:
        raise ValueError(f"unknown output format {format!r}; expected one of {', '.join(FORMATS)}")


def _pretty(document: msgspec.Struct) -> str:
    return msgspec.json.format(msgspec.json.encode(document), indent=2).decode("utf-8") + "\n"


# ---------------------------------------------------------------------------------------- human


def _write_human(results: Sequence[Analysis], out: TextIO, *, color: bool) -> None:
    for result in results:
        sources = result.sources
        for diagnostic in result.diagnostics:
            out.write(render(diagnostic, sources.get(diagnostic.span.file), color=color) + "\n\n")
    everything = [d for r in results for d in r.diagnostics]
    out.write(summary_line(everything, len(results)) + "\n")


# ----------------------------------------------------------------------------- shared helpers


def checked_path(result: Analysis) -> str:
    """The path of the file a result is about, as it was given to `migc check`."""
    root = result.program.root
    if root is not None:
        return root.source.name
    # An unreadable file has no parsed root; its one diagnostic carries the name.
    return result.diagnostics[0].span.file if result.diagnostics else ""


def _slug(code: str) -> str:
    known = REGISTRY.get(code)
    return known.slug if known is not None else code.lower()


def _in_path_order(results: Sequence[Analysis]) -> list[Analysis]:
    # A stable sort: a file given twice keeps both entries, next to each other.
    return sorted(results, key=checked_path)


def _distinct_diagnostics(results: Sequence[Analysis]) -> list[Diagnostic]:
    """Every diagnostic once, sorted: a file imported by two checked files is reported once."""
    seen: dict[tuple, Diagnostic] = {}
    for result in results:
        for diagnostic in result.diagnostics:
            seen.setdefault(diagnostic.sort_key(), diagnostic)
    return [seen[key] for key in sorted(seen)]


def repository_path(file: str, root: Path) -> str | None:
    """`file` relative to `root` with forward slashes, or None when it lies outside `root`.

    Relative names are taken relative to `root`; `.` and `..` parts are folded first, without
    following symbolic links (a link inside the repository names a file of the repository)."""
    base = os.path.abspath(root)
    absolute = os.path.abspath(os.path.join(base, file))
    try:
        return Path(absolute).relative_to(base).as_posix()
    except ValueError:
        return None


def _detail_lines(diagnostic: Diagnostic) -> list[str]:
    """The message, then each note and the quick fix's title, as the human format prints them."""
    lines = [diagnostic.message]
    for note in diagnostic.notes:
        where = f"{note.span.file}:{note.span.line}:{note.span.column}: " if note.span else ""
        lines.append(f"note: {where}{note.message}")
    if diagnostic.fix is not None:
        lines.append(f"help: {diagnostic.fix.title}")
    return lines


# ----------------------------------------------------------------------------------------- json

Line = Annotated[int, msgspec.Meta(ge=1, description="1-based line number.")]
Column = Annotated[int, msgspec.Meta(ge=1, description="1-based column, counting Unicode code points.")]
Offset = Annotated[int, msgspec.Meta(ge=0, description="0-based offset in code points into the decoded text.")]
Count = Annotated[int, msgspec.Meta(ge=0)]


class Position(msgspec.Struct, frozen=True, kw_only=True):
    """A point in a source file."""

    line: Line
    column: Column
    offset: Offset


class Range(msgspec.Struct, frozen=True, kw_only=True):
    """A range of a source file; `end` is exclusive (the position just after the last character)."""

    start: Position
    end: Position


class NoteReport(msgspec.Struct, frozen=True, kw_only=True):
    """More about a diagnostic; `path` and `range` are null when the note points nowhere."""

    message: str
    path: str | None
    range: Range | None


class EditReport(msgspec.Struct, frozen=True, kw_only=True):
    """Replace the text in `range` of `path` with `new_text` (an empty range inserts)."""

    path: str
    range: Range
    new_text: str


class FixReport(msgspec.Struct, frozen=True, kw_only=True):
    """A quick fix: apply every edit (they do not overlap) to resolve the diagnostic."""

    title: str
    edits: tuple[EditReport, ...]


class DiagnosticReport(msgspec.Struct, frozen=True, kw_only=True):
    """One problem. `path` is the file it is in: the checked file itself or a file it imports."""

    code: Annotated[str, msgspec.Meta(pattern=r"^MIG[0-9]{4}$", description="Stable code; docs/diagnostics.md explains each.")]
    slug: Annotated[str, msgspec.Meta(description="The code's readable name, e.g. `unknown-field`.")]
    severity: Severity
    message: str
    path: str
    range: Range
    notes: tuple[NoteReport, ...]
    fix: FixReport | None


class Compatibility(msgspec.Struct, frozen=True, kw_only=True):
    """The scope page's score: `one_to_one` of `objects` object rows map 1:1."""

    one_to_one: Count
    objects: Count


class FileReport(msgspec.Struct, frozen=True, kw_only=True):
    """The result of checking one file given to `migc check` (with everything it imports)."""

    path: Annotated[str, msgspec.Meta(description="The file as it was given on the command line.")]
    errors: Count
    warnings: Count
    compatibility: Annotated[
        Compatibility | None,
        msgspec.Meta(description="Null when the file did not yield a checked model (a library file, or errors that stop the checker)."),
    ]
    diagnostics: tuple[DiagnosticReport, ...]


class ToolInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: Literal["migc"]
    version: str


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    """Totals over `files`; a diagnostic in a file imported by two checked files counts twice."""

    files: Count
    errors: Count
    warnings: Count


class CheckReport(msgspec.Struct, frozen=True, kw_only=True):
    """The output of `migc check --format json`. Files are sorted by path; diagnostics by position."""

    version: Annotated[Literal[1], msgspec.Meta(description="The version of this document's shape; see docs/check-json.md.")]
    tool: ToolInfo
    files: tuple[FileReport, ...]
    summary: Summary


def _tool_version() -> str:
    import migc  # read at call time, so the installed version is the one reported

    return migc.__version__


def _position(line: int, column: int, offset: int) -> Position:
    return Position(line=line, column=column, offset=offset)


def _range(span: Span) -> Range:
    return Range(start=_position(span.line, span.column, span.start), end=_position(span.end_line, span.end_column, span.end))


def _diagnostic_report(diagnostic: Diagnostic) -> DiagnosticReport:
    fix = diagnostic.fix
    return DiagnosticReport(
        code=diagnostic.code,
        slug=_slug(diagnostic.code),
        severity=diagnostic.severity,
        message=diagnostic.message,
        path=diagnostic.span.file,
        range=_range(diagnostic.span),
        notes=tuple(
            NoteReport(
                message=note.message,
                path=note.span.file if note.span else None,
                range=_range(note.span) if note.span else None,
            )
            for note in diagnostic.notes
        ),
        fix=None if fix is None else FixReport(
            title=fix.title,
            edits=tuple(EditReport(path=edit.span.file, range=_range(edit.span), new_text=edit.new_text) for edit in fix.edits),
        ),
    )


def _file_report(result: Analysis) -> FileReport:
    diagnostics = result.diagnostics
    compatibility = None
    if result.model is not None:
        one_to_one, objects = result.model.compatibility
        compatibility = Compatibility(one_to_one=one_to_one, objects=objects)
    return FileReport(
        path=checked_path(result),
        errors=sum(1 for d in diagnostics if d.severity == "error"),
        warnings=sum(1 for d in diagnostics if d.severity == "warning"),
        compatibility=compatibility,
        diagnostics=tuple(_diagnostic_report(d) for d in diagnostics),
    )


def check_report(results: Sequence[Analysis]) -> CheckReport:
    """The JSON document's data for these results (encode it with `msgspec.json.encode`)."""
    files = tuple(_file_report(result) for result in _in_path_order(results))
    return CheckReport(
        version=JSON_FORMAT_VERSION,
        tool=ToolInfo(name="migc", version=_tool_version()),
        files=files,
        summary=Summary(
            files=len(files),
            errors=sum(f.errors for f in files),
            warnings=sum(f.warnings for f in files),
        ),
    )


def check_result_schema() -> dict:
    """The JSON Schema (draft 2020-12) of `migc check --format json`, generated from `CheckReport`."""
    generated = msgspec.json.schema(CheckReport)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"migc check result, version {JSON_FORMAT_VERSION}",
        "description": "The output of `migc check --format json`. Generated from migc.report.CheckReport "
        "by `python -m migc.report`; docs/check-json.md describes it and its versioning rule.",
        **generated,
    }


# ---------------------------------------------------------------------------------------- sarif

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"  # the uriBaseId code-scanning uploads resolve against the checkout
_SARIF_LEVELS: dict[str, str] = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


class _SarifObject(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """Base of the SARIF objects: camelCase property names, and optional properties left out.

    Every property SARIF requires has no default here, so `omit_defaults` never drops one.

    msgspec does not inherit `kw_only`, so each subclass repeats it.
    """


class SarifMessage(_SarifObject, kw_only=True):
    text: str


class SarifRegion(_SarifObject, kw_only=True):
    # SARIF counts lines and columns from 1 like `Span`; the run declares columnKind
    # "unicodeCodePoints" because our columns count code points, not UTF-16 units.
    # endColumn is exclusive in SARIF as in `Span`, so the numbers pass through unchanged.
    start_line: int
    start_column: int
    end_line: int
    end_column: int


class SarifArtifactLocation(_SarifObject, kw_only=True):
    uri: str
    uri_base_id: str | None = None


class SarifPhysicalLocation(_SarifObject, kw_only=True):
    artifact_location: SarifArtifactLocation
    region: SarifRegion


class SarifLocation(_SarifObject, kw_only=True):
    id: int | None = None
    physical_location: SarifPhysicalLocation
    message: SarifMessage | None = None


class SarifArtifactContent(_SarifObject, kw_only=True):
    text: str


class SarifReplacement(_SarifObject, kw_only=True):
    deleted_region: SarifRegion
    inserted_content: SarifArtifactContent


class SarifArtifactChange(_SarifObject, kw_only=True):
    artifact_location: SarifArtifactLocation
    replacements: tuple[SarifReplacement, ...]


class SarifFix(_SarifObject, kw_only=True):
    description: SarifMessage
    artifact_changes: tuple[SarifArtifactChange, ...]


class SarifResult(_SarifObject, kw_only=True):
    rule_id: str
    rule_index: int
    level: Literal["error", "warning", "note"]
    message: SarifMessage
    locations: tuple[SarifLocation, ...]
    related_locations: tuple[SarifLocation, ...] = ()
    fixes: tuple[SarifFix, ...] = ()


class SarifReportingConfiguration(_SarifObject, kw_only=True):
    level: Literal["error", "warning", "note"]


class SarifRule(_SarifObject, kw_only=True):
    id: str
    name: str
    short_description: SarifMessage
    help_uri: str
    default_configuration: SarifReportingConfiguration


class SarifDriver(_SarifObject, kw_only=True):
    name: str
    version: str
    information_uri: str
    rules: tuple[SarifRule, ...]


class SarifTool(_SarifObject, kw_only=True):
    driver: SarifDriver


class SarifRun(_SarifObject, kw_only=True):
    tool: SarifTool
    column_kind: Literal["unicodeCodePoints"]
    results: tuple[SarifResult, ...]


class SarifLog(_SarifObject, kw_only=True):
    schema: str = msgspec.field(name="$schema")
    version: Literal["2.1.0"]
    runs: tuple[SarifRun, ...]


def _sarif_artifact(file: str, root: Path) -> SarifArtifactLocation:
    relative = repository_path(file, root)
    if relative is None:  # outside the checkout: an absolute file URI, which needs no base
        return SarifArtifactLocation(uri=Path(os.path.abspath(os.path.join(root, file))).as_uri())
    from urllib.parse import quote

    return SarifArtifactLocation(uri=quote(relative, safe="/"), uri_base_id=SOURCE_ROOT)


def _sarif_region(span: Span) -> SarifRegion:
    return SarifRegion(start_line=span.line, start_column=span.column, end_line=span.end_line, end_column=span.end_column)


def _sarif_location(span: Span, root: Path, *, id: int | None = None, message: str | None = None) -> SarifLocation:
    return SarifLocation(
        id=id,
        physical_location=SarifPhysicalLocation(artifact_location=_sarif_artifact(span.file, root), region=_sarif_region(span)),
        message=SarifMessage(text=message) if message is not None else None,
    )


def _sarif_fix(diagnostic: Diagnostic, root: Path) -> SarifFix:
    assert diagnostic.fix is not None
    by_file: dict[str, list[SarifReplacement]] = {}
    for edit in diagnostic.fix.edits:
        by_file.setdefault(edit.span.file, []).append(
            SarifReplacement(deleted_region=_sarif_region(edit.span), inserted_content=SarifArtifactContent(text=edit.new_text))
        )
    return SarifFix(
        description=SarifMessage(text=diagnostic.fix.title),
        artifact_changes=tuple(
            SarifArtifactChange(artifact_location=_sarif_artifact(file, root), replacements=tuple(replacements))
            for file, replacements in sorted(by_file.items())
        ),
    )


def _sarif_rule(code: str, first: Diagnostic) -> SarifRule:
    known = REGISTRY.get(code)
    summary = known.summary if known is not None else first.message
    severity = known.severity if known is not None else first.severity
    return SarifRule(
        id=code,
        name=_slug(code),
        short_description=SarifMessage(text=summary),
        help_uri=f"{PROJECT_URI}{DIAGNOSTICS_DOC}#{code.lower()}",
        default_configuration=SarifReportingConfiguration(level=_SARIF_LEVELS[severity]),
    )


def _sarif_result(diagnostic: Diagnostic, rule_index: int, root: Path) -> SarifResult:
    spanned = [note for note in diagnostic.notes if note.span is not None]
    return SarifResult(
        rule_id=diagnostic.code,
        rule_index=rule_index,
        level=_SARIF_LEVELS[diagnostic.severity],
        message=SarifMessage(text="\n".join(_detail_lines(diagnostic))),
        locations=(_sarif_location(diagnostic.span, root),),
        related_locations=tuple(
            _sarif_location(note.span, root, id=number, message=note.message) for number, note in enumerate(spanned, start=1)
        ),
        # SARIF requires at least one change per fix, so a fix without edits is left out.
        fixes=(_sarif_fix(diagnostic, root),) if diagnostic.fix is not None and diagnostic.fix.edits else (),
    )


def sarif_log(results: Sequence[Analysis], *, root: Path) -> SarifLog:
    """One SARIF 2.1.0 run over all results; paths are made relative to `root` (%SRCROOT%).

    `tool.driver.rules` lists every code that occurs, sorted; each result is reported once even
    when two checked files import the file it is in."""
    diagnostics = _distinct_diagnostics(results)
    first_of: dict[str, Diagnostic] = {}
    for diagnostic in diagnostics:
        first_of.setdefault(diagnostic.code, diagnostic)
    codes = sorted(first_of)
    index_of = {code: index for index, code in enumerate(codes)}
    driver = SarifDriver(
        name="migc",
        version=_tool_version(),
        information_uri=PROJECT_URI,
        rules=tuple(_sarif_rule(code, first_of[code]) for code in codes),
    )
    run = SarifRun(
        tool=SarifTool(driver=driver),
        column_kind="unicodeCodePoints",
        results=tuple(_sarif_result(d, index_of[d.code], root) for d in diagnostics),
    )
    return SarifLog(schema=SARIF_SCHEMA_URI, version="2.1.0", runs=(run,))


# --------------------------------------------------------------------------------------- github

_GITHUB_COMMANDS: dict[str, str] = {"error": "error", "warning": "warning", "info": "notice", "hint": "notice"}


def escape_data(text: str) -> str:
    """Escapes a workflow command's message the way the runner unescapes it (`%` first)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escapes a workflow command's property value: as `escape_data`, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(diagnostic: Diagnostic, root: Path) -> str:
    """One `::error file=...,line=...::message` annotation for a diagnostic.

    `file` is relative to `root` (the checkout) so that GitHub can place it on the diff; a file
    outside `root` keeps its absolute path. Notes and the fix's title follow the message on
    lines of their own."""
    span = diagnostic.span
    file = repository_path(span.file, root) or os.path.abspath(os.path.join(root, span.file))
    properties = {
        "file": file,
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": f"{diagnostic.code} {_slug(diagnostic.code)}",
    }
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = escape_data("\n".join(_detail_lines(diagnostic)))
    return f"::{_GITHUB_COMMANDS[diagnostic.severity]} {rendered}::{message}"


def github_commands(results: Sequence[Analysis], *, root: Path) -> list[str]:
    """An annotation per distinct diagnostic, then the plain summary line."""
    diagnostics = _distinct_diagnostics(results)
    return [github_command(d, root) for d in diagnostics] + [summary_line(diagnostics, len(results))]


def check_result_schema_text() -> str:
    """The schema as docs/check-result.schema.json holds it: two-space indents, a final newline."""
    import json

    return json.dumps(check_result_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    # `python -m migc.report > docs/check-result.schema.json` regenerates the published schema.
    import sys

    sys.stdout.write(check_result_schema_text())
