"""Telegram tells the bot when a user blocks or unblocks it (my_chat_member): the outbox
then skips their chat, or writes to it again."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated

from core.uow import UnitOfWork
from rewards.messaging.delivery import chat_blocked, chat_returned

GONE = frozenset({ChatMemberStatus.KICKED, ChatMemberStatus.LEFT})


async def on_membership(update: ChatMemberUpdated, uow: UnitOfWork) -> None:
    status = update.new_chat_member.status
    if status in GONE:
        await chat_blocked(uow, chat_id=update.chat.id, reason=f"the bot was {status}")
    else:
        await chat_returned(uow, chat_id=update.chat.id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_membership)
    return router
