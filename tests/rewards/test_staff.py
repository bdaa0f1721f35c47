"""Staff accounts: hashing, lockout, and scoping to the organisation tree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.errors import AccountLocked, InvalidCredentials, UsernameTaken, WeakPassword
from rewards.staff.models import Role, StaffAccount
from rewards.staff.permissions import Action
from rewards.staff.service import (
    MAX_FAILED_LOGINS,
    authenticate,
    create_staff,
    get_staff,
)
from tests.rewards.community import PASSWORD, build_tree, make_staff


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 4, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


async def test_password_is_stored_hashed_and_creation_is_audited(uow: UnitOfWork) -> None:
    units = await build_tree(uow)
    staff = await make_staff(uow, "wang", Role.GRID_WORKER, units["grid-1"])
    async with uow.read() as session:
        stored = await session.scalar(select(StaffAccount.password_hash))
        audit = (await session.scalars(select(AuditEntry))).all()
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert [(a.action, a.target) for a in audit] == [("staff.created", f"staff:{staff.id}")]
    assert PASSWORD not in str(audit[0].details)


async def test_duplicate_username_and_short_password_are_refused(uow: UnitOfWork) -> None:
    units = await build_tree(uow)
    roles = [(Role.COMMUNITY_STAFF, units["community"].id)]
    await create_staff(
        uow, username="li", display_name="李", password=PASSWORD, roles=roles, actor_staff_id=None
    )
    with pytest.raises(UsernameTaken):
        await create_staff(
            uow,
            username="li",
            display_name="李",
            password=PASSWORD,
            roles=roles,
            actor_staff_id=None,
        )
    with pytest.raises(WeakPassword):
        await create_staff(
            uow,
            username="zhao",
            display_name="赵",
            password="short",
            roles=roles,
            actor_staff_id=None,
        )


async def test_lockout_after_repeated_failures_even_for_the_right_password(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    units = await build_tree(uow)
    await make_staff(uow, "wang", Role.GRID_HEAD, units["grid-1"])
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(InvalidCredentials):
            await authenticate(uow, username="wang", password="wrong password")
    with pytest.raises(AccountLocked) as locked:
        await authenticate(uow, username="wang", password=PASSWORD)
    assert locked.value.params == {"minutes": 15}
    clock.advance(timedelta(minutes=16))
    staff = await authenticate(uow, username="wang", password=PASSWORD)
    assert staff.username == "wang"


async def test_unknown_username_is_the_same_error_as_a_wrong_password(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidCredentials):
        await authenticate(uow, username="nobody", password=PASSWORD)


async def test_grid_worker_reaches_own_grid_and_below_but_not_the_neighbour(
    uow: UnitOfWork,
) -> None:
    units = await build_tree(uow)
    created = await make_staff(uow, "wang", Role.GRID_WORKER, units["grid-1"])
    staff = await get_staff(uow, created.id)
    assert staff is not None
    assert staff.can(Action.SEE_RESIDENTS, units["grid-1"].path)
    assert staff.can(Action.SEE_RESIDENTS, units["building-1"].path)
    assert not staff.can(Action.SEE_RESIDENTS, units["grid-2"].path)
    assert not staff.can(Action.SEE_RESIDENTS, units["community"].path)
    # "/1/2/3/" must not be taken for a parent of "/1/2/33/".
    assert not units["grid-1"].contains(units["grid-1"].path[:-1] + "3/")
