"""A test plays a Telegram user: it sends what a person would and waits for answers."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import TYPE_CHECKING, Any

from tests.fakebotapi.state import BotMessage

if TYPE_CHECKING:
    from tests.fakebotapi.server import FakeBotAPI

_callback_ids = itertools.count(1)


class FakeUser:
    def __init__(
        self,
        server: FakeBotAPI,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        self.server = server
        self.id = user_id
        self.chat_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.messages: list[BotMessage] = []
        self.blocked = False
        self.reply_keyboard: list[list[str]] | None = None
        self._message_ids = itertools.count(1)
        self._cursor = 0
        self._callback_answers: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Condition()

    # -- what the user looks like on the wire -------------------------------------------

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.chat_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.username:
            chat["username"] = self.username
        return chat

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self.server.next_message_id(self.chat_id),
            "date": int(time.time()),
            "chat": self.as_chat(),
            "from": self.as_user(),
            **content,
        }

    # -- acting as the user ---------------------------------------------------------------

    async def send(self, text: str) -> int:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return await self.server.push_update({"message": self._message(**content)})

    async def tap_reply_button(self, button_text: str) -> int:
        keyboard = self.reply_keyboard or []
        assert any(button_text in row for row in keyboard), (
            f"no reply button {button_text!r}; keyboard is {keyboard}"
        )
        return await self.send(button_text)

    async def send_contact(
        self, phone_number: str, *, user_id: int | None = None, first_name: str | None = None
    ) -> int:
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
            "user_id": self.id if user_id is None else user_id,
        }
        return await self.server.push_update({"message": self._message(contact=contact)})

    async def send_location(self, latitude: float, longitude: float) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        return await self.server.push_update({"message": self._message(location=location)})

    async def send_photo(self, data: bytes, *, caption: str | None = None) -> int:
        stored = self.server.files.add(data, "photo")
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 640,
            "height": 480,
            "file_size": len(data),
        }
        content: dict[str, Any] = {"photo": [size]}
        if caption is not None:
            content["caption"] = caption
        return await self.server.push_update({"message": self._message(**content)})

    async def press(self, button_text: str, *, message: BotMessage | None = None) -> str:
        message = message or self._newest_with_inline_keyboard()
        return await self.press_data(message.button_data(button_text), message=message)

    async def press_data(self, data: str, *, message: BotMessage | None = None) -> str:
        """Send a callback query with any data, as a forged or outdated client could."""
        message = message or self._newest_with_inline_keyboard()
        callback_id = f"{self.id}{next(_callback_ids):08d}"
        self.server.open_callback(callback_id, self)
        query = {
            "id": callback_id,
            "from": self.as_user(),
            "chat_instance": f"ci{self.chat_id}",
            "message": self.server.message_json(message),
            "data": data,
        }
        await self.server.push_update({"callback_query": query})
        return callback_id

    def _newest_with_inline_keyboard(self) -> BotMessage:
        for message in reversed(self.messages):
            if not message.deleted and message.buttons():
                return message
        raise AssertionError("the bot sent no message with an inline keyboard")

    def block(self) -> None:
        self.blocked = True

    def unblock(self) -> None:
        self.blocked = False

    # -- waiting for the bot ----------------------------------------------------------------

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def record_answer(self, callback_id: str, params: dict[str, Any]) -> None:
        self._callback_answers[callback_id] = params

    async def expect_message(
        self, *, timeout: float = 5.0, contains: str | None = None
    ) -> BotMessage:
        """The next message the bot sent to this chat that no earlier call returned."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(self.messages) > self._cursor)
        except TimeoutError:
            seen = [m.text for m in self.messages]
            raise AssertionError(f"no new message within {timeout}s; all so far: {seen}") from None
        message = self.messages[self._cursor]
        self._cursor += 1
        if contains is not None:
            assert contains in (message.text or ""), f"{contains!r} not in {message.text!r}"
        return message

    async def expect_callback_answer(
        self, callback_id: str, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: callback_id in self._callback_answers)
        except TimeoutError:
            raise AssertionError(f"callback {callback_id} not answered in {timeout}s") from None
        return self._callback_answers[callback_id]
