"""The load plan: the order, calls and time of a migration, from a checked .mig file.

`build_plan(analysis, counts)` returns a frozen, versioned `LoadPlan`; `render_markdown(plan)`
prints it for people, `render_json(plan)` for tools (its schema: docs/plan.schema.json), and
`render_dot(plan)` / `render_mermaid(plan)` draw the dependency graph of the target objects.
Nothing here imports an HTTP library or Jinja2.
"""

from migc.plan.builder import PlanError, build_plan
from migc.plan.graph import render_dot, render_mermaid
from migc.plan.markdown import render_markdown
from migc.plan.model import PLAN_FORMAT_VERSION, LoadPlan
from migc.plan.render_json import render_json
from migc.plan.sizing import Sizing, SizingError, load_sizing

__all__ = [
    "PLAN_FORMAT_VERSION",
    "LoadPlan",
    "PlanError",
    "Sizing",
    "SizingError",
    "build_plan",
    "load_sizing",
    "render_dot",
    "render_json",
    "render_markdown",
    "render_mermaid",
]
