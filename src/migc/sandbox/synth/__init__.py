"""Seeded synthetic source data: any record of any source object, computed on demand.

Record `index` of an object is a pure function of (platform, object, index, seed): a sandbox can
serve any page of a million-user data set without holding it, and two calls always agree. The
data set for N users is `counts(platform, N)` records of each object, and it is the prefix of the
data set for any larger N; references (events to users, responses to surveys and users, managers
to users, posts to groups, ...) always point at records inside the prefix that contains the
referring record (see `population`). Hard cases and their rates are listed in `hardcases`.

Small data sets still hold every kind of record a migration routes or maps differently: where
such a kind is rare (a task's status, a file's parent, a subscription object, a campaign still
sending, an inactive user), the first records of the object take each kind in turn
(`Draw.spread`, or a fixed index), so from 5 users on the source exercises every map, routing
branch and values entry of the examples (tests/runtime/test_e2e.py checks it).

    >>> counts("netmera", 100)["Event"]
    2000
    >>> record("actimo", "User", 0, seed=7)["employee_id"]
    'E100000'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from migc.sandbox.synth import actimo, customerio, netmera
from migc.sandbox.synth.population import Model, SynthError

__all__ = ["PLATFORMS", "SynthError", "counts", "generate", "model", "objects", "record"]

Builder = Callable[[int, int], dict[str, Any]]

_PLATFORMS: dict[str, tuple[Model, dict[str, Builder]]] = {
    "actimo": (actimo.MODEL, actimo.BUILDERS),
    "customerio": (customerio.MODEL, customerio.BUILDERS),
    "netmera": (netmera.MODEL, netmera.BUILDERS),
}
PLATFORMS: tuple[str, ...] = tuple(sorted(_PLATFORMS))


def _platform(platform: str) -> tuple[Model, dict[str, Builder]]:
    try:
        return _PLATFORMS[platform]
    except KeyError:
        raise SynthError(f"no synthetic data for platform {platform!r}; known: {', '.join(PLATFORMS)}") from None


def _builder(platform: str, object_name: str) -> Builder:
    _, builders = _platform(platform)
    try:
        return builders[object_name]
    except KeyError:
        known = ", ".join(sorted(builders))
        raise SynthError(f"{platform} has no synthetic object {object_name!r}; known: {known}") from None


def model(platform: str) -> Model:
    """The count model of a platform (object sizes and reference bounds)."""
    return _platform(platform)[0]


def objects(platform: str) -> tuple[str, ...]:
    """The object names of a platform, sorted."""
    return tuple(sorted(_platform(platform)[1]))


def counts(platform: str, users: int) -> dict[str, int]:
    """How many records of each object (sorted by name) a data set of `users` users holds."""
    return model(platform).counts(users)


def record(platform: str, object_name: str, index: int, seed: int) -> dict[str, Any]:
    """Record `index` (0-based) of an object; raises SynthError for an index that never exists."""
    build = _builder(platform, object_name)
    model(platform).users_for(object_name, index)  # validates the index
    return build(seed, index)


def generate(platform: str, object_name: str, count: int, seed: int, *, start: int = 0) -> Iterator[dict[str, Any]]:
    """Records `start` .. `start + count - 1` of an object, one at a time (constant memory).

    References stay consistent when `count` is at most the object's size in `counts(platform, N)`
    and the referenced objects are served at the same N.
    """
    build = _builder(platform, object_name)
    if count < 0 or start < 0:
        raise SynthError(f"count and start must not be negative, got count={count}, start={start}")
    growth = model(platform).growth[object_name]
    if count and growth.cap is not None and start + count > growth.cap:
        raise SynthError(f"{platform} {object_name} holds at most {growth.cap} records, asked for {start + count}")
    return (build(seed, index) for index in range(start, start + count))
