"""Reports (随手拍) in the demo community's history, one a grid, at three stages of the loop:
one just reported and waiting for its grid worker, one verified and being fixed, one
fixed with a proof photo, checked, closed and rated. Sent and handled through the same
services as the bot and the panel, each step on its day; once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlalchemy import select

from core.clock import FrozenClock
from core.files import FileStorage
from core.uow import UnitOfWork
from rewards.cases import steps
from rewards.cases.categories import case_categories
from rewards.cases.lifecycle import Status
from rewards.cases.models import Case
from rewards.cases.photos import keep_photo
from rewards.cases.places import known_places
from rewards.cases.reporting import (
    add_photo,
    add_proof,
    open_draft,
    set_category,
    set_description,
    set_place,
)
from rewards.people.residents import search_residents
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class DemoReport:
    category: str
    place: str
    words: str
    days_ago: int
    stage: Status  # how far it got: reported, verified or rated
    colour: tuple[int, int, int]  # of the made-up photo, so no two look alike


REPORTS = (
    DemoReport(
        "litter", "幸福社区东门", "东门垃圾桶满了，袋子堆在路边", 1, Status.REPORTED, (92, 120, 70)
    ),
    DemoReport("lamp", "3号楼门口", "3号楼门口的路灯晚上不亮", 5, Status.VERIFIED, (40, 48, 80)),
    DemoReport(
        "road", "菜市场路口", "菜市场路口地砖松了，老人容易绊倒", 20, Status.RATED, (140, 130, 120)
    ),
)


async def load_reports_demo(
    uow: UnitOfWork,
    *,
    grid_staff: list[StaffView],
    community: StaffView,
    files: FileStorage,
    zone: ZoneInfo,
) -> None:
    """One report a grid, by the grid's first verified resident, handled by its worker."""
    async with uow.read() as session:
        sent = await session.scalar(select(Case.id).where(Case.status != Status.DRAFT).limit(1))
    if sent is not None:
        return
    places = {place.name: place.id for place in await known_places(uow, staff=community)}
    categories = {category.code: category.id for category in await case_categories(uow)}
    for report, worker in zip(REPORTS, grid_staff, strict=True):
        residents = await search_residents(uow, staff=worker, status="verified")
        reporter = min(row.person_id for row in residents)
        clock = FrozenClock(uow.now() - timedelta(days=report.days_ago))
        then = UnitOfWork(uow.database, clock)
        draft = await open_draft(then, person_id=reporter)
        photo = await keep_photo(files, _photo(report.colour))
        await add_photo(then, person_id=reporter, case_id=draft.id, photo=photo)
        await set_place(then, person_id=reporter, case_id=draft.id, place_id=places[report.place])
        await set_category(
            then, person_id=reporter, case_id=draft.id, category_id=categories[report.category]
        )
        await set_description(then, person_id=reporter, case_id=draft.id, text=report.words)
        await steps.submit(then, person_id=reporter, case_id=draft.id)
        if report.stage == Status.REPORTED:
            continue
        clock.advance(timedelta(hours=3))
        await steps.verify(then, staff=worker, case_id=draft.id, version=None, zone=zone)
        if report.stage == Status.VERIFIED:
            continue
        clock.advance(timedelta(days=1))
        proof = await keep_photo(files, _photo((200, 200, 190)))
        await add_proof(then, staff=worker, case_id=draft.id, photo=proof)
        await steps.resolve(then, staff=worker, case_id=draft.id, version=None, zone=zone)
        clock.advance(timedelta(days=1))
        await steps.close(then, staff=community, case_id=draft.id, version=None)
        clock.advance(timedelta(hours=5))
        await steps.rate(then, person_id=reporter, case_id=draft.id, stars=5, comment="修得很快")


def _photo(colour: tuple[int, int, int]) -> bytes:
    """A plain made-up picture: a street in one colour, a few shapes on it."""
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 320, 640, 480), fill=(110, 110, 110))
    draw.ellipse((260, 180, 380, 300), fill=tuple(255 - part for part in colour))
    draw.line((0, 400, 640, 400), fill=(240, 240, 240), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
