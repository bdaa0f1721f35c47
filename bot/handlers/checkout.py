"""A kiosk's checkout in the bot: the resident scanned the QR on the kiosk's screen, which
opened the bot with /start co_<secret>; they see the goods and the points and confirm,
which holds the points until the operator hands the goods over."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router, html
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CheckoutConfirm
from bot.keyboards import confirm_checkout_kb
from bot.replies import edit_text
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.people.service import PersonView
from rewards.redemption.checkout import CheckoutView, checkout_for_resident, resident_confirm
from rewards.redemption.codes import link_secret
from rewards.redemption.errors import CheckoutGone


async def show_checkout(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, payload: str
) -> None:
    """Answer /start with a checkout's payload (one that starts like one)."""
    secret = link_secret(payload)
    if secret is None:  # cut short or mistyped: like a link that leads nowhere
        raise CheckoutGone()
    view = await checkout_for_resident(uow, person_id=person.id, secret=secret)
    markup = confirm_checkout_kb(t, view.id) if view.status == "offered" else None
    await message.answer(render_checkout(t, view), reply_markup=markup)


async def on_confirm(
    callback: CallbackQuery,
    callback_data: CheckoutConfirm,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    zone: ZoneInfo,
) -> None:
    view = await resident_confirm(
        uow, person_id=person.id, checkout_id=callback_data.id, zone=zone
    )
    await callback.answer()
    if isinstance(callback.message, Message):
        await edit_text(callback.message, render_checkout(t, view))


def render_checkout(t: Translator, view: CheckoutView) -> str:
    lines = [
        t(
            "checkout.line",
            name=html.quote(t.pick(line.name, line.name_en)),
            quantity=line.quantity,
            points=line.points,
        )
        for line in view.lines
    ]
    parts = [
        t("checkout.title", outlet=html.quote(t.pick(view.outlet_name, view.outlet_name_en))),
        "\n".join(lines),
        t("checkout.total", total=view.total_points),
    ]
    redeemable = view.redeemable or 0
    if view.status == "offered":
        parts.append(t("checkout.ask", redeemable=redeemable))
    elif view.status == "held":
        parts.append(t("checkout.held", total=view.total_points, redeemable=redeemable))
    else:
        parts.append(t("checkout.completed"))
    return "\n\n".join(parts)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_confirm, CheckoutConfirm.filter())
    return router
