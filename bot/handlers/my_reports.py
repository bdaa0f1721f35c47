""" "My reports": the resident's reports with their state, each one's history, and their
word on it: stars (and a comment) after it was closed, or "still not fixed" (with what is
wrong) after a fix, which sends it back to whoever answers for it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router, html
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import CaseFeedback, MyReport
from bot.filters import Has, is_menu
from bot.keyboards import choices_kb, feedback_kb, main_menu_kb
from bot.replies import chat_of
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.cases import steps
from rewards.cases.history import MyCase, MyCaseHistory, my_case, my_cases
from rewards.people.service import PersonView

STILL_FIXED = 6  # the week-later question's "yes, still fixed"


class Feedback(StatesGroup):
    comment = State()  # words after the stars
    not_fixed = State()  # what is still wrong


async def show_my_reports(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, zone: ZoneInfo
) -> None:
    cases = await my_cases(uow, person_id=person.id)
    if not cases:
        await message.answer(t("my_reports.none"), reply_markup=main_menu_kb(t))
        return
    lines = [t("my_reports.title")] + [_line(t, case, zone) for case in cases]
    buttons = [(f"#{case.id}", MyReport(id=case.id).pack()) for case in cases]
    await message.answer("\n".join(lines), reply_markup=choices_kb(buttons))


async def show_my_report(
    callback: CallbackQuery,
    callback_data: MyReport,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    zone: ZoneInfo,
) -> None:
    history = await my_case(uow, person_id=person.id, case_id=callback_data.id)
    await callback.answer()
    await chat_of(callback).answer(
        render_history(t, history, zone), reply_markup=_next_steps(t, history.case)
    )


async def on_feedback(
    callback: CallbackQuery,
    callback_data: CaseFeedback,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    case_id = callback_data.id
    if callback_data.stars == STILL_FIXED:
        await steps.confirm_fixed(uow, person_id=person.id, case_id=case_id)
        await callback.answer(t("my_reports.still_fixed"))
        return
    if callback_data.stars == 0:
        await my_case(uow, person_id=person.id, case_id=case_id)  # theirs, or refused
        await callback.answer()
        await state.set_state(Feedback.not_fixed)
        await state.set_data({"case": case_id})
        await chat_of(callback).answer(t("my_reports.ask_not_fixed", number=case_id))
        return
    await steps.rate(
        uow, person_id=person.id, case_id=case_id, stars=callback_data.stars, comment=None
    )
    await callback.answer(t("my_reports.rated", stars="⭐" * callback_data.stars))
    await state.set_state(Feedback.comment)
    await state.set_data({"case": case_id})
    await chat_of(callback).answer(t("my_reports.ask_comment"))


async def on_comment(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    case_id = int((await state.get_data()).get("case", 0))
    await state.clear()
    await steps.comment_on_rating(
        uow, person_id=person.id, case_id=case_id, comment=message.text or ""
    )
    await message.answer(t("my_reports.comment_kept"), reply_markup=main_menu_kb(t))


async def on_not_fixed(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    case_id = int((await state.get_data()).get("case", 0))
    await state.clear()
    # The reporter hears "sent back to the handlers" from the step's own notice.
    await steps.reopen(uow, person_id=person.id, case_id=case_id, reason=message.text or "")
    await message.answer(t("my_reports.reopened", number=case_id), reply_markup=main_menu_kb(t))


def render_history(t: Translator, history: MyCaseHistory, zone: ZoneInfo) -> str:
    lines = [_line(t, history.case, zone), ""]
    for event in history.events:
        when = event.at.astimezone(zone).strftime("%m-%d %H:%M")
        line = f"{when} {t(f'my_reports.event.{event.action}')}"
        if event.reason:
            line += f" · {html.quote(event.reason)}"
        lines.append(line)
    if history.case.rating:
        lines.append(t("my_reports.your_rating", stars="⭐" * history.case.rating))
    return "\n".join(lines)


def _line(t: Translator, case: MyCase, zone: ZoneInfo) -> str:
    category = t.pick(case.category, case.category_en) if case.category else None
    when = case.reported_at.astimezone(zone).strftime("%m-%d") if case.reported_at else ""
    return t(
        "my_reports.line",
        number=case.id,
        category=html.quote(category or ""),
        status=t(f"my_reports.status.{case.status}"),
        when=when,
    )


def _next_steps(t: Translator, case: MyCase) -> InlineKeyboardMarkup | None:
    if case.status == "closed":
        return feedback_kb(t, case.id)
    if case.status == "handled":
        return choices_kb(
            [(t("cases.button.not_fixed"), CaseFeedback(id=case.id, stars=0).pack())]
        )
    return None


def create_router() -> Router:
    router = Router(name=__name__)
    private = Has(F.chat.type == ChatType.PRIVATE)
    router.message.register(show_my_reports, is_menu("menu.my_reports"), private)
    router.message.register(on_comment, StateFilter(Feedback.comment), Has(F.text), private)
    router.message.register(on_not_fixed, StateFilter(Feedback.not_fixed), Has(F.text), private)
    router.callback_query.register(show_my_report, MyReport.filter())
    router.callback_query.register(on_feedback, CaseFeedback.filter())
    return router
