"""The points earned per person and month that boards read: added to by awards,
deductions and reversals in the month they happen (the community's calendar), and
`moralbank ledger verify` names any that differ from the postings."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.points.awards import apply_rule
from rewards.points.corrections import undo
from rewards.points.models import EarnedPoints
from tests.processes import MORALBANK, ROOT, moralbank_env
from tests.rewards.community import ZONE, build_community


async def test_kept_by_month_and_checked_against_the_postings(
    database: Database, database_url: str
) -> None:
    # 23:30 on 31 March in Shanghai is still March there, though April has begun in UTC…
    clock = FrozenClock(datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    uow = UnitOfWork(database, clock)
    town = await build_community(uow)
    march = await apply_rule(uow, staff=town.admin, person_id=town.alice, rule_code="sweep",
                             request_key="m", zone=ZONE)  # fmt: skip
    clock.advance(timedelta(hours=1))  # …and 00:30 on 1 April is April
    for key in ("a1", "a2"):
        await apply_rule(uow, staff=town.admin, person_id=town.alice, rule_code="sweep",
                         request_key=key, zone=ZONE)  # fmt: skip
    await undo(uow, staff=town.admin, change_id=march.id, reason="记错了", zone=ZONE)
    async with database.read() as session:
        kept = (await session.execute(
            select(EarnedPoints.month, EarnedPoints.unit, EarnedPoints.points)
            .where(EarnedPoints.person_id == town.alice).order_by(EarnedPoints.month)
        )).all()  # fmt: skip
    # March keeps its award; April has two awards and the March award's reversal.
    assert [tuple(row) for row in kept] == [("2026-03", "moral", 5), ("2026-04", "moral", 5)]

    env = {**moralbank_env(database_url), "MORALBANK_TIME_ZONE": "Asia/Shanghai"}
    verified = await asyncio.to_thread(_verify, env)
    assert verified.returncode == 0, verified.stdout
    async with database.write() as session:
        await session.execute(
            update(EarnedPoints).where(EarnedPoints.month == "2026-04").values(points=-3)
        )
    wrong = await asyncio.to_thread(_verify, env)
    assert wrong.returncode == 1
    named = f"person {town.alice} moral 2026-04: kept -3, postings say 5"
    assert f"PROBLEM earned_points: {named}" in wrong.stdout


def _verify(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MORALBANK, "ledger", "verify"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
