"""A resident telling a problem, one step at a time: the draft case is kept in the
database as it grows (photos, place, category, words), so a conversation cut by a restart
resumes where it was; `rewards.cases.steps.submit` sends it. Handlers add proof photos
the same way before they resolve a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.cases.abuse import refuse_if_stopped
from rewards.cases.errors import (
    StepNotAllowed,
    TooManyPhotos,
    UnknownCategory,
    UnknownPlace,
    WaitingForVerification,
)
from rewards.cases.lifecycle import OPEN, STAFF_NEEDS, Status, Step
from rewards.cases.models import Case, CaseCategory, CasePhoto, KnownPlace
from rewards.cases.steps import locked_case, mine
from rewards.errors import NotVerified
from rewards.org.models import OrgUnit
from rewards.people.residents import community_path, load_verified_resident
from rewards.staff.service import StaffView

MAX_PHOTOS = 4
MAX_DESCRIPTION = 500
MAX_PLACE_BUTTONS = 30  # a chat screen of buttons; more is a list nobody reads


@dataclass(frozen=True)
class Named:
    """A category or a known place as the resident's buttons show it."""

    id: int
    name: str
    name_en: str | None


@dataclass(frozen=True)
class DraftView:
    id: int
    photos: int
    category_id: int | None
    has_place: bool
    description: str | None
    has_voice: bool = False
    category: Named | None = None
    place: Named | None = None  # a known place; else the shared location below
    latitude: float | None = None
    longitude: float | None = None

    @property
    def complete(self) -> bool:
        """What a report needs before it can be sent: a photo, a place and a category."""
        return self.photos > 0 and self.has_place and self.category_id is not None


@dataclass(frozen=True)
class ReportChoices:
    """The buttons of a report: the active categories, and the known places of the
    resident's community."""

    categories: tuple[Named, ...]
    places: tuple[Named, ...]


@dataclass(frozen=True)
class Photo:
    """A photo already in the file storage (its key), as rewards.cases.photos kept it."""

    storage_key: str
    phash: str | None
    width: int
    height: int


async def open_draft(uow: UnitOfWork, *, person_id: int) -> DraftView:
    """The resident's report in the making: the one they left, or a new one at their
    grid. Raises not_a_resident, resident_left, not_verified, reporting_stopped."""
    async with uow.write() as session:
        case = await _draft_of(session, person_id)
        if case is None:
            try:
                resident = await load_verified_resident(session, person_id, lock=True)
            except NotVerified:
                raise WaitingForVerification() from None
            await refuse_if_stopped(session, person_id)
            now = uow.now()
            case = Case(
                reporter_id=person_id,
                status=Status.DRAFT.value,
                unit_id=resident.unit_id,
                origin_unit_id=resident.unit_id,
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            await session.flush()
        return await _draft_view(session, case)


async def current_draft(uow: UnitOfWork, *, person_id: int) -> DraftView | None:
    """The report this person is telling, if any (a photo or a location sent outside the
    conversation, or after a restart, belongs to it)."""
    async with uow.read() as session:
        case = await _draft_of(session, person_id)
        return None if case is None else await _draft_view(session, case)


async def view_draft(uow: UnitOfWork, *, person_id: int, case_id: int) -> DraftView:
    """Raises unknown_case, not_your_case, case_step_not_allowed (already sent)."""
    async with uow.read() as session:
        return await _draft_view(session, await _editable(session, case_id, person_id))


async def report_choices(uow: UnitOfWork, *, person_id: int) -> ReportChoices:
    async with uow.read() as session:
        categories = await session.execute(
            select(CaseCategory.id, CaseCategory.name, CaseCategory.name_en)
            .where(CaseCategory.active.is_(True))
            .order_by(CaseCategory.position, CaseCategory.id)
        )
        community = await community_path(session, person_id)
        places = await session.execute(
            select(KnownPlace.id, KnownPlace.name, KnownPlace.name_en)
            .join(OrgUnit, OrgUnit.id == KnownPlace.org_unit_id)
            .where(KnownPlace.active.is_(True), OrgUnit.path.startswith(community))
            .order_by(KnownPlace.name)
            .limit(MAX_PLACE_BUTTONS)
        )
        return ReportChoices(
            tuple(Named(*row) for row in categories), tuple(Named(*row) for row in places)
        )


async def add_photo(uow: UnitOfWork, *, person_id: int, case_id: int, photo: Photo) -> DraftView:
    """Raises too_many_photos after MAX_PHOTOS; the same photo twice counts once."""
    async with uow.write() as session:
        case = await _editable(session, case_id, person_id)
        await _attach(session, case, photo, "report", uow.now(), limit=MAX_PHOTOS)
        return await _draft_view(session, case)


async def set_location(
    uow: UnitOfWork, *, person_id: int, case_id: int, latitude: float, longitude: float
) -> DraftView:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise UnknownPlace()
    async with uow.write() as session:
        case = await _editable(session, case_id, person_id)
        case.latitude, case.longitude, case.place_id = latitude, longitude, None
        return await _draft_view(session, case)


async def set_place(uow: UnitOfWork, *, person_id: int, case_id: int, place_id: int) -> DraftView:
    """A known place from the list, for residents who will not share their location."""
    async with uow.write() as session:
        case = await _editable(session, case_id, person_id)
        place = await session.get(KnownPlace, place_id)
        if place is None or not place.active:
            raise UnknownPlace()
        case.place_id, case.latitude, case.longitude = place.id, place.latitude, place.longitude
        return await _draft_view(session, case)


async def set_category(
    uow: UnitOfWork, *, person_id: int, case_id: int, category_id: int
) -> DraftView:
    async with uow.write() as session:
        case = await _editable(session, case_id, person_id)
        category = await session.get(CaseCategory, category_id)
        if category is None or not category.active:
            raise UnknownCategory()
        case.category_id = category.id
        return await _draft_view(session, case)


async def set_description(
    uow: UnitOfWork, *, person_id: int, case_id: int, text: str
) -> DraftView:
    async with uow.write() as session:
        case = await _editable(session, case_id, person_id)
        case.description = text.strip()[:MAX_DESCRIPTION] or None
        return await _draft_view(session, case)


async def set_voice(uow: UnitOfWork, *, person_id: int, case_id: int, voice_key: str) -> DraftView:
    """A voice note in place of words, for residents who would rather speak."""
    async with uow.write() as session:
        case = await _editable(session, case_id, person_id)
        case.voice_key = voice_key
        return await _draft_view(session, case)


async def add_proof(uow: UnitOfWork, *, staff: StaffView, case_id: int, photo: Photo) -> None:
    """A handler's photo of the fix, needed before the case can be resolved."""
    async with uow.write() as session:
        locked = await locked_case(session, case_id)
        staff.require(STAFF_NEEDS[Step.RESOLVE], locked.unit_path)
        if Status(locked.case.status) not in OPEN:
            raise StepNotAllowed(step="proof", status=locked.case.status)
        await _attach(session, locked.case, photo, "proof", uow.now(), limit=MAX_PHOTOS)


async def _draft_of(session: AsyncSession, person_id: int) -> Case | None:
    return await session.scalar(
        select(Case)
        .where(Case.reporter_id == person_id, Case.status == Status.DRAFT.value)
        .order_by(Case.id.desc())
        .limit(1)
    )


async def _editable(session: AsyncSession, case_id: int, person_id: int) -> Case:
    case = (await mine(session, case_id, person_id)).case
    if case.status != Status.DRAFT.value:
        raise StepNotAllowed(step="edit", status=case.status)
    return case


async def _attach(
    session: AsyncSession, case: Case, photo: Photo, kind: str, now: datetime, *, limit: int
) -> None:
    photos = await _photos(session, case.id, kind)
    if photo.storage_key in photos:
        return
    if len(photos) >= limit:
        raise TooManyPhotos(most=limit)
    session.add(
        CasePhoto(
            case_id=case.id,
            kind=kind,
            storage_key=photo.storage_key,
            phash=photo.phash,
            width=photo.width,
            height=photo.height,
            added_at=now,
        )
    )
    case.updated_at = now


async def _photos(session: AsyncSession, case_id: int, kind: str) -> list[str]:
    rows = await session.scalars(
        select(CasePhoto.storage_key).where(CasePhoto.case_id == case_id, CasePhoto.kind == kind)
    )
    return list(rows)


async def _draft_view(session: AsyncSession, case: Case) -> DraftView:
    await session.flush()
    photos = await session.scalar(
        select(func.count())
        .select_from(CasePhoto)
        .where(CasePhoto.case_id == case.id, CasePhoto.kind == "report")
    )
    category = await session.get(CaseCategory, case.category_id) if case.category_id else None
    place = await session.get(KnownPlace, case.place_id) if case.place_id else None
    return DraftView(
        case.id,
        int(photos or 0),
        case.category_id,
        case.latitude is not None,
        case.description,
        has_voice=case.voice_key is not None,
        category=Named(category.id, category.name, category.name_en) if category else None,
        place=Named(place.id, place.name, place.name_en) if place else None,
        latitude=case.latitude,
        longitude=case.longitude,
    )
