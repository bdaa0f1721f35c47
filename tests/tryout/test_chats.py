"""One persona's chat as the try page draws it, against the stand-in for Telegram: the
persona's own messages beside the bot's in Telegram's order, the bot's HTML escaped and
formatted, edits and deletions in place, the keyboard under the input, and answers."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fakebotapi import FakeBotAPI
from moralbank.tryout.chats import Persona, TryChat

pytestmark = pytest.mark.no_database

ZONE = ZoneInfo("Asia/Shanghai")
KEYBOARD = {
    "keyboard": [[{"text": "📱 分享我的手机号", "request_contact": True}], ["帮助"]],
    "one_time_keyboard": True,
}


async def _bot(api: FakeBotAPI, method: str, **params: Any) -> Any:
    return await api.execute(method, {"chat_id": 42, **params}, {})


def _chat(api: FakeBotAPI) -> TryChat:
    persona = Persona(42, "张红", "newcomer", "", "+8613900000042")
    return TryChat(api.user(42, first_name="张红"), persona, ZONE)


async def test_the_chat_in_telegrams_order_with_edits_and_deletions_in_place() -> None:
    async with FakeBotAPI() as api:
        chat = _chat(api)
        await chat.send_text("/start")
        sent = await _bot(api, "sendMessage", text="<b>欢迎</b> &lt;张红&gt;", parse_mode="HTML")
        gone = await _bot(api, "sendMessage", text="马上删掉")
        before = chat.state()
        await _bot(api, "editMessageText", message_id=sent["message_id"], text="<i>改过了</i>",
                   parse_mode="HTML")  # fmt: skip
        await _bot(api, "deleteMessage", message_id=gone["message_id"])
        after = chat.state()
    assert [(m["mine"], m["html"]) for m in before["messages"]] == [
        (True, "/start"),
        (False, "<b>欢迎</b> &lt;张红&gt;"),
        (False, "马上删掉"),
    ]
    assert [(m["html"], m["edited"]) for m in after["messages"]] == [
        ("/start", False),
        ("<i>改过了</i>", True),
    ]
    assert after["version"] != before["version"]


async def test_the_keyboard_shares_the_contact_and_is_put_away_after_a_tap() -> None:
    async with FakeBotAPI() as api:
        chat = _chat(api)
        await chat.send_text("/start")
        await _bot(api, "sendMessage", text="请分享手机号", reply_markup=KEYBOARD)
        assert chat.state()["keyboard"] == [
            [{"text": "📱 分享我的手机号", "kind": "contact"}],
            [{"text": "帮助", "kind": "text"}],
        ]
        await chat.send_contact()
        assert chat.state()["keyboard"] is None  # a one-time keyboard
        update = api.updates.created[max(api.updates.created)]
        assert update["message"]["contact"]["phone_number"] == "+8613900000042"
        assert chat.state()["messages"][-1]["kind"] == "contact"
        await _bot(api, "sendMessage", text="再来一次", reply_markup=KEYBOARD)
        assert chat.state()["keyboard"] is not None  # sent again, shown again


async def test_a_pressed_button_sends_its_callback_and_the_answer_is_kept() -> None:
    async with FakeBotAPI() as api:
        chat = _chat(api)
        await chat.send_text("/start")
        agree = {"text": "同意", "callback_data": "join:agree"}
        buttons = {"inline_keyboard": [[agree], [{"text": "网站", "url": "https://example.org"}]]}
        sent = await _bot(api, "sendMessage", text="加入吗？", reply_markup=buttons)
        assert chat.state()["messages"][-1]["buttons"] == [
            [{"text": "同意", "kind": "callback"}],
            [{"text": "网站", "kind": "url", "url": "https://example.org"}],
        ]
        callback = await chat.press(sent["message_id"], 0, 0)
        query = api.updates.created[max(api.updates.created)]["callback_query"]
        assert (query["id"], query["data"]) == (callback, "join:agree")
        await api.execute(
            "answerCallbackQuery", {"callback_query_id": callback, "text": "谢谢！"}, {}
        )
        assert chat.state()["answers"] == {callback: {"text": "谢谢！", "alert": False}}
