"""Staff accounts: creation, login with lockout per address, and the scope their roles give."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import (
    AccountLocked,
    InvalidCredentials,
    NotAStaffRole,
    OutOfScope,
    UsernameTaken,
)
from rewards.org.models import OrgUnit
from rewards.staff.models import LoginFailures, Role, StaffAccount, StaffRole
from rewards.staff.passwords import (
    hash_password_off_loop,
    needs_rehash,
    verify_password_off_loop,
)
from rewards.staff.permissions import STAFF_ROLES, Action, allows

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Wrong passwords from all addresses together before every try is slowed down.
SLOWDOWN_AFTER = 10
SLOWDOWN_MAX = 8.0


@dataclass(frozen=True)
class ScopedRole:
    role: Role
    org_unit_id: int
    org_unit_name: str
    org_unit_path: str


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    display_name: str
    language: str
    roles: tuple[ScopedRole, ...]
    session_generation: int = 0

    def paths_for(self, action: Action) -> tuple[str, ...]:
        """The units where a role allowing `action` is held (it reaches below them)."""
        return tuple(role.org_unit_path for role in self.roles if allows(role.role, action))

    def top_role_for(self, action: Action) -> ScopedRole:
        """The role allowing `action` held highest in the tree: the widest reach, for
        what binds one place to a chat. Raises OutOfScope when none allows it."""
        allowed = [role for role in self.roles if allows(role.role, action)]
        if not allowed:
            raise OutOfScope()
        return min(allowed, key=lambda role: len(role.org_unit_path))

    def require_somewhere(self, action: Action) -> None:
        """Raises OutOfScope unless some role allows `action` somewhere: for pages and
        lists that are filtered by place afterwards (a list of nothing is no answer)."""
        if not self.may(action):
            raise OutOfScope()

    def may(self, action: Action) -> bool:
        """True when some role allows `action` somewhere: for what a page shows, never
        for what is allowed (that needs the place too: `can`, `require`)."""
        return bool(self.paths_for(action))

    def can(self, action: Action, unit_path: str) -> bool:
        """True when a role held at `unit_path` or above it allows `action`."""
        return any(unit_path.startswith(path) for path in self.paths_for(action))

    def require(self, action: Action, unit_path: str) -> None:
        """Raises OutOfScope unless a role reaching the unit allows `action`. "Not yours"
        and "not allowed" are one answer, so other units cannot be probed."""
        if not self.can(action, unit_path):
            raise OutOfScope()

    def reaches_for(
        self, action: Action, unit_path: ColumnElement[str] | QueryableAttribute[str]
    ) -> ColumnElement[bool]:
        """`can` as SQL, for a query's unit path column (false where no role allows it)."""
        return or_(false(), *(unit_path.startswith(path) for path in self.paths_for(action)))


async def _load_view(session: AsyncSession, account: StaffAccount) -> StaffView:
    rows = await session.execute(
        select(StaffRole.role, OrgUnit.id, OrgUnit.name, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == StaffRole.org_unit_id)
        .where(StaffRole.staff_id == account.id)
        .order_by(OrgUnit.path)
    )
    roles = tuple(ScopedRole(*row) for row in rows)
    return StaffView(
        account.id,
        account.username,
        account.display_name,
        account.language,
        roles,
        account.session_generation,
    )


async def create_staff(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[tuple[Role, int]],
    actor_staff_id: int | None,
) -> StaffView:
    """Create an account holding `roles` (role, org unit id). An actor (None: the
    command line) must manage staff at each of those units. Raises not_a_staff_role,
    username_taken, weak_password, out_of_scope. The audit entry names the roles, never
    the password."""
    for role, _ in roles:
        if role not in STAFF_ROLES:
            raise NotAStaffRole(role=role.value)
    password_hash = await hash_password_off_loop(password)
    async with uow.write() as session:
        await _require_managing(session, actor_staff_id, [unit_id for _, unit_id in roles])
        if await session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
            raise UsernameTaken(username=username)
        account = StaffAccount(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            created_at=uow.now(),
            roles=[StaffRole(role=role, org_unit_id=unit_id) for role, unit_id in roles],
        )
        session.add(account)
        await session.flush()
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=actor_staff_id,
            action="staff.created",
            target=f"staff:{account.id}",
            unit_path=None,  # accounts are the whole bank's business
            details={"username": username, "roles": [[r.value, u] for r, u in roles]},
        )
        return await _load_view(session, account)


async def _require_managing(
    session: AsyncSession, actor_staff_id: int | None, unit_ids: list[int]
) -> None:
    """Raises out_of_scope unless the actor may manage staff at every unit given."""
    if actor_staff_id is None:
        return
    actor = await session.get(StaffAccount, actor_staff_id)
    if actor is None or not actor.is_active:
        raise OutOfScope()
    view = await _load_view(session, actor)
    for unit_id in unit_ids:
        unit = await session.get(OrgUnit, unit_id)
        view.require(Action.MANAGE_STAFF, unit.path if unit else "")


async def authenticate(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    address: str,
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> StaffView:
    """Check a login from client `address`. After MAX_FAILED_LOGINS wrong passwords from
    one address, that address is locked out of the account for LOCKOUT, even with the
    right password; other addresses are not. Failures from everywhere slow every try
    down (`pause`) once there are more than SLOWDOWN_AFTER. Raises invalid_credentials,
    account_locked.

    The password is verified between two short transactions, off the event loop: no
    row stays locked for the 125 ms a hash takes, and the server keeps answering."""
    address = address[:64]
    async with uow.read() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username)
        )
        here = await _failures_here(session, account, address)
    now = uow.now()
    if here is not None and here.locked_until and here.locked_until > now:
        raise AccountLocked(minutes=_minutes_left(here.locked_until, now))
    await pause(slowdown(account.failed_logins if account else 0))
    # Verified even for an unknown name, so timing does not tell which names exist.
    known_hash = account.password_hash if account else None
    password_ok = await verify_password_off_loop(known_hash, password)
    if account is None:
        raise InvalidCredentials()
    new_hash = None
    if password_ok and needs_rehash(account.password_hash):
        new_hash = await hash_password_off_loop(password)
    async with uow.write() as session:
        account = await session.get(StaffAccount, account.id, with_for_update=True)
        # A password changed meanwhile was not the one verified.
        if account is not None and account.password_hash != known_hash:
            password_ok = False
        if account is not None and account.is_active and password_ok:
            await _count_success(session, account, address, new_hash, now)
            return await _load_view(session, account)
        if account is not None:
            await _count_failure(session, account, address, now)
    # Raised only after the block commits the failure count: the lockout must hold.
    raise InvalidCredentials()


def slowdown(failures: int) -> float:
    """Seconds every try waits after `failures` wrong passwords from anywhere: none at
    first, then doubling up to SLOWDOWN_MAX. Slow enough to spoil guessing from many
    addresses, short enough for the owner to wait out."""
    if failures < SLOWDOWN_AFTER:
        return 0.0
    return float(min(SLOWDOWN_MAX, 2 ** (failures - SLOWDOWN_AFTER) * 0.25))


async def _failures_here(
    session: AsyncSession, account: StaffAccount | None, address: str, *, lock: bool = False
) -> LoginFailures | None:
    if account is None:
        return None
    query = select(LoginFailures).where(
        LoginFailures.staff_id == account.id, LoginFailures.address == address
    )
    return await session.scalar(query.with_for_update() if lock else query)


async def _count_failure(
    session: AsyncSession, account: StaffAccount, address: str, now: datetime
) -> None:
    # The account row is locked, so failures of one account are counted one at a time.
    account.failed_logins += 1
    here = await _failures_here(session, account, address, lock=True)
    if here is None:
        here = LoginFailures(staff_id=account.id, address=address, failures=0)
        session.add(here)
    here.failures += 1
    if here.failures >= MAX_FAILED_LOGINS:
        here.locked_until = now + LOCKOUT
        here.failures = 0
        record_audit(
            session,
            at=now,
            actor_staff_id=None,
            action="staff.locked",
            target=f"staff:{account.id}",
            unit_path=None,
            details={"minutes": int(LOCKOUT.total_seconds() // 60), "address": address},
        )


async def _count_success(
    session: AsyncSession,
    account: StaffAccount,
    address: str,
    new_hash: str | None,
    now: datetime,
) -> None:
    account.failed_logins = 0
    account.last_login_at = now
    await session.execute(
        delete(LoginFailures).where(
            LoginFailures.staff_id == account.id, LoginFailures.address == address
        )
    )
    if new_hash is not None:
        account.password_hash = new_hash


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


async def get_staff(uow: UnitOfWork, staff_id: int) -> StaffView | None:
    """The active account with its roles, read fresh: rights are never cached."""
    async with uow.read() as session:
        account = await session.get(StaffAccount, staff_id)
        if account is None or not account.is_active:
            return None
        return await _load_view(session, account)


async def set_password(
    uow: UnitOfWork, *, username: str, password: str, actor_staff_id: int | None
) -> None:
    """Give an account a new password and lift any lockout. An actor (None: the command
    line) must manage staff wherever the account holds a role. Raises
    invalid_credentials for an unknown username, weak_password, out_of_scope."""
    password_hash = await hash_password_off_loop(password)
    async with uow.write() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username)
        )
        if account is None:
            raise InvalidCredentials()
        await _require_managing(session, actor_staff_id, [r.org_unit_id for r in account.roles])
        account.password_hash = password_hash
        account.session_generation += 1
        account.failed_logins = 0
        await session.execute(delete(LoginFailures).where(LoginFailures.staff_id == account.id))
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=actor_staff_id,
            action="staff.password_set",
            target=f"staff:{account.id}",
            unit_path=None,
        )


async def end_sessions(uow: UnitOfWork, staff_id: int) -> None:
    """Logout: every session of the account signed so far stops working."""
    async with uow.write() as session:
        await session.execute(
            update(StaffAccount)
            .where(StaffAccount.id == staff_id)
            .values(session_generation=StaffAccount.session_generation + 1)
        )


async def staff_by_username(uow: UnitOfWork, username: str) -> StaffView | None:
    async with uow.read() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username)
        )
        return None if account is None else await _load_view(session, account)


async def staff_exists(uow: UnitOfWork, username: str) -> bool:
    async with uow.read() as session:
        found = await session.scalar(
            select(StaffAccount.id).where(StaffAccount.username == username)
        )
    return found is not None


async def all_staff(uow: UnitOfWork) -> list[StaffView]:
    """Every staff account with its roles, by username: the whole bank's list for the
    command line, which runs with the deployment's own rights (no reach applies)."""
    async with uow.read() as session:
        accounts = (
            await session.scalars(select(StaffAccount).order_by(StaffAccount.username))
        ).all()
        rows = await session.execute(
            select(StaffRole.staff_id, StaffRole.role, OrgUnit.id, OrgUnit.name, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == StaffRole.org_unit_id)
            .order_by(OrgUnit.path, StaffRole.role)
        )
    roles: dict[int, list[ScopedRole]] = {}
    for staff_id, role, unit_id, unit_name, unit_path in rows:
        roles.setdefault(staff_id, []).append(ScopedRole(role, unit_id, unit_name, unit_path))
    return [
        StaffView(a.id, a.username, a.display_name, a.language, tuple(roles.get(a.id, ())))
        for a in accounts
    ]
