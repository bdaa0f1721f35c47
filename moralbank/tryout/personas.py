"""Who can be played on the try page: a newcomer (a Telegram account the bank has never
seen), every resident who talks to the bot (the demo's residents, the newcomers waiting
for verification) and every staff member whose Telegram is linked. Each is a user of the
stand-in for Telegram, and their chat a `TryChat`, shared by every tab that plays them."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from core.i18n import normalize_locale
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from moralbank.demo_points import GIVEN, SURNAMES
from moralbank.tryout.chats import Persona, TryChat
from rewards.people.channels import residents_with_chats
from rewards.staff.telegram import linked_staff

# Fresh Telegram ids for newcomers: far from the demo's own (9 100 000 000 and up).
NEWCOMER_IDS = (6_000_000_000, 7_000_000_000)
ENGLISH_NAMES = ("Ann Lee", "Tom Chen", "Mia Wong", "Sam Liu", "Eva Lin")
TELEGRAM_LANGUAGE = {"zh_Hans": "zh-hans", "en": "en"}


def demo_phone(telegram_id: int) -> str:
    """The number a persona's contact button shares: made up, the same for each id."""
    return f"+86139{telegram_id % 10**8:08d}"


class Cast:
    def __init__(self, api: FakeBotAPI, uow: UnitOfWork, zone: ZoneInfo) -> None:
        self.api = api
        self.uow = uow
        self.zone = zone
        self.chats: dict[int, TryChat] = {}

    async def personas(self) -> list[Persona]:
        """Everyone the bank knows on Telegram, read afresh; their chats exist from now on,
        so a broadcast or a case alert reaches them even before their page is opened."""
        personas: list[tuple[Persona, str]] = []
        for resident in await residents_with_chats(self.uow):
            kind = "waiting" if resident.status == "pending" else "resident"
            persona = Persona(
                resident.telegram_id, resident.name, kind, resident.unit_name,
                demo_phone(resident.telegram_id),
            )  # fmt: skip
            personas.append((persona, resident.language))
        for staff in await linked_staff(self.uow):
            persona = Persona(
                staff.telegram_user_id, staff.display_name, "staff", staff.username,
                demo_phone(staff.telegram_user_id),
            )  # fmt: skip
            personas.append((persona, "zh_Hans"))
        for persona, language in personas:
            self._play(persona, TELEGRAM_LANGUAGE.get(language, "zh-hans"), wrote_before=True)
        return [persona for persona, _ in personas]

    def newcomer(self, language_code: str) -> TryChat:
        """A Telegram account the bank has never seen, with a made-up name."""
        telegram_id = NEWCOMER_IDS[0] + secrets.randbelow(NEWCOMER_IDS[1] - NEWCOMER_IDS[0])
        while telegram_id in self.chats:
            telegram_id += 1
        if normalize_locale(language_code) == "en":
            name = secrets.choice(ENGLISH_NAMES)
        else:
            name = secrets.choice(SURNAMES) + secrets.choice(GIVEN)
        persona = Persona(telegram_id, name, "newcomer", "", demo_phone(telegram_id))
        return self._play(persona, language_code, wrote_before=False)

    def chat(self, telegram_id: int) -> TryChat | None:
        return self.chats.get(telegram_id)

    def _play(self, persona: Persona, language_code: str, *, wrote_before: bool) -> TryChat:
        chat = self.chats.get(persona.telegram_id)
        if chat is not None:
            chat.persona = persona  # a newcomer who joined is now waiting, and so on
            return chat
        user = self.api.user(
            persona.telegram_id, first_name=persona.name, language_code=language_code
        )
        # Someone the bank knows has written to the bot before: it may write to them.
        user.has_chat = user.has_chat or wrote_before
        chat = TryChat(user, persona, self.zone)
        self.chats[persona.telegram_id] = chat
        return chat
