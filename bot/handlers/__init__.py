"""Routers, one per feature. The fallback router must stay last: it answers what no other
router took, so that no button spins forever and no message goes unanswered."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import errors, fallback, help, language, start


def get_routers() -> list[Router]:
    return [errors.router, start.router, help.router, language.router, fallback.router]
