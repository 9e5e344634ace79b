"""Settling writes whose outcome a crash left unknown (`runtime/recovery.py`)."""

from __future__ import annotations

import asyncio

from migc.runtime.recovery import Recovery


class _Journal:
    """A journal with no open batches for any phase."""

    def open_batches(self, phase: str) -> list:
        return []


class _Program:
    id = "User->Accounts"


def test_units_to_check_by_content_belong_to_the_phase_that_crashed() -> None:
    # The phase after the one a crash interrupted may read the same source ids (User -> Contacts,
    # then User -> Accounts): none of its units is compared by content with the target.
    recovery = Recovery(target=None, journal=_Journal(), emit=lambda *args: None)
    recovery.content_check = {"u1", "u2"}  # left by the crashed phase
    assert asyncio.run(recovery.open_batches(_Program(), plan=None)) == {}
    assert recovery.content_check == set()
