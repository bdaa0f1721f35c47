"""Errors of the rewards domain. Each `code` has a message `error.<code>` in the catalogues."""

from __future__ import annotations

from core.errors import DomainError


class RewardsError(DomainError):
    code = "rewards"


class UnsupportedLanguage(RewardsError):
    code = "unsupported_language"


class InvalidCredentials(RewardsError):
    code = "invalid_credentials"


class AccountLocked(RewardsError):
    """Too many failed logins; `params["minutes"]` says how long until the next try."""

    code = "account_locked"


class UsernameTaken(RewardsError):
    code = "username_taken"


class WeakPassword(RewardsError):
    code = "weak_password"


class OutOfScope(RewardsError):
    """A staff member tried to act on a part of the organisation tree outside their roles."""

    code = "out_of_scope"


class UnknownOrgUnit(RewardsError):
    code = "unknown_org_unit"


class UnknownPerson(RewardsError):
    code = "unknown_person"


class UnknownBroadcast(RewardsError):
    code = "unknown_broadcast"


class EmptyBroadcast(RewardsError):
    """No text, or nobody to send it to."""

    code = "empty_broadcast"


class BroadcastTooLong(RewardsError):
    """Telegram takes at most `params["limit"]` characters in one message."""

    code = "broadcast_too_long"


class BroadcastFinished(RewardsError):
    """It was cancelled, or every message is out: there is nothing left to pause or resume."""

    code = "broadcast_finished"
