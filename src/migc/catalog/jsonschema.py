"""Owns the JSON Schemas of catalogs and overlays, generated from their Structs.

`python -m migc.catalog.jsonschema` writes `specs/catalog.schema.json` and
`specs/overlay.schema.json`; `--check` only compares and exits 1 when a file is stale. Editors
use the schemas to validate and complete `specs/*.toml` (Taplo reads the `#:schema` comment).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import msgspec

from migc.catalog.overlay import Overlay
from migc.catalog.schema import Catalog
from migc.resources import specs_dir

__all__ = ["SCHEMA_FILES", "main", "render", "schema_texts"]

_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES: Final = {
    "catalog.schema.json": (Catalog, "migc platform catalog (specs/<platform>.toml)"),
    "overlay.schema.json": (Overlay, "migc account overlay (<account>.<platform>.overlay.toml)"),
}


def render(schema: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def schema_texts() -> dict[str, str]:
    """File name -> freshly generated schema text."""
    texts = {}
    for name, (struct_type, title) in SCHEMA_FILES.items():
        schema = {"$schema": _DIALECT, "title": title, **msgspec.json.schema(struct_type)}
        texts[name] = render(schema)
    return texts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migc.catalog.jsonschema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if a file is stale")
    parser.add_argument("--out", type=Path, default=None, help="directory to write (default: specs/)")
    options = parser.parse_args(argv)
    out_dir: Path = options.out or specs_dir()
    stale = []
    for name, text in schema_texts().items():
        target = out_dir / name
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            continue
        if options.check:
            stale.append(name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python -m migc.catalog.jsonschema", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
