"""Creation and modification times of synthetic records, in unix seconds, anchored at REFERENCE_TIME.

A share of records (RECENTLY_MODIFIED) changed inside the 48 hours before the reference time and
all others before that window, so a delta read with `since = REFERENCE_TIME - 48h` finds exactly
the records whose `updated` falls inside it. Platforms format these numbers their own way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from migc.sandbox.synth.draw import Draw, stream_key, unit
from migc.sandbox.synth.hardcases import (
    HISTORY_DAYS,
    RECENT_WINDOW_SECONDS,
    RECENTLY_MODIFIED,
    REFERENCE_EPOCH,
)

HISTORY_SECONDS = HISTORY_DAYS * 86400
RECENT_START = REFERENCE_EPOCH - RECENT_WINDOW_SECONDS
_CREATED = stream_key("timeline.created")


def created_at(seed: int, stream: int, index: int) -> int:
    """When record `index` of a stream was created: somewhere in the history, before the recent window."""
    return RECENT_START - 1 - int((HISTORY_SECONDS - 1) * unit(seed, stream ^ _CREATED, index))


def updated_at(draw: Draw, created: int) -> int:
    """When a record created at `created` last changed; RECENTLY_MODIFIED of them inside the window."""
    if draw.chance(RECENTLY_MODIFIED):
        return RECENT_START + draw.below(RECENT_WINDOW_SECONDS)
    return created + int((RECENT_START - 1 - created) * draw.uniform())


def between(draw: Draw, start: int, end: int) -> int:
    """A moment in [start, end]."""
    return start + int(max(0, end - start) * draw.uniform())


def iso(epoch_seconds: int) -> str:
    """ISO 8601 in UTC with a Z, to the second."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_datetime(epoch_seconds: int) -> str:
    """'YYYY-MM-DD HH:MM:SS' (UTC), the style of many PHP/Laravel APIs."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def date_only(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%d")
