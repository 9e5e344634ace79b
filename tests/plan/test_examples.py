"""Snapshots of the plan (Markdown and JSON) of every examples/*.mig, with the sizes in docs/examples/<name>/counts.toml.

After an intended change to an example, the planner or a catalog, review and accept the new output with
`pytest tests/plan tests/docgen --snapshot-update`, then run `python -m migc.docgen.refresh`.
"""

from __future__ import annotations

import pytest

from migc.plan import render_json, render_markdown
from tests.plan.helpers import EXAMPLE_NAMES, ROOT, example_plan

RENDERERS = {"md": render_markdown, "json": render_json}


@pytest.mark.parametrize("format", sorted(RENDERERS))
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_plan_snapshot(name, format, snapshot) -> None:
    text = RENDERERS[format](example_plan(name))
    assert str(ROOT) not in text, "plans must not hold machine paths"
    assert text == snapshot
