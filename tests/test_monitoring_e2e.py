"""`moralbank run` as an operator monitors it: MORALBANK_LOG_FORMAT=json and
MORALBANK_METRICS_TOKEN set, the bot by webhook, a fake Bot API. Every line the process
writes is one JSON object; the lines of an update that came by webhook name both the
update and the request; tracebacks stay inside their line; /metrics counts the update."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.webhook import SECRET_HEADER
from fakebotapi import FakeBotAPI
from tests.processes import free_port, moralbank_env, moralbank_run

pytestmark = pytest.mark.e2e
TOKEN = "e2e-metrics-token-0123456789"


def _says_ready(line: str) -> bool:
    try:
        message = json.loads(line).get("message", "")
    except ValueError:
        return False
    return isinstance(message, str) and message.startswith("Telegram bot:")


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 1000,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def _updates_ok(client: httpx.AsyncClient, base_url: str) -> float:
    response = await client.get(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "moralbank_bot_updates_total" and sample.labels == {"outcome": "ok"}:
                return sample.value
    raise AssertionError("no moralbank_bot_updates_total{outcome=ok}")


async def test_json_lines_name_the_update_and_the_request_and_metrics_count_it(
    fake_api: FakeBotAPI, database_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    env = moralbank_env(
        database_url,
        bot_token=fake_api.token,
        telegram_api_url=fake_api.base_url,
        webhook_url=url,
        log_format="JSON",
        metrics_token=TOKEN,
    )
    user = fake_api.user(2020, first_name="Ann", language_code="en")
    user.has_chat = True
    async with (
        moralbank_run(env, port=port, ready_when=_says_ready) as running,
        httpx.AsyncClient(timeout=20) as client,
    ):
        assert (await client.get(f"{running.base_url}/metrics")).status_code == 401
        handled_before = await _updates_ok(client, running.base_url)
        secret = {SECRET_HEADER: fake_api.webhook_secret or ""}
        answered = await client.post(
            url,
            json=_update(900_001, 2020, "/help"),
            headers={**secret, "X-Request-ID": "e2e-request-000001"},
        )
        assert answered.status_code == 200
        assert answered.headers["x-request-id"] == "e2e-request-000001"
        await user.expect_message(contains="What Moral Bank can do", timeout=15)
        assert await _updates_ok(client, running.base_url) == handled_before + 1

        # Telegram refuses the reply, and then the apology too: the handler's error is
        # logged with its traceback, the request fails, and uvicorn logs that as well.
        fake_api.refuse("sendMessage", 400, "Bad Request: chat not found")
        failed = await client.post(
            url,
            json=_update(900_002, 2020, "/help"),
            headers={**secret, "X-Request-ID": "e2e-request-000002"},
        )
        assert failed.status_code == 500
        assert failed.headers["x-request-id"] == "e2e-request-000002"
    assert running.process.returncode == 0, running.printed()

    lines = [json.loads(line) for line in running.output]  # every line is JSON
    assert all(line.keys() >= {"time", "level", "logger", "message"} for line in lines)
    first = [line for line in lines if line.get("update_id") == 900_001]
    assert first, running.printed()
    assert {line["request_id"] for line in first} == {"e2e-request-000001"}
    assert any(line["logger"] == "aiogram.event" for line in first)

    second = [line for line in lines if line.get("request_id") == "e2e-request-000002"]
    failed_update = [line for line in second if line["message"] == "update 900002 failed"]
    assert len(failed_update) == 1
    assert failed_update[0]["update_id"] == 900_002
    assert "TelegramBadRequest" in failed_update[0]["exception"]
    in_server = [line for line in second if line["logger"].startswith("uvicorn")]
    assert in_server, running.printed()
    assert all("Traceback" in line["exception"] for line in in_server)
    assert not any(line.get("request_id") == "e2e-request-000002" for line in first)
