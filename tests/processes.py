"""Running `moralbank` as a separate process, exactly as an operator would."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import TEST_SECRET_KEY

MORALBANK = str(Path(sys.executable).with_name("moralbank"))
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    process: asyncio.subprocess.Process
    port: int
    output: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def printed(self) -> str:
        return "\n".join(self.output)


# The operator's language, as the shell says it (moralbank.cli_support.shell_locale).
ENGLISH = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
CHINESE = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def moralbank_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MORALBANK_")}
    env.update(
        MORALBANK_DATABASE_URL=database_url,
        MORALBANK_SECRET_KEY=TEST_SECRET_KEY,
        PYTHONUNBUFFERED="1",
    )
    env.update({f"MORALBANK_{name.upper()}": value for name, value in settings.items()})
    return env


async def _collect(
    stream: asyncio.StreamReader,
    into: list[str],
    ready: asyncio.Event,
    is_ready: Callable[[str], bool],
) -> None:
    while line := await stream.readline():
        text = line.decode("utf-8", "replace").rstrip()
        into.append(text)
        if is_ready(text):
            ready.set()


@asynccontextmanager
async def moralbank_run(
    env: dict[str, str],
    *,
    port: int | None = None,
    start_within: float = 30.0,
    args: tuple[str, ...] = ("run",),
    # `run` announces the panel, then the bot's state: ready once both are said.
    ready_line: str = "Telegram bot:",
    # Instead of ready_line: whether a line says it is ready (JSON lines, say).
    ready_when: Callable[[str], bool] | None = None,
    cwd: Path = ROOT,
    program: str = MORALBANK,
) -> AsyncIterator[Running]:
    """Start `moralbank run` (or `args`), wait until it says it is ready, stop it with
    SIGTERM at the end."""
    port = port or free_port()
    env = {**env, "MORALBANK_WEB_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        program,
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    running = Running(process, port)
    ready = asyncio.Event()
    assert process.stdout is not None
    is_ready = ready_when or (lambda text: text.startswith(ready_line))
    reader = asyncio.create_task(_collect(process.stdout, running.output, ready, is_ready))
    try:
        await asyncio.wait(
            [asyncio.create_task(ready.wait()), reader],
            timeout=start_within,
            return_when=asyncio.FIRST_COMPLETED,
        )
        assert ready.is_set(), f"moralbank {args[0]} did not start:\n{running.printed()}"
        yield running
    finally:
        await stop(process)
        await asyncio.wait_for(reader, timeout=5)


async def stop(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, as an operator's service manager stops it; SIGKILL if it hangs."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode


async def start_worker(
    env: dict[str, str], args: Sequence[str] = ("worker",)
) -> asyncio.subprocess.Process:
    """A `moralbank worker` (or `args`), left to the caller to stop (or kill)."""
    return await asyncio.create_subprocess_exec(
        MORALBANK, *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL
    )


def bot_env(database_url: str, api_token: str, api_url: str, **settings: str) -> dict[str, str]:
    """The environment of a process that talks to a (fake) Bot API."""
    return moralbank_env(database_url, bot_token=api_token, telegram_api_url=api_url, **settings)


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def run_moralbank(
    *args: str, env: dict[str, str], timeout: float = 60, cwd: Path = ROOT
) -> Finished:
    """One `moralbank` command to its end, without holding the test's event loop."""
    process = await asyncio.create_subprocess_exec(
        MORALBANK, *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(timeout):
        out, err = await process.communicate()
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())
