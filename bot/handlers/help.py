"""/help: what the bot can do, in plain words."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from core.i18n import Translator


async def cmd_help(message: Message, t: Translator) -> None:
    await message.answer(t("help.text"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_help, Command("help"))
    return router
