"""Sending to a chat: text, photos, documents and chat actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakebotapi import formatting, keyboards, media
from fakebotapi.render import photo_sizes
from fakebotapi.state import BotMessage, StoredFile
from fakebotapi.wire import ApiError, Call, bad_request

if TYPE_CHECKING:
    from fakebotapi.server import FakeBotAPI, Handler
    from fakebotapi.users import FakeChat

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


async def send_message(api: FakeBotAPI, call: Call) -> Any:
    params = call.params
    chat = api.destination(params)
    mode = formatting.normalise_parse_mode(params.get("parse_mode"))
    text = formatting.message_text(params.get("text"), mode, params.get("entities"))
    markup = keyboards.check_markup(params.get("reply_markup"))
    _check_reply_target(chat, params)
    message = BotMessage(
        message_id=api.next_message_id(chat.chat_id),
        chat_id=chat.chat_id,
        kind="text",
        text=text.text,
        parse_mode=mode,
        reply_markup=markup,
        entities=text.entities,
        raw_text=params["text"],
    )
    return api.deliver(chat, message)


async def send_photo(api: FakeBotAPI, call: Call) -> Any:
    return await _send_file(api, call, "photo")


async def send_document(api: FakeBotAPI, call: Call) -> Any:
    return await _send_file(api, call, "document")


async def _send_file(api: FakeBotAPI, call: Call, kind: str) -> Any:
    params = call.params
    chat = api.destination(params)
    stored = _resolve_file(api, call, kind)
    mode = formatting.normalise_parse_mode(params.get("parse_mode"))
    caption = formatting.caption(params.get("caption"), mode, params.get("caption_entities"))
    markup = keyboards.check_markup(params.get("reply_markup"))
    _check_reply_target(chat, params)
    message = BotMessage(
        message_id=api.next_message_id(chat.chat_id),
        chat_id=chat.chat_id,
        kind=kind,
        text=caption.text if caption and caption.text else None,
        parse_mode=mode,
        reply_markup=markup,
        file_bytes=stored.data,
        filename=stored.filename,
        entities=caption.entities if caption else [],
        file_id=stored.file_id,
        raw_text=params.get("caption"),
        media=_media_json(stored),
    )
    return api.deliver(chat, message)


def _resolve_file(api: FakeBotAPI, call: Call, kind: str) -> StoredFile:
    """The file a photo/document parameter names: an upload, or a known file_id."""
    value = call.params.get(kind)
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith("attach://"):
        upload = call.uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f'can\'t find attached file "{value}"')
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            _check_photo(upload.data)
        return api.files.add(upload.data, kind, upload.filename)
    if value.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    stored = api.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(
            f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
        )
    return stored


def _check_photo(data: bytes) -> None:
    if len(data) > media.MAX_PHOTO_BYTES:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    size = media.image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    if not media.photo_dimensions_ok(*size):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")


def _media_json(stored: StoredFile) -> Any:
    if stored.kind == "photo":
        size = media.image_size(stored.data) or (1280, 960)
        return photo_sizes(stored.file_id, stored.file_unique_id, size, len(stored.data))
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "mime_type": media.mime_type(stored.filename),
        "file_size": len(stored.data),
    }
    if stored.filename:
        document["file_name"] = stored.filename
    return document


def _check_reply_target(chat: FakeChat, params: dict[str, Any]) -> None:
    """A reply must point at a message of the chat, unless the bot allows otherwise."""
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        target, lenient = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
    else:
        target = params.get("reply_to_message_id")
        lenient = bool(params.get("allow_sending_without_reply"))
    if target is None or lenient:
        return
    if not chat.has_message(int(target)):
        raise bad_request("message to be replied not found")


async def send_chat_action(api: FakeBotAPI, call: Call) -> Any:
    api.destination(call.params)
    if call.params.get("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendChatAction": send_chat_action,
}
