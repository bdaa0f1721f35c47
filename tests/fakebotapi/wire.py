"""Telegram's wire format: how requests arrive, how answers and errors look, and the
checks Telegram makes on what a bot sends."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from aiohttp import BodyPartReader, web

# Tags Telegram's HTML parse mode accepts.
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64


class ApiError(Exception):
    """An error answer, exactly as Telegram words it."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error(exc: ApiError) -> web.Response:
    body = {"ok": False, "error_code": exc.code, "description": exc.description}
    return web.json_response(body, status=exc.code)


def _decode(value: str) -> Any:
    """Form fields carry nested objects as JSON; plain strings stay strings."""
    if value[:1] in "{[" or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Parameters from the query string, JSON, urlencoded or multipart; plus uploads."""
    params: dict[str, Any] = {k: _decode(v) for k, v in request.query.items()}
    uploads: dict[str, bytes] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, uploads
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            data = await part.read()
            if part.filename:
                uploads[part.name] = bytes(data)
                params.setdefault(part.name, f"attach://{part.name}")
            else:
                params[part.name] = _decode(bytes(data).decode("utf-8"))
    else:
        form = await request.post()
        params.update({k: _decode(v) for k, v in form.items() if isinstance(v, str)})
    return params, uploads


def require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise bad_request(f"{name} is empty" if name in params else f"{name} is required")


class _HtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise bad_request(f'can\'t parse entities: Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees, after Telegram parsed the markup (400 on broken HTML)."""
    if (parse_mode or "").upper() != "HTML":
        return text
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start "
            f'tag "{checker.stack[-1]}"'
        )
    return "".join(checker.text)


def check_text(text: Any, parse_mode: str | None) -> str:
    if not isinstance(text, str) or not visible_text(text, parse_mode).strip():
        raise bad_request("message text is empty")
    if len(visible_text(text, parse_mode)) > MAX_TEXT:
        raise bad_request("message is too long")
    return visible_text(text, parse_mode)


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup as Telegram does; returns it decoded."""
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            _check_inline_button(button)
    for row in markup.get("keyboard", []):
        for button in row:
            if isinstance(button, dict) and not button.get("text"):
                raise bad_request("keyboard button text is empty")
    return markup


def _check_inline_button(button: dict[str, Any]) -> None:
    if not button.get("text"):
        raise bad_request("inline keyboard button text is empty")
    actions = [k for k in button if k != "text"]
    if len(actions) != 1:
        raise bad_request("can't parse inline keyboard button: exactly one action is needed")
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")
