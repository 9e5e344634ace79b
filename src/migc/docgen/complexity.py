"""The complexity grade of a migration (A-E), computed from measurable inputs of the model and plan.

Seven factors, each worth a capped number of points (docs/complexity.md gives the table and
the reasons): the share of object rows that are not 1:1, lossy points, rebuild rows, the size of
the custom schema, lookups and second passes, API constraints of the target (one record per
call, search before create), and data volume as days at the target's daily budget. The sum
picks the grade by `THRESHOLDS`. The scope page prints every factor, so the grade can be checked.
"""

from __future__ import annotations

import math
from typing import Final

import msgspec

from migc.plan.model import LoadPlan
from migc.semantics.model import Model

# Upper bounds (exclusive) of each grade's score; E takes everything from the last bound up.
THRESHOLDS: Final = (("A", 15), ("B", 45), ("C", 60), ("D", 75))
LABELS: Final = {"A": "Simple", "B": "Standard", "C": "Involved", "D": "Complex", "E": "Very complex"}
MODULE_WEIGHT: Final = 3  # a custom module is a schema design of its own, worth three fields


class Factor(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    measure: str
    points: int
    maximum: int


class Complexity(msgspec.Struct, frozen=True, kw_only=True):
    grade: str
    label: str
    score: int
    factors: tuple[Factor, ...]


def grade(model: Model, plan: LoadPlan) -> Complexity:
    factors = (
        _compatibility(model),
        _loss(model),
        _rebuilds(model),
        _schema(model),
        _dependencies(plan),
        _api(plan),
        _volume(plan),
    )
    score = sum(f.points for f in factors)
    letter = next((name for name, bound in THRESHOLDS if score < bound), "E")
    return Complexity(grade=letter, label=LABELS[letter], score=score, factors=factors)


def _half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def _compatibility(model: Model) -> Factor:
    one_to_one, rows = model.compatibility
    share = (rows - one_to_one) / rows if rows else 0.0
    return Factor(name="Object compatibility", measure=f"{rows - one_to_one} of {rows} object rows are not 1:1",
                  points=_half_up(30 * share), maximum=30)


def _loss(model: Model) -> Factor:
    count = len(model.lossy)
    return Factor(name="Loss", measure=f"{count} lossy point{'s' if count != 1 else ''}", points=min(10, math.ceil(count / 4)), maximum=10)


def _rebuilds(model: Model) -> Factor:
    count = sum(1 for row in model.rows if row.classification == "rebuild")
    return Factor(name="Rebuilds", measure=f"{count} object row{'s' if count != 1 else ''} rebuilt by hand",
                  points=min(10, 3 * count), maximum=10)


def _schema(model: Model) -> Factor:
    modules = sum(1 for change in model.schema if change.kind == "module")
    others = len(model.schema) - modules
    size = MODULE_WEIGHT * modules + others
    return Factor(name="Custom schema", measure=f"{modules} custom module{'s' if modules != 1 else ''}, {others} field and picklist change{'s' if others != 1 else ''}",
                  points=min(10, math.ceil(size / 8)), maximum=10)


def _dependencies(plan: LoadPlan) -> Factor:
    refs = sum(1 for e in plan.edges if e.kind in ("ref", "cycle", "late"))
    second = sum(1 for p in plan.phases for s in p.steps if s.kind == "link")
    cycles = len(plan.cycles)
    parts = [f"{refs} lookup{'s' if refs != 1 else ''} between loaded objects", f"{second} second pass{'es' if second != 1 else ''}"]
    if cycles:
        parts.append(f"{cycles} cycle{'s' if cycles != 1 else ''}")
    return Factor(name="Dependencies", measure=", ".join(parts), points=min(10, refs + 3 * second + 10 * cycles), maximum=10)


def _api(plan: LoadPlan) -> Factor:
    single = sorted({s.object for p in plan.phases for s in p.steps if s.kind in ("insert", "upsert") and s.batch_size == 1})
    search = sorted({s.object for p in plan.phases for s in p.steps if s.kind == "lookup"})
    parts = []
    points = 0
    if single:
        parts.append("one record per call for " + ", ".join(single))
        points += 6
    if search:
        parts.append("search before create for " + ", ".join(search))
        points += 3
    return Factor(name="API constraints", measure="; ".join(parts) or "batch writes for every object", points=min(10, points), maximum=10)


def _volume(plan: LoadPlan) -> Factor:
    days = plan.totals.budget_days
    if not plan.counts_given or days is None:
        return Factor(name="Data volume", measure="no record counts given", points=0, maximum=10)
    points = 0 if days < 1 else 2 if days < 3 else 5 if days < 10 else 10
    return Factor(name="Data volume", measure=f"{days:.2f} days at the daily budget", points=points, maximum=10)
