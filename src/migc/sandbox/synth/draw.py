"""Deterministic randomness keyed by (seed, stream, index): the only source of chance in synth.

Every synthetic value is drawn from a `Draw` built for one key, so record *i* of an object never
depends on any other record having been generated first. Keys are mixed with splitmix64 (fast,
well distributed, stable across Python versions) and seed a `random.Random`, whose `random()` and
`_randbelow()` are also stable across versions for integer seeds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from typing import TypeVar

_MASK64 = (1 << 64) - 1
_MASK40 = (1 << 40) - 1
_MULTIPLIER_A = 0x9E3779B97F
_MULTIPLIER_B = 0xC2B2AE3D27
_INVERSE_A = pow(_MULTIPLIER_A, -1, 1 << 40)
_INVERSE_B = pow(_MULTIPLIER_B, -1, 1 << 40)
_T = TypeVar("_T")


def mix64(value: int) -> int:
    """splitmix64's finaliser: a bijection on 64-bit integers with good avalanche."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


@cache
def stream_key(name: str) -> int:
    """A stable 64-bit number for a stream name (Python's own str hash is salted per process)."""
    key = 0xCBF29CE484222325
    for byte in name.encode("utf-8"):
        key = ((key ^ byte) * 0x100000001B3) & _MASK64
    return key


def key_for(seed: int, stream: int, index: int) -> int:
    """The 64-bit key of record `index` in `stream` under `seed`."""
    return mix64(mix64(mix64(seed & _MASK64) ^ stream) ^ (index & _MASK64))


def scramble40(seed: int, stream: int, index: int) -> int:
    """A bijection of [0, 2**40) that makes sequential indices look like opaque identifiers.

    Each step (xor with a constant, multiply by an odd number, xor-shift) is invertible on 40 bits,
    so distinct indices give distinct results: ids built from it are unique by construction.
    """
    value = (index ^ mix64(seed ^ stream)) & _MASK40
    value = (value * _MULTIPLIER_A) & _MASK40
    value ^= value >> 19
    value = (value * _MULTIPLIER_B) & _MASK40
    value ^= value >> 21
    return value


def unscramble40(seed: int, stream: int, value: int) -> int:
    """The index `scramble40` turned into `value` (each step undone in reverse order)."""
    value &= _MASK40
    value ^= value >> 21
    value = (value * _INVERSE_B) & _MASK40
    value ^= (value >> 19) ^ (value >> 38)
    value = (value * _INVERSE_A) & _MASK40
    return (value ^ mix64(seed ^ stream)) & _MASK40


def unit(seed: int, stream: int, index: int) -> float:
    """A uniform float in [0, 1) for one key, without building a `Draw` (for hot yes/no flags)."""
    return (key_for(seed, stream, index) >> 11) / float(1 << 53)


class Draw:
    """Random choices for one record; build one per (seed, stream, index) and discard it."""

    __slots__ = ("_random",)

    def __init__(self, seed: int, stream: int, index: int) -> None:
        self._random = random.Random(key_for(seed, stream, index))

    def chance(self, probability: float) -> bool:
        return self._random.random() < probability

    def uniform(self) -> float:
        return self._random.random()

    # Scaling random() is several times faster than randrange() and its bias (below 2**-40 for
    # the bounds used here) is irrelevant for synthetic data.
    def below(self, bound: int) -> int:
        """An integer in [0, bound); `bound` must be positive."""
        return int(self._random.random() * bound)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high], both ends included."""
        return low + int(self._random.random() * (high - low + 1))

    def pick(self, options: Sequence[_T]) -> _T:
        return options[int(self._random.random() * len(options))]

    def weighted(self, options: Sequence[tuple[_T, float]]) -> _T:
        """One option, chosen with the weight written next to it."""
        total = 0.0
        for _, weight in options:
            total += weight
        point = self._random.random() * total
        for option, weight in options:
            point -= weight
            if point < 0:
                return option
        return options[-1][0]

    def spread(self, index: int, options: Sequence[tuple[_T, float]]) -> _T:
        """Like `weighted`, except that records 0 .. len(options) - 1 take the options in turn.

        A data set of a few users then still holds every option, however rare its weight (a
        sample migration must see every routing branch and values entry). The draw is made either
        way, so the record's later draws do not depend on whether the option was spread.
        """
        drawn = self.weighted(options)
        return options[index][0] if 0 <= index < len(options) else drawn

    def sample(self, options: Sequence[_T], count: int) -> list[_T]:
        """`count` distinct options (fewer if there are not that many), in a random order."""
        return self._random.sample(list(options), min(count, len(options)))

    def skewed(self, bound: int, exponent: float) -> int:
        """An integer in [0, bound) that favours small values; larger exponents favour them more."""
        return min(bound - 1, int(bound * self._random.random() ** exponent))

    def digits(self, count: int) -> str:
        return f"{self._random.getrandbits(64) % 10**count:0{count}d}"

    def hex(self, count: int) -> str:
        return f"{self._random.getrandbits(4 * count):0{count}x}"
