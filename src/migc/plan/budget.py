"""The target's rate budget for one tier, and how long a sequence of API calls takes under it.

From the target catalog's `limits` the planner keeps the constraints that apply to the assumed
tier: `rate` and `burst` windows (calls per window), `concurrency` (requests in flight), and a
`daily-tokens` budget (Pipedrive: tokens per seat x plan multiplier x seats, each call costing
tokens by operation). A window of a minute or less acts as a steady pace; a longer one (an hour,
a day) lets calls run at full pace until it is spent, then everything waits for it to reset.

`Pacer.run(steps)` walks the calls of the whole plan in order, because long windows are shared
by every phase: a day's credits spent on Contacts are gone for Notes. The windows are modelled
as fixed, starting with the first call; a rolling window frees its calls gradually instead of at
once, which changes the total by less than one window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import msgspec

from migc.catalog.schema import Catalog, RateBudget
from migc.plan.model import Budget, Constraint
from migc.plan.sizing import Sizing

SHORT_WINDOW_SECONDS: Final = 60.0  # windows up to a minute pace calls; longer ones are spent and wait
DAY: Final = 86_400.0
_ALL_TIERS: Final = frozenset({"", "every plan"})

# Token cost keys for each operation when the target counts tokens. A create has no published
# cost: it is assumed to cost what an update does (said in the plan's assumptions).
_TOKEN_COST_KEYS: Final = {
    "create": ("create", "add", "update"),
    "upsert": ("upsert", "update"),
    "update": ("update",),
    "search": ("search",),
    "read": ("get",),
    "schema": ("create", "add", "update"),
}


class BudgetError(Exception):
    """The tier asked for is not one the target catalog publishes."""


def tiers(catalog: Catalog) -> tuple[str, ...]:
    """Every tier named in the target's limits, in catalog order (cheapest first, as catalogs list them)."""
    limits = catalog.platform.limits
    names: list[str] = []
    for entry in (*limits.rate, *limits.burst, *limits.concurrency):
        names.extend(_plan_names(entry.plan))
    if limits.daily_tokens is not None:
        names.extend(limits.daily_tokens.plan_multipliers)
    return tuple(dict.fromkeys(names))


def _plan_names(plan: str) -> list[str]:
    if plan.strip().lower() in _ALL_TIERS:
        return []
    return [part.strip() for part in plan.split("/") if part.strip()]


def applies_to_tier(plan: str, tier: str) -> bool:
    """Whether a limit published for `plan` ("Free / Growth", "" for all) binds an account on `tier`."""
    names = _plan_names(plan)
    return not names or tier.lower() in (name.lower() for name in names)


def budget_for(catalog: Catalog, sizing: Sizing) -> Budget:
    """The constraints of the sizing's tier (or the lowest published tier when none is given)."""
    published = tiers(catalog)
    limits = catalog.platform.limits
    if sizing.tier:
        matches = [name for name in published if name.lower() == sizing.tier.lower()]
        if published and not matches:
            raise BudgetError(
                f"`{sizing.tier}` is not a tier {catalog.platform.label} publishes limits for; tiers: " + ", ".join(published)
            )
        tier = matches[0] if matches else sizing.tier
        basis = "given in the counts file"
    else:
        tier = published[0] if published else ""
        basis = "not given: the lowest published tier is assumed (set `assume.tier` in the counts file)"
    constraints: list[Constraint] = []
    for kind, entries in (("rate", limits.rate), ("burst", limits.burst)):
        for entry in entries:
            if applies_to_tier(entry.plan, tier):
                constraints.append(_window(kind, entry))
    concurrency = [c for c in limits.concurrency if applies_to_tier(c.plan, tier)]
    for entry in concurrency:
        constraints.append(Constraint(
            kind="concurrency", limit=f"{entry.max} requests in flight", calls=float(entry.max),
            per_seconds=sizing.call_seconds, scope=entry.scope, plan=entry.plan, applies_to="",
            source=entry.doc, unconfirmed=entry.unconfirmed,
        ))
    in_flight = min((c.max for c in concurrency), default=sizing.in_flight)
    if not concurrency:
        constraints.append(Constraint(
            kind="client", limit=f"{sizing.in_flight} requests in flight (no published limit)", calls=float(sizing.in_flight),
            per_seconds=sizing.call_seconds, scope="the migc loader", plan="", applies_to="", source="",
            unconfirmed="an assumption of the plan, not a published limit",
        ))
    tokens = limits.daily_tokens
    if tokens is not None:
        multiplier = next((v for k, v in tokens.plan_multipliers.items() if k.lower() == tier.lower()), 1)
        daily = tokens.tokens_per_seat * multiplier * sizing.seats
        constraints.append(Constraint(
            kind="daily-tokens",
            limit=f"{_n(daily)} tokens per day ({_n(tokens.tokens_per_seat)} x {multiplier} x {sizing.seats} seat{'s' if sizing.seats != 1 else ''})",
            calls=float(daily), per_seconds=DAY, scope="company", plan=tier, applies_to="",
            source=tokens.doc, unconfirmed=tokens.unconfirmed,
        ))
    return Budget(
        tier=tier, tier_basis=basis, tiers=published, seats=sizing.seats, call_seconds=sizing.call_seconds,
        in_flight=in_flight, constraints=tuple(constraints),
    )


def _window(kind: str, entry: RateBudget) -> Constraint:
    return Constraint(
        kind=kind, limit=f"{_n(entry.calls)} calls per {duration_words(entry.per_seconds)}", calls=float(entry.calls),
        per_seconds=float(entry.per_seconds), scope=entry.scope, plan=entry.plan, applies_to=entry.applies_to,
        source=entry.doc, unconfirmed=entry.unconfirmed,
    )


def token_cost(catalog: Catalog, operation: str) -> int:
    """Daily tokens one call of `operation` costs (1 when the target does not count tokens)."""
    tokens = catalog.platform.limits.daily_tokens
    if tokens is None:
        return 1
    for key in _TOKEN_COST_KEYS.get(operation, ()):
        if key in tokens.costs:
            return tokens.costs[key]
    return max(tokens.costs.values(), default=1)


def _limits_operation(constraint: Constraint, operation: str) -> bool:
    """Whether a constraint limits calls of `operation` (a search-only window limits only searches)."""
    if not constraint.applies_to:
        return True
    if "search" in constraint.applies_to.lower():
        return operation == "search"
    return True


class Pace(msgspec.Struct, frozen=True, kw_only=True):
    seconds: float
    binding: str


class StepCalls(msgspec.Struct, frozen=True, kw_only=True):
    calls: int
    operation: str
    units_per_call: int  # daily tokens per call (1 when the target counts calls)


class _Window:
    """A long window in the simulation: `capacity` units (calls or tokens) per `length` seconds."""

    def __init__(self, constraint: Constraint) -> None:
        self.constraint = constraint
        self.capacity = constraint.calls
        self.length = constraint.per_seconds
        self.used = 0.0  # units spent in the current window
        self.index = 0  # which window (0 = the one the first call opens)
        self.spent = 0.0  # units over the whole run, for `budget_days`

    @property
    def end(self) -> float:
        return (self.index + 1) * self.length

    def roll(self, now: float) -> None:
        index = int(now // self.length)
        if index > self.index:
            self.index = index
            self.used = 0.0

    def room(self, units: int) -> float:
        """Calls costing `units` each that still fit in the current window."""
        return max(0.0, (self.capacity - self.used) / units)


def label(constraint: Constraint) -> str:
    where = f", {constraint.plan}" if constraint.plan else ""
    return f"{constraint.kind}: {constraint.limit} ({constraint.scope}{where})"


class Pacer:
    """Times the plan's calls in order under one budget (see the module docstring)."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.now = 0.0
        self._windows = [
            _Window(c) for c in budget.constraints
            if c.kind == "daily-tokens" or (c.kind in ("rate", "burst") and c.per_seconds > SHORT_WINDOW_SECONDS)
        ]

    def _speed(self, operation: str) -> tuple[float, str]:
        """Calls per second before any long window is spent, and the constraint that sets it."""
        best = (math.inf, "")
        for constraint in self.budget.constraints:
            if not _limits_operation(constraint, operation):
                continue
            paced = constraint.kind in ("concurrency", "client") or (
                constraint.kind in ("rate", "burst") and constraint.per_seconds <= SHORT_WINDOW_SECONDS
            )
            if paced and constraint.calls / constraint.per_seconds < best[0]:
                best = (constraint.calls / constraint.per_seconds, label(constraint))
        return best

    def run(self, step: StepCalls) -> Pace:
        """Advances the clock over `step`'s calls; returns its duration and what bound it."""
        start = self.now
        speed, speed_label = self._speed(step.operation)
        windows = [
            (w, step.units_per_call if w.constraint.kind == "daily-tokens" else 1)
            for w in self._windows if _limits_operation(w.constraint, step.operation)
        ]
        waits: dict[str, float] = {}
        remaining = float(step.calls)
        while remaining > 1e-9:
            for window, _ in windows:
                window.roll(self.now)
            room = min((w.room(units) for w, units in windows), default=math.inf)
            if room <= 1e-9:
                spent = min((w for w, units in windows if w.room(units) <= 1e-9), key=lambda w: w.end)
                name = label(spent.constraint)
                waits[name] = waits.get(name, 0.0) + spent.end - self.now
                self.now = spent.end
                continue
            horizon = min((w.end - self.now for w, _ in windows), default=math.inf)
            calls = min(remaining, room, speed * horizon)
            if speed != math.inf:
                self.now += calls / speed
            for window, units in windows:
                window.used += calls * units
                window.spent += calls * units
            remaining -= calls
        if waits:
            binding = max(sorted(waits), key=lambda name: waits[name])
        else:
            binding = speed_label or "no published limit"
        return Pace(seconds=self.now - start, binding=binding)

    def budget_days(self) -> tuple[float | None, str]:
        """Days of the tightest long budget the calls so far consume, and that budget."""
        best: tuple[float | None, str] = (None, "")
        for window in self._windows:
            days = window.spent / (window.capacity * DAY / window.length)
            if best[0] is None or days > best[0]:
                best = (days, label(window.constraint))
        return best


def duration_words(seconds: float) -> str:
    """A window length in words: "2 s", "1 h", "24 h"."""
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def pace_all(budget: Budget, steps: Sequence[StepCalls]) -> list[Pace]:
    pacer = Pacer(budget)
    return [pacer.run(step) for step in steps]
