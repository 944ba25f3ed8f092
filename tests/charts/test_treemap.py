"""The heatmap's geometry and colour scale: areas proportional to values, rectangles that tile
their box without overlap, sectors kept together, a scale centred on 0 and capped
symmetrically."""

from __future__ import annotations

import itertools
import math

import pytest

from charts.treemap import (
    Group,
    Rect,
    colour_cap,
    colour_position,
    grouped_treemap,
    squarified,
)

BOX = Rect(0.0, 0.0, 6.8, 5.25)


def overlap(a: Rect, b: Rect) -> float:
    """The area two rectangles share."""
    width = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    height = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    return max(width, 0.0) * max(height, 0.0)


def inside(inner: Rect, outer: Rect, tol: float = 1e-9) -> bool:
    """Whether `inner` lies within `outer`."""
    return (
        inner.x >= outer.x - tol
        and inner.y >= outer.y - tol
        and inner.x + inner.width <= outer.x + outer.width + tol
        and inner.y + inner.height <= outer.y + outer.height + tol
    )


VALUE_SETS = [
    (1.0,),
    (3.0, 1.0),
    (1.0, 3.0),  # given smallest first: the result still follows the input order
    (5.0, 5.0, 5.0, 5.0),
    (600.0, 400.0, 90.0, 30.0, 12.0, 5.0, 1.0, 0.5),
]


@pytest.mark.parametrize("values", VALUE_SETS, ids=str)
def test_areas_are_proportional_to_values_and_fill_the_box(values: tuple[float, ...]) -> None:
    rects = squarified(values, BOX)

    total = sum(values)
    for value, rect in zip(values, rects, strict=True):
        assert rect.area == pytest.approx(BOX.area * value / total, rel=1e-9)
    assert sum(rect.area for rect in rects) == pytest.approx(BOX.area)


@pytest.mark.parametrize("values", VALUE_SETS, ids=str)
def test_rectangles_stay_in_the_box_and_never_overlap(values: tuple[float, ...]) -> None:
    rects = squarified(values, BOX)

    assert all(inside(rect, BOX) for rect in rects)
    for a, b in itertools.combinations(rects, 2):
        assert overlap(a, b) == pytest.approx(0.0, abs=1e-9)


def test_hand_computed_two_tile_split() -> None:
    # 3:1 in a 4x2 box: the larger tile takes the left 3x2, the smaller the right 1x2.
    big, small = squarified((3.0, 1.0), Rect(0.0, 0.0, 4.0, 2.0))

    assert (big.x, big.y, big.width, big.height) == pytest.approx((0.0, 0.0, 3.0, 2.0))
    assert (small.x, small.y, small.width, small.height) == pytest.approx((3.0, 0.0, 1.0, 2.0))


def test_zero_and_negative_values_get_no_area() -> None:
    rects = squarified((4.0, 0.0, -1.0, 4.0), BOX)

    assert [rect.area for rect in rects][1:3] == [0.0, 0.0]
    assert rects[0].area == pytest.approx(BOX.area / 2)


GROUPS = (
    Group("platforms", (900.0, 700.0, 150.0, 120.0, 80.0)),
    Group("chips", (60.0, 50.0, 40.0, 30.0, 20.0, 10.0)),
    Group("robotics", (25.0, 5.0)),
    Group("apps", (8.0, 4.0, 2.0, 1.0)),
)


def test_sectors_take_areas_by_their_totals_and_tile_the_box() -> None:
    layouts = grouped_treemap(GROUPS, BOX)

    grand = sum(sum(group.values) for group in GROUPS)
    for group, layout in zip(GROUPS, layouts, strict=True):
        assert layout.key == group.key
        assert layout.rect.area == pytest.approx(BOX.area * sum(group.values) / grand)
        assert inside(layout.rect, BOX)
    for a, b in itertools.combinations(layouts, 2):
        assert overlap(a.rect, b.rect) == pytest.approx(0.0, abs=1e-9)


def test_members_stay_inside_their_sector_so_sectors_are_contiguous() -> None:
    layouts = grouped_treemap(GROUPS, BOX)

    grand = sum(sum(group.values) for group in GROUPS)
    for group, layout in zip(GROUPS, layouts, strict=True):
        assert len(layout.items) == len(group.values)
        for value, rect in zip(group.values, layout.items, strict=True):
            assert inside(rect, layout.rect)
            assert rect.area == pytest.approx(BOX.area * value / grand, rel=1e-9)
        assert sum(r.area for r in layout.items) == pytest.approx(layout.rect.area)
    every_tile = [rect for layout in layouts for rect in layout.items]
    for a, b in itertools.combinations(every_tile, 2):
        assert overlap(a, b) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("returns", "cap"),
    [
        ((), 0.01),
        ((None, math.nan), 0.01),
        ((0.004, -0.002), 0.01),
        ((0.012, -0.018), 0.02),  # the cap is symmetric: a fall sets it as well as a rise
        ((0.07, -0.03, 0.01), 0.1),
        # Ten returns: the 90% quantile is the 9th largest |r| (0.09), not the outlier 3.0.
        ((0.01, 0.02, 0.03, -0.04, 0.05, 0.06, -0.07, 0.08, 0.09, 3.0), 0.1),
        ((0.45, -0.5), 0.5),
        ((2.5, 3.0), 2.0),  # beyond the largest round cap, the largest
    ],
)
def test_colour_cap_is_the_round_figure_covering_most_returns(
    returns: tuple[float | None, ...], cap: float
) -> None:
    assert colour_cap(returns) == cap


@pytest.mark.parametrize(
    ("period_return", "cap", "position"),
    [
        (0.0, 0.1, 0.5),  # centred on zero
        (0.05, 0.1, 0.75),
        (-0.05, 0.1, 0.25),  # symmetric
        (0.1, 0.1, 1.0),
        (-0.1, 0.1, 0.0),
        (0.35, 0.1, 1.0),  # capped
        (-0.35, 0.1, 0.0),
        (0.01, 0.02, 0.75),
    ],
)
def test_colour_position_is_centred_on_zero_and_capped_symmetrically(
    period_return: float, cap: float, position: float
) -> None:
    assert colour_position(period_return, cap) == pytest.approx(position)


def test_colour_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        colour_position(0.1, 0.0)
