"""deploy/ says what the product really is: every `moralbank` command in its units, compose
file, Dockerfile and README parses as the CLI would parse it, every MORALBANK_* name is a
setting, the proxy sends to the ports the web processes listen on and routes the path the
webhook is served on. Docker does not run here; the layout itself is started from the units
in tests/test_processes_share_work.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest

from core.settings import Settings
from tests.deploy_layout import (
    DEPLOY,
    SYSTEMD,
    Proxy,
    compose_argv,
    dockerfile_exec_form,
    load_compose,
    moralbank_args,
    moralbank_services,
    parse_moralbank,
    read_env_file,
    readme_moralbank_commands,
    readme_shell_lines,
    units,
)
from tests.processes import MORALBANK, ROOT
from tests.support import make_settings, require_program

pytestmark = pytest.mark.no_database

# What the operator writes into deploy/.env from env.example (placeholders, no secret).
FILLED_IN = {"DOMAIN": "bank.example.org", "POSTGRES_PASSWORD": "0123456789abcdef"}
COMPOSE_ENV = {**read_env_file(DEPLOY / "env.example"), **FILLED_IN}
SYSTEMD_ENV = read_env_file(SYSTEMD / "moralbank.env.example")


def compose() -> dict[str, Any]:
    return load_compose(COMPOSE_ENV)


def container_env(service: Mapping[str, Any]) -> dict[str, str]:
    """A Moral Bank container's settings: the env file, then the service's environment."""
    assert service["env_file"] == ".env"  # the file env.example is copied to
    return {**COMPOSE_ENV, **{k: str(v) for k, v in service["environment"].items()}}


def settings_of(env: Mapping[str, str]) -> Settings:
    """The settings a process with this environment gets (validated as at its start)."""
    prefix = Settings.model_config.get("env_prefix", "")
    values = {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}
    return make_settings(**values)


def all_commands() -> Iterator[tuple[str, list[str]]]:
    for name, unit in units().items():
        for argv in unit.commands():
            yield name, moralbank_args(argv)
    for name, args in moralbank_services(compose()).items():
        yield f"compose {name}", args
    yield (
        "Dockerfile",
        moralbank_args(dockerfile_exec_form("ENTRYPOINT") + dockerfile_exec_form("CMD")),
    )
    for args in readme_moralbank_commands():
        yield "README", args


@pytest.mark.parametrize(("where", "args"), list(all_commands()))
def test_every_moralbank_command_parses(where: str, args: list[str]) -> None:
    context = parse_moralbank(args)
    assert context.command.callback is not None, where


def test_a_wrong_command_or_option_is_refused() -> None:
    """The check above can fail: click's own errors come out of it."""
    with pytest.raises(click.NoSuchOption):
        parse_moralbank(["run", "--port", "8001"])
    with pytest.raises(click.UsageError):
        parse_moralbank(["admin", "add", "--username", "admin"])
    with pytest.raises(click.MissingParameter):
        parse_moralbank(["admin", "create", "--username", "admin"])


def test_the_files_start_the_layout() -> None:
    """Compose and the units run the same commands: migrate once, two web, two workers."""
    commands = sorted(" ".join(args) for args in moralbank_services(compose()).values())
    web = "run --no-worker --no-migrate"
    assert commands == ["migrate", web, web, "worker", "worker"]
    found = units()
    assert sorted(found) == [
        "moralbank-migrate.service", "moralbank-web@.service", "moralbank-worker@.service",
    ]  # fmt: skip
    assert [moralbank_args(argv) for argv in found["moralbank-web@.service"].commands()] == [
        ["run", "--no-worker", "--no-migrate"]
    ]
    started = re.findall(r"moralbank-(web|worker)@(\d+)", "\n".join(readme_shell_lines()))
    assert sorted(kind for kind, _ in started) == ["web", "web", "worker", "worker"]


SETTING_NAME = re.compile(r"\bMORALBANK_[A-Z0-9_]+")


def deploy_texts() -> list[Path]:
    """The files of deploy/ that git would commit (not a filled-in .env)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "deploy"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return [ROOT / name for name in listed.stdout.split()]


def test_every_setting_named_in_deploy_exists() -> None:
    prefix = Settings.model_config.get("env_prefix", "")
    real = {f"{prefix}{name}".upper() for name in Settings.model_fields}
    named = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in deploy_texts()
        for name in SETTING_NAME.findall(path.read_text(encoding="utf-8"))
    }
    assert len({name for _, name in named}) >= 12  # the reading found them
    assert {(where, name) for where, name in named if name not in real} == set()


@pytest.mark.parametrize("example", ["env.example", "systemd/moralbank.env.example"])
def test_env_examples_are_settings_without_secrets(example: str) -> None:
    values = read_env_file(DEPLOY / example)
    settings = settings_of(values)
    assert settings.secret_key is None
    assert settings.bot_token is None
    assert values.get("POSTGRES_PASSWORD", "") == ""


def test_compose_serves_the_proxy_its_ports_and_webhook_path() -> None:
    services = compose()["services"]
    proxy = Proxy.read(DEPLOY / "Caddyfile")
    web = {
        name: settings_of(container_env(service))
        for name, service in services.items()
        if moralbank_services(compose()).get(name, [""])[0] == "run"
    }
    assert {f"{name}:{settings.web_port}" for name, settings in web.items()} == proxy.upstreams
    for settings in web.values():
        assert settings.web_host == "0.0.0.0"  # noqa: S104 (in its container, for Caddy)
        assert settings.https
        assert settings.webhook_url is not None
        webhook = urlsplit(settings.webhook_url)
        assert webhook.path in proxy.paths
        assert (webhook.scheme, webhook.hostname) == ("https", FILLED_IN["DOMAIN"])
    assert proxy.site == "{$DOMAIN}"
    assert services["caddy"]["environment"]["DOMAIN"] == FILLED_IN["DOMAIN"]


def test_compose_trusts_caddy_alone_and_shares_files() -> None:
    services = compose()["services"]
    caddy = services["caddy"]["networks"]["moralbank"]["ipv4_address"]
    mounts = set()
    for name in moralbank_services(compose()):
        settings = settings_of(container_env(services[name]))
        assert settings.trusted_proxies == caddy
        assert f"files:{settings.files_dir}" in services[name]["volumes"]
        mounts.add(str(settings.files_dir))
        assert settings.redis_url == "redis://redis:6379/0"
        assert settings.database_url.startswith("postgresql+asyncpg://moralbank:")
    assert len(mounts) == 1
    assert "postgres:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_compose_starts_after_migrate_succeeded() -> None:
    services = compose()["services"]
    assert services["migrate"]["restart"] == "no"
    for name, args in moralbank_services(compose()).items():
        if name != "migrate":
            assert args[0] in ("run", "worker")
            wait = services[name]["depends_on"]["migrate"]
            assert wait == {"condition": "service_completed_successfully"}


def test_units_serve_the_proxy_its_ports_and_webhook_path() -> None:
    web = units()["moralbank-web@.service"]
    proxy = Proxy.read(SYSTEMD / "Caddyfile")
    # The instance is the port; the env file must not set one, or it would win over it.
    assert "MORALBANK_WEB_PORT" not in SYSTEMD_ENV
    started = set(re.findall(r"moralbank-web@(\d+)", "\n".join(readme_shell_lines())))
    assert {int(port) for port in started} == proxy.ports()
    for port in started:
        env = {**SYSTEMD_ENV, **web.instance(port).environment()}
        settings = settings_of(env)
        assert f"{settings.web_host}:{settings.web_port}" in proxy.upstreams
        assert settings.trusted_proxies == settings.web_host  # Caddy on the same machine
        assert settings.https
    webhook = urlsplit(settings_of(SYSTEMD_ENV).webhook_url or "")
    assert webhook.path in proxy.paths
    assert (webhook.scheme, webhook.hostname) == ("https", proxy.site)


def test_units_are_hardened_and_wait_for_the_migration() -> None:
    files_dir = settings_of(SYSTEMD_ENV).files_dir
    for name, unit in units().items():
        assert unit.value("User") == "moralbank", name
        assert unit.value("NoNewPrivileges") == "yes", name
        assert unit.value("ProtectSystem") == "strict", name
        assert unit.value("EnvironmentFile") == "/etc/moralbank/moralbank.env", name
        # The only place ProtectSystem=strict leaves writable: the StateDirectory.
        assert files_dir.is_relative_to(Path("/var/lib") / unit.value("StateDirectory")), name
        if name != "moralbank-migrate.service":
            assert unit.values("Requires", "Unit") == ["moralbank-migrate.service"]
            assert "moralbank-migrate.service" in unit.value("After", "Unit").split()
    assert units()["moralbank-migrate.service"].value("Type") == "oneshot"


def test_units_verify(tmp_path: Path) -> None:
    """systemd's own reading: an unknown or misspelled option is a warning we fail on."""
    analyze = require_program("systemd-analyze")
    texts = {
        path.name: path.read_text().replace("/opt/moralbank/venv/bin/moralbank", MORALBANK)
        for path in SYSTEMD.glob("*.service")
    }
    result = _verify(analyze, texts, tmp_path / "as-written")
    assert (result.returncode, result.stderr) == (0, "")
    texts["moralbank-web@.service"] += "ProtectSystems=strict\n"
    assert "ProtectSystems" in _verify(analyze, texts, tmp_path / "misspelled").stderr


def _verify(analyze: str, texts: dict[str, str], folder: Path) -> subprocess.CompletedProcess[str]:
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text)
    instances = [
        "moralbank-migrate.service",
        "moralbank-web@8001.service",
        "moralbank-worker@1.service",
    ]
    return subprocess.run(
        [analyze, "verify", *instances], cwd=folder, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("caddyfile", ["Caddyfile", "systemd/Caddyfile"])
def test_caddy_reads_the_caddyfile_as_we_do(caddyfile: str) -> None:
    """`caddy adapt` parses the Caddyfile into Caddy's JSON: it is valid, and its upstreams
    and paths are the ones the other tests read."""
    caddy = require_program("caddy")
    result = subprocess.run(
        [caddy, "adapt", "--config", DEPLOY / caddyfile, "--adapter", "caddyfile"],
        env={**os.environ, **FILLED_IN}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    proxy = Proxy.read(DEPLOY / caddyfile)
    assert set(_found(config, "dial")) == proxy.upstreams
    assert set(_found(config, "path")) == proxy.paths
    assert set(_found(config, "host")) == {
        FILLED_IN["DOMAIN"] if caddyfile == "Caddyfile" else proxy.site
    }
    assert set(_found(config, "uri")) == {"/healthz"}


def _found(tree: object, key: str) -> Iterator[str]:
    """Every value under `key` anywhere in Caddy's JSON (lists flattened)."""
    if isinstance(tree, dict):
        for name, value in tree.items():
            if name == key:
                yield from value if isinstance(value, list) else [value]
            else:
                yield from _found(value, key)
    elif isinstance(tree, list):
        for item in tree:
            yield from _found(item, key)


def test_the_image_runs_moralbank_as_a_user_with_the_cjk_font() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    final_stage = text.split("\nFROM ")[-1]
    assert final_stage.startswith("python:3.11-slim")
    assert "fonts-noto-cjk" in final_stage
    assert "USER moralbank" in final_stage.splitlines()
    assert dockerfile_exec_form("ENTRYPOINT") == ["moralbank"]
    assert compose_argv(compose()["services"]["web1"])[0] == "moralbank"


def test_secrets_stay_out_of_the_image_and_the_repository() -> None:
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert {"**/.env", "var"} <= set(ignored)
    result = subprocess.run(
        ["git", "check-ignore", "deploy/.env", "deploy/systemd/moralbank.env"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.stdout.split() == ["deploy/.env", "deploy/systemd/moralbank.env"]
