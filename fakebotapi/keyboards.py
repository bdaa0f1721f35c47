"""reply_markup as Telegram checks it: one of the four markup kinds, well-formed buttons."""

from __future__ import annotations

from typing import Any

from fakebotapi.wire import bad_request

MAX_CALLBACK_DATA_BYTES = 64
# Fields of an inline button that describe it rather than say what pressing it does.
INLINE_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
        "disabled",
    }
)
REPLY_REQUESTS = frozenset(
    {
        "request_users",
        "request_chat",
        "request_managed_bot",
        "request_contact",
        "request_location",
        "request_poll",
        "web_app",
    }
)
STYLES = frozenset({"danger", "success", "primary"})
MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
URL_SCHEMES = ("http://", "https://", "tg://")


def check_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The markup decoded and validated; None when there is none. Edits take inline only."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    kinds = [kind for kind in MARKUP_KINDS if kind in markup]
    if len(kinds) != 1:
        raise bad_request("can't parse reply keyboard markup JSON object")
    if inline_only and kinds != ["inline_keyboard"]:
        raise bad_request("inline keyboard expected")
    kind = kinds[0]
    if kind == "inline_keyboard":
        for button in _buttons(markup[kind], "inline keyboard"):
            _check_inline_button(button)
    elif kind == "keyboard":
        for button in _buttons(markup[kind], "keyboard"):
            _check_reply_button(button)
    elif markup[kind] is not True:
        raise bad_request(f'field "{kind}" of the reply markup must be True')
    return markup


def _buttons(rows: Any, what: str) -> list[Any]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{what}" of the reply markup must be an Array of Arrays')
    return [button for row in rows for button in row]


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
    if not isinstance(button.get("text"), str) or not button["text"]:
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in button if key not in INLINE_DECORATION]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1 or actions[0] not in INLINE_ACTIONS:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {sorted(actions)}"
        )
    if "style" in button and button["style"] not in STYLES:
        raise bad_request("can't parse inline keyboard button: unknown button style")
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.lower().startswith(URL_SCHEMES):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid")


def _check_reply_button(button: Any) -> None:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse keyboard button: KeyboardButton expected")
    if not button["text"]:
        raise bad_request("keyboard button text is empty")
    requests = [key for key in button if key in REPLY_REQUESTS]
    if len(requests) > 1:
        raise bad_request(
            f"can't parse keyboard button: only one of {sorted(requests)} can be used"
        )
    for key in ("request_contact", "request_location"):
        if key in button and not isinstance(button[key], bool):
            raise bad_request(f'can\'t parse keyboard button: field "{key}" must be Boolean')


def reply_button_texts(markup: dict[str, Any]) -> list[list[str]]:
    """What a reply keyboard shows, whether its buttons were sent as strings or objects."""
    return [
        [button if isinstance(button, str) else button["text"] for button in row]
        for row in markup["keyboard"]
    ]


def reply_button(markup: dict[str, Any], text: str) -> dict[str, Any] | None:
    for row in markup["keyboard"]:
        for button in row:
            found = {"text": button} if isinstance(button, str) else button
            if found["text"] == text:
                return dict(found)
    return None
