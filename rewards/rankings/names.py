"""What a board calls its subjects: a person by name, a household by its head's, a team
or a part of the tree by its own. On anything public, people's names are masked."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.org.models import OrgUnit
from rewards.people.models import Household, Person, Team
from rewards.people.residents import mask_name

PERSONAL = ("resident", "household")


async def names_of(session: AsyncSession, scope: str, subjects: Collection[int]) -> dict[int, str]:
    if not subjects:
        return {}
    if scope == "resident":
        query = select(Person.id, Person.display_name).where(Person.id.in_(subjects))
    elif scope == "household":
        query = (
            select(Household.id, Person.display_name)
            .join(Person, Person.id == Household.head_person_id)
            .where(Household.id.in_(subjects))
        )
    elif scope == "team":
        query = select(Team.id, Team.name).where(Team.id.in_(subjects))
    else:
        query = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(subjects))
    named = {subject: name for subject, name in await session.execute(query)}
    return {subject: named.get(subject) or f"#{subject}" for subject in subjects}


def public_name(scope: str, name: str) -> str:
    """A person's (or a household head's) name masked; a team's or a place's name is
    public already."""
    return mask_name(name) if scope in PERSONAL else name
