"""The sandbox store: every record, id counter and piece of metadata a sandbox app holds.

A `Store` is plain in-memory data that tests inspect directly (`store.all("Contacts")`) and
that survives between CLI commands through `save(path)` / `load(path)` (msgspec JSON, records in
insertion order, so a saved store reloads to the same pagination order).

- Records live in named collections (`"Contacts"`, `"persons"`, ...) keyed by string id; the
  platform app decides the id format through `next_id()`.
- `meta` holds platform state that is not records: field definitions, tags, pagination tokens.
  Values must be JSON-able.
- `mark_baseline()` remembers the current state (e.g. after an app seeded its default schema);
  `reset()` returns to it (or to empty when no baseline was marked).

Apps mutate the store only from request handlers on the event loop, so no locking is needed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

Record = dict[str, Any]


class StoreState(msgspec.Struct, kw_only=True):
    """The serialised form of a store (one JSON document)."""

    collections: dict[str, dict[str, Record]] = msgspec.field(default_factory=dict)
    counters: dict[str, int] = msgspec.field(default_factory=dict)
    meta: dict[str, Any] = msgspec.field(default_factory=dict)


class StoreError(Exception):
    """A store file cannot be read or has the wrong shape."""


class Store:
    """Mutable records + counters + metadata of one sandbox (see the module docstring)."""

    def __init__(self) -> None:
        self._state = StoreState()
        self._baseline: bytes | None = None

    # -- records ----------------------------------------------------------------------------

    def collection(self, name: str) -> dict[str, Record]:
        """The live mapping id -> record of `name` (created empty on first use)."""
        return self._state.collections.setdefault(name, {})

    def names(self) -> list[str]:
        return sorted(self._state.collections)

    def insert(self, name: str, record_id: str, record: Record) -> Record:
        records = self.collection(name)
        if record_id in records:
            raise KeyError(f"{name} already holds id {record_id}")
        records[record_id] = record
        return record

    def get(self, name: str, record_id: str) -> Record | None:
        return self._state.collections.get(name, {}).get(record_id)

    def delete(self, name: str, record_id: str) -> Record | None:
        return self._state.collections.get(name, {}).pop(record_id, None)

    def all(self, name: str) -> list[Record]:
        """Records of `name` in insertion order."""
        return list(self._state.collections.get(name, {}).values())

    def items(self, name: str) -> Iterator[tuple[str, Record]]:
        return iter(list(self._state.collections.get(name, {}).items()))

    def count(self, name: str) -> int:
        return len(self._state.collections.get(name, {}))

    def find(self, name: str, predicate: Callable[[Record], bool]) -> list[Record]:
        return [record for record in self._state.collections.get(name, {}).values() if predicate(record)]

    # -- ids and metadata ---------------------------------------------------------------------

    def next_id(self, counter: str, *, start: int = 1) -> int:
        """The next number of `counter`, beginning at `start`."""
        value = self._state.counters.get(counter, start - 1) + 1
        self._state.counters[counter] = value
        return value

    @property
    def meta(self) -> dict[str, Any]:
        return self._state.meta

    # -- lifecycle ----------------------------------------------------------------------------

    def mark_baseline(self) -> None:
        self._baseline = msgspec.json.encode(self._state)

    def reset(self) -> None:
        """Back to the baseline (or empty)."""
        self._state = (
            msgspec.json.decode(self._baseline, type=StoreState) if self._baseline is not None else StoreState()
        )

    def snapshot(self) -> StoreState:
        """A deep copy of the current state, for comparisons in tests."""
        return copy.deepcopy(self._state)

    def save(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_bytes(msgspec.json.encode(self._state))
        temporary.replace(target)

    def load(self, path: str | Path) -> None:
        """Replace the state with the one saved at `path` (apps holding this store see it)."""
        source = Path(path)
        try:
            self._state = msgspec.json.decode(source.read_bytes(), type=StoreState)
        except OSError as error:
            raise StoreError(f"cannot read sandbox store {source}: {error.strerror or error}") from None
        except msgspec.ValidationError as error:
            raise StoreError(f"sandbox store {source} has the wrong shape: {error}") from None
        except msgspec.DecodeError:
            raise StoreError(f"sandbox store {source} is not valid JSON") from None

    @classmethod
    def from_file(cls, path: str | Path) -> Store:
        store = cls()
        store.load(path)
        return store
