"""The files of deploy/, read as the tools that use them would: systemd units, compose.yaml
with its env file, the Dockerfile and the Caddyfiles. Docker does not run in the tests, so
these readers are how the tests hold the files to the product's real commands and settings.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

from moralbank.cli import main
from tests.processes import ROOT

DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
# Lines of a unit that start a program (a prefix like "-" or "+" changes how, not what).
EXEC_KEYS = ("ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop")
EXEC_PREFIXES = "-@:+!"


def parse_moralbank(args: list[str]) -> click.Context:
    """Parse `moralbank ARGS` as the command line would, down to the subcommand that runs:
    an unknown command or option, or a missing required one, raises click's error."""
    assert args, "`moralbank` alone runs nothing"
    command: click.Command = main
    name, parent = "moralbank", None
    while isinstance(command, click.Group):
        context = click.Context(command, info_name=name, parent=parent)
        found, sub, args = command.resolve_command(context, args)
        assert found is not None
        assert sub is not None
        name, command, parent = found, sub, context
    return command.make_context(name, list(args), parent=parent, resilient_parsing=False)


def moralbank_args(argv: list[str]) -> list[str]:
    """The arguments of a command line that runs the `moralbank` program."""
    assert Path(argv[0]).name == "moralbank", f"not the moralbank program: {argv}"
    return argv[1:]


# --- systemd ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    path: Path
    entries: tuple[tuple[str, str, str], ...]  # (section, key, value), in the file's order

    @classmethod
    def read(cls, path: Path) -> Unit:
        entries, section = [], ""
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, value = line.partition("=")
            entries.append((section, key.strip(), value.strip()))
        return cls(path, tuple(entries))

    def values(self, key: str, section: str = "Service") -> list[str]:
        return [value for where, name, value in self.entries if (where, name) == (section, key)]

    def value(self, key: str, section: str = "Service") -> str:
        (value,) = self.values(key, section)
        return value

    def instance(self, name: str) -> Unit:
        """The unit as systemd runs `unit@NAME`: %i and %I become NAME."""
        entries = tuple(
            (section, key, value.replace("%i", name).replace("%I", name))
            for section, key, value in self.entries
        )
        return Unit(self.path, entries)

    def commands(self) -> list[list[str]]:
        return [
            shlex.split(value.lstrip(EXEC_PREFIXES))
            for key in EXEC_KEYS
            for value in self.values(key)
        ]

    def environment(self) -> dict[str, str]:
        """The unit's own Environment= assignments (not its EnvironmentFile)."""
        pairs = (
            word.partition("=")
            for line in self.values("Environment")
            for word in shlex.split(line)
        )
        return {key: value for key, _, value in pairs}


def units() -> dict[str, Unit]:
    return {path.name: Unit.read(path) for path in sorted(SYSTEMD.glob("*.service"))}


# --- env files and compose -------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile and compose's env_file read them."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:\?|:-)(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, from `env`."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        assert op != ":?", f"compose would refuse to start: {name} {arg}"
        return arg if op == ":-" else ""

    return _VARIABLE.sub(value, text)


def load_compose(env: Mapping[str, str]) -> dict[str, Any]:
    text = interpolate((DEPLOY / "compose.yaml").read_text(encoding="utf-8"), env)
    loaded: dict[str, Any] = yaml.safe_load(text)  # merges `<<: *anchor` as compose does
    return loaded


def dockerfile_exec_form(instruction: str) -> list[str]:
    """The JSON (exec) form of ENTRYPOINT or CMD in deploy/Dockerfile."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith(f"{instruction} ")]
    form: list[str] = json.loads(line.removeprefix(instruction))
    return form


def compose_argv(service: Mapping[str, Any]) -> list[str]:
    """The command line a service of the Moral Bank image runs: entrypoint, then command."""
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    entrypoint = _words(service.get("entrypoint")) or dockerfile_exec_form("ENTRYPOINT")
    return entrypoint + (_words(service.get("command")) or dockerfile_exec_form("CMD"))


def _words(value: str | list[str] | None) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else list(value or [])


def moralbank_services(compose: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every service built from deploy/Dockerfile, with its `moralbank` arguments."""
    return {
        name: moralbank_args(compose_argv(service))
        for name, service in compose["services"].items()
        if "build" in service
    }


# --- the reverse proxy -----------------------------------------------------------------


@dataclass(frozen=True)
class Proxy:
    site: str
    upstreams: frozenset[str]  # host:port
    paths: frozenset[str]  # paths given their own `handle`

    @classmethod
    def read(cls, path: Path) -> Proxy:
        """The few things the tests hold a Caddyfile to: its site address, where it
        proxies to and which paths it handles apart (`caddy adapt` checks this reading)."""
        text = "\n".join(line.split("#")[0] for line in path.read_text().splitlines())
        (site,) = re.findall(r"^([^\s(]\S*) \{$", text, re.MULTILINE)  # not a (snippet)
        upstreams = {
            u for line in re.findall(r"reverse_proxy ([^{\n]+)", text) for u in line.split()
        }
        return cls(site, frozenset(upstreams), frozenset(re.findall(r"handle (/\S*)", text)))

    def ports(self) -> set[int]:
        return {int(upstream.rpartition(":")[2]) for upstream in self.upstreams}


# --- the README of deploy/ -------------------------------------------------------------


def readme_shell_lines() -> list[str]:
    """The lines of the ```sh blocks in deploy/README.md."""
    blocks = re.findall(r"```sh\n(.*?)```", (DEPLOY / "README.md").read_text(), re.DOTALL)
    return [line for block in blocks for line in block.splitlines()]


def readme_moralbank_commands() -> list[list[str]]:
    """Every `moralbank …` the README has the operator type: as a command of its own (after
    `sudo` or `docker compose exec SERVICE`), up to a shell operator."""
    commands = []
    for line in readme_shell_lines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
        while words:
            end = next((i for i, w in enumerate(words) if set(w) <= set("&|;")), len(words))
            segment, words = _command_words(words[:end]), words[end + 1 :]
            if segment and Path(segment[0]).name == "moralbank":
                commands.append(segment[1:])
    return commands


def _command_words(words: list[str]) -> list[str]:
    if words[:1] == ["sudo"]:
        words = words[1:]
    if words[:3] == ["docker", "compose", "exec"]:
        words = words[3:]
        while words and words[0].startswith("-"):  # exec's own options (-T)
            words = words[1:]
        words = words[1:]  # the service
    return words


@dataclass(frozen=True)
class SystemdLayout:
    """The process layout of the units: what to run to migrate, serve and work."""

    migrate: list[str]
    web: Unit
    worker: list[str]
    webhook_path: str

    @classmethod
    def read(cls) -> SystemdLayout:
        found = units()
        (migrate,) = found["moralbank-migrate.service"].commands()
        (worker,) = found["moralbank-worker@.service"].commands()
        (path,) = Proxy.read(SYSTEMD / "Caddyfile").paths
        return cls(
            moralbank_args(migrate), found["moralbank-web@.service"], moralbank_args(worker), path
        )

    def web_on(self, port: int) -> tuple[list[str], dict[str, str]]:
        """The arguments and the unit's own environment of moralbank-web@PORT."""
        unit = self.web.instance(str(port))
        (argv,) = unit.commands()
        return moralbank_args(argv), unit.environment()
