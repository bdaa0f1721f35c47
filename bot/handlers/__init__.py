"""Routers, one per feature. Commands come before conversations, so that a command works
at every step of one (a step that reads typed text would otherwise take it). The fallback
router must stay last: it answers what no other router took, so that no button spins
forever and no message goes unanswered."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    cases_staff,
    checkout,
    duty,
    duty_roll,
    errors,
    fallback,
    help,
    joining,
    language,
    membership,
    my_reports,
    pay_code,
    rankings,
    reporting,
    start,
    wallet,
)


def get_routers() -> list[Router]:
    """Fresh routers on every call: a router can belong to one dispatcher only."""
    features = (
        errors,
        start,
        help,
        language,
        wallet,
        pay_code,
        checkout,
        cases_staff,
        reporting,
        duty,
        duty_roll,
        rankings,
        my_reports,
        membership,
        joining,
        fallback,
    )
    return [feature.create_router() for feature in features]
