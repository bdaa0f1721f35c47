"""A purchase at a kiosk, in either of its two ways (PRODUCT §4):

- pay code: the operator scans the resident's code (`scan`), picks goods and confirms
  (`confirm`): the points are held and the hold posted at once, the goods handed over;
- kiosk QR: the operator picks goods and shows the checkout as a QR (`offer`); the resident
  opens it in the bot (`checkout_for_resident`) and confirms (`resident_confirm`), which
  holds the points; the operator hands the goods over and completes it (`complete`), or
  cancels it (`cancel`), which voids the hold. Holds left alone expire (`expire_checkouts`).

Every step locks the checkout's row first and checks in one order (state, outlet, person,
items, stock, limits, points), so two taps, two kiosks or a tap racing the expiry job take
turns and the second finds the first one's outcome: a confirmation repeated is answered
with the same receipt and moves nothing. Stock is taken in the transaction that posts the
hold, with the items' rows locked in id order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.uow import UnitOfWork
from ledger.errors import HoldNotPending
from ledger.holds import HoldView, place_hold, post_hold, void_hold
from ledger.models import Account
from ledger.service import AccountView, open_account
from rewards.audit import record_audit
from rewards.errors import RewardsError
from rewards.org.models import OrgUnit
from rewards.people.residents import (
    ResidentView,
    load_resident,
    load_verified_resident,
    mask_name,
)
from rewards.points.accounts import WALLET, person_ref, wallet_code
from rewards.points.models import PointType
from rewards.points.periods import period_start
from rewards.redemption import receipts
from rewards.redemption.alerts import crossed_low, tell_low_stock
from rewards.redemption.attempts import Attempt, note_success, record_attempt, refuse_guessers
from rewards.redemption.codes import digest, new_link_secret, use_pay_code
from rewards.redemption.errors import (
    CheckoutFinished,
    CheckoutGone,
    CodeUnknown,
    EmptyCheckout,
    InvalidQuantity,
    MixedPointTypes,
    NoResidentYet,
    NotEnoughPoints,
    NotRedeemable,
    OtherCommunity,
    OutOfStock,
    OverItemLimit,
    UnknownItem,
    UnknownOutlet,
)
from rewards.redemption.models import CatalogueItem, Checkout, CheckoutLine, FeeOffset, Outlet
from rewards.redemption.outlets import (
    LISTED,
    OUTLET_COLUMNS,
    OutletView,
    at_counter,
    load_outlet,
    outlet_at_counter,
    require_open,
)
from rewards.staff.service import StaffView

# How long a checkout waits at each stage before it expires (and a held one's points
# are released): a resident at the counter takes well under this.
CHECKOUT_LIFETIME = timedelta(minutes=10)
HOLD_LIFETIME = timedelta(minutes=5)
MAX_QUANTITY = 99
FINISHED = ("completed", "cancelled", "expired", "refunded")

# The statements every purchase runs, built once (building one anew took about as long as
# sending it to the database).
_LOCK_CHECKOUT = (
    select(Checkout)
    .where(Checkout.id == bindparam("checkout_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_LOCK_CHECKOUT_AT_COUNTER = (
    select(Checkout, *OUTLET_COLUMNS, LISTED)
    .join(Outlet, Outlet.id == Checkout.outlet_id)
    .join(OrgUnit, OrgUnit.id == Outlet.org_unit_id)
    .where(Checkout.id == bindparam("checkout_id"))
    .with_for_update(of=Checkout)
    .execution_options(populate_existing=True)
)
_LOCK_ITEMS = (
    select(CatalogueItem)
    .where(CatalogueItem.id.in_(bindparam("ids", expanding=True)))
    .order_by(CatalogueItem.id)
    .with_for_update()
)
_NEW_CHECKOUT = insert(Checkout).returning(Checkout.id)
_SPENDABLE_NOW = Account.posted - Account.held
_SPENDABLE_SUM = (
    select(func.coalesce(func.sum(case((_SPENDABLE_NOW > 0, _SPENDABLE_NOW), else_=0)), 0))
    .join(PointType, PointType.code == Account.unit)
    .where(PointType.redeemable.is_(True))
)
_SPENDABLE_OF_TYPE = _SPENDABLE_SUM.where(Account.code == bindparam("wallet"))
_SPENDABLE = _SPENDABLE_SUM.where(Account.owner_ref == bindparam("owner"), Account.kind == WALLET)
_REDEEMED = aliased(Account)
# The wallet, locked, what it can spend, where spent points go and whether the type may
# be spent at all.
_LOCK_WALLET = (
    select(
        Account.id,
        Account.posted - Account.held,
        select(_REDEEMED.id).where(_REDEEMED.code == bindparam("redeemed")).scalar_subquery(),
        PointType.redeemable,
    )
    .join(PointType, PointType.code == Account.unit)
    .where(Account.code == bindparam("wallet"))
    .with_for_update(of=Account)
)


@dataclass(frozen=True)
class LineView:
    item_id: int
    name: str
    name_en: str | None
    kind: str
    quantity: int
    price_points: int
    value_fen: int

    @property
    def points(self) -> int:
        return self.quantity * self.price_points


@dataclass(frozen=True)
class CheckoutView:
    id: int
    outlet_id: int
    outlet_name: str
    outlet_name_en: str | None
    status: str
    person_id: int | None
    masked_name: str | None  # 张*红: what the counter shows of the resident
    redeemable: int | None  # the resident's spendable points of the checkout's type
    point_type: str | None
    lines: tuple[LineView, ...]
    total_points: int
    total_fen: int
    expires_at: datetime
    completed_at: datetime | None
    link_secret: str | None = None  # only in the answer to `offer`


async def scan(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    outlet_id: int,
    digits: str | None,
    address: str | None,
    zone: ZoneInfo,
) -> CheckoutView:
    """Take the resident's pay code at the counter: a new checkout for them. `digits` is
    None when what was typed cannot be a code. Raises too_many_wrong_codes,
    unknown_outlet, out_of_scope, not_your_outlet, outlet_closed, pay_code_unknown,
    pay_code_expired, pay_code_used, pay_code_other_community, resident_left,
    not_verified. Every attempt is recorded."""
    attempt = Attempt("scan", outlet_id, staff.id, address)
    return await _recorded(uow, attempt, _scan(uow, attempt, staff, digits, zone))


async def _scan(
    uow: UnitOfWork, attempt: Attempt, staff: StaffView, digits: str | None, zone: ZoneInfo
) -> CheckoutView:
    async with uow.write() as session:
        now = uow.now()
        await refuse_guessers(session, attempt, now)
        outlet = await outlet_at_counter(session, staff, attempt.outlet_id or 0)
        require_open(outlet, now, zone)
        if digits is None:
            raise CodeUnknown()
        code_id, person_id = await use_pay_code(session, digits, now)
        resident = await _payer(session, person_id, outlet)
        # Core, not an entity: the new checkout has no lines yet and nothing else in this
        # step reads it back, so the view is built from what is in hand.
        expires_at = now + CHECKOUT_LIFETIME
        fields = {
            "outlet_id": outlet.id,
            "operator_staff_id": staff.id,
            "person_id": resident.person_id,
            "pay_code_id": code_id,
            "status": "open",
            "created_at": now,
            "expires_at": expires_at,
        }
        checkout_id = await session.scalar(_NEW_CHECKOUT, fields)
        assert checkout_id is not None
        await note_success(session, attempt, now, checkout_id)
        left = await _redeemable(session, resident.person_id, None)
        return CheckoutView(
            checkout_id,
            outlet.id,
            outlet.name,
            outlet.name_en,
            "open",
            resident.person_id,
            mask_name(resident.display_name),
            left,
            None,
            (),
            0,
            0,
            expires_at,
            None,
        )


async def confirm(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    checkout_id: int,
    lines: Mapping[int, int],
    address: str | None,
    zone: ZoneInfo,
) -> CheckoutView:
    """The operator confirms a pay-code checkout with these items (item id → quantity):
    the resident's points are held and posted, the stock taken, the receipt sent. Asked
    again for a completed checkout it answers with its receipt and moves nothing. Raises
    checkout_gone, checkout_finished, checkout_no_resident, checkout_empty,
    invalid_quantity, unknown_item, checkout_mixed_point_types, out_of_stock,
    over_item_limit, not_enough_points, resident_left, not_verified, and the outlet's."""
    attempt = Attempt("confirm", None, staff.id, address)
    step = _confirm(uow, attempt, staff, checkout_id, lines, zone)
    return await _recorded(uow, attempt, step)


async def _confirm(
    uow: UnitOfWork,
    attempt: Attempt,
    staff: StaffView,
    checkout_id: int,
    lines: Mapping[int, int],
    zone: ZoneInfo,
) -> CheckoutView:
    async with uow.write() as session:
        now = uow.now()
        checkout, outlet = await _operators_checkout(session, staff, checkout_id)
        await note_success(session, attempt, now, checkout.id)
        if checkout.status == "completed":
            return await _view(session, checkout, outlet)  # a second tap: the same receipt
        _require_status(checkout, now, "open")
        if checkout.person_id is None:
            raise NoResidentYet()
        payer = await _payer(session, checkout.person_id, outlet, lock=True)
        # The checkout's row changes at several steps below; written once, at the end.
        with session.no_autoflush:
            items = await _put_lines(session, checkout, lines)
            hold, left = await _hold(session, checkout, items, now, zone)
            await _capture(session, checkout, items, outlet, now, staff.id, payer, left, hold)
        return _view_of(checkout, outlet, _lines_of(items), payer, left)


async def offer(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    outlet_id: int,
    lines: Mapping[int, int],
    address: str | None,
    zone: ZoneInfo,
) -> CheckoutView:
    """A checkout of these items for a resident to confirm in the bot: the answer carries
    the secret of its deep link (shown once, as a QR). Raises the outlet's errors,
    checkout_empty, invalid_quantity, unknown_item, checkout_mixed_point_types,
    out_of_stock."""
    attempt = Attempt("offer", outlet_id, staff.id, address)
    return await _recorded(uow, attempt, _offer(uow, attempt, staff, outlet_id, lines, zone))


async def _offer(
    uow: UnitOfWork,
    attempt: Attempt,
    staff: StaffView,
    outlet_id: int,
    lines: Mapping[int, int],
    zone: ZoneInfo,
) -> CheckoutView:
    secret = new_link_secret()
    async with uow.write() as session:
        now = uow.now()
        outlet = await outlet_at_counter(session, staff, outlet_id)
        require_open(outlet, now, zone)
        checkout = Checkout(
            outlet_id=outlet.id,
            operator_staff_id=staff.id,
            status="offered",
            link_digest=digest(secret),
            created_at=now,
            expires_at=now + CHECKOUT_LIFETIME,
        )
        session.add(checkout)
        await session.flush()
        items = await _put_lines(session, checkout, lines)
        _require_stock(items, _quantities(lines))
        await note_success(session, attempt, now, checkout.id)
        view = _view_of(checkout, outlet, _lines_of(items), None, None)
    return _with_secret(view, secret)


async def checkout_for_resident(uow: UnitOfWork, *, person_id: int, secret: str) -> CheckoutView:
    """What the resident who scanned a kiosk's QR is asked to confirm, with their own
    spendable points. Raises checkout_gone (no such link, or another resident's),
    checkout_finished."""
    async with uow.read() as session:
        checkout = await session.scalar(
            select(Checkout).where(Checkout.link_digest == digest(secret))
        )
        if checkout is None or checkout.person_id not in (None, person_id):
            raise CheckoutGone()
        outlet = await load_outlet(session, checkout.outlet_id)
        if checkout.status not in ("offered", "held", "completed"):
            raise CheckoutFinished(status=checkout.status)
        return await _view(session, checkout, outlet, person_id=person_id)


async def resident_confirm(
    uow: UnitOfWork, *, person_id: int, checkout_id: int, zone: ZoneInfo
) -> CheckoutView:
    """The resident confirms an offered checkout in the bot: their points are held until
    the operator completes it. Confirming again answers as before and moves nothing.
    Raises checkout_gone, checkout_finished, pay_code_other_community, resident_left,
    not_verified, out_of_stock, over_item_limit, not_enough_points,
    point_type_not_redeemable."""
    attempt = Attempt("resident_confirm", None, None, None, person_id=person_id)
    step = _resident_confirm(uow, attempt, person_id, checkout_id, zone)
    return await _recorded(uow, attempt, step)


async def _resident_confirm(
    uow: UnitOfWork, attempt: Attempt, person_id: int, checkout_id: int, zone: ZoneInfo
) -> CheckoutView:
    async with uow.write() as session:
        now = uow.now()
        checkout = await _locked(session, checkout_id)
        await note_success(session, attempt, now, checkout.id)
        if checkout.person_id not in (None, person_id) or checkout.link_digest is None:
            raise CheckoutGone()
        outlet = await load_outlet(session, checkout.outlet_id)
        if checkout.status in ("held", "completed"):
            return await _view(session, checkout, outlet)
        _require_status(checkout, now, "offered")
        await _payer(session, person_id, outlet, lock=True)
        checkout.person_id = person_id
        items = await _items_of(session, checkout)
        await _hold(session, checkout, items, now, zone)
        checkout.status = "held"
        checkout.expires_at = now + HOLD_LIFETIME
        return await _view(session, checkout, outlet)


async def complete(
    uow: UnitOfWork, *, staff: StaffView, checkout_id: int, address: str | None
) -> CheckoutView:
    """The operator hands over the goods of a checkout the resident confirmed: the hold
    is posted, the stock taken, the receipt sent. Raises checkout_gone,
    checkout_finished (cancelled or expired meanwhile), out_of_stock, and the
    outlet's errors."""
    attempt = Attempt("complete", None, staff.id, address)
    return await _recorded(uow, attempt, _complete(uow, attempt, staff, checkout_id))


async def _complete(
    uow: UnitOfWork, attempt: Attempt, staff: StaffView, checkout_id: int
) -> CheckoutView:
    async with uow.write() as session:
        now = uow.now()
        checkout, outlet = await _operators_checkout(session, staff, checkout_id)
        await note_success(session, attempt, now, checkout.id)
        if checkout.status == "completed":
            return await _view(session, checkout, outlet)
        _require_status(checkout, now, "held")
        assert checkout.person_id is not None
        payer = await load_resident(session, checkout.person_id)
        items = await _items_of(session, checkout)
        left = await _redeemable(session, checkout.person_id, checkout.point_type)
        await _capture(session, checkout, items, outlet, now, staff.id, payer, left)
        return await _view(session, checkout, outlet, payer=payer)  # lines as offered


async def cancel(
    uow: UnitOfWork, *, staff: StaffView, checkout_id: int, address: str | None
) -> CheckoutView:
    """Give up a checkout that is not completed; points it held are released."""
    attempt = Attempt("cancel", None, staff.id, address)
    return await _recorded(uow, attempt, _cancel(uow, attempt, staff, checkout_id))


async def _cancel(
    uow: UnitOfWork, attempt: Attempt, staff: StaffView, checkout_id: int
) -> CheckoutView:
    async with uow.write() as session:
        checkout, outlet = await _operators_checkout(session, staff, checkout_id)
        await note_success(session, attempt, uow.now(), checkout.id)
        if checkout.status in FINISHED:
            raise CheckoutFinished(status=checkout.status)
        await _release(session, checkout, uow.now(), "cancelled")
        return await _view(session, checkout, outlet)


async def checkout_at_counter(
    uow: UnitOfWork, *, staff: StaffView, checkout_id: int
) -> CheckoutView:
    """The checkout as its kiosk page shows it (and polls it, for the resident's
    confirmation). Raises checkout_gone and the outlet's errors."""
    async with uow.read() as session:
        checkout = await session.get(Checkout, checkout_id)
        if checkout is None:
            raise CheckoutGone()
        outlet = await outlet_at_counter(session, staff, checkout.outlet_id)
        return await _view(session, checkout, outlet)


async def expire_checkouts(session: AsyncSession, *, now: datetime) -> int:
    """Checkouts left past their time end as expired; points they held are released. (A
    scheduled job: see moralbank.worker.)"""
    due = await session.scalars(
        select(Checkout.id)
        .where(Checkout.status.in_(("open", "offered", "held")), Checkout.expires_at <= now)
        .order_by(Checkout.id)
        .limit(500)
    )
    expired = 0
    for checkout_id in due.all():
        checkout = await _locked(session, checkout_id)
        if checkout.status in ("open", "offered", "held"):
            await _release(session, checkout, now, "expired")
            expired += 1
    return expired


# --- the steps, in the order every path takes them -------------------------------------


async def _recorded(
    uow: UnitOfWork, attempt: Attempt, work: Awaitable[CheckoutView]
) -> CheckoutView:
    """Run the step; a refusal is recorded in a transaction of its own (the step records
    its success in its own transaction: one transaction less for every good attempt)."""
    try:
        return await work
    except RewardsError as refusal:
        if isinstance(refusal, UnknownOutlet):  # no outlet's row for the record to name
            attempt = replace(attempt, outlet_id=None)
        await record_attempt(uow, attempt, refusal.code)
        raise


async def _locked(session: AsyncSession, checkout_id: int) -> Checkout:
    checkout = await session.scalar(_LOCK_CHECKOUT, {"checkout_id": checkout_id})
    if checkout is None:
        raise CheckoutGone()
    return checkout


async def _operators_checkout(
    session: AsyncSession, staff: StaffView, checkout_id: int
) -> tuple[Checkout, OutletView]:
    """The checkout, locked, and its outlet, when this operator may work its counter."""
    params = {"checkout_id": checkout_id, "staff_id": staff.id}
    row = (await session.execute(_LOCK_CHECKOUT_AT_COUNTER, params)).one_or_none()
    if row is None:
        raise CheckoutGone()
    return row[0], at_counter(staff, row[1:])


def _require_status(checkout: Checkout, now: datetime, status: str) -> None:
    if checkout.status != status:
        raise CheckoutFinished(status=checkout.status)
    if checkout.expires_at <= now:
        raise CheckoutFinished(status="expired")


async def _payer(
    session: AsyncSession, person_id: int, outlet: OutletView, *, lock: bool = False
) -> ResidentView:
    resident = await load_verified_resident(session, person_id, lock=lock)
    if not resident.unit_path.startswith(outlet.unit_path):
        raise OtherCommunity()
    return resident


def _quantities(lines: Mapping[int, int]) -> dict[int, int]:
    wanted = {int(item): int(quantity) for item, quantity in lines.items() if quantity}
    if not wanted:
        raise EmptyCheckout()
    if any(not 0 < quantity <= MAX_QUANTITY for quantity in wanted.values()):
        raise InvalidQuantity()
    return wanted


async def _put_lines(
    session: AsyncSession, checkout: Checkout, lines: Mapping[int, int]
) -> list[tuple[CatalogueItem, int]]:
    """The checkout's lines, at today's prices; the items come back locked (in id order,
    as every writer takes them). A checkout gets its lines once: when it is offered, or
    when its scanned code is confirmed (an open checkout has none: the confirmation
    either commits with them or leaves none behind)."""
    wanted = _quantities(lines)
    items = list(await session.scalars(_LOCK_ITEMS, {"ids": sorted(wanted)}))
    if len(items) != len(wanted) or any(
        item.outlet_id != checkout.outlet_id or not item.active for item in items
    ):
        raise UnknownItem()
    if len({item.point_type for item in items}) > 1:
        raise MixedPointTypes()
    await session.execute(
        insert(CheckoutLine),
        [
            {
                "checkout_id": checkout.id,
                "item_id": item.id,
                "quantity": wanted[item.id],
                "price_points": item.price_points,
                "value_fen": item.value_fen,
            }
            for item in items
        ],
    )
    checkout.point_type = items[0].point_type
    checkout.total_points = sum(item.price_points * wanted[item.id] for item in items)
    checkout.total_fen = sum(item.value_fen * wanted[item.id] for item in items)
    return [(item, wanted[item.id]) for item in items]


async def _items_of(session: AsyncSession, checkout: Checkout) -> list[tuple[CatalogueItem, int]]:
    rows = await session.execute(
        select(CatalogueItem, CheckoutLine.quantity)
        .join(CheckoutLine, CheckoutLine.item_id == CatalogueItem.id)
        .where(CheckoutLine.checkout_id == checkout.id)
        .order_by(CatalogueItem.id)
        .with_for_update(of=CatalogueItem)
    )
    return [(item, quantity) for item, quantity in rows]


def _require_stock(items: list[tuple[CatalogueItem, int]], wanted: Mapping[int, int]) -> None:
    for item, _ in items:
        if item.stock is not None and item.stock < wanted[item.id]:
            raise OutOfStock(item=item.name, left=item.stock)


async def _hold(
    session: AsyncSession,
    checkout: Checkout,
    items: list[tuple[CatalogueItem, int]],
    now: datetime,
    zone: ZoneInfo,
) -> tuple[HoldView, int]:
    """Check stock, limits and points, then reserve the points on the resident's wallet.
    Returns the hold and what the resident can still spend."""
    assert checkout.person_id is not None
    assert checkout.point_type is not None
    _require_stock(items, {item.id: quantity for item, quantity in items})
    await _require_within_limits(session, checkout.person_id, items, now, zone)
    wallet = await _spendable_wallet(session, checkout.person_id, checkout.point_type)
    if wallet is None or wallet.spendable < checkout.total_points:
        spendable = wallet.spendable if wallet is not None else 0
        raise NotEnoughPoints(needed=checkout.total_points, redeemable=max(spendable, 0))
    spent_id = wallet.redeemed_id
    if spent_id is None:  # the type's first purchase anywhere
        spent_id = (await _redeemed_account(session, checkout.point_type, now)).id
    hold = await place_hold(
        session,
        idempotency_key=f"checkout:{checkout.id}:hold",
        debit_account_id=wallet.id,
        credit_account_id=spent_id,
        amount=checkout.total_points,
        now=now,
        expires_at=now + HOLD_LIFETIME,
        memo=f"checkout {checkout.id}",
    )
    checkout.hold_id = hold.id
    return hold, wallet.spendable - checkout.total_points


@dataclass(frozen=True)
class _Wallet:
    id: int
    spendable: int
    redeemed_id: int | None  # the account spent points go to, once it exists


async def _redeemed_account(session: AsyncSession, point_type: str, now: datetime) -> AccountView:
    return await open_account(
        session, code=_redeemed_code(point_type), unit=point_type, kind="system", now=now
    )


def _redeemed_code(point_type: str) -> str:
    return f"redeemed:{point_type}"


async def _spendable_wallet(
    session: AsyncSession, person_id: int, point_type: str
) -> _Wallet | None:
    """The resident's wallet of the type, locked, what it can spend, and where spent
    points go: one statement on the way to every purchase. Raises
    point_type_not_redeemable; None when the resident never had points of the type."""
    params = {"wallet": wallet_code(person_id, point_type), "redeemed": _redeemed_code(point_type)}
    row = (await session.execute(_LOCK_WALLET, params)).one_or_none()
    if row is None:
        redeemable = await session.scalar(
            select(PointType.redeemable).where(PointType.code == point_type)
        )
        if not redeemable:
            raise NotRedeemable()
        return None
    if not row[3]:
        raise NotRedeemable()
    return _Wallet(row[0], int(row[1]), row[2])


async def _require_within_limits(
    session: AsyncSession,
    person_id: int,
    items: list[tuple[CatalogueItem, int]],
    now: datetime,
    zone: ZoneInfo,
) -> None:
    for item, quantity in items:
        if item.limit_per_resident is None or item.limit_period is None:
            continue
        since = period_start(item.limit_period, now, zone)
        bought = await session.scalar(
            select(func.coalesce(func.sum(CheckoutLine.quantity), 0))
            .join(Checkout, Checkout.id == CheckoutLine.checkout_id)
            .where(
                CheckoutLine.item_id == item.id,
                Checkout.person_id == person_id,
                Checkout.status.in_(("held", "completed")),
                Checkout.created_at >= since,
            )
        )
        if int(bought or 0) + quantity > item.limit_per_resident:
            raise OverItemLimit(item=item.name, limit=item.limit_per_resident)


async def _capture(
    session: AsyncSession,
    checkout: Checkout,
    items: list[tuple[CatalogueItem, int]],
    outlet: OutletView,
    now: datetime,
    staff_id: int,
    payer: ResidentView,
    left: int,
    placed: HoldView | None = None,
) -> None:
    """Post the hold and take the stock, in this one transaction; the receipt (with the
    `left` points the resident can still spend) joins it. `placed`: the hold, when this
    transaction placed it."""
    assert checkout.hold_id is not None
    assert checkout.person_id is not None
    _require_stock(items, {item.id: quantity for item, quantity in items})
    entry = await post_hold(
        session,
        hold_id=checkout.hold_id,
        idempotency_key=f"checkout:{checkout.id}",
        now=now,
        actor=f"staff:{staff_id}",
        placed=placed,
    )
    running_low = []
    for item, quantity in items:
        if item.stock is not None:
            item.stock -= quantity
            if crossed_low(item, quantity):
                running_low.append(item)
        if item.kind == "fee_offset":
            session.add(
                FeeOffset(
                    checkout_id=checkout.id,
                    item_id=item.id,
                    person_id=checkout.person_id,
                    household_id=payer.household_id,
                    value_fen=item.value_fen * quantity,
                    created_at=now,
                )
            )
    checkout.entry_id = entry.id
    checkout.status = "completed"
    checkout.completed_at = now
    record_audit(
        session,
        at=now,
        actor_staff_id=staff_id,
        action="checkout.complete",
        target=f"checkout:{checkout.id}",
        unit_path=outlet.unit_path,
        details={"points": checkout.total_points, "point_type": checkout.point_type},
    )
    await receipts.send_receipt(
        session, checkout, payer, outlet, _names(items), left, now, key="redemption.receipt"
    )
    await tell_low_stock(session, checkout.outlet_id, running_low, now)


async def _release(session: AsyncSession, checkout: Checkout, now: datetime, status: str) -> None:
    if checkout.hold_id is not None and checkout.status == "held":
        with contextlib.suppress(HoldNotPending):  # the ledger's own expiry released it
            await void_hold(session, hold_id=checkout.hold_id, now=now)
    checkout.status = status


async def _view(
    session: AsyncSession,
    checkout: Checkout,
    outlet: OutletView,
    *,
    person_id: int | None = None,
    payer: ResidentView | None = None,
) -> CheckoutView:
    """The checkout read back: its lines, and the resident's name and spendable points."""
    rows = await session.execute(
        select(CheckoutLine, CatalogueItem.name, CatalogueItem.name_en, CatalogueItem.kind)
        .join(CatalogueItem, CatalogueItem.id == CheckoutLine.item_id)
        .where(CheckoutLine.checkout_id == checkout.id)
        .order_by(CatalogueItem.id)
    )
    lines = tuple(
        LineView(
            line.item_id, name, name_en, kind, line.quantity, line.price_points, line.value_fen
        )
        for line, name, name_en, kind in rows
    )
    paying = checkout.person_id or person_id
    if paying is None:
        return _view_of(checkout, outlet, lines, None, None)
    if payer is None:
        payer = await load_resident(session, paying)
    left = await _redeemable(session, paying, checkout.point_type)
    return _view_of(checkout, outlet, lines, payer, left)


def _view_of(
    checkout: Checkout,
    outlet: OutletView,
    lines: tuple[LineView, ...],
    payer: ResidentView | None,
    redeemable: int | None,
) -> CheckoutView:
    """The view from what the step has in hand (the hot path reads nothing back)."""
    return CheckoutView(
        checkout.id,
        outlet.id,
        outlet.name,
        outlet.name_en,
        checkout.status,
        checkout.person_id,
        mask_name(payer.display_name) if payer is not None else None,
        redeemable,
        checkout.point_type,
        lines,
        checkout.total_points,
        checkout.total_fen,
        checkout.expires_at,
        checkout.completed_at,
    )


def _lines_of(items: list[tuple[CatalogueItem, int]]) -> tuple[LineView, ...]:
    return tuple(
        LineView(
            item.id,
            item.name,
            item.name_en,
            item.kind,
            quantity,
            item.price_points,
            item.value_fen,
        )
        for item, quantity in items
    )


def _names(items: list[tuple[CatalogueItem, int]]) -> list[tuple[str, str | None, int]]:
    return [(item.name, item.name_en, quantity) for item, quantity in items]


async def _redeemable(session: AsyncSession, person_id: int, point_type: str | None) -> int:
    """Spendable points of the type (of every redeemable type, before items decide it).
    Wallets are bounded accounts, whose posted and held figures the ledger keeps on the
    row: one sum, however many types the resident holds."""
    if point_type is not None:
        wallet = {"wallet": wallet_code(person_id, point_type)}
        return int(await session.scalar(_SPENDABLE_OF_TYPE, wallet) or 0)
    owner = {"owner": person_ref(person_id)}
    return int(await session.scalar(_SPENDABLE, owner) or 0)


def _with_secret(view: CheckoutView, secret: str) -> CheckoutView:
    return replace(view, link_secret=secret)
