"""Field-level diff of loaded records: source value -> expected (the transform's output) -> actual
(what the target holds), for `migc diff` on a sample.

For every map, the units the journal links are read from the source again and transformed; their
refs are resolved as the loader resolves them (through the journal, else a target search). The
target records are fetched by id and each field the map writes is compared, allowing for the
ways targets hand values back: lookups as `{"id": ...}` objects, custom values nested under
`custom_field`/`custom_fields`, multi-values as lists of `{"value"}`/`{"name"}` objects, numbers
as text and instants with another offset notation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from migc import ir
from migc.connectors.base import ConnectorError
from migc.runtime.engine import TAGS_BY_ACTION, Engine
from migc.runtime.interface import RunOptions
from migc.runtime.records import field_value, to_wire

FETCH_CHUNK = 100


class FieldDiff(msgspec.Struct, frozen=True, kw_only=True):
    phase: str
    source_id: str
    target_id: str
    field: str  # the target's API name
    source: dict[str, Any]  # the source fields the field program reads, from the (first) source record
    expected: Any
    actual: Any
    match: bool | None  # None: the target does not return this field comparably (absent, or a picklist option id)


class DiffReport(msgspec.Struct, frozen=True, kw_only=True):
    records: int  # loaded records compared
    fields: int  # field comparisons
    mismatches: int
    unchecked: int  # fields the target's read API does not return (Zoho tags) or returns as option ids
    missing: int  # loaded records the target no longer holds (each counts as a mismatch)
    rows: list[FieldDiff]


async def diff_run(session, *, phase: str | None = None) -> DiffReport:
    journal = session.journal
    engine = Engine(model=session.analysis.model, compiled=session.compiled, source_catalog=session.source_catalog,
                    target_catalog=session.target_catalog, source=session.source, target=session.target,
                    journal=journal, options=RunOptions(operator="diff"))
    engine.restore_schema()
    reads = {info.id: {f.field: f.reads for f in info.fields} for info in session.analysis.model.maps}
    rows: list[FieldDiff] = []
    records = missing = 0
    for program in engine.ordered_maps():
        if phase is not None and program.id != phase:
            continue
        links = {link.source_id: link.target_id for link in journal.links(map_id=program.id)}
        if not links:
            continue
        expected = await _expected(engine, program, links)
        target_object = engine.names.object_name(program.target)
        actual: dict[str, dict[str, Any]] = {}
        ids = sorted({links[sid] for sid in expected})
        for start in range(0, len(ids), FETCH_CHUNK):
            for record in await session.target.get(target_object, ids[start : start + FETCH_CHUNK]):
                actual[str(record["id"])] = record
        option_fields = await _option_fields(session.target, target_object)
        fields_read = reads.get(program.id, {})
        api_to_mig = {engine.names.field_name(program.target, s.field): s.field for s in program.steps if isinstance(s, ir.FieldStep)}
        for sid in sorted(expected):
            first, wanted = expected[sid]
            target_id = links[sid]
            records += 1
            held = actual.get(target_id)
            if held is None:
                missing += 1
                rows.append(FieldDiff(phase=program.id, source_id=sid, target_id=target_id, field="(record)", source={},
                                      expected="a record", actual=None, match=False))
                continue
            for field in sorted(wanted):
                mig_field = api_to_mig.get(field, "")
                source = {name: _path(first, name) for name in fields_read.get(mig_field, ())}
                value = field_value(held, field)
                # Pipedrive reads picklist values back as option ids, which describe() does not name.
                returned = _returned(held, field) and not (field in option_fields and isinstance(value, int) and isinstance(wanted[field], str))
                rows.append(FieldDiff(phase=program.id, source_id=sid, target_id=target_id, field=field, source=source,
                                      expected=wanted[field], actual=value, match=same(wanted[field], value) if returned else None))
    return DiffReport(records=records, fields=len(rows), mismatches=sum(1 for r in rows if r.match is False),
                      unchecked=sum(1 for r in rows if r.match is None), missing=missing, rows=rows)


async def _expected(engine: Engine, program: ir.MapProgram, links: dict[str, str]) -> dict[str, tuple[dict, dict[str, Any]]]:
    """source id -> (its first source record, the target fields the map writes for it)."""
    functions = engine.compiled.maps[program.id]
    found: dict[str, tuple[dict, dict[str, Any]]] = {}
    tag_fields = engine._tag_fields(program) if engine.target.platform in TAGS_BY_ACTION else []
    async for unit in engine.units.read(program, functions):
        if unit.sid not in links or unit.sid in found or unit.error:
            continue
        try:
            out, refs, _ = functions.transform(unit.payload)
        except Exception as error:  # the diff shows it: this record would not load any more
            found[unit.sid] = (unit.first, {"(transform)": f"error: {error}"})
            continue
        record = engine.resolver.wire_record(program.target, out)
        steps = {s.field: s for s in program.steps if isinstance(s, ir.FieldStep) and s.ref is not None}
        for field, (values, fallback) in refs.items():
            ref = steps[field].ref
            hit = await engine.resolver.lookup(ref, values)  # a link the target cannot search finds nothing, as in the load
            if hit is None:
                record[engine.names.field_name(program.target, field)] = to_wire(fallback)
            else:
                record.update(engine.resolver.ref_fields(program.target, field, ref, hit))
        if program.merge:
            record.pop(engine.names.field_name(program.target, program.key_field), None)
        elif not program.key_field and program.target in engine.names.stamps:
            record[engine.names.stamps[program.target]] = f"{program.id}:{unit.sid}"
        for field in tag_fields:
            if isinstance(record.get(field), list):
                record[field] = sorted(dict.fromkeys(str(v) for v in record[field] if v not in (None, "")))
        found[unit.sid] = (unit.first, record)
        if len(found) == len(links) and program.grouping != "summarize":
            break
    return found


def _path(record: dict[str, Any], name: str) -> Any:
    value: Any = record
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return to_wire(value)


async def _option_fields(target, target_object: str) -> set[str]:
    """The object's picklist fields, as describe() reports them (none when it cannot say)."""
    try:
        described = await target.describe(target_object)
    except ConnectorError:
        return set()
    return {str(f["key"]) for f in described.get("fields") or [] if f.get("picklist")}


def _returned(record: dict[str, Any], field: str) -> bool:
    return field in record or any(isinstance(record.get(nest), dict) and field in record[nest] for nest in ("custom_field", "custom_fields"))


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _scalar(value: Any) -> Any:
    """A multi-value's element as a comparable scalar (`{"value": x}`, `{"name": x}`, `{"id": x}`)."""
    if isinstance(value, dict):
        for key in ("value", "name", "id"):
            if key in value:
                return value[key]
    return value


def _instant(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.timezone.utc)


def same(expected: Any, actual: Any) -> bool:
    """Whether the target holds what the transform produced, as the target writes it back."""
    if _blank(expected) and _blank(actual):
        return True
    if isinstance(expected, dict) and "id" in expected:
        held = actual.get("id") if isinstance(actual, dict) else actual
        return held is not None and str(held) == str(expected["id"])
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        return sorted(str(_scalar(v)) for v in expected) == sorted(str(_scalar(v)) for v in actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual  # 1 is not true
    if isinstance(expected, (int, float)):
        try:
            return float(actual) == float(expected)
        except (TypeError, ValueError):
            return False
    if isinstance(expected, str) and isinstance(actual, (int, float)):
        try:
            return float(expected) == float(actual)
        except ValueError:
            return False
    if isinstance(expected, str) and isinstance(actual, str):
        if expected == actual:
            return True
        left, right = _instant(expected), _instant(actual)
        return left is not None and left == right and "T" in expected
    return expected == actual


def _shown(value: Any, width: int = 48) -> str:
    text = "—" if value is None else value if isinstance(value, str) else msgspec.json.encode(value).decode()
    return text if len(text) <= width else text[: width - 1] + "…"


def render_diff(report: DiffReport, *, all_fields: bool = False) -> None:
    """The report as a table for people: mismatches in red (every field with `all_fields`)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    shown = [row for row in report.rows if all_fields or row.match is False]
    if shown:
        table = Table(show_lines=False)
        for column in ("phase", "source id", "field", "source", "expected", "actual"):
            table.add_column(column, overflow="fold")
        for row in shown:
            source = ", ".join(f"{name}={_shown(value, 24)}" for name, value in row.source.items())
            style = {True: None, False: "red", None: "dim"}[row.match]
            actual = f"(not comparable: {_shown(row.actual)})" if row.match is None else _shown(row.actual)
            table.add_row(row.phase, row.source_id, row.field, source, _shown(row.expected), actual, style=style)
        console.print(table)
    verdict = "[green]no mismatch[/green]" if not report.mismatches else f"[red]{report.mismatches} mismatches[/red]"
    missing = f", {report.missing} loaded records missing from the target" if report.missing else ""
    unchecked = f", {report.unchecked} not comparable (not returned, or as option ids)" if report.unchecked else ""
    console.print(f"{report.records} loaded records, {report.fields} fields compared: {verdict}{missing}{unchecked}")
