"""The committed JSON Schemas match the Structs, and every catalog validates (migc.catalog.jsonschema)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from migc.catalog import available_platforms
from migc.catalog.jsonschema import SCHEMA_FILES, main, schema_texts
from migc.resources import specs_dir


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_committed_schema_equals_generated(name: str) -> None:
    committed = (specs_dir() / name).read_text(encoding="utf-8")
    assert committed == schema_texts()[name], "stale schema: run python -m migc.catalog.jsonschema"


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((specs_dir() / name).read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@pytest.mark.parametrize("platform", available_platforms())
def test_every_catalog_validates_against_the_schema(platform: str) -> None:
    document = tomllib.loads((specs_dir() / f"{platform}.toml").read_text(encoding="utf-8"))
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in _validator("catalog.schema.json").iter_errors(document)]
    assert errors == []


def test_overlays_validate_and_the_schema_rejects_unknown_keys() -> None:
    validator = _validator("overlay.schema.json")
    for path in sorted((specs_dir() / "overlays").glob("*.overlay.toml")):
        assert list(validator.iter_errors(tomllib.loads(path.read_text(encoding="utf-8")))) == []
    broken = {"overlay": {"platform": "zoho_crm"}, "objects": {"Contacts": {"fields": {"X": {"colour": 1}}}}}
    assert not validator.is_valid(broken)
    catalog_validator = _validator("catalog.schema.json")
    assert not catalog_validator.is_valid({"platform": {}, "objects": {}})


def test_main_writes_then_check_passes_and_detects_staleness(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert "stale: catalog.schema.json, overlay.schema.json" in capsys.readouterr().err
    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0
    written = (tmp_path / "catalog.schema.json").read_text(encoding="utf-8")
    assert written.endswith("}\n") and json.loads(written)["$schema"].endswith("2020-12/schema")
