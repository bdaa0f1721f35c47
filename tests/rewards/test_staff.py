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
    SLOWDOWN_AFTER,
    authenticate,
    create_staff,
    get_staff,
)
from tests.rewards.community import PASSWORD, build_tree, make_staff

HOME = "192.0.2.7"


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
            await authenticate(uow, username="wang", password="wrong password", address=HOME)
    with pytest.raises(AccountLocked) as locked:
        await authenticate(uow, username="wang", password=PASSWORD, address=HOME)
    assert locked.value.params == {"minutes": 15}
    clock.advance(timedelta(minutes=16))
    staff = await authenticate(uow, username="wang", password=PASSWORD, address=HOME)
    assert staff.username == "wang"


async def test_a_guesser_elsewhere_cannot_lock_the_owner_out(uow: UnitOfWork) -> None:
    units = await build_tree(uow)
    await make_staff(uow, "wang", Role.GRID_HEAD, units["grid-1"])
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    for n in range(SLOWDOWN_AFTER + 3 * MAX_FAILED_LOGINS):
        address = f"198.51.100.{n // MAX_FAILED_LOGINS}"
        with pytest.raises(InvalidCredentials):
            await authenticate(
                uow, username="wang", password="wrong password", address=address, pause=pause
            )
    with pytest.raises(AccountLocked):
        await authenticate(uow, username="wang", password=PASSWORD, address="198.51.100.0")
    # Tries from many addresses are slowed down more and more, the owner's too...
    assert pauses[:SLOWDOWN_AFTER] == [0.0] * SLOWDOWN_AFTER
    assert pauses[SLOWDOWN_AFTER:] == sorted(pauses[SLOWDOWN_AFTER:])
    assert pauses[-1] > pauses[SLOWDOWN_AFTER] > 0
    # ...but the owner, from their own address, still gets in.
    staff = await authenticate(uow, username="wang", password=PASSWORD, address=HOME, pause=pause)
    assert staff.username == "wang"


async def test_unknown_username_is_the_same_error_as_a_wrong_password(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidCredentials):
        await authenticate(uow, username="nobody", password=PASSWORD, address=HOME)


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
