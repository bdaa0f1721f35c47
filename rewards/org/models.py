"""The organisation tree: city → district → street → community/village → grid → building.

Deployments use three to five of these levels. Each unit keeps its materialized path
("/1/4/9/"), so "everything below this unit" is one indexed prefix match instead of a
recursive query, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class OrgLevel(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    VILLAGE = "village"
    GRID = "grid"
    BUILDING = "building"


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[int] = id_column()
    parent_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("org_units.id"))
    level: Mapped[OrgLevel] = mapped_column(
        Enum(
            OrgLevel, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        )
    )
    # A stable handle for imports and invite links ("litang-hekou-grid-1").
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(String(512), index=True, default="")
