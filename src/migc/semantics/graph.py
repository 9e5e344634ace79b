"""The object dependency graph: which target objects must load before which, cycles, and order.

An edge `dependent -> target` exists when a field of `dependent` holds a `ref` to `target`.
The load order is a topological order that, among objects free to go next, keeps the order in
which the file first loads them (so the plan reads like the file). A self-reference (a Contact's
manager is a Contact) is not a cycle: it is resolved by a second pass that updates the lookup.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from migc.semantics.model import RefEdge


class GraphResult(msgspec.Struct, frozen=True, kw_only=True):
    order: tuple[str, ...]
    cycles: tuple[tuple[str, ...], ...]
    self_refs: tuple[RefEdge, ...]


def dependency_order(objects: Sequence[str], edges: Sequence[RefEdge]) -> GraphResult:
    """Orders `objects` (in first-appearance order) so every ref target precedes its dependents."""
    position = {name: index for index, name in enumerate(objects)}
    depends: dict[str, set[str]] = {name: set() for name in objects}
    self_refs = []
    for edge in edges:
        if edge.late or edge.dependent not in position or edge.target not in position:
            continue
        if edge.dependent == edge.target:
            self_refs.append(edge)
            continue
        depends[edge.dependent].add(edge.target)
    order: list[str] = []
    placed: set[str] = set()
    remaining = list(objects)
    while remaining:
        ready = next((name for name in remaining if depends[name] <= placed), None)
        if ready is None:
            break
        order.append(ready)
        placed.add(ready)
        remaining.remove(ready)
    cycles = _cycles(remaining, depends) if remaining else ()
    # Objects caught in a cycle still appear, in file order, so later stages can report on them.
    order.extend(remaining)
    return GraphResult(order=tuple(order), cycles=cycles, self_refs=tuple(self_refs))


def _cycles(nodes: list[str], depends: dict[str, set[str]]) -> tuple[tuple[str, ...], ...]:
    """The elementary cycles among `nodes`, each reported once, starting at its first node in file order."""
    found: list[tuple[str, ...]] = []
    seen: set[frozenset[str]] = set()
    members = set(nodes)
    for start in nodes:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(depends[node] & members, key=nodes.index):
                if nxt == start:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        found.append(tuple(path))
                elif nxt not in path and nodes.index(nxt) > nodes.index(start):
                    stack.append((nxt, path + [nxt]))
    return tuple(found)


def order_conflicts(declared: Sequence[str], edges: Sequence[RefEdge]) -> list[RefEdge]:
    """Edges whose target is declared to load after (or not before) their dependent."""
    position = {name: index for index, name in enumerate(declared)}
    conflicts = []
    for edge in edges:
        if edge.dependent == edge.target or edge.late:
            continue
        if edge.dependent in position and edge.target in position and position[edge.target] > position[edge.dependent]:
            conflicts.append(edge)
    return conflicts
