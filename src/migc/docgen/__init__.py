"""The customer documents of a migration: scope page, lossy report and rebuild inventory.

`compile_documents(analysis, plan)` returns file name -> content for each document in Markdown
and HTML, rendered from the Jinja2 templates in `templates/` (HTML autoescaped). Output is
deterministic: no timestamps, no directories, everything in model or plan order.
"""

from __future__ import annotations

from migc.docgen.context import lossy_report, rebuild_inventory, scope_page
from migc.plan.model import LoadPlan
from migc.semantics.check import Analysis

__all__ = ["DOCUMENTS", "compile_documents"]

# Output name stem -> template stem.
DOCUMENTS = {"scope": "scope", "lossy-report": "lossy", "rebuild-inventory": "rebuild"}


def compile_documents(analysis: Analysis, plan: LoadPlan) -> dict[str, str]:
    """File name -> content: `scope`, `lossy-report` and `rebuild-inventory`, each `.md` and `.html`."""
    from migc.docgen.render import render

    contexts = {
        "scope": {"page": scope_page(analysis, plan)},
        "lossy": {"report": lossy_report(analysis, plan)},
        "rebuild": {"inventory": rebuild_inventory(analysis, plan)},
    }
    documents: dict[str, str] = {}
    for stem, template in DOCUMENTS.items():
        context = contexts[template]
        header = next(iter(context.values())).header
        for extension in ("md", "html"):
            documents[f"{stem}.{extension}"] = render(f"{template}.{extension}", header=header, **context)
    return dict(sorted(documents.items()))
