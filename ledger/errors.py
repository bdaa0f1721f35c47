"""Errors of the ledger, each with a stable code (messages live in the catalogues)."""

from __future__ import annotations

from core.errors import DomainError


class LedgerError(DomainError):
    code = "ledger"


class UnbalancedEntry(LedgerError):
    """Legs that do not sum to zero, fewer than two legs, or a zero amount."""

    code = "ledger_unbalanced"


class MixedUnits(LedgerError):
    code = "ledger_mixed_units"


class UnknownAccount(LedgerError):
    code = "ledger_unknown_account"


class BalanceOutOfBounds(LedgerError):
    """The entry would take an account below its floor or above its ceiling."""

    code = "insufficient_balance"


class IdempotencyConflict(LedgerError):
    """The idempotency key was used before for different content."""

    code = "idempotency_conflict"


class UnknownEntry(LedgerError):
    code = "ledger_unknown_entry"


class AlreadyReversed(LedgerError):
    code = "ledger_already_reversed"


class UnknownHold(LedgerError):
    code = "ledger_unknown_hold"


class HoldNotPending(LedgerError):
    """The hold was already posted, voided or expired; `params["status"]` says which."""

    code = "ledger_hold_resolved"


class InvalidAmount(LedgerError):
    code = "ledger_invalid_amount"
