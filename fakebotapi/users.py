"""A test plays a Telegram user: it sends what a person's client would send, and waits for
what the bot sends back. It can also watch a group or channel the bot posts to."""

from __future__ import annotations

import itertools
import re
import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Literal

from fakebotapi import keyboards, media
from fakebotapi.render import photo_sizes
from fakebotapi.state import BotMessage, Signal

if TYPE_CHECKING:
    from fakebotapi.server import FakeBotAPI

# A command is "/" and up to 32 letters, digits or underscores, maybe "@botname".
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_callback_numbers = itertools.count(1)
GroupKind = Literal["group", "supergroup", "channel"]
# Basic groups have ids -1 … -(10**12 - 1); supergroups and channels -100 then their own id.
_GROUP_IDS = range(-(10**12) + 1, 0)
_SUPERGROUP_IDS = range(-2 * 10**12 + 1, -(10**12))


class FakeChat(ABC):
    """A chat as it shows the bot's messages: kept in order, and waited for one by one."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        self.messages: list[BotMessage] = []
        self.own_message_ids: set[int] = set()  # messages of the chat's people, not deleted
        self.changed = Signal()
        self._cursor = 0

    @property
    @abstractmethod
    def label(self) -> str:
        """How failures name the chat."""

    @abstractmethod
    def as_chat(self) -> dict[str, Any]:
        """Telegram's Chat object."""

    def receive(self, message: BotMessage) -> None:
        self.messages.append(message)
        self.changed.notify()

    def has_message(self, message_id: int) -> bool:
        """Whether the chat still shows this message, from either side."""
        if message_id in self.own_message_ids:
            return True
        return any(m.message_id == message_id and not m.deleted for m in self.messages)

    async def expect_message(
        self, *, timeout: float = 5.0, contains: str | None = None
    ) -> BotMessage:
        """The next message the bot sent here that no earlier call returned."""
        arrived = await self.changed.wait_for(lambda: len(self.messages) > self._cursor, timeout)
        if not arrived:
            so_far = [m.text for m in self.messages]
            raise AssertionError(
                f"{self.label}: no new message from the bot within {timeout}s; "
                f"all it sent here so far: {so_far}"
            )
        message = self.messages[self._cursor]
        self._cursor += 1
        if contains is not None and contains not in (message.text or ""):
            raise AssertionError(
                f"{self.label}: expected a message containing {contains!r}, "
                f"the next one was {message.text!r}"
            )
        return message


class FakeGroup(FakeChat):
    """A group, supergroup or channel the bot is in; what the bot posts there is kept."""

    def __init__(self, chat_id: int, *, title: str, kind: GroupKind) -> None:
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"no such kind of group: {kind!r}")
        if chat_id not in (_GROUP_IDS if kind == "group" else _SUPERGROUP_IDS):
            raise ValueError(
                f"{chat_id} is no {kind} id: a group's is -N (as -42), a supergroup's or "
                "channel's -100 and 10 digits (as -1001234567890)"
            )
        super().__init__(chat_id)
        self.title = title
        self.kind = kind

    @property
    def label(self) -> str:
        return f"{self.kind} {self.chat_id}"

    def as_chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": self.kind, "title": self.title}


class FakeUser(FakeChat):
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
        super().__init__(user_id)  # a private chat has the user's id
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.reply_keyboard_markup: dict[str, Any] | None = None
        self.blocked = False
        self.has_chat = False  # the user wrote first: only then may the bot write to them
        self.callback_answers: dict[str, dict[str, Any]] = {}

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The reply keyboard the user has now, as button texts (None: the usual one)."""
        markup = self.reply_keyboard_markup
        return None if markup is None else keyboards.reply_button_texts(markup)

    @property
    def label(self) -> str:
        return f"user {self.id}"

    # -- how the user looks on the wire ---------------------------------------------------

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.chat_id, "type": "private"}
        chat["first_name"] = self.first_name
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat

    def _message(self, **content: Any) -> dict[str, Any]:
        if self.blocked:
            raise AssertionError(f"user {self.id} blocked the bot; unblock() before writing")
        self.has_chat = True
        message_id = self.server.next_message_id(self.chat_id)
        self.own_message_ids.add(message_id)
        return {
            "message_id": message_id,
            "from": self.as_user(),
            "chat": self.as_chat(),
            "date": int(time.time()),
            **content,
        }

    async def _push_message(self, **content: Any) -> int:
        return self.server.push_update({"message": self._message(**content)})

    # -- what the user does -----------------------------------------------------------------

    async def send(self, text: str) -> int:
        """A text message; a leading /command gets its bot_command entity. The update_id."""
        assert text.strip(), "Telegram clients do not send empty messages"
        assert len(text) <= 4096, "Telegram clients split text longer than 4096 characters"
        content: dict[str, Any] = {"text": text}
        command = _COMMAND.match(text)
        if command:
            length = len(command.group().encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self._push_message(**content)

    async def send_in(self, group: FakeGroup, text: str) -> int:
        """A text message the user writes in a group the bot is in."""
        assert group.kind != "channel", "people post in channels as the channel, not as users"
        message_id = self.server.next_message_id(group.chat_id)
        group.own_message_ids.add(message_id)
        message = {
            "message_id": message_id,
            "from": self.as_user(),
            "chat": group.as_chat(),
            "date": int(time.time()),
            "text": text,
        }
        return self.server.push_update({"message": message})

    async def send_contact(
        self, phone_number: str, *, user_id: int | None = None, first_name: str | None = None
    ) -> int:
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
            "user_id": self.id if user_id is None else user_id,
        }
        if first_name is None and self.last_name is not None:
            contact["last_name"] = self.last_name
        return await self._push_message(contact=contact)

    async def send_location(self, latitude: float, longitude: float) -> int:
        assert -90 <= latitude <= 90, "latitude is between -90 and 90"
        assert -180 <= longitude <= 180, "longitude is between -180 and 180"
        return await self._push_message(location={"latitude": latitude, "longitude": longitude})

    async def send_photo(self, data: bytes, *, caption: str | None = None) -> int:
        """A photo; its bytes can then be fetched by getFile and the file download URL."""
        stored = self.server.files.add(data, "photo")
        # A client sends real images; for placeholder bytes, a typical camera size.
        size = media.image_size(data) or (1280, 960)
        content: dict[str, Any] = {
            "photo": photo_sizes(stored.file_id, stored.file_unique_id, size, len(data))
        }
        if caption is not None:
            content["caption"] = caption
        return await self._push_message(**content)

    async def send_document(
        self, data: bytes, *, filename: str, mime_type: str | None = None
    ) -> int:
        """A file sent as a file (Telegram keeps its bytes as they are, EXIF included)."""
        stored = self.server.files.add(data, "document", filename)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type or media.mime_type(filename),
            "file_size": len(data),
        }
        return await self._push_message(document=document)

    async def send_voice(self, data: bytes, *, duration: int = 5) -> int:
        """A voice note recorded in the app (Telegram's Ogg/Opus)."""
        stored = self.server.files.add(data, "voice", "voice.oga")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return await self._push_message(voice=voice)

    async def tap_reply_button(self, button_text: str) -> int:
        """Tap a button of the current reply keyboard, which sends its text."""
        markup = self.reply_keyboard_markup
        button = None if markup is None else keyboards.reply_button(markup, button_text)
        if button is None:
            raise AssertionError(
                f"no reply keyboard button {button_text!r}; the keyboard is {self.reply_keyboard}"
            )
        for request in ("request_contact", "request_location"):
            if button.get(request):
                helper = "send_contact" if request == "request_contact" else "send_location"
                raise AssertionError(
                    f"button {button_text!r} shares a {request.removeprefix('request_')}, "
                    f"it does not send its text; use {helper}()"
                )
        return await self.send(button_text)

    async def press(self, button_text: str, *, message: BotMessage | None = None) -> str:
        """Press an inline button (by default on the newest message that has some) and
        return the callback query id."""
        message = message or self._newest_with_inline_keyboard(button_text)
        return await self.press_data(message.button_data(button_text), message=message)

    async def press_data(self, data: str, *, message: BotMessage | None = None) -> str:
        """A callback query with any data, as a forged or outdated client could send."""
        message = message or self._newest_with_inline_keyboard(None)
        if message.deleted:
            raise AssertionError(f"message {message.message_id} was deleted; nothing to press")
        callback_id = f"{self.id}{next(_callback_numbers):010d}"
        self.server.open_callback(callback_id, self)
        query = {
            "id": callback_id,
            "from": self.as_user(),
            "message": self.server.message_json(message),
            "chat_instance": f"-{abs(self.chat_id) * 7919 + 13}",
            "data": data,
        }
        self.server.push_update({"callback_query": query})
        return callback_id

    def _newest_with_inline_keyboard(self, button_text: str | None) -> BotMessage:
        for message in reversed(self.messages):
            if not message.deleted and message.buttons():
                return message
        listing = [(m.message_id, m.text, m.buttons()) for m in self.messages]
        wanted = "" if button_text is None else f" to press {button_text!r}"
        raise AssertionError(
            f"no message with an inline keyboard{wanted}; the bot sent: {listing}"
        )

    def block(self) -> None:
        """Block the bot: it gets 403 on writing here, and a my_chat_member update."""
        if not self.blocked:
            self.blocked = True
            self.server.push_member_change(self, old="member", new="kicked")

    def unblock(self) -> None:
        if self.blocked:
            self.blocked = False
            self.server.push_member_change(self, old="kicked", new="member")

    # -- what the server tells the user -----------------------------------------------------

    def receive(self, message: BotMessage) -> None:
        markup = message.reply_markup or {}
        if "keyboard" in markup:
            self.reply_keyboard_markup = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboard_markup = None
        super().receive(message)

    def delete_own_message(self, message_id: int) -> bool:
        if message_id not in self.own_message_ids:
            return False
        self.own_message_ids.discard(message_id)
        self.changed.notify()
        return True

    def record_answer(self, callback_id: str, params: dict[str, Any]) -> None:
        self.callback_answers[callback_id] = params
        self.changed.notify()

    # -- waiting for the bot ----------------------------------------------------------------

    async def expect_callback_answer(
        self, callback_id: str, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The parameters of the bot's answerCallbackQuery for this query."""
        if not await self.changed.wait_for(lambda: callback_id in self.callback_answers, timeout):
            raise AssertionError(
                f"user {self.id}: callback query {callback_id} not answered within {timeout}s"
            )
        return self.callback_answers[callback_id]
