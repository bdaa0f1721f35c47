"""The love supermarket `moralbank bench redeem` shops at: the demo community with its
residents as `moralbank bench bot` seeds them (households, a quarter of history each), and
kiosks at the community, each with its own operator (a kiosk_operator listed for it) and
a catalogue with stock for years. Each kiosk serves residents of its own, so that no two
kiosks wait for the same wallet. Loaded once per database: kiosks found are reused.

On top of the quarter each resident is granted points enough to shop many times over
(the quarter alone, a hundred or two points, is spent in a few runs of the benchmark).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.clock import SystemClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.service import EntryRequest, Leg, post_batch
from moralbank import bench_bot_seed
from moralbank.bench_ledger import settle
from rewards.org.service import find_unit
from rewards.people.residents import TELEGRAM
from rewards.people.service import greet
from rewards.points.accounts import issuance, person_wallet
from rewards.redemption.catalogue import add_item
from rewards.redemption.models import CatalogueItem, Outlet
from rewards.redemption.outlets import add_operator, create_outlet
from rewards.staff.models import Role
from rewards.staff.service import StaffView, create_staff, staff_by_username

RESIDENTS_PER_KIOSK = 3
POINT_TYPE = "moral"
GRANT = 100_000  # points granted to each resident on top of the quarter
STOCK = 10_000_000
GOODS = (  # code, name, name_en, price in points
    ("6901", "肥皂", "Soap", 1),
    ("6902", "毛巾", "Towel", 2),
    ("6903", "酱油", "Soy sauce", 3),
)


@dataclass(frozen=True)
class Kiosk:
    outlet_id: int
    operator: str  # the username of its operator
    items: tuple[int, ...]
    residents: tuple[int, ...]  # person ids, served at this kiosk only


async def seed(url: str, kiosks: int) -> list[Kiosk]:
    """`kiosks` kiosks with their residents, created where missing."""
    residents = kiosks * RESIDENTS_PER_KIOSK
    database = Database.from_url(url)
    uow = UnitOfWork(database, SystemClock())
    try:
        if await _outlet_id(uow, kiosks - 1) is None:
            await bench_bot_seed.seed(url, residents)  # the demo and the residents
        admin = await staff_by_username(uow, "admin")
        assert admin is not None, "the demo's administrator"
        community = (await find_unit(uow, "demo-community")).id
        people = [await _person(uow, bench_bot_seed.FIRST_ID + n) for n in range(residents)]
        found = []
        for n in range(kiosks):
            mine = tuple(people[n * RESIDENTS_PER_KIOSK : (n + 1) * RESIDENTS_PER_KIOSK])
            found.append(await _kiosk(uow, admin, community, n, mine))
        await settle(database, tables=None)
        return found
    finally:
        await database.dispose()


async def _person(uow: UnitOfWork, telegram_id: int) -> int:
    person = await greet(
        uow, channel=TELEGRAM, external_id=telegram_id, display_name="", language_hint=None
    )
    return person.id


async def _outlet_id(uow: UnitOfWork, n: int) -> int | None:
    async with uow.read() as session:
        return await session.scalar(select(Outlet.id).where(Outlet.code == _code(n)))


def _code(n: int) -> str:
    return f"bench-kiosk-{n}"


async def _kiosk(
    uow: UnitOfWork, admin: StaffView, community: int, n: int, residents: tuple[int, ...]
) -> Kiosk:
    username = f"{_code(n)}-operator"
    outlet_id = await _outlet_id(uow, n)
    if outlet_id is None:
        outlet_id = await _open_kiosk(uow, admin, community, n, username)
        await _grant(uow, residents)
    async with uow.read() as session:
        items = await session.scalars(
            select(CatalogueItem.id)
            .where(CatalogueItem.outlet_id == outlet_id)
            .order_by(CatalogueItem.id)
        )
        return Kiosk(outlet_id, username, tuple(items.all()), residents)


async def _open_kiosk(
    uow: UnitOfWork, admin: StaffView, community: int, n: int, username: str
) -> int:
    outlet = await create_outlet(
        uow, staff=admin, unit_id=community, code=_code(n), name=f"爱心超市{n}号柜台"
    )
    operator = await staff_by_username(uow, username) or await create_staff(
        uow,
        username=username,
        display_name=f"{n}号柜台收银员",
        password=secrets.token_urlsafe(16),  # nobody logs in: the benchmark calls services
        roles=[(Role.KIOSK_OPERATOR, community)],
        actor_staff_id=None,
    )
    await add_operator(uow, staff=admin, outlet_id=outlet.id, operator_id=operator.id)
    for code, name, name_en, price in GOODS:
        await add_item(
            uow, staff=admin, outlet_id=outlet.id, code=code, name=name, name_en=name_en,
            point_type=POINT_TYPE, price_points=price, value_fen=price * 100, stock=STOCK,
        )  # fmt: skip
    return outlet.id


async def _grant(uow: UnitOfWork, residents: tuple[int, ...]) -> None:
    async with uow.write() as session:
        now: datetime = uow.now()
        source = (await issuance(session, POINT_TYPE, now)).id
        grants = [
            EntryRequest(
                f"bench-redeem:grant:{person_id}",
                "award",
                (
                    Leg(source, -GRANT),
                    Leg((await person_wallet(session, person_id, POINT_TYPE, now)).id, GRANT),
                ),
                meta={"memo": "bench-redeem grant"},
            )
            for person_id in residents
        ]
        await post_batch(session, grants, now=now)
