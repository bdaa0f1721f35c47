"""What `moralbank try` refuses, and where its page is not: a demo mode only."""

from __future__ import annotations

from pathlib import Path

from core.db import Database
from core.i18n import Catalogues
from tests.admin.test_permissions_walk import app_routes
from tests.processes import moralbank_env, run_moralbank
from tests.support import TEST_SECRET_KEY, make_settings


async def test_try_refuses_to_start_with_a_real_bot_token(
    database_url: str, tmp_path: Path
) -> None:
    for language, words in (
        ("en_US.UTF-8", "unset MORALBANK_BOT_TOKEN"),
        ("zh_CN.UTF-8", "请先去掉"),
    ):
        env = {**moralbank_env(database_url, bot_token="123456:real-token"), "LC_ALL": language}
        finished = await run_moralbank("try", env=env, cwd=tmp_path)
        assert finished.returncode == 1
        assert words in finished.stderr
        assert "Traceback" not in finished.stderr
    assert not (tmp_path / "var").exists()  # refused before anything was loaded


def test_the_panel_alone_has_no_try_page(database: Database, catalogues: Catalogues) -> None:
    from admin.app import create_app

    app = create_app(
        settings=make_settings(secret_key=TEST_SECRET_KEY),
        database=database,
        catalogues=catalogues,
    )
    paths = [path for _, path in app_routes(app)]
    assert "/login" in paths
    assert not [path for path in paths if path.startswith("/try")]
