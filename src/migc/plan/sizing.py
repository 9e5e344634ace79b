"""The sizing file of `migc plan --counts`: record counts per source object and the assumed account.

A TOML or JSON file. Top-level integers count records: a source object's name counts its records
(`User = 120000`); a map id counts what one map loads when the plan cannot derive it
(`"User->Accounts" = 2500` for distinct companies, `"Event->Tasks" = 40000` for a routing split).
An optional `[assume]` table sets the target account and environment the estimate assumes:

    [assume]
    tier = "Professional"   # the target's edition (its rate budget)
    seats = 10              # user licences (daily token budgets grow with seats)
    call-seconds = 1.0      # assumed round trip of one write call
    in-flight = 10          # requests in flight when the target publishes no concurrency limit

Errors are `SizingError`s that name the file and the key; nothing here raises a traceback.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Final

import msgspec

DEFAULT_CALL_SECONDS: Final = 1.0  # unmeasured against the vendors: a sandbox round trip is far shorter
DEFAULT_IN_FLIGHT: Final = 10  # the connectors' usual parallelism when a platform publishes no limit
DEFAULT_SEATS: Final = 1  # the smallest account: daily token budgets are then the tightest


class SizingError(Exception):
    """A sizing file that cannot be read or has a key or value the planner cannot use."""


class Sizing(msgspec.Struct, frozen=True, kw_only=True):
    counts: dict[str, int] = {}
    tier: str = ""
    seats: int = DEFAULT_SEATS
    call_seconds: float = DEFAULT_CALL_SECONDS
    in_flight: int = DEFAULT_IN_FLIGHT
    seats_given: bool = False


_ASSUME_KEYS: Final = {"tier", "seats", "call-seconds", "in-flight"}


def load_sizing(path: Path) -> Sizing:
    """Reads a sizing file (`.json` as JSON, anything else as TOML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SizingError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SizingError(f"{path}: cannot be read ({error})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        kind = "JSON" if path.suffix == ".json" else "TOML"
        raise SizingError(f"{path}: not valid {kind}: {error}") from None
    return parse_sizing(data, str(path))


def parse_sizing(data: object, name: str = "<counts>") -> Sizing:
    """Validates decoded sizing data; `name` prefixes every error message."""
    if not isinstance(data, dict):
        raise SizingError(f"{name}: expected a table of record counts")
    counts: dict[str, int] = {}
    assume: dict = {}
    for key, value in data.items():
        if key == "assume":
            if not isinstance(value, dict):
                raise SizingError(f"{name}: `assume` must be a table (tier, seats, call-seconds, in-flight)")
            assume = value
        elif isinstance(value, bool) or not isinstance(value, int):
            raise SizingError(f"{name}: `{key}` must be a whole number of records, not {type(value).__name__}")
        elif value < 0:
            raise SizingError(f"{name}: `{key}` must not be negative")
        else:
            counts[key] = value
    unknown = sorted(set(assume) - _ASSUME_KEYS)
    if unknown:
        raise SizingError(f"{name}: unknown key `assume.{unknown[0]}`; expected one of " + ", ".join(sorted(_ASSUME_KEYS)))
    tier = assume.get("tier", "")
    if not isinstance(tier, str):
        raise SizingError(f"{name}: `assume.tier` must be a string")
    seats = _positive(assume.get("seats", DEFAULT_SEATS), f"{name}: `assume.seats`", integer=True)
    call_seconds = _positive(assume.get("call-seconds", DEFAULT_CALL_SECONDS), f"{name}: `assume.call-seconds`", integer=False)
    in_flight = _positive(assume.get("in-flight", DEFAULT_IN_FLIGHT), f"{name}: `assume.in-flight`", integer=True)
    return Sizing(
        counts=dict(sorted(counts.items())), tier=tier, seats=int(seats), call_seconds=float(call_seconds),
        in_flight=int(in_flight), seats_given="seats" in assume,
    )


def _positive(value: object, what: str, *, integer: bool) -> float:
    allowed = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed) or value <= 0:
        raise SizingError(f"{what} must be a positive {'whole number' if integer else 'number'}")
    return value
