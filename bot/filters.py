"""Filters that run on the event loop.

aiogram awaits a filter only when it is a coroutine; anything else (a plain function, a
bare `F.text` magic filter, a `State`) it runs in a worker thread, one thread hop per
check for every update that reaches the handler. Routers therefore wrap such tests in
`Has`, and states in aiogram's own `StateFilter`; a test makes sure no handler is left
with a filter aiogram would thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject
from magic_filter import MagicFilter

from core.i18n import Translator


class Has(Filter):
    """A test on the event itself, such as `Has(F.contact)` or `Has(F.text)`."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject, *args: Any, **kwargs: Any) -> Any:
        return self.magic.resolve(event)


def is_menu(key: str) -> Callable[[Message, Translator], Awaitable[bool]]:
    """A filter: the message is the main-menu button `key` in the reader's language."""

    async def matches(message: Message, t: Translator) -> bool:
        return message.text == t(key)

    return matches
