"""Password hashing with Argon2id (argon2-cffi's recommended parameters).

One hash takes about 125 ms of CPU and 64 MiB: the async versions run it on a thread,
so the event loop (the panel and the bot) keeps serving, and only a few at a time, so
a burst of logins queues instead of taking memory and both cores.
"""

from __future__ import annotations

import asyncio
import weakref
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rewards.errors import WeakPassword

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
CONCURRENT_HASHES = 2
# One semaphore per event loop: an asyncio semaphore belongs to the loop that uses it.
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


# Verified against when the username is unknown, so a wrong name costs as much time as a
# wrong password and response times do not reveal which accounts exist.
@cache
def _dummy_hash() -> str:
    return _hasher.hash("moral-bank-timing-equaliser")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(min_length=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _turn() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _turns:
        _turns[loop] = asyncio.Semaphore(CONCURRENT_HASHES)
    return _turns[loop]


async def hash_password_off_loop(password: str) -> str:
    """`hash_password` on a thread, waiting its turn. Raises weak_password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(min_length=MIN_PASSWORD_LENGTH)
    async with _turn():
        return await asyncio.to_thread(hash_password, password)


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    """`verify_password` on a thread, waiting its turn."""
    async with _turn():
        return await asyncio.to_thread(verify_password, password_hash, password)
