"""/start: greet the person in their language, offer to switch it, and lead a newcomer
into joining (an invite link's payload can fix their grid); a kiosk's QR opens its
checkout instead, a staff member's link from the panel links their Telegram, and an
assembly point's poster checks in to duty.
/cancel leaves whatever conversation the person is in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router, html
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove

from bot.handlers.checkout import show_checkout
from bot.handlers.duty import check_in_by_poster
from bot.handlers.joining import offer_joining
from bot.handlers.staff_link import link_staff
from bot.keyboards import language_kb, main_menu_kb
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.duty.activities import POSTER_PREFIX
from rewards.duty.policy import DutyPolicy
from rewards.people.joining import residency
from rewards.people.service import PersonView
from rewards.redemption.codes import LINK_PREFIX
from rewards.staff.telegram import LINK_PREFIX as STAFF_LINK_PREFIX


async def cmd_start(
    message: Message,
    command: CommandObject,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    zone: ZoneInfo,
    duty: DutyPolicy,
) -> None:
    if command.args and command.args.startswith(LINK_PREFIX):
        # At the counter: the checkout, not a welcome.
        await show_checkout(message, t, person, uow, command.args)
        return
    if command.args and command.args.startswith(STAFF_LINK_PREFIX):
        await link_staff(message, t, uow, command.args)
        return
    if command.args and command.args.startswith(POSTER_PREFIX):
        # At the assembly point: the poster's QR checks in.
        await check_in_by_poster(message, t, person, uow, zone, duty, command.args)
        return
    await message.answer(
        t("start.welcome", name=html.quote(person.display_name)), reply_markup=language_kb(t)
    )
    await offer_joining(message, t, person, uow, state, command.args)


async def cmd_cancel(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    await state.clear()
    if await residency(uow, person.id) is None:
        # A newcomer may still see the phone button of the step they left.
        await message.answer(t("cancel.start"), reply_markup=ReplyKeyboardRemove())
        return
    await message.answer(t("cancel.menu"), reply_markup=main_menu_kb(t))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_cancel, Command("cancel"))
    return router
