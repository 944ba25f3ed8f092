"""PNG bytes of a drawn picture: RGB, unfiltered scanlines, the fastest zlib level.

matplotlib's print_png hands the pixels to Pillow, which keeps the alpha channel and tries
every PNG filter on every row to pick one. Charts are flat colours and text on an opaque
background: alpha is 255 everywhere, and unfiltered rows compress within a few % of the
filtered ones (smaller for most charts here). Writing the four chunks directly takes half
the time or less: /basket's 1080 x 1680 pixels in ~22 ms instead of ~48 ms.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROWS_PER_BLOCK = 64  # rows copied and compressed at a time: small enough to stay in cache
METRES_PER_INCH = 0.0254


def rgb_png(rgba: np.ndarray, dpi: float) -> bytes:
    """Encode an opaque height x width x 4 uint8 picture as an RGB PNG that records its dpi."""
    height, width, channels = rgba.shape
    if channels != 4 or rgba.dtype != np.uint8:
        msg = f"expected height x width x 4 uint8 pixels, got {rgba.shape} {rgba.dtype}"
        raise ValueError(msg)
    compressor = zlib.compressobj(1)
    # Each row starts with its filter type; 0 is "none".
    rows = np.zeros((ROWS_PER_BLOCK, 1 + 3 * width), dtype=np.uint8)
    compressed = []
    for top in range(0, height, ROWS_PER_BLOCK):
        block = rgba[top : top + ROWS_PER_BLOCK, :, :3]
        count = len(block)
        rows[:count, 1:] = block.reshape(count, 3 * width)
        compressed.append(compressor.compress(rows[:count].data))
    compressed.append(compressor.flush())
    # Colour type 2 (RGB), 8 bits a channel, default compression, filtering, no interlace.
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels_per_metre = round(dpi / METRES_PER_INCH)
    density = struct.pack(">IIB", pixels_per_metre, pixels_per_metre, 1)
    return b"".join(
        (
            SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"pHYs", density),
            _chunk(b"IDAT", b"".join(compressed)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)
