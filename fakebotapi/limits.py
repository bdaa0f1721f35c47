"""Telegram's flood limits, enforced only when a test asks for them.

Telegram's FAQ gives them loosely: about 30 messages a second over all chats, one a second
to one chat, 20 a minute to one group. The fake keeps them exactly, over sliding windows,
so a sender that is never refused here keeps within them on Telegram too. A refused send
answers 429 with `retry_after`, as Telegram does, and takes no place in any window.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from fakebotapi.wire import ApiError

# The methods that put a message into a chat, by lower-case name; the others are free.
LIMITED_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})


@dataclass(frozen=True)
class FloodLimits:
    per_second: int = 30  # messages over all chats, in any window of `window_s`
    per_chat_per_second: int = 1  # to one private chat, in any window of `window_s`
    per_group_per_minute: int = 20  # to one group or channel, in any `group_window_s`
    # Telegram's lengths by default; a test may shorten them rather than wait a minute.
    window_s: float = 1.0
    group_window_s: float = 60.0

    def __post_init__(self) -> None:
        counts = (self.per_second, self.per_chat_per_second, self.per_group_per_minute)
        if min(counts) < 1 or min(self.window_s, self.group_window_s) <= 0:
            raise ValueError(f"flood limits must be positive: {self}")


def too_many_requests(wait_s: float) -> ApiError:
    """Telegram's 429: retry_after is whole seconds, rounded up so that it is enough."""
    retry_after = max(1, math.ceil(wait_s))
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        parameters={"retry_after": retry_after},
    )


class FloodControl:
    """Counts the sends of one bot and refuses those that would break its FloodLimits."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._all: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}
        self._next_sweep = 0.0

    def admit(self, chat_id: int, now: float) -> None:
        """Count a send to this chat at `now` (time.monotonic()), or raise the 429."""
        self._forget_idle_chats(now)
        chat = self._chats.setdefault(chat_id, deque())
        per_chat, window = self._chat_limit(chat_id)
        wait = max(
            _wait(self._all, self.limits.per_second, self.limits.window_s, now),
            _wait(chat, per_chat, window, now),
        )
        if wait > 0:
            raise too_many_requests(wait)
        self._all.append(now)
        chat.append(now)

    def _chat_limit(self, chat_id: int) -> tuple[int, float]:
        # Groups and channels have negative ids, private chats the user's positive one.
        if chat_id < 0:
            return self.limits.per_group_per_minute, self.limits.group_window_s
        return self.limits.per_chat_per_second, self.limits.window_s

    def _forget_idle_chats(self, now: float) -> None:
        """Drop chats with no send in any open window, so that a benchmark writing to many
        chats does not keep one record per chat for ever."""
        if now < self._next_sweep:
            return
        longest = max(self.limits.window_s, self.limits.group_window_s)
        self._next_sweep = now + longest
        self._chats = {
            chat_id: times
            for chat_id, times in self._chats.items()
            if times and times[-1] > now - longest
        }


def _wait(times: deque[float], limit: int, window_s: float, now: float) -> float:
    """Seconds until one more send fits (0 if it does now); forgets sends out of the window."""
    while times and times[0] <= now - window_s:
        times.popleft()
    if len(times) < limit:
        return 0.0
    # Sends are counted only when admitted, so `times` never holds more than `limit`.
    return times[-limit] + window_s - now
