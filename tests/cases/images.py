"""Photos as a phone takes them: a JPEG with EXIF that gives away where and with what it
was taken, and a scene of its own (seeded noise), so two seeds are two different
photos to a perceptual hash and one seed twice is the same photo."""

from __future__ import annotations

import io
import random

from PIL import ExifTags, Image

GPS_IFD = ExifTags.IFD.GPSInfo


def camera_jpeg(seed: int, *, size: tuple[int, int] = (800, 600)) -> bytes:
    rng = random.Random(seed)
    small = Image.new("RGB", (16, 12))
    small.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(192)]
    )
    scene = small.resize(size, Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.Orientation] = 1
    exif[GPS_IFD] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (40.0, 0.0, 1.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (116.0, 0.0, 1.0),
    }
    out = io.BytesIO()
    scene.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(GPS_IFD))


def exif_of(data: bytes) -> dict[int, object]:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())
