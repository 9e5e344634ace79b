"""Tests for migc.plan.budget: which limits apply to a tier, and the pacing of calls under them."""

from __future__ import annotations

import pytest

from migc.catalog import load_catalog
from migc.plan.budget import BudgetError, Pacer, StepCalls, budget_for, tiers, token_cost
from migc.plan.model import Budget, Constraint
from migc.plan.sizing import Sizing


def _constraint(kind: str, calls: float, per_seconds: float, applies_to: str = "") -> Constraint:
    return Constraint(kind=kind, limit=f"{calls:g}/{per_seconds:g}", calls=calls, per_seconds=per_seconds, scope="test",
                      plan="", applies_to=applies_to, source="", unconfirmed="")


def _budget(*constraints: Constraint) -> Budget:
    return Budget(tier="T", tier_basis="test", tiers=("T",), seats=1, call_seconds=1.0, in_flight=10, constraints=constraints)


class TestPacing:
    def test_concurrency_alone_sets_the_pace(self) -> None:
        pace = Pacer(_budget(_constraint("concurrency", 10, 1.0))).run(StepCalls(calls=100, operation="create", units_per_call=1))
        assert pace.seconds == pytest.approx(10.0)
        assert pace.binding.startswith("concurrency")

    def test_a_long_window_is_spent_then_waited_out(self) -> None:
        budget = _budget(_constraint("rate", 1000, 3600), _constraint("client", 10, 1.0))
        pace = Pacer(budget).run(StepCalls(calls=2500, operation="create", units_per_call=1))
        # 1,000 calls in 100 s, wait for 3,600; again until 7,200; the last 500 take 50 s.
        assert pace.seconds == pytest.approx(7250.0)
        assert pace.binding.startswith("rate: 1000/3600")

    def test_a_long_window_is_shared_by_later_steps(self) -> None:
        pacer = Pacer(_budget(_constraint("rate", 1000, 3600), _constraint("client", 10, 1.0)))
        first = pacer.run(StepCalls(calls=600, operation="create", units_per_call=1))
        second = pacer.run(StepCalls(calls=600, operation="update", units_per_call=1))
        assert first.seconds == pytest.approx(60.0)
        assert second.seconds == pytest.approx(3600 - 60 + 20)  # 400 fit, then the window resets
        days, constraint = pacer.budget_days()
        assert days == pytest.approx(1200 / 24000) and constraint.startswith("rate")

    def test_a_short_window_paces_like_a_rate(self) -> None:
        budget = _budget(_constraint("burst", 20, 2), _constraint("client", 100, 1.0))
        pace = Pacer(budget).run(StepCalls(calls=100, operation="create", units_per_call=1))
        assert pace.seconds == pytest.approx(10.0) and pace.binding.startswith("burst")

    def test_a_search_only_window_does_not_slow_writes(self) -> None:
        budget = _budget(_constraint("burst", 10, 2, applies_to="search endpoints"), _constraint("client", 10, 1.0))
        pacer = Pacer(budget)
        assert pacer.run(StepCalls(calls=100, operation="create", units_per_call=1)).seconds == pytest.approx(10.0)
        assert pacer.run(StepCalls(calls=100, operation="search", units_per_call=1)).seconds == pytest.approx(20.0)

    def test_daily_tokens_count_the_cost_of_each_call(self) -> None:
        budget = _budget(_constraint("daily-tokens", 1000, 86400), _constraint("client", 10, 1.0))
        pace = Pacer(budget).run(StepCalls(calls=150, operation="search", units_per_call=10))
        # 100 searches spend the day's 1,000 tokens in 10 s; the other 50 run after the reset.
        assert pace.seconds == pytest.approx(86400 + 5)
        assert pace.binding.startswith("daily-tokens")


class TestBudgetFor:
    def test_the_lowest_tier_is_assumed_when_none_is_given(self) -> None:
        budget = budget_for(load_catalog("zoho_crm"), Sizing())
        assert budget.tier == "Free" and "lowest published tier" in budget.tier_basis
        assert [c.kind for c in budget.constraints] == ["rate", "concurrency", "concurrency"]
        assert budget.in_flight == 5

    def test_a_tier_picks_its_own_limits_and_the_limits_of_every_tier(self) -> None:
        budget = budget_for(load_catalog("zoho_crm"), Sizing(tier="professional"))
        assert budget.tier == "Professional"
        assert {c.calls for c in budget.constraints if c.kind == "concurrency"} == {15.0, 10.0}
        assert budget.in_flight == 10  # heavy calls (batch inserts) allow fewer than the tier

    def test_daily_tokens_grow_with_plan_and_seats(self) -> None:
        budget = budget_for(load_catalog("pipedrive"), Sizing(tier="Professional", seats=10))
        tokens = next(c for c in budget.constraints if c.kind == "daily-tokens")
        assert tokens.calls == 30000 * 3 * 10
        assert next(c for c in budget.constraints if c.kind == "client").calls == 10  # no published concurrency

    def test_an_unknown_tier_is_refused(self) -> None:
        with pytest.raises(BudgetError, match="tiers: Free, Growth, Pro, Enterprise"):
            budget_for(load_catalog("freshsales"), Sizing(tier="Platinum"))

    def test_tiers_are_listed_in_catalog_order(self) -> None:
        assert tiers(load_catalog("freshsales")) == ("Free", "Growth", "Pro", "Enterprise")

    def test_token_costs(self) -> None:
        pipedrive, zoho = load_catalog("pipedrive"), load_catalog("zoho_crm")
        assert token_cost(pipedrive, "search") == 40
        assert token_cost(pipedrive, "create") == token_cost(pipedrive, "update") == 10  # no published create cost
        assert token_cost(zoho, "create") == 1
