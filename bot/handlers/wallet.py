""" "My points" and "Rules": the wallet and how points are earned and lost.

Both answer the main menu's buttons (in either language) and the /points and /rules
commands. The statement pages with inline buttons that edit the same message.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router, html
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import WalletPage
from bot.filters import is_menu
from bot.keyboards import main_menu_kb, pager_kb
from bot.replies import answer_long
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.people.service import PersonView
from rewards.points.rules import RuleView, rules_for_person
from rewards.points.wallet import Wallet, my_wallet


async def show_points(
    message: Message, t: Translator, person: PersonView, uow: UnitOfWork, zone: ZoneInfo
) -> None:
    wallet = await my_wallet(uow, person_id=person.id, locale=t.locale, zone=zone)
    await answer_long(message, render_wallet(t, wallet, zone), reply_markup=main_menu_kb(t))
    markup = pager_kb(t, wallet.page, wallet.pages)
    if markup is not None:
        await message.answer(t("wallet.more"), reply_markup=markup)


async def turn_page(
    callback: CallbackQuery,
    callback_data: WalletPage,
    t: Translator,
    person: PersonView,
    uow: UnitOfWork,
    zone: ZoneInfo,
) -> None:
    page = max(callback_data.page, 0)
    wallet = await my_wallet(uow, person_id=person.id, locale=t.locale, zone=zone, page=page)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(
            render_statement(t, wallet, zone), reply_markup=pager_kb(t, wallet.page, wallet.pages)
        )
    await callback.answer()


async def show_rules(message: Message, t: Translator, person: PersonView, uow: UnitOfWork) -> None:
    rules = await rules_for_person(uow, person.id, at=uow.now())
    # Forty rules with long names already pass one message's 4,096 characters.
    await answer_long(message, render_rules(t, rules), reply_markup=main_menu_kb(t))


def render_wallet(t: Translator, wallet: Wallet, zone: ZoneInfo) -> str:
    parts = [t("wallet.title")]
    if wallet.resident_status is None:
        parts.append(t("wallet.not_joined"))
    elif wallet.resident_status != "verified":
        parts.append(t("wallet.not_verified"))
    if not wallet.balances:
        parts.append(t("wallet.empty"))
    for held in wallet.balances:
        parts.append(
            t(
                "wallet.balance",
                name=html.quote(t.pick(held.name, held.name_en)),
                balance=held.balance,
                redeemable=held.redeemable_now,
                earned=held.earned_this_quarter,
            )
        )
    if wallet.household:
        parts.append(render_household(t, wallet))
    if wallet.lines:
        parts.append(render_statement(t, wallet, zone))
    return "\n\n".join(parts)


def render_household(t: Translator, wallet: Wallet) -> str:
    rows = [t("wallet.household")]
    for points in wallet.household:
        name = html.quote(t.pick(points.name, points.name_en))
        key = "wallet.household_with_base" if points.full_base else "wallet.household_total"
        figures = {"base": points.base, "full_base": points.full_base}
        rows.append(t(key, name=name, total=points.total, redeemable=points.redeemable, **figures))
    return "\n".join(rows)


def render_statement(t: Translator, wallet: Wallet, zone: ZoneInfo) -> str:
    rows = [t("wallet.recent", page=wallet.page + 1, pages=wallet.pages)]
    for line in wallet.lines:
        what = line.what or t(f"wallet.kind.{line.kind}")
        if line.kind == "reversal":
            what = t("wallet.undone", what=line.what) if line.what else t("wallet.kind.reversal")
        rows.append(
            t(
                "wallet.line",
                date=line.at.astimezone(zone).strftime("%m-%d"),
                what=html.quote(what),
                amount=f"{line.amount:+d}",
            )
        )
    return "\n".join(rows)


def render_rules(t: Translator, rules: list[RuleView]) -> str:
    if not rules:
        return t("rules.none")
    parts = [t("rules.title")]
    category = None
    for rule in rules:
        if rule.category != category:
            category = rule.category
            name = t.pick(rule.category_name, rule.category_name_en)
            parts.append("\n" + t("rules.category", name=html.quote(name)))
        cap = ""
        if rule.cap_period is not None:
            cap = t(f"rules.cap.{rule.cap_period}", cap=rule.cap_points)
        parts.append(
            t(
                "rules.rule",
                action=html.quote(t.pick(rule.action, rule.action_en)),
                points=f"{rule.points:+d}",
                cap=cap,
            )
        )
    return "\n".join(parts)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(show_points, Command("points"))
    router.message.register(show_points, is_menu("menu.points"))
    router.message.register(show_rules, Command("rules"))
    router.message.register(show_rules, is_menu("menu.rules"))
    router.callback_query.register(turn_page, WalletPage.filter())
    return router
