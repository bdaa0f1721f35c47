"""The command menu Telegram shows next to the input field, in each language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand

from core.i18n import DEFAULT_LOCALE, Catalogues

COMMANDS = (
    "start", "points", "rules", "pay", "help", "language", "privacy", "mydata", "leave", "cancel",
)  # fmt: skip
# Telegram picks the menu by the user's language_code; the default covers everyone else.
TELEGRAM_LANGUAGE = {"en": "en"}


async def publish_commands(bot: Bot, catalogues: Catalogues) -> None:
    for locale in catalogues.locales:
        t = catalogues.translator(locale)
        commands = [BotCommand(command=c, description=t(f"command.{c}")) for c in COMMANDS]
        language = None if locale == DEFAULT_LOCALE else TELEGRAM_LANGUAGE[locale]
        await bot.set_my_commands(commands, language_code=language)
