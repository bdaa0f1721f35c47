"""The background worker: periodic jobs that run beside the panel and the bot.

A deliberately small loop for now; the scheduler with durable, once-only jobs across
several worker processes replaces it when timed jobs arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.maintenance import prune_processed_updates
from core.clock import Clock
from core.db import Database
from core.uow import UnitOfWork
from ledger.holds import expire_holds

log = logging.getLogger(__name__)
KEEP_PROCESSED_UPDATES = timedelta(days=7)


class Worker:
    def __init__(self, database: Database, clock: Clock, *, interval: float = 60.0) -> None:
        self.database = database
        self.clock = clock
        self.interval = interval
        self._stopped = asyncio.Event()

    async def run_once(self) -> None:
        uow = UnitOfWork(self.database, self.clock)
        pruned = await prune_processed_updates(
            uow, before=self.clock.now() - KEEP_PROCESSED_UPDATES
        )
        if pruned:
            log.info("pruned %d old Telegram update records", pruned)
        async with uow.write() as session:
            expired = await expire_holds(session, now=self.clock.now())
        if expired:
            log.info("voided %d expired point holds", expired)

    async def run(self) -> None:
        while not self._stopped.is_set():
            try:
                await self.run_once()
            except Exception:
                # A failing job must not take the panel and the bot down with it.
                log.exception("background job failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=self.interval)

    def stop(self) -> None:
        self._stopped.set()
