"""Telegram's wire format: how parameters arrive, how answers and errors look.

Telegram knows the type of every parameter, so a form field "123" is a number for
`chat_id` but stays the text "123" for `text`. Decoding by parameter name does the same;
guessing from the value would turn a message "true" into a boolean.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web

INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "cache_time",
        "user_id",
        "message_thread_id",
        "reply_to_message_id",
        "from_chat_id",
        "width",
        "height",
        "duration",
    }
)
BOOL_PARAMS = frozenset(
    {
        "drop_pending_updates",
        "show_alert",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)
# Telegram's own words for JSON it cannot read, where they are known.
_JSON_ERRORS = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
    "caption_entities": "can't parse entities JSON object",
}
_INTEGER = re.compile(r"-?\d+")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


class ApiError(Exception):
    """An error answer, worded exactly as Telegram words it; `parameters` is Telegram's
    ResponseParameters (such as retry_after), which clients read to act on the error."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None


@dataclass
class Call:
    """One decoded method call: typed parameters plus the uploaded files by part name."""

    params: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)


def ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return web.json_response(body, status=exc.code)


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Raw parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.can_read_body:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request parameters") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected as request parameters")
        params.update(body)
    elif request.content_type == "multipart/form-data":
        form, uploads = await read_parts(await request.multipart())
        params.update(form)
    elif request.content_type == "application/x-www-form-urlencoded":
        form_data = await request.post()
        params.update({k: v for k, v in form_data.items() if isinstance(v, str)})
    return params, uploads


async def read_parts(reader: MultipartReader) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Text fields and file parts of a multipart body (a request, or a webhook's reply)."""
    params: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = bytes(await part.read())
        if part.filename is not None:
            uploads[part.name] = Upload(data, part.filename)
            # A file may also be sent as the parameter itself instead of via attach://.
            params.setdefault(part.name, f"attach://{part.name}")
        else:
            params[part.name] = data.decode("utf-8")
    return params, uploads


def coerce(raw: dict[str, Any]) -> dict[str, Any]:
    """Each parameter as the type Telegram reads it as (400 when it cannot be read)."""
    return {name: _coerce(name, value) for name, value in raw.items()}


def _coerce(name: str, value: Any) -> Any:
    if name in INT_PARAMS:
        return _integer(name, value)
    if name in BOOL_PARAMS:
        return _boolean(name, value)
    if name in JSON_PARAMS:
        return _json(name, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a number where text is meant is read as its digits
    return value


def _integer(name: str, value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    if name == "chat_id" and isinstance(value, str):
        return value  # "@username": looked up as a public chat, and not found
    raise bad_request(f"invalid {name} specified")


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise bad_request(f"invalid {name} specified")


def _json(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(_JSON_ERRORS.get(name, f"can't parse {name} JSON object")) from None


def require(params: dict[str, Any], name: str, *, message: str | None = None) -> Any:
    """The parameter's value, or 400 as Telegram answers a missing or empty one."""
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(message or f"{name} is empty")
    return value
