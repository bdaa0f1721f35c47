"""The two-person rule cannot be split or bypassed: small adjustments add up per day,
rules worth more than the threshold wait for a second staff member, only residents who
are verified and still here get points, and leaving takes the person out of the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.errors import (
    NotVerified,
    OutOfScope,
    ResidentLeft,
    RuleNotInForce,
    SameApprover,
)
from rewards.messaging.broadcasts import start_broadcast
from rewards.messaging.models import OutboxChat, OutboxMessage
from rewards.people.joining import leave, verify_resident
from rewards.people.models import Resident
from rewards.points.awards import ChangeView, apply_rule
from rewards.points.corrections import adjust, decide, undo
from rewards.points.rule_approvals import decide_rule, pending_rules
from rewards.points.rules import rules_for, save_rule
from rewards.points.wallet import my_wallet
from rewards.staff.models import Role
from rewards.staff.service import StaffView
from tests.rewards.community import (
    APPROVAL_ABOVE,
    START,
    ZONE,
    Community,
    build_community,
    make_staff,
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


async def ask(
    uow: UnitOfWork,
    town: Community,
    points: int,
    key: str,
    *,
    staff: StaffView | None = None,
    person_id: int | None = None,
) -> ChangeView:
    return await adjust(
        uow,
        staff=staff or town.grid1,
        person_id=town.alice if person_id is None else person_id,
        point_type="moral",
        points=points,
        reason="补录",
        request_key=key,
        approval_above=APPROVAL_ABOVE,
        zone=ZONE,
    )


async def moral_balance(uow: UnitOfWork, person_id: int) -> int:
    wallet = await my_wallet(uow, person_id=person_id, locale="zh_Hans", zone=ZONE)
    return sum(b.balance for b in wallet.balances if b.point_type == "moral")


async def audit_actions(uow: UnitOfWork, prefix: str) -> list[str]:
    async with uow.read() as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    return [action for action in actions if action.startswith(prefix)]


async def test_twenty_small_adjustments_do_not_make_one_large_one(
    uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    changes = [await ask(uow, town, 50, f"split-{n}") for n in range(20)]
    assert [c.status for c in changes] == ["posted"] + ["pending"] * 19
    assert await moral_balance(uow, town.alice) == 50
    # Amounts count either way: taking 10 back is not a way to give 10 more.
    assert (await ask(uow, town, -10, "minus")).status == "pending"
    # Another staff member has a day of their own; so has another resident.
    assert (await ask(uow, town, 50, "deputy", staff=town.deputy)).status == "posted"
    assert (await ask(uow, town, 30, "carol", person_id=town.bob, staff=town.admin)).status == (
        "posted"
    )
    # The next day in the community's time zone starts a new count.
    clock.advance(timedelta(days=1))
    assert (await ask(uow, town, 50, "tomorrow")).status == "posted"
    assert await moral_balance(uow, town.alice) == 150


async def test_a_refused_request_moves_nothing_and_is_not_counted(
    uow: UnitOfWork, town: Community
) -> None:
    waiting = await ask(uow, town, 80, "large")
    await decide(uow, staff=town.deputy, change_id=waiting.id, approve=False, zone=ZONE)
    assert (await ask(uow, town, 40, "small")).status == "posted"
    assert (await ask(uow, town, 20, "more")).status == "pending"


async def test_two_racing_adjustments_do_not_both_slip_under_the_threshold(
    uow: UnitOfWork, town: Community
) -> None:
    first, second = await asyncio.gather(ask(uow, town, 30, "a"), ask(uow, town, 30, "b"))
    assert sorted([first.status, second.status]) == ["pending", "posted"]
    assert await moral_balance(uow, town.alice) == 30


async def test_a_rule_worth_more_than_the_threshold_waits_for_a_second_staff_member(
    uow: UnitOfWork, town: Community
) -> None:
    big = rule("jackpot", points=100_000, reason="奖励")
    saved = await save_rule(uow, staff=town.admin, draft=big, approval_above=APPROVAL_ABOVE)
    assert saved.pending
    with pytest.raises(RuleNotInForce):
        await apply_rule(
            uow,
            staff=town.admin,
            person_id=town.alice,
            rule_code="jackpot",
            request_key="alone",
            zone=ZONE,
        )
    residents_see = await rules_for(uow, town.units["grid-1"].path, at=START)
    assert "jackpot" not in {r.code for r in residents_see}
    [waiting] = await pending_rules(uow, staff=town.deputy)
    assert (waiting.rule.code, waiting.rule.points, waiting.requested_by_id) == (
        "jackpot",
        100_000,
        town.admin.id,
    )
    with pytest.raises(OutOfScope):  # a grid worker approves no rules anywhere
        await pending_rules(uow, staff=town.grid1)
    with pytest.raises(SameApprover):
        await decide_rule(uow, staff=town.admin, approval_id=waiting.approval_id, approve=True)
    with pytest.raises(OutOfScope):  # a grid worker may not approve rules
        await decide_rule(uow, staff=town.grid1, approval_id=waiting.approval_id, approve=True)
    approved = await decide_rule(
        uow, staff=town.deputy, approval_id=waiting.approval_id, approve=True
    )
    assert (approved.code, approved.version) == ("jackpot", 1)
    paid = await apply_rule(
        uow,
        staff=town.admin,
        person_id=town.alice,
        rule_code="jackpot",
        request_key="k",
        zone=ZONE,
    )
    assert paid.points == 100_000
    assert await audit_actions(uow, "rule.") == [
        "rule.saved",  # the community's own small rules
        "rule.saved",
        "rule.requested",
        "rule.approved",
    ]


async def test_a_larger_version_waits_while_the_version_in_force_stays(
    uow: UnitOfWork, town: Community
) -> None:
    raised = rule("sweep", points=500)
    await save_rule(uow, staff=town.admin, draft=raised, approval_above=APPROVAL_ABOVE)
    award = await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code="sweep", request_key="1", zone=ZONE
    )
    assert (award.points, award.rule_version) == (5, 1)
    [waiting] = await pending_rules(uow, staff=town.deputy)
    assert waiting.rule.version == 2
    await decide_rule(uow, staff=town.deputy, approval_id=waiting.approval_id, approve=False)
    # After a refusal the next version is 3 and version 1 is still in force.
    await save_rule(
        uow, staff=town.admin, draft=rule("sweep", points=6), approval_above=APPROVAL_ABOVE
    )
    award = await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code="sweep", request_key="2", zone=ZONE
    )
    assert (award.points, award.rule_version) == (6, 3)
    assert (await audit_actions(uow, "rule."))[-3:] == [
        "rule.requested",
        "rule.refused",
        "rule.saved",
    ]


async def test_turning_the_second_approver_off_above_the_threshold_waits_too(
    uow: UnitOfWork, town: Community
) -> None:
    guarded = rule("wedding", points=80, second_approver=True)
    await save_rule(uow, staff=town.admin, draft=guarded, approval_above=APPROVAL_ABOVE)
    [first] = await pending_rules(uow, staff=town.deputy)
    await decide_rule(uow, staff=town.deputy, approval_id=first.approval_id, approve=True)
    unguarded = rule("wedding", points=80, second_approver=False)
    await save_rule(uow, staff=town.admin, draft=unguarded, approval_above=APPROVAL_ABOVE)
    award = await apply_rule(
        uow,
        staff=town.admin,
        person_id=town.alice,
        rule_code="wedding",
        request_key="w",
        zone=ZONE,
    )
    assert (award.status, award.rule_version) == ("pending", 1)


async def test_rules_are_approved_where_they_apply_not_where_their_author_sits(
    uow: UnitOfWork, town: Community
) -> None:
    head1 = await make_staff(uow, "head1", Role.GRID_HEAD, town.units["grid-1"])
    staff1 = await make_staff(uow, "staff1", Role.COMMUNITY_STAFF, town.units["grid-1"])
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("big", points=60, unit="community"),
        approval_above=APPROVAL_ABOVE,
    )
    [waiting] = await pending_rules(uow, staff=town.deputy)
    assert await pending_rules(uow, staff=staff1) == []  # the rule applies above grid 1
    for outsider in (head1, staff1):
        with pytest.raises(OutOfScope):
            await decide_rule(uow, staff=outsider, approval_id=waiting.approval_id, approve=True)


async def test_points_go_only_to_verified_residents_who_have_not_left(
    uow: UnitOfWork, town: Community
) -> None:
    with pytest.raises(NotVerified):
        await ask(uow, town, 5, "carol", person_id=town.carol)
    waiting = await ask(uow, town, 80, "waiting")
    await leave(uow, person_id=town.alice)
    with pytest.raises(ResidentLeft):
        await ask(uow, town, 5, "after")
    with pytest.raises(ResidentLeft):
        await apply_rule(
            uow,
            staff=town.grid1,
            person_id=town.alice,
            rule_code="sweep",
            request_key="r",
            zone=ZONE,
        )
    with pytest.raises(ResidentLeft):
        await decide(uow, staff=town.deputy, change_id=waiting.id, approve=True, zone=ZONE)
    refused = await decide(uow, staff=town.deputy, change_id=waiting.id, approve=False, zone=ZONE)
    assert refused.status == "rejected"
    assert await moral_balance(uow, town.alice) == 0


async def test_who_left_is_not_verified_again(uow: UnitOfWork, town: Community) -> None:
    await leave(uow, person_id=town.carol)
    with pytest.raises(ResidentLeft):
        await verify_resident(uow, staff=town.grid1, person_id=town.carol)
    async with uow.read() as session:
        resident = await session.get(Resident, town.carol)
    assert resident is not None
    assert resident.status == "left"


async def test_leaving_cancels_what_waits_and_erases_chat_and_texts_from_the_outbox(
    uow: UnitOfWork, town: Community
) -> None:
    sent = await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code="sweep", request_key="1", zone=ZONE
    )
    async with uow.write() as session:
        message = await session.scalar(select(OutboxMessage))
        assert message is not None
        message.status = "sent"
    await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code="sweep", request_key="2", zone=ZONE
    )
    await start_broadcast(uow, text="周五大扫除", chat_ids=[501, 502], created_by="admin")
    await leave(uow, person_id=town.alice)
    async with uow.read() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        chats = set((await session.scalars(select(OutboxChat.chat_id))).all())
    hers = [row for row in rows if row.chat_id != 502]
    assert [row.status for row in hers] == ["sent", "cancelled", "cancelled"]
    for row in hers:
        assert (row.chat_id, row.text, row.text_params, row.photo) == (0, None, None, None)
    [bobs] = [row for row in rows if row.chat_id == 502]
    assert (bobs.status, bobs.text) == ("pending", "周五大扫除")
    assert 501 not in chats
    assert sent.status == "posted"


async def test_only_staff_who_may_undo_undo_and_the_reason_is_audited(
    uow: UnitOfWork, town: Community
) -> None:
    change = await ask(uow, town, 10, "oops")
    with pytest.raises(OutOfScope):  # a grid worker proposes; undoing is a grid head's
        await undo(uow, staff=town.grid1, change_id=change.id, reason="记错了", zone=ZONE)
    head1 = await make_staff(uow, "head1", Role.GRID_HEAD, town.units["grid-1"])
    assert (
        await undo(uow, staff=head1, change_id=change.id, reason="记错了", zone=ZONE)
    ).status == ("reversed")
    async with uow.read() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "points.reversed")
        )
    assert entry is not None
    assert (entry.actor_staff_id, entry.reason, entry.details["reason"]) == (
        head1.id,
        "记错了",
        "补录",  # the adjustment's own reason stays with it
    )
