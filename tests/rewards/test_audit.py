"""Auditors read the trail of their own part of the tree; what concerns the whole bank
(point types, staff accounts) is read at the top of the tree only."""

from __future__ import annotations

import pytest

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import search_audit
from rewards.errors import OutOfScope
from rewards.people.joining import verify_resident
from rewards.points.awards import apply_rule
from rewards.staff.models import Role
from tests.rewards.community import START, ZONE, build_community, make_staff


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


async def test_an_auditor_reads_only_the_trail_of_their_subtree(uow: UnitOfWork) -> None:
    town = await build_community(uow)
    inspector = await make_staff(uow, "inspector1", Role.INSPECTOR, town.units["grid-1"])
    for staff, person, key in ((town.grid1, town.alice, "a"), (town.grid2, town.bob, "b")):
        await apply_rule(
            uow, staff=staff, person_id=person, rule_code="sweep", request_key=key, zone=ZONE
        )
    await verify_resident(uow, staff=town.grid1, person_id=town.carol)

    async def seen(staff: object) -> set[tuple[str, str]]:
        page = await search_audit(uow, staff=staff)  # type: ignore[arg-type]
        return {(row.action, row.target) for row in page.rows}

    grid1 = await seen(inspector)
    assert grid1 == {
        ("points.award", f"person:{town.alice}"),
        ("resident.verified", f"person:{town.carol}"),
    }
    community = await seen(town.deputy)  # community staff, below the street
    assert ("points.award", f"person:{town.bob}") in community
    assert not any(target.startswith(("point_type:", "staff:")) for _, target in community)
    street = await seen(town.admin)  # at the top of the tree: everything
    assert street >= community | {("point_type.saved", "point_type:moral")}
    assert any(target.startswith("staff:") for _, target in street)
    with pytest.raises(OutOfScope):
        await search_audit(uow, staff=town.grid1)  # grid workers do not audit
