"""Where uploaded files live (photos of cases, voice notes): a small interface, so a
deployment can move to object storage by writing one more class, and a local directory
behind it by default (MORALBANK_FILES_DIR).

Files are addressed by their content: the key is the SHA-256 of the bytes and a suffix.
The same bytes stored twice are one file, and a key names exactly one content, so a
cached copy can never be stale.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from pathlib import Path
from typing import Protocol

from core.errors import DomainError

# Keys are made here only; one read from outside (a URL, a database row someone edited)
# must not reach the disk unless it has exactly this shape: no "..", no slashes.
_KEY = re.compile(r"[0-9a-f]{64}\.[a-z0-9]{1,5}")


class FileMissing(DomainError):
    code = "file_missing"


class FileStorage(Protocol):
    async def put(self, data: bytes, *, suffix: str) -> str:
        """Store `data`; the key to read it back by."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under `key`. Raises file_missing."""
        ...


def content_key(data: bytes, suffix: str) -> str:
    if not re.fullmatch(r"[a-z0-9]{1,5}", suffix):
        raise ValueError(f"suffix {suffix!r} is not a short lowercase extension")
    return f"{hashlib.sha256(data).hexdigest()}.{suffix}"


class LocalFileStorage:
    """Files in a directory, two levels of fan-out (ab/cd/abcd….jpg) so no directory
    grows past a few thousand entries."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise FileMissing()
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes, *, suffix: str) -> str:
        key = content_key(data, suffix)
        await asyncio.to_thread(self._write, self._path(key), data)
        return key

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise FileMissing() from None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file, and two writers of
        # the same content both end with the same whole one.
        partial = path.with_name(f"{path.name}.{os.getpid()}.{id(data)}.part")
        partial.write_bytes(data)
        os.replace(partial, path)
