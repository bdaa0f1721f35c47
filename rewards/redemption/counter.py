"""What a kiosk page shows at the counter: the outlet with its catalogue, and a checkout
with the catalogue it is picked from. Reads only; the steps are rewards.redemption.checkout."""

from __future__ import annotations

from dataclasses import dataclass

from core.uow import UnitOfWork
from rewards.redemption.catalogue import ItemView, outlet_items
from rewards.redemption.checkout import CheckoutView, checkout_at_counter
from rewards.redemption.outlets import OutletView, outlet_at_counter
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class Counter:
    outlet: OutletView
    items: tuple[ItemView, ...]


async def counter(uow: UnitOfWork, *, staff: StaffView, outlet_id: int) -> Counter:
    """The outlet and what it offers, when this staff member works its counter. Raises
    unknown_outlet, out_of_scope, not_your_outlet."""
    async with uow.read() as session:
        outlet = await outlet_at_counter(session, staff, outlet_id)
        return Counter(outlet, tuple(await outlet_items(session, outlet_id)))


async def checkout_with_counter(
    uow: UnitOfWork, *, staff: StaffView, checkout_id: int
) -> tuple[CheckoutView, Counter]:
    """A checkout as its kiosk page shows it, with the catalogue its items come from.
    Raises checkout_gone and the outlet's errors."""
    checkout = await checkout_at_counter(uow, staff=staff, checkout_id=checkout_id)
    return checkout, await counter(uow, staff=staff, outlet_id=checkout.outlet_id)
