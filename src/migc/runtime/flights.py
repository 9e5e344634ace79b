"""The batches of a phase being written at the same time, and the source ids and keys they hold:
a unit read again while its batch is in flight is a duplicate, a batch sharing a key waits."""

from __future__ import annotations

import asyncio

from migc.runtime.stages import Pending


class Flights:
    """The batches being written: their tasks, source ids and keys."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()
        self.sids: set[str] = set()
        self.identities: set[str] = set()
        self._batches: dict[asyncio.Task, list[Pending]] = {}

    def start(self, work, batch: list[Pending]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        self._batches[task] = batch
        self.sids.update(p.sid for p in batch)
        self.identities.update(p.identity for p in batch if p.identity)

    def _settle(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        batch = self._batches.pop(task)
        self.sids.difference_update(p.sid for p in batch)
        self.identities.difference_update(p.identity for p in batch if p.identity)

    async def wait_one(self) -> None:
        done, _ = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            self._settle(task)
        if any(task.exception() is not None for task in done):
            await self.drain()  # the others settle before the failure stops the phase
            for task in done:
                task.result()

    async def drain(self) -> None:
        """Waits for every batch in flight; the first failure is raised once all have settled."""
        if not self.tasks:
            return
        tasks = list(self.tasks)
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            self._settle(task)
        for task in tasks:
            task.result()
