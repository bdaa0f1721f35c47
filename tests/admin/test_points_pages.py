"""The points pages over HTTP: what a staff member outside the resident's grid, or
without an audit role, is refused; a rule with a mistake comes back with its field named."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from core.db import Database
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.people.residents import found_household
from rewards.people.teams import add_member, create_team
from rewards.points.models import PointChange
from tests.admin.conftest import alert_text, csrf_of, log_in
from tests.rewards.community import PASSWORD, Community, build_community


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    """Asked for before the panel, whose clock stops when it is made: the rules must be
    in force by then."""
    return await build_community(uow)


async def test_a_grid_worker_sees_and_changes_only_their_grid(
    town: Community, client: httpx.AsyncClient, database: Database
) -> None:
    await log_in(client, "grid1", PASSWORD)
    listing = await client.get("/residents")
    assert "Alice" in listing.text
    assert "Bob" not in listing.text  # grid 2
    assert (await client.get(f"/residents/{town.bob}")).status_code == 403
    token = await csrf_of(client, f"/residents/{town.alice}")
    refused = await client.post(
        f"/residents/{town.bob}/award",
        data={"rule": "sweep", "request_key": "k1", "csrf_token": token},
    )
    assert refused.status_code == 403
    assert "没有找到，或者不在您的权限范围内" in refused.text
    paid = await client.post(
        f"/residents/{town.alice}/award",
        data={"rule": "sweep", "request_key": "k2", "csrf_token": token},
    )
    assert paid.status_code == 303, paid.text[-600:]
    async with database.read() as session:
        changes = await session.scalar(select(func.count()).select_from(PointChange))
    assert changes == 1
    assert (await client.get("/audit")).status_code == 403  # no audit role


async def test_a_rule_with_a_mistake_comes_back_with_the_field_named(
    town: Community, client: httpx.AsyncClient
) -> None:
    await log_in(client, "admin", PASSWORD)
    token = await csrf_of(client, "/rules/new")
    answer = await client.post(
        "/rules/save",
        data={
            "csrf_token": token,
            "code": "new-rule",
            "unit": "community",
            "category": "clean",
            "point_type": "moral",
            "action": "擦窗户",
            "points": "0",
            "intent": "save",
        },
    )
    assert answer.status_code == 400
    assert "积分规则填写有误：points" in answer.text
    assert 'value="擦窗户"' in answer.text  # what was typed is kept


async def test_an_adjustment_without_a_reason_is_refused(
    town: Community, client: httpx.AsyncClient, database: Database
) -> None:
    await log_in(client, "admin", PASSWORD)
    token = await csrf_of(client, f"/residents/{town.alice}")
    answer = await client.post(
        f"/residents/{town.alice}/adjust",
        data={
            "csrf_token": token,
            "point_type": "moral",
            "points": "5",
            "reason": "   ",
            "request_key": "r",
        },
    )
    assert answer.status_code == 400
    assert "请填写原因" in answer.text
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(PointChange)) == 0


async def test_a_broadcast_can_go_to_a_team(
    town: Community, client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    team = await create_team(
        uow, staff=town.admin, code="cell", name="服务小组", unit_id=town.units["community"].id
    )
    for person in (town.alice, town.bob):
        await add_member(uow, staff=town.admin, team_id=team, person_id=person)
    await log_in(client, "admin", PASSWORD)
    token = await csrf_of(client, "/broadcasts")
    page = await client.post(
        "/broadcasts",
        data={"csrf_token": token, "teams": str(team), "text": "开会", "intent": "preview"},
    )
    assert "将发给 2 位已审核的居民" in page.text
    assert "志愿队：服务小组（2 人）" in page.text


async def test_the_home_page_says_what_waits(
    town: Community, client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    await log_in(client, "grid1", PASSWORD)
    home = await client.get("/")
    assert "1 位居民等待审核" in home.text  # Carol, in grid 1
    await client.post("/logout", data={"csrf_token": await csrf_of(client, "/")})
    await log_in(client, "grid2", PASSWORD)
    assert "等待审核" not in (await client.get("/")).text  # nothing waits in grid 2


async def test_households_are_listed_and_shown_within_the_staff_members_reach(
    town: Community, uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    alices = await found_household(
        uow, staff=None, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    bobs = await found_household(
        uow, staff=None, unit_id=town.units["grid-2"].id, head_person_id=town.bob
    )
    await log_in(client, "grid1", PASSWORD)
    listing = await client.get("/households")
    assert f'href="/households/{alices}"' in listing.text
    assert f'href="/households/{bobs}"' not in listing.text  # grid 2
    page = await client.get(f"/households/{alices}")
    assert page.status_code == 200
    assert "Alice 家" in page.text
    assert f'href="/residents/{town.alice}"' in page.text
    elsewhere = await client.get(f"/households/{bobs}")
    missing = await client.get(f"/households/{bobs + 100}")
    # Not yours and not there answer alike, so ids of other grids cannot be probed.
    assert elsewhere.status_code == missing.status_code
    assert alert_text(elsewhere.text) == alert_text(missing.text)
    assert alert_text(missing.text) == "没有找到，或者不在您的权限范围内。"
    assert missing.status_code == 403
    resident = await client.get(f"/residents/{town.alice}")
    assert f'href="/households/{alices}"' in resident.text


async def test_a_broadcast_to_an_area_can_be_narrowed_to_a_role(
    town: Community, client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    team = await create_team(
        uow, staff=town.admin, code="cell", name="服务小组", unit_id=town.units["community"].id
    )
    await add_member(uow, staff=town.admin, team_id=team, person_id=town.bob)
    await found_household(
        uow, staff=None, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    await log_in(client, "admin", PASSWORD)
    token = await csrf_of(client, "/broadcasts")
    reached = {}
    for role in ("residents", "volunteers", "household_heads", "staff"):
        page = await client.post(
            "/broadcasts",
            data={
                "csrf_token": token,
                "units": str(town.units["community"].id),
                "role": role,
                "text": "开会",
                "intent": "preview",
            },
        )
        count = re.search(r"将发给 (\d+) 位", page.text)
        reached[role] = page.status_code, int(count.group(1)) if count else None
    assert reached == {
        "residents": (200, 2),  # Alice and Bob; Carol is not verified
        "volunteers": (200, 1),  # Bob, in a team
        "household_heads": (200, 1),  # Alice heads one
        "staff": (400, None),  # not a role a broadcast knows
    }


@pytest.mark.usefixtures("running_bot")
async def test_an_award_made_in_the_panel_shows_in_the_residents_wallet(
    town: Community, client: httpx.AsyncClient, fake_api: FakeBotAPI
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/points")
    assert "您现在还没有积分" in ((await alice.expect_message(contains="我的积分")).text or "")
    await log_in(client, "grid1", PASSWORD)
    token = await csrf_of(client, f"/residents/{town.alice}")
    paid = await client.post(
        f"/residents/{town.alice}/award",
        data={"rule": "sweep", "request_key": "p1", "csrf_token": token, "note": "楼道很干净"},
    )
    assert paid.status_code == 303, paid.text[-600:]
    await alice.tap_reply_button("💰 我的积分")
    wallet = (await alice.expect_message(contains="我的积分")).text or ""
    assert "道德积分：5 分" in wallet
    assert "清洁卫生 · 打扫楼道  +5" in wallet


async def test_a_deduction_is_reported_as_one_not_as_points_given(
    town: Community, client: httpx.AsyncClient
) -> None:
    await log_in(client, "grid1", PASSWORD)
    token = await csrf_of(client, f"/residents/{town.alice}")
    said: dict[str, str] = {}
    for rule, key in (("litter", "d1"), ("sweep", "a1")):
        answer = await client.post(
            f"/residents/{town.alice}/award",
            data={"rule": rule, "request_key": key, "csrf_token": token},
        )
        assert answer.status_code == 303
        page = (await client.get(answer.headers["location"])).text
        said[rule] = page.split('role="status">', 1)[1].split("<", 1)[0]
    assert "扣分" in said["litter"]
    assert "发放" not in said["litter"]
    assert "积分已发放" in said["sweep"]


async def test_an_english_page_names_point_types_in_english(
    town: Community, client: httpx.AsyncClient
) -> None:
    await log_in(client, "admin", PASSWORD)
    token = await csrf_of(client, f"/residents/{town.alice}")
    await client.post("/language", data={"locale": "en", "csrf_token": token})
    await client.post(
        f"/residents/{town.alice}/award",
        data={"rule": "sweep", "request_key": "e1", "csrf_token": token},
    )
    page = (await client.get(f"/residents/{town.alice}")).text
    balances = page.split('<ul class="balances">', 1)[1].split("</ul>", 1)[0]
    assert "<strong>Moral</strong>" in balances
    assert "道德积分" not in page
    change = re.search(r'<tr data-change="\d+">(.*?)</tr>', page, flags=re.S)
    assert change is not None
    assert re.search(r"\+5 Moral\b", change.group(1))


async def test_the_residents_list_tells_people_apart(
    town: Community, client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    await found_household(
        uow, staff=town.admin, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    await log_in(client, "grid1", PASSWORD)
    token = await csrf_of(client, f"/residents/{town.alice}")
    for key in ("p1", "p2"):
        await client.post(
            f"/residents/{town.alice}/award",
            data={"rule": "sweep", "request_key": key, "csrf_token": token},
        )
    listing = (await client.get("/residents")).text
    alice = re.search(rf'<tr data-person="{town.alice}">(.*?)</tr>', listing, flags=re.S)
    assert alice is not None
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", alice.group(1)))
    assert "Alice家" in cells
    assert "10 道德积分" in cells
