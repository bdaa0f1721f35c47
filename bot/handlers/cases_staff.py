"""Staff act on a case from its alert in the bot: one tap to verify it or to turn it down
as invalid. Who taps is the staff account their Telegram is linked to, with its rights
read fresh; the version on the button makes a tap on a case someone else moved on a
polite "someone else was quicker", not a second step."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router, html
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CaseStep
from bot.replies import edit_text
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.cases import steps
from rewards.errors import StaffNotLinked
from rewards.staff.telegram import staff_of_chat


async def on_case_step(
    callback: CallbackQuery,
    callback_data: CaseStep,
    t: Translator,
    uow: UnitOfWork,
    zone: ZoneInfo,
) -> None:
    staff = await staff_of_chat(uow, callback.from_user.id)
    if staff is None:
        raise StaffNotLinked()
    case_id, version = callback_data.id, callback_data.version
    if callback_data.step == "verify":
        await steps.verify(uow, staff=staff, case_id=case_id, version=version, zone=zone)
    else:
        await steps.reject(uow, staff=staff, case_id=case_id, version=version, reason="invalid")
    done = t(f"cases.staff.done_{callback_data.step}", name=html.quote(staff.display_name))
    await callback.answer(done)
    if isinstance(callback.message, Message):
        await edit_text(callback.message, f"{callback.message.html_text}\n\n{done}")


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_case_step, CaseStep.filter())
    return router
