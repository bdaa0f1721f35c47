"""Volunteer teams: made at a unit by staff who reach it; members are residents of that
unit's subtree, a leader among them confirms attendance (with the patrols)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.sql import insert_ignoring_conflicts
from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import OutOfScope, UnknownTeam
from rewards.org.models import OrgUnit
from rewards.org.service import get_unit
from rewards.people.models import PersonChannel, Resident, Team, TeamMember
from rewards.people.residents import TELEGRAM, AudienceRole, load_resident, resident_chats
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class TeamView:
    id: int
    code: str
    name: str
    unit_id: int
    members: int


async def create_team(
    uow: UnitOfWork, *, staff: StaffView, code: str, name: str, unit_id: int
) -> int:
    """Raises out_of_scope, unknown_org_unit; the same code twice is one team."""
    async with uow.write() as session:
        unit = await get_unit(session, unit_id)
        staff.require(Action.MANAGE_TEAMS, unit.path)
        found = await session.scalar(select(Team.id).where(Team.code == code))
        if found is not None:
            return found
        team = Team(code=code, name=name[:120], org_unit_id=unit.id, created_at=uow.now())
        session.add(team)
        await session.flush()
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="team.created",
            target=f"team:{team.id}",
            unit_path=unit.path,
            details={"code": code, "unit": unit.id},
        )
        return team.id


async def add_member(
    uow: UnitOfWork, *, staff: StaffView, team_id: int, person_id: int, leader: bool = False
) -> None:
    """Raises unknown_team, not_a_resident, out_of_scope (the team's unit or the
    resident's home is beyond the staff member, or the resident lives outside the
    team's unit). Adding someone twice changes nothing."""
    async with uow.write() as session:
        team = await session.get(Team, team_id)
        if team is None:
            raise UnknownTeam()
        unit = await get_unit(session, team.org_unit_id)
        resident = await load_resident(session, person_id)
        # And so the resident's home, which must lie below it.
        staff.require(Action.MANAGE_TEAMS, unit.path)
        if not resident.unit_path.startswith(unit.path):
            raise OutOfScope()
        member = {"team_id": team_id, "person_id": person_id, "leader": leader}
        await session.execute(
            insert_ignoring_conflicts(session, TeamMember, on=["team_id", "person_id"]),
            [{**member, "joined_at": uow.now()}],
        )


async def teams_in_reach(
    uow: UnitOfWork, *, staff: StaffView, action: Action = Action.BROADCAST
) -> list[TeamView]:
    """The teams made where the staff member's roles allow `action` (by default: the
    teams they may broadcast to)."""
    async with uow.read() as session:
        rows = await session.execute(
            select(Team, func.count(TeamMember.id))
            .join(OrgUnit, OrgUnit.id == Team.org_unit_id)
            .outerjoin(TeamMember, TeamMember.team_id == Team.id)
            .where(staff.reaches_for(action, OrgUnit.path))
            .group_by(Team.id)
            .order_by(Team.name)
        )
        return [TeamView(t.id, t.code, t.name, t.org_unit_id, int(n)) for t, n in rows]


async def team_chats(uow: UnitOfWork, *, staff: StaffView, team_ids: list[int]) -> list[int]:
    """Telegram chats of the teams' verified members (a broadcast's audience). Raises
    unknown_team, out_of_scope."""
    if not team_ids:
        return []
    async with uow.read() as session:
        for team_id in team_ids:
            team = await session.get(Team, team_id)
            if team is None:
                raise UnknownTeam()
            staff.require(Action.BROADCAST, (await get_unit(session, team.org_unit_id)).path)
        chats = await session.scalars(
            select(PersonChannel.external_id)
            .join(TeamMember, TeamMember.person_id == PersonChannel.person_id)
            .join(Resident, Resident.person_id == PersonChannel.person_id)
            .where(
                TeamMember.team_id.in_(team_ids),
                PersonChannel.channel == TELEGRAM,
                Resident.status == "verified",
            )
            .distinct()
        )
        return sorted(chats.all())


async def audience(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    unit_ids: list[int],
    team_ids: list[int],
    role: AudienceRole = "residents",
) -> list[int]:
    """A broadcast's recipients: the verified residents of the chosen units (all, or only
    those with `role`) and the verified members of the chosen teams, each chat once.
    Raises out_of_scope, unknown_org_unit, unknown_team."""
    residents = await resident_chats(uow, staff=staff, unit_ids=unit_ids, role=role)
    members = await team_chats(uow, staff=staff, team_ids=team_ids)
    return sorted(set(residents) | set(members))
