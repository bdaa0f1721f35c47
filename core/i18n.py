"""Translation catalogues shared by the bot and the panel.

Message ids are stable keys ("start.welcome"), so both languages live in the catalogues and
no user-facing sentence is written in code. Catalogues are gettext `.po` files read at
start-up, so nothing has to be compiled before the product runs. Each locale has one file
per part of the product (`common.po` for texts every adapter shows, such as error
messages; `bot.po`; `panel.po`); a key may appear in only one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

CATALOGUE_DIR = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "zh_Hans"
LOCALES = ("zh_Hans", "en")


def normalize_locale(language_code: str | None) -> str:
    """Map a client's language tag (Telegram's `language_code`, Accept-Language) to ours.

    Chinese comes first: anything that is not clearly English is served in Chinese.
    """
    if language_code and language_code.strip().lower().replace("_", "-").startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def read_catalogue_file(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    return {
        str(message.id): str(message.string)
        for message in catalogue
        if message.id and isinstance(message.string, str) and message.string
    }


def load_locale(directory: Path) -> dict[str, str]:
    """All catalogue files of one locale, merged; a key defined twice is an error."""
    merged: dict[str, str] = {}
    for path in sorted(directory.glob("*.po")):
        part = read_catalogue_file(path)
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"{path}: keys defined in another catalogue too: {sorted(clash)}")
        merged.update(part)
    return merged


@dataclass(frozen=True)
class Translator:
    """Texts of one locale; a missing key falls back to the default locale, then the key."""

    locale: str
    messages: Mapping[str, str]
    fallback: Mapping[str, str]

    def __call__(self, key: str, /, **params: Any) -> str:
        text = self.messages.get(key) or self.fallback.get(key) or key
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """For keys made from a value (an audit action): is there a text to show?"""
        return key in self.messages or key in self.fallback

    def pick(self, name: str, name_en: str | None) -> str:
        """A name staff typed in Chinese and, optionally, in English: the page's one."""
        return name_en if self.locale == "en" and name_en else name


class Catalogues:
    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self._messages = messages

    @classmethod
    def load(cls, directory: Path = CATALOGUE_DIR) -> Catalogues:
        return cls({locale: load_locale(directory / locale / "LC_MESSAGES") for locale in LOCALES})

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._messages)

    def keys(self, locale: str) -> frozenset[str]:
        return frozenset(self._messages[locale])

    def translator(self, locale: str) -> Translator:
        if locale not in self._messages:
            locale = DEFAULT_LOCALE
        return Translator(locale, self._messages[locale], self._messages[DEFAULT_LOCALE])
