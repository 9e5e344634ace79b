"""Everything `migc compile` writes for one mapping: the documents, the plan and the graph."""

from __future__ import annotations

from migc.docgen import compile_documents
from migc.plan import render_dot, render_json, render_markdown, render_mermaid
from migc.plan.model import LoadPlan
from migc.semantics.check import Analysis


def render_bundle(analysis: Analysis, plan: LoadPlan) -> dict[str, str]:
    """File name -> content, sorted by name."""
    files = compile_documents(analysis, plan)
    files.update({
        "plan.md": render_markdown(plan),
        "plan.json": render_json(plan),
        "graph.dot": render_dot(plan),
        "graph.mmd": render_mermaid(plan),
    })
    return dict(sorted(files.items()))
