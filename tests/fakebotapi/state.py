"""What the fake server remembers: messages the bot sent, updates users made, files."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]


@dataclass
class BotMessage:
    message_id: int
    chat_id: int
    kind: str
    # What the user sees: markup already parsed away (raw_text keeps what the bot sent).
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    file_bytes: bytes | None = None
    filename: str | None = None
    file_id: str | None = None
    edits: int = 0
    deleted: bool = False
    raw_text: str | None = None
    date: int = field(default_factory=lambda: int(time.time()))

    def buttons(self) -> list[list[str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[button["text"] for button in row] for row in rows]

    def button_data(self, text: str) -> str:
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == text:
                    return str(button["callback_data"])
        raise AssertionError(f"no button {text!r}; buttons are {self.buttons()}")


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    path: str


class FileStore:
    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)

    def add(self, data: bytes, kind: str, filename: str | None = None) -> StoredFile:
        number = next(self._ids)
        suffix = filename.rsplit(".", 1)[-1] if filename and "." in filename else "jpg"
        stored = StoredFile(
            f"FILE{number:06d}{kind}", f"U{number:06d}", data, f"{kind}s/file_{number}.{suffix}"
        )
        self._files[stored.file_id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self._files.values() if f.path == path), None)
