"""A staff member links their Telegram: the panel's one-time link opens the bot with
/start staff_<secret>. Only in a private chat, where the chat is the person."""

from __future__ import annotations

from aiogram import html
from aiogram.types import Message

from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.errors import StaffLinkInvalid
from rewards.staff.telegram import link_chat, staff_link_secret


async def link_staff(message: Message, t: Translator, uow: UnitOfWork, payload: str) -> None:
    """Answer /start with a staff link's payload (one that starts like one)."""
    secret = staff_link_secret(payload)
    if secret is None or message.from_user is None or message.chat.type != "private":
        raise StaffLinkInvalid()
    staff = await link_chat(uow, secret=secret, telegram_user_id=message.from_user.id)
    await message.answer(t("staff_link.done", name=html.quote(staff.display_name)))
