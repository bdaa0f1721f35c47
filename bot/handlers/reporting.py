"""随手拍 in the chat: photos (1–4) → where (Telegram's location button, or a known place)
→ what kind (category buttons) → a few words or a voice note (may be skipped) → review →
send. Every step is kept on the draft case in the database, and every button carries the
draft's id, so a restart in the middle loses nothing: the next photo, location or tap
carries on, and "随手拍" opens the draft where it was left. Only typed words need the
conversation state (FSM). Before sending, a report that looks like an open case is
offered to join it instead.
"""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import ReportPick, ReportSame, ReportStep
from bot.downloads import download, image_file
from bot.filters import Has, is_menu
from bot.keyboards import choices_kb, location_kb, main_menu_kb, report_kb
from bot.replies import Answerable, chat_of
from core.files import FileStorage
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.cases import reporting, steps
from rewards.cases.duplicates import DuplicatePolicy, Similar, join_case, similar_cases
from rewards.cases.errors import TooManyPhotos
from rewards.cases.photos import MAX_PHOTO_BYTES, MAX_VOICE_BYTES, keep_photo, keep_voice
from rewards.cases.reporting import DraftView, Named
from rewards.people.service import PersonView

STEPS = ("photos", "place", "category", "words", "review")
BACK = {"place": "photos", "category": "place", "words": "category", "review": "words"}


class Reporting(StatesGroup):
    words = State()  # typed words go to the report's description


async def start_report(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    await state.clear()
    draft = await reporting.open_draft(uow, person_id=person.id)
    if draft.photos:
        await message.answer(t("report.resumed", number=draft.id))
    await ask(message, t, person, uow, state, draft, _first_missing(draft))


async def ask(
    message: Answerable,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    draft: DraftView,
    step: str,
) -> None:
    """Show one step of the report, with its buttons."""
    await state.set_state(Reporting.words if step == "words" else None)
    if step == "photos":
        nav = ["next:place", "cancel"] if draft.photos else ["cancel"]
        text = t("report.ask_photos", most=reporting.MAX_PHOTOS)
        await message.answer(text, reply_markup=report_kb(t, draft.id, nav))
    elif step == "place":
        await message.answer(t("report.ask_place"), reply_markup=location_kb(t))
        choices = await reporting.report_choices(uow, person_id=person.id)
        picks = [_pick(t, draft.id, "p", place) for place in choices.places]
        text = t("report.choose_place") if picks else t("report.no_places")
        await message.answer(
            text, reply_markup=report_kb(t, draft.id, ["back:photos", "cancel"], picks)
        )
    elif step == "category":
        choices = await reporting.report_choices(uow, person_id=person.id)
        picks = [_pick(t, draft.id, "c", category) for category in choices.categories]
        await message.answer(
            t("report.ask_category"),
            reply_markup=report_kb(t, draft.id, ["back:place", "cancel"], picks),
        )
    elif step == "words":
        await message.answer(
            t("report.ask_words", most=reporting.MAX_DESCRIPTION),
            reply_markup=report_kb(t, draft.id, ["skip:review", "back:category", "cancel"]),
        )
    else:
        await message.answer(
            render_draft(t, draft),
            reply_markup=report_kb(t, draft.id, ["submit", "back:words", "cancel"]),
        )


def render_draft(t: Translator, draft: DraftView) -> str:
    lines = [t("report.review", number=draft.id), t("report.line_photos", count=draft.photos)]
    if draft.place is not None:
        lines.append(t("report.line_place", place=html.quote(_name(t, draft.place))))
    elif draft.latitude is not None and draft.longitude is not None:
        lines.append(
            t("report.line_location", lat=f"{draft.latitude:.5f}", lon=f"{draft.longitude:.5f}")
        )
    if draft.category is not None:
        lines.append(t("report.line_category", category=html.quote(_name(t, draft.category))))
    if draft.description:
        lines.append(t("report.line_words", words=html.quote(draft.description)))
    if draft.has_voice:
        lines.append(t("report.line_voice"))
    return "\n".join(lines)


# --- what the resident sends ---------------------------------------------------------


async def on_photo(
    message: Message,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    bot: Bot,
    files: FileStorage,
) -> None:
    """A photo (or an image sent as a file, which keeps its EXIF: cleaned the same way)."""
    file_id, size = image_file(message)
    draft = await reporting.current_draft(uow, person_id=person.id)
    if draft is None:
        draft = await reporting.open_draft(uow, person_id=person.id)
    if draft.photos >= reporting.MAX_PHOTOS:  # refused before it costs a download
        raise TooManyPhotos(most=reporting.MAX_PHOTOS)
    data = await download(bot, file_id, size, MAX_PHOTO_BYTES)
    photo = await keep_photo(files, data)
    draft = await reporting.add_photo(uow, person_id=person.id, case_id=draft.id, photo=photo)
    nav = ["next:place", "cancel"] if not draft.has_place else ["next:review", "cancel"]
    await message.answer(
        t("report.photo_kept", count=draft.photos, most=reporting.MAX_PHOTOS),
        reply_markup=report_kb(t, draft.id, nav),
    )


async def on_location(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    draft = await reporting.current_draft(uow, person_id=person.id)
    if draft is None or message.location is None:
        raise SkipHandler()  # no report being told: maybe a duty check-in (bot.handlers.duty)
    location = message.location
    draft = await reporting.set_location(
        uow,
        person_id=person.id,
        case_id=draft.id,
        latitude=location.latitude,
        longitude=location.longitude,
    )
    await message.answer(t("report.location_kept"), reply_markup=main_menu_kb(t))
    await ask(message, t, person, uow, state, draft, _after_place(draft))


async def on_voice(
    message: Message,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    bot: Bot,
    files: FileStorage,
) -> None:
    draft = await reporting.current_draft(uow, person_id=person.id)
    if draft is None or message.voice is None:
        await message.answer(t("report.voice_without_report"))
        return
    data = await download(bot, message.voice.file_id, message.voice.file_size, MAX_VOICE_BYTES)
    key = await keep_voice(files, data)
    draft = await reporting.set_voice(uow, person_id=person.id, case_id=draft.id, voice_key=key)
    await ask(message, t, person, uow, state, draft, "review")


async def on_words(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, state: FSMContext
) -> None:
    draft = await reporting.current_draft(uow, person_id=person.id)
    if draft is None:
        await state.clear()
        await message.answer(t("cancel.menu"), reply_markup=main_menu_kb(t))
        return
    draft = await reporting.set_description(
        uow, person_id=person.id, case_id=draft.id, text=message.text or ""
    )
    await ask(message, t, person, uow, state, draft, "review")


# --- the buttons ---------------------------------------------------------------------


async def on_step(
    callback: CallbackQuery,
    callback_data: ReportStep,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    duplicates: DuplicatePolicy,
) -> None:
    message = chat_of(callback)
    await callback.answer()
    case_id = callback_data.id
    if callback_data.to == "cancel":
        await state.clear()
        await steps.withdraw(uow, person_id=person.id, case_id=case_id)
        await message.answer(t("report.cancelled"), reply_markup=main_menu_kb(t))
        return
    draft = await reporting.view_draft(uow, person_id=person.id, case_id=case_id)
    if callback_data.to != "submit":
        await ask(message, t, person, uow, state, draft, callback_data.to)
        return
    if not draft.complete:
        await message.answer(t("error.case_incomplete"))
        await ask(message, t, person, uow, state, draft, _first_missing(draft))
        return
    similar = await similar_cases(uow, person_id=person.id, case_id=case_id, policy=duplicates)
    if similar:
        await _offer_to_join(message, t, case_id, similar)
        return
    await _submit(message, t, person, uow, state, case_id, None)


async def on_pick(
    callback: CallbackQuery,
    callback_data: ReportPick,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    message = chat_of(callback)
    case_id, value = callback_data.id, callback_data.value
    if callback_data.kind == "c":
        draft = await reporting.set_category(
            uow, person_id=person.id, case_id=case_id, category_id=value
        )
        await callback.answer()
        await ask(message, t, person, uow, state, draft, "words")
        return
    draft = await reporting.set_place(uow, person_id=person.id, case_id=case_id, place_id=value)
    await callback.answer()
    await message.answer(t("report.place_kept"), reply_markup=main_menu_kb(t))
    await ask(message, t, person, uow, state, draft, _after_place(draft))


async def on_same(
    callback: CallbackQuery,
    callback_data: ReportSame,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    message = chat_of(callback)
    await callback.answer()
    if callback_data.join:
        joined = await join_case(
            uow, person_id=person.id, case_id=callback_data.id, other_id=callback_data.of
        )
        await state.clear()
        await message.answer(t("report.joined", number=joined), reply_markup=main_menu_kb(t))
        return
    await _submit(message, t, person, uow, state, callback_data.id, callback_data.of)


# --- helpers -------------------------------------------------------------------------


async def _submit(
    message: Answerable,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    state: FSMContext,
    case_id: int,
    similar_to: int | None,
) -> None:
    await steps.submit(uow, person_id=person.id, case_id=case_id, similar_to=similar_to)
    await state.clear()
    # The "received, No. 12" notice comes through the outbox; the menu comes back now.
    await message.answer(t("report.sent"), reply_markup=main_menu_kb(t))


async def _offer_to_join(
    message: Answerable, t: Translator, case_id: int, similar: list[Similar]
) -> None:
    lines = [t("report.similar_intro")]
    picks = []
    for case in similar:
        name = t.pick(case.category, case.category_en) if case.category else None
        reason = (
            t("report.similar_photo")
            if case.same_photo
            else t("report.similar_near", metres=round(case.distance_m or 0))
        )
        lines.append(
            t("report.similar_line", number=case.id, category=html.quote(name or ""), why=reason)
        )
        picks.append(
            (
                t("report.join", number=case.id),
                ReportSame(id=case_id, of=case.id, join=True).pack(),
            )
        )
    picks.append(
        (t("report.not_same"), ReportSame(id=case_id, of=similar[0].id, join=False).pack())
    )
    await message.answer("\n".join(lines), reply_markup=choices_kb(picks))


def _first_missing(draft: DraftView) -> str:
    if not draft.photos:
        return "photos"
    if not draft.has_place:
        return "place"
    if draft.category_id is None:
        return "category"
    return "review"


def _after_place(draft: DraftView) -> str:
    return "category" if draft.category_id is None else "review"


def _pick(t: Translator, case_id: int, kind: str, named: Named) -> tuple[str, str]:
    data = ReportPick(id=case_id, kind=kind, value=named.id).pack()
    return _name(t, named), data


def _name(t: Translator, named: Named) -> str:
    return t.pick(named.name, named.name_en)


def create_router() -> Router:
    router = Router(name=__name__)
    private = Has(F.chat.type == ChatType.PRIVATE)
    router.message.register(start_report, is_menu("menu.report"), private)
    router.message.register(on_photo, Has(F.photo | F.document), private)
    router.message.register(on_location, Has(F.location), private)
    router.message.register(on_voice, Has(F.voice), private)
    router.message.register(on_words, StateFilter(Reporting.words), Has(F.text), private)
    router.callback_query.register(on_step, ReportStep.filter())
    router.callback_query.register(on_pick, ReportPick.filter())
    router.callback_query.register(on_same, ReportSame.filter())
    return router
