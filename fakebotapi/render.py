"""Telegram's JSON for the messages the bot sent, as returned by send and edit methods and
as carried inside callback queries."""

from __future__ import annotations

from typing import Any

from fakebotapi.state import BotMessage


def bot_message_json(
    message: BotMessage, *, chat: dict[str, Any], sender: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": message.message_id}
    # A channel post is the channel's own: Telegram names no user as its sender.
    if chat["type"] == "channel":
        body["sender_chat"] = chat
    else:
        body["from"] = sender
    body.update(chat=chat, date=message.date)
    if message.edit_date is not None:
        body["edit_date"] = message.edit_date
    if message.kind == "text":
        body["text"] = message.text
        if message.entities:
            body["entities"] = message.entities
    else:
        body[message.kind] = message.media
        if message.text:
            body["caption"] = message.text
            if message.entities:
                body["caption_entities"] = message.entities
    # A message only ever carries an inline keyboard; reply keyboards live in the chat.
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        body["reply_markup"] = {"inline_keyboard": message.reply_markup["inline_keyboard"]}
    return body


def photo_sizes(
    file_id: str, file_unique_id: str, size: tuple[int, int], file_size: int
) -> list[dict[str, Any]]:
    width, height = size
    return [
        {
            "file_id": file_id,
            "file_unique_id": file_unique_id,
            "width": width,
            "height": height,
            "file_size": file_size,
        }
    ]
