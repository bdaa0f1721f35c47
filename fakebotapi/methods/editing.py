"""Changing what the bot sent: edits of text, caption and keyboard, and deletion."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fakebotapi import formatting, keyboards
from fakebotapi.state import BotMessage
from fakebotapi.wire import Call, bad_request, require

if TYPE_CHECKING:
    from fakebotapi.server import FakeBotAPI, Handler
    from fakebotapi.users import FakeUser

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _target(api: FakeBotAPI, params: dict[str, Any], what: str) -> tuple[FakeUser, BotMessage]:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")  # the fake has no inline messages
    user = api.chat_for(params)
    message_id = require(params, "message_id", message="message identifier is not specified")
    for message in user.messages:
        if message.message_id == message_id and not message.deleted:
            return user, message
    if what == "edit" and user.has_message(message_id):
        raise bad_request("message can't be edited")  # the user's own message
    raise bad_request(f"message to {what} not found")


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    if markup is None or "inline_keyboard" not in markup:
        return None
    return {"inline_keyboard": markup["inline_keyboard"]}


def _apply(
    api: FakeBotAPI,
    user: FakeUser,
    message: BotMessage,
    text: formatting.Formatted | None,
    markup: dict[str, Any] | None,
) -> dict[str, Any]:
    """Refuse an edit that changes nothing, as Telegram does; otherwise apply it."""
    new_text = message.text if text is None else (text.text or None)
    new_entities = message.entities if text is None else text.entities
    unchanged = (new_text, new_entities, markup) == (
        message.text,
        message.entities,
        _inline(message.reply_markup),
    )
    if unchanged:
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = new_text, new_entities, markup
    message.edits += 1
    message.edit_date = int(time.time())
    user.changed.notify()
    return api.message_json(message)


async def edit_message_text(api: FakeBotAPI, call: Call) -> Any:
    params = call.params
    user, message = _target(api, params, "edit")
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    mode = formatting.normalise_parse_mode(params.get("parse_mode"))
    text = formatting.message_text(params.get("text"), mode, params.get("entities"))
    markup = keyboards.check_markup(params.get("reply_markup"), inline_only=True)
    result = _apply(api, user, message, text, markup)
    message.parse_mode, message.raw_text = mode, params["text"]
    return result


async def edit_message_caption(api: FakeBotAPI, call: Call) -> Any:
    params = call.params
    user, message = _target(api, params, "edit")
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    mode = formatting.normalise_parse_mode(params.get("parse_mode"))
    caption = formatting.caption(params.get("caption") or "", mode, params.get("caption_entities"))
    markup = keyboards.check_markup(params.get("reply_markup"), inline_only=True)
    result = _apply(api, user, message, caption, markup)
    message.parse_mode, message.raw_text = mode, params.get("caption")
    return result


async def edit_message_reply_markup(api: FakeBotAPI, call: Call) -> Any:
    user, message = _target(api, call.params, "edit")
    markup = keyboards.check_markup(call.params.get("reply_markup"), inline_only=True)
    return _apply(api, user, message, None, markup)


async def delete_message(api: FakeBotAPI, call: Call) -> Any:
    params = call.params
    user = api.chat_for(params)
    message_id = require(params, "message_id", message="message identifier is not specified")
    # In a private chat a bot may delete the user's messages as well as its own.
    if user.delete_own_message(message_id):
        return True
    _, message = _target(api, params, "delete")
    message.deleted = True
    user.changed.notify()
    return True


METHODS: dict[str, Handler] = {
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
}
