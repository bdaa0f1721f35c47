"""Quiet hours: local time in the community's zone, possibly across midnight."""

from __future__ import annotations

from datetime import UTC, datetime

from rewards.messaging.quiet_hours import QuietHours
from tests.support import make_settings


def test_quiet_hours_can_be_switched_off_and_cross_midnight() -> None:
    assert make_settings(quiet_hours=" ").quiet_hours == ""
    assert QuietHours.parse("", "Asia/Shanghai") is None
    night = QuietHours.parse("22:00-07:00", "Asia/Shanghai")
    assert night is not None
    shanghai = {hour: night.contains(datetime(2026, 6, 1, hour, tzinfo=UTC)) for hour in range(24)}
    # 22:00–07:00 in Shanghai is 14:00–23:00 UTC.
    assert [hour for hour, quiet in shanghai.items() if quiet] == list(range(14, 23))
    lunch = QuietHours.parse("12:00-13:30", "Asia/Shanghai")
    assert lunch is not None
    assert lunch.contains(datetime(2026, 6, 1, 5, 29, tzinfo=UTC))
    assert not lunch.contains(datetime(2026, 6, 1, 5, 30, tzinfo=UTC))
