"""`moralbank bench rankings`: a quarter's resident board and household board of a whole
synthetic city (moralbank.bench_rankings_seed), drafted through the service the panel
calls (sums, ranks and the snapshot written, the checksum read back), timed against the
plainest reference there is in the same run: one GROUP BY over the quarter's postings,
per account, in SQL on the same database. The peak resident memory is this process's."""

from __future__ import annotations

import resource
import secrets
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import text

from core.clock import SystemClock
from core.db import Database
from core.uow import UnitOfWork
from moralbank.bench_ledger import settle
from moralbank.bench_rankings_seed import City, city
from rewards.rankings.boards import BoardView, draft_board
from rewards.rankings.periods import period_span
from rewards.rankings.standings import Scope
from rewards.staff.models import Role
from rewards.staff.service import StaffView, create_staff, staff_by_username

PERIOD = "2026Q2"  # in the middle of the city's two years
ZONE = ZoneInfo("Asia/Shanghai")
COMMITTEE = "bench-committee"


@dataclass(frozen=True)
class RankingsBench:
    database: str
    residents: int
    households: int
    postings: int
    period: str
    quarter_postings: int  # of the period, which the reference groups
    resident_ranking_s: float
    residents_ranked: int
    household_ranking_s: float
    households_ranked: int
    reference_s: float
    resident_ratio: float  # ranking time / reference time
    household_ratio: float
    peak_rss_mb: float
    build_s: float  # building the city (0 when it was there already)


async def run_bench(url: str, residents: int) -> RankingsBench:
    database = Database.from_url(url)
    uow = UnitOfWork(database, SystemClock())
    try:
        began = time.perf_counter()
        town = await city(database, residents)
        build_s = time.perf_counter() - began
        await settle(database, tables=None)
        staff = await _committee(uow, town)
        await _forget_boards(database, town)
        reference_s, quarter_postings = await _reference(database)
        people_s, people = await _timed(uow, staff, town, "resident")
        homes_s, homes = await _timed(uow, staff, town, "household")
        return RankingsBench(
            database.dialect, town.residents, town.households, town.postings, PERIOD,
            quarter_postings, round(people_s, 3), people.entries, round(homes_s, 3),
            homes.entries, round(reference_s, 3), round(people_s / reference_s, 2),
            round(homes_s / reference_s, 2), _peak_rss_mb(), round(build_s, 1),
        )  # fmt: skip
    finally:
        await database.dispose()


async def _timed(
    uow: UnitOfWork, staff: StaffView, town: City, scope: Scope
) -> tuple[float, BoardView]:
    began = time.perf_counter()
    board = await draft_board(
        uow, staff=staff, unit_id=town.unit_id, period=PERIOD, scope=scope, zone=ZONE
    )
    return time.perf_counter() - began, board


async def _reference(database: Database) -> tuple[float, int]:
    """One GROUP BY per account over the quarter's postings; returns its time and how
    many postings it summed."""
    start, end = period_span(PERIOD, ZONE)
    query = text(
        "SELECT count(*), coalesce(sum(n), 0) FROM ("
        " SELECT p.account_id, sum(p.amount) AS total, count(*) AS n"
        " FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id"
        " WHERE e.effective_at >= :start AND e.effective_at < :end"
        " GROUP BY p.account_id) AS per_account"
    )
    async with database.engine.connect() as connection:
        began = time.perf_counter()
        row = (await connection.execute(query, {"start": start, "end": end})).one()
        return time.perf_counter() - began, int(row[1])


async def _committee(uow: UnitOfWork, town: City) -> StaffView:
    found = await staff_by_username(uow, COMMITTEE)
    if found is not None:
        return found
    return await create_staff(
        uow, username=COMMITTEE, display_name="评比委员会", password=secrets.token_urlsafe(24),
        roles=[(Role.COMMITTEE_PUBLISHER, town.unit_id)], actor_staff_id=None,
    )  # fmt: skip


async def _forget_boards(database: Database, town: City) -> None:
    """A board from an earlier run would be drafted again over its old entries: start
    from none, as at a quarter's end."""
    boards = "SELECT id FROM ranking_boards WHERE org_unit_id = :unit"
    async with database.engine.begin() as connection:
        for table in ("ranking_objections", "ranking_entries"):
            await connection.execute(
                text(f"DELETE FROM {table} WHERE board_id IN ({boards})"), {"unit": town.unit_id}
            )
        await connection.execute(
            text("DELETE FROM ranking_boards WHERE org_unit_id = :unit"), {"unit": town.unit_id}
        )


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
