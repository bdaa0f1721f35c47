"""Spending points at a kiosk, both ways, through the services the kiosk page and the bot
call: exact in the books, once only, and refused with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.models import Hold
from ledger.verify import verify
from rewards.audit import AuditEntry
from rewards.errors import NotVerified, OutOfScope
from rewards.messaging.models import OutboxMessage
from rewards.points.rules import PointTypeDraft, save_point_type
from rewards.points.wallet import my_wallet
from rewards.redemption import checkout as kiosk
from rewards.redemption.attempts import WRONG_CODES_PER_OPERATOR
from rewards.redemption.catalogue import add_item
from rewards.redemption.codes import issue_pay_code, link_secret, pay_code_digits
from rewards.redemption.errors import (
    CheckoutFinished,
    CodeExpired,
    CodeUnknown,
    CodeUsed,
    ItemCodeTaken,
    NotEnoughPoints,
    NotRedeemable,
    NotYourOutlet,
    OtherCommunity,
    OutletCodeTaken,
    OutOfStock,
    OverItemLimit,
    TooManyWrongCodes,
)
from rewards.redemption.models import CatalogueItem, FeeOffset, RedemptionAttempt
from rewards.redemption.outlets import create_outlet
from rewards.redemption.refunds import refund
from rewards.staff.telegram import link_chat, offer_link, staff_link_secret
from tests.redemption.shop import STAFF_GROUP, SWEEPS, Shop, build_shop
from tests.rewards.community import START, ZONE

ADDRESS = "192.0.2.10"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


OPERATOR_PHONE = 770001


async def balance(uow: UnitOfWork, person_id: int) -> int:
    wallet = await my_wallet(uow, person_id=person_id, locale="zh_Hans", zone=ZONE)
    return sum(b.redeemable_now for b in wallet.balances)


async def stock(uow: UnitOfWork, item_id: int) -> int | None:
    async with uow.read() as session:
        return await session.scalar(select(CatalogueItem.stock).where(CatalogueItem.id == item_id))


async def scan(uow: UnitOfWork, shop: Shop, digits: str | None) -> kiosk.CheckoutView:
    return await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=digits, address=ADDRESS,
        zone=ZONE,
    )  # fmt: skip


async def test_a_pay_code_buys_goods_once_and_the_books_agree(uow: UnitOfWork, shop: Shop) -> None:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    assert len(code.digits) == 12
    assert pay_code_digits(code.grouped) == code.digits
    assert await balance(uow, shop.town.alice) == SWEEPS * 5  # showing a code moves nothing
    started = await scan(uow, shop, code.digits)
    assert started.masked_name == "A***e"
    assert started.redeemable == 30
    lines = {shop.soap.id: 2}
    done = await confirm(uow, shop, started.id, lines)
    assert done.status == "completed"
    assert done.total_points == 20
    assert await balance(uow, shop.town.alice) == 10
    assert await stock(uow, shop.soap.id) == 1
    again = await confirm(uow, shop, started.id, lines)
    assert again.status == "completed"
    assert await balance(uow, shop.town.alice) == 10  # a second tap pays nothing
    assert await stock(uow, shop.soap.id) == 1
    with pytest.raises(CodeUsed):
        await scan(uow, shop, code.digits)
    async with uow.read() as session:
        receipts = await session.scalars(
            select(OutboxMessage.text_key).where(OutboxMessage.chat_id == 501)
        )
        assert "redemption.receipt" in receipts.all()
        assert await verify(session) == []
        audits = await session.scalar(
            select(func.count()).where(AuditEntry.action == "checkout.complete")
        )
        assert audits == 1


async def test_forged_expired_and_replaced_codes_are_refused_and_recorded(
    uow: UnitOfWork, shop: Shop, clock: FrozenClock
) -> None:
    with pytest.raises(CodeUnknown):
        await scan(uow, shop, "000000000000")
    with pytest.raises(CodeUnknown):
        await scan(uow, shop, None)  # what was typed could not be a code
    old = await issue_pay_code(uow, person_id=shop.town.alice)
    new = await issue_pay_code(uow, person_id=shop.town.alice)
    with pytest.raises(CodeUsed):  # a newer code replaced it
        await scan(uow, shop, old.digits)
    clock.advance(timedelta(minutes=3))
    with pytest.raises(CodeExpired):
        await scan(uow, shop, new.digits)
    async with uow.read() as session:
        outcomes = (
            await session.scalars(select(RedemptionAttempt.outcome).order_by(RedemptionAttempt.id))
        ).all()
    assert outcomes == [
        "pay_code_unknown",
        "pay_code_unknown",
        "pay_code_used",
        "pay_code_expired",
    ]
    with pytest.raises(NotVerified):
        await issue_pay_code(uow, person_id=shop.town.carol)


async def test_code_guessing_is_stopped_per_operator(uow: UnitOfWork, shop: Shop) -> None:
    for n in range(WRONG_CODES_PER_OPERATOR):
        with pytest.raises(CodeUnknown):
            await scan(uow, shop, f"{n:012d}")
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    with pytest.raises(TooManyWrongCodes):
        await scan(uow, shop, code.digits)  # even a good one, until the window passes


async def test_spending_beyond_the_redeemable_balance_holds_nothing(
    uow: UnitOfWork, shop: Shop
) -> None:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    started = await scan(uow, shop, code.digits)
    with pytest.raises(OutOfStock):
        await confirm(uow, shop, started.id, {shop.soap.id: 4})
    with pytest.raises(NotEnoughPoints) as refused:
        await confirm(uow, shop, started.id, {shop.soap.id: 2, shop.water_fee.id: 1})
    assert refused.value.params == {"needed": 40, "redeemable": 30}
    assert await balance(uow, shop.town.alice) == 30
    async with uow.read() as session:
        assert await session.scalar(select(func.count()).select_from(Hold)) == 0
    assert await stock(uow, shop.soap.id) == 3
    done = await confirm(uow, shop, started.id, {shop.soap.id: 1, shop.water_fee.id: 1})
    assert (done.status, done.total_points, done.total_fen) == ("completed", 30, 3000)
    assert await balance(uow, shop.town.alice) == 0
    async with uow.read() as session:
        offsets = (await session.scalars(select(FeeOffset))).all()
    assert [(o.value_fen, o.status) for o in offsets] == [(2000, "due")]


async def test_an_item_limit_counts_what_the_resident_bought_this_month(
    uow: UnitOfWork, shop: Shop
) -> None:
    first = await scan(uow, shop, (await issue_pay_code(uow, person_id=shop.town.alice)).digits)
    await confirm(uow, shop, first.id, {shop.rice.id: 1})
    second = await scan(uow, shop, (await issue_pay_code(uow, person_id=shop.town.alice)).digits)
    with pytest.raises(OverItemLimit):
        await confirm(uow, shop, second.id, {shop.rice.id: 1})


async def test_operators_work_only_their_own_outlet_and_residents_of_its_area(
    uow: UnitOfWork, shop: Shop
) -> None:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    with pytest.raises(OutOfScope):  # a kiosk role at grid 2 does not reach the community
        await kiosk.scan(
            uow, staff=shop.stranger, outlet_id=shop.outlet.id, digits=code.digits,
            address=ADDRESS, zone=ZONE,
        )  # fmt: skip
    with pytest.raises(NotYourOutlet):  # listed at the other outlet only
        await kiosk.scan(
            uow, staff=shop.operator, outlet_id=shop.other.id, digits=code.digits,
            address=ADDRESS, zone=ZONE,
        )  # fmt: skip
    with pytest.raises(OtherCommunity):  # Alice lives in grid 1, the outlet serves grid 2
        await kiosk.scan(
            uow, staff=shop.stranger, outlet_id=shop.other.id, digits=code.digits,
            address=ADDRESS, zone=ZONE,
        )  # fmt: skip
    started = await scan(uow, shop, code.digits)  # the refusals did not use the code up
    with pytest.raises(OutOfScope):
        await kiosk.confirm(
            uow, staff=shop.stranger, checkout_id=started.id, lines={shop.soap.id: 1},
            address=ADDRESS, zone=ZONE,
        )  # fmt: skip
    assert await balance(uow, shop.town.alice) == 30


async def test_the_kiosk_qr_way_holds_on_confirmation_and_posts_on_completion(
    uow: UnitOfWork, shop: Shop
) -> None:
    offered = await kiosk.offer(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, lines={shop.soap.id: 1},
        address=ADDRESS, zone=ZONE,
    )  # fmt: skip
    assert offered.link_secret is not None
    payload = "co_" + offered.link_secret
    assert len(payload) <= 64
    secret = link_secret(payload)
    assert secret == offered.link_secret
    seen = await kiosk.checkout_for_resident(uow, person_id=shop.town.alice, secret=secret)
    assert (seen.total_points, seen.redeemable) == (10, 30)
    held = await kiosk.resident_confirm(
        uow, person_id=shop.town.alice, checkout_id=seen.id, zone=ZONE
    )
    assert held.status == "held"
    assert await balance(uow, shop.town.alice) == 20  # held: no longer spendable
    again = await kiosk.resident_confirm(
        uow, person_id=shop.town.alice, checkout_id=seen.id, zone=ZONE
    )
    assert again.status == "held"
    assert await balance(uow, shop.town.alice) == 20  # held once
    at_counter = await kiosk.checkout_at_counter(uow, staff=shop.operator, checkout_id=seen.id)
    assert at_counter.status == "held"
    assert at_counter.masked_name == "A***e"
    done = await kiosk.complete(uow, staff=shop.operator, checkout_id=seen.id, address=ADDRESS)
    assert done.status == "completed"
    assert await balance(uow, shop.town.alice) == 20
    assert await stock(uow, shop.soap.id) == 2
    with pytest.raises(CheckoutFinished):
        await kiosk.cancel(uow, staff=shop.operator, checkout_id=seen.id, address=ADDRESS)


async def test_a_cancelled_or_expired_hold_gives_the_points_back(
    uow: UnitOfWork, shop: Shop, clock: FrozenClock, database: Database
) -> None:
    async def held() -> int:
        offered = await kiosk.offer(
            uow, staff=shop.operator, outlet_id=shop.outlet.id, lines={shop.soap.id: 1},
            address=ADDRESS, zone=ZONE,
        )  # fmt: skip
        await kiosk.resident_confirm(
            uow, person_id=shop.town.alice, checkout_id=offered.id, zone=ZONE
        )
        return offered.id

    first = await held()
    assert await balance(uow, shop.town.alice) == 20
    cancelled = await kiosk.cancel(uow, staff=shop.operator, checkout_id=first, address=ADDRESS)
    assert cancelled.status == "cancelled"
    assert await balance(uow, shop.town.alice) == 30
    second = await held()
    clock.advance(kiosk.HOLD_LIFETIME + timedelta(seconds=1))
    async with uow.write() as session:
        assert await kiosk.expire_checkouts(session, now=clock.now()) == 1
    assert await balance(uow, shop.town.alice) == 30
    with pytest.raises(CheckoutFinished):
        await kiosk.complete(uow, staff=shop.operator, checkout_id=second, address=ADDRESS)
    assert await stock(uow, shop.soap.id) == 3


async def test_a_refund_reverses_the_points_and_puts_the_stock_back(
    uow: UnitOfWork, shop: Shop
) -> None:
    started = await scan(uow, shop, (await issue_pay_code(uow, person_id=shop.town.alice)).digits)
    await confirm(uow, shop, started.id, {shop.soap.id: 2})
    with pytest.raises(OutOfScope):  # an operator sells; refunds are for outlet managers
        await refund(uow, staff=shop.operator, checkout_id=started.id, reason="破损")
    await refund(uow, staff=shop.town.admin, checkout_id=started.id, reason="破损")
    assert await balance(uow, shop.town.alice) == 30
    assert await stock(uow, shop.soap.id) == 3
    async with uow.read() as session:
        reason = await session.scalar(
            select(AuditEntry.reason).where(AuditEntry.action == "checkout.refund")
        )
        assert reason == "破损"
        assert await verify(session) == []


async def confirm(
    uow: UnitOfWork, shop: Shop, checkout_id: int, lines: dict[int, int]
) -> kiosk.CheckoutView:
    return await kiosk.confirm(
        uow, staff=shop.operator, checkout_id=checkout_id, lines=lines, address=ADDRESS,
        zone=ZONE,
    )  # fmt: skip


async def test_points_that_are_not_redeemable_buy_nothing(uow: UnitOfWork, shop: Shop) -> None:
    with pytest.raises(NotRedeemable):
        await add_item(
            uow, staff=shop.town.admin, outlet_id=shop.outlet.id, code="x", name="x",
            point_type="staff", price_points=1, value_fen=1, stock=1,
        )  # fmt: skip
    started = await scan(uow, shop, (await issue_pay_code(uow, person_id=shop.town.alice)).digits)
    # The community decides moral points can no longer be spent: the shelf stays, sales stop.
    await save_point_type(
        uow,
        staff=shop.town.admin,
        draft=PointTypeDraft(code="moral", name="道德积分", name_en="Moral", redeemable=False),
    )
    with pytest.raises(NotRedeemable):
        await confirm(uow, shop, started.id, {shop.soap.id: 1})
    assert await stock(uow, shop.soap.id) == 3


async def test_staff_hear_once_when_an_item_runs_low(uow: UnitOfWork, shop: Shop) -> None:
    """In the outlet's staff group, and in the Telegram of its operator, who linked it."""
    secret = staff_link_secret((await offer_link(uow, staff=shop.operator)).payload)
    assert secret is not None
    await link_chat(uow, secret=secret, telegram_user_id=OPERATOR_PHONE)
    for _ in range(2):  # 3 soaps, low at 1: the second sale crosses, no other does
        started = await scan(
            uow, shop, (await issue_pay_code(uow, person_id=shop.town.alice)).digits
        )
        await confirm(uow, shop, started.id, {shop.soap.id: 1})
    async with uow.read() as session:
        alerts = (
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.text_params)
                .where(OutboxMessage.text_key == "redemption.low_stock")
                .order_by(OutboxMessage.chat_id)
            )
        ).all()
    alert = {"outlet": "爱心超市", "item": "肥皂", "left": 1}
    assert alerts == [(STAFF_GROUP, alert), (OPERATOR_PHONE, alert)]


async def test_codes_already_taken_are_refused_in_words(uow: UnitOfWork, shop: Shop) -> None:
    with pytest.raises(OutletCodeTaken):
        await create_outlet(
            uow, staff=shop.town.admin, unit_id=shop.town.units["community"].id, code="shop",
            name="又一个",
        )  # fmt: skip
    with pytest.raises(ItemCodeTaken):
        await add_item(
            uow, staff=shop.town.admin, outlet_id=shop.outlet.id, code="6901", name="香皂",
            point_type="moral", price_points=5, value_fen=500, stock=1,
        )  # fmt: skip
    # The same code on another outlet's shelf is another item.
    other = await add_item(
        uow, staff=shop.town.admin, outlet_id=shop.other.id, code="6901", name="肥皂",
        point_type="moral", price_points=5, value_fen=500, stock=1,
    )  # fmt: skip
    assert other.outlet_id == shop.other.id
