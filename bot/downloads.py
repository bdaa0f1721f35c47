"""Fetching what a user sent (getFile, then the file's download URL), refusing before
the download what is too large or cannot be a photo."""

from __future__ import annotations

import io

from aiogram import Bot
from aiogram.types import Message

from rewards.cases.errors import NotAnImage, UploadTooLarge
from rewards.cases.photos import MAX_PHOTO_BYTES


def image_file(message: Message) -> tuple[str, int | None]:
    """The file to fetch: the largest size of a photo that is within the limit, or an
    image sent as a document. Raises not_an_image, upload_too_large."""
    if message.photo:
        fitting = [p for p in message.photo if (p.file_size or 0) <= MAX_PHOTO_BYTES]
        best = max(fitting or message.photo, key=lambda p: p.width * p.height)
        return best.file_id, best.file_size
    document = message.document
    if document is None or not (document.mime_type or "").startswith("image/"):
        raise NotAnImage()
    return document.file_id, document.file_size


async def download(bot: Bot, file_id: str, size: int | None, most: int) -> bytes:
    if size is not None and size > most:
        raise UploadTooLarge(most_mb=most // (1024 * 1024))
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    return buffer.getvalue()
