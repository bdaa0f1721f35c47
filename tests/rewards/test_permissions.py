"""What a role allows, checked in the services together with the place: each finding of
the review, reproduced with a staff account that sits at the right place in the tree
but holds a role that does not allow the act."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.uow import UnitOfWork
from rewards.errors import NotAStaffRole, OutOfScope
from rewards.people.joining import verify_resident
from rewards.people.models import Person
from rewards.people.residents import search_residents
from rewards.points.awards import apply_rule
from rewards.points.corrections import adjust, decide
from rewards.points.rules import preview_rule, rule_history, rule_to_edit, save_rule
from rewards.staff.models import Role, StaffAccount
from rewards.staff.service import StaffView, create_staff
from tests.rewards.community import (
    APPROVAL_ABOVE,
    PASSWORD,
    ZONE,
    Community,
    build_community,
    make_staff,
    rule,
)

PHONE = "13812345678"


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    community = await build_community(uow)
    async with uow.write() as session:
        alice = await session.get(Person, community.alice)
        assert alice is not None
        alice.phone = PHONE
    return community


async def _adjust(uow: UnitOfWork, staff: StaffView, person: int, points: int, key: str) -> None:
    await adjust(
        uow,
        staff=staff,
        person_id=person,
        point_type="moral",
        points=points,
        reason="review",
        request_key=key,
        approval_above=50,
        zone=ZONE,
    )


@pytest.mark.parametrize(
    "role", [Role.KIOSK_OPERATOR, Role.COMMITTEE_PUBLISHER, Role.DEPARTMENT_HANDLER]
)
async def test_a_role_without_the_right_is_refused_at_its_own_community(
    uow: UnitOfWork, town: Community, role: Role
) -> None:
    staff = await make_staff(uow, "kiosk", role, town.units["community"])
    with pytest.raises(OutOfScope):  # no resident list, no phones
        await search_residents(uow, staff=staff)
    with pytest.raises(OutOfScope):  # ±50 without approval
        await _adjust(uow, staff, town.alice, 50, "k-50")
    await _adjust(uow, town.admin, town.alice, 300, "k-300")  # someone else's +300
    with pytest.raises(OutOfScope):
        await decide(uow, staff=staff, change_id=1, approve=True, zone=ZONE)
    with pytest.raises(OutOfScope):  # verifying newcomers
        await verify_resident(uow, staff=staff, person_id=town.carol)
    with pytest.raises(OutOfScope):
        await apply_rule(
            uow,
            staff=staff,
            person_id=town.alice,
            rule_code="sweep",
            request_key="k-award",
            zone=ZONE,
        )


async def test_a_grid_worker_proposes_but_does_not_approve(
    uow: UnitOfWork, town: Community
) -> None:
    await _adjust(uow, town.admin, town.alice, 300, "k-300")
    with pytest.raises(OutOfScope):
        await decide(uow, staff=town.grid1, change_id=1, approve=True, zone=ZONE)
    await _adjust(uow, town.grid1, town.alice, 5, "k-5")  # within the table and the place


async def test_a_building_head_sees_residents_with_their_phones_masked(
    uow: UnitOfWork, town: Community
) -> None:
    head = await make_staff(uow, "head", Role.BUILDING_HEAD, town.units["grid-1"])
    [alice, _carol] = sorted(await search_residents(uow, staff=head), key=lambda r: r.name)
    assert (alice.name, alice.phone) == ("Alice", "138****5678")
    # A masked phone cannot be found digit by digit either.
    assert await search_residents(uow, staff=head, query="381234") == []
    [found] = await search_residents(uow, staff=town.grid1, query="381234")
    assert (found.name, found.phone) == ("Alice", PHONE)


async def test_a_rule_naming_a_role_does_not_give_it_a_right_the_table_denies(
    uow: UnitOfWork, town: Community
) -> None:
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("tidy", awarder_roles=[Role.BUILDING_HEAD, Role.KIOSK_OPERATOR]),
        approval_above=APPROVAL_ABOVE,
    )
    head = await make_staff(uow, "head", Role.BUILDING_HEAD, town.units["grid-1"])
    with pytest.raises(OutOfScope):
        await apply_rule(
            uow, staff=head, person_id=town.alice, rule_code="tidy", request_key="k", zone=ZONE
        )


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.VOLUNTEER])
async def test_residents_and_volunteers_get_no_panel_account(
    uow: UnitOfWork, database: Database, town: Community, role: Role
) -> None:
    with pytest.raises(NotAStaffRole) as refused:
        await make_staff(uow, "newcomer", role, town.units["grid-1"])
    assert refused.value.params == {"role": role.value}
    async with database.read() as session:
        count = select(func.count()).where(StaffAccount.username == "newcomer")
        assert await session.scalar(count) == 0


async def test_only_those_who_manage_staff_make_accounts(uow: UnitOfWork, town: Community) -> None:
    boss = await make_staff(uow, "boss", Role.SUPERADMIN, town.units["street"])

    async def made_by(actor: StaffView, username: str) -> None:
        await create_staff(
            uow,
            username=username,
            display_name=username,
            password=PASSWORD,
            roles=[(Role.GRID_WORKER, town.units["grid-1"].id)],
            actor_staff_id=actor.id,
        )

    with pytest.raises(OutOfScope):
        await made_by(town.admin, "by-community-staff")
    await made_by(boss, "by-superadmin")


# Point 2: rules are scoped to the rule's unit and to the rules roles.


async def test_a_rules_reader_sees_only_the_history_of_rules_in_their_part(
    uow: UnitOfWork, town: Community
) -> None:
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("g2.sweep", unit="grid-2", reason="第二网格的理由"),
        approval_above=APPROVAL_ABOVE,
    )
    grid1_staff = await make_staff(uow, "g1staff", Role.COMMUNITY_STAFF, town.units["grid-1"])
    for staff in (grid1_staff, town.grid1):
        with pytest.raises(OutOfScope):
            await rule_history(uow, staff=staff, code="g2.sweep")
        with pytest.raises(OutOfScope):
            await rule_to_edit(uow, staff=staff, code="g2.sweep")
    [version] = await rule_history(uow, staff=town.admin, code="g2.sweep")
    assert version.reason == "第二网格的理由"
    assert (await rule_to_edit(uow, staff=town.admin, code="g2.sweep")).unit_code == "grid-2"


async def test_the_preview_gives_no_figures_to_staff_without_a_rules_role_there(
    uow: UnitOfWork, town: Community
) -> None:
    grid1_staff = await make_staff(uow, "g1staff", Role.COMMUNITY_STAFF, town.units["grid-1"])
    since = datetime(2026, 1, 1, tzinfo=UTC)
    # A grid worker holds no rules role; grid 1's rules staff may not read the community's
    # rule, whatever unit their draft names.
    for staff, unit in (
        (town.grid1, "grid-1"),
        (grid1_staff, "grid-1"),
        (town.grid1, "community"),
    ):
        draft = rule("sweep", unit=unit, points=50, valid_from=since)
        with pytest.raises(OutOfScope):
            await preview_rule(uow, staff=staff, draft=draft, zone=ZONE)
    draft = rule("sweep", points=50, valid_from=since)
    preview = await preview_rule(uow, staff=town.admin, draft=draft, zone=ZONE)
    assert preview.changes == 0  # the community had no last quarter here
