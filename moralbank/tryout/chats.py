"""One persona's private chat with the bot as the page shows it: what the bot sent (kept
by the stand-in, edits and deletions applied) and what the persona sent (kept here, as a
Telegram client keeps its own messages), and the keyboard under the input."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fakebotapi import BotMessage, FakeUser
from fakebotapi.keyboards import reply_button
from moralbank.tryout.entities import to_html

# The kinds of reply keyboard button the page can play; others (a poll, a chat) it shows
# but cannot send.
REQUESTS = {"request_contact": "contact", "request_location": "location"}
UNPLAYABLE = ("request_users", "request_chat", "request_poll", "web_app", "request_managed_bot")


@dataclass(frozen=True)
class Persona:
    telegram_id: int
    name: str
    kind: str  # newcomer, waiting, resident or staff
    where: str  # the grid they live in, or the staff account's username
    phone: str  # what the contact button shares


@dataclass
class Sent:
    """A message the persona sent, as their own client shows it."""

    message_id: int
    kind: str  # text, contact, location or photo
    text: str
    date: int
    photo: bytes | None = None


class PressFailed(Exception):
    """The button is not there (the message was edited or deleted since the page drew it)."""


class TryChat:
    def __init__(self, user: FakeUser, persona: Persona, zone: ZoneInfo) -> None:
        self.user = user
        self.persona = persona
        self.zone = zone
        self.sent: list[Sent] = []
        # A one-time keyboard is put away after a tap, until the bot sends one again: how
        # many of the bot's messages had arrived when it was put away.
        self._put_away: int | None = None

    # -- what the persona does ---------------------------------------------------------

    async def send_text(self, text: str) -> None:
        markup = self.user.reply_keyboard_markup
        tapped = markup is not None and reply_button(markup, text) is not None
        self._record(await self.user.send(text), "text", text)
        if tapped:
            self._tapped()

    async def send_contact(self) -> None:
        update = await self.user.send_contact(self.persona.phone)
        self._record(update, "contact", f"{self.persona.name} {self.persona.phone}")
        self._tapped()

    async def send_location(self, latitude: float, longitude: float, label: str) -> None:
        self._record(await self.user.send_location(latitude, longitude), "location", label)
        self._tapped()

    async def send_photo(self, data: bytes, caption: str | None) -> None:
        update = await self.user.send_photo(data, caption=caption or None)
        self._record(update, "photo", caption or "", photo=data)

    async def press(self, message_id: int, row: int, column: int) -> str:
        """Press an inline button; the callback query's id, whose answer the page awaits."""
        message = self._bot_message(message_id)
        rows = (message.reply_markup or {}).get("inline_keyboard", []) if message else []
        try:
            button = rows[row][column]
        except (IndexError, TypeError) as exc:
            raise PressFailed() from exc
        if message is None or "callback_data" not in button:
            raise PressFailed()
        return await self.user.press_data(str(button["callback_data"]), message=message)

    def set_language(self, code: str) -> None:
        """Telegram's language_code from now on: it decides the bot's language for a
        newcomer, until they choose one themselves."""
        self.user.language_code = code
        self.user.changed.notify()

    def _tapped(self) -> None:
        """A button of the keyboard was used: a one-time keyboard goes away."""
        markup = self.user.reply_keyboard_markup
        if markup is not None and markup.get("one_time_keyboard"):
            self._put_away = len(self.user.messages)

    def _record(self, update_id: int, kind: str, text: str, photo: bytes | None = None) -> None:
        message = self.user.server.updates.created[update_id]["message"]
        self.sent.append(Sent(message["message_id"], kind, text, message["date"], photo))
        self.user.changed.notify()  # wakes the other tabs that show this chat

    # -- what the page shows -----------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The chat as JSON for the page, with a version that changes whenever it does."""
        body = {
            "messages": self._messages(),
            "keyboard": self._keyboard(),
            "answers": {
                callback_id: {
                    "text": answer.get("text") or "",
                    "alert": bool(answer.get("show_alert")),
                }
                for callback_id, answer in self.user.callback_answers.items()
            },
            "language": self.user.language_code,
        }
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
        return {**body, "version": digest}

    def file(self, message_id: int) -> tuple[bytes, str | None] | None:
        """The bytes of a photo or document in the chat, and its file name if it has one."""
        for sent in self.sent:
            if sent.message_id == message_id and sent.photo is not None:
                return sent.photo, None
        message = self._bot_message(message_id)
        if message is None or message.file_bytes is None:
            return None
        return message.file_bytes, message.filename

    def _bot_message(self, message_id: int) -> BotMessage | None:
        for message in self.user.messages:
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def _messages(self) -> list[dict[str, Any]]:
        shown = [self._bot(m) for m in self.user.messages if not m.deleted]
        shown += [self._own(s) for s in self.sent if self.user.has_message(s.message_id)]
        return sorted(shown, key=lambda message: int(message["id"]))

    def _bot(self, message: BotMessage) -> dict[str, Any]:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return {
            "id": message.message_id,
            "mine": False,
            "kind": message.kind,
            "html": to_html(message.text or "", message.entities),
            "time": self._time(message.date),
            "edited": message.edits > 0,
            "filename": message.filename,
            "buttons": [[_inline(button) for button in row] for row in rows],
        }

    def _own(self, sent: Sent) -> dict[str, Any]:
        return {
            "id": sent.message_id,
            "mine": True,
            "kind": sent.kind,
            "html": to_html(sent.text),
            "time": self._time(sent.date),
            "edited": False,
            "filename": None,
            "buttons": [],
        }

    def _keyboard(self) -> list[list[dict[str, str]]] | None:
        markup = self.user.reply_keyboard_markup
        if markup is None or (self._put_away is not None and not self._keyboard_since()):
            return None
        return [[_reply(button) for button in row] for row in markup["keyboard"]]

    def _keyboard_since(self) -> bool:
        """Whether the bot sent a keyboard after the last one was put away."""
        later = self.user.messages[self._put_away or 0 :]
        return any("keyboard" in (message.reply_markup or {}) for message in later)

    def _time(self, timestamp: int) -> str:
        return datetime.fromtimestamp(timestamp, self.zone).strftime("%H:%M")


def _inline(button: dict[str, Any]) -> dict[str, str]:
    url = str(button.get("url") or "")
    if url.lower().startswith(("http://", "https://")):
        return {"text": button["text"], "kind": "url", "url": url}
    kind = "callback" if "callback_data" in button else "other"
    return {"text": button["text"], "kind": kind}


def _reply(button: str | dict[str, Any]) -> dict[str, str]:
    if isinstance(button, str):
        return {"text": button, "kind": "text"}
    for request, kind in REQUESTS.items():
        if button.get(request):
            return {"text": button["text"], "kind": kind}
    if any(button.get(request) for request in UNPLAYABLE):
        return {"text": button["text"], "kind": "other"}
    return {"text": button["text"], "kind": "text"}
