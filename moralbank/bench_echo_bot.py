"""The reference of `moralbank bench bot`: aiogram's floor on this machine. One echo
handler behind the product's own webhook endpoint, served by uvicorn on the event loop
the product uses, with the same settings (`python -m moralbank.bench_echo_bot`)."""

from __future__ import annotations

import asyncio

import uvicorn
from aiogram import Dispatcher, Router
from aiogram.types import CallbackQuery, Message
from starlette.applications import Starlette
from starlette.routing import Route

from bot.factory import create_bot
from bot.webhook import create_webhook_endpoint, webhook_secret
from core.settings import load_settings
from moralbank.cli_support import run_async

WEBHOOK_PATH = "/telegram/webhook"


async def echo(message: Message) -> None:
    await message.answer(message.text or "")


async def echo_press(callback: CallbackQuery) -> None:
    """What the product does for a statement's page button, with the button's data."""
    if isinstance(callback.message, Message):
        await callback.message.edit_text(callback.data or "")
    await callback.answer()


async def main() -> None:
    settings = load_settings()
    assert settings.bot_token is not None
    bot = create_bot(settings)
    router = Router()
    router.message.register(echo)
    router.callback_query.register(echo_press)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    secret = webhook_secret(settings.require_secret_key(), settings.bot_token.get_secret_value())
    endpoint = create_webhook_endpoint(
        dispatcher, bot, secret, concurrent=settings.bot_concurrent_updates
    )
    app = Starlette(routes=[Route(WEBHOOK_PATH, endpoint, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=settings.web_port, log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    print("echo bot: ready", flush=True)
    await serving
    await bot.session.close()


if __name__ == "__main__":
    run_async(main())
