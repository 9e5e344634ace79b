"""Record estimates per map, from the counts of source records and the shape of each map.

The rules, each stated in the estimate's `basis` so a reviewer can check it:

- a map id in the counts file wins (`"User->Accounts" = 2500`): it is the only way to give the
  real number of distinct keys, groups or routed records;
- otherwise the map starts from its source's count;
- routing: when a source's creating maps route with `where` and end in `otherwise`, every record
  lands in exactly one of them, and the plan assumes an even split of what the counts file does
  not already give to one of them; a `where` without an
  `otherwise` is a filter, and all records are assumed to pass (an upper bound);
- `distinct by` and `summarize by` load one record per key: at most one per source record
  (an upper bound);
- `limit N per X` keeps at most N records per X: without the number of X, all records (an upper
  bound);
- a `merge` updates records another map created, so it cannot touch more than those.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from migc.plan.details import MapDetails
from migc.plan.model import Estimate
from migc.semantics.model import MapInfo


def estimate_maps(
    maps: Sequence[MapInfo], counts: Mapping[str, int] | None, details: Mapping[str, MapDetails]
) -> dict[str, Estimate]:
    """Map id -> estimate; creating maps first, so merges can be bounded by what was created."""
    counts = counts or {}
    result: dict[str, Estimate] = {}
    for info in maps:
        if not info.merge:
            result[info.id] = _estimate(info, maps, counts, details)
    created: dict[str, int | None] = {}
    for info in maps:
        if not info.merge:
            records = result[info.id].records
            before = created.get(info.target, 0)
            created[info.target] = None if records is None or before is None else before + records
    for info in maps:
        if info.merge:
            own = _estimate(info, maps, counts, details)
            limit = created.get(info.target)
            if own.records is not None and limit is not None and limit < own.records and info.id not in counts:
                own = Estimate(
                    records=limit,
                    basis=f"{own.basis}; a merge updates at most the {limit:,} {info.target} records created before it",
                    upper_bound=True,
                )
            result[info.id] = own
    return result


def _estimate(info: MapInfo, maps: Sequence[MapInfo], counts: Mapping[str, int], details: Mapping[str, MapDetails]) -> Estimate:
    if info.id in counts:
        return Estimate(records=counts[info.id], basis=f'counts file: "{info.id}"')
    total = counts.get(info.source)
    if total is None:
        return Estimate(records=None, basis=f"no count for {info.source}")
    detail = details.get(info.id, MapDetails())
    records = total
    reasons = [f"{total:,} {info.source} records"]
    upper = False
    if info.route:
        routes = [m for m in maps if m.source == info.source and m.route and not m.merge]
        split = any(m.route == "otherwise" for m in routes) and not info.merge
        if split and info in routes:
            # Routes the counts file sizes take their share first; the rest split what is left.
            given = sum(counts[m.id] for m in routes if m.id in counts)
            open_routes = [m for m in routes if m.id not in counts]
            records = math.ceil(max(0, total - given) / len(open_routes))
            if given:
                reasons.append(f"less {given:,} the counts file gives other routes, split evenly over the {len(open_routes)} left")
            else:
                reasons.append(f"split evenly over {len(routes)} routes (where ... otherwise)")
        elif info.route == "where":
            upper = True
            condition = f" `{detail.condition}`" if detail.condition else ""
            reasons.append(f"all assumed to pass the filter{condition}")
    if info.grouping:
        upper = True
        by = f" by {detail.group_by}" if detail.group_by else ""
        reasons.append(f"{info.grouping}{by}: at most one record per source record")
    if info.limit is not None:
        upper = True
        per = f" per {detail.limit_per}" if detail.limit_per else ""
        reasons.append(f"limit {info.limit}{per}: all records without a count of groups")
    return Estimate(records=records, basis="; ".join(reasons), upper_bound=upper)
