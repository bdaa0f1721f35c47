"""The committee's ranking pages over HTTP: draft a quarter's board (names, ranks, points),
put it on notice, read and answer an objection, and the words when it is too early to
make it final."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.points.awards import apply_rule
from rewards.rankings.boards import object_to
from rewards.staff.models import Role
from tests.admin.conftest import alert_text, csrf_of, log_in
from tests.rewards.community import PASSWORD, ZONE, Community, build_community, make_staff


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 20, 2, tzinfo=UTC))


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork, clock: FrozenClock) -> Community:
    town = await build_community(uow)
    await make_staff(uow, "committee", Role.COMMITTEE_PUBLISHER, town.units["community"])
    clock.advance(datetime(2026, 4, 5, 2, tzinfo=UTC) - clock.now())
    for key, person in (("a", town.alice), ("b", town.bob)):
        await apply_rule(
            uow, staff=town.admin, person_id=person, rule_code="sweep", request_key=key,
            zone=ZONE,
        )  # fmt: skip
    await apply_rule(
        uow, staff=town.admin, person_id=town.alice, rule_code="sweep", request_key="a2",
        zone=ZONE,
    )  # fmt: skip
    clock.advance(datetime(2026, 7, 2, 2, tzinfo=UTC) - clock.now())
    return town


async def test_the_committee_drafts_notices_and_answers(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Community
) -> None:
    assert (await log_in(client, "committee", PASSWORD)).status_code == 303
    assert 'href="/rankings"' in (await client.get("/")).text
    token = await csrf_of(client, "/rankings")
    form = {
        "csrf_token": token, "unit_id": str(town.units["community"].id), "period": "2026Q2",
        "scope": "resident",
    }  # fmt: skip
    drafted = await client.post("/rankings/draft", data=form)
    assert drafted.status_code == 303
    page = await client.get(drafted.headers["location"])
    rows = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index("Alice") < rows.index("Bob")
    assert "<td>1</td><td>Alice</td><td>10</td>" in rows
    assert "<td>2</td><td>Bob</td><td>5</td>" in rows
    board = int(drafted.headers["location"].rsplit("/", 1)[1])
    bad = await client.post("/rankings/draft", data={**form, "period": "Q2"})
    assert bad.status_code == 400
    assert "不是有效的期间" in alert_text(bad.text)

    noticed = await client.post(f"/rankings/{board}/notice", data={"csrf_token": token})
    assert noticed.status_code == 303
    await object_to(uow, person_id=town.bob, board_id=board, text="我还参加了两次巡逻")
    page = await client.get(f"/rankings/{board}")
    assert "我还参加了两次巡逻" in page.text
    early = await client.post(f"/rankings/{board}/final", data={"csrf_token": token})
    assert early.status_code == 400
    assert "公示期到" in alert_text(early.text)
    objection = page.text.split('action="/rankings/objections/', 1)[1].split("/", 1)[0]
    answered = await client.post(
        f"/rankings/objections/{objection}/answer",
        data={"csrf_token": token, "text": "巡逻积分记在第三季度"},
    )
    assert answered.status_code == 303
    assert "已答复：巡逻积分记在第三季度" in (await client.get(f"/rankings/{board}")).text
