"""Settings come from `MORALBANK_*` environment variables and an optional `.env` file.

Nothing here is read at import time: every entry point calls `load_settings()` once and
passes the result down, so tests can build the product against any database or fake
Telegram server without patching globals.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/moralbank.db"
TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_TIME_ZONE = "Asia/Shanghai"  # the seeds are Chinese communities
MIN_SECRET_LENGTH = 32
# A bearer token anyone on the network may try: long enough not to be guessed.
MIN_METRICS_TOKEN_LENGTH = 16
# Values that appear in documentation; a deployment must never run on one of them.
QUIET_HOURS = re.compile(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")
EXAMPLE_SECRETS = frozenset({"change-me", "changeme", "secret", "example", "please-change-me"})
# Where `moralbank demo` keeps the key it generates, relative to the directory it ran in.
DEMO_SECRET_KEY_FILE = Path("var/secret_key")
DEFAULT_FILES_DIR = Path("var/files")
# The databases we run on, each with the asynchronous driver the product uses.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}


class SettingsError(ValueError):
    """A setting is missing or unsafe. The message says which and how to fix it; `key`
    and `params` name the same sentence in the catalogues (`cli.<key>`)."""

    def __init__(self, key: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MORALBANK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = DEFAULT_DATABASE_URL
    bot_token: SecretStr | None = None
    # The bot's @username, without the @: kiosk pages link to it (t.me/<username>?start=…).
    bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
    telegram_api_url: str = TELEGRAM_API_URL
    webhook_url: str | None = None
    # Updates the bot handles at once (polling and webhook); more wait their turn.
    bot_concurrent_updates: int = Field(default=20, ge=1, le=1000)
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    # Lets a generated key live in a file (the demo keeps one under ./var/).
    secret_key_file: Path | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=0, le=65535)
    # Set when the panel is served over HTTPS (directly or behind a proxy): cookies get Secure.
    https: bool = False
    # Proxies whose X-Forwarded-For names the client (comma-separated addresses or
    # networks). None by default: otherwise a client could choose its own address and
    # escape the login throttle.
    trusted_proxies: str = ""
    # Photos and voice notes of cases (core.files); a local directory unless a deployment
    # plugs in object storage.
    files_dir: Path = DEFAULT_FILES_DIR
    # A report of the same category this near an open case, within these days, is asked
    # "is this the same problem?" before it is sent.
    case_duplicate_radius_m: float = Field(default=50.0, gt=0, le=5000)
    case_duplicate_days: int = Field(default=7, ge=1, le=90)
    # Volunteer duty: check-in opens this long before a shift's start and closes this long
    # after it; a freed place waits this long for the one offered it; this many no-shows
    # in 90 days pause a resident's sign-ups for so many days.
    duty_check_in_before_minutes: int = Field(default=30, ge=0, le=24 * 60)
    duty_check_in_after_minutes: int = Field(default=30, ge=0, le=24 * 60)
    duty_offer_minutes: int = Field(default=120, ge=5, le=7 * 24 * 60)
    duty_no_shows_pause: int = Field(default=3, ge=1, le=100)
    duty_pause_days: int = Field(default=30, ge=0, le=365)
    # How much the processes log: every update handled is a line at INFO.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "json": every log line one JSON object, with the update or request being handled
    # (core.logs); "text" for people reading a terminal.
    log_format: Literal["text", "json"] = "text"
    # Serves /metrics (Prometheus) to whoever sends `Authorization: Bearer <token>`;
    # unset, /metrics does not exist (404).
    metrics_token: SecretStr | None = None
    # The community's clock, for quiet hours and (later) periods and reminders.
    time_zone: str = DEFAULT_TIME_ZONE
    # Broadcasts that are not urgent wait through these hours ("" for none).
    quiet_hours: str = "22:00-07:00"
    # Messages a second for all workers together: a little under Telegram's 30.
    send_rate_per_second: float = Field(default=28.0, gt=0, le=1000)
    # A manual adjustment of more points than this waits for a second staff member.
    adjustment_approval_above: int = Field(default=50, ge=0)
    # Rows a long background job (points expiry) handles per transaction.
    job_chunk_size: int = Field(default=500, ge=1, le=100_000)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _long_enough_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < MIN_METRICS_TOKEN_LENGTH:
            raise ValueError(
                f"shorter than {MIN_METRICS_TOKEN_LENGTH} characters "
                "(`moralbank secret` prints a good one)"
            )
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _hours_span(cls, value: str) -> str:
        if value.strip() and not QUIET_HOURS.fullmatch(value.strip()):
            raise ValueError(f"quiet hours {value!r} are not like 22:00-07:00")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        """Refused here, a wrong URL is one sentence instead of a trace from the engine."""
        try:
            url = make_url(value)
        except ArgumentError:
            raise PydanticCustomError(
                "database_url_unparsable", "{url} is not a database URL", {"url": value}
            ) from None
        backend = url.get_backend_name()
        driver = ASYNC_DRIVERS.get(backend)
        if driver is None:
            raise PydanticCustomError(
                "database_url_backend", "{backend} is not supported", {"backend": backend}
            )
        if url.get_driver_name() != driver:
            fixed = url.set(drivername=f"{backend}+{driver}").render_as_string()
            raise PydanticCustomError(
                "database_url_driver",
                "use {fixed}",
                {"url": url.render_as_string(), "fixed": fixed},
            )
        return value

    @field_validator(
        "bot_token",
        "secret_key",
        "webhook_url",
        "redis_url",
        "bot_username",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def require_secret_key(self) -> str:
        """The signing key for sessions and tokens; refuses to invent or accept a weak one.

        Without MORALBANK_SECRET_KEY or MORALBANK_SECRET_KEY_FILE, the key `moralbank demo`
        generated in this directory (var/secret_key) is used when it exists and only its
        owner can read it: the demo and `run` then need no setting. It is a random key
        made on this machine, never a default; a file others can read is refused."""
        key = self.secret_key.get_secret_value() if self.secret_key else None
        key_file = self.secret_key_file
        if key is None and key_file is None and DEMO_SECRET_KEY_FILE.is_file():
            key_file = DEMO_SECRET_KEY_FILE
            if key_file.stat().st_mode & 0o077:
                raise SettingsError(
                    "secret_key_file_exposed",
                    f"{key_file} can be read by other users: chmod 600 {key_file}",
                    path=str(key_file),
                )
        if key is None and key_file is not None:
            try:
                key = key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(
                    "secret_key_file_unreadable",
                    f"MORALBANK_SECRET_KEY_FILE={key_file} cannot be read: {exc.strerror}",
                    path=str(key_file),
                    reason=exc.strerror or str(exc),
                ) from exc
        if not key:
            raise SettingsError(
                "secret_key_missing",
                "MORALBANK_SECRET_KEY is not set. Generate one with "
                "`moralbank secret` and put it in the environment or .env.",
            )
        if key.lower() in EXAMPLE_SECRETS or len(key) < MIN_SECRET_LENGTH:
            raise SettingsError(
                "secret_key_weak",
                f"MORALBANK_SECRET_KEY is an example value or shorter than {MIN_SECRET_LENGTH} "
                "characters. Generate a real one with `moralbank secret`.",
                min_length=MIN_SECRET_LENGTH,
            )
        return key


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and `.env`); keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]


def generate_secret_key() -> str:
    return secrets.token_urlsafe(48)


def ensure_secret_key_file(path: Path) -> Path:
    """Create a random key file readable only by its owner, unless one exists already."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(generate_secret_key() + "\n", encoding="utf-8")
    return path
