"""SQLite group commit: writers that queue share a commit, fail alone, and return only once
their work is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError

from core.db import READ_ONLY, Database
from ledger.models import Posting
from rewards.people.models import Person
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="group commit is SQLite's")


@pytest.fixture
def commits() -> Iterator[list[int]]:
    """Counts the write transactions committed while the test runs."""
    counted: list[int] = []

    def count(connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY, False):
            counted.append(1)

    event.listen(Engine, "commit", count)
    yield counted
    event.remove(Engine, "commit", count)


def _person(name: str) -> Person:
    return Person(display_name=name, language="zh_Hans", created_at=datetime.now(UTC))


async def _names(database: Database) -> set[str]:
    async with database.read() as session:
        return set((await session.scalars(select(Person.display_name))).all())


async def test_queued_writers_share_commits_and_see_their_work_committed_on_return(
    database: Database, database_url: str, commits: list[int]
) -> None:
    seen_on_return: dict[str, bool] = {}
    # A plain connection reads without yielding to the event loop, so no commit can slip
    # in between a writer's return and the look.
    other = sqlite3.connect(make_url(database_url).database or "")

    async def write(name: str) -> None:
        async with database.write() as session:
            session.add(_person(name))
        found = other.execute("SELECT 1 FROM people WHERE display_name = ?", (name,))
        seen_on_return[name] = found.fetchone() is not None

    names = [f"居民{n}" for n in range(20)]
    await asyncio.gather(*(write(name) for name in names))
    other.close()
    assert seen_on_return == dict.fromkeys(names, True)
    assert await _names(database) == set(names)
    assert len(commits) < len(names)  # twenty writers, fewer commits


async def test_a_failing_writer_takes_only_its_own_work_back(database: Database) -> None:
    async def write(name: str) -> None:
        async with database.write() as session:
            session.add(_person(name))
            await session.flush()
            if name == "fails":
                raise RuntimeError("this writer changed its mind")

    outcomes = await asyncio.gather(
        *(write(name) for name in ["before", "fails", "after"]), return_exceptions=True
    )
    assert [type(outcome) for outcome in outcomes] == [type(None), RuntimeError, type(None)]
    assert await _names(database) == {"before", "after"}


async def test_a_commit_that_fails_fails_every_writer_of_the_group(database: Database) -> None:
    """A posting without its entry breaks a deferred foreign key, which SQLite checks only
    at COMMIT: the whole group fails and nothing of it is written."""

    async def write(name: str) -> None:
        async with database.write() as session:
            session.add(_person(name))
            if name == "orphan":
                session.add(Posting(entry_id=999, account_id=1, amount=1))
            await session.flush()

    outcomes = await asyncio.gather(
        *(write(name) for name in ["a", "orphan", "b"]), return_exceptions=True
    )
    assert all(isinstance(outcome, IntegrityError) for outcome in outcomes)
    assert await _names(database) == set()
    async with database.write() as session:  # the next group starts clean
        session.add(_person("later"))
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Posting)) == 0
    assert await _names(database) == {"later"}


async def test_a_cancelled_writer_does_not_cancel_the_others(database: Database) -> None:
    started = asyncio.Event()

    async def slow() -> None:
        async with database.write() as session:
            session.add(_person("slow"))
            started.set()
            await asyncio.sleep(10)

    async def quick(name: str) -> None:
        async with database.write() as session:
            session.add(_person(name))

    slow_task = asyncio.create_task(slow())
    await started.wait()
    quick_tasks = [asyncio.create_task(quick(f"q{n}")) for n in range(3)]
    await asyncio.sleep(0.05)
    slow_task.cancel()
    await asyncio.gather(*quick_tasks)
    with pytest.raises(asyncio.CancelledError):
        await slow_task
    assert await _names(database) == {"q0", "q1", "q2"}
