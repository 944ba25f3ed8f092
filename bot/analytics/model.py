"""The snapshot as types: every number an answer, a digest, an alert or the report reads.

Frozen dataclasses with the lookups as methods. JSON exists only at the edges: Redis stores
`Snapshot.to_json()`, `rallybot report --json` prints it, and `Snapshot.from_json` reads
it back. The document's keys and their order are the report's fixed schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TOP_N = 5
RATIO_MISSING_LIMIT = 0.10
"""A cap ratio is withheld when a basket misses more than this share of its value."""
Returns = Mapping[str, float | None]
"""Period key ('1D', 'YTD', …) -> a return, None when it cannot be computed."""


@dataclass(frozen=True)
class Instrument:
    """One index or stock: its newest close on its own calendar and every period's return."""

    symbol: str
    name: str
    date: str
    close: float
    currency: str
    returns: Returns
    exchange: str
    kind: str  # "index" or "stock"

    def period_return(self, period: str) -> float | None:
        """This period's return, None when unknown."""
        return self.returns.get(period)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "date": self.date,
            "close": self.close,
            "currency": self.currency,
            "returns": dict(self.returns),
            "exchange": self.exchange,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, symbol: str, raw: Mapping[str, Any]) -> Instrument:
        return cls(
            symbol,
            raw["name"],
            raw["date"],
            float(raw["close"]),
            raw["currency"],
            dict(raw["returns"]),
            raw["exchange"],
            raw["kind"],
        )


@dataclass(frozen=True)
class Move:
    """One member's contribution over a period: its USD value change and its own return."""

    symbol: str
    name: str
    value_change_usd: float
    period_return: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "name": self.name,
            "value_change_usd": self.value_change_usd,
            "return": self.period_return,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Move:
        return cls(raw["symbol"], raw["name"], float(raw["value_change_usd"]), raw["return"])


@dataclass(frozen=True)
class BasketStats:
    """A basket over one period: equal- and cap-weighted returns and the USD value change."""

    equal: float | None
    cap: float | None
    value_change_usd: float
    included: int
    excluded: int

    def to_json(self) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "cap": self.cap,
            "value_change_usd": self.value_change_usd,
            "included": self.included,
            "excluded": self.excluded,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> BasketStats:
        return cls(
            raw["equal"],
            raw["cap"],
            float(raw["value_change_usd"]),
            int(raw["included"]),
            int(raw["excluded"]),
        )


@dataclass(frozen=True)
class Carried:
    """A member whose newest close is from an earlier day than its market's newest."""

    symbol: str
    date: str


@dataclass(frozen=True)
class Coverage:
    """Members fresh, carried from an earlier day, and missing (no usable value now).

    `missing_share` is the missing members' last known value as a share of the basket's
    last known value; None when a missing member's weight was never known.
    """

    fresh: int
    carried: tuple[Carried, ...] = ()
    missing: tuple[str, ...] = ()
    missing_value_usd: float = 0.0
    missing_share: float | None = None

    @property
    def complete(self) -> bool:
        """Every member has a fresh close."""
        return not self.carried and not self.missing

    def to_json(self) -> dict[str, Any]:
        return {
            "fresh": self.fresh,
            "carried": [{"symbol": c.symbol, "date": c.date} for c in self.carried],
            "missing": list(self.missing),
            "missing_value_usd": self.missing_value_usd,
            "missing_share": self.missing_share,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Coverage:
        return cls(
            int(raw["fresh"]),
            tuple(Carried(c["symbol"], c["date"]) for c in raw["carried"]),
            tuple(raw["missing"]),
            float(raw["missing_value_usd"]),
            raw["missing_share"],
        )


@dataclass(frozen=True)
class Basket:
    """A basket of stocks: its USD value now, each period's stats and members' moves."""

    key: str
    name: str
    members: int
    value_usd: float
    returns: Mapping[str, BasketStats]
    moves: Mapping[str, tuple[Move, ...]]
    """Per period, every member with a value change, largest gain first."""
    values: Mapping[str, float]
    """Each member's USD value now, where it has one."""
    coverage: Coverage

    def stats(self, period: str) -> BasketStats:
        """The basket over `period`."""
        return self.returns[period]

    def top(self, period: str, count: int = TOP_N) -> tuple[Move, ...]:
        """The largest USD gains over `period`."""
        return self.moves[period][:count]

    def bottom(self, period: str, count: int = TOP_N) -> tuple[Move, ...]:
        """The largest USD losses over `period`, the worst first."""
        return self.moves[period][::-1][:count]

    def ratio_problem(self) -> str | None:
        """Why this basket's value cannot stand in a cap ratio now, or None when it can.

        No value at all, a missing member whose weight was never known (nothing says it is
        small), or missing members worth more than RATIO_MISSING_LIMIT of its last value.
        """
        share = self.coverage.missing_share
        missing = ", ".join(self.coverage.missing)
        if self.value_usd <= 0:
            return f"{self.key} has no market value (no share counts or closes)"
        if missing and share is None:
            return f"{self.key} misses {missing} (weight never known)"
        if share is not None and share > RATIO_MISSING_LIMIT:
            return f"{self.key} misses {missing} ({share:.0%} of its last known value)"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "members": self.members,
            "value_usd": self.value_usd,
            "returns": {period: stats.to_json() for period, stats in self.returns.items()},
            "top_contributors": {p: [m.to_json() for m in self.top(p)] for p in self.moves},
            "bottom_contributors": {p: [m.to_json() for m in self.bottom(p)] for p in self.moves},
            "moves": {p: [m.to_json() for m in moves] for p, moves in self.moves.items()},
            "values": dict(self.values),
            "coverage": self.coverage.to_json(),
        }

    @classmethod
    def from_json(cls, key: str, raw: Mapping[str, Any]) -> Basket:
        return cls(
            key,
            raw["name"],
            int(raw["members"]),
            float(raw["value_usd"]),
            {p: BasketStats.from_json(s) for p, s in raw["returns"].items()},
            {p: tuple(Move.from_json(m) for m in moves) for p, moves in raw["moves"].items()},
            {s: float(v) for s, v in raw.get("values", {}).items()},
            Coverage.from_json(raw["coverage"]) if "coverage" in raw else Coverage(0),
        )


@dataclass(frozen=True)
class Snapshot:
    """Every number as of one moment; `version` is set once it is stored (0 before)."""

    as_of: str
    provider: str
    generated_at: str
    instruments: Mapping[str, Instrument]
    baskets: Mapping[str, Basket]
    spreads: Mapping[str, Returns]
    """'star50-ndx' -> period -> return difference (board minus benchmark)."""
    ratios: Mapping[str, float | None]
    ratio_notes: Mapping[str, str]
    """Why a ratio is withheld, by ratio key."""
    markets: Mapping[str, str]
    """Exchange -> the date of its newest bar."""
    indices: Mapping[str, str]
    """Index key -> its symbol."""
    version: int = 0

    @property
    def is_demo(self) -> bool:
        """Synthetic demo data, which every answer must say."""
        return self.provider == "demo"

    def instrument(self, symbol: str) -> Instrument | None:
        """An instrument by symbol, None when it has no data."""
        return self.instruments.get(symbol)

    def index(self, key: str) -> Instrument | None:
        """An index by its universe key ('star50'), None when it has no data."""
        symbol = self.indices.get(key)
        return None if symbol is None else self.instruments.get(symbol)

    def period_return(self, symbol: str, period: str) -> float | None:
        """An instrument's return over `period`, None when unknown."""
        info = self.instruments.get(symbol)
        return None if info is None else info.period_return(period)

    def spread(self, first: str, second: str, period: str) -> float | None:
        """Index `first` minus index `second` over `period`, as computed by the refresh."""
        return self.spreads.get(f"{first}-{second}", {}).get(period)

    def basket(self, key: str) -> Basket | None:
        """A basket by key, None when the snapshot has none by that name."""
        return self.baskets.get(key)

    def member_values(self) -> dict[str, float]:
        """Every basket member's USD value, where it has one now."""
        values: dict[str, float] = {}
        for basket in self.baskets.values():
            values.update(basket.values)
        return values

    def to_json(self) -> dict[str, Any]:
        """The stored and reported document (the report's fixed schema, then `version`)."""
        document: dict[str, Any] = {
            "as_of": self.as_of,
            "provider": self.provider,
            "generated_at": self.generated_at,
            "instruments": {s: i.to_json() for s, i in self.instruments.items()},
            "baskets": {k: b.to_json() for k, b in self.baskets.items()},
            "spreads": {k: dict(v) for k, v in self.spreads.items()},
            "ratios": dict(self.ratios),
            "ratio_notes": dict(self.ratio_notes),
            "markets": dict(self.markets),
            "indices": dict(self.indices),
        }
        if self.version:
            document["version"] = self.version
        return document

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Snapshot:
        return cls(
            raw["as_of"],
            raw["provider"],
            raw["generated_at"],
            {s: Instrument.from_json(s, i) for s, i in raw["instruments"].items()},
            {k: Basket.from_json(k, b) for k, b in raw["baskets"].items()},
            {k: dict(v) for k, v in raw["spreads"].items()},
            dict(raw["ratios"]),
            dict(raw.get("ratio_notes", {})),
            dict(raw.get("markets", {})),
            dict(raw.get("indices", {})),
            int(raw.get("version", 0)),
        )
