"""A staff member's Telegram, linked once from the panel: the panel shows a one-time deep
link (and its QR); opening it in Telegram sends the bot `/start staff_<secret>`, which
links that Telegram account to the staff account. From then on cases and alerts reach
them in the bot, and the bot knows who taps a staff button: rights are still read fresh
from the staff account at every step, never from the chat.

Without a linked Telegram, staff work in the panel only. A link can be undone in the
panel; linking again replaces it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import StaffLinkInvalid, TelegramTakenByStaff
from rewards.org.models import OrgUnit
from rewards.people.models import Person, PersonChannel
from rewards.people.residents import TELEGRAM
from rewards.staff.models import StaffAccount, StaffChat, StaffLinkCode, StaffRole
from rewards.staff.permissions import Action, allows
from rewards.staff.service import StaffView, get_staff

LINK_PREFIX = "staff_"  # a deep link's payload: /start staff_<secret>
LINK_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class LinkOffer:
    payload: str  # what follows /start: within Telegram's 64 characters of A-Za-z0-9_-
    expires_at: datetime


@dataclass(frozen=True)
class LinkState:
    linked: bool
    linked_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def staff_link_secret(payload: str) -> str | None:
    """The secret in a /start payload, or None when it is not a staff link's."""
    if not payload.startswith(LINK_PREFIX):
        return None
    secret = payload[len(LINK_PREFIX) :]
    ok = len(secret) == 32 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in secret)
    return secret if ok else None


async def offer_link(uow: UnitOfWork, *, staff: StaffView) -> LinkOffer:
    """A fresh one-time link for this staff member; links offered before stop working."""
    secret = secrets.token_urlsafe(24)  # 32 characters of A-Za-z0-9_-
    async with uow.write() as session:
        now = uow.now()
        await session.execute(
            update(StaffLinkCode)
            .where(StaffLinkCode.staff_id == staff.id, StaffLinkCode.used_at.is_(None))
            .values(used_at=now)
        )
        session.add(
            StaffLinkCode(
                digest=_digest(secret),
                staff_id=staff.id,
                created_at=now,
                expires_at=now + LINK_LIFETIME,
            )
        )
    return LinkOffer(LINK_PREFIX + secret, now + LINK_LIFETIME)


async def link_chat(uow: UnitOfWork, *, secret: str, telegram_user_id: int) -> StaffView:
    """Spend the link: this Telegram account now speaks for its staff account. Raises
    staff_link_invalid (unknown, used or expired), telegram_taken_by_staff (the Telegram
    account is another staff member's)."""
    async with uow.write() as session:
        now = uow.now()
        code = await session.scalar(
            select(StaffLinkCode).where(StaffLinkCode.digest == _digest(secret)).with_for_update()
        )
        if code is None or code.used_at is not None or code.expires_at <= now:
            raise StaffLinkInvalid()
        account = await session.get(StaffAccount, code.staff_id)
        if account is None or not account.is_active:
            raise StaffLinkInvalid()
        holder = await session.scalar(
            select(StaffChat.staff_id).where(StaffChat.telegram_user_id == telegram_user_id)
        )
        if holder is not None and holder != account.id:
            raise TelegramTakenByStaff()
        code.used_at = now
        await session.execute(delete(StaffChat).where(StaffChat.staff_id == account.id))
        session.add(
            StaffChat(staff_id=account.id, telegram_user_id=telegram_user_id, linked_at=now)
        )
        _audit(session, account.id, "staff.telegram_linked", now)
    staff = await get_staff(uow, code.staff_id)
    assert staff is not None
    return staff


async def unlink_chat(uow: UnitOfWork, *, staff: StaffView) -> None:
    async with uow.write() as session:
        removed = await session.execute(delete(StaffChat).where(StaffChat.staff_id == staff.id))
        if getattr(removed, "rowcount", 0):
            _audit(session, staff.id, "staff.telegram_unlinked", uow.now())


async def link_state(uow: UnitOfWork, *, staff: StaffView) -> LinkState:
    async with uow.read() as session:
        linked_at = await session.scalar(
            select(StaffChat.linked_at).where(StaffChat.staff_id == staff.id)
        )
    return LinkState(linked_at is not None, linked_at)


async def staff_of_chat(uow: UnitOfWork, telegram_user_id: int) -> StaffView | None:
    """The staff member this Telegram account speaks for (roles read fresh), if any."""
    async with uow.read() as session:
        staff_id = await session.scalar(
            select(StaffChat.staff_id).where(StaffChat.telegram_user_id == telegram_user_id)
        )
    return await get_staff(uow, staff_id) if staff_id is not None else None


@dataclass(frozen=True)
class LinkedStaff:
    telegram_user_id: int
    staff_id: int
    username: str
    display_name: str


async def linked_staff(uow: UnitOfWork) -> list[LinkedStaff]:
    """Active staff accounts with a linked Telegram, by username (the demo's stand-in for
    Telegram plays them)."""
    async with uow.read() as session:
        rows = await session.execute(
            select(
                StaffChat.telegram_user_id,
                StaffAccount.id,
                StaffAccount.username,
                StaffAccount.display_name,
            )
            .join(StaffAccount, StaffAccount.id == StaffChat.staff_id)
            .where(StaffAccount.is_active.is_(True))
            .order_by(StaffAccount.username)
        )
        return [LinkedStaff(*row) for row in rows.all()]


def linked_chats() -> Select[int, int, str]:
    """Active staff with a linked Telegram: (staff id, chat, language), the language the
    one they chose in the bot, else their account's. Callers narrow it down to whom a
    message is for."""
    return (
        select(
            StaffChat.staff_id,
            StaffChat.telegram_user_id,
            func.coalesce(Person.language, StaffAccount.language),
        )
        .join(StaffAccount, StaffAccount.id == StaffChat.staff_id)
        .outerjoin(
            PersonChannel,
            (PersonChannel.external_id == StaffChat.telegram_user_id)
            & (PersonChannel.channel == TELEGRAM),
        )
        .outerjoin(Person, Person.id == PersonChannel.person_id)
        .where(StaffAccount.is_active.is_(True))
    )


def _audit(session: AsyncSession, staff_id: int, action: str, now: datetime) -> None:
    record_audit(
        session,
        at=now,
        actor_staff_id=staff_id,
        action=action,
        target=f"staff:{staff_id}",
        unit_path=None,
    )


async def linked_chats_reaching(
    session: AsyncSession, unit_path: str, action: Action
) -> dict[int, str]:
    """Chat → language of the linked staff whose role allows `action` at `unit_path` (a
    role held there or above it): whom a step there is asked of."""
    rows = await session.execute(
        linked_chats()
        .add_columns(StaffRole.role)
        .join(StaffRole, StaffRole.staff_id == StaffChat.staff_id)
        .join(OrgUnit, OrgUnit.id == StaffRole.org_unit_id)
        .where(literal(unit_path).startswith(OrgUnit.path))
    )
    return {chat_id: str(language) for _, chat_id, language, role in rows if allows(role, action)}
