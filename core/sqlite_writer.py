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
from sqlalchemy.engine import Connection

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


def savepoints_on_the_driver(dialect: Any) -> None:
    """Make the inline engine's `dialect` run SAVEPOINT, RELEASE and ROLLBACK TO straight
    on the sqlite3 connection.

    Group commit gives every writer a savepoint (core.group_commit). Through SQLAlchemy's
    statement machinery a SAVEPOINT and its RELEASE cost about 0.2 ms, a fifth of a ledger
    transfer; on the driver they cost microseconds. The inline connection runs on this
    thread, so the driver may be called directly; the names are SQLAlchemy's own
    (sa_savepoint_N), never user input.
    """

    def run(connection: Connection, sql: str) -> None:
        inline = connection.connection.driver_connection
        assert isinstance(inline, InlineConnection)
        inline._conn.execute(sql)

    dialect.do_savepoint = lambda connection, name: run(connection, f"SAVEPOINT {name}")
    dialect.do_release_savepoint = lambda connection, name: run(connection, f"RELEASE {name}")
    dialect.do_rollback_to_savepoint = lambda connection, name: run(
        connection, f"ROLLBACK TO {name}"
    )


async def connect_inline(path: str) -> aiosqlite.Connection:
    """Open `path` for writing inline. (aiosqlite's thread still opens and closes it.)"""
    connection = InlineConnection(partial(sqlite3.connect, path, check_same_thread=False), 64)
    # As SQLAlchemy does for aiosqlite: a connection never closed must not keep the
    # interpreter from exiting.
    connection._thread.daemon = True
    return await connection
