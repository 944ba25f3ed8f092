"""The universe: which indices, baskets and FX series rallybot tracks, loaded from TOML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bot.core.errors import ConfigError

SHANGHAI = "XSHG"  # Shenzhen shares Shanghai's holidays; exchange_calendars has no XSHE
HONG_KONG = "XHKG"
NEW_YORK = "XNYS"
FX_MARKET = "FX"

EXCHANGE_CURRENCY = {SHANGHAI: "CNY", HONG_KONG: "HKD", NEW_YORK: "USD"}
EXCHANGE_LABEL = {SHANGHAI: "Shanghai/Shenzhen", HONG_KONG: "Hong Kong", NEW_YORK: "New York"}
EXCHANGE_TIMEZONE = {
    SHANGHAI: "Asia/Shanghai",
    HONG_KONG: "Asia/Hong_Kong",
    NEW_YORK: "America/New_York",
    FX_MARKET: "UTC",
}

_SUFFIX_EXCHANGE = {".HK": HONG_KONG, ".SS": SHANGHAI, ".SZ": SHANGHAI}
_US_TICKER = re.compile(r"^\^?[A-Z][A-Z0-9\-]{0,9}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_SECTIONS = {"indices", "baskets", "fx", "rally", "names", "names_zh", "shares", "events"}
SOURCES = ("yahoo", "akshare")
_RALLY_KEYS = {"onshore", "offshore", "benchmark", "basket", "compare_basket"}


def exchange_of(symbol: str) -> str:
    """The exchange whose calendar a Yahoo symbol trades on; ConfigError if none we know."""
    if symbol.endswith("=X"):
        return FX_MARKET
    for suffix, exchange in _SUFFIX_EXCHANGE.items():
        if symbol.endswith(suffix):
            return exchange
    # A bare ticker (Yahoo writes BRK-B, not BRK.B) or a ^index is a US listing.
    if _US_TICKER.match(symbol):
        return NEW_YORK
    raise ConfigError(f"symbol {symbol!r} is listed on no exchange rallybot knows")


@dataclass(frozen=True)
class StandIn:
    """What an index falls back to when its own source is not installed (a tracker ETF)."""

    symbol: str
    name: str


@dataclass(frozen=True)
class IndexSpec:
    """An index (or its tracker) shown by key in commands."""

    key: str
    symbol: str
    name: str
    exchange: str
    source: str = "yahoo"
    """The data source asked first for this index ("yahoo" or "akshare")."""
    stand_in: StandIn | None = None


@dataclass(frozen=True)
class ShareOverride:
    """A share count for one priced line that replaces the source's, with why and when."""

    symbol: str
    shares: float
    note: str
    as_of: str


@dataclass(frozen=True)
class Event:
    """A named market event whose date a period can start from (`/rally since deepseek`)."""

    key: str
    date: dt.date
    name: str


@dataclass(frozen=True)
class BasketSpec:
    """A named basket of stocks whose USD market value rallybot adds up."""

    key: str
    name: str
    members: tuple[str, ...]
    sectors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Sector key -> its members, in the file's order; every member in one, or empty."""

    def sector_of(self, symbol: str) -> str | None:
        """The sector key a member belongs to; None when the basket has no sectors."""
        return next((key for key, members in self.sectors.items() if symbol in members), None)


@dataclass(frozen=True)
class FxSpec:
    """A series giving USD per one unit of `currency`, inverted when quoted the other way."""

    currency: str
    symbol: str
    invert: bool


@dataclass(frozen=True)
class RallySpec:
    """What `/rally` puts side by side."""

    onshore: tuple[str, ...]
    offshore: tuple[str, ...]
    benchmark: str
    basket: str
    compare_basket: str

    @property
    def boards(self) -> tuple[str, ...]:
        """Every board compared with the benchmark, onshore first."""
        return self.onshore + self.offshore


@dataclass(frozen=True)
class Universe:
    """Everything rallybot tracks."""

    indices: dict[str, IndexSpec]
    baskets: dict[str, BasketSpec]
    fx: dict[str, FxSpec]
    rally: RallySpec
    names: dict[str, str] = field(default_factory=dict)
    """Display names by symbol, for sources that give none."""
    shares: dict[str, ShareOverride] = field(default_factory=dict)
    """Share counts that replace the source's for a line (classes, ADS ratios)."""
    events: dict[str, Event] = field(default_factory=dict)
    """Named dates a period can start from, by key."""
    names_zh: dict[str, str] = field(default_factory=dict)
    """Chinese names for charts: an index or member by symbol, a basket or event by key."""

    def name_in(self, lang: str, key: str, default: str) -> str:
        """What a chart in `lang` calls an index or member (`key` its symbol), a basket or an
        event (`key` its key): `default` unless the universe names it in that language."""
        return self.names_zh.get(key, default) if lang == "zh" else default

    @property
    def price_symbols(self) -> list[str]:
        """Every index and basket member symbol, each once, in universe order."""
        symbols = [spec.symbol for spec in self.indices.values()]
        symbols += [m for basket in self.baskets.values() for m in basket.members]
        return list(dict.fromkeys(symbols))

    @property
    def basket_symbols(self) -> list[str]:
        """Every basket member, each once: the symbols whose share counts matter."""
        members = [m for basket in self.baskets.values() for m in basket.members]
        return list(dict.fromkeys(members))

    def source_of(self, symbol: str) -> str:
        """The data source asked first for `symbol`."""
        index = self.index_by_symbol(symbol)
        return index.source if index else "yahoo"

    def without_source(self, source: str) -> Universe:
        """This universe with every index served by `source` replaced by its stand-in."""
        indices = {}
        for key, spec in self.indices.items():
            if spec.source == source and spec.stand_in is not None:
                indices[key] = IndexSpec(
                    key=key,
                    symbol=spec.stand_in.symbol,
                    name=spec.stand_in.name,
                    exchange=exchange_of(spec.stand_in.symbol),
                )
            else:
                indices[key] = spec
        return dataclasses.replace(self, indices=indices)

    @property
    def fx_symbols(self) -> list[str]:
        """Every FX series symbol."""
        return list(dict.fromkeys(spec.symbol for spec in self.fx.values()))

    @property
    def all_symbols(self) -> list[str]:
        """Everything a refresh fetches."""
        return self.price_symbols + [s for s in self.fx_symbols if s not in self.price_symbols]

    def exchange(self, symbol: str) -> str:
        """The exchange of a symbol, honouring an index's explicit `exchange`."""
        for spec in self.indices.values():
            if spec.symbol == symbol:
                return spec.exchange
        return exchange_of(symbol)

    def index_by_symbol(self, symbol: str) -> IndexSpec | None:
        """The index whose symbol this is, if any."""
        return next((s for s in self.indices.values() if s.symbol == symbol), None)


def load_universe(path: Path | None = None) -> Universe:
    """Load and validate a universe file; the packaged default when `path` is None."""
    if path is None:
        text = resources.files("bot.core").joinpath("universe.toml").read_text(encoding="utf-8")
        source = "default universe"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read universe file {path}: {exc.strerror}") from exc
        source = str(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from exc
    return parse_universe(raw, source)


def parse_universe(raw: dict[str, Any], source: str = "universe") -> Universe:
    """Validate a parsed universe document; ConfigError names the offending key."""
    unknown = set(raw) - _SECTIONS
    if unknown:
        raise ConfigError(f"{source}: unknown section [{sorted(unknown)[0]}]")
    for section in ("indices", "baskets", "rally"):
        if not isinstance(raw.get(section), dict) or not raw[section]:
            raise ConfigError(f"{source}: section [{section}] is missing or empty")

    indices = {key: _index(key, body, source) for key, body in raw["indices"].items()}
    baskets = {key: _basket(key, body, source) for key, body in raw["baskets"].items()}
    clash = set(indices) & set(baskets)
    if clash:
        raise ConfigError(f"{source}: key {sorted(clash)[0]!r} names both an index and a basket")
    fx = {cur: _fx(cur, body, source) for cur, body in raw.get("fx", {}).items()}
    rally = _rally(raw["rally"], indices, baskets, source)
    names = raw.get("names", {})
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise ConfigError(f'{source}: [names] maps symbols to names, like "0700.HK" = "Tencent"')
    members = {m for basket in baskets.values() for m in basket.members}
    shares = {
        symbol: _share_override(symbol, body, members, source)
        for symbol, body in raw.get("shares", {}).items()
    }
    events = raw.get("events", {})
    if not isinstance(events, dict):
        raise ConfigError(f'{source}: [events] maps keys to {{ date = "...", name = "..." }}')
    parsed_events = {key: _event(key, body, source) for key, body in events.items()}
    return Universe(
        indices=indices,
        baskets=baskets,
        fx=fx,
        rally=rally,
        names=dict(names),
        shares=shares,
        events=parsed_events,
        names_zh=_names_zh(raw.get("names_zh", {}), indices, baskets, parsed_events, source),
    )


def _names_zh(
    table: Any,
    indices: dict[str, IndexSpec],
    baskets: dict[str, BasketSpec],
    events: dict[str, Event],
    source: str,
) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(
            f'{source}: [names_zh] maps symbols and keys to names, like "0700.HK" = "腾讯控股"'
        )
    symbols = {spec.symbol for spec in indices.values()}
    symbols |= {spec.stand_in.symbol for spec in indices.values() if spec.stand_in}
    symbols |= {member for basket in baskets.values() for member in basket.members}
    known = symbols | set(baskets) | set(events)
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{source}: [names_zh] names {unknown[0]!r}, which is no index or member symbol, "
            "basket or event"
        )
    return dict(table)


def _event(key: str, body: Any, source: str) -> Event:
    _check_key(key, "events", source)
    where = f"{source}: events.{key}"
    example = '{ date = "2025-01-27", name = "DeepSeek R1 shock" }'
    if not isinstance(body, dict) or set(body) != {"date", "name"}:
        raise ConfigError(f"{where} must be {example}")
    name, day = body["name"], body["date"]
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}.name must say what happened, e.g. {example}")
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date | str):
        raise ConfigError(f"{where}.date must be a day like 2025-01-27")
    try:
        date = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    except ValueError as exc:
        raise ConfigError(f"{where}.date must be a day like 2025-01-27, not {day!r}") from exc
    return Event(key, date, name.strip())


def _share_override(symbol: str, body: Any, members: set[str], source: str) -> ShareOverride:
    where = f"{source}: shares.{symbol}"
    example = '{ shares = 12.1e9, note = "all share classes", as_of = "2026-10-24" }'
    if symbol not in members:
        raise ConfigError(f"{where}: {symbol} is in no basket")
    if not isinstance(body, dict) or set(body) != {"shares", "note", "as_of"}:
        raise ConfigError(f"{where} must be {example}")
    count, note, as_of = body["shares"], body["note"], body["as_of"]
    if not isinstance(count, int | float) or isinstance(count, bool) or count <= 0:
        raise ConfigError(f"{where}.shares must be a positive number")
    if not isinstance(note, str) or not note.strip():
        raise ConfigError(f"{where}.note must say where the figure comes from")
    try:
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    except ValueError as exc:
        raise ConfigError(f"{where}.as_of must be a date like 2026-10-24") from exc
    return ShareOverride(symbol, float(count), note.strip(), day.isoformat())


def _check_key(key: str, where: str, source: str) -> None:
    if not _KEY.match(key):
        raise ConfigError(
            f"{source}: [{where}.{key}] keys are lower-case letters, digits and _ (like star50)"
        )


def _index(key: str, body: Any, source: str) -> IndexSpec:
    _check_key(key, "indices", source)
    if not isinstance(body, dict) or not isinstance(body.get("symbol"), str):
        raise ConfigError(f'{source}: [indices.{key}] needs symbol = "..."')
    symbol = body["symbol"]
    exchange = body.get("exchange")
    if exchange is None:
        exchange = _member_exchange(symbol, f"indices.{key}.symbol", source)
    elif exchange not in EXCHANGE_CURRENCY:
        raise ConfigError(
            f"{source}: indices.{key}.exchange must be one of {sorted(EXCHANGE_CURRENCY)}"
        )
    data_source = body.get("source", "yahoo")
    if data_source not in SOURCES:
        raise ConfigError(f"{source}: indices.{key}.source must be one of {list(SOURCES)}")
    stand_in = body.get("stand_in")
    if stand_in is not None:
        if not isinstance(stand_in, dict) or not isinstance(stand_in.get("symbol"), str):
            raise ConfigError(
                f'{source}: indices.{key}.stand_in must be {{ symbol = "3033.HK", name = "..." }}'
            )
        _member_exchange(stand_in["symbol"], f"indices.{key}.stand_in", source)
        stand_in = StandIn(stand_in["symbol"], str(stand_in.get("name", stand_in["symbol"])))
    return IndexSpec(
        key=key,
        symbol=symbol,
        name=str(body.get("name", key)),
        exchange=exchange,
        source=data_source,
        stand_in=stand_in,
    )


def _basket(key: str, body: Any, source: str) -> BasketSpec:
    _check_key(key, "baskets", source)
    members = body.get("members") if isinstance(body, dict) else None
    if not isinstance(members, list) or not members:
        raise ConfigError(f"{source}: baskets.{key}.members must be a non-empty list")
    seen: set[str] = set()
    for member in members:
        if not isinstance(member, str):
            raise ConfigError(f"{source}: baskets.{key}.members holds a non-string: {member!r}")
        if member in seen:
            raise ConfigError(f"{source}: baskets.{key}.members lists {member} twice")
        seen.add(member)
        _member_exchange(member, f"baskets.{key}.members", source)
    sectors = _sectors(key, body.get("sectors", {}), members, source)
    return BasketSpec(
        key=key, name=str(body.get("name", key)), members=tuple(members), sectors=sectors
    )


def _sectors(key: str, body: Any, members: list[str], source: str) -> dict[str, tuple[str, ...]]:
    """A basket's optional sectors: when given, each member sits in exactly one of them."""
    where = f"{source}: baskets.{key}.sectors"
    if not isinstance(body, dict):
        raise ConfigError(f"{where} must be a table of sector = [members]")
    sectors: dict[str, tuple[str, ...]] = {}
    placed: dict[str, str] = {}
    for sector, listed in body.items():
        _check_key(sector, f"baskets.{key}.sectors", source)
        if not isinstance(listed, list) or not all(isinstance(m, str) for m in listed):
            raise ConfigError(f"{where}.{sector} must be a list of member symbols")
        for member in listed:
            if member not in members:
                raise ConfigError(f"{where}.{sector} lists {member}, which is not a member")
            if member in placed:
                raise ConfigError(f"{where}: {member} is in both {placed[member]} and {sector}")
            placed[member] = sector
        sectors[sector] = tuple(listed)
    unplaced = [m for m in members if m not in placed]
    if sectors and unplaced:
        raise ConfigError(f"{where}: {', '.join(unplaced)} in no sector")
    return sectors


def _member_exchange(symbol: str, where: str, source: str) -> str:
    try:
        exchange = exchange_of(symbol)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {where}: {exc}") from exc
    if exchange == FX_MARKET:
        raise ConfigError(f"{source}: {where}: {symbol} is an FX series; put it under [fx]")
    return exchange


def _fx(currency: str, body: Any, source: str) -> FxSpec:
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(f"{source}: fx.{currency}: currency codes are three capitals (HKD)")
    if isinstance(body, str):
        return FxSpec(currency=currency, symbol=body, invert=False)
    if isinstance(body, dict) and isinstance(body.get("symbol"), str):
        return FxSpec(currency=currency, symbol=body["symbol"], invert=bool(body.get("invert")))
    raise ConfigError(
        f'{source}: fx.{currency} must be "SYMBOL" or {{ symbol = ..., invert = true }}'
    )


def _rally(
    body: dict[str, Any],
    indices: dict[str, IndexSpec],
    baskets: dict[str, BasketSpec],
    source: str,
) -> RallySpec:
    unknown = set(body) - _RALLY_KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown key rally.{sorted(unknown)[0]}")
    missing = _RALLY_KEYS - set(body)
    if missing:
        raise ConfigError(f"{source}: rally.{sorted(missing)[0]} is missing")

    def index_keys(name: str) -> tuple[str, ...]:
        value = body[name]
        if not isinstance(value, list):
            raise ConfigError(f"{source}: rally.{name} must be a list of index keys")
        return tuple(_known(value, indices, f"rally.{name}", source))

    def one(name: str, table: Iterable[str]) -> str:
        return _known([body[name]], table, f"rally.{name}", source)[0]

    return RallySpec(
        onshore=index_keys("onshore"),
        offshore=index_keys("offshore"),
        benchmark=one("benchmark", indices),
        basket=one("basket", baskets),
        compare_basket=one("compare_basket", baskets),
    )


def _known(values: list[Any], table: Iterable[str], where: str, source: str) -> list[str]:
    names = set(table)
    for value in values:
        if value not in names:
            raise ConfigError(f"{source}: {where} names {value!r}, which is not defined")
    return [str(v) for v in values]
