"""The count model: how many records of each object exist for N users, and what a record may reference.

Every object's size is a `Growth`: a base, plus `per` records for every `users` users, capped. The
sizes only grow with N, and a data set of N users is the prefix of every object of a larger one.
That gives the rule that keeps references consistent at every size without knowing N: record i
of object A exists from `users_for(A, i)` users on, so it may reference only records of B that
exist at that size, `count(B, users_for(A, i))`. Whatever N a sandbox serves, a reference made by
a record that exists points at a record that exists too.
"""

from __future__ import annotations

import msgspec


class SynthError(ValueError):
    """A request the synthetic data model cannot answer (unknown platform or object, bad size)."""


class Growth(msgspec.Struct, frozen=True, kw_only=True):
    """`base + (users * per) // every` records, never more than `cap` (None: unbounded)."""

    base: int = 0
    per: int = 1
    every: int = 1
    cap: int | None = None

    def count(self, users: int) -> int:
        grown = self.base + (users * self.per) // self.every
        return grown if self.cap is None else min(grown, self.cap)

    def users_for(self, index: int) -> int:
        """The smallest number of users (at least 1) at which record `index` exists."""
        if index < 0 or (self.cap is not None and index >= self.cap):
            raise SynthError(f"record {index} never exists (the object holds at most {self.cap})")
        if index < self.count(1):
            return 1
        if self.per == 0:
            raise SynthError(f"record {index} never exists (the object holds {self.base})")
        missing = index - self.base + 1
        return -(-(missing * self.every) // self.per)


class Model(msgspec.Struct, frozen=True, kw_only=True):
    """The sizes of one platform's objects, keyed by object name; `user_object` is the N in `counts`."""

    platform: str
    user_object: str
    growth: dict[str, Growth]

    def counts(self, users: int) -> dict[str, int]:
        if users < 1:
            raise SynthError(f"a data set needs at least 1 user, got {users}")
        return {name: self.growth[name].count(users) for name in sorted(self.growth)}

    def count(self, object_name: str, users: int) -> int:
        return self.growth[object_name].count(users)

    def users_for(self, object_name: str, index: int) -> int:
        return self.growth[object_name].users_for(index)

    def bound(self, source: str, index: int, target: str) -> int:
        """How many records of `target` record `index` of `source` may reference (indices below it)."""
        return self.growth[target].count(self.growth[source].users_for(index))
