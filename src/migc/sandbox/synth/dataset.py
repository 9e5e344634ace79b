"""A served synthetic data set: one platform at N users, plus the edits made to it, kept in a Store.

Source sandboxes serve records straight from the generators; only what a test (or a delta
scenario) changed is stored: modified records in full, deleted ones as tombstones, added ones
after the synthetic ones. So a sandbox of a million users holds a few kilobytes, and
`Store.save()` / `load()` carry the edits between CLI commands. The data set's identity
(platform, seed, users) is kept in `store.meta["synthetic"]`; a store loaded from a file wins
over the app's config, so a reloaded sandbox serves the same records.

Edits happen at a logical clock that starts at REFERENCE_TIME and advances one second per edit,
so delta tests are deterministic.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

from migc.sandbox.store import Store
from migc.sandbox.synth import counts, record
from migc.sandbox.synth.hardcases import REFERENCE_TIME
from migc.sandbox.synth.population import SynthError

_META = "synthetic"
_T = TypeVar("_T")
# Users a source sandbox serves when its config asks for no particular number (records=0).
DEFAULT_USERS = 100


class Dataset:
    """Records of one platform's synthetic data set with the store's edits applied."""

    def __init__(self, platform: str, *, seed: int, users: int, store: Store) -> None:
        users = users or DEFAULT_USERS
        identity = store.meta.setdefault(_META, {"platform": platform, "seed": seed, "users": users})
        if identity.get("platform") != platform:
            raise SynthError(f"the store holds a {identity.get('platform')} data set, not {platform}")
        self.platform = platform
        self.seed = int(identity["seed"])
        self.users = int(identity["users"])
        self.store = store
        self.sizes = counts(platform, self.users)
        identity.setdefault("edits", 0)
        self._derived: dict[str, tuple[int, Any]] = {}

    def _meta(self) -> dict[str, Any]:
        """The data set's entry in the store (re-created after `Store.reset()` emptied it)."""
        return self.store.meta.setdefault(
            _META, {"platform": self.platform, "seed": self.seed, "users": self.users, "edits": 0}
        )

    # -- reading ------------------------------------------------------------------------------

    def count(self, object_name: str) -> int:
        """How many index slots the object has (synthetic + added), deleted ones included."""
        return self.sizes[object_name] + int(self._meta().get("added", {}).get(object_name, 0))

    def get(self, object_name: str, index: int) -> dict[str, Any] | None:
        """Record `index` as currently served, or None when deleted or out of range."""
        if index < 0 or index >= self.count(object_name):
            return None
        key = str(index)
        if self.store.get(self._deleted(object_name), key) is not None:
            return None
        edited = self.store.get(self._edited(object_name), key)
        if edited is not None:
            return copy.deepcopy(edited)
        return record(self.platform, object_name, index, self.seed)

    def records(self, object_name: str, start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
        """(index, record) from `start` on, skipping deleted ones; generated one at a time."""
        for index in range(max(0, start), self.count(object_name)):
            current = self.get(object_name, index)
            if current is not None:
                yield index, current

    @property
    def version(self) -> int:
        """Changes with every edit: caches of derived values (member counts, ...) key on it."""
        return int(self._meta()["edits"])

    def derived(self, name: str, build: Callable[[], _T]) -> _T:
        """A value computed from many records (member lists, counts), rebuilt after any edit."""
        hit = self._derived.get(name)
        if hit is None or hit[0] != self.version:
            hit = (self.version, build())
            self._derived[name] = hit
        return hit[1]

    def is_deleted(self, object_name: str, index: int) -> bool:
        return self.store.get(self._deleted(object_name), str(index)) is not None

    def is_synthetic(self, object_name: str, index: int) -> bool:
        """Whether record `index` is served exactly as generated (not edited, added or deleted),
        so cheap per-index functions of the generator (memberships, ids) describe it."""
        key = str(index)
        return (index < self.sizes[object_name] and self.store.get(self._edited(object_name), key) is None
                and self.store.get(self._deleted(object_name), key) is None)

    def deleted_count(self, object_name: str) -> int:
        return self.store.count(self._deleted(object_name))

    def edited(self, object_name: str) -> list[int]:
        """Indices of records that were modified or added, sorted."""
        return sorted(int(key) for key, _ in self.store.items(self._edited(object_name)))

    # -- editing ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The logical clock: REFERENCE_TIME plus one second per edit so far."""
        return REFERENCE_TIME + timedelta(seconds=int(self._meta()["edits"]))

    def _tick(self) -> datetime:
        self._meta()["edits"] = int(self._meta()["edits"]) + 1
        return self.now()

    def modify(self, object_name: str, index: int, changes: dict[str, Any]) -> tuple[dict[str, Any], datetime]:
        """Merge `changes` into record `index` (nested dicts are merged key by key); returns the
        new record and the moment of the edit. The caller stamps platform-specific times."""
        current = self.get(object_name, index)
        if current is None:
            raise KeyError(f"{self.platform} {object_name} {index} does not exist")
        when = self._tick()
        updated = _merge(current, changes)
        self._store_edit(object_name, index, updated)
        return updated, when

    def replace(self, object_name: str, index: int, value: dict[str, Any]) -> None:
        """Store `value` as record `index` (after the caller stamped it)."""
        self._store_edit(object_name, index, value)

    def add(self, object_name: str, value: dict[str, Any]) -> tuple[int, datetime]:
        """Append a record after the synthetic ones; returns its index and the moment."""
        index = self.count(object_name)
        added = self._meta().setdefault("added", {})
        added[object_name] = int(added.get(object_name, 0)) + 1
        self._store_edit(object_name, index, value)
        return index, self._tick()

    def delete(self, object_name: str, index: int) -> datetime:
        if self.get(object_name, index) is None:
            raise KeyError(f"{self.platform} {object_name} {index} does not exist")
        self.store.delete(self._edited(object_name), str(index))
        self.store.insert(self._deleted(object_name), str(index), {})
        return self._tick()

    def _store_edit(self, object_name: str, index: int, value: dict[str, Any]) -> None:
        self.store.collection(self._edited(object_name))[str(index)] = copy.deepcopy(value)

    @staticmethod
    def _edited(object_name: str) -> str:
        return f"edited:{object_name}"

    @staticmethod
    def _deleted(object_name: str) -> str:
        return f"deleted:{object_name}"


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
