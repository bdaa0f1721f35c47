"""The panel's case queue and case page: a grid worker sees their grid's cases (overdue
ones marked), accepts one, and a form drawn before someone else acted is refused with
words; escalation needs a reason; another grid's worker sees nothing of it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.files import LocalFileStorage
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.cases import steps
from rewards.cases.models import Case, CaseSupporter
from rewards.cases.photos import keep_photo, keep_voice
from rewards.cases.reporting import (
    add_photo,
    open_draft,
    report_choices,
    set_category,
    set_location,
    set_voice,
)
from rewards.cases.steps import CaseView, submit
from rewards.messaging.models import OutboxMessage
from rewards.staff.telegram import LINK_PREFIX, link_chat, offer_link
from tests.admin.conftest import alert_text, csrf_of, log_in
from tests.cases.images import camera_jpeg, exif_of, has_gps
from tests.cases.town import NEAR, Town, build_town, reported
from tests.rewards.community import PASSWORD, START, ZONE


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def status_of(uow: UnitOfWork, case_id: int) -> str | None:
    async with uow.read() as session:
        return await session.scalar(select(Case.status).where(Case.id == case_id))


async def test_a_grid_worker_works_the_queue(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town, clock: FrozenClock
) -> None:
    case = await reported(uow, town, town.people.alice, town.litter)
    clock.advance(timedelta(hours=13))  # past the 12 hours to acknowledge it
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    assert 'href="/cases"' in (await client.get("/")).text
    queue = await client.get("/cases?overdue=1")
    assert queue.status_code == 200
    assert f'href="/cases/{case.id}"' in queue.text
    assert "已超时" in queue.text
    page = await client.get(f"/cases/{case.id}")
    assert "垃圾乱堆" in page.text
    assert "Alice" in page.text
    token = await csrf_of(client, f"/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case.version)}
    accepted = await client.post(f"/cases/{case.id}/verify", data=form)
    assert accepted.status_code == 303
    assert await status_of(uow, case.id) == "verified"
    again = await client.post(f"/cases/{case.id}/reject", data={**form, "kind": "invalid"})
    assert again.status_code == 400
    assert alert_text(again.text) == "别人刚刚处理过这个事件，请刷新后再看。"
    assert await status_of(uow, case.id) == "verified"


async def test_escalating_needs_a_reason_and_other_grids_see_nothing(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town
) -> None:
    case = await reported(uow, town, town.people.alice, town.lamp)
    assert (await log_in(client, "head1", PASSWORD)).status_code == 303
    token = await csrf_of(client, f"/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case.version)}
    refused = await client.post(f"/cases/{case.id}/escalate", data={**form, "reason": " "})
    assert refused.status_code == 400
    assert alert_text(refused.text) == "请写明原因。"
    escalated = await client.post(
        f"/cases/{case.id}/escalate", data={**form, "reason": "灯杆坏了"}
    )
    assert escalated.status_code == 303
    await client.post("/logout", data={"csrf_token": token})
    assert (await log_in(client, "grid2", PASSWORD)).status_code == 303
    assert f'href="/cases/{case.id}"' not in (await client.get("/cases")).text
    assert (await client.get(f"/cases/{case.id}")).status_code == 403


async def reported_with_a_real_photo(
    uow: UnitOfWork, town: Town, files: LocalFileStorage, category: int, seed: int
) -> CaseView:
    draft = await open_draft(uow, person_id=town.people.alice)
    kept = await keep_photo(files, camera_jpeg(seed))
    await add_photo(uow, person_id=town.people.alice, case_id=draft.id, photo=kept)
    await set_location(
        uow, person_id=town.people.alice, case_id=draft.id, latitude=NEAR[0], longitude=NEAR[1]
    )
    await set_category(uow, person_id=town.people.alice, case_id=draft.id, category_id=category)
    return await submit(uow, person_id=town.people.alice, case_id=draft.id)


async def test_photos_are_shown_clean_and_a_fix_is_resolved_with_an_uploaded_photo(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town, files: LocalFileStorage
) -> None:
    case = await reported_with_a_real_photo(uow, town, files, town.litter, seed=21)
    case = await steps.verify(uow, staff=town.head, case_id=case.id, version=None, zone=ZONE)
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    page = await client.get(f"/cases/{case.id}")
    assert f'src="/cases/{case.id}/photos/0"' in page.text
    shown = await client.get(f"/cases/{case.id}/photos/0")
    assert shown.headers["content-type"] == "image/jpeg"
    assert exif_of(shown.content) == {}
    assert (await client.get(f"/cases/{case.id}/photos/1")).status_code == 403  # no second

    token = await csrf_of(client, f"/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case.version)}
    pdf = {"proof": ("fix.jpg", b"%PDF-1.7 not a photo", "image/jpeg")}
    refused = await client.post(f"/cases/{case.id}/resolve", data=form, files=pdf)
    assert refused.status_code == 400
    assert alert_text(refused.text) == "这不是照片。请直接拍照发送（JPG、PNG 或 WebP 格式）。"
    assert await status_of(uow, case.id) == "verified"
    fix = {"proof": ("fix.jpg", camera_jpeg(22), "image/jpeg")}
    resolved = await client.post(
        f"/cases/{case.id}/resolve", data={**form, "reason": "已清运"}, files=fix
    )
    assert resolved.status_code == 303
    assert await status_of(uow, case.id) == "handled"
    proof = await client.get(f"/cases/{case.id}/photos/1")
    assert proof.status_code == 200
    assert not has_gps(proof.content)

    await client.post("/logout", data={"csrf_token": token})
    assert (await log_in(client, "grid2", PASSWORD)).status_code == 303
    assert (await client.get(f"/cases/{case.id}/photos/0")).status_code == 403


async def test_the_queue_filters_by_category_and_unit_and_a_similar_report_is_merged(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town, files: LocalFileStorage
) -> None:
    litter = await reported_with_a_real_photo(uow, town, files, town.litter, seed=31)
    lamp = await reported_with_a_real_photo(uow, town, files, town.lamp, seed=32)
    assert (await log_in(client, "head1", PASSWORD)).status_code == 303
    # The form's "any" options send empty values: no filter, not an error.
    everything = await client.get("/cases?status=&unit=&category=")
    assert everything.status_code == 200
    assert f'href="/cases/{litter.id}"' in everything.text
    assert (await client.get("/cases?unit=-3")).status_code == 400
    only_lamps = (await client.get(f"/cases?category={town.lamp}&unit=")).text
    assert f'href="/cases/{lamp.id}"' in only_lamps
    assert f'href="/cases/{litter.id}"' not in only_lamps
    grid2 = town.people.units["grid-2"].id
    assert f'href="/cases/{lamp.id}"' not in (await client.get(f"/cases?unit={grid2}")).text

    draft = await open_draft(uow, person_id=town.people.bob)
    kept = await keep_photo(files, camera_jpeg(33))
    await add_photo(uow, person_id=town.people.bob, case_id=draft.id, photo=kept)
    await set_location(
        uow, person_id=town.people.bob, case_id=draft.id, latitude=NEAR[0], longitude=NEAR[1]
    )
    await set_category(uow, person_id=town.people.bob, case_id=draft.id, category_id=town.litter)
    again = await submit(uow, person_id=town.people.bob, case_id=draft.id, similar_to=litter.id)
    await client.post("/logout", data={"csrf_token": await csrf_of(client, "/")})
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    page = await client.get(f"/cases/{again.id}")
    assert "合并到第" in page.text
    token = await csrf_of(client, f"/cases/{again.id}")
    merged = await client.post(
        f"/cases/{again.id}/reject",
        data={
            "csrf_token": token,
            "version": str(again.version),
            "kind": "duplicate",
            "duplicate_of": str(litter.id),
        },
    )
    assert merged.status_code == 303
    async with uow.read() as session:
        merged_case = await session.get(Case, again.id)
        supporters = list(
            await session.scalars(
                select(CaseSupporter.person_id).where(CaseSupporter.case_id == litter.id)
            )
        )
    assert merged_case is not None
    assert (merged_case.status, merged_case.duplicate_of_id) == ("rejected", litter.id)
    assert supporters == [town.people.bob]


async def test_known_places_are_added_and_retired_in_the_panel_and_audited(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    token = await csrf_of(client, "/cases/places")
    community = town.people.units["community"].id
    form = {
        "csrf_token": token, "unit_id": str(community), "name": "东门",
        "name_en": "East gate", "latitude": "40.0012", "longitude": "116.0015",
    }  # fmt: skip
    added = await client.post("/cases/places", data=form)
    assert added.status_code == 303
    assert "东门" in (await client.get("/cases/places")).text
    choices = await report_choices(uow, person_id=town.people.alice)
    assert [place.name for place in choices.places] == ["东门"]
    bad = await client.post("/cases/places", data={**form, "latitude": "123"})
    assert bad.status_code in (400, 422)
    retired = await client.post(
        f"/cases/places/{choices.places[0].id}/retire", data={"csrf_token": token}
    )
    assert retired.status_code == 303
    assert (await report_choices(uow, person_id=town.people.alice)).places == ()
    async with uow.read() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("cases.place_%"))
            )
        )
    assert actions == ["cases.place_added", "cases.place_retired"]
    await client.post("/logout", data={"csrf_token": token})
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    assert (await client.get("/cases/places")).status_code == 403  # grid staff edit no rules


async def test_categories_are_added_edited_and_retired_in_the_panel(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    token = await csrf_of(client, "/cases/categories")
    form = {
        "csrf_token": token, "code": "dogs", "name": "不文明养犬", "name_en": "Dog mess",
        "position": "3", "acknowledge_hours": "4", "resolve_hours": "24",
        "verify_rule": "case-verified", "resolve_rule": "", "active": "true",
    }  # fmt: skip
    assert (await client.post("/cases/categories", data=form)).status_code == 303
    choices = await report_choices(uow, person_id=town.people.alice)
    assert [c.name for c in choices.categories] == ["垃圾乱堆", "路灯不亮", "不文明养犬"]
    page = await client.get("/cases/categories?edit=dogs")
    assert 'value="不文明养犬"' in page.text
    unknown = await client.post("/cases/categories", data={**form, "verify_rule": "nope"})
    assert unknown.status_code == 400
    assert alert_text(unknown.text) == "没有找到这条积分规则。"
    bad = await client.post("/cases/categories", data={**form, "acknowledge_hours": "0"})
    assert bad.status_code == 400
    retired = await client.post("/cases/categories", data={**form, "active": "false"})
    assert retired.status_code == 303
    choices = await report_choices(uow, person_id=town.people.alice)
    assert "不文明养犬" not in [c.name for c in choices.categories]
    async with uow.read() as session:
        saved = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action == "cases.category_saved")
            )
        )
    assert len(saved) == 2
    await client.post("/logout", data={"csrf_token": token})
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    assert (await client.get("/cases/categories")).status_code == 403


async def test_a_case_is_dispatched_to_a_handler_who_hears_of_it_and_only_to_one(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town
) -> None:
    offer = await offer_link(uow, staff=town.people.grid1)
    await link_chat(uow, secret=offer.payload.removeprefix(LINK_PREFIX), telegram_user_id=880041)
    case = await reported(uow, town, town.people.alice, town.litter)
    case = await steps.verify(uow, staff=town.head, case_id=case.id, version=None, zone=ZONE)
    assert (await log_in(client, "head1", PASSWORD)).status_code == 303
    page = await client.get(f"/cases/{case.id}")
    assert "Grid1" in page.text  # grid 1's worker is offered
    assert "Grid2" not in page.text  # grid 2's is not: the case is not theirs
    token = await csrf_of(client, f"/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case.version)}
    wrong = await client.post(
        f"/cases/{case.id}/dispatch", data={**form, "handler": str(town.people.grid2.id)}
    )
    assert wrong.status_code == 400
    assert alert_text(wrong.text) == "只能派给负责这个区域、能处理事件的工作人员。"
    given = await client.post(
        f"/cases/{case.id}/dispatch", data={**form, "handler": str(town.people.grid1.id)}
    )
    assert given.status_code == 303
    async with uow.read() as session:
        row = await session.get(Case, case.id)
        told = await session.scalar(
            select(OutboxMessage.text_params).where(
                OutboxMessage.chat_id == 880041, OutboxMessage.text_key == "cases.staff.assigned"
            )
        )
    assert row is not None
    assert (row.status, row.handler_staff_id) == ("dispatched", town.people.grid1.id)
    assert told is not None
    assert told["number"] == case.id


async def test_a_voice_note_plays_on_the_case_page(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town, files: LocalFileStorage
) -> None:
    draft = await open_draft(uow, person_id=town.people.alice)
    await add_photo(
        uow, person_id=town.people.alice, case_id=draft.id,
        photo=await keep_photo(files, camera_jpeg(61)),
    )  # fmt: skip
    await set_location(
        uow, person_id=town.people.alice, case_id=draft.id, latitude=40.0, longitude=116.0
    )
    await set_category(uow, person_id=town.people.alice, case_id=draft.id, category_id=town.lamp)
    voice = b"OggS\x00\x02" + bytes(300)
    key = await keep_voice(files, voice)
    await set_voice(uow, person_id=town.people.alice, case_id=draft.id, voice_key=key)
    case = await submit(uow, person_id=town.people.alice, case_id=draft.id)
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    assert f'src="/cases/{case.id}/voice"' in (await client.get(f"/cases/{case.id}")).text
    played = await client.get(f"/cases/{case.id}/voice")
    assert played.headers["content-type"] == "audio/ogg"
    assert played.content == voice


async def test_staff_pause_and_resume_a_residents_reporting_on_their_page(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town
) -> None:
    alice = town.people.alice
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    page = (await client.get(f"/residents/{alice}")).text
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<form" not in title
    assert page.count(f'action="/residents/{alice}/reporting/stop"') == 1
    token = await csrf_of(client, f"/residents/{alice}")
    refused = await client.post(
        f"/residents/{alice}/reporting/stop", data={"csrf_token": token, "reason": " "}
    )
    assert refused.status_code == 400
    stopped = await client.post(
        f"/residents/{alice}/reporting/stop", data={"csrf_token": token, "reason": "刷屏"}
    )
    assert stopped.status_code == 303
    page = (await client.get(stopped.headers["location"])).text
    assert "已暂停该居民的随手拍" in page
    assert "暂停上报：刷屏" in page
    resumed = await client.post(f"/residents/{alice}/reporting/resume", data={"csrf_token": token})
    assert resumed.status_code == 303
    assert (await reported(uow, town, alice, town.lamp)).status == "reported"
