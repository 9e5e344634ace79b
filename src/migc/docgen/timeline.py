"""The timeline estimate of the scope page: the grade's engagement weeks plus the load's calendar time.

The engagement (discovery, schema design, sample run, cutover, one week of hypercare) takes the
weeks `BASELINE_WEEKS` gives for the complexity grade; a production load that runs longer than
`LOAD_DAYS_INSIDE_BASELINE` calendar days (waiting on daily budgets included) adds its own weeks.
docs/complexity.md explains the table.
"""

from __future__ import annotations

import math
from typing import Final

import msgspec

from migc.plan.model import LoadPlan

BASELINE_WEEKS: Final = {"A": (2, 3), "B": (3, 5), "C": (5, 8), "D": (8, 12), "E": (12, 16)}
LOAD_DAYS_INSIDE_BASELINE: Final = 2  # the baseline's production week absorbs a load this short


class Timeline(msgspec.Struct, frozen=True, kw_only=True):
    low_weeks: int
    high_weeks: int
    text: str
    parts: tuple[str, ...]


def timeline(grade: str, plan: LoadPlan) -> Timeline:
    low, high = BASELINE_WEEKS[grade]
    parts = [f"{low}-{high} weeks for a grade {grade} engagement: discovery, schema, sample run, cutover, hypercare"]
    load_days = math.ceil(plan.totals.seconds / 86_400) if plan.totals.seconds else 0
    extra = 0
    if not plan.counts_given:
        parts.append("load time unknown: no record counts given")
    elif load_days > LOAD_DAYS_INSIDE_BASELINE:
        extra = math.ceil(load_days / 7)
        parts.append(f"+{extra} week{'s' if extra != 1 else ''}: the production load runs {load_days} calendar days")
    else:
        parts.append(f"the production load fits in {max(load_days, 1)} day{'s' if max(load_days, 1) != 1 else ''}")
    return Timeline(low_weeks=low + extra, high_weeks=high + extra, text=f"{low + extra}-{high + extra} weeks", parts=tuple(parts))
