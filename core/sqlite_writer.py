"""The connection SQLite writes go through: aiosqlite's, run on the event loop's own thread.

aiosqlite hands every call (open a cursor, execute, fetch, close, commit) to a thread of
its own and waits for the answer. Each handoff wakes a sleeping core twice, about 0.13 ms
on a small virtual machine, and a statement makes three or four of them: a ledger
transfer spent 2 ms of its 2.7 ms waiting on handoffs, which capped SQLite at about 400
transfers a second. The handoffs buy this process nothing for writes: SQLite admits one
writer at a time, and `Database.write()` queues this process's writers anyway.

So writes run inline. A write statement takes SQLite microseconds; the commit's fsync
(about 0.3 ms) holds the event loop that long. Reads keep aiosqlite's thread, so a long
report never holds the loop.

Waiting for another process's write lock must not hold the loop either, so this
connection has no busy timeout of SQLite's: when the lock is taken, the statement that
opens the transaction is tried again after an asyncio sleep, until the same deadline the
threaded connections wait for.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite

# The write-lock wait of the threaded connections (PRAGMA busy_timeout) and of this one.
BUSY_TIMEOUT_S = 15.0
_FIRST_RETRY_S = 0.001
_LONGEST_RETRY_S = 0.05


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the caller's thread (see above)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        call = partial(fn, *args, **kwargs)
        if self._conn.in_transaction:
            return call()
        # Only a statement outside a transaction meets a held lock (BEGIN IMMEDIATE, or a
        # PRAGMA that writes), and such a statement changed nothing when it was refused.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        pause = _FIRST_RETRY_S
        while True:
            try:
                return call()
            except sqlite3.OperationalError as exc:
                busy = exc.sqlite_errorcode == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_RETRY_S)


async def connect_inline(path: str) -> aiosqlite.Connection:
    """Open `path` for writing inline. (aiosqlite's thread still opens and closes it.)"""
    connection = InlineConnection(partial(sqlite3.connect, path, check_same_thread=False), 64)
    # As SQLAlchemy does for aiosqlite: a connection never closed must not keep the
    # interpreter from exiting.
    connection._thread.daemon = True
    return await connection
