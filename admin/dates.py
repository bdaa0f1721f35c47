"""Dates typed into the panel's forms are days where the community lives."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rewards.points.periods import period_start

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


def typed_period(start: str, end: str, now: datetime, zone: ZoneInfo) -> tuple[date, date, bool]:
    """The days a report's form asked for, both included; this quarter so far when blank,
    or when they are not days in order within ten years (the third value then says the
    page should tell so)."""
    today = now.astimezone(zone).date()
    quarter = period_start("quarter", now, zone).astimezone(zone).date()
    if not start and not end:
        return quarter, today, False
    try:
        first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    except ValueError:
        return quarter, today, True
    if last < first or (last - first).days > 3660:
        return quarter, today, True
    return first, last, False
