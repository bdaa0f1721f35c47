"""The Bot API methods the fake implements, by lower-case name (Telegram ignores case)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakebotapi.methods import editing, misc, sending, updates

if TYPE_CHECKING:
    from fakebotapi.server import Handler

METHODS: dict[str, Handler] = {
    name.lower(): handler
    for module in (updates, sending, editing, misc)
    for name, handler in module.METHODS.items()
}
