"""Engine and session factories, the same for the bot, the panel, the CLI and the tests.

SQLite is the embedded default and must survive a busy kiosk: WAL lets readers work while
one writer writes, foreign keys are switched on (SQLite leaves them off), and every write
transaction starts with BEGIN IMMEDIATE. A deferred BEGIN takes the write lock only at the
first write and then fails with "database is locked" instead of waiting; IMMEDIATE waits
(up to the busy timeout) at the start, where retrying is safe. Read-only transactions keep
a plain deferred BEGIN so that they never queue behind writers.

Writes to a SQLite file go through an engine of their own whose connections run on the
event loop's thread; core.sqlite_writer says why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session

from core.group_commit import GroupCommit
from core.sqlite_writer import BUSY_TIMEOUT_S, connect_inline, savepoints_on_the_driver

READ_ONLY = "moralbank_read_only"
# PostgreSQL connections one process keeps open, and how many more it may open in a burst.
POOL_SIZE = 20
POOL_OVERFLOW = 10


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`, with the SQLite discipline above when it is SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_driver_name() == "asyncpg":
            kwargs["connect_args"] = _with_generic_plans(kwargs.get("connect_args", {}))
        # SQLAlchemy keeps 5 and closes every connection above that when it is returned:
        # with a webhook's concurrent updates and the worker's loops, each update then paid
        # for a new connection (TLS attempt, DNS in a thread), a third of its time.
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        # No pool_pre_ping: with asyncpg it is BEGIN, a query and ROLLBACK, three round
        # trips before every transaction, which halved the ledger's throughput. After a
        # database restart the first statement on a dead connection fails instead, and
        # SQLAlchemy then replaces every pooled connection older than that failure.
        return create_async_engine(url, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, **kwargs)
    _install_sqlite_discipline(engine, busy_timeout_ms=int(BUSY_TIMEOUT_S * 1000))
    return engine


def _with_generic_plans(connect_args: dict[str, Any]) -> dict[str, Any]:
    """asyncpg's connect arguments with every prepared statement on a generic plan.

    Our statements pass lists as array parameters. A custom plan sees their lengths, so
    PostgreSQL judged every generic plan costlier and planned anew at each execution: the
    ledger's five-part write and each query of its triggers, a third of the server's time
    per transfer. Our statements look rows up by key or read one account's or one
    period's rows, which a generic plan does as well; a report that needs a plan for its
    particular values can still ask for one with SET LOCAL plan_cache_mode.
    """
    settings = {"plan_cache_mode": "force_generic_plan", **connect_args.get("server_settings", {})}
    return {**connect_args, "server_settings": settings}


def _create_sqlite_write_engine(url: str) -> AsyncEngine | None:
    """The inline engine for writes to a SQLite file (None for anything else: an in-memory
    database would be a different one per engine)."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    engine = create_async_engine(url, async_creator=partial(connect_inline, path))
    # The inline connection waits for the lock itself, without holding the event loop.
    _install_sqlite_discipline(engine, busy_timeout_ms=0)
    savepoints_on_the_driver(engine.sync_engine.dialect)
    return engine


def _install_sqlite_discipline(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class _ReadSession(Session):
    """The session of read-only work."""


# Without a read-only transaction, nothing in the server would stop a read's write from
# committing (PostgreSQL reads run in autocommit): a read session refuses both the ORM's
# changes and INSERT, UPDATE and DELETE statements.
@event.listens_for(_ReadSession, "before_flush")
def _refuse_flushes(session: Session, _context: Any, _instances: Any) -> None:
    raise RuntimeError("a read-only unit of work tried to write")


@event.listens_for(_ReadSession, "do_orm_execute")
def _refuse_write_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise RuntimeError("a read-only unit of work tried to write")


class Database:
    """An engine with one session factory for writes and one for read-only work."""

    def __init__(self, engine: AsyncEngine, write_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self._write_engine = write_engine or engine
        # SQLite admits one writer at a time and makes the others poll with growing sleeps,
        # which starves some of them for seconds under load. Queueing this process's writers
        # instead is first come, first served, and lets them share commits; other processes
        # still meet the busy timeout. (Not re-entrant: a write never opens another write.)
        self._sqlite_groups = (
            GroupCommit(self._write_engine) if engine.dialect.name == "sqlite" else None
        )
        self._writer = async_sessionmaker(self._write_engine, expire_on_commit=False)
        read_options: dict[str, Any] = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            # At READ COMMITTED every statement takes its own snapshot, inside a transaction
            # or not, so a read gains nothing from BEGIN and COMMIT but two round trips:
            # for the bot's few-query reads, a third of the time they wait on the server.
            read_options["isolation_level"] = "AUTOCOMMIT"
        # One call: each further layer of options is one more dispatch hop per statement.
        read_engine = engine.execution_options(**read_options)
        self._reader = async_sessionmaker(
            read_engine, expire_on_commit=False, sync_session_class=_ReadSession
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs), _create_sqlite_write_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back on error. (On
        SQLite it may share its commit with other writers: see core.group_commit.)"""
        if self._sqlite_groups is not None:
            async with self._sqlite_groups.write() as session:
                yield session
            return
        async with self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Read-only work: one transaction on SQLite, never blocked by a writer; on
        PostgreSQL each statement on its own (autocommit). Writes are refused."""
        async with self._reader() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._write_engine is not self.engine:
            await self._write_engine.dispose()
