"""Photo upload checks: PNG/JPEG detection and the dimension limits Telegram enforces."""

from __future__ import annotations

import struct

from bot.sandbox.localapi._errors import bad_request

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DIMENSION_SUM = 10_000
MAX_ASPECT_RATIO = 20

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the frame size; DHT (C4), JPG (C8) and DAC (CC) do not.
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        if marker in {0xD8, 0x01} or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (segment_length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if marker in _JPEG_SOF:
            if index + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + segment_length
    return None


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """Return (extension, width, height) for a PNG or JPEG, else None."""
    if data.startswith(_PNG_MAGIC):
        size = _png_size(data)
        return None if size is None else ("png", *size)
    if data.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(data)
        return None if size is None else ("jpg", *size)
    return None


def validate_photo(data: bytes) -> tuple[str, int, int]:
    """Check an uploaded photo the way sendPhoto does; return (extension, width, height)."""
    if len(data) > MAX_PHOTO_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID (photos are limited to 10 MB)")
    info = image_size(data)
    if info is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    _, width, height = info
    if width <= 0 or height <= 0 or width + height > MAX_DIMENSION_SUM:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return info
