"""Volunteer teams: made and filled within the staff member's reach; their members are a
broadcast's audience."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.uow import UnitOfWork
from rewards.errors import OutOfScope
from rewards.people.models import TeamMember
from rewards.people.teams import add_member, create_team, team_chats, teams_in_reach
from rewards.staff.models import Role
from tests.rewards.community import Community, build_community, make_staff


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


async def test_a_grid_team_takes_only_its_grids_residents(
    uow: UnitOfWork, database: Database, town: Community
) -> None:
    grid1 = town.units["grid-1"].id
    # Community staff who look after grid 2 only: the right role, the wrong place.
    other = await make_staff(uow, "other", Role.COMMUNITY_STAFF, town.units["grid-2"])
    team = await create_team(
        uow, staff=town.admin, code="patrol-1", name="天天巡逻组", unit_id=grid1
    )
    assert (
        await create_team(uow, staff=town.admin, code="patrol-1", name="x", unit_id=grid1) == team
    )
    await add_member(uow, staff=town.admin, team_id=team, person_id=town.alice, leader=True)
    await add_member(uow, staff=town.admin, team_id=team, person_id=town.alice)  # once only
    await add_member(uow, staff=town.admin, team_id=team, person_id=town.carol)  # unverified
    with pytest.raises(OutOfScope):  # Bob lives in grid 2
        await add_member(uow, staff=town.admin, team_id=team, person_id=town.bob)
    with pytest.raises(OutOfScope):  # grid 2's staff cannot make a team in grid 1
        await create_team(uow, staff=other, code="p", name="p", unit_id=grid1)
    with pytest.raises(OutOfScope):  # grid 1's worker has the place, not the role
        await create_team(uow, staff=town.grid1, code="p", name="p", unit_id=grid1)
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(TeamMember)) == 2
    assert await team_chats(uow, staff=town.admin, team_ids=[team]) == [501]  # verified only
    with pytest.raises(OutOfScope):
        await team_chats(uow, staff=other, team_ids=[team])
    with pytest.raises(OutOfScope):  # grid workers do not broadcast
        await team_chats(uow, staff=town.grid1, team_ids=[team])
    [seen] = await teams_in_reach(uow, staff=town.admin)
    assert (seen.name, seen.members) == ("天天巡逻组", 2)
    assert await teams_in_reach(uow, staff=other) == []
