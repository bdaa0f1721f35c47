"""Keyboards are pure functions of what they show and the reader's translator."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.callbacks import (
    CaseFeedback,
    CheckoutConfirm,
    LanguageCallback,
    PayCodeRefresh,
    ReportStep,
    WalletPage,
)
from core.i18n import LOCALES, Translator


def language_kb(t: Translator) -> InlineKeyboardMarkup:
    """One button per language, each labelled in its own language."""
    buttons = [
        InlineKeyboardButton(
            text=t(f"language.option.{code}"), callback_data=LanguageCallback(code=code).pack()
        )
        for code in LOCALES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def main_menu_kb(t: Translator) -> ReplyKeyboardMarkup:
    """The menu under the input field: large buttons, so nobody has to type a command."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("menu.points")), KeyboardButton(text=t("menu.rules"))],
            [KeyboardButton(text=t("menu.report")), KeyboardButton(text=t("menu.pay"))],
            [KeyboardButton(text=t("menu.duty")), KeyboardButton(text=t("menu.my_reports"))],
            [KeyboardButton(text=t("menu.rankings"))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def pager_kb(t: Translator, page: int, pages: int) -> InlineKeyboardMarkup | None:
    """‹ newer · older › buttons under a statement; none when it fits on one page."""
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                text=t("wallet.newer"), callback_data=WalletPage(page=page - 1).pack()
            )
        )
    if page + 1 < pages:
        buttons.append(
            InlineKeyboardButton(
                text=t("wallet.older"), callback_data=WalletPage(page=page + 1).pack()
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None


def choices_kb(rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One inline button a row: (label, callback data)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data)] for label, data in rows
        ]
    )


def share_phone_kb(t: Translator) -> ReplyKeyboardMarkup:
    """Telegram's own button that sends the user's contact card: no typing, no mistakes."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("join.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def pay_code_kb(t: Translator) -> InlineKeyboardMarkup:
    return choices_kb([(t("pay.refresh"), PayCodeRefresh().pack())])


def confirm_checkout_kb(t: Translator, checkout_id: int) -> InlineKeyboardMarkup:
    return choices_kb([(t("checkout.confirm"), CheckoutConfirm(id=checkout_id).pack())])


def report_kb(
    t: Translator,
    case_id: int,
    steps: Sequence[str],
    picks: Sequence[tuple[str, str]] = (),
) -> InlineKeyboardMarkup:
    """A step of a report: its choices two a row (label, callback data), then its
    navigation (`report.nav.<step>` buttons: next, back, send, cancel) one a row."""
    rows = [
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in picks[i : i + 2]]
        for i in range(0, len(picks), 2)
    ]
    rows += [
        [
            InlineKeyboardButton(
                text=t(f"report.nav.{label}"),
                callback_data=ReportStep(id=case_id, to=target).pack(),
            )
        ]
        for label, target in (_nav(step) for step in steps)
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _nav(step: str) -> tuple[str, str]:
    """ "back:place" is a back button to the place step; "place" a forward one."""
    label, _, target = step.partition(":")
    return (label, target) if target else (step, step)


def location_kb(t: Translator) -> ReplyKeyboardMarkup:
    """Telegram's own button that sends where the phone is: no map to read, no typing."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("report.share_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def feedback_kb(t: Translator, case_id: int) -> InlineKeyboardMarkup:
    """1–5 stars for a closed case."""
    stars = [
        InlineKeyboardButton(text="⭐" * n, callback_data=CaseFeedback(id=case_id, stars=n).pack())
        for n in range(1, 6)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[stars[:3], stars[3:]])
