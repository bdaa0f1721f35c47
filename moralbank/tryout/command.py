"""What `moralbank try` runs: the stand-in for Telegram on a free port of 127.0.0.1, and the
product pointed at it through its settings (its Bot API URL and a token of its own), served
as `moralbank run` serves it — polling, worker and all — with the try page added."""

from __future__ import annotations

import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader
from pydantic import SecretStr

from core.clock import SystemClock
from core.db import Database
from core.i18n import DEFAULT_LOCALE, Catalogues
from core.settings import Settings
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from moralbank.runtime import serve
from moralbank.tryout.personas import Cast
from moralbank.tryout.routes import create_router

HERE = Path(__file__).parent
BOT_ID = 5_550_000_001
BOT_USERNAME = "moralbank_try_bot"


async def serve_try(settings: Settings, *, logins_file: Path) -> None:
    name = Catalogues.load().translator(DEFAULT_LOCALE)("product.name")
    token = f"{BOT_ID}:{secrets.token_urlsafe(24)}"
    async with FakeBotAPI(token=token, bot_username=BOT_USERNAME, bot_first_name=name) as api:
        played = settings.model_copy(
            update={
                "bot_token": SecretStr(token),
                "bot_username": BOT_USERNAME,
                "telegram_api_url": api.base_url,
                "webhook_url": None,  # polling, as a bot without a public address runs
            }
        )
        database = Database.from_url(settings.database_url)
        cast = Cast(api, UnitOfWork(database, SystemClock()), ZoneInfo(settings.time_zone))
        try:
            await cast.personas()  # their chats exist before anything is sent to them
            await serve(
                played,
                extend_app=lambda app: install(app, cast),
                on_started=lambda url: _announce(url, api, logins_file),
            )
        finally:
            await database.dispose()


def install(app: FastAPI, cast: Cast) -> None:
    """The try page on the panel's app, in the panel's look: its templates extend the
    panel's base page."""
    templates = app.state.templates
    loader: BaseLoader = templates.env.loader
    templates.env.loader = ChoiceLoader([loader, FileSystemLoader(HERE / "templates")])
    app.mount("/try/static", StaticFiles(directory=HERE / "static"), name="try-static")
    app.include_router(create_router(cast))


def _announce(base_url: str, api: FakeBotAPI, logins_file: Path) -> None:
    print(f"Telegram: a stand-in in this process at {api.base_url}, not the real one", flush=True)
    print(f"Demo staff logins for the panel: {logins_file}", flush=True)
    print(f"Try the bot in a browser: {base_url}/try", flush=True)
