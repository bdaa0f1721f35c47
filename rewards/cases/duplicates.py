"""The same problem reported twice: an open case of the same category near the new one
(within a radius and a time window), or any open case with a near-identical photo (their
perceptual hashes differ in a few bits). The reporter is asked whether it is the same
problem; joining it counts as support, and a report sent as new anyway is flagged to
staff, who can still merge the two (rewards.cases.steps.reject as a duplicate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.cases.errors import StepNotAllowed
from rewards.cases.geo import box, distance_m
from rewards.cases.lifecycle import OPEN, Status, Step
from rewards.cases.models import Case, CaseCategory, CasePhoto
from rewards.cases.steps import locked_case, mine
from rewards.cases.supporters import add_supporter, record_person_event

# An open case is still waiting for someone: the ones a second report could join.
JOINABLE = (Status.REPORTED, *OPEN, Status.HANDLED)
MOST_OFFERED = 3


@dataclass(frozen=True)
class DuplicatePolicy:
    """How near counts as the same place, and how long a report stays comparable."""

    radius_m: float = 50.0
    window: timedelta = timedelta(days=7)
    photo_bits: int = 6  # of the 64 bits of a pHash; a re-shot photo differs by more


@dataclass(frozen=True)
class Similar:
    id: int
    category: str | None
    category_en: str | None
    reported_at: datetime
    distance_m: float | None
    same_photo: bool


async def similar_cases(
    uow: UnitOfWork, *, person_id: int, case_id: int, policy: DuplicatePolicy
) -> list[Similar]:
    """The open cases the resident's draft may repeat, the likeliest first."""
    async with uow.read() as session:
        draft = (await mine(session, case_id, person_id)).case
        since = uow.now() - policy.window
        found = await _near(session, draft, since, policy.radius_m)
        photo_ids = {i for i, _ in await _same_photo(session, draft.id, since, policy.photo_bits)}
        return await _describe(session, draft, found, photo_ids)


async def join_case(uow: UnitOfWork, *, person_id: int, case_id: int, other_id: int) -> int:
    """The resident's draft is the same problem as `other_id`: they support that case
    instead (their draft is withdrawn, nothing is paid for it). Returns `other_id`."""
    async with uow.write() as session:
        now = uow.now()
        draft = (await mine(session, case_id, person_id)).case
        if draft.status != Status.DRAFT.value:
            raise StepNotAllowed(step=Step.WITHDRAW.value, status=draft.status)
        other = (await locked_case(session, other_id)).case
        if Status(other.status) not in JOINABLE:
            raise StepNotAllowed(step="support", status=other.status)
        draft.status, draft.duplicate_of_id = Status.WITHDRAWN.value, other.id
        draft.version += 1
        draft.updated_at = now
        record_person_event(
            session, draft, "withdraw", Status.DRAFT.value, person_id, now, joined=other.id
        )
        await add_supporter(session, other, person_id, now)
        return other.id


async def _near(
    session: AsyncSession, draft: Case, since: datetime, radius_m: float
) -> dict[int, float | None]:
    if draft.latitude is None or draft.longitude is None or draft.category_id is None:
        return {}
    south, north, west, east = box(draft.latitude, draft.longitude, radius_m)
    rows = await session.execute(
        select(Case.id, Case.latitude, Case.longitude).where(
            Case.status.in_([s.value for s in JOINABLE]),
            Case.category_id == draft.category_id,
            Case.reported_at >= since,
            Case.latitude.between(south, north),
            Case.longitude.between(west, east),
        )
    )
    found: dict[int, float | None] = {}
    for other_id, latitude, longitude in rows:
        if latitude is None or longitude is None:
            continue
        metres = distance_m(draft.latitude, draft.longitude, latitude, longitude)
        if metres <= radius_m:
            found[other_id] = metres
    return found


async def _same_photo(
    session: AsyncSession, draft_id: int, since: datetime, bits: int
) -> list[tuple[int, int]]:
    """(case id, differing bits) of open cases with a photo close to one of the draft's.
    Compared here rather than in SQL (no portable popcount); the window keeps it to the
    week's open cases."""
    mine_ = [
        int(h, 16)
        for h in await session.scalars(
            select(CasePhoto.phash).where(
                CasePhoto.case_id == draft_id, CasePhoto.phash.is_not(None)
            )
        )
        if h
    ]
    if not mine_:
        return []
    rows = await session.execute(
        select(CasePhoto.case_id, CasePhoto.phash)
        .join(Case, Case.id == CasePhoto.case_id)
        .where(
            Case.status.in_([s.value for s in JOINABLE]),
            Case.reported_at >= since,
            CasePhoto.kind == "report",
            CasePhoto.phash.is_not(None),
        )
    )
    close = []
    for case_id, phash in rows:
        if not phash:
            continue
        differing = min(bin(int(phash, 16) ^ own).count("1") for own in mine_)
        if differing <= bits:
            close.append((case_id, differing))
    return close


async def _describe(
    session: AsyncSession, draft: Case, found: dict[int, float | None], photo_ids: set[int]
) -> list[Similar]:
    if not found and not photo_ids:
        return []
    ids = set(found) | photo_ids
    rows = await session.execute(
        select(Case.id, CaseCategory.name, CaseCategory.name_en, Case.reported_at)
        .outerjoin(CaseCategory, CaseCategory.id == Case.category_id)
        .where(Case.id.in_(ids), Case.id != draft.id)
    )
    similar = [
        Similar(case_id, name, name_en, reported_at, found.get(case_id), case_id in photo_ids)
        for case_id, name, name_en, reported_at in rows
        if reported_at is not None
    ]
    similar.sort(key=lambda s: (not s.same_photo, s.distance_m or 0.0, -s.id))
    return similar[:MOST_OFFERED]
