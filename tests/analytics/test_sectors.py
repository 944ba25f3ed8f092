"""Sector sums of a basket's USD value changes, by hand."""

from __future__ import annotations

import pytest

from bot.analytics.baskets import sector_groups, sector_value_changes
from bot.analytics.model import Move
from bot.core.universe import BasketSpec

SECTORED = BasketSpec(
    "ai",
    "AI",
    ("A", "B", "C", "D", "E"),
    {"chips": ("A", "B"), "apps": ("C",), "robots": ("D", "E")},
)
PLAIN = BasketSpec("ai", "AI", ("A", "B", "C"))


def moves(**changes: float) -> tuple[Move, ...]:
    """Moves of the named members with these USD value changes."""
    return tuple(Move(symbol, symbol, change, None) for symbol, change in changes.items())


@pytest.mark.parametrize(
    ("spec", "given", "expected"),
    [
        # chips 10 + 5 = 15, apps -3, robots 2 - 1 = 1: largest first.
        (
            SECTORED,
            moves(A=10.0, B=5.0, C=-3.0, D=2.0, E=-1.0),
            (("chips", 15.0), ("robots", 1.0), ("apps", -3.0)),
        ),
        # A member without a move (no base close) adds nothing; a sector with none is left out.
        (SECTORED, moves(A=-4.0, D=6.0), (("robots", 6.0), ("chips", -4.0))),
        (SECTORED, (), ()),
        # No sectors in the universe: one group of every member.
        (PLAIN, moves(A=1.0, B=2.0, C=-0.5), (("all", 2.5),)),
    ],
)
def test_sector_value_changes_sum_members_and_sort_largest_first(
    spec: BasketSpec, given: tuple[Move, ...], expected: tuple[tuple[str, float], ...]
) -> None:
    assert sector_value_changes(spec, given) == expected


def test_sector_groups_follow_the_universe_order() -> None:
    assert [key for key, _ in sector_groups(SECTORED)] == ["chips", "apps", "robots"]
    assert sector_groups(PLAIN) == (("all", ("A", "B", "C")),)
