"""Callback data of inline buttons. Prefixes stay short: Telegram allows 64 bytes."""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Database ids are BIGINT: a forged button's larger number must not reach a query.
MAX_ID = 2**63 - 1


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class WalletPage(CallbackData, prefix="wp"):
    """A page of the resident's statement ("My points")."""

    page: int


class JoinStep(CallbackData, prefix="js"):
    """A choice on the way in: agree | later | code | new."""

    action: str


class JoinPlace(CallbackData, prefix="jp"):
    """A community (kind "c") or a grid (kind "g") chosen while joining."""

    kind: str
    id: int


class LeaveStep(CallbackData, prefix="lv"):
    """confirm | cancel"""

    action: str


class PayCodeRefresh(CallbackData, prefix="pc"):
    """A new pay code in place of the one shown."""


class CheckoutConfirm(CallbackData, prefix="co"):
    """The resident confirms a kiosk's checkout they opened by its QR."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)]


class CaseStep(CallbackData, prefix="cs"):
    """A staff member's step on a case from its alert, at the version they saw
    (rewards.cases.staff_alerts writes these)."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)]
    step: Literal["verify", "reject"]
    version: Annotated[int, Field(ge=1, le=MAX_ID)]
