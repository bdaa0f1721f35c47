"""What the fake server remembers: the calls it got, the messages the bot sent, the files."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiCall:
    """One Bot API request as received, parameters decoded to the types Telegram reads,
    and how it was answered, so that a benchmark can tell which sends arrived and when."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when the request had been read
    ok: bool | None = None  # None while unanswered, as a waiting long poll is
    error_code: int | None = None  # of an error answer, such as 429


@dataclass
class BotMessage:
    """A message the bot sent, as the user sees it now (edits applied, markup parsed)."""

    message_id: int
    chat_id: int
    kind: str  # "text", "photo" or "document"
    text: str | None  # the text, or the caption of a photo or document
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    file_bytes: bytes | None = None
    filename: str | None = None
    edits: int = 0
    deleted: bool = False
    date: int = field(default_factory=lambda: int(time.time()))
    entities: list[dict[str, Any]] = field(default_factory=list)
    file_id: str | None = None
    raw_text: str | None = None  # exactly what the bot sent, markup included
    media: Any = field(default=None, repr=False)  # the "photo"/"document" JSON of the message
    edit_date: int | None = None

    def buttons(self) -> list[list[str]]:
        """Inline keyboard button texts, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[button["text"] for button in row] for row in rows]

    def inline_button(self, text: str) -> dict[str, Any]:
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == text:
                    return dict(button)
        raise AssertionError(
            f"no inline button {text!r} in message {self.message_id} ({self.text!r}); "
            f"its buttons are {self.buttons()}"
        )

    def button_data(self, text: str) -> str:
        """callback_data of the inline button with this text."""
        button = self.inline_button(text)
        if "callback_data" not in button:
            raise AssertionError(f"inline button {text!r} has no callback_data: {button}")
        return str(button["callback_data"])


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    data: bytes
    path: str
    filename: str | None = None


class FileStore:
    """Files users and the bot uploaded; a file_id always names the same bytes."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)
        # Paths the bot fetched, in order: a test can see a file was never downloaded.
        self.downloads: list[str] = []

    def add(self, data: bytes, kind: str, filename: str | None = None) -> StoredFile:
        number = next(self._numbers)
        default = "jpg" if kind == "photo" else "bin"
        suffix = filename.rsplit(".", 1)[-1] if filename and "." in filename else default
        stored = StoredFile(
            file_id=f"AgAD{kind[:3].upper()}{number:08d}fake",
            file_unique_id=f"AQAD{number:08d}",
            kind=kind,
            data=data,
            path=f"{kind}s/file_{number}.{suffix}",
            filename=filename,
        )
        self._files[stored.file_id] = stored
        self._by_path[stored.path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


class Signal:
    """Wakes everyone waiting whenever something changed. `notify` is plain (not async) so
    that any code can call it; waiters re-check their condition, so no wake-up is lost."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """True once the predicate holds; False if it still does not after `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._event.wait()
        except TimeoutError:
            return predicate()
        return True
