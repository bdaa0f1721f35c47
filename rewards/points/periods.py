"""Cap and report periods (day, week, month, quarter, year) in the community's time zone:
a day's cap resets at local midnight, not at UTC's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month", "quarter", "year")


def period_start(period: str, at: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant the local `period` containing `at` began."""
    local = at.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        start = midnight
    elif period == "week":  # Monday, as Chinese calendars count
        start = midnight - timedelta(days=local.weekday())
    elif period == "month":
        start = midnight.replace(day=1)
    elif period == "quarter":
        start = midnight.replace(month=(local.month - 1) // 3 * 3 + 1, day=1)
    elif period == "year":
        start = midnight.replace(month=1, day=1)
    else:
        raise ValueError(f"unknown period {period!r}")
    # Rebuilt from its fields, so that a zone with daylight saving gets the right offset.
    return datetime(start.year, start.month, start.day, tzinfo=zone).astimezone(UTC)
