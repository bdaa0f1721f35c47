"""Replies keep the bot's one sending pace, together with the outbox.

Telegram counts every message a bot sends against one limit (about 30 a second), whether
it answers a resident or goes out in a broadcast. The outbox sender takes a slot of the
shared schedule (`outbox_pace`) for each message it claims; this request middleware does
the same for every message the handlers send, so replies and broadcasts together stay
under the limit, in this process and in every other that shares the database. A reply
takes the next free slot at once, before the outbox's next claim, so it waits for at most
the slots already handed to claimed messages (well under a second), not for a
broadcast's queue. A 429 answering a reply pauses the schedule for everyone; the reply
waits out the pause and is tried again.

Every sender locks the schedule's one row, so a transaction a reply would line the
replies up behind one another (a few milliseconds each on PostgreSQL, several times over
when a busy process wakes late for its slot). Replies of this process that ask while a
reservation is on its way wait for the next one and share it (`Shared`), as the writers
of a group commit share a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from core.clock import Clock
from core.db import Database
from core.metrics import TELEGRAM_429
from core.uow import UnitOfWork
from rewards.messaging import delivery
from rewards.messaging.delivery import Pace

# Calls that put a message into a chat: Telegram's flood limit counts these.
SENDING = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendAudio", "sendVideo",
        "sendAnimation", "sendVoice", "sendVideoNote", "sendMediaGroup", "sendLocation",
        "sendVenue", "sendContact", "sendPoll", "sendDice", "sendSticker", "sendInvoice",
        "copyMessage", "copyMessages", "forwardMessage", "forwardMessages",
    }
)  # fmt: skip
# A reply waits out 429 pauses this long in all at most, then it is given up (the error
# handler tells the user); longer pauses are rare and mean the bot is flooding anyway.
LONGEST_REPLY_WAIT = 30.0

T = TypeVar("T")
_outbox_send: ContextVar[bool] = ContextVar("outbox_send", default=False)
# The last 429 pause each bot of this process saw, by bot id: known here at once, while
# its record in the shared schedule is still being written.
_paused_in_process: dict[int, datetime] = {}


def note_pause(bot: Bot, seconds: float, now: datetime) -> None:
    until = now + timedelta(seconds=seconds)
    _paused_in_process[bot.id] = max(_paused_in_process.get(bot.id, until), until)


def paused_in_process(bot: Bot, now: datetime) -> bool:
    until = _paused_in_process.get(bot.id)
    return until is not None and until > now


@contextlib.contextmanager
def slot_already_taken() -> Iterator[None]:
    """The outbox sender's sends: their slot was taken when they were claimed."""
    token = _outbox_send.set(True)
    try:
        yield
    finally:
        _outbox_send.reset(token)


class Shared(Generic[T]):
    """Calls that arrive while one is on its way wait for the next and share it: `fetch`
    is given how many callers the next call serves and answers each of them in turn."""

    def __init__(self, fetch: Callable[[int], Awaitable[list[T]]]) -> None:
        self._fetch = fetch
        self._turn = asyncio.Lock()
        self._waiting: list[asyncio.Future[T]] = []

    async def get(self) -> T:
        mine: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append(mine)
        try:
            async with self._turn:
                if not mine.done():
                    await self._serve_waiting()
        except asyncio.CancelledError:
            mine.cancel()  # the next call does not serve a caller who left
            raise
        return mine.result()

    async def _serve_waiting(self) -> None:
        callers = [caller for caller in self._waiting if not caller.done()]
        self._waiting = []
        try:
            answers = await self._fetch(len(callers))
        except asyncio.CancelledError:
            self._waiting[:0] = callers  # the caller next in turn serves them
            raise
        except Exception as exc:
            for caller in callers:
                caller.set_exception(exc)
            return
        for caller, answer in zip(callers, answers, strict=True):
            caller.set_result(answer)


class SharedSendPace(BaseRequestMiddleware):
    def __init__(self, database: Database, clock: Clock, pace: Pace) -> None:
        self.database = database
        self.clock = clock
        self.pace = pace
        self._slots = Shared(self._reserve)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ not in SENDING:
            return await make_request(bot, method)
        if _outbox_send.get():
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                note_pause(bot, exc.retry_after, self.clock.now())
                raise
        waited = 0.0
        while True:
            try:
                return await self._in_slot(make_request, bot, method)
            except TelegramRetryAfter as exc:
                waited += exc.retry_after
                if waited > LONGEST_REPLY_WAIT:
                    raise
            # and again, in a slot after the pause

    async def _in_slot(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        tolerance = self.pace.late_tolerance.total_seconds()
        while True:
            slot = await self._slots.get()
            await asyncio.sleep(max((slot - self.clock.now()).total_seconds(), 0.0))
            # A slot missed (the process was busy), or paused by a 429 this process saw
            # since it was given, is traded for a new one, as the outbox sender does. A
            # pause recorded elsewhere is not read again here: the slot was given after
            # any pause the schedule held, a moment ago, and a read before every reply
            # would cost as much as the reservation it checks.
            late = (self.clock.now() - slot).total_seconds() > tolerance
            if not late and not paused_in_process(bot, self.clock.now()):
                break
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:
            TELEGRAM_429.labels("reply").inc()
            # Every sender waits, this reply's next slot included.
            note_pause(bot, exc.retry_after, self.clock.now())
            await delivery.pause(self._uow(), seconds=exc.retry_after)
            raise

    async def _reserve(self, count: int) -> list[datetime]:
        return await delivery.reply_slots(self._uow(), count, pace=self.pace)

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self.database, self.clock)
