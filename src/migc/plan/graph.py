"""The dependency graph of the target objects as Graphviz DOT or Mermaid (`migc graph`).

Nodes are the plan's phases in load order ("2. Contacts"), plus the objects lookups resolve
against without loading them (existing Users), drawn dashed. An arrow runs from the object a
lookup needs to the object holding the lookup, so arrows follow the load order; each is labelled
with the lookup field. A self-reference is a dashed loop marked "second pass", a merge's lookup
to an object loaded later is dashed (the merge waits until every object exists); the objects and
arrows of a cycle are red.
"""

from __future__ import annotations

from migc.plan.model import Edge, LoadPlan

_CYCLE_COLOUR = "#c62828"


def _nodes(plan: LoadPlan) -> list[tuple[str, str, str]]:
    """(object, caption, kind) for every node: phases in order, then objects only looked up."""
    in_cycle = {name for cycle in plan.cycles for name in cycle.objects}
    nodes = [(p.object, f"{p.number}. {p.object}", "cycle" if p.object in in_cycle else "phase") for p in plan.phases if not p.late]
    loaded = {p.object for p in plan.phases if not p.late}
    for name in dict.fromkeys(e.target for e in plan.edges if e.target not in loaded):
        nodes.append((name, f"{name} (existing)" if _preexisting(plan, name) else f"{name} (not loaded)", "outside"))
    return nodes


def _preexisting(plan: LoadPlan, name: str) -> bool:
    return any(e.target == name and e.kind == "preexisting" for e in plan.edges) and any(
        lookup.target == name and lookup.resolution == "preexisting" for p in plan.phases for lookup in p.lookups
    )


def _edge_label(edge: Edge) -> str:
    if edge.kind == "self":
        return f"{edge.field} (second pass)"
    if edge.kind == "late":
        return f"{edge.field} (merge, after all creates)"
    return edge.field


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(plan: LoadPlan) -> str:
    lines = [
        f"digraph {_dot_quote(plan.migration)} {{",
        "  rankdir=TB;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for name, caption, kind in _nodes(plan):
        attributes = [f"label={_dot_quote(caption)}"]
        if kind == "cycle":
            attributes.append(f'color="{_CYCLE_COLOUR}", penwidth=2')
        elif kind == "outside":
            attributes.append('style="rounded,dashed"')
        lines.append(f"  {_dot_quote(name)} [{', '.join(attributes)}];")
    for edge in plan.edges:
        attributes = [f"label={_dot_quote(_edge_label(edge))}"]
        if edge.kind in ("self", "late"):
            attributes.append("style=dashed")
        elif edge.kind == "cycle":
            attributes.append(f'color="{_CYCLE_COLOUR}", fontcolor="{_CYCLE_COLOUR}", penwidth=2')
        elif edge.kind == "preexisting":
            attributes.append("style=dashed")
        lines.append(f"  {_dot_quote(edge.target)} -> {_dot_quote(edge.dependent)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def render_mermaid(plan: LoadPlan) -> str:
    nodes = _nodes(plan)
    ids = {name: f"n{index}" for index, (name, _, _) in enumerate(nodes, start=1)}
    lines = ["flowchart TD"]
    for name, caption, kind in nodes:
        shape = f"[{_mermaid_text(caption)}]" if kind != "outside" else f"([{_mermaid_text(caption)}])"
        lines.append(f"  {ids[name]}{shape}")
    cycle_links = []
    for index, edge in enumerate(plan.edges):
        arrow = "-.->" if edge.kind in ("self", "preexisting", "late") else "-->"
        lines.append(f"  {ids[edge.target]} {arrow}|{_mermaid_text(_edge_label(edge))}| {ids[edge.dependent]}")
        if edge.kind == "cycle":
            cycle_links.append(str(index))
    cycle_nodes = [ids[name] for name, _, kind in nodes if kind == "cycle"]
    if cycle_nodes:
        lines.append(f"  classDef cycle stroke:{_CYCLE_COLOUR},stroke-width:2px,color:{_CYCLE_COLOUR}")
        lines.append(f"  class {','.join(cycle_nodes)} cycle")
    if cycle_links:
        lines.append(f"  linkStyle {','.join(cycle_links)} stroke:{_CYCLE_COLOUR},stroke-width:2px")
    outside = [ids[name] for name, _, kind in nodes if kind == "outside"]
    if outside:
        lines.append("  classDef outside stroke-dasharray: 4 3")
        lines.append(f"  class {','.join(outside)} outside")
    return "\n".join(lines) + "\n"
