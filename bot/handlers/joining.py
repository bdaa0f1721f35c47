"""Joining, step by step, mostly by tapping: consent → own phone → community and grid (or
the grid an invite link fixed) → a household by its code, or a new one → waiting for
staff. The steps live in the FSM storage (Redis when configured), so a restart in the
middle loses nothing. Also /privacy, /mydata and /leave.
"""

from __future__ import annotations

import json

from aiogram import F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Message,
    ReplyKeyboardRemove,
)

from bot.callbacks import JoinPlace, JoinStep, LeaveStep
from bot.filters import Has
from bot.keyboards import choices_kb, main_menu_kb, share_phone_kb
from core.i18n import Translator
from core.ratelimit import RateLimiter
from core.uow import UnitOfWork
from rewards.errors import NotYourContact
from rewards.people.joining import (
    apply_to_join,
    give_consent,
    give_phone,
    grid_place,
    leave,
    my_data,
    place_by_code,
    places,
    residency,
)
from rewards.people.service import PersonView

# A deep link that fixes the grid: t.me/<bot>?start=j_<grid code>
INVITE_PREFIX = "j_"


class Joining(StatesGroup):
    consent = State()
    phone = State()
    place = State()
    household = State()
    household_code = State()


async def offer_joining(
    message: Message,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    payload: str | None,
) -> None:
    """After the greeting: the main menu for residents, the first step for newcomers."""
    status = await residency(uow, person.id)
    if status == "verified":
        await message.answer(t("join.menu"), reply_markup=main_menu_kb(t))
        return
    if status is not None:
        await message.answer(t("join.waiting"), reply_markup=main_menu_kb(t))
        return
    grid = None
    if payload and payload.startswith(INVITE_PREFIX):
        grid = await place_by_code(uow, payload.removeprefix(INVITE_PREFIX))
    await state.set_state(Joining.consent)
    await state.set_data(
        {"grid": grid.id if grid else None, "grid_name": grid.name if grid else None}
    )
    await ask_consent(message, t)


async def ask_consent(message: Message, t: Translator) -> None:
    buttons = [
        (t("join.agree"), JoinStep(action="agree").pack()),
        (t("join.later"), JoinStep(action="later").pack()),
    ]
    await message.answer(t("join.privacy"), reply_markup=choices_kb(buttons))


async def on_agree(
    callback: CallbackQuery, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    await give_consent(uow, person_id=person.id)
    await state.set_state(Joining.phone)
    await callback.answer(t("join.thanks"))
    await _reply(callback, t("join.phone"), reply_markup=share_phone_kb(t))


async def on_later(callback: CallbackQuery, t: Translator, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    await _reply(callback, t("join.look_around"), reply_markup=main_menu_kb(t))


async def on_contact(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    assert message.contact is not None
    assert message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        raise NotYourContact()
    await give_phone(uow, person_id=person.id, phone=message.contact.phone_number)
    await message.answer(t("join.phone_saved"), reply_markup=ReplyKeyboardRemove())
    data = await state.get_data()
    if data.get("grid"):
        await _ask_household(message, t, state, data["grid_name"])
        return
    await state.set_state(Joining.place)
    communities = await places(uow)
    if len(communities) == 1:  # nothing to choose
        await _show_grids(message, t, uow, communities[0].id)
        return
    rows = [(place.name, JoinPlace(kind="c", id=place.id).pack()) for place in communities]
    await message.answer(t("join.community"), reply_markup=choices_kb(rows))


async def on_typed_phone(message: Message, t: Translator) -> None:
    """Typed numbers are not accepted: only the button proves the number is theirs."""
    await message.answer(t("join.use_button"), reply_markup=share_phone_kb(t))


async def on_place(
    callback: CallbackQuery,
    callback_data: JoinPlace,
    t: Translator,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    if callback_data.kind == "c":
        await _show_grids(callback.message, t, uow, callback_data.id)
        return
    grid = await grid_place(uow, callback_data.id)  # refuses an old or forged button
    await state.update_data(grid=grid.id, grid_name=grid.name)
    await _ask_household(callback.message, t, state, grid.name)


async def on_household_choice(
    callback: CallbackQuery,
    callback_data: JoinStep,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    await callback.answer()
    if callback_data.action == "code":
        await state.set_state(Joining.household_code)
        await _reply(callback, t("join.enter_code"))
        return
    data = await state.get_data()
    code = await apply_to_join(
        uow, person_id=person.id, unit_id=int(data["grid"]), household_code=None
    )
    await state.clear()
    await _reply(callback, t("join.applied_head", code=code), reply_markup=main_menu_kb(t))


async def on_household_code(
    message: Message,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    code_guesses: RateLimiter,
) -> None:
    data = await state.get_data()
    await apply_to_join(
        uow,
        person_id=person.id,
        unit_id=int(data["grid"]),
        household_code=message.text or "",
        code_guesses=code_guesses,
    )
    await state.clear()
    await message.answer(t("join.applied"), reply_markup=main_menu_kb(t))


async def cmd_privacy(message: Message, t: Translator) -> None:
    await message.answer(t("join.privacy_full"))


async def cmd_mydata(message: Message, t: Translator, person: PersonView, uow: UnitOfWork) -> None:
    data = await my_data(uow, person_id=person.id)
    file = BufferedInputFile(
        json.dumps(data, ensure_ascii=False, indent=2).encode(), filename="my-data.json"
    )
    await message.answer_document(file, caption=t("mydata.caption"))


async def cmd_leave(message: Message, t: Translator) -> None:
    buttons = [
        (t("leave.confirm"), LeaveStep(action="confirm").pack()),
        (t("leave.cancel"), LeaveStep(action="cancel").pack()),
    ]
    await message.answer(t("leave.ask"), reply_markup=choices_kb(buttons))


async def on_leave(
    callback: CallbackQuery,
    callback_data: LeaveStep,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    if callback_data.action != "confirm":
        await callback.answer(t("leave.kept"))
        await _reply(callback, t("leave.kept"))
        return
    await leave(uow, person_id=person.id)
    await state.clear()
    await callback.answer()
    await _reply(callback, t("leave.done"), reply_markup=ReplyKeyboardRemove())


async def _show_grids(message: Message, t: Translator, uow: UnitOfWork, community: int) -> None:
    grids = await places(uow, below=community)
    rows = [(place.name, JoinPlace(kind="g", id=place.id).pack()) for place in grids]
    await message.answer(t("join.grid"), reply_markup=choices_kb(rows))


async def _ask_household(message: Message, t: Translator, state: FSMContext, grid: str) -> None:
    await state.set_state(Joining.household)
    buttons = [
        (t("join.have_code"), JoinStep(action="code").pack()),
        (t("join.new_household"), JoinStep(action="new").pack()),
    ]
    # Staff name the grids; replies are HTML.
    text = t("join.household", grid=html.quote(grid))
    await message.answer(text, reply_markup=choices_kb(buttons))


async def _reply(callback: CallbackQuery, text: str, **kwargs: object) -> None:
    """Answer under the message whose button was pressed."""
    if isinstance(callback.message, Message):
        await callback.message.answer(text, **kwargs)  # type: ignore[arg-type]


def create_router() -> Router:
    router = Router(name=__name__)
    # Words typed at a step; a command typed there (even one we lack) is no answer to it.
    typed = Has(F.text & ~F.text.startswith("/"))
    # Commands first: they work at every step (/help, /points … are in routers before this).
    router.message.register(cmd_privacy, Command("privacy"))
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_leave, Command("leave"))
    router.callback_query.register(
        on_agree, StateFilter(Joining.consent), JoinStep.filter(F.action == "agree")
    )
    router.callback_query.register(on_later, JoinStep.filter(F.action == "later"))
    router.message.register(on_contact, StateFilter(Joining.phone), Has(F.contact))
    router.message.register(on_typed_phone, StateFilter(Joining.phone), typed)
    router.callback_query.register(on_place, StateFilter(Joining.place), JoinPlace.filter())
    router.callback_query.register(
        on_household_choice,
        StateFilter(Joining.household),
        JoinStep.filter(F.action.in_({"code", "new"})),
    )
    router.message.register(on_household_code, StateFilter(Joining.household_code), typed)
    router.callback_query.register(on_leave, LeaveStep.filter())
    return router
