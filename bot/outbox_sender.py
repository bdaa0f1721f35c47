"""The worker's sender: outbox messages out to Telegram, at Telegram's pace.

It claims a few due messages at a time (rewards.messaging.delivery gives each a slot of
the bot's shared schedule), sends each at its slot (or takes a new slot when the process
was too busy to make it) and records the answer at once, so the
window in which a crash could send a message twice is one HTTP round trip plus one commit.
Claiming the next few a little before the last slot keeps the schedule full without any
worker holding more than about a second of messages.

Telegram's answers decide what happens next: 429 pauses the whole bot for retry_after,
403 (blocked, or removed from the group) skips the chat until its user comes back, other
refusals fail the message with Telegram's reason, and network or server trouble is tried
again later. 401 means the token is wrong or was revoked: nothing can go out until the
owner sets the new one, so the sender says so once, puts its messages back in the queue
and stops. Stopping lets the messages in hand go out first.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.middlewares.send_pace import note_pause, paused_in_process, slot_already_taken
from core.clock import Clock
from core.db import Database
from core.i18n import Catalogues
from core.metrics import OUTBOX_SENT, TELEGRAM_429
from core.uow import UnitOfWork
from rewards.messaging import delivery
from rewards.messaging.delivery import Claimed, Pace
from rewards.messaging.quiet_hours import QuietHours

log = logging.getLogger(__name__)
# Trouble on the way, not a refusal: the same message may well go through later.
HEARTBEAT_SECONDS = 2.0  # well within Pace.silence
RECORD_ATTEMPTS = 5  # about 15 s of database trouble
TRANSIENT = (TelegramNetworkError, TelegramServerError, TimeoutError)


class OutboxSender:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        bot: Bot,
        catalogues: Catalogues,
        worker_id: str,
        pace: Pace | None = None,
        quiet_hours: QuietHours | None = None,
        batch: int = 10,
        idle_poll: float = 0.5,
    ) -> None:
        self.database = database
        self.clock = clock
        self.bot = bot
        self.catalogues = catalogues
        self.worker_id = worker_id
        self.pace = pace or Pace()
        self.quiet_hours = quiet_hours
        self.batch = batch
        self.idle_poll = idle_poll
        self._stopped = asyncio.Event()
        self.token_refused = False
        self._in_hand: set[asyncio.Task[None]] = set()

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self.database, self.clock)

    async def run(self) -> None:
        with contextlib.suppress(Exception):  # the beat task retries and logs
            await delivery.heartbeat(self._uow(), worker=self.worker_id)
        beating = asyncio.create_task(self._beat())
        try:
            await self._send_all()
        finally:
            if self._in_hand:
                await asyncio.gather(*self._in_hand, return_exceptions=True)
            beating.cancel()

    async def _beat(self) -> None:
        """Say we are alive while we hold messages, so that they are not given away."""
        while True:
            try:
                await delivery.heartbeat(self._uow(), worker=self.worker_id)
            except Exception:
                log.exception("could not record this worker's heartbeat")
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _send_all(self) -> None:
        while not self._stopped.is_set():
            try:
                claimed = await delivery.claim(
                    self._uow(),
                    worker=self.worker_id,
                    limit=self.batch,
                    pace=self.pace,
                    quiet_hours=self.quiet_hours,
                )
            except Exception:
                log.exception("could not claim outbox messages; will retry")
                claimed = []
            if not claimed:
                await self._pause(self.idle_poll)
                continue
            for message in claimed:
                task = asyncio.create_task(self._deliver(message))
                self._in_hand.add(task)
                task.add_done_callback(self._in_hand.discard)
            # Come back for more just before the last of these is due.
            await self._pause(self._seconds_until(claimed[-1]) - 0.2)

    def stop(self) -> None:
        self._stopped.set()

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=seconds)

    def _seconds_until(self, message: Claimed) -> float:
        return (message.slot_at - self.clock.now()).total_seconds()

    async def _deliver(self, message: Claimed) -> None:
        try:
            message = await self._on_time(message)
        except Exception:
            log.exception("could not give outbox message %d a new slot", message.id)
            return  # still ours: the lease hands it on later
        if self.token_refused:
            await self._give_back(message, "Unauthorized")
            return
        try:
            sent = await self._send(message)
        except Exception as exc:
            await self._record_refusal(message, exc)
            return
        OUTBOX_SENT.inc()
        await self._record_sent(message, sent.message_id)

    async def _record_sent(self, message: Claimed, telegram_message_id: int) -> None:
        """Telegram has it: a record that fails is tried again, since a message left
        "sending" is sent a second time once its lease runs out."""
        for attempt in range(RECORD_ATTEMPTS):
            try:
                kept = await delivery.record_sent(
                    self._uow(),
                    worker=self.worker_id,
                    message_id=message.id,
                    telegram_message_id=telegram_message_id,
                )
            except Exception:
                log.exception("outbox message %d was sent but not recorded", message.id)
                await asyncio.sleep(0.5 * 2**attempt)
                continue
            if not kept:
                log.warning("outbox message %d was sent after its lease ran out", message.id)
            return

    async def _on_time(self, message: Claimed) -> Claimed:
        """Wait for the slot; a slot missed by more than the tolerance, or one that a 429
        paused after it was given, is traded for a new one, so that sends never bunch up
        past Telegram's count nor go while Telegram asked the bot to wait."""
        tolerance = self.pace.late_tolerance.total_seconds()
        while True:
            # The shared schedule is read before the wait, not at the slot: a read there
            # would make every send late by a round trip, and late sends bunch up.
            paused_elsewhere = await self._paused_elsewhere()
            await asyncio.sleep(max(self._seconds_until(message), 0.0))
            on_time = -self._seconds_until(message) <= tolerance
            if (
                on_time
                and not paused_elsewhere
                and not paused_in_process(self.bot, self.clock.now())
            ):
                return message
            slot = await delivery.new_slot(
                self._uow(), worker=self.worker_id, message_id=message.id, pace=self.pace
            )
            message = dataclasses.replace(message, slot_at=slot)

    async def _paused_elsewhere(self) -> bool:
        """A 429 that any sender or reply recorded in the shared schedule (one this
        process just saw is known at once: `paused_in_process`)."""
        until = await delivery.paused_until(self._uow())
        return until is not None and until > self.clock.now()

    async def _send(self, message: Claimed) -> Message:
        with slot_already_taken():  # at claim time
            return await self._send_now(message)

    async def _send_now(self, message: Claimed) -> Message:
        text, mode = self._render(message)
        markup = _markup(message.reply_markup, self.catalogues.translator(message.locale or ""))
        if message.kind == "photo" and message.photo is not None:
            photo = BufferedInputFile(message.photo, filename="photo.png")
            return await self.bot.send_photo(
                message.chat_id, photo, caption=text, parse_mode=mode, reply_markup=markup
            )
        return await self.bot.send_message(
            message.chat_id, text or "", parse_mode=mode, reply_markup=markup
        )

    def _render(self, message: Claimed) -> tuple[str | None, str | None]:
        """Verbatim text goes without markup (what staff typed is shown as typed); our own
        texts are HTML, with the values put into them escaped."""
        if message.text_key is None:
            return message.text, None
        translate = self.catalogues.translator(message.locale or "")
        params = {
            name: html.escape(value) if isinstance(value, str) else value
            for name, value in message.text_params.items()
        }
        return translate(message.text_key, **params), ParseMode.HTML

    async def _record_refusal(self, message: Claimed, exc: Exception) -> None:
        uow = self._uow()
        common: dict[str, Any] = {"worker": self.worker_id, "message_id": message.id}
        try:
            if isinstance(exc, TelegramRetryAfter):
                TELEGRAM_429.labels("outbox").inc()
                note_pause(self.bot, exc.retry_after, self.clock.now())
                log.warning("Telegram asks to wait %ss", exc.retry_after)
                await delivery.record_retry_after(uow, **common, seconds=exc.retry_after)
            elif isinstance(exc, TelegramUnauthorizedError):
                self._refused_token()
                await self._give_back(message, exc.message)
            elif isinstance(exc, TelegramForbiddenError):
                await delivery.record_unreachable(
                    uow, **common, chat_id=message.chat_id, reason=exc.message
                )
            else:
                if not isinstance(exc, TelegramAPIError | TimeoutError):
                    log.error("outbox message %d could not be sent", message.id, exc_info=exc)
                await delivery.record_failure(
                    uow,
                    **common,
                    reason=_reason(exc),
                    permanent=not isinstance(exc, TRANSIENT),
                    pace=self.pace,
                )
        except Exception:
            # The lease runs out and the message is tried again; nothing is lost.
            log.exception("could not record the outcome of outbox message %d", message.id)

    def _refused_token(self) -> None:
        """Said once, loudly: every later send would be refused the same way."""
        if not self.token_refused:
            self.token_refused = True
            log.critical(
                "Telegram refused the bot token (401 Unauthorized): MORALBANK_BOT_TOKEN is "
                "wrong or was revoked. Sending has stopped; outbox messages stay queued "
                "until the worker restarts with the bot's current token (`moralbank doctor` "
                "checks it)."
            )
        self._stopped.set()

    async def _give_back(self, message: Claimed, reason: str) -> None:
        try:
            await delivery.release(
                self._uow(), worker=self.worker_id, message_id=message.id, reason=reason
            )
        except Exception:
            log.exception("could not put outbox message %d back in the queue", message.id)


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, TelegramAPIError) else f"{type(exc).__name__}: {exc}"


def _markup(
    data: dict[str, Any] | None, translate: Callable[[str], str]
) -> InlineKeyboardMarkup | None:
    """The message's buttons; a button may name its label by catalogue key ("text_key"),
    said in the message's language (services write no text of their own)."""
    if not data:
        return None
    rows = [
        [_button(button, translate) for button in row] for row in data.get("inline_keyboard", [])
    ]
    return InlineKeyboardMarkup.model_validate({**data, "inline_keyboard": rows})


def _button(button: dict[str, Any], translate: Callable[[str], str]) -> dict[str, Any]:
    if "text_key" not in button:
        return button
    rest = {name: value for name, value in button.items() if name != "text_key"}
    return {**rest, "text": translate(button["text_key"])}
