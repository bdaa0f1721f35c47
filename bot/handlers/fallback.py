"""Whatever no other router took: an outdated or forged button, or words we don't parse
(in a private chat: in a group, talk that is not for the bot goes unanswered)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.filters import Has
from core.i18n import Translator


async def on_unknown_button(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer(t("fallback.stale_button"), show_alert=True)


async def on_unknown_message(message: Message, t: Translator) -> None:
    await message.answer(t("fallback.not_understood"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_unknown_button)
    router.message.register(on_unknown_message, Has(F.chat.type == ChatType.PRIVATE))
    return router
