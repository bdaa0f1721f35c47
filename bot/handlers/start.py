"""/start: greet the person in their language and offer to switch it."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import CommandStart
from aiogram.types import Message

from bot.keyboards import language_kb
from core.i18n import Translator
from rewards.people.service import PersonView


async def cmd_start(message: Message, t: Translator, person: PersonView) -> None:
    await message.answer(
        t("start.welcome", name=html.quote(person.display_name)), reply_markup=language_kb(t)
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    return router
