"""Ranking periods by name, in the community's time zone: "2026Q3" (a quarter, the
default), "2026-07" (a month), "2026" (a year)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from rewards.rankings.errors import UnknownPeriod

_QUARTER = re.compile(r"(\d{4})Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
YEAR = re.compile(r"(\d{4})")


def period_span(name: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the named period. Raises unknown_period."""
    if match := _QUARTER.fullmatch(name):
        year, first = int(match[1]), (int(match[2]) - 1) * 3 + 1
        return _month(year, first, zone), _month(year, first + 3, zone)
    if match := _MONTH.fullmatch(name):
        year, month = int(match[1]), int(match[2])
        return _month(year, month, zone), _month(year, month + 1, zone)
    if match := YEAR.fullmatch(name):
        year = int(match[1])
        return _month(year, 1, zone), _month(year + 1, 1, zone)
    raise UnknownPeriod(period=name[:16])


def months_of(start: datetime, end: datetime) -> tuple[str, ...]:
    """The months of [start, end), both the first of a month in the community's zone."""
    months, year, month = [], start.year, start.month
    while (year, month) < (end.year, end.month):
        months.append(f"{year}-{month:02d}")
        year, month = year + month // 12, month % 12 + 1
    return tuple(months)


def quarter_of(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def _month(year: int, month: int, zone: ZoneInfo) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    if not 1900 <= year <= 2999:
        raise UnknownPeriod(period=str(year))
    return datetime(year, month, 1, tzinfo=zone)
