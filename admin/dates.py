"""Dates typed into the panel's forms are days where the community lives."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Days a person means: past these, converting to UTC or adding a day overflows.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def local_midnight(text: str, zone: ZoneInfo) -> datetime | None:
    """The start of a typed day ("2026-12-01") in `zone`; None for a blank field. Raises
    ValueError for anything that is not a date, or a day outside EARLIEST..LATEST."""
    if not text.strip():
        return None
    day = date.fromisoformat(text.strip())
    if not EARLIEST <= day <= LATEST:
        raise ValueError(text)
    return datetime(day.year, day.month, day.day, tzinfo=zone)
