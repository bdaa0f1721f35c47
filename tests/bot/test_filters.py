"""Every handler and filter runs on the event loop: aiogram runs anything that is not a
coroutine (a bare `F.text`, a `State`, a plain function) in a worker thread, a thread hop
per check on every update that reaches it."""

from __future__ import annotations

from aiogram import F
from aiogram.types import Message

from bot.filters import Has
from bot.handlers import get_routers


def test_no_handler_or_filter_would_run_in_a_thread() -> None:
    threaded = []
    for router in get_routers():
        for name, observer in router.observers.items():
            for handler in observer.handlers:
                label = f"{router.name}.{name}:{handler.callback.__name__}"
                if not handler.awaitable:
                    threaded.append(label)
                threaded += [
                    f"{label} {f.callback!r}" for f in handler.filters or [] if not f.awaitable
                ]
    assert threaded == []
    # The check can fail: a bare magic filter is one aiogram would thread.
    router = get_routers()[0]
    router.message.register(lambda message: None, F.text)
    assert not router.message.handlers[-1].filters[0].awaitable  # type: ignore[index]


async def test_has_tests_the_event() -> None:
    with_text = Message.model_validate(
        {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "你好"}
    )
    assert await Has(F.text)(with_text)
    assert not await Has(F.contact)(with_text)
