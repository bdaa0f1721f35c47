"""Routers, one per feature. The fallback router must stay last: it answers what no other
router took, so that no button spins forever and no message goes unanswered."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    errors,
    fallback,
    help,
    joining,
    language,
    membership,
    start,
    wallet,
)


def get_routers() -> list[Router]:
    """Fresh routers on every call: a router can belong to one dispatcher only."""
    features = (errors, start, joining, help, language, membership, wallet, fallback)
    return [feature.create_router() for feature in features]
