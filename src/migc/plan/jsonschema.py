"""The JSON Schema of `migc plan --format json`, generated from the `LoadPlan` Structs.

`python -m migc.plan.jsonschema > docs/plan.schema.json` regenerates the published schema;
a test fails when the file and the Structs in `migc.plan.model` disagree.
"""

from __future__ import annotations

import json
import sys

import msgspec

from migc.plan.model import PLAN_FORMAT_VERSION, LoadPlan


def plan_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the plan document."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"migc load plan, version {PLAN_FORMAT_VERSION}",
        "description": "The output of `migc plan --format json`. Generated from migc.plan.model.LoadPlan by "
        "`python -m migc.plan.jsonschema`; docs/plan-json.md describes it and its versioning rule.",
        **msgspec.json.schema(LoadPlan),
    }


def plan_schema_text() -> str:
    """The schema as docs/plan.schema.json holds it: two-space indents, a final newline."""
    return json.dumps(plan_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(plan_schema_text())
