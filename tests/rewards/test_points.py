"""Awards and deductions by rule, caps, versions, adjustments with a second approver,
undoing, and the wallet the resident sees — all through the ledger, on a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.models import Entry
from ledger.verify import verify
from rewards.audit import AuditEntry
from rewards.errors import (
    CapReached,
    InvalidRule,
    NotAllowedToAward,
    NotPending,
    NotVerified,
    OutOfScope,
    RequestKeyReused,
    SameApprover,
)
from rewards.messaging.models import OutboxMessage
from rewards.points.awards import ChangeView, apply_rule
from rewards.points.corrections import adjust, decide, undo
from rewards.points.models import PointChange
from rewards.points.rules import RuleDraft, rule_history, rules_for, save_rule
from rewards.points.wallet import PAGE, my_wallet
from rewards.staff.models import Role
from rewards.staff.service import StaffView
from tests.rewards.community import (
    APPROVAL_ABOVE,
    START,
    ZONE,
    Community,
    build_community,
    rule,
)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


async def award(
    uow: UnitOfWork,
    town: Community,
    key: str,
    *,
    rule_code: str = "sweep",
    staff: StaffView | None = None,
    person_id: int | None = None,
) -> ChangeView:
    return await apply_rule(
        uow,
        staff=staff or town.grid1,
        person_id=town.alice if person_id is None else person_id,
        rule_code=rule_code,
        request_key=key,
        zone=ZONE,
    )


async def wallet_balance(uow: UnitOfWork, person_id: int) -> int:
    wallet = await my_wallet(uow, person_id=person_id, locale="zh_Hans", zone=ZONE)
    return sum(b.balance for b in wallet.balances if b.point_type == "moral")


async def outbox(uow: UnitOfWork) -> list[OutboxMessage]:
    async with uow.read() as session:
        return list(
            (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        )


async def test_an_award_pays_the_wallet_records_audits_and_tells_the_resident(
    uow: UnitOfWork, town: Community
) -> None:
    change = await award(uow, town, "req-1")
    assert (change.status, change.points, change.rule_version) == ("posted", 5, 1)
    assert await wallet_balance(uow, town.alice) == 5
    async with uow.read() as session:
        entry = await session.get(Entry, change.entry_id)
        audit = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "points.award"))
        ).all()
    assert entry is not None
    assert (entry.meta["rule"], entry.meta["version"]) == ("sweep", 1)
    assert [a.actor_staff_id for a in audit] == [town.grid1.id]
    [message] = await outbox(uow)
    assert (message.chat_id, message.text_key, message.locale) == (
        501,
        "points.awarded",
        "zh_Hans",
    )
    assert message.text_params == {"what": "清洁卫生 · 打扫楼道", "points": 5, "balance": 5}


async def test_the_same_request_twice_pays_once_and_a_reused_key_is_refused(
    uow: UnitOfWork, town: Community
) -> None:
    first = await award(uow, town, "double-click")
    again = await award(uow, town, "double-click")
    assert again == first
    with pytest.raises(RequestKeyReused):
        await award(uow, town, "double-click", rule_code="litter")
    assert await wallet_balance(uow, town.alice) == 5
    assert len(await outbox(uow)) == 1


async def test_concurrent_twins_of_one_request_pay_once(
    database: Database, uow: UnitOfWork, town: Community
) -> None:
    changes = await asyncio.gather(*(award(uow, town, "tap") for _ in range(8)))
    assert len({change.id for change in changes}) == 1
    assert await wallet_balance(uow, town.alice) == 5


async def test_unverified_residents_earn_nothing(uow: UnitOfWork, town: Community) -> None:
    with pytest.raises(NotVerified):
        await award(uow, town, "r", person_id=town.carol)
    async with uow.read() as session:
        assert await session.scalar(select(func.count()).select_from(PointChange)) == 0


async def test_a_grid_worker_cannot_touch_another_grid(uow: UnitOfWork, town: Community) -> None:
    with pytest.raises(OutOfScope):
        await award(uow, town, "r", person_id=town.bob)  # grid 1's worker, grid 2's resident
    with pytest.raises(OutOfScope):
        await adjust(
            uow,
            staff=town.grid1,
            person_id=town.bob,
            point_type="moral",
            points=2,
            reason="帮忙",
            request_key="adj",
            approval_above=50,
            zone=ZONE,
        )
    await award(uow, town, "r2", staff=town.grid2, person_id=town.bob)
    assert await wallet_balance(uow, town.bob) == 5
    assert await wallet_balance(uow, town.alice) == 0


async def test_only_the_roles_a_rule_names_may_apply_it(uow: UnitOfWork, town: Community) -> None:
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("inspect", awarder_roles=[Role.COMMUNITY_STAFF]),
        approval_above=APPROVAL_ABOVE,
    )
    with pytest.raises(NotAllowedToAward):
        await award(uow, town, "r", rule_code="inspect")
    assert (await award(uow, town, "r", rule_code="inspect", staff=town.deputy)).points == 5


async def test_a_cap_cuts_or_refuses_and_resets_at_local_midnight(
    uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("cut", cap_period="day", cap_points=12),
        approval_above=APPROVAL_ABOVE,
    )
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("refuse", cap_period="day", cap_points=12, cap_mode="refuse"),
        approval_above=APPROVAL_ABOVE,
    )
    paid = [(await award(uow, town, f"cut-{n}", rule_code="cut")).points for n in range(2)]
    paid.append((await award(uow, town, "cut-2", rule_code="cut")).points)
    assert paid == [5, 5, 2]  # the third is cut to what is left of 12
    with pytest.raises(CapReached):
        await award(uow, town, "cut-3", rule_code="cut")
    await award(uow, town, "ref-0", rule_code="refuse")
    await award(uow, town, "ref-1", rule_code="refuse")
    with pytest.raises(CapReached):  # 10 used, 5 asked, only 2 left: refused whole
        await award(uow, town, "ref-2", rule_code="refuse")
    clock.advance(timedelta(hours=14))  # 23:00 in Shanghai: still the same day
    with pytest.raises(CapReached):
        await award(uow, town, "cut-4", rule_code="cut")
    clock.advance(timedelta(hours=1))  # local midnight: a new day
    assert (await award(uow, town, "cut-5", rule_code="cut")).points == 5
    assert await wallet_balance(uow, town.alice) == 5 + 5 + 2 + 5 + 5 + 5


async def test_concurrent_awards_stop_exactly_at_the_cap(
    database: Database, uow: UnitOfWork, town: Community
) -> None:
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("patrol", cap_period="day", cap_points=30),
        approval_above=APPROVAL_ABOVE,
    )

    async def one(n: int) -> int:
        try:
            return (await award(uow, town, f"race-{n}", rule_code="patrol")).points
        except CapReached:
            return 0

    paid = await asyncio.gather(*(one(n) for n in range(20)))
    assert sum(paid) == 30
    assert sorted(p for p in paid if p) == [5] * 6
    assert await wallet_balance(uow, town.alice) == 30
    async with database.read() as session:
        assert await verify(session) == []


async def test_editing_a_rule_makes_a_version_and_history_keeps_the_old_one(
    uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    before = await award(uow, town, "before")
    clock.advance(timedelta(minutes=1))
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("sweep", points=8, reason="加大力度"),
        approval_above=APPROVAL_ABOVE,
    )
    after = await award(uow, town, "after")
    assert (before.rule_version, before.points) == (1, 5)
    assert (after.rule_version, after.points) == (2, 8)
    history = await rule_history(uow, staff=town.admin, code="sweep")
    assert [(v.version, v.points, v.reason) for v in history] == [(2, 8, "加大力度"), (1, 5, None)]
    async with uow.read() as session:
        old = await session.get(Entry, before.entry_id)
    assert old is not None
    assert old.meta["version"] == 1
    with pytest.raises(DBAPIError, match="append-only"):
        async with uow.write() as session:
            await session.execute(text("UPDATE point_rule_versions SET points = 99"))


async def test_rules_are_edited_only_within_the_editors_subtree(
    uow: UnitOfWork, town: Community
) -> None:
    with pytest.raises(OutOfScope):  # a grid worker holds no rules role
        await save_rule(
            uow, staff=town.grid1, draft=rule("mine", unit="grid-1"), approval_above=APPROVAL_ABOVE
        )
    with pytest.raises(OutOfScope):  # community staff, but the rule sits above them
        await save_rule(
            uow,
            staff=town.deputy,
            draft=rule("street-wide", unit="street"),
            approval_above=APPROVAL_ABOVE,
        )
    await save_rule(
        uow,
        staff=town.deputy,
        draft=rule("grid-only", unit="grid-2"),
        approval_above=APPROVAL_ABOVE,
    )
    alice_rules = await rules_for(uow, town.units["grid-1"].path, at=START)
    bob_rules = await rules_for(uow, town.units["grid-2"].path, at=START)
    assert "grid-only" not in {r.code for r in alice_rules}
    assert "grid-only" in {r.code for r in bob_rules}


def test_a_rule_with_a_mistake_names_the_field() -> None:
    with pytest.raises(InvalidRule) as caught:
        RuleDraft.parse({"code": "x!", "unit": "c", "category": "c", "point_type": "p"})
    assert caught.value.params["field"] == "code"
    with pytest.raises(InvalidRule) as caught:
        rule("capless", cap_period="day")
    assert caught.value.params["field"] == "cap_period"


async def test_a_deduction_takes_at_most_the_balance(uow: UnitOfWork, town: Community) -> None:
    await award(uow, town, "a")
    taken = await award(uow, town, "d1", rule_code="litter")
    assert (taken.kind, taken.points, taken.asked_points) == ("deduction", -3, -3)
    taken = await award(uow, town, "d2", rule_code="litter")
    assert (taken.points, taken.asked_points) == (-2, -3)
    taken = await award(uow, town, "d3", rule_code="litter")
    assert (taken.points, taken.entry_id) == (0, None)
    assert await wallet_balance(uow, town.alice) == 0
    keys = [m.text_key for m in await outbox(uow)]
    assert keys == ["points.awarded", "points.deducted", "points.deducted", "points.nothing_taken"]


async def test_a_large_adjustment_waits_for_a_second_staff_member(
    uow: UnitOfWork, town: Community
) -> None:
    async def ask(points: int, key: str) -> ChangeView:
        return await adjust(
            uow,
            staff=town.admin,
            person_id=town.alice,
            point_type="moral",
            points=points,
            reason="补录上月志愿服务",
            request_key=key,
            approval_above=50,
            zone=ZONE,
        )

    small = await ask(20, "small")
    assert (small.status, small.points) == ("posted", 20)
    large = await ask(80, "large")
    assert (large.status, large.points) == ("pending", 0)
    assert await wallet_balance(uow, town.alice) == 20
    with pytest.raises(SameApprover):
        await decide(uow, staff=town.admin, change_id=large.id, approve=True, zone=ZONE)
    approved = await decide(uow, staff=town.deputy, change_id=large.id, approve=True, zone=ZONE)
    assert (approved.status, approved.points) == ("posted", 80)
    with pytest.raises(NotPending):
        await decide(uow, staff=town.deputy, change_id=large.id, approve=True, zone=ZONE)
    rejected = await decide(
        uow, staff=town.deputy, change_id=(await ask(60, "other")).id, approve=False, zone=ZONE
    )
    assert rejected.status == "rejected"
    assert await wallet_balance(uow, town.alice) == 100
    async with uow.read() as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert [a for a in actions if a.startswith("points.")] == [
        "points.adjustment",
        "points.requested",
        "points.approved",
        "points.requested",
        "points.rejected",
    ]


async def test_undoing_a_change_reverses_it_once_and_gives_the_cap_back(
    uow: UnitOfWork, town: Community
) -> None:
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("once", cap_period="day", cap_points=5),
        approval_above=APPROVAL_ABOVE,
    )
    change = await award(uow, town, "once-1", rule_code="once")
    with pytest.raises(CapReached):
        await award(uow, town, "once-2", rule_code="once")
    undone = await undo(uow, staff=town.admin, change_id=change.id, reason="记错人了", zone=ZONE)
    assert undone.status == "reversed"
    assert await wallet_balance(uow, town.alice) == 0
    with pytest.raises(NotPending):
        await undo(uow, staff=town.admin, change_id=change.id, reason="again", zone=ZONE)
    assert (await award(uow, town, "once-3", rule_code="once")).points == 5
    assert [m.text_key for m in await outbox(uow)][-2:] == ["points.undone", "points.awarded"]


async def test_the_wallet_shows_balances_this_quarter_and_pages_of_plain_lines(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=-10))  # the end of the first quarter
    town = await build_community(uow)
    await award(uow, town, "q1")
    clock.advance(timedelta(days=10))
    for n in range(11):
        await award(uow, town, f"q2-{n}")
    await award(uow, town, "minus", rule_code="litter")
    wallet = await my_wallet(uow, person_id=town.alice, locale="zh_Hans", zone=ZONE)
    [moral] = wallet.balances
    assert (moral.balance, moral.redeemable_now, moral.earned_this_quarter) == (57, 57, 52)
    assert (wallet.page, wallet.pages, len(wallet.lines)) == (0, 2, PAGE)
    assert (wallet.lines[0].what, wallet.lines[0].amount) == ("清洁卫生 · 乱扔垃圾", -3)
    assert wallet.lines[1].what == "清洁卫生 · 打扫楼道"
    last = await my_wallet(uow, person_id=town.alice, locale="en", zone=ZONE, page=1)
    assert [(line.what, line.amount) for line in last.lines] == [
        ("Cleanliness · Sweeping the stairs", 5)
    ] * 3


async def test_the_audit_log_cannot_be_changed(uow: UnitOfWork, town: Community) -> None:
    async with uow.read() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry))
    for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET reason = 'x'"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with uow.write() as session:
                await session.execute(text(statement))
