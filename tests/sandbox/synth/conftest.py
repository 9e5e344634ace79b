"""A small synthetic data set per platform, generated once per test session."""

from functools import cache
from typing import Any

from migc.sandbox import synth

USERS = 300
SEED = 20250602


@cache
def universe(platform: str, users: int = USERS, seed: int = SEED) -> dict[str, list[dict[str, Any]]]:
    """Every record of every object of a data set of `users` users."""
    sizes = synth.counts(platform, users)
    return {name: list(synth.generate(platform, name, size, seed)) for name, size in sizes.items()}
