"""Owns writing plain data (dicts, lists, str, int, float, bool) as deterministic TOML.

msgspec.toml.encode needs the optional `tomli_w` package, which is not a dependency; overlays only
hold plain data, so a small writer is enough. Keys are sorted, nested dictionaries become
`[dotted.table]` sections, dictionaries inside lists become inline tables.
"""

from __future__ import annotations

import json
import math
import re
from typing import Final

__all__ = ["dumps"]

_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(data: dict[str, object]) -> str:
    """`data` as a TOML document: sorted keys, scalars before sub-tables, a trailing newline."""
    lines: list[str] = []
    _write_table(lines, (), data)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _write_table(lines: list[str], path: tuple[str, ...], table: dict[str, object]) -> None:
    items = sorted(table.items())
    scalars = [(key, value) for key, value in items if not isinstance(value, dict)]
    tables = [(key, value) for key, value in items if isinstance(value, dict)]
    # A header is needed for the table's own keys, and for an empty table to exist at all.
    if path and (scalars or not tables):
        lines.append(f"[{'.'.join(_key(part) for part in path)}]")
    for key, value in scalars:
        lines.append(f"{_key(key)} = {_value(value)}")
    if scalars:
        lines.append("")
    for key, value in tables:
        _write_table(lines, (*path, key), value)  # type: ignore[arg-type]


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are a subset of TOML basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        body = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in sorted(value.items()))
        return "{" + (f" {body} " if body else "") + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
