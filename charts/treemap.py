"""The heatmap's geometry and colours: a two-level squarified treemap and a diverging scale.

Pure functions: numbers in, rectangles and colour positions out; `squarify` (Bruls, Huizing
and van Wijk's squarified layout) places the rectangles of one level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import squarify

NICE_CAPS = (0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0)
"""The colour scale's caps: a round figure on the bar reads at a glance."""
CAP_QUANTILE = 0.9
"""The cap covers this share of members' returns, so one outlier cannot wash out the rest."""


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle: lower-left corner, width and height."""

    x: float
    y: float
    width: float
    height: float

    @property
    def area(self) -> float:
        """Width times height."""
        return self.width * self.height


@dataclass(frozen=True)
class Group:
    """A group of tiles to lay out together (a sector), with each item's positive value."""

    key: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class GroupLayout:
    """Where a group landed, and where each of its items landed, in the group's order."""

    key: str
    rect: Rect
    items: tuple[Rect, ...]


def squarified(values: Sequence[float], box: Rect) -> tuple[Rect, ...]:
    """Tile `box` with one rectangle per value, areas proportional to the values, in order.

    Zero or negative values get an empty rectangle at the box's corner: nothing to draw.
    """
    order = sorted(
        (i for i, value in enumerate(values) if value > 0), key=lambda i: (-values[i], i)
    )
    empty = Rect(box.x, box.y, 0.0, 0.0)
    placed = [empty] * len(values)
    if not order or box.area <= 0:
        return tuple(placed)
    sizes = squarify.normalize_sizes([values[i] for i in order], box.width, box.height)
    tiles = squarify.squarify(sizes, box.x, box.y, box.width, box.height)
    for index, tile in zip(order, tiles, strict=True):
        placed[index] = Rect(
            float(tile["x"]), float(tile["y"]), float(tile["dx"]), float(tile["dy"])
        )
    return tuple(placed)


def grouped_treemap(groups: Sequence[Group], box: Rect) -> tuple[GroupLayout, ...]:
    """Lay out groups first (by their totals), then each group's items inside its rectangle."""
    totals = [sum(value for value in group.values if value > 0) for group in groups]
    rects = squarified(totals, box)
    return tuple(
        GroupLayout(group.key, rect, squarified(group.values, rect))
        for group, rect in zip(groups, rects, strict=True)
    )


def colour_cap(returns: Sequence[float | None]) -> float:
    """The colour scale's symmetric cap: the smallest round figure at or above most |returns|."""
    sizes = sorted(abs(r) for r in returns if r is not None and math.isfinite(r))
    if not sizes:
        return NICE_CAPS[0]
    rank = max(0, math.ceil(CAP_QUANTILE * len(sizes)) - 1)
    reach = sizes[rank]
    return next((cap for cap in NICE_CAPS if cap >= reach), NICE_CAPS[-1])


def colour_position(period_return: float, cap: float) -> float:
    """Where a return sits on the diverging scale: 0.5 at zero, 0 at -cap, 1 at +cap, clipped."""
    if cap <= 0:
        msg = f"the colour cap must be positive, got {cap}"
        raise ValueError(msg)
    return 0.5 + max(-1.0, min(1.0, period_return / cap)) / 2
