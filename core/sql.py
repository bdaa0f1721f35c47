"""SQL that is spelled differently on SQLite and PostgreSQL, spelled once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_ignoring_conflicts(session: AsyncSession, table: Any, *, on: list[str]) -> Insert:
    """INSERT … ON CONFLICT (`on`) DO NOTHING, in the session's dialect: a row another
    transaction has written (or is writing: PostgreSQL waits for it) is skipped."""
    dialect_insert = postgresql.insert if on_postgres(session) else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=on)


def insert_adding(session: AsyncSession, table: Any, *, on: list[str], add: str) -> Insert:
    """INSERT … ON CONFLICT (`on`) DO UPDATE SET `add` = `add` + the new row's: a sum kept
    per key, added to atomically however many transactions add at once."""
    dialect_insert = postgresql.insert if on_postgres(session) else sqlite.insert
    statement = dialect_insert(table)
    column = getattr(table, add)
    return statement.on_conflict_do_update(
        index_elements=on, set_={add: column + getattr(statement.excluded, add)}
    )


async def copy_rows(
    session: AsyncSession, table: Any, columns: list[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Many rows into `table` in the session's transaction: PostgreSQL's COPY (INSERT …
    SELECT of a city's ranking took three times its query: PostgreSQL never runs that
    in parallel), SQLite's executemany."""
    if not rows:
        return
    if on_postgres(session):
        connection = await (await session.connection()).get_raw_connection()
        driver = connection.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table.name, records=rows, columns=columns)
        return
    await session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
