"""/language: choose 中文 or English; the choice is remembered."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import LanguageCallback
from bot.filters import Has
from bot.handlers.joining import Joining, ask_consent
from bot.keyboards import language_kb
from core.i18n import Catalogues, Translator
from core.uow import UnitOfWork
from rewards.people.service import set_language

TELEGRAM = "telegram"


async def cmd_language(
    message: Message,
    command: CommandObject,
    t: Translator,
    uow: UnitOfWork,
    catalogues: Catalogues,
) -> None:
    if not command.args:
        await message.answer(t("language.choose"), reply_markup=language_kb(t))
        return
    assert message.from_user is not None
    person = await set_language(
        uow, channel=TELEGRAM, external_id=message.from_user.id, language=command.args.strip()
    )
    await message.answer(catalogues.translator(person.language)("language.changed"))


async def cb_language(
    callback: CallbackQuery,
    callback_data: LanguageCallback,
    uow: UnitOfWork,
    catalogues: Catalogues,
    state: FSMContext,
) -> None:
    person = await set_language(
        uow, channel=TELEGRAM, external_id=callback.from_user.id, language=callback_data.code
    )
    t = catalogues.translator(person.language)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(t("language.changed"), reply_markup=None)
    await callback.answer(t("language.changed"))
    if isinstance(callback.message, Message) and await state.get_state() == Joining.consent:
        # Language comes first on the way in: the next step again, now readable.
        await ask_consent(callback.message, t)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_language, Command("language"), Has(F.from_user))
    router.callback_query.register(cb_language, LanguageCallback.filter())
    return router
