"""The residents `moralbank bench bot` talks as: verified residents of the demo community
in households of two or three, each with a wallet like a resident's after a quarter of the
demo's rules (30–60 statement lines, moral and volunteer points), and some households whose
Litang base a deduction already reached into. Loaded once per database.

The quarter's entries go through the ledger API with the metadata an award by rule writes
(what the statement shows), a batch per resident and week: through the award service
each would cost a transaction, and a thousand residents' quarter would take many minutes.
Each resident's last award, today's, goes through the award service itself.
"""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import SystemClock
from core.db import Database
from core.files import LocalFileStorage
from core.uow import UnitOfWork
from ledger.models import Account, Posting
from ledger.service import EntryRequest, Leg, post_batch
from moralbank.bench_ledger import settle
from moralbank.demo import load_demo
from moralbank.demo_points import HISTORY_DAYS, HISTORY_RULES
from rewards.messaging.models import OutboxMessage
from rewards.org.service import find_unit
from rewards.people.channels import residents_with_chats
from rewards.people.models import Resident
from rewards.people.residents import TELEGRAM, enrol, new_household
from rewards.people.service import greet
from rewards.points.accounts import (
    WALLET,
    household_base,
    issuance,
    penalties,
    person_ref,
    person_wallet,
)
from rewards.points.awards import apply_rule
from rewards.points.rules import RuleView, rules_for_person
from rewards.staff.service import StaffView, staff_by_username
from rewards.staff.telegram import linked_staff

FIRST_ID = 7_100_000_000  # Telegram ids of the benchmark's residents
ZONE = ZoneInfo("Asia/Shanghai")
ENTRIES = (30, 60)  # statement lines of the quarter, per resident
BASE_REACHED = 4  # every 4th household has lost some of its base


async def seed(url: str, residents: int) -> dict[int, int]:
    """Returns {Telegram id: statement lines} of `residents` residents."""
    database = Database.from_url(url)
    uow = UnitOfWork(database, SystemClock())
    try:
        with tempfile.TemporaryDirectory() as folder:
            files = LocalFileStorage(Path(folder) / "files")
            await load_demo(uow, Path(folder) / "logins.txt", ZONE, 50, files)
        staff = await staff_by_username(uow, "shequ")
        assert staff is not None
        grids = [(await find_unit(uow, f"demo-grid-{n}")).id for n in (1, 2, 3)]
        ids = [FIRST_ID + n for n in range(residents)]
        rng = random.Random(2026)
        rules: dict[str, RuleView] = {}
        start = 0
        while start < len(ids):
            size = min(rng.choice((2, 3)), len(ids) - start)
            family = ids[start : start + size]
            grid = grids[(start // 3) % len(grids)]
            rules = await _household(uow, staff, family, grid, rules, rng)
            start += size
        await _notices_already_read(uow, ids)
        # Every table the bot reads, freshly loaded: without statistics PostgreSQL plans
        # a statement page as a scan of every entry (25 ms instead of 0.2).
        await settle(database, tables=None)
        return await _lines(uow, ids)
    finally:
        await database.dispose()


async def _household(
    uow: UnitOfWork,
    staff: StaffView,
    family: list[int],
    grid: int,
    rules: dict[str, RuleView],
    rng: random.Random,
) -> dict[str, RuleView]:
    people = [
        (
            await greet(
                uow,
                channel=TELEGRAM,
                external_id=telegram_id,
                display_name=f"居民{telegram_id - FIRST_ID}",
                language_hint="zh-hans",
            )
        ).id
        for telegram_id in family
    ]
    async with uow.write() as session:
        if await session.get(Resident, people[0]) is not None:
            return rules  # seeded by an earlier run
        household = None
        for person_id in people:
            await enrol(
                session,
                person_id=person_id,
                unit_id=grid,
                household_id=household,
                now=uow.now(),
                verified_by_staff_id=staff.id,
            )
            if household is None:
                household = (await new_household(session, grid, person_id, uow.now())).id
    if not rules:
        found = await rules_for_person(uow, people[0], at=uow.now())
        rules = {rule.code: rule for rule in found}
    async with uow.write() as session:
        for person_id in people:
            await _quarter(session, uow, person_id, rules, rng)
        if household is not None and household % BASE_REACHED == 0:
            await _base_reached(session, uow, household, rules["litter"])
    for person_id, telegram_id in zip(people, family, strict=True):
        await apply_rule(
            uow,
            staff=staff,
            person_id=person_id,
            rule_code="help-neighbour",
            request_key=f"bench-bot:{telegram_id}",
            zone=ZONE,
        )
    return rules


def _details(rule: RuleView) -> dict[str, object]:
    """What an award by the rule keeps with its entry (rewards.points.awards)."""
    return {
        "rule": rule.code,
        "version": rule.version,
        "point_type": rule.point_type,
        "category": rule.category_name,
        "category_en": rule.category_name_en,
        "action": rule.action,
        "action_en": rule.action_en,
    }


async def _quarter(
    session: AsyncSession,
    uow: UnitOfWork,
    person_id: int,
    rules: dict[str, RuleView],
    rng: random.Random,
) -> None:
    """A quarter of awards and deductions for one resident, a batch per week; where the
    wallet could not cover a deduction, the resident helped a neighbour instead."""
    now = uow.now()
    weights = [code for code, weight in HISTORY_RULES for _ in range(weight)]
    days = sorted(rng.uniform(0, HISTORY_DAYS) for _ in range(rng.randint(*ENTRIES)))
    held: dict[str, int] = {}
    weeks: dict[int, list[EntryRequest]] = {}
    for n, day in enumerate(days):
        rule = rules[rng.choice(weights)]
        if rule.points < 0 and held.get(rule.point_type, 0) < -rule.points:
            rule = rules["help-neighbour"]
        unit = rule.point_type
        at = now - timedelta(days=HISTORY_DAYS - day)
        wallet = (await person_wallet(session, person_id, unit, at)).id
        source = await (issuance if rule.points > 0 else penalties)(session, unit, at)
        held[unit] = held.get(unit, 0) + rule.points
        weeks.setdefault(int(day // 7), []).append(
            EntryRequest(
                f"bench-bot:{person_id}:{n}",
                "award" if rule.points > 0 else "deduction",
                (Leg(source.id, -rule.points), Leg(wallet, rule.points)),
                meta=_details(rule),
            )
        )
    for week, requests in sorted(weeks.items()):
        at = now - timedelta(days=HISTORY_DAYS - week * 7)
        await post_batch(session, requests, now=at)


async def _base_reached(
    session: AsyncSession, uow: UnitOfWork, household: int, rule: RuleView
) -> None:
    """A deduction that found the wallet empty and took from the household's base."""
    now = uow.now() - timedelta(days=HISTORY_DAYS // 2)
    base = await household_base(session, household, rule.point_type, 100, now)
    into = await penalties(session, rule.point_type, now)
    entry = EntryRequest(
        f"bench-bot:base:{household}",
        "deduction",
        (Leg(base.id, rule.points), Leg(into.id, -rule.points)),
        meta=_details(rule),
    )
    await post_batch(session, [entry], now=now)


async def known_chats(url: str) -> list[int]:
    """Every Telegram chat of the database: the demo's residents and linked grid worker
    too, whom the worker's jobs (a digest, a reminder) may write to during a run."""
    database = Database.from_url(url)
    uow = UnitOfWork(database, SystemClock())
    try:
        residents = [
            resident.telegram_id for resident in await residents_with_chats(uow, limit=None)
        ]
        staff = [linked.telegram_user_id for linked in await linked_staff(uow)]
    finally:
        await database.dispose()
    return residents + staff


async def _notices_already_read(uow: UnitOfWork, ids: list[int]) -> None:
    """The seed's award notices went out long ago in the benchmark's story; left pending,
    the worker would send a thousand of them during the measured phase."""
    async with uow.write() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id.in_(ids), OutboxMessage.status == "pending")
            .values(status="sent", sent_at=uow.now())
        )


async def _lines(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    """Statement lines of each resident's wallets (postings on them), by Telegram id."""
    people = {}
    for telegram_id in ids:
        person = await greet(
            uow, channel=TELEGRAM, external_id=telegram_id, display_name="", language_hint=None
        )
        people[person_ref(person.id)] = telegram_id
    async with uow.read() as session:
        counted = await session.execute(
            select(Account.owner_ref, func.count())
            .join(Posting, Posting.account_id == Account.id)
            .where(Account.kind == WALLET, Account.owner_ref.in_(list(people)))
            .group_by(Account.owner_ref)
        )
        return {people[str(owner)]: lines for owner, lines in counted.all()}
