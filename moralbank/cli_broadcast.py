"""`moralbank broadcast …`: sending one text to many chats, and watching it go out."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import click

from core.uow import UnitOfWork
from moralbank.cli_support import load_cli_settings, run_async, with_uow
from rewards.messaging import broadcasts
from rewards.messaging.broadcasts import BroadcastProgress


def read_chat_ids(path: Path) -> list[int]:
    """One chat id per line; blank lines and lines starting with # are skipped."""
    ids = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            ids.append(int(line))
        except ValueError:
            raise click.ClickException(f"{path}:{number}: {line!r} is not a chat id") from None
    return ids


def _describe(progress: BroadcastProgress) -> str:
    done = progress.recipients - progress.waiting
    return (
        f"broadcast {progress.id} ({progress.state}): {done}/{progress.recipients} done — "
        f"sent {progress.sent}, failed {progress.failed}, unreachable {progress.unreachable}, "
        f"cancelled {progress.cancelled}, waiting {progress.waiting}"
    )


@click.group("broadcast", invoke_without_command=True)
@click.option(
    "--chat-ids",
    "chat_ids_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file with one chat id per line.",
)
@click.option("--text", help="The message, sent as written (no markup).")
@click.option("--urgent", is_flag=True, help="Send during quiet hours too.")
@click.option("--wait", is_flag=True, help="Show progress until every message is out.")
@click.pass_context
def broadcast_group(
    context: click.Context, chat_ids_file: Path | None, text: str | None, urgent: bool, wait: bool
) -> None:
    """Queue TEXT for every chat in the file (the workers send it), or, with a
    subcommand, follow or steer a broadcast."""
    if context.invoked_subcommand is not None:
        return
    if chat_ids_file is None or text is None:
        raise click.UsageError("give --chat-ids FILE and --text TEXT, or a subcommand")
    chat_ids = read_chat_ids(chat_ids_file)

    async def work(uow: UnitOfWork) -> int:
        broadcast_id = await broadcasts.start_broadcast(
            uow, text=text, chat_ids=chat_ids, urgent=urgent, created_by="cli"
        )
        click.echo(f"broadcast {broadcast_id} queued for {len(set(chat_ids))} chats")
        while wait:
            progress = await broadcasts.broadcast_progress(uow, broadcast_id)
            click.echo(_describe(progress))
            if progress.finished:
                break
            await asyncio.sleep(2)
        return broadcast_id

    run_async(with_uow(load_cli_settings(), work))


@broadcast_group.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def broadcast_status(broadcast_id: int, as_json: bool) -> None:
    """How far a broadcast got: sent, failed, unreachable, cancelled, waiting."""
    progress = run_async(
        with_uow(load_cli_settings(), lambda uow: broadcasts.broadcast_progress(uow, broadcast_id))
    )
    if as_json:
        click.echo(json.dumps({**dataclasses.asdict(progress), "finished": progress.finished}))
    else:
        click.echo(_describe(progress))


def _control(action: str, done: str) -> None:
    change = getattr(broadcasts, f"{action}_broadcast")

    @broadcast_group.command(action, help=f"{action.capitalize()} a broadcast.")
    @click.argument("broadcast_id", type=int)
    def command(broadcast_id: int) -> None:
        run_async(with_uow(load_cli_settings(), lambda uow: change(uow, broadcast_id)))
        click.echo(f"broadcast {broadcast_id}: {done}")


for _action, _done in (("pause", "paused"), ("resume", "resumed"), ("cancel", "cancelled")):
    _control(_action, _done)
