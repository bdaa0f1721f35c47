"""Dates typed into the panel's forms are days where the community lives."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local_midnight(text: str, zone: ZoneInfo) -> datetime | None:
    """The start of a typed day ("2026-12-01") in `zone`; None for a blank field. Raises
    ValueError for anything that is not a date."""
    if not text.strip():
        return None
    day = date.fromisoformat(text.strip())
    return datetime(day.year, day.month, day.day, tzinfo=zone)
