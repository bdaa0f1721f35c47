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
    step: Literal["verify", "reject", "resolve", "escalate"]
    version: Annotated[int, Field(ge=1, le=MAX_ID)]


class ReportStep(CallbackData, prefix="rs"):
    """A resident's report in the making: go to a step of it, send it, or drop it."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)]
    to: Literal["photos", "place", "category", "words", "review", "submit", "cancel"]


class ReportPick(CallbackData, prefix="rp"):
    """A category (kind "c") or a known place (kind "p") chosen for a report."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)]
    kind: Literal["c", "p"]
    value: Annotated[int, Field(ge=1, le=MAX_ID)]


class ReportSame(CallbackData, prefix="rd"):
    """The answer to "is this the same problem as case `of`?": join it, or send anew."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)]
    of: Annotated[int, Field(ge=1, le=MAX_ID)]
    join: bool


class CaseFeedback(CallbackData, prefix="cf"):
    """The reporter's word on their case: stars 1–5 after closing, 0 for "not fixed",
    6 for "still fixed" a week later (written by rewards.cases.notices and deadlines)."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)]
    stars: Annotated[int, Field(ge=0, le=6)]


class MyReport(CallbackData, prefix="mr"):
    """One of the resident's own reports, opened from "My reports"."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)]


class DutyStep(CallbackData, prefix="dt"):
    """A resident's step on a duty shift: sign up, cancel, take an offered place, check
    out with all clear or with a problem (rewards.duty.signups writes "take"/"cancel")."""

    shift: Annotated[int, Field(ge=1, le=MAX_ID)]
    action: Literal["join", "cancel", "take", "ok", "problem", "mine"]


class DutyRoll(CallbackData, prefix="dr"):
    """Ticking who came to a shift: open the roster, tick a person, or confirm
    (rewards.duty.roll_call writes the "open" button)."""

    shift: Annotated[int, Field(ge=1, le=MAX_ID)]
    person: Annotated[int, Field(ge=0, le=MAX_ID)]
    action: Literal["open", "tick", "done"]


class BoardsConsent(CallbackData, prefix="rc"):
    """Appear on public ranking boards (masked), or not."""

    on: bool


class BoardObjection(CallbackData, prefix="ro"):
    """ "I object" under a ranking board on public notice."""

    board: Annotated[int, Field(ge=1, le=MAX_ID)]
