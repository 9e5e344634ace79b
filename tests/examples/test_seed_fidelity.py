"""Each example maps every object row of its seed scope page with the seed's cardinality."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc import api
from tests.examples.seeds import seeds

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
# The platform names of the scope pages, as the catalogs name them.
PLATFORMS = {"Netmera": "netmera", "Actimo": "actimo", "Customer.io": "customerio", "Zoho CRM": "zoho_crm", "Freshsales": "freshsales", "Pipedrive": "pipedrive"}


# Example files use short names (netmera_to_zoho.mig).
FILE_NAMES = {**PLATFORMS, "Zoho CRM": "zoho"}


def _example_for(seed) -> Path:
    return EXAMPLES / f"{FILE_NAMES[seed.source]}_to_{FILE_NAMES[seed.target]}.mig"


@pytest.mark.parametrize("seed", seeds(), ids=lambda s: f"{s.source}->{s.target}")
def test_example_maps_every_seed_row(seed) -> None:
    path = _example_for(seed)
    if not path.exists():
        pytest.fail(f"no example for {seed.source} -> {seed.target}: expected {path.name}")
    result = api.check(path)
    errors = [d for d in result.diagnostics if d.is_error]
    assert not errors, [f"{d.span}: {d.message}" for d in errors]
    model = result.model
    assert model is not None
    assert model.header.source == PLATFORMS[seed.source] and model.header.target == PLATFORMS[seed.target]
    rows = {row.label: row for row in model.rows}
    for seed_row in seed.rows:
        assert seed_row.source in rows, f"the seed's row {seed_row.source!r} has no `object` block"
        row = rows[seed_row.source]
        assert row.target_label == seed_row.target, f"{seed_row.source}: target {row.target_label!r} != {seed_row.target!r}"
        assert row.declared == seed_row.cardinality, f"{seed_row.source}: {row.declared} != {seed_row.cardinality}"
        assert row.maps or row.extends or row.rebuilds, f"{seed_row.source}: the row maps nothing"
    assert len(model.rows) == len(seed.rows), f"rows beyond the seed's: {sorted(set(rows) - {r.source for r in seed.rows})}"


@pytest.mark.parametrize("seed", seeds(), ids=lambda s: f"{s.source}->{s.target}")
def test_compatibility_is_computed_as_the_seed_states(seed) -> None:
    path = _example_for(seed)
    if not path.exists():
        pytest.fail(f"no example for {seed.source} -> {seed.target}")
    assert api.check(path).model.compatibility == seed.compatibility
