"""The plan as Markdown for people (`migc plan --format md`): summary, phases, delta, cutover.

Every number comes from the `LoadPlan`; this module only lays it out. Table cells escape `|`
so names and notes cannot break a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from migc.plan import words
from migc.plan.model import Checkpoint, LoadPlan, Phase, Step

_RESOLUTION = {
    "loaded-earlier": "loaded in phase {phase}",
    "second-pass": "set by the link pass (self-reference)",
    "preexisting": "existing records, looked up",
    "cycle": "in a cycle: unresolved (MIG0601)",
    "not-loaded": "not loaded by this plan",
}


def render_markdown(plan: LoadPlan) -> str:
    out: list[str] = []
    add = out.append
    add(f"# Load plan: {plan.migration}")
    add("")
    add(f"{plan.source.label} → {plan.target.label} · `{plan.file}` · plan format {plan.version}")
    add("")
    if plan.errors:
        add(f"> **Draft.** The mapping still has {words.plural(plan.errors, 'error')} (`migc check {plan.file}`); "
            "this plan shows what the file says so far.")
        add("")
    totals = plan.totals
    incomplete = "" if totals.complete else " (sources without a count left out)"
    add("## Summary")
    add("")
    add("| | |")
    add("|---|---|")
    rows = [
        ("Compatibility", f"{plan.compatibility.one_to_one} of {plan.compatibility.objects} objects map 1:1"),
        ("Target tier", f"{plan.budget.tier or 'none published'}"),
        ("Records to create", words.count(totals.records) + incomplete),
        ("API calls", f"{totals.calls:,}" + incomplete),
        ("Estimated load time", words.duration(totals.seconds) + incomplete),
        ("Days at the daily budget", f"{words.days(totals.budget_days)}" + (f" ({totals.budget_constraint})" if totals.budget_constraint else "")),
        ("Phases", f"schema + {len(plan.phases)} object phase{'s' if len(plan.phases) != 1 else ''}, delta, cutover"),
    ]
    if any(c.kind == "daily-tokens" for c in plan.budget.constraints):
        rows.insert(4, ("Daily tokens spent", f"{totals.units:,}"))
    for name, value in rows:
        add(f"| {name} | {_cell(value)} |")
    add("")
    if plan.missing_counts:
        add("Sources without a count: " + ", ".join(f"`{name}`" for name in plan.missing_counts) + ".")
        add("")
    _bullets(out, "Assumptions", plan.assumptions)
    _bullets(out, "Before the run", plan.prerequisites)
    add(f"## Rate budget: {plan.target.label} {plan.budget.tier}".rstrip())
    add("")
    add("| Kind | Limit | Scope | Applies to | Unconfirmed |")
    add("|---|---|---|---|---|")
    for c in plan.budget.constraints:
        add(f"| {c.kind} | {_cell(c.limit)} | {_cell(c.scope)} | {_cell(c.applies_to or 'every call')} | {_cell(c.unconfirmed or '')} |")
    add("")
    if plan.cycles:
        add("## Cycles")
        add("")
        for cycle in plan.cycles:
            add(f"- {' → '.join(cycle.objects + cycle.objects[:1])}: {cycle.note}")
        add("")
    add("## Phase 0: schema")
    add("")
    if plan.schema.steps:
        _steps(out, plan.schema.steps, schema=True)
        add(f"Schema phase: {plan.schema.calls:,} calls, {words.duration(plan.schema.seconds)}.")
        add("")
        for step in plan.schema.steps:
            if step.items and step.kind != "create-module":
                add(f"- {step.object} ({step.kind}): " + ", ".join(f"`{item}`" for item in step.items) + "."
                    + "".join(f" {_sentence(n)}" for n in step.notes))
        add("")
    else:
        add("Nothing to create: the mapping uses the target's existing schema.")
        add("")
    for phase in plan.phases:
        _phase(out, phase)
    add("## Delta pass")
    add("")
    add(f"{plan.delta.note[0].upper()}{plan.delta.note[1:]}.")
    add("")
    if plan.delta.sources:
        add("| Source | How changes are found |")
        add("|---|---|")
        for source in plan.delta.sources:
            add(f"| {source.source} | {_cell(source.method)} |")
        add("")
    add("## Cutover")
    add("")
    for index, step in enumerate(plan.cutover.steps, start=1):
        add(f"{index}. {step}")
    add("")
    add("Rollback deletes what was inserted in reverse order (" + " → ".join(plan.cutover.rollback_order)
        + ") and restores updated records from the journal's before-images.")
    add("")
    return "\n".join(out)


def _phase(out: list[str], phase: Phase) -> None:
    add = out.append
    title = phase.object if phase.label.lower() in ("", phase.object.lower()) else f"{phase.object} ({phase.label})"
    if phase.late:
        title += ", late merges"
    add(f"## Phase {phase.number}: {title}")
    add("")
    if phase.in_cycle:
        add("> In a dependency cycle (MIG0601): lookups to the other objects of the cycle stay empty.")
        add("")
    if phase.late:
        add("> Merges deferred until every object is created: their lookups point at objects that load after this one.")
        add("")
    created = "updates only" if phase.late else words.count(phase.records, upper=phase.upper_bound)
    add(f"Records: {created} · calls: {words.count(phase.calls)} · time: {words.duration(phase.seconds)}"
        + (f" · bound by {phase.binding}" if phase.binding else ""))
    add("")
    if phase.lookups:
        add("Lookups: " + "; ".join(
            f"`{lookup.field}` → {lookup.target} ({_RESOLUTION[lookup.resolution].format(phase=lookup.phase)})" for lookup in phase.lookups
        ) + ".")
        add("")
    _steps(out, phase.steps, schema=False)
    for step in phase.steps:
        add(f"- {step.map or step.object}, {step.kind}: {step.records.basis}." + "".join(f" {_sentence(n)}" for n in step.notes))
    add("")
    _checkpoint(out, phase.checkpoint, late=phase.late)


def _steps(out: list[str], steps: Sequence[Step], *, schema: bool) -> None:
    add = out.append
    if schema:
        add("| Step | Object | Items | Per call | Calls | Time | Bound by |")
        add("|---|---|---|---|---|---|---|")
    else:
        add("| Step | Operation | Records | Per call | Calls | Time | Bound by |")
        add("|---|---|---|---|---|---|---|")
    for step in steps:
        if schema:
            add(f"| {_cell(step.description)} | {step.object} | {len(step.items) or '—'} | {step.batch_size} | "
                f"{words.count(step.calls)} | {words.duration(step.seconds)} | {_cell(step.binding)} |")
        else:
            endpoint = f" `{_cell(step.endpoint)}`" if step.endpoint else ""
            add(f"| {_cell(step.description)} | {step.operation}{endpoint} | {words.count(step.records.records, upper=step.records.upper_bound)} | "
                f"{step.batch_size} | {words.count(step.calls)} | {words.duration(step.seconds)} | {_cell(step.binding)} |")
    add("")


def _checkpoint(out: list[str], checkpoint: Checkpoint, *, late: bool) -> None:
    add = out.append
    expected = "nothing new (updates only)" if late else words.count(checkpoint.expected_loaded)
    add(f"**Checkpoint.** Expected to load: {expected}.")
    add("")
    for line in checkpoint.identities:
        add(f"- {line}")
    if checkpoint.quarantine_when:
        add("- Quarantined when: " + "; ".join(checkpoint.quarantine_when) + ".")
    if checkpoint.skipped_when:
        add("- Skipped when: " + "; ".join(checkpoint.skipped_when) + ".")
    if checkpoint.checksum_fields:
        add(f"- Field checksums on a sample of {checkpoint.sample}: " + ", ".join(f"`{f}`" for f in checkpoint.checksum_fields) + ".")
    add("")


def _bullets(out: list[str], title: str, lines: Iterable[str]) -> None:
    lines = list(lines)
    if not lines:
        return
    out.append(f"## {title}")
    out.append("")
    out.extend(f"- {line}" for line in lines)
    out.append("")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith(".") else text + "."
