"""/start: greet the person in their language, offer to switch it, and lead a newcomer
into joining (an invite link's payload can fix their grid)."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.handlers.joining import offer_joining
from bot.keyboards import language_kb
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.people.service import PersonView


async def cmd_start(
    message: Message,
    command: CommandObject,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    await message.answer(
        t("start.welcome", name=html.quote(person.display_name)), reply_markup=language_kb(t)
    )
    await offer_joining(message, t, person, uow, state, command.args)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    return router
