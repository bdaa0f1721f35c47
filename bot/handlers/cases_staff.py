"""Staff act on a case from its alert in the bot: accept it or turn it down as invalid
with one tap; once accepted, resolve it with a photo of the fix, or pass it up the
ladder with a reason. Who taps is the staff account their Telegram is linked to, with its
rights read fresh; the version on the button makes a tap on a case someone else moved on
a polite "someone else was quicker", not a second step."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import CaseStep
from bot.downloads import download, image_file
from bot.filters import Has
from bot.keyboards import choices_kb
from bot.replies import chat_of, edit_text
from core.files import FileStorage
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.cases import reporting, steps
from rewards.cases.photos import MAX_PHOTO_BYTES, keep_photo
from rewards.errors import StaffNotLinked
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView
from rewards.staff.telegram import staff_of_chat


class StaffStep(StatesGroup):
    proof = State()  # a photo of the fix, then the case is resolved
    reason = State()  # why it goes up the ladder


async def on_case_step(
    callback: CallbackQuery,
    callback_data: CaseStep,
    t: Translator,
    uow: UnitOfWork,
    zone: ZoneInfo,
    state: FSMContext,
) -> None:
    staff = await _staff(uow, callback.from_user.id)
    case_id, version = callback_data.id, callback_data.version
    if callback_data.step in ("resolve", "escalate"):
        # The step itself waits for the photo or the reason; the version goes with it.
        await state.set_state(
            StaffStep.proof if callback_data.step == "resolve" else StaffStep.reason
        )
        await state.set_data({"case": case_id, "version": version})
        await callback.answer()
        await chat_of(callback).answer(t(f"cases.staff.ask_{callback_data.step}", number=case_id))
        return
    if callback_data.step == "verify":
        case = await steps.verify(uow, staff=staff, case_id=case_id, version=version, zone=zone)
    else:
        case = await steps.reject(
            uow, staff=staff, case_id=case_id, version=version, reason="invalid"
        )
    done = t(f"cases.staff.done_{callback_data.step}", name=html.quote(staff.display_name))
    await callback.answer(done)
    if isinstance(callback.message, Message):
        text = f"{callback.message.html_text}\n\n{done}"
        markup = (
            _work_buttons(t, staff, case.id, case.version)
            if callback_data.step == "verify"
            else None
        )
        await edit_text(callback.message, text, reply_markup=markup)


async def on_proof_photo(
    message: Message,
    t: Translator,
    uow: UnitOfWork,
    zone: ZoneInfo,
    state: FSMContext,
    bot: Bot,
    files: FileStorage,
) -> None:
    staff = await _staff(uow, message.chat.id)
    data = await state.get_data()
    case_id, version = int(data["case"]), int(data["version"])
    file_id, size = image_file(message)
    photo = await keep_photo(files, await download(bot, file_id, size, MAX_PHOTO_BYTES))
    await reporting.add_proof(uow, staff=staff, case_id=case_id, photo=photo)
    await steps.resolve(uow, staff=staff, case_id=case_id, version=version, zone=zone)
    await state.clear()
    await message.answer(t("cases.staff.done_resolve", number=case_id))


async def on_reason(message: Message, t: Translator, uow: UnitOfWork, state: FSMContext) -> None:
    staff = await _staff(uow, message.chat.id)
    data = await state.get_data()
    case_id, version = int(data["case"]), int(data["version"])
    await steps.escalate(
        uow, staff=staff, case_id=case_id, version=version, reason=message.text or ""
    )
    await state.clear()
    await message.answer(t("cases.staff.done_escalate", number=case_id))


def _work_buttons(
    t: Translator, staff: StaffView, case_id: int, version: int
) -> InlineKeyboardMarkup:
    """Resolve, and pass up for those whose role may (the service checks the place)."""
    work = ["resolve"] + (["escalate"] if staff.may(Action.ESCALATE_CASES) else [])
    return choices_kb(
        [
            (t(f"cases.button.{step}"), CaseStep(id=case_id, step=step, version=version).pack())
            for step in work
        ]
    )


async def _staff(uow: UnitOfWork, telegram_user_id: int) -> StaffView:
    staff = await staff_of_chat(uow, telegram_user_id)
    if staff is None:
        raise StaffNotLinked()
    return staff


def create_router() -> Router:
    router = Router(name=__name__)
    private = Has(F.chat.type == ChatType.PRIVATE)
    router.callback_query.register(on_case_step, CaseStep.filter())
    router.message.register(
        on_proof_photo, StateFilter(StaffStep.proof), Has(F.photo | F.document), private
    )
    router.message.register(on_reason, StateFilter(StaffStep.reason), Has(F.text), private)
    return router
