"""The committee's ranking pages over HTTP: draft a quarter's board (names, ranks, points),
put it on notice, read and answer an objection, and the words when it is too early to
make it final; weights and collective schemes, the printed notice with the champion, the
workbook, award points paid once, and a board of grids."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import httpx
import openpyxl
import pypdfium2
import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.points.awards import apply_rule
from rewards.points.models import PointChange
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


async def test_weights_schemes_the_printed_notice_the_workbook_and_award_points(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    assert (await log_in(client, "committee", PASSWORD)).status_code == 303
    token = await csrf_of(client, "/rankings")
    form = {
        "csrf_token": token, "unit_id": str(town.units["community"].id), "period": "2026Q2",
        "scope": "resident", "weight_code": ["moral", "volunteer"], "weight": ["2", ""],
        "fund_amount": "100", "fund_top_n": "2", "warn_bottom_n": "1",
    }  # fmt: skip
    drafted = await client.post("/rankings/draft", data=form)
    board = int(drafted.headers["location"].rsplit("/", 1)[1])
    page = (await client.get(f"/rankings/{board}")).text
    assert "道德冠军：Alice（20 分）" in page  # moral points count twice
    shares = page.split("<table data-shares>", 1)[1].split("</table>", 1)[0]
    # 100 yuan in proportion to 20 and 10 points: 66.67 and 33.33, the odd yuan to Alice.
    assert "<td>1</td><td>Alice</td><td>20</td><td>67</td>" in shares
    assert "<td>2</td><td>Bob</td><td>10</td><td>33</td>" in shares
    assert "第2名 Bob（10 分）：提醒" in page.split("data-warned", 1)[1]

    await client.post(f"/rankings/{board}/notice", data={"csrf_token": token, "days": "3"})
    clock.advance(timedelta(days=4))
    assert (await log_in(client, "committee", PASSWORD)).status_code == 303  # a new day
    token = await csrf_of(client, f"/rankings/{board}")
    form["csrf_token"] = token
    assert (await client.post(f"/rankings/{board}/final", data={"csrf_token": token})).is_redirect

    notice = await client.get(f"/rankings/{board}/notice.pdf")
    assert notice.status_code == 200, notice.text[:500]
    assert notice.headers["content-type"] == "application/pdf"
    document = pypdfium2.PdfDocument(notice.content)
    text = "".join(p.get_textpage().get_text_range() for p in document)
    assert "道德冠军：A***e（20 分）" in text  # the champion, masked, on the notice
    assert "第1名 A***e：分得 67 元" in text
    assert "Alice" not in text
    assert "Bob" not in text
    workbook = openpyxl.load_workbook(
        io.BytesIO((await client.get(f"/rankings/{board}/board.xlsx")).content)
    )
    places = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert places[1:] == [[1, "A***e", 20], [2, "B*b", 10]]
    assert [list(r) for r in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)] == [
        [1, "A***e", 20, 67], [2, "B*b", 10, 33],
    ]  # fmt: skip

    award = {"csrf_token": token, "rule": "sweep", "top": "1"}
    paid = await client.post(f"/rankings/{board}/award", data=award)
    assert paid.headers["location"].endswith("?paid=1")
    again = await client.post(f"/rankings/{board}/award", data=award)
    assert again.headers["location"].endswith("?paid=0")  # nobody is paid twice
    async with uow.read() as session:
        keys = (await session.scalars(select(PointChange.person_id).where(
            PointChange.request_key.startswith(f"ranking:{board}:")))).all()  # fmt: skip
    assert keys == [town.alice]

    grids = await client.post("/rankings/draft", data={**form, "scope": "grid"})
    page = (await client.get(grids.headers["location"])).text
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "<td>1</td><td>grid-1</td><td>20</td>" in rows
    assert "<td>2</td><td>grid-2</td><td>10</td>" in rows
    refused = await client.post(f"/rankings/{board}/award", data={**award, "top": "0"})
    assert refused.status_code == 400
    for field, wrong in (("fund_top_n", "0"), ("warn_bottom_n", "99999"), ("fund_amount", "0")):
        bad = await client.post("/rankings/draft", data={**form, field: wrong})
        assert bad.status_code == 400
