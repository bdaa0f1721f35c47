"""Building the organisation tree and answering "is this unit inside that one?"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.errors import UnknownOrgUnit
from rewards.org.models import OrgLevel, OrgUnit


@dataclass(frozen=True)
class OrgUnitView:
    id: int
    parent_id: int | None
    level: OrgLevel
    code: str
    name: str
    path: str

    def contains(self, other_path: str) -> bool:
        """True when a unit with `other_path` is this unit or lies below it."""
        return other_path.startswith(self.path)


def _view(unit: OrgUnit) -> OrgUnitView:
    return OrgUnitView(unit.id, unit.parent_id, unit.level, unit.code, unit.name, unit.path)


async def ensure_unit(
    session: AsyncSession, *, code: str, name: str, level: OrgLevel, parent_code: str | None
) -> OrgUnitView:
    """Create the unit unless one with `code` exists (imports and the demo are re-runnable)."""
    existing = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if existing is not None:
        return _view(existing)
    parent = None
    if parent_code is not None:
        parent = await session.scalar(select(OrgUnit).where(OrgUnit.code == parent_code))
        if parent is None:
            raise UnknownOrgUnit(code=parent_code)
    unit = OrgUnit(code=code, name=name, level=level, parent_id=parent.id if parent else None)
    session.add(unit)
    await session.flush()  # the path needs the new id
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return _view(unit)


async def get_unit(session: AsyncSession, unit_id: int) -> OrgUnitView:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise UnknownOrgUnit(code=str(unit_id))
    return _view(unit)


async def get_unit_by_code(session: AsyncSession, code: str) -> OrgUnitView:
    unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise UnknownOrgUnit(code=code)
    return _view(unit)


async def add_unit(
    uow: UnitOfWork, *, code: str, name: str, level: OrgLevel, parent_code: str | None
) -> OrgUnitView:
    """Add a unit in its own transaction; nothing changes if `code` exists.

    Raises unknown_org_unit when the parent code is unknown."""
    async with uow.write() as session:
        return await ensure_unit(
            session, code=code, name=name, level=level, parent_code=parent_code
        )


async def find_unit(uow: UnitOfWork, code: str) -> OrgUnitView:
    """Raises unknown_org_unit."""
    async with uow.read() as session:
        return await get_unit_by_code(session, code)


async def units_below(uow: UnitOfWork, paths: list[str]) -> list[OrgUnitView]:
    """The units at or below any of `paths` (a staff member's roles), tree order."""
    if not paths:
        return []
    async with uow.read() as session:
        units = (
            await session.scalars(
                select(OrgUnit)
                .where(or_(*(OrgUnit.path.startswith(path) for path in paths)))
                .order_by(OrgUnit.path)
            )
        ).all()
    return [_view(unit) for unit in units]
