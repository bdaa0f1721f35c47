"""A unit of work: the transactions one incoming request or update causes.

Services open transactions through it and commit before they return, so an adapter that
replies after the service call always reports committed facts. An adapter can ask for work
of its own to commit atomically with the service's writes (the bot records the update id
this way, so a redelivered update cannot apply twice).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, SystemClock
from core.db import Database

CommitHook = Callable[[AsyncSession], Awaitable[None]]


class UnitOfWork:
    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self.database = database
        self.clock: Clock = clock or SystemClock()
        self._hooks: list[CommitHook] = []

    def now(self) -> datetime:
        return self.clock.now()

    def join_next_commit(self, hook: CommitHook) -> None:
        """Run `hook` inside the next write transaction, just before it commits."""
        self._hooks.append(hook)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        hooks, self._hooks = self._hooks, []
        try:
            async with self.database.write() as session:
                yield session
                for hook in hooks:
                    await hook(session)
        except BaseException:
            # The work rolled back, so whatever had to join it must join the next one.
            self._hooks = hooks + self._hooks
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.database.read() as session:
            yield session
