"""Every kind of entry a resident's statement can show has its words in both
catalogues: on the demo community, whose residents have been paid by rule, corrected by
hand and have bought at the love supermarket, every statement page reads as words in
Chinese and in English, never as a catalogue key."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.handlers.wallet import render_statement
from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.uow import UnitOfWork
from ledger.models import Account, Entry, Posting
from moralbank.demo import load_demo
from rewards.people.models import Resident
from rewards.points.accounts import WALLET
from rewards.points.wallet import my_wallet

ZONE = ZoneInfo("Asia/Shanghai")
# Kinds the demo may not happen to write: an undone change, points that lapsed.
RARER = {"reversal", "expiry"}


async def test_every_entry_of_a_statement_reads_as_words(
    uow: UnitOfWork, tmp_path: Path, catalogues: Catalogues, files: LocalFileStorage
) -> None:
    await load_demo(uow, tmp_path / "logins.txt", ZONE, 50, files)
    async with uow.read() as session:
        on_wallets = (
            select(Entry.kind)
            .join(Posting, Posting.entry_id == Entry.id)
            .join(Account, Account.id == Posting.account_id)
            .where(Account.kind == WALLET, Account.owner_ref.startswith("person:"))
            .distinct()
        )
        kinds = set(await session.scalars(on_wallets))
        people = list(
            await session.scalars(select(Resident.person_id).where(Resident.status == "verified"))
        )
    assert "hold_post" in kinds  # the demo's purchases
    for locale in ("zh_Hans", "en"):
        t = catalogues.translator(locale)
        missing = sorted(k for k in kinds | RARER if f"wallet.kind.{k}" not in t.messages)
        assert not missing, (locale, missing)
        for person_id in people:
            wallet = await my_wallet(uow, person_id=person_id, locale=locale, zone=ZONE)
            for page in range(wallet.pages):
                shown = await my_wallet(
                    uow, person_id=person_id, locale=locale, zone=ZONE, page=page
                )
                assert "wallet." not in render_statement(t, shown, ZONE), (locale, person_id)
