"""Keeping a resident's photo or voice note: refuse what is not one, and store a clean
copy. A photo is decoded, turned upright, shrunk to a size a screen needs and saved again
as JPEG; the copy carries no EXIF, so a phone's GPS position, make and serial number never
reach anyone the photo is shown to. Its perceptual hash (imagehash) lets the same problem
photographed twice be noticed (rewards.cases.duplicates).
"""

from __future__ import annotations

import asyncio
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from core.files import FileStorage
from rewards.cases.errors import NotAnImage, NotAVoiceNote, UploadTooLarge
from rewards.cases.reporting import Photo

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's own limit for a photo
MAX_VOICE_BYTES = 2 * 1024 * 1024  # about five minutes of Telegram's Opus voice
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more is a decompression bomb
KEPT_SIDE = 2048  # the longer side of the kept copy: sharp on any phone or monitor
FORMATS = ("JPEG", "PNG", "WEBP")  # what Telegram and phones send; not GIF or TIFF
_OGG = b"OggS"


async def keep_photo(files: FileStorage, data: bytes) -> Photo:
    """The photo cleaned and stored. Raises upload_too_large, not_an_image."""
    if len(data) > MAX_PHOTO_BYTES:
        raise UploadTooLarge(most_mb=MAX_PHOTO_BYTES // (1024 * 1024))
    # Decoding and hashing are CPU work: off the event loop, or every chat waits.
    cleaned, phash, width, height = await asyncio.to_thread(_clean, data)
    key = await files.put(cleaned, suffix="jpg")
    return Photo(key, phash, width, height)


async def keep_voice(files: FileStorage, data: bytes) -> str:
    """A voice note (Telegram's Ogg/Opus) stored as it came: it has no metadata to strip.
    Raises upload_too_large, not_a_voice_note."""
    if len(data) > MAX_VOICE_BYTES:
        raise UploadTooLarge(most_mb=MAX_VOICE_BYTES // (1024 * 1024))
    if not data.startswith(_OGG):
        raise NotAVoiceNote()
    return await files.put(data, suffix="ogg")


def _clean(data: bytes) -> tuple[bytes, str, int, int]:
    import imagehash  # numpy and scipy: loaded by the first photo, not by every process

    image = _decode(data)
    with image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((KEPT_SIDE, KEPT_SIDE))
    out = io.BytesIO()
    # No exif= argument: Pillow writes none, whatever the original carried.
    upright.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), str(imagehash.phash(upright)), upright.width, upright.height


def _decode(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise UploadTooLarge(most_mb=MAX_PHOTO_BYTES // (1024 * 1024))
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnImage() from None
    except (OSError, SyntaxError, ValueError):  # truncated or corrupt image data
        raise NotAnImage() from None
    return image
