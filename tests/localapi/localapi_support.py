"""Factories for the local Bot API tests: ids, a real token and tiny PNG/JPEG images."""

from __future__ import annotations

import struct
import zlib

TOKEN = "123456:TEST"
BOT_ID = 123456
USER_ID = 42
GROUP_ID = -1001


def png_bytes(width: int = 4, height: int = 3, *, with_pixels: bool = True) -> bytes:
    """Build a PNG; without pixels only the header is real, which is all the server reads."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    idat = zlib.compress(pixels) if with_pixels else b""
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int, height: int) -> bytes:
    """A JPEG skeleton: SOI, an APP0 segment and a baseline SOF0 carrying the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"
