"""What the ledger takes and gives back: plain frozen values, no database rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Leg:
    account_id: int
    amount: int


@dataclass(frozen=True)
class AccountView:
    id: int
    code: str
    unit: str
    kind: str
    owner_ref: str | None
    floor: int | None
    ceiling: int | None


@dataclass(frozen=True)
class EntryView:
    id: int
    idempotency_key: str
    kind: str
    legs: tuple[Leg, ...]
    effective_at: datetime
    reverses_entry_id: int | None
    # True when this call found the entry already written under the same key.
    replayed: bool = False
    # The hold this entry posted, if it did.
    meta_hold_id: int | None = None


@dataclass(frozen=True)
class EntryRequest:
    """One entry of a batch (see ledger.service.post_batch)."""

    idempotency_key: str
    kind: str
    legs: tuple[Leg, ...]
    memo: str | None = None
    meta: dict[str, Any] | None = None


@dataclass(frozen=True)
class NewEntry:
    """An entry checked and fingerprinted, ready to be written."""

    key: str
    fingerprint: str
    kind: str
    legs: tuple[Leg, ...]
    effective_at: datetime
    memo: str | None = None
    actor: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    reverses_entry_id: int | None = None
