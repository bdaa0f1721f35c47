""" "Pay code" (付款码): the resident's short-lived, single-use code as a QR with its digits
underneath, from the main menu or /pay. "Refresh" draws a new one, which retires the one
shown, and replaces the message. Only in the resident's private chat: in a group anyone
could read the code off the screen and spend it."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.callbacks import PayCodeRefresh
from bot.filters import Has, is_menu
from bot.keyboards import pay_code_kb
from bot.qr import qr_png
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.people.service import PersonView
from rewards.redemption.codes import PAY_CODE_LIFETIME, PayCodeView, issue_pay_code


async def show_pay_code(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, zone: ZoneInfo
) -> None:
    code = await issue_pay_code(uow, person_id=person.id)
    await _send(message, t, code, zone)


async def refresh_pay_code(
    callback: CallbackQuery, t: Translator, person: PersonView, uow: UnitOfWork, zone: ZoneInfo
) -> None:
    code = await issue_pay_code(uow, person_id=person.id)
    await callback.answer()
    if not isinstance(callback.message, Message):
        return  # too old for Telegram to show us: the new code still needs a chat
    await _send(callback.message, t, code, zone)
    # A photo cannot become another photo through our edits; the old one goes instead.
    # Telegram refuses to delete messages older than 48 hours: that one stays, its code
    # already dead.
    with contextlib.suppress(TelegramBadRequest):
        await callback.message.delete()


async def _send(message: Message, t: Translator, code: PayCodeView, zone: ZoneInfo) -> None:
    photo = BufferedInputFile(qr_png(code.digits), filename="pay-code.png")
    caption = t(
        "pay.caption",
        code=code.grouped,
        minutes=PAY_CODE_LIFETIME // timedelta(minutes=1),
        until=code.expires_at.astimezone(zone).strftime("%H:%M"),
    )
    await message.answer_photo(photo, caption=caption, reply_markup=pay_code_kb(t))


def create_router() -> Router:
    router = Router(name=__name__)
    private = Has(F.chat.type == ChatType.PRIVATE)
    router.message.register(show_pay_code, Command("pay"), private)
    router.message.register(show_pay_code, is_menu("menu.pay"), private)
    router.callback_query.register(refresh_pay_code, PayCodeRefresh.filter())
    return router
