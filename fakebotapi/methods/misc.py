"""Answering callback queries, handing out files, and the bot's command menu."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from fakebotapi import media
from fakebotapi.wire import Call, bad_request, require

if TYPE_CHECKING:
    from fakebotapi.server import FakeBotAPI, Handler

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
MAX_ANSWER_TEXT = 200
MAX_COMMANDS = 100
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE = re.compile(r"[a-z]{2}")
SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


async def answer_callback_query(api: FakeBotAPI, call: Call) -> Any:
    params = call.params
    callback_id = str(require(params, "callback_query_id", message=QUERY_INVALID))
    text = params.get("text")
    if text is not None and len(str(text)) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    # Each query can be answered once; the second answer finds it gone.
    user = api.open_callbacks.pop(callback_id, None)
    if user is None:
        raise bad_request(QUERY_INVALID)
    user.record_answer(callback_id, params)
    return True


async def get_file(api: FakeBotAPI, call: Call) -> Any:
    file_id = require(call.params, "file_id", message="invalid file_id")
    stored = api.files.get(str(file_id))
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > media.MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.path,
    }


def _menu_key(params: dict[str, Any]) -> tuple[str, str]:
    """Commands are kept per scope and language, as Telegram keeps them."""
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = params.get("language_code") or ""
    if language and not LANGUAGE.fullmatch(str(language)):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), str(language)


def _check_commands(commands: Any) -> list[dict[str, Any]]:
    if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands")
    for command in commands:
        if not COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("command description is empty or too long")
    return [{"command": c["command"], "description": c["description"]} for c in commands]


async def set_my_commands(api: FakeBotAPI, call: Call) -> Any:
    commands = _check_commands(require(call.params, "commands"))
    api.commands[_menu_key(call.params)] = commands
    return True


async def get_my_commands(api: FakeBotAPI, call: Call) -> Any:
    return api.commands.get(_menu_key(call.params), [])


async def delete_my_commands(api: FakeBotAPI, call: Call) -> Any:
    api.commands.pop(_menu_key(call.params), None)
    return True


METHODS: dict[str, Handler] = {
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
}
