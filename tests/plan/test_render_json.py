"""Tests for migc.plan.render_json: the published schema is current, and real plans validate against it."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from migc.plan import render_json
from migc.plan.jsonschema import plan_schema_text
from tests.plan.helpers import EXAMPLE_NAMES, ROOT, example_plan

SCHEMA_PATH = ROOT / "docs" / "plan.schema.json"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_the_published_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == plan_schema_text(), (
        "docs/plan.schema.json is stale: run `python -m migc.plan.jsonschema > docs/plan.schema.json`"
    )


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_plan_validates(validator, name) -> None:
    document = json.loads(render_json(example_plan(name)))
    validator.validate(document)
    assert document["version"] == 1


def test_the_schema_rejects_a_broken_plan(validator) -> None:
    document = json.loads(render_json(example_plan(EXAMPLE_NAMES[0])))
    document["version"] = 2
    assert not validator.is_valid(document)
    document["version"] = 1
    del document["phases"][0]["steps"][0]["batch_size"]
    assert not validator.is_valid(document)
