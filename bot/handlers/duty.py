"""志愿值班 in the chat: the week's shifts of the resident's community with a button to
sign up (or join the waiting list) or cancel; "My shifts"; taking a place offered from the
waiting list; checking in by the assembly point's poster (its deep link) or by sharing
location there; and checking out with "all clear" or a problem, which starts a report at
the assembly point."""

from __future__ import annotations

from itertools import groupby
from zoneinfo import ZoneInfo

from aiogram import F, Router, html
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import DutyStep
from bot.filters import Has, is_menu
from bot.handlers.reporting import ask
from bot.keyboards import choices_kb, main_menu_kb
from bot.replies import Answerable, chat_of
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.cases import reporting
from rewards.duty import checkin, groups, signups
from rewards.duty.checkin import CheckIn
from rewards.duty.errors import NotSignedUp
from rewards.duty.listing import ShiftLine, my_shifts, open_shifts
from rewards.duty.policy import DutyPolicy
from rewards.errors import StaffNotLinked
from rewards.people.service import PersonView
from rewards.staff.telegram import staff_of_chat


async def show_shifts(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, zone: ZoneInfo
) -> None:
    lines = await open_shifts(uow, person_id=person.id)
    if not lines:
        await message.answer(t("duty.none"), reply_markup=main_menu_kb(t))
        return
    await _list(message, t, lines, zone, title=t("duty.title"))


async def on_step(
    callback: CallbackQuery,
    callback_data: DutyStep,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    zone: ZoneInfo,
    state: FSMContext,
    duty: DutyPolicy,
) -> None:
    chat, shift, action = chat_of(callback), callback_data.shift, callback_data.action
    if action == "mine":
        await callback.answer()
        lines = await my_shifts(uow, person_id=person.id)
        text = t("duty.mine_title") if lines else t("duty.mine_none")
        await _list(chat, t, lines, zone, title=text)
        return
    if action in ("ok", "problem"):
        await _check_out(callback, chat, t, person, uow, state, shift, action == "ok")
        return
    if action == "join":
        done = await signups.sign_up(uow, person_id=person.id, shift_id=shift, policy=duty)
    elif action == "take":
        done = await signups.take_offer(uow, person_id=person.id, shift_id=shift)
    else:
        done = await signups.cancel(uow, person_id=person.id, shift_id=shift, policy=duty)
    await callback.answer(t(f"duty.done.{done.status}"), show_alert=True)
    await _list(chat, t, await my_shifts(uow, person_id=person.id), zone, t("duty.mine_title"))


async def check_in_by_poster(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, zone: ZoneInfo,
    duty: DutyPolicy, payload: str,
) -> None:  # fmt: skip
    """/start duty_<secret>, from the poster's QR."""
    done = await checkin.check_in_by_poster(uow, person_id=person.id, payload=payload, policy=duty)
    await _checked_in(message, t, done, zone)


async def on_location(
    message: Message,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    zone: ZoneInfo,
    duty: DutyPolicy,
) -> None:
    """A location with no report being told: a check-in near one's assembly point."""
    if message.location is None:
        raise SkipHandler()
    try:
        done = await checkin.check_in_by_location(
            uow,
            person_id=person.id,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            policy=duty,
        )
    except NotSignedUp:
        await message.answer(t("report.location_without_report"), reply_markup=main_menu_kb(t))
        return
    await _checked_in(message, t, done, zone)


async def bind_group(message: Message, t: Translator, uow: UnitOfWork) -> None:
    """/dutygroup in the volunteers' group, by a staff member who linked their Telegram:
    the group gets the coming patrols every morning and evening."""
    if message.from_user is None:
        return
    staff = await staff_of_chat(uow, message.from_user.id)
    if staff is None:
        raise StaffNotLinked()
    bound = await groups.bind_group(uow, staff=staff, chat_id=message.chat.id, language=t.locale)
    await message.answer(t("duty.group_bound", unit=html.quote(bound.unit_name)))


async def _checked_in(message: Message, t: Translator, done: CheckIn, zone: ZoneInfo) -> None:
    key = "duty.checked_in_walk_in" if done.walk_in else "duty.checked_in"
    if done.again:
        key = "duty.check_out_now"
    text = t(
        key,
        activity=html.quote(done.activity),
        place=html.quote(done.place),
        time=done.starts_at.astimezone(zone).strftime("%H:%M"),
    )
    buttons = [
        (t("duty.button.all_clear"), DutyStep(shift=done.shift_id, action="ok").pack()),
        (t("duty.button.problem"), DutyStep(shift=done.shift_id, action="problem").pack()),
    ]
    await message.answer(text, reply_markup=choices_kb(buttons))


async def _check_out(
    callback: CallbackQuery,
    chat: Answerable,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    shift: int,
    all_clear: bool,
) -> None:
    done = await checkin.check_out(uow, person_id=person.id, shift_id=shift, all_clear=all_clear)
    await callback.answer()
    if all_clear:
        await chat.answer(t("duty.all_clear"), reply_markup=main_menu_kb(t))
        return
    # A problem on the round: a report at the assembly point, from its photos on.
    draft = await reporting.open_draft(uow, person_id=person.id)
    draft = await reporting.set_location(
        uow, person_id=person.id, case_id=draft.id, latitude=done.latitude,
        longitude=done.longitude,
    )  # fmt: skip
    await chat.answer(t("duty.problem"))
    await ask(chat, t, person, uow, state, draft, "photos")


async def _list(
    chat: Answerable, t: Translator, lines: list[ShiftLine], zone: ZoneInfo, title: str
) -> None:
    text = [title]
    for grid, shifts in groupby(lines, key=lambda line: line.grid):
        text += [t("duty.grid", grid=html.quote(grid)), *(_line(t, s, zone) for s in shifts)]
    await chat.answer("\n".join(text), reply_markup=_buttons(t, lines, zone))


def _line(t: Translator, line: ShiftLine, zone: ZoneInfo) -> str:
    name = t.pick(line.activity, line.activity_en)
    text = t(
        "duty.line",
        when=_when(line, zone),
        activity=html.quote(name),
        place=html.quote(line.place),
        left=max(line.capacity - line.taken, 0),
        capacity=line.capacity,
    )
    return f"{text} · {t(f'duty.status.{line.mine}')}" if line.mine else text


def _buttons(t: Translator, lines: list[ShiftLine], zone: ZoneInfo) -> InlineKeyboardMarkup:
    rows = []
    for line in lines:
        if line.mine in ("signed", "waiting"):
            action, label = "cancel", "duty.button.cancel"
        elif line.mine == "offered":
            action, label = "take", "duty.button.take"
        elif line.mine is None:
            action, label = "join", "duty.button.join"
        else:
            continue
        text = t(label, when=_when(line, zone))
        rows.append((text, DutyStep(shift=line.shift_id, action=action).pack()))
    rows.append((t("duty.button.mine"), DutyStep(shift=1, action="mine").pack()))
    return choices_kb(rows)


def _when(line: ShiftLine, zone: ZoneInfo) -> str:
    start, end = line.starts_at.astimezone(zone), line.ends_at.astimezone(zone)
    return f"{start:%m-%d %H:%M}–{end:%H:%M}"


def create_router() -> Router:
    router = Router(name=__name__)
    private = Has(F.chat.type == ChatType.PRIVATE)
    router.message.register(show_shifts, is_menu("menu.duty"), private)
    router.message.register(on_location, Has(F.location), private)
    router.callback_query.register(on_step, DutyStep.filter())
    in_group = Has(F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}))
    router.message.register(bind_group, Command("dutygroup"), in_group)
    return router
