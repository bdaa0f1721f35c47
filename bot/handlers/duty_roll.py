"""Confirming who came to a shift, in the bot: the team's leader or a linked staff member
opens the roster from the end-of-shift message, ticks (those who checked in start ticked)
and confirms; the points post then. The ticks wait in the conversation state."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router, html
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import DutyRoll
from bot.keyboards import choices_kb
from bot.replies import chat_of, edit_text
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.duty.attendance import Roster, confirm_attendance, roster
from rewards.people.service import PersonView
from rewards.staff.telegram import staff_of_chat

CAN_COME = ("signed", "offered")


async def on_roll(
    callback: CallbackQuery,
    callback_data: DutyRoll,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    zone: ZoneInfo,
    state: FSMContext,
) -> None:
    # Staff confirm by their rights; anyone else as a team leader (the service checks).
    staff = await staff_of_chat(uow, callback.from_user.id)
    leader_id = person.id if staff is None else None
    shift, key = callback_data.shift, f"roll:{callback_data.shift}"
    found = await roster(uow, staff=staff, leader_id=leader_id, shift_id=shift)
    data = await state.get_data()
    ticked = set(data.get(key, []))
    if callback_data.action == "open":
        ticked = {line.person_id for line in found.lines if line.checked_in_at}
    elif callback_data.action == "tick":
        ticked ^= {callback_data.person}
    else:
        done = await confirm_attendance(
            uow, staff=staff, leader_id=leader_id, shift_id=shift, present=ticked, zone=zone
        )
        await state.update_data({key: []})
        await callback.answer()
        text = t("duty.roll_done", attended=done.attended, absent=done.absent, paid=done.paid)
        await chat_of(callback).answer(text)
        return
    await state.update_data({key: sorted(ticked)})
    await callback.answer()
    text = t("duty.roll_title", activity=html.quote(t.pick(found.activity, found.activity_en)),
             time=found.starts_at.astimezone(zone).strftime("%m-%d %H:%M"))  # fmt: skip
    markup = _roll_kb(t, found, ticked)
    if callback_data.action == "tick" and isinstance(callback.message, Message):
        await edit_text(callback.message, text, reply_markup=markup)
    else:
        await chat_of(callback).answer(text, reply_markup=markup)


def _roll_kb(t: Translator, found: Roster, ticked: set[int]) -> InlineKeyboardMarkup:
    rows = [
        (("✅ " if line.person_id in ticked else "⬜ ") + line.name,
         DutyRoll(shift=found.shift_id, person=line.person_id, action="tick").pack())
        for line in found.lines
        if line.status in CAN_COME
    ]  # fmt: skip
    done = DutyRoll(shift=found.shift_id, person=0, action="done").pack()
    rows.append((t("duty.button.roll_done", count=len(ticked)), done))
    return choices_kb(rows)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_roll, DutyRoll.filter())
    return router
