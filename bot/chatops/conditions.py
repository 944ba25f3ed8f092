"""Alert conditions: what an alert watches and compares, and reading its value in a snapshot.

Pure: no I/O, no clock. Values are in natural units: fractions for returns and spreads,
US dollars for basket value changes, the instrument's currency for prices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.analytics.model import Snapshot
from bot.core.universe import Universe

TargetKind = Literal["index", "basket", "symbol", "spread"]
Unit = Literal["price", "pct", "pp", "usd"]
OPERATORS = (">", "<", ">=", "<=", "crosses", "crosses_up", "crosses_down")
CROSSINGS = ("crosses", "crosses_up", "crosses_down")


@dataclass(frozen=True)
class Condition:
    """One alert's condition, normalized."""

    target: str
    kind: TargetKind
    metric: str
    """'price', a period ('MTD'), or 'value:PERIOD' for a basket's USD value change."""
    op: str
    threshold: float
    unit: Unit
    repeat: Literal["once", "every"] = "once"

    @property
    def period(self) -> str | None:
        """The period the metric looks at, if any."""
        if self.metric == "price":
            return None
        return self.metric.split(":")[-1]

    def canonical(self) -> str:
        """A stable one-line form: 'star50 mtd > 10%', 'china_ai value ytd >= 500B'."""
        metric = self.metric.lower().replace("value:", "value ")
        text = f"{self.target} {metric} {self.op} {format_threshold(self.threshold, self.unit)}"
        return text + (" every" if self.repeat == "every" else "")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "target": self.target,
            "kind": self.kind,
            "metric": self.metric,
            "op": self.op,
            "threshold": self.threshold,
            "unit": self.unit,
            "repeat": self.repeat,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Condition:
        """The inverse of to_json."""
        return cls(
            target=str(data["target"]),
            kind=data["kind"],
            metric=str(data["metric"]),
            op=str(data["op"]),
            threshold=float(data["threshold"]),
            unit=data["unit"],
            repeat=data.get("repeat", "once"),
        )


def format_threshold(value: float, unit: Unit) -> str:
    """The canonical text of a threshold: 10%, -5%, 5pp, 500B, 1.2T, 6000."""
    if unit == "pct":
        return f"{_trim(value * 100)}%"
    if unit == "pp":
        return f"{_trim(value * 100)}pp"
    if unit == "usd":
        for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
            if abs(value) >= scale:
                return f"{_trim(value / scale)}{suffix}"
        return _trim(value)
    return _trim(value)


def _trim(number: float) -> str:
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def current_value(condition: Condition, snapshot: Snapshot, universe: Universe) -> float | None:
    """The condition's metric in the snapshot; None when it cannot be computed."""
    period = condition.period
    if condition.kind == "basket":
        basket = snapshot.basket(condition.target)
        if basket is None or period is None:
            return None
        stats = basket.stats(period)
        if stats.included == 0:
            return None
        value = stats.value_change_usd if condition.metric.startswith("value:") else stats.cap
        return None if value is None else float(value)
    if condition.kind == "spread":
        first, _, second = condition.target.partition("-")
        a = _instrument_value(snapshot, universe.indices[first].symbol, period)
        b = _instrument_value(snapshot, universe.indices[second].symbol, period)
        return None if a is None or b is None else a - b
    symbol = (
        universe.indices[condition.target].symbol
        if condition.kind == "index"
        else condition.target
    )
    return _instrument_value(snapshot, symbol, period)


def _instrument_value(snapshot: Snapshot, symbol: str, period: str | None) -> float | None:
    info = snapshot.instrument(symbol)
    if info is None:
        return None
    value = info.close if period is None else info.period_return(period)
    return None if value is None else float(value)
