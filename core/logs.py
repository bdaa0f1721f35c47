"""How the processes log: one function sets it up from the settings, and the work in
progress (the Telegram update, the web request) is named on every line logged for it.

`MORALBANK_LOG_FORMAT=json` makes every line one JSON object: time (UTC, ISO 8601), level,
logger, message, the ids of the work in progress (`update_id` in the bot, `request_id` in
the panel; both while the bot handles an update that came by webhook) and, when there is
one, the exception's traceback as `exception` inside the same object, never as lines of
its own. The ids travel in a context variable, so they follow the work through every
`await` and task it starts; a line logged from a thread of its own (a driver's) has none.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from types import MappingProxyType
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NOTHING: Mapping[str, object] = MappingProxyType({})
_context: ContextVar[Mapping[str, object]] = ContextVar("moralbank_log_context", default=_NOTHING)
# Marks the handler configure_logging installed, so that calling it again replaces it.
_OURS = "_moralbank_handler"


def log_context_fields() -> Mapping[str, object]:
    """The ids of the work in progress, as they go into a JSON line."""
    return _context.get()


def bind_log_context(**fields: object) -> Token[Mapping[str, object]]:
    """Name the work in progress from here on; `unbind_log_context(token)` ends it."""
    return _context.set(MappingProxyType({**_context.get(), **fields}))


def unbind_log_context(token: Token[Mapping[str, object]]) -> None:
    _context.reset(token)


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Every line logged inside the block (and in tasks started there) carries `fields`."""
    token = bind_log_context(**fields)
    try:
        yield
    finally:
        unbind_log_context(token)


def json_line(
    *, level: str, logger: str, message: str, created: float | None = None, **extra: object
) -> str:
    """One log line as JSON: what the formatter writes, and what `moralbank run` prints
    for its announcements when the format is json."""
    moment = datetime.now(UTC) if created is None else datetime.fromtimestamp(created, UTC)
    entry: dict[str, Any] = {
        "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": level,
        "logger": logger,
        "message": message,
        **_context.get(),
        **extra,
    }
    return json.dumps(entry, ensure_ascii=False, default=str)


def say(text: str, log_format: LogFormat) -> None:
    """What a starting process tells its operator whatever the log level (where the panel
    listens): a plain line on stdout, or in the json format a JSON line like the logs'."""
    if log_format == "json":
        text = json_line(level="INFO", logger="moralbank", message=text)
    print(text, flush=True)


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON (newlines in the message or traceback are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        extra: dict[str, object] = {}
        if record.exc_info:
            extra["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            extra["exception"] = record.exc_text
        if record.stack_info:
            extra["stack"] = self.formatStack(record.stack_info)
        return json_line(
            level=record.levelname,
            logger=record.name,
            message=record.getMessage(),
            created=record.created,
            **extra,
        )


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of the line, as logging's last resort
    does (a test harness may swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def configure_logging(
    level: str = "INFO", log_format: LogFormat = "text", *, stream: IO[str] | None = None
) -> logging.Handler:
    """The one place logging is set up (`moralbank` calls it with the settings): a handler
    on the root logger writing to stderr (or `stream`) in the chosen format. Called again,
    it replaces its own handler and leaves any other alone. Returns the handler."""
    root = logging.getLogger()
    for old in [handler for handler in root.handlers if getattr(handler, _OURS, False)]:
        root.removeHandler(old)
    handler: logging.Handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    setattr(handler, _OURS, True)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces its plugins at INFO on every start; only migrations are news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Warnings (a library's deprecation) become log lines too, so JSON stays JSON.
    logging.captureWarnings(log_format == "json")
    return handler
