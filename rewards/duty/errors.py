"""Why a duty step was refused; each `code` has `error.<code>` in the catalogues."""

from __future__ import annotations

from rewards.errors import NotFound, RewardsError


class UnknownShift(NotFound):
    code = "unknown_shift"


class SignupClosed(RewardsError):
    """The shift has started, or sign-up has not opened yet."""

    code = "duty_signup_closed"


class NotInTeam(RewardsError):
    """The activity is its team's: `params["team"]`."""

    code = "duty_not_in_team"


class SignupsPaused(RewardsError):
    """Too many no-shows lately: sign-ups wait until `params["until"]`."""

    code = "duty_signups_paused"


class CancelTooLate(RewardsError):
    """Past the cut-off, `params["hours"]` hours before the start."""

    code = "duty_cancel_too_late"


class OfferExpired(RewardsError):
    code = "duty_offer_expired"


class NotSignedUp(RewardsError):
    code = "duty_not_signed_up"


class UnknownPoster(NotFound):
    """A check-in code no activity has (forged, or an old poster)."""

    code = "duty_unknown_poster"


class NotCheckInTime(RewardsError):
    """No shift of this activity around now: check-in opens `params["before"]` minutes
    before the start and closes `params["after"]` after it."""

    code = "duty_not_check_in_time"


class ShiftFull(RewardsError):
    code = "duty_shift_full"


class TooFarFromAssembly(RewardsError):
    """A shared location more than `params["metres"]` metres from the assembly point."""

    code = "duty_too_far"


class AlreadyConfirmed(RewardsError):
    code = "duty_already_confirmed"


class ShiftNotOver(RewardsError):
    code = "duty_shift_not_started"
