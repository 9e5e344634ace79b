"""The LoadPlan Structs: the versioned contract of `migc plan --format json`.

Everything here is frozen plain data. The JSON Schema in docs/plan.schema.json is generated from
`LoadPlan` (`python -m migc.plan.jsonschema`), and docs/plan-json.md explains each part. Numbers
that depend on record counts are `null` when the counts file does not give them; durations are
seconds rounded to a tenth. Bump `PLAN_FORMAT_VERSION` when a field changes meaning or goes away.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

PLAN_FORMAT_VERSION = 1

Count = Annotated[int, Meta(ge=0)]
Seconds = Annotated[float, Meta(ge=0)]

StepKind = Literal[
    "create-module",
    "create-fields",
    "read-field-names",
    "add-picklist-values",
    "create-tags",
    "lookup",
    "insert",
    "upsert",
    "merge",
    "link",
]
Operation = Literal["schema", "read", "create", "upsert", "update", "search"]
ConstraintKind = Literal["rate", "burst", "concurrency", "daily-tokens", "client"]
LookupResolution = Literal["loaded-earlier", "second-pass", "preexisting", "cycle", "not-loaded"]
EdgeKind = Literal["ref", "self", "cycle", "preexisting", "late"]


class _Struct(msgspec.Struct, frozen=True, kw_only=True):
    """Frozen and keyword-only: plans are shared between the CLI, documents and tests unchanged."""


class Platform(_Struct, frozen=True, kw_only=True):
    name: str
    label: str


class Compatibility(_Struct, frozen=True, kw_only=True):
    """The scope page's score: `one_to_one` of `objects` object rows map 1:1 (`Model.compatibility`)."""

    one_to_one: Count
    objects: Count


class Estimate(_Struct, frozen=True, kw_only=True):
    """A record count and how it was reached, in words a reviewer can check."""

    records: Annotated[Count | None, Meta(description="Null when the counts file gives no count to start from.")]
    basis: str
    upper_bound: Annotated[bool, Meta(description="True when the real number can only be smaller (filters, groups, limits).")] = False


class Constraint(_Struct, frozen=True, kw_only=True):
    """One published limit of the target, as the plan applies it for the assumed tier."""

    kind: ConstraintKind
    limit: Annotated[str, Meta(description='The limit in words: "50,000 calls per 24 h".')]
    calls: Annotated[float, Meta(description="Calls (or tokens for daily-tokens) allowed per window; in-flight requests for concurrency.")]
    per_seconds: Annotated[float, Meta(description="The window; for concurrency and client, the assumed seconds per call.")]
    scope: str
    plan: Annotated[str, Meta(description='The tier the catalog gives for this limit ("" = every tier).')]
    applies_to: Annotated[str, Meta(description='"" = every call; otherwise the calls it limits ("search endpoints").')]
    source: str
    unconfirmed: str


class Budget(_Struct, frozen=True, kw_only=True):
    """The target's limits for the tier the plan assumes, and the other assumptions of the estimate."""

    tier: str
    tier_basis: Annotated[str, Meta(description="Why this tier: given in the counts file, or the lowest published one.")]
    tiers: Annotated[tuple[str, ...], Meta(description="Every tier the target catalog publishes limits for.")]
    seats: Count
    call_seconds: Annotated[Seconds, Meta(description="Assumed round trip of one write call.")]
    in_flight: Annotated[Count, Meta(description="Requests in flight at once (the published concurrency, else the assumed client setting).")]
    constraints: tuple[Constraint, ...]


class Step(_Struct, frozen=True, kw_only=True):
    """One kind of API call made for one purpose: a schema change, or one map's records."""

    kind: StepKind
    description: str
    object: Annotated[str, Meta(description="The target object (module, resource) the calls write.")]
    map: Annotated[str, Meta(description='The map whose records this step loads ("" for schema steps).')] = ""
    source: Annotated[str, Meta(description="The source object the map reads.")] = ""
    operation: Operation
    endpoint: Annotated[str, Meta(description="The endpoint from the target catalog, when it names one.")] = ""
    items: Annotated[tuple[str, ...], Meta(description="Schema steps: the fields, options or tag sources concerned.")] = ()
    records: Estimate
    batch_size: Annotated[int, Meta(ge=1, description="Records (or schema items) per call.")]
    calls: Annotated[Count | None, Meta(description="Null when `records` is unknown.")]
    units: Annotated[Count | None, Meta(description="Budget units the calls spend: daily tokens where the target counts tokens, else calls.")]
    seconds: Annotated[Seconds | None, Meta(description="Estimated duration under the binding constraint.")]
    binding: Annotated[str, Meta(description="The constraint that sets this step's pace.")]
    notes: tuple[str, ...] = ()


class SchemaPhase(_Struct, frozen=True, kw_only=True):
    """Target schema created before any record loads: modules, their fields, other fields, picklists, tags."""

    steps: tuple[Step, ...]
    calls: Count
    seconds: Seconds


class Lookup(_Struct, frozen=True, kw_only=True):
    """A lookup field of the phase's object and how its target is resolved when the records load."""

    field: str
    target: str
    resolution: LookupResolution
    phase: Annotated[int | None, Meta(description="The phase that loads the target (null when none does).")] = None


class Checkpoint(_Struct, frozen=True, kw_only=True):
    """What is reconciled after a phase before the next one starts."""

    identities: Annotated[
        tuple[str, ...],
        Meta(description="One line per source read: records read = loaded + quarantined + skipped."),
    ]
    expected_loaded: Annotated[Count | None, Meta(description="Records the phase should create (from the estimates).")]
    quarantine_when: tuple[str, ...]
    skipped_when: tuple[str, ...]
    checksum_fields: Annotated[tuple[str, ...], Meta(description="Fields compared value by value on the sample.")]
    sample: Annotated[Count, Meta(description="Records in the checksum sample (the header's `sample`, else 100).")]


class Phase(_Struct, frozen=True, kw_only=True):
    """Everything loaded into one target object, in the plan's dependency order."""

    number: Annotated[int, Meta(ge=1)]
    object: str
    label: str
    maps: tuple[str, ...]
    lookups: tuple[Lookup, ...]
    steps: tuple[Step, ...]
    records: Annotated[Count | None, Meta(description="Records created in this object (merges and links update them).")]
    upper_bound: Annotated[bool, Meta(description="True when a creating step's estimate is an upper bound.")]
    late: Annotated[
        bool,
        Meta(description="A phase of merges deferred until every object is created: their lookups point at objects loaded later."),
    ]
    calls: Count | None
    seconds: Seconds | None
    binding: str
    in_cycle: Annotated[bool, Meta(description="True when the object's refs form a cycle (MIG0601): its lookups cannot all be resolved.")]
    checkpoint: Checkpoint


class Edge(_Struct, frozen=True, kw_only=True):
    """`dependent.field` looks up `target`: the graph draws it from `target` to `dependent`.
    `late` marks a merge's lookup of an object that loads after the merge's own: it does not order
    the load; the merge waits until every object is created instead."""

    dependent: str
    field: str
    target: str
    kind: EdgeKind


class Cycle(_Struct, frozen=True, kw_only=True):
    objects: tuple[str, ...]
    note: str


class DeltaSource(_Struct, frozen=True, kw_only=True):
    source: str
    method: Annotated[str, Meta(description="How changed records are found (modified field), or why a delta re-reads them.")]
    modified_field: str = ""


class DeltaPass(_Struct, frozen=True, kw_only=True):
    window_seconds: Count | None
    window: Annotated[str, Meta(description='The window in words ("48 h"), or "" when the header declares none.')]
    sources: tuple[DeltaSource, ...]
    phases: Annotated[tuple[int, ...], Meta(description="The phases the delta pass repeats, in order.")]
    note: str


class Cutover(_Struct, frozen=True, kw_only=True):
    steps: tuple[str, ...]
    rollback_order: Annotated[tuple[str, ...], Meta(description="Objects in the order a rollback deletes what was inserted.")]


class Totals(_Struct, frozen=True, kw_only=True):
    records: Annotated[Count | None, Meta(description="Records created over all phases (null when no count is known).")]
    calls: Count
    units: Count
    seconds: Seconds
    budget_days: Annotated[float | None, Meta(description="Days the calls take at the tightest daily-scale budget (null without one).")]
    budget_constraint: str
    complete: Annotated[bool, Meta(description="False when some sources have no count: the totals then cover only the rest.")]


class LoadPlan(_Struct, frozen=True, kw_only=True):
    """The output of `migc plan --format json`: the schema phase, the object phases, delta and cutover."""

    version: Annotated[Literal[1], Meta(description="The version of this document's shape; see docs/plan-json.md.")]
    migration: str
    file: Annotated[str, Meta(description="The .mig file's name (no directory).")]
    source: Platform
    target: Platform
    errors: Annotated[Count, Meta(description="Errors in the .mig file; a plan with errors is a draft.")]
    compatibility: Compatibility
    counts_given: tuple[str, ...]
    missing_counts: Annotated[tuple[str, ...], Meta(description="Source objects that are read but have no count.")]
    assumptions: tuple[str, ...]
    prerequisites: tuple[str, ...]
    budget: Budget
    schema: SchemaPhase
    phases: tuple[Phase, ...]
    edges: tuple[Edge, ...]
    cycles: tuple[Cycle, ...]
    delta: DeltaPass
    cutover: Cutover
    totals: Totals
