"""The crash-test hook (docs/running.md): after a number of batches of this process, at a named
point of writing a batch, the process kills itself with SIGKILL."""

from __future__ import annotations

import os
import signal

from migc.runtime.interface import RunStopped

CRASH_AFTER_VARIABLE = "MIGC_TEST_CRASH_AFTER_BATCHES"
CRASH_POINT_VARIABLE = "MIGC_TEST_CRASH_POINT"
CRASH_POINTS = ("before-send", "after-send", "after-commit")


class CrashHook:
    """Reads the crash-test variables once; `reached(point)` kills the process when they say so."""

    def __init__(self) -> None:
        raw = os.environ.get(CRASH_AFTER_VARIABLE, "").strip()
        self.after = int(raw) if raw.isdigit() else None
        self.point = os.environ.get(CRASH_POINT_VARIABLE, "after-commit").strip() or "after-commit"
        if self.point not in CRASH_POINTS:
            raise RunStopped(f"{CRASH_POINT_VARIABLE} must be one of {', '.join(CRASH_POINTS)}, not {self.point!r}")
        self.batches = 0

    def batch_started(self) -> None:
        self.batches += 1

    def reached(self, point: str) -> None:
        if self.after is not None and point == self.point and self.batches >= self.after:
            os.kill(os.getpid(), signal.SIGKILL)
