"""Settings come from MORALBANK_* variables; secrets never have a default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from core.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, ensure_secret_key_file
from tests.support import make_settings

pytestmark = pytest.mark.no_database


def _settings(**values: Any) -> Settings:
    return make_settings(**values)


def test_defaults_are_embedded_sqlite_and_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "TELEGRAM_API_URL", "BOT_TOKEN", "SECRET_KEY"):
        monkeypatch.delenv(f"MORALBANK_{name}", raising=False)
    settings = _settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.bot_token is None
    assert settings.secret_key is None


def test_values_come_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MORALBANK_WEB_PORT", "9123")
    monkeypatch.setenv("MORALBANK_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("MORALBANK_BOT_TOKEN", "")
    settings = _settings()
    assert settings.web_port == 9123
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    assert settings.bot_token is None


def test_secret_key_is_required_and_never_an_example(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MORALBANK_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no demo key here
    with pytest.raises(SettingsError, match="not set"):
        _settings().require_secret_key()
    with pytest.raises(SettingsError, match="example value"):
        _settings(secret_key="change-me").require_secret_key()
    with pytest.raises(SettingsError, match="shorter"):
        _settings(secret_key="x" * 31).require_secret_key()
    assert _settings(secret_key="k" * 40).require_secret_key() == "k" * 40


def test_generated_key_file_is_private_and_kept(tmp_path: Path) -> None:
    path = ensure_secret_key_file(tmp_path / "var" / "secret_key")
    first = path.read_text()
    assert path.stat().st_mode & 0o077 == 0
    assert ensure_secret_key_file(path).read_text() == first
    assert _settings(secret_key_file=path).require_secret_key() == first.strip()


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"quiet_hours": "10pm-7am"}, "are not like 22:00-07:00"),
        ({"quiet_hours": "22:00-24:00"}, "are not like 22:00-07:00"),
        ({"send_rate_per_second": 0}, "greater than 0"),
    ],
)
def test_messaging_settings_are_checked_at_start(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        _settings(**values)


def test_without_a_key_setting_the_demos_private_key_file_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MORALBANK_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    demo_key = ensure_secret_key_file(tmp_path / "var" / "secret_key").read_text().strip()
    assert _settings().require_secret_key() == demo_key
    # A key that is set wins over the file.
    assert _settings(secret_key="k" * 40).require_secret_key() == "k" * 40
    (tmp_path / "var" / "secret_key").chmod(0o640)
    with pytest.raises(SettingsError, match="can be read by other users"):
        _settings().require_secret_key()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("sqlite:///var/x.db", "database_url_driver"),
        ("postgresql://bank:pw@db/bank", "database_url_driver"),
        ("mysql+aiomysql://bank@db/bank", "database_url_backend"),
        ("not a url", "database_url_unparsable"),
    ],
)
def test_database_urls_need_our_databases_and_async_drivers(url: str, kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _settings(database_url=url)
    assert caught.value.errors()[0]["type"] == kind
    for good in ("sqlite+aiosqlite:///var/x.db", "postgresql+asyncpg://bank:pw@db/bank"):
        assert _settings(database_url=good).database_url == good
