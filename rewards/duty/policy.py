"""The community's duty rules that are settings, not code (MORALBANK_DUTY_*): how long
around the start check-in is open, how near the assembly point a shared location must
be, how long a freed place waits for the one offered it, and how many no-shows pause
sign-ups, for how long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class DutyPolicy:
    check_in_before: timedelta = timedelta(minutes=30)
    check_in_after: timedelta = timedelta(minutes=30)
    near_assembly_m: float = 150.0
    offer_for: timedelta = timedelta(hours=2)
    no_shows: int = 3  # within no_show_window, pause sign-ups...
    no_show_window: timedelta = timedelta(days=90)
    paused_for: timedelta = timedelta(days=30)  # ...for this long after the last one


DEFAULT_POLICY = DutyPolicy()


def duty_policy(
    *,
    check_in_before_minutes: int,
    check_in_after_minutes: int,
    offer_minutes: int,
    no_shows_pause: int,
    pause_days: int,
) -> DutyPolicy:
    """The policy from the settings' plain numbers."""
    return DutyPolicy(
        check_in_before=timedelta(minutes=check_in_before_minutes),
        check_in_after=timedelta(minutes=check_in_after_minutes),
        offer_for=timedelta(minutes=offer_minutes),
        no_shows=no_shows_pause,
        paused_for=timedelta(days=pause_days),
    )
