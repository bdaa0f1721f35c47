"""Known places (the east gate, building 3's door): what residents pick when they would
rather not share their location. Kept by staff who edit rules, for the units they reach;
every change is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.cases.errors import UnknownPlace
from rewards.cases.models import KnownPlace
from rewards.errors import UnknownOrgUnit
from rewards.org.models import OrgUnit
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


class KnownPlaceDraft(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    unit_id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


@dataclass(frozen=True)
class KnownPlaceView:
    id: int
    unit_name: str
    name: str
    name_en: str | None
    latitude: float
    longitude: float
    active: bool


async def add_known_place(
    uow: UnitOfWork, *, staff: StaffView, draft: KnownPlaceDraft
) -> KnownPlaceView:
    """Raises unknown_org_unit, out_of_scope (the unit is not within their reach)."""
    async with uow.write() as session:
        unit = await session.get(OrgUnit, draft.unit_id)
        if unit is None:
            raise UnknownOrgUnit()
        staff.require(Action.EDIT_RULES, unit.path)
        place = KnownPlace(
            org_unit_id=unit.id,
            name=draft.name,
            name_en=draft.name_en or None,
            latitude=draft.latitude,
            longitude=draft.longitude,
        )
        session.add(place)
        await session.flush()
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="cases.place_added",
            target=f"known_place:{place.id}",
            unit_path=unit.path,
            details=draft.model_dump(),
        )
        return _view(place, unit.name)


async def retire_known_place(uow: UnitOfWork, *, staff: StaffView, place_id: int) -> None:
    """Off the residents' list (old reports keep it). Raises unknown_place, out_of_scope."""
    async with uow.write() as session:
        found = (
            await session.execute(
                select(KnownPlace, OrgUnit.path)
                .join(OrgUnit, OrgUnit.id == KnownPlace.org_unit_id)
                .where(KnownPlace.id == place_id)
            )
        ).one_or_none()
        if found is None:
            raise UnknownPlace()
        place, path = found
        staff.require(Action.EDIT_RULES, path)
        place.active = False
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="cases.place_retired",
            target=f"known_place:{place.id}",
            unit_path=path,
        )


async def known_places(uow: UnitOfWork, *, staff: StaffView) -> list[KnownPlaceView]:
    """The places in the units this staff member edits rules for."""
    async with uow.read() as session:
        rows = await session.execute(
            select(KnownPlace, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == KnownPlace.org_unit_id)
            .where(staff.reaches_for(Action.EDIT_RULES, OrgUnit.path))
            .order_by(OrgUnit.path, KnownPlace.name)
        )
        return [_view(place, unit_name) for place, unit_name in rows]


def _view(place: KnownPlace, unit_name: str) -> KnownPlaceView:
    return KnownPlaceView(
        place.id, unit_name, place.name, place.name_en, place.latitude, place.longitude,
        place.active,
    )  # fmt: skip
