"""The bot's update queue, with Telegram's rules for confirming and redelivering.

An update stays queued until the bot confirms it: by a later getUpdates `offset`, or by a
2xx answer to its webhook POST. Until then it is handed out again, which is how a bot that
crashed mid-batch sees its updates twice.
"""

from __future__ import annotations

import bisect
import copy
import itertools
from dataclasses import dataclass, field
from typing import Any

from fakebotapi.state import Signal

# What a bot gets when it never said, or sent an empty allowed_updates list.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FIRST_UPDATE_ID = 700_000_001
TERMINATED_BY_OTHER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
TERMINATED_BY_WEBHOOK = "Conflict: terminated by setWebhook request"


@dataclass
class Pending:
    update: dict[str, Any]
    # A redelivery the test asked for: handed out once even below the bot's offset.
    forced: bool = False
    fetched: bool = False  # returned by getUpdates at least once

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class Poll:
    """A getUpdates request waiting for updates; `ended` says why it was cut short."""

    ended: str | None = None


def update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


@dataclass
class UpdateQueue:
    changed: Signal = field(default_factory=Signal)
    allowed: frozenset[str] | None = None  # None: every type but NOT_BY_DEFAULT
    closing: bool = False
    active_poll: Poll | None = None
    created: dict[int, dict[str, Any]] = field(default_factory=dict)
    _items: list[Pending] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(FIRST_UPDATE_ID))

    def push(self, content: dict[str, Any]) -> int:
        """A new update; one of a type the bot did not ask for is created but not queued,
        as Telegram filters at creation time."""
        update = {"update_id": next(self._ids), **content}
        self.created[update["update_id"]] = update
        if self.wants(update_type(update)):
            self._insert(Pending(update))
        return int(update["update_id"])

    def redeliver(self, update_id: int) -> None:
        if update_id not in self.created:
            raise AssertionError(f"update {update_id} was never created; cannot redeliver it")
        self._insert(Pending(copy.deepcopy(self.created[update_id]), forced=True))

    def _insert(self, item: Pending) -> None:
        # Kept in update_id order, so a batch always ends with its newest update and the
        # bot's next offset confirms the whole batch.
        keys = [pending.update_id for pending in self._items]
        self._items.insert(bisect.bisect_right(keys, item.update_id), item)
        self.changed.notify()

    def wants(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in NOT_BY_DEFAULT
        return kind in self.allowed

    def set_allowed(self, allowed: Any) -> None:
        """allowed_updates: a list of types; empty means the default; absent keeps it."""
        if allowed is None:
            return
        if not isinstance(allowed, list) or not all(isinstance(k, str) for k in allowed):
            return  # Telegram ignores an allowed_updates it cannot read
        self.allowed = frozenset(allowed) or None

    def confirm(self, offset: int) -> None:
        """getUpdates offset: forget every update below it (negative: keep the last -offset)."""
        if offset < 0:
            del self._items[:offset]
        elif offset > 0:
            self._items = [
                item
                for item in self._items
                if item.update_id >= offset or (item.forced and not item.fetched)
            ]
        self.changed.notify()

    def has_updates(self) -> bool:
        return bool(self._items)

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` updates for getUpdates; they stay queued until confirmed."""
        batch = self._items[:limit]
        for item in batch:
            item.fetched = True
        self.changed.notify()
        return [copy.deepcopy(item.update) for item in batch]

    def first(self) -> Pending | None:
        return self._items[0] if self._items else None

    def remove(self, item: Pending) -> None:
        if item in self._items:
            self._items.remove(item)
        self.changed.notify()

    def clear(self) -> None:
        self._items.clear()
        self.changed.notify()

    def count(self) -> int:
        return len(self._items)

    def idle(self, *, webhook: bool) -> bool:
        """Nothing left to hand out: all fetched by polling, or all taken by the webhook."""
        if webhook:
            return not self._items
        return all(item.fetched for item in self._items)

    def describe(self) -> str:
        return ", ".join(
            f"{item.update_id} ({update_type(item.update)}, "
            f"{'fetched' if item.fetched else 'not fetched'})"
            for item in self._items
        )

    # -- long polls ----------------------------------------------------------------------

    def begin_poll(self) -> Poll:
        """A new getUpdates request; one still waiting is answered with a conflict."""
        if self.active_poll is not None:
            self.active_poll.ended = TERMINATED_BY_OTHER
        self.active_poll = Poll()
        self.changed.notify()
        return self.active_poll

    def end_poll(self, poll: Poll) -> None:
        if self.active_poll is poll:
            self.active_poll = None

    def terminate_poll(self, reason: str) -> None:
        if self.active_poll is not None:
            self.active_poll.ended = reason
            self.changed.notify()
