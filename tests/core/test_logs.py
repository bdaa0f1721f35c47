"""Logs as JSON lines: one object a line, the work in progress named on each, tracebacks
inside the object. Configured in this process with the function `moralbank` calls."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import warnings
from typing import Any

import pytest

from core.logs import configure_logging, log_context, log_context_fields
from core.settings import Settings
from tests.support import make_settings

pytestmark = pytest.mark.no_database


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line, each of which must be one JSON object."""
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_every_line_is_one_json_object_with_time_level_logger_and_message(
    json_logs: io.StringIO,
) -> None:
    log = logging.getLogger("moralbank.test")
    log.info("plain words")
    log.warning("with\nnewlines and 中文 and a %s", "value")
    log.debug("below the level")
    first, second = lines(json_logs)
    assert first.keys() >= {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "moralbank.test",
        "plain words",
    )
    assert first["time"].endswith("Z")
    assert second["message"] == "with\nnewlines and 中文 and a value"
    assert "update_id" not in first
    assert "request_id" not in first


def test_a_traceback_goes_inside_the_object_not_on_lines_of_its_own(
    json_logs: io.StringIO,
) -> None:
    try:
        raise KeyError("the key")
    except KeyError:
        logging.getLogger("moralbank.test").exception("it failed")
    [line] = lines(json_logs)
    assert line["message"] == "it failed"
    assert line["level"] == "ERROR"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert "KeyError: 'the key'" in line["exception"]


async def test_the_work_in_progress_is_named_on_its_lines_and_in_its_tasks_only(
    json_logs: io.StringIO,
) -> None:
    log = logging.getLogger("moralbank.test")

    async def handle(update_id: int) -> None:
        with log_context(update_id=update_id):
            log.info("start")
            await asyncio.sleep(0.01)  # the other update runs meanwhile
            await asyncio.create_task(_inner(log))
            log.info("end")

    await asyncio.gather(handle(1), handle(2))
    log.info("between updates")
    by_message: dict[str, list[object]] = {}
    for line in lines(json_logs):
        by_message.setdefault(line["message"], []).append(line.get("update_id"))
    assert sorted(by_message["start"]) == sorted(by_message["end"]) == [1, 2]  # type: ignore[type-var]
    assert sorted(by_message["inner"]) == [1, 2]  # type: ignore[type-var]
    assert by_message["between updates"] == [None]
    assert log_context_fields() == {}


async def _inner(log: logging.Logger) -> None:
    log.info("inner")


def test_nested_contexts_add_up_and_unwind(json_logs: io.StringIO) -> None:
    log = logging.getLogger("moralbank.test")
    with log_context(request_id="r-1"):
        with log_context(update_id=7):
            log.info("both")
        log.info("request only")
    both, request_only = lines(json_logs)
    assert (both["request_id"], both["update_id"]) == ("r-1", 7)
    assert request_only["request_id"] == "r-1"
    assert "update_id" not in request_only


def test_configuring_again_replaces_its_own_handler_and_keeps_others(
    json_logs: io.StringIO,
) -> None:
    root = logging.getLogger()
    [ours] = [h for h in root.handlers if getattr(h, "_moralbank_handler", False)]
    others = [h for h in root.handlers if h is not ours]  # pytest's capture
    text = io.StringIO()
    handler = configure_logging("WARNING", "text", stream=text)
    try:
        logging.getLogger("moralbank.test").warning("once")
        logging.getLogger("moralbank.test").info("quiet")
        assert json_logs.getvalue() == ""  # the JSON handler is gone
        assert text.getvalue().count("once") == 1
        assert text.getvalue().rstrip().endswith("WARNING moralbank.test: once")
        assert "quiet" not in text.getvalue()
        assert ours not in root.handlers
        assert all(h in root.handlers for h in others)
    finally:
        root.removeHandler(handler)


def test_warnings_become_json_lines_too(json_logs: io.StringIO) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        logging.captureWarnings(True)  # catch_warnings put the previous showwarning back
        warnings.warn("an old API", DeprecationWarning, stacklevel=1)
    [line] = lines(json_logs)
    assert line["logger"] == "py.warnings"
    assert "an old API" in line["message"]


def test_the_format_setting_takes_any_case_and_refuses_others() -> None:
    assert make_settings(log_format=" JSON ").log_format == "json"
    assert Settings.model_fields["log_format"].default == "text"
    with pytest.raises(ValueError, match="log_format"):
        make_settings(log_format="xml")


def test_a_metrics_token_is_optional_but_never_short() -> None:
    assert make_settings().metrics_token is None
    assert make_settings(metrics_token="  ").metrics_token is None
    with pytest.raises(ValueError, match="16 characters"):
        make_settings(metrics_token="short")
    token = make_settings(metrics_token="a-long-enough-token-123").metrics_token
    assert token is not None
    assert token.get_secret_value() == "a-long-enough-token-123"
