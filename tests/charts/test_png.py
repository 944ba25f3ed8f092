"""The PNG writer: any opaque picture decodes back to the same RGB pixels, with its dpi."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from charts.png import ROWS_PER_BLOCK, rgb_png


def opaque_noise(height: int, width: int, seed: int) -> np.ndarray:
    """Random RGB pixels with alpha 255, as Agg hands them over."""
    rgba = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    return rgba


@pytest.mark.parametrize(
    ("height", "width"),
    [
        (1, 1),
        (ROWS_PER_BLOCK - 1, 7),
        (ROWS_PER_BLOCK, 7),
        (ROWS_PER_BLOCK + 1, 7),
        (3 * ROWS_PER_BLOCK + 5, 1080),
    ],
)
def test_pixels_decode_back_as_rgb(height: int, width: int) -> None:
    rgba = opaque_noise(height, width, seed=height * width)
    decoded = Image.open(io.BytesIO(rgb_png(rgba, 150)))
    assert decoded.mode == "RGB"
    assert decoded.size == (width, height)
    assert np.array_equal(np.asarray(decoded), rgba[..., :3])


@pytest.mark.parametrize("dpi", [72.0, 150.0, 300.0])
def test_dpi_is_recorded(dpi: float) -> None:
    decoded = Image.open(io.BytesIO(rgb_png(opaque_noise(2, 2, seed=1), dpi)))
    # pHYs counts whole pixels per metre: 150 dpi is stored as 5906, read back as 150.01.
    assert decoded.info["dpi"] == pytest.approx((dpi, dpi), abs=0.03)


def test_a_strided_view_encodes_like_a_copy() -> None:
    rgba = opaque_noise(70, 40, seed=2)
    view = rgba[::-1, ::2]
    assert rgb_png(view, 150) == rgb_png(np.ascontiguousarray(view), 150)


@pytest.mark.parametrize(
    "pixels",
    [np.zeros((2, 2, 3), dtype=np.uint8), np.zeros((2, 2, 4), dtype=np.float32)],
    ids=["rgb", "float"],
)
def test_anything_but_rgba_bytes_is_refused(pixels: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        rgb_png(pixels, 150)
