"""Tests for migc.docgen.complexity and migc.docgen.timeline: factors, caps, thresholds, weeks."""

from __future__ import annotations

import msgspec
import pytest

from migc.docgen.complexity import LABELS, THRESHOLDS, grade
from migc.docgen.timeline import BASELINE_WEEKS, timeline
from migc.plan import build_plan
from tests.plan.helpers import CYCLE, EXAMPLE_NAMES, ORDERING, check_text, example, example_plan


def _factor(complexity, name):
    return next(f for f in complexity.factors if f.name == name)


def test_the_score_is_the_sum_of_capped_factors() -> None:
    for name in EXAMPLE_NAMES:
        complexity = grade(example(name).model, example_plan(name))
        assert complexity.score == sum(f.points for f in complexity.factors)
        assert all(0 <= f.points <= f.maximum for f in complexity.factors)
        assert complexity.label == LABELS[complexity.grade]


@pytest.mark.parametrize(("score", "letter"), [(0, "A"), (14, "A"), (15, "B"), (44, "B"), (45, "C"), (59, "C"), (60, "D"), (74, "D"), (75, "E"), (90, "E")])
def test_thresholds(score, letter) -> None:
    assert next((name for name, bound in THRESHOLDS if score < bound), "E") == letter


def test_measured_inputs(tmp_path) -> None:
    analysis = check_text(tmp_path, ORDERING)
    complexity = grade(analysis.model, build_plan(analysis, {"User": 10, "Task": 10, "MessageAnalytics": 10}))
    dependencies = _factor(complexity, "Dependencies")
    assert dependencies.measure == "1 lookup between loaded objects, 1 second pass"
    assert dependencies.points == 1 + 3
    assert _factor(complexity, "Custom schema").points == 1  # three fields
    assert _factor(complexity, "API constraints").points == 0  # Zoho writes 100 per call
    assert _factor(complexity, "Data volume").measure.endswith("days at the daily budget")


def test_a_cycle_maxes_out_dependencies(tmp_path) -> None:
    analysis = check_text(tmp_path, CYCLE)
    assert _factor(grade(analysis.model, build_plan(analysis)), "Dependencies").points == 10


def test_without_counts_volume_scores_nothing(tmp_path) -> None:
    analysis = check_text(tmp_path, ORDERING)
    assert _factor(grade(analysis.model, build_plan(analysis)), "Data volume").measure == "no record counts given"


def test_one_record_per_call_targets_score_api_points() -> None:
    complexity = grade(example("netmera_to_pipedrive").model, example_plan("netmera_to_pipedrive"))
    api = _factor(complexity, "API constraints")
    assert api.points == 9 and "one record per call" in api.measure and "search before create" in api.measure


def test_timeline_adds_the_weeks_of_a_long_load() -> None:
    plan = example_plan("netmera_to_zoho")
    short = timeline("B", plan)
    assert (short.low_weeks, short.high_weeks) == BASELINE_WEEKS["B"]
    long = timeline("B", msgspec.structs.replace(plan, totals=msgspec.structs.replace(plan.totals, seconds=10 * 86400.0)))
    assert (long.low_weeks, long.high_weeks) == (BASELINE_WEEKS["B"][0] + 2, BASELINE_WEEKS["B"][1] + 2)
    assert long.text == f"{BASELINE_WEEKS['B'][0] + 2}-{BASELINE_WEEKS['B'][1] + 2} weeks"
    assert "runs 10 calendar days" in long.parts[-1]
