"""getMe, and how the bot receives updates: getUpdates or a webhook."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fakebotapi.updates import TERMINATED_BY_WEBHOOK
from fakebotapi.webhook import WebhookConfig
from fakebotapi.wire import ApiError, Call, bad_request

if TYPE_CHECKING:
    from fakebotapi.server import FakeBotAPI, Handler

SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
LONGEST_POLL = 50.0


async def get_me(api: FakeBotAPI, call: Call) -> Any:
    return {
        **api.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(api: FakeBotAPI, call: Call) -> Any:
    if api.webhook.config is not None:
        raise ApiError(409, WEBHOOK_ACTIVE)
    params, queue = call.params, api.updates
    queue.set_allowed(params.get("allowed_updates"))
    queue.confirm(int(params.get("offset") or 0))
    limit = min(max(int(params.get("limit") or 100), 1), 100)
    timeout = min(max(float(params.get("timeout") or 0), 0.0), LONGEST_POLL)
    poll = queue.begin_poll()
    try:
        if timeout > 0:
            await queue.changed.wait_for(
                lambda: queue.has_updates() or poll.ended is not None or queue.closing, timeout
            )
    finally:
        queue.end_poll(poll)
    if poll.ended is not None:
        raise ApiError(409, poll.ended)
    return [] if queue.closing else queue.take(limit)


async def set_webhook(api: FakeBotAPI, call: Call) -> Any:
    params = call.params
    url = params.get("url") or ""
    if not url:
        return await delete_webhook(api, call)  # an empty URL removes the webhook
    _check_webhook_url(str(url))
    secret = params.get("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    max_connections = int(params.get("max_connections") or 40)
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if params.get("drop_pending_updates"):
        api.updates.clear()
    api.updates.set_allowed(params.get("allowed_updates"))
    api.webhook.config = WebhookConfig(str(url), secret or None, max_connections)
    api.updates.terminate_poll(TERMINATED_BY_WEBHOOK)
    api.updates.changed.notify()  # the pusher starts on what is already queued
    return True


def _check_webhook_url(url: str) -> None:
    # Telegram insists on HTTPS and a public address; local tests need plain HTTP on
    # 127.0.0.1, so the fake asks only for an absolute HTTP(S) URL.
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")


async def delete_webhook(api: FakeBotAPI, call: Call) -> Any:
    api.webhook.config = None
    if call.params.get("drop_pending_updates"):
        api.updates.clear()
    api.updates.changed.notify()
    return True


async def get_webhook_info(api: FakeBotAPI, call: Call) -> Any:
    config = api.webhook.config
    info: dict[str, Any] = {
        "url": "" if config is None else config.url,
        "has_custom_certificate": False,
        "pending_update_count": api.updates.count(),
    }
    if config is not None:
        info["max_connections"] = config.max_connections
        if config.last_error_date is not None:
            info["last_error_date"] = config.last_error_date
            info["last_error_message"] = config.last_error_message
    if api.updates.allowed is not None:
        info["allowed_updates"] = sorted(api.updates.allowed)
    return info


METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
