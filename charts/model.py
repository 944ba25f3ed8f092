"""Inputs of the chart renderers: plain frozen dataclasses, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

LineRole = Literal["board", "benchmark"]


@dataclass(frozen=True)
class ChartFrame:
    """What every chart shows around its data: title, subtitle, source and the demo flag."""

    title: str
    subtitle: str
    source: str
    demo: bool


@dataclass(frozen=True)
class Line:
    """One dated series to draw; NaN gaps are allowed and get bridged."""

    label: str
    values: pd.Series
    role: LineRole = "board"


@dataclass(frozen=True)
class Bar:
    """One labelled value in US dollars, drawn as a horizontal bar."""

    label: str
    value: float
