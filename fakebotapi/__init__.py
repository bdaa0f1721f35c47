"""A local stand-in for Telegram's Bot API, speaking its HTTP wire format.

The bot under test runs unmodified against it (its Bot API base URL points here), while a
test plays one or many users through `FakeUser`.
"""

from fakebotapi.server import FakeBotAPI
from fakebotapi.state import ApiCall, BotMessage
from fakebotapi.users import FakeUser

__all__ = ["ApiCall", "BotMessage", "FakeBotAPI", "FakeUser"]
