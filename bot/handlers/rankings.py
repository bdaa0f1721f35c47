"""🏆 排行榜 in the chat: the latest board of the resident's community (its top, names
masked), their own rank and their household's, and, while the board is on public notice,
a button to object in their own words; a button to appear on public boards, or to leave
them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router, html
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import BoardObjection, BoardsConsent
from bot.filters import Has, is_menu
from bot.keyboards import choices_kb, main_menu_kb
from bot.replies import chat_of
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.errors import StaffNotLinked
from rewards.people.service import PersonView
from rewards.rankings.boards import object_to
from rewards.rankings.mine import MyBoard, choose_public_boards, my_rankings
from rewards.rankings.publishing import bind_ranking_chat
from rewards.staff.telegram import staff_of_chat


class Objecting(StatesGroup):
    text = State()


async def show_board(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, zone: ZoneInfo
) -> None:
    mine = await my_rankings(uow, person_id=person.id)
    buttons = []
    if mine.board is not None and mine.board.status == "notice":
        buttons.append((t("rank.object"), BoardObjection(board=mine.board.board_id).pack()))
    consent = "rank.leave_boards" if mine.on_boards else "rank.join_boards"
    buttons.append((t(consent), BoardsConsent(on=not mine.on_boards).pack()))
    lines = [render_board(t, mine.board, zone) if mine.board else t("rank.none")]
    if not mine.on_boards:
        lines.append(t("rank.off_boards"))
    await message.answer("\n\n".join(lines), reply_markup=choices_kb(buttons))


async def on_consent(
    callback: CallbackQuery, callback_data: BoardsConsent, t: Translator, person: PersonView,
    uow: UnitOfWork,
) -> None:  # fmt: skip
    await choose_public_boards(uow, person_id=person.id, on=callback_data.on)
    await callback.answer()
    key = "rank.joined_boards" if callback_data.on else "rank.left_boards"
    await chat_of(callback).answer(t(key), reply_markup=main_menu_kb(t))


def render_board(t: Translator, board: MyBoard, zone: ZoneInfo) -> str:
    lines = [t(f"rank.title.{board.status}", period=board.period)]
    if board.status == "notice" and board.notice_until is not None:
        lines.append(t("rank.notice_until", date=board.notice_until.astimezone(zone).date()))
    lines += [
        t("rank.line", rank=rank, name=html.quote(name), points=points)
        for rank, name, points in board.top
    ]
    lines.append(
        t("rank.mine", rank=board.mine[0], points=board.mine[1])
        if board.mine
        else t("rank.not_on")
    )
    if board.household:
        lines.append(t("rank.household", rank=board.household[0], points=board.household[1]))
    return "\n".join(lines)


async def ask_objection(
    callback: CallbackQuery, callback_data: BoardObjection, t: Translator, state: FSMContext
) -> None:
    await callback.answer()
    await state.set_state(Objecting.text)
    await state.set_data({"board": callback_data.board})
    await chat_of(callback).answer(t("rank.ask_objection"))


async def on_objection(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    board = int((await state.get_data()).get("board", 0))
    await state.clear()
    await object_to(uow, person_id=person.id, board_id=board, text=message.text or "")
    await message.answer(t("rank.objection_sent"), reply_markup=main_menu_kb(t))


async def bind_chat(message: Message, t: Translator, uow: UnitOfWork) -> None:
    """/rankgroup in a group or channel, by a committee member who linked their Telegram:
    the boards published for their part of the tree are posted there."""
    if message.from_user is None:
        return
    staff = await staff_of_chat(uow, message.from_user.id)
    if staff is None:
        raise StaffNotLinked()
    unit = await bind_ranking_chat(uow, staff=staff, chat_id=message.chat.id, language=t.locale)
    await message.answer(t("rank.group_bound", unit=html.quote(unit)))


def create_router() -> Router:
    router = Router(name=__name__)
    private = Has(F.chat.type == ChatType.PRIVATE)
    router.message.register(show_board, is_menu("menu.rankings"), private)
    router.message.register(show_board, Command("rank"), private)
    router.message.register(on_objection, StateFilter(Objecting.text), Has(F.text), private)
    router.callback_query.register(ask_objection, BoardObjection.filter())
    router.callback_query.register(on_consent, BoardsConsent.filter())
    in_group = Has(F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}))
    router.message.register(bind_chat, Command("rankgroup"), in_group)
    return router
