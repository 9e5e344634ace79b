"""Names of tags, segments and other labels: unique per index, seed-independent, some deliberately long."""

from __future__ import annotations

from migc.sandbox.synth.hardcases import LONG_TAG_EVERY
from migc.sandbox.synth.vocabulary import LONG_TAG_NAMES, TAG_WORDS


def tag_name(index: int) -> str:
    """Tag `index`: every LONG_TAG_EVERY-th name is longer than TAG_LIMIT; all names are distinct."""
    if index % LONG_TAG_EVERY == LONG_TAG_EVERY - 1:
        long_index = index // LONG_TAG_EVERY
        base = LONG_TAG_NAMES[long_index % len(LONG_TAG_NAMES)]
        cycle = long_index // len(LONG_TAG_NAMES)
        return base if cycle == 0 else f"{base} #{cycle + 1}"
    short_index = index - index // LONG_TAG_EVERY
    word = TAG_WORDS[short_index % len(TAG_WORDS)]
    cycle = short_index // len(TAG_WORDS)
    return word if cycle == 0 else f"{word}-{cycle + 1}"


def numbered(names: tuple[str, ...], index: int) -> str:
    """`names[index]`, and past the end of the list the names again with a number, so all differ."""
    base = names[index % len(names)]
    cycle = index // len(names)
    return base if cycle == 0 else f"{base} ({cycle + 1})"
