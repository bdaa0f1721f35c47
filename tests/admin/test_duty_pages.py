"""Duty in the panel over HTTP: an activity with daily times and a one-off shift, the
assembly point's poster (the PDF rendered to pixels, its QR read back to the deep link,
which checks in), the roster's attendance confirmed with the points paid, and the hours
workbook."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pypdfium2
import pytest
import zxingcpp
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import select

from admin.app import create_app
from core.clock import FrozenClock
from core.db import Database
from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.uow import UnitOfWork
from rewards.duty.checkin import check_in_by_poster
from rewards.duty.models import DutyActivity, DutyShift
from rewards.duty.signups import sign_up
from rewards.people.models import Team, TeamMember
from tests.admin.conftest import csrf_of, log_in
from tests.admin.kiosk_support import balance
from tests.duty.patrol import Patrol, build_patrol
from tests.rewards.community import PASSWORD
from tests.support import TEST_SECRET_KEY, make_settings

BOT = "moralbank_test_bot"


@pytest.fixture
def panel(
    database: Database, catalogues: Catalogues, clock: FrozenClock, files: LocalFileStorage
) -> FastAPI:
    settings = make_settings(secret_key=TEST_SECRET_KEY, files_dir=files.root, bot_username=BOT)
    return create_app(settings=settings, database=database, catalogues=catalogues, clock=clock)


@pytest.fixture
async def patrol(uow: UnitOfWork, clock: FrozenClock) -> Patrol:
    return await build_patrol(uow, starts_at=clock.now() + timedelta(minutes=20))


def qr_of_pdf(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image)]


async def test_activities_shifts_and_the_poster_that_checks_in(
    client: httpx.AsyncClient, uow: UnitOfWork, patrol: Patrol
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    token = await csrf_of(client, "/duty")
    form = {
        "csrf_token": token, "code": "evening", "name": "晚间巡逻", "place_name": "西门",
        "latitude": "40.001", "longitude": "116.001", "capacity": "6", "rule_code": "patrol",
        "daily_text": "19:00-20:00\n", "unit_id": str(patrol.people.units["grid-1"].id),
    }  # fmt: skip
    assert (await client.post("/duty/activities", data=form)).status_code == 303
    bad = await client.post("/duty/activities", data={**form, "daily_text": "7点到8点"})
    assert bad.status_code == 400
    async with uow.read() as session:
        evening = await session.scalar(select(DutyActivity).where(DutyActivity.code == "evening"))
    assert evening is not None
    assert evening.daily == ["19:00-20:00"]
    shift = {"csrf_token": token, "day": "2030-01-05", "start": "22:00", "end": "01:00"}
    assert (
        await client.post(f"/duty/activities/{evening.id}/shifts", data=shift)
    ).status_code == 303
    async with uow.read() as session:
        night = await session.scalar(select(DutyShift).where(DutyShift.activity_id == evening.id))
    assert night is not None
    assert night.ends_at - night.starts_at == timedelta(hours=3)  # past midnight

    page = await client.get("/duty")
    assert "东门早巡" in page.text
    assert "晚间巡逻" in page.text
    printed = await client.post(
        f"/duty/activities/{patrol.activity}/poster", data={"csrf_token": token}
    )
    assert printed.headers["content-type"] == "application/pdf"
    (link,) = qr_of_pdf(printed.content)
    assert link.startswith(f"https://t.me/{BOT}?start=duty_")
    payload = link.split("start=", 1)[1]
    done = await check_in_by_poster(uow, person_id=patrol.people.alice, payload=payload)
    assert done.shift_id == patrol.shift


async def test_the_roster_confirms_attendance_and_the_hours_are_counted(
    client: httpx.AsyncClient, uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    alice, r0 = patrol.people.alice, patrol.extra[0]
    async with uow.write() as session:
        team = Team(code="gate", name="东门巡逻队", org_unit_id=patrol.people.units["grid-1"].id,
                    created_at=clock.now())  # fmt: skip
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, person_id=alice, joined_at=clock.now()))
    await check_in_by_poster(uow, person_id=alice, payload=patrol.poster)
    await sign_up(uow, person_id=r0, shift_id=patrol.shift)
    clock.advance(timedelta(hours=1, minutes=30))
    before = await balance(uow, alice)
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    roster = await client.get(f"/duty/shifts/{patrol.shift}")
    assert roster.status_code == 200
    assert f'name="present" value="{alice}" aria-label="Alice" checked' in roster.text
    token = await csrf_of(client, f"/duty/shifts/{patrol.shift}")
    confirmed = await client.post(
        f"/duty/shifts/{patrol.shift}/attendance",
        data={"csrf_token": token, "present": [str(alice)]},
    )
    assert confirmed.status_code == 303
    assert await balance(uow, alice) == before + 3
    again = await client.post(
        f"/duty/shifts/{patrol.shift}/attendance",
        data={"csrf_token": token, "present": [str(alice), str(r0)]},
    )
    assert again.status_code == 400
    book = load_workbook(io.BytesIO((await client.get("/duty/hours.xlsx")).content))
    people, teams = ([[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
                     for sheet in book.worksheets)  # fmt: skip
    assert people == [["Alice", "东门巡逻队", 1, 1]]  # one shift of an hour
    assert teams == [["东门巡逻队", None, 1, 1]]
    elsewhen = await client.get("/duty/hours.xlsx?start=2030-01-01&end=2030-01-31")
    assert load_workbook(io.BytesIO(elsewhen.content)).worksheets[0].max_row == 1
