"""The plan as JSON (`migc plan --format json`): the `LoadPlan` Structs encoded in field order."""

from __future__ import annotations

import msgspec

from migc.plan.model import LoadPlan


def render_json(plan: LoadPlan) -> str:
    """Two-space indented JSON in the Structs' field order, with a final newline."""
    return msgspec.json.format(msgspec.json.encode(plan), indent=2).decode("utf-8") + "\n"
