"""Alert conditions: parse `/alert TARGET METRIC OP VALUE [once|every]`, read and test values.

Pure: no I/O, no clock. Values are in natural units: fractions for returns and spreads,
US dollars for basket value changes, the instrument's currency for prices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from bot.analytics.model import Snapshot
from bot.analytics.periods import PERIODS
from bot.commands.parsing import clip, parse_period
from bot.core.errors import UserError
from bot.core.universe import Universe

TargetKind = Literal["index", "basket", "symbol", "spread"]
Unit = Literal["price", "pct", "pp", "usd"]
OPERATORS = (">", "<", ">=", "<=", "crosses", "crosses_up", "crosses_down")
CROSSINGS = ("crosses", "crosses_up", "crosses_down")
EXAMPLE = "/alert star50 mtd > 10%"
_OP_ALIASES = {"≥": ">=", "≤": "<=", "=>": ">=", "=<": "<="}
_VALUE = re.compile(r"^([+\-−]?)\$?(\d+(?:\.\d+)?)(%|pp|[kmbt])?$", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
MAX_THRESHOLD = 1e15  # a quadrillion: above any market cap or index level


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


def _target(
    token: str, universe: Universe, known_symbols: Sequence[str]
) -> tuple[str, TargetKind]:
    lowered = token.lower()
    if lowered in universe.indices:
        return lowered, "index"
    if lowered in universe.baskets:
        return lowered, "basket"
    if "-" in lowered and not token.upper().endswith("=X"):
        first, _, second = lowered.partition("-")
        if first in universe.indices and second in universe.indices:
            if first == second:
                raise UserError("alert.spread_same", example="/alert star50-ndx mtd > 5pp")
            return lowered, "spread"
    by_upper = {s.upper(): s for s in known_symbols}
    if token.upper() in by_upper:
        return by_upper[token.upper()], "symbol"
    raise UserError(
        "alert.target_unknown",
        token=clip(token),
        indices=", ".join(universe.indices),
        baskets=", ".join(universe.baskets),
        example=EXAMPLE,
    )


def parse_value(token: str) -> tuple[float, str | None]:
    """A threshold and its unit: '12%' -> (0.12, '%'), '1.2T' -> (1.2e12, 't'), '6000' plain."""
    match = _VALUE.match(token.strip())
    if match is None:
        raise UserError("alert.value_bad", token=clip(token), example=EXAMPLE)
    sign, digits, suffix = match.groups()
    number = float(digits) * (-1 if sign in {"-", "−"} else 1)
    suffix = suffix.lower() if suffix else None
    if suffix in {"%", "pp"}:
        number /= 100.0
    elif suffix in _SCALE:
        number *= _SCALE[suffix]
    # Checked after scaling: 1e300 with a T suffix is no longer finite.
    if not math.isfinite(number) or abs(number) > MAX_THRESHOLD:
        raise UserError("alert.value_bad", token=clip(token), example=EXAMPLE)
    return number, suffix if suffix in {"%", "pp", *_SCALE} else None


def parse_alert(
    args: Sequence[str], universe: Universe, known_symbols: Sequence[str]
) -> Condition:
    """Parse `/alert TARGET METRIC OP VALUE [once|every]` into a normalized Condition."""
    tokens = [a for a in args if a]
    if not tokens:
        raise UserError("alert.usage", example=EXAMPLE)
    repeat: Literal["once", "every"] = "once"
    if tokens[-1].lower() in {"once", "every"}:
        repeat = "every" if tokens.pop().lower() == "every" else "once"
    if len(tokens) < 4:
        raise UserError("alert.usage", example=EXAMPLE)
    target, kind = _target(tokens[0], universe, known_symbols)
    rest = tokens[1:]
    if rest[0].lower() == "value":
        if len(rest) != 4:
            raise UserError("alert.usage", example="/alert china_ai value ytd >= 500B")
        period = parse_period(rest[1])
        if period is None:
            raise UserError(
                "period.invalid",
                token=clip(rest[1]),
                periods=", ".join(PERIODS),
                example="/alert china_ai value ytd >= 500B",
            )
        metric = f"value:{period}"
        op_token, value_token = rest[2], rest[3]
    else:
        if len(rest) != 3:
            raise UserError("alert.usage", example=EXAMPLE)
        metric_token, op_token, value_token = rest
        if metric_token.lower() == "price":
            metric = "price"
        else:
            period = parse_period(metric_token)
            if period is None:
                raise UserError("alert.metric_bad", token=clip(metric_token), example=EXAMPLE)
            metric = period
    op = _OP_ALIASES.get(op_token, op_token.lower())
    if op not in OPERATORS:
        raise UserError(
            "alert.op_bad", token=clip(op_token), ops=" ".join(OPERATORS), example=EXAMPLE
        )
    threshold, suffix = parse_value(value_token)
    unit = _unit_for(kind, metric, suffix, value_token)
    return Condition(target, kind, metric, op, threshold, unit, repeat)


def _unit_for(kind: TargetKind, metric: str, suffix: str | None, token: str) -> Unit:
    """Check the value's unit fits the metric; say what to write instead when it does not."""
    if metric.startswith("value:"):
        if kind != "basket":
            raise UserError(
                "alert.value_needs_basket", example="/alert china_ai value ytd >= 500B"
            )
        if suffix in {"%", "pp"}:
            raise UserError(
                "alert.value_needs_usd",
                token=clip(token),
                example="/alert china_ai value ytd >= 500B",
            )
        return "usd"
    if metric == "price":
        if kind in {"basket", "spread"}:
            raise UserError("alert.no_price", example="/alert hstech price crosses 6000")
        if suffix in {"%", "pp"}:
            raise UserError(
                "alert.price_plain", token=clip(token), example="/alert hstech price crosses 6000"
            )
        return "price"
    if kind == "spread":
        if suffix != "pp":
            raise UserError(
                "alert.spread_pp", token=clip(token), example="/alert star50-ndx mtd > 5pp"
            )
        return "pp"
    if suffix != "%":
        raise UserError("alert.return_pct", token=clip(token), example=EXAMPLE)
    return "pct"


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


def evaluate(
    ops: np.ndarray, thresholds: np.ndarray, now: np.ndarray, previous: np.ndarray
) -> np.ndarray:
    """Vectorized: which conditions hold. NaN values never hold; crossings need a previous."""
    with np.errstate(invalid="ignore"):
        above_now, above_before = now > thresholds, previous > thresholds
        below_now, below_before = now < thresholds, previous < thresholds
        known = ~np.isnan(now)
        both = known & ~np.isnan(previous)
        up = both & (previous <= thresholds) & above_now
        down = both & (previous >= thresholds) & below_now
        result = np.select(
            [
                ops == ">",
                ops == "<",
                ops == ">=",
                ops == "<=",
                ops == "crosses",
                ops == "crosses_up",
                ops == "crosses_down",
            ],
            [
                above_now,
                below_now,
                known & (now >= thresholds),
                known & (now <= thresholds),
                up | down,
                up,
                down,
            ],
            default=False,
        )
    del above_before, below_before
    return np.asarray(result & known, dtype=bool)
