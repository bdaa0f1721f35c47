"""Group commit for SQLite: the writes that queue up behind one another share a commit.

SQLite admits one writer at a time, and with synchronous=FULL every commit waits for the
disk (fsync): about a third of a ledger transfer's time. So this process's writers queue
for one connection, and while writers keep waiting, each runs in a savepoint of one open
transaction; the last in line (or the one that fills the group) commits for all of them,
and each returns only after that commit, so a reply still reports committed facts.

A writer that fails rolls back to its savepoint and takes nothing else with it. A failed
commit fails every writer of the group. Only a constraint that SQLite checks at COMMIT
(a deferred foreign key left broken) could let one writer's mistake fail the others; the
ledger always writes an entry together with its postings.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

# Enough to share the disk wait among the writers a busy office makes at once, few enough
# that the first of them is not kept waiting for long.
MAX_GROUP = 32


@dataclass
class _Group:
    connection: AsyncConnection
    members: int = 0
    # One future per writer that awaits the commit: a writer that gives up cancels its
    # own, not the commit the others await.
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    broken: BaseException | None = None


class GroupCommit:
    def __init__(self, engine: AsyncEngine, *, max_group: int = MAX_GROUP) -> None:
        self._engine = engine
        self._max_group = max_group
        self._turn = asyncio.Lock()
        self._waiting = 0
        self._group: _Group | None = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One writer's share of a group: its own savepoint, committed with the group."""
        self._waiting += 1
        try:
            await self._turn.acquire()
        finally:
            self._waiting -= 1
        group: _Group | None = None
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            group = self._group or await self._open()
            group.members += 1
            async with self._savepoint(group) as session:
                yield session
            group.waiters.append(committed)
            # The inline connection never yields to the event loop, so the writers woken
            # by the last commit have had no chance to queue yet: let them, and join them.
            await asyncio.sleep(0)
        finally:
            if group is not None and self._complete(group):
                await self._close(group)
            self._turn.release()
        await committed

    def _complete(self, group: _Group) -> bool:
        """Commit now: nobody else is waiting, the group is full, or its transaction is
        gone (a writer after that would run outside any transaction)."""
        return self._waiting == 0 or group.members >= self._max_group or group.broken is not None

    async def _open(self) -> _Group:
        connection = await self._engine.connect()
        try:
            await connection.begin()  # BEGIN IMMEDIATE (core.db): waits for the lock
        except BaseException:
            await connection.close()
            raise
        self._group = _Group(connection)
        return self._group

    @asynccontextmanager
    async def _savepoint(self, group: _Group) -> AsyncIterator[AsyncSession]:
        session = AsyncSession(
            bind=group.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            async with session.begin():
                yield session
        except BaseException as exc:
            # Some errors (a full disk) make SQLite roll back the whole transaction: then
            # the writers before this one lost their work too and must hear of it.
            if not await _still_in_transaction(group.connection):
                group.broken = group.broken or exc
            raise
        finally:
            await session.close()

    async def _close(self, group: _Group) -> None:
        self._group = None
        failure: BaseException | None = group.broken
        try:
            if failure is None:
                await group.connection.commit()
        except BaseException as exc:
            failure = exc
        try:
            if failure is not None:
                # SQLite can leave a transaction open after a failed COMMIT, which the pool
                # would hand to the next group: discard the connection (closing rolls back).
                await group.connection.invalidate()
        finally:
            await group.connection.close()
        for waiter in group.waiters:
            if waiter.done():  # its writer was cancelled
                continue
            if failure is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(failure)


async def _still_in_transaction(connection: AsyncConnection) -> bool:
    driver = (await connection.get_raw_connection()).driver_connection
    return driver is not None and bool(driver.in_transaction)
