"""Pure parsers of command arguments; every failure is a UserError with a correct example."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.analytics.periods import PERIODS, DateRange, Period
from bot.chatops.conditions import OPERATORS, Condition, TargetKind, Unit
from bot.core.errors import UserError
from bot.core.universe import Universe

DEFAULT_PERIOD = "MTD"
MAX_CHART_SERIES = 6
MAX_ECHO_CHARS = 40
_PERIOD_ALIASES = {"1d": "1D", "5d": "5D", "mtd": "MTD", "ytd": "YTD", "1y": "1Y", "1w": "5D"}
_NAME = re.compile(r"^\^?[A-Za-z0-9][A-Za-z0-9._\-=]{0,19}$")
_ISO_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def clip(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """A user's argument shortened for echoing back in an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_period(token: str) -> str | None:
    """'ytd' -> 'YTD'; None when the token is not a period."""
    return _PERIOD_ALIASES.get(token.strip().lower())


def _period_error(token: str, example: str) -> UserError:
    return UserError(
        "period.invalid_or_range", token=clip(token), periods=", ".join(PERIODS), example=example
    )


def split_period(
    args: Sequence[str], universe: Universe, today: dt.date, example: str
) -> tuple[list[str], Period]:
    """Split a trailing period off the arguments: `YTD`, `since DATE|EVENT` or `A..B`.

    The one parser of periods for every command that takes one; MTD when none is given.
    `today` bounds a range's start (none starts in the future); `example` goes into errors.
    """
    tokens = list(args)
    # Errors about dates show the same command with a date: "/index star50 since 2025-01-27".
    if example.startswith("/"):
        example = f"{example.rsplit(' ', 1)[0]} since 2025-01-27"
    if tokens and tokens[-1].lower() == "since":
        raise UserError("range.since_missing", events=_event_list(universe), example=example)
    if len(tokens) >= 2 and tokens[-2].lower() == "since":
        start, label = _since_start(tokens[-1], universe, example)
        since = _checked(DateRange(start, None, label), today, example)
        return tokens[:-2], named_range(since, universe)
    if tokens and ".." in tokens[-1]:
        first, _, last = tokens[-1].partition("..")
        start = _parse_day(first, example)
        end = _parse_day(last, example) if last else None
        if end is not None and end < start:
            raise UserError("range.end_before_start", start=start, end=end, example=example)
        return tokens[:-1], named_range(_checked(DateRange(start, end), today, example), universe)
    if tokens and (period := parse_period(tokens[-1])):
        return tokens[:-1], period
    return tokens, DEFAULT_PERIOD


def require_range_in_data(period: Period, first_day: dt.date | None) -> None:
    """UserError when a range starts on or before the first stored day (no base close)."""
    if isinstance(period, DateRange) and (first_day is None or period.start <= first_day):
        raise UserError(
            "range.before_data",
            start=period.start,
            first=first_day or "?",
            example=f"/rally since {first_day + dt.timedelta(days=1)}" if first_day else "/rally",
        )


def _since_start(token: str, universe: Universe, example: str) -> tuple[dt.date, str]:
    """The start day of `since TOKEN` (a date or an event key) and the event's name."""
    event = universe.events.get(token.lower())
    if event is not None:
        return event.date, event.name
    if token[:1].isdigit():
        return _parse_day(token, example), ""
    raise UserError(
        "range.unknown_event", token=clip(token), events=_event_list(universe), example=example
    )


def named_range(period: Period, universe: Universe) -> Period:
    """A since-range named after the universe's event on its start day, if there is one.

    `since 2025-01-27` and `since deepseek` read the same, and so does a button's range,
    whose callback data carries only the days.
    """
    if isinstance(period, str) or period.end is not None or period.label:
        return period
    event = next((e for e in universe.events.values() if e.date == period.start), None)
    return period if event is None else DateRange(period.start, None, event.name)


def _event_list(universe: Universe) -> str:
    return ", ".join(f"{key} ({e.date})" for key, e in universe.events.items()) or "-"


def _parse_day(token: str, example: str) -> dt.date:
    """A YYYY-MM-DD day; UserError otherwise."""
    if _ISO_DAY.match(token):
        year, month, day = (int(part) for part in token.split("-"))
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    raise UserError("range.bad_date", token=clip(token), example=example)


def _checked(date_range: DateRange, today: dt.date, example: str) -> DateRange:
    if date_range.start > today:
        raise UserError("range.future", start=date_range.start, today=today, example=example)
    return date_range


def _is_name(token: str, universe: Universe) -> bool:
    return token.lower() in universe.indices or token.lower() in universe.baskets


@dataclass(frozen=True)
class RallyRequest:
    """`/rally [PERIOD]`."""

    period: Period


def parse_rally(args: Sequence[str], universe: Universe, today: dt.date) -> RallyRequest:
    """Parse `/rally [1D|5D|MTD|YTD|1Y|since DATE|since EVENT|A..B]`."""
    example = "/rally ytd"
    rest, period = split_period(args, universe, today, example)
    if rest and len(args) > 1:
        raise UserError("rally.too_many", example=example)
    if rest:
        raise _period_error(rest[0], example)
    return RallyRequest(period)


def resolve_name(
    token: str, universe: Universe, known_symbols: Sequence[str], example: str
) -> str:
    """The index key, basket key or cached symbol a user meant; suggestions when unknown."""
    if not _NAME.match(token):
        raise UserError("chart.bad_token", token=clip(token), example=example)
    lowered = token.lower()
    if lowered in universe.indices or lowered in universe.baskets:
        return lowered
    by_upper = {s.upper(): s for s in known_symbols}
    if token.upper() in by_upper:
        return by_upper[token.upper()]
    candidates = [*universe.indices, *universe.baskets, *known_symbols]
    by_lower = {c.lower(): c for c in candidates}
    matches = difflib.get_close_matches(lowered, list(by_lower), n=3, cutoff=0.6)
    if matches:
        names = ", ".join(by_lower[m] for m in matches)
        raise UserError("name.unknown_hint", token=clip(token), names=names)
    raise UserError("name.unknown", token=clip(token))


@dataclass(frozen=True)
class IndexRequest:
    """`/index KEY [PERIOD]`."""

    key: str
    period: Period


def parse_index(args: Sequence[str], universe: Universe, today: dt.date) -> IndexRequest:
    """Parse `/index KEY [PERIOD]`: KEY is one of the universe's index keys."""
    example = "/index star50 ytd"
    keys = ", ".join(universe.indices)
    if not args:
        raise UserError("index.missing", keys=keys, example=example)
    rest, period = split_period(args, universe, today, example)
    if len(rest) == 2 and rest[0].lower() in universe.indices and not _is_name(rest[1], universe):
        raise _period_error(rest[1], example)  # "/index star50 forever": a junk period
    if len(rest) > 1:
        raise UserError("index.too_many", example=example)
    if not rest:
        raise UserError("index.missing", keys=keys, example=example)
    key = rest[0].lower()
    if key not in universe.indices:
        raise UserError("index.unknown", token=clip(rest[0]), keys=keys, example=example)
    return IndexRequest(key, period)


@dataclass(frozen=True)
class BasketRequest:
    """`/basket [KEY] [PERIOD]`."""

    key: str
    period: Period


def parse_basket(args: Sequence[str], universe: Universe, today: dt.date) -> BasketRequest:
    """Parse `/basket [KEY] [PERIOD]`; the default basket is /rally's."""
    return BasketRequest(*_basket_and_period("basket", args, universe, today))


def _basket_and_period(
    command: str, args: Sequence[str], universe: Universe, today: dt.date
) -> tuple[str, Period]:
    """`[BASKET] [PERIOD]`, as /basket and /heatmap take them: the basket key and period."""
    example = f"/{command} {universe.rally.basket} ytd"
    rest, period = split_period(args, universe, today, example)
    if len(rest) == 2 and rest[0].lower() in universe.baskets and not _is_name(rest[1], universe):
        raise _period_error(rest[1], example)  # "/basket china_ai forever": a junk period
    if len(rest) > 1:
        raise UserError(f"{command}.too_many", example=example)
    key = rest[0].lower() if rest else universe.rally.basket
    if key not in universe.baskets:
        raise UserError(
            "basket.unknown",
            token=clip(rest[0]),
            keys=", ".join(universe.baskets),
            example=example,
        )
    return key, period


@dataclass(frozen=True)
class HeatmapRequest:
    """`/heatmap [BASKET] [PERIOD]`."""

    key: str
    period: Period


def parse_heatmap(args: Sequence[str], universe: Universe, today: dt.date) -> HeatmapRequest:
    """Parse `/heatmap [BASKET] [PERIOD]`; the default basket is /rally's."""
    return HeatmapRequest(*_basket_and_period("heatmap", args, universe, today))


@dataclass(frozen=True)
class ChartRequest:
    """`/chart NAME... [PERIOD]`: index keys, basket keys or symbols."""

    names: tuple[str, ...]
    period: Period


def parse_chart(
    args: Sequence[str], universe: Universe, known_symbols: Sequence[str], today: dt.date
) -> ChartRequest:
    """Parse `/chart SYMBOL_OR_KEY... [PERIOD]` (up to six series)."""
    example = "/chart star50 chinext ndx ytd"
    rest, period = split_period(args, universe, today, example)
    if not rest:
        raise UserError("chart.missing", limit=MAX_CHART_SERIES, example=example)
    if len(rest) > MAX_CHART_SERIES:
        raise UserError("chart.too_many", limit=MAX_CHART_SERIES, example=example)
    names = [resolve_name(token, universe, known_symbols, example) for token in rest]
    return ChartRequest(tuple(dict.fromkeys(names)), period)


@dataclass(frozen=True)
class CompareRequest:
    """`/compare A B [PERIOD]`."""

    first: str
    second: str
    period: Period


def parse_compare(
    args: Sequence[str], universe: Universe, known_symbols: Sequence[str], today: dt.date
) -> CompareRequest:
    """Parse `/compare A B [PERIOD]`: the spread A minus B over the period."""
    example = "/compare star50 ndx ytd"
    rest, period = split_period(args, universe, today, example)
    if len(rest) != 2:
        raise UserError("compare.arity", example=example)
    first, second = (resolve_name(token, universe, known_symbols, example) for token in rest)
    if first == second:
        raise UserError("compare.same", example=example)
    if first in universe.baskets or second in universe.baskets:
        raise UserError("compare.basket", example=example)
    return CompareRequest(first, second, period)


# ---- chat operations --------------------------------------------------------------------

DEFAULT_TIME = "16:30"
SUBSCRIBE_EXAMPLE = "/subscribe 08:00 Europe/London"
SETTINGS_EXAMPLE = "/settings tz Asia/Shanghai"
_HHMM = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_LANGUAGE_CHOICES = ("en", "zh", "auto")


@dataclass(frozen=True)
class SubscribeRequest:
    """/subscribe: a local time, a zone (None: the chat's own) and whether every day."""

    time: str
    zone: str | None
    every_day: bool


@dataclass(frozen=True)
class SettingsChange:
    """/settings NAME VALUE: one setting to change ("" for lang means follow the user)."""

    name: str
    value: str


@dataclass(frozen=True)
class UnalertRequest:
    """/unalert: one alert by id, or every alert of the chat (None)."""

    alert_id: int | None


def parse_time(token: str) -> str | None:
    """'8:05' -> '08:05'; None when the token is not a 24-hour time."""
    match = _HHMM.match(token.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    # Only names that are real zones: "Europe" is a folder, "localtime" and "posixrules"
    # are files of the database but no place anyone lives.
    zones = {z for z in available_timezones() if "/" in z or z == "UTC"}
    return {zone.lower(): zone for zone in zones - {"Factory", "localtime", "posixrules"}}


def resolve_timezone(token: str) -> str | None:
    """An IANA zone name with the user's capitalisation fixed; None when unknown."""
    name = token.strip()
    if name.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    zone = _zones_by_lower_name().get(name.lower())
    if zone is None:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return zone


def require_timezone(token: str, example: str) -> str:
    """The zone named by `token`, or a UserError showing a correct example."""
    zone = resolve_timezone(token) if len(token) <= 64 else None
    if zone is None:
        raise UserError("tz.unknown", token=clip(token), example=example)
    return zone


def parse_subscribe(args: Sequence[str]) -> SubscribeRequest:
    """`[HH:MM] [TZ] [every day]`; the time defaults to 16:30, the zone to the chat's own."""
    tokens = [a for a in args if a]
    every_day = False
    lowered = [x.lower() for x in tokens]
    if lowered[-2:] == ["every", "day"]:
        tokens, every_day = tokens[:-2], True
    elif lowered[-1:] in (["everyday"], ["daily"]):
        tokens, every_day = tokens[:-1], True
    if len(tokens) > 2:
        raise UserError("subscribe.usage", example=SUBSCRIBE_EXAMPLE)
    time: str | None = None
    zone: str | None = None
    for token in tokens:
        parsed = parse_time(token)
        if parsed is not None and time is None:
            time = parsed
        elif token[:1].isdigit() and time is None:
            raise UserError("subscribe.time_bad", token=clip(token), example=SUBSCRIBE_EXAMPLE)
        elif zone is None and parsed is None and not token[:1].isdigit():
            zone = require_timezone(token, SUBSCRIBE_EXAMPLE)
        else:  # a second time or a second zone
            raise UserError("subscribe.usage", example=SUBSCRIBE_EXAMPLE)
    return SubscribeRequest(time or DEFAULT_TIME, zone, every_day)


def parse_settings(args: Sequence[str]) -> SettingsChange | None:
    """`tz ZONE | lang en|zh|auto | who everyone|admins`; None (no arguments) shows them."""
    if not args:
        return None
    if len(args) != 2:
        raise UserError("settings.usage", example=SETTINGS_EXAMPLE)
    name, value = args[0].lower(), args[1]
    if name == "tz":
        return SettingsChange("tz", require_timezone(value, SETTINGS_EXAMPLE))
    if name == "lang" and value.lower() in _LANGUAGE_CHOICES:
        return SettingsChange("lang", "" if value.lower() == "auto" else value.lower())
    if name == "who" and value.lower() in {"everyone", "admins"}:
        return SettingsChange("who", value.lower())
    raise UserError("settings.usage", example=SETTINGS_EXAMPLE)


def parse_unalert(args: Sequence[str]) -> UnalertRequest:
    """`ID` (with or without #) or `all`."""
    if len(args) != 1:
        raise UserError("unalert.usage")
    token = args[0].lstrip("#").lower()
    if token == "all":
        return UnalertRequest(None)
    if not token.isdigit() or len(token) > 12:
        raise UserError("unalert.usage")
    return UnalertRequest(int(token))


# ---- /alert TARGET METRIC OP VALUE [once|every] ----------------------------------------
ALERT_EXAMPLE = "/alert star50 mtd > 10%"
_OP_ALIASES = {"≥": ">=", "≤": "<=", "=>": ">=", "=<": "<="}
_VALUE = re.compile(r"^([+\-−]?)\$?(\d+(?:\.\d+)?)(%|pp|[kmbt])?$", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
MAX_THRESHOLD = 1e15  # a quadrillion: above any market cap or index level


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
        example=ALERT_EXAMPLE,
    )


def parse_value(token: str) -> tuple[float, str | None]:
    """A threshold and its unit: '12%' -> (0.12, '%'), '1.2T' -> (1.2e12, 't'), '6000' plain."""
    match = _VALUE.match(token.strip())
    if match is None:
        raise UserError("alert.value_bad", token=clip(token), example=ALERT_EXAMPLE)
    sign, digits, suffix = match.groups()
    number = float(digits) * (-1 if sign in {"-", "−"} else 1)
    suffix = suffix.lower() if suffix else None
    if suffix in {"%", "pp"}:
        number /= 100.0
    elif suffix in _SCALE:
        number *= _SCALE[suffix]
    # Checked after scaling: 1e300 with a T suffix is no longer finite.
    if not math.isfinite(number) or abs(number) > MAX_THRESHOLD:
        raise UserError("alert.value_bad", token=clip(token), example=ALERT_EXAMPLE)
    return number, suffix if suffix in {"%", "pp", *_SCALE} else None


def parse_alert(
    args: Sequence[str], universe: Universe, known_symbols: Sequence[str]
) -> Condition:
    """Parse `/alert TARGET METRIC OP VALUE [once|every]` into a normalized Condition."""
    tokens = [a for a in args if a]
    if not tokens:
        raise UserError("alert.usage", example=ALERT_EXAMPLE)
    _reject_ranges(tokens)
    repeat: Literal["once", "every"] = "once"
    if tokens[-1].lower() in {"once", "every"}:
        repeat = "every" if tokens.pop().lower() == "every" else "once"
    if len(tokens) < 4:
        raise UserError("alert.usage", example=ALERT_EXAMPLE)
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
            raise UserError("alert.usage", example=ALERT_EXAMPLE)
        metric_token, op_token, value_token = rest
        if metric_token.lower() == "price":
            metric = "price"
        else:
            period = parse_period(metric_token)
            if period is None:
                raise UserError(
                    "alert.metric_bad", token=clip(metric_token), example=ALERT_EXAMPLE
                )
            metric = period
    op = _OP_ALIASES.get(op_token, op_token.lower())
    if op not in OPERATORS:
        raise UserError(
            "alert.op_bad", token=clip(op_token), ops=" ".join(OPERATORS), example=ALERT_EXAMPLE
        )
    threshold, suffix = parse_value(value_token)
    unit = _unit_for(kind, metric, suffix, value_token)
    return Condition(target, kind, metric, op, threshold, unit, repeat)


def _reject_ranges(tokens: Sequence[str]) -> None:
    """Alerts watch the fixed periods only: a since-date or a range gets a clear error."""
    if any(token.lower() == "since" or ".." in token for token in tokens):
        raise UserError("alert.no_ranges", periods=", ".join(PERIODS), example=ALERT_EXAMPLE)


ALERT_UNTIL_EXAMPLE = "/alert star50 mtd > 10% until 2026-12-31"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class AlertRequest:
    """/alert: the condition and, with `until DATE`, the last day it may fire."""

    condition: Condition
    until: dt.date | None = None


def parse_until(token: str) -> dt.date:
    """A calendar day written YYYY-MM-DD (the date an alert stops after)."""
    match = _ISO_DATE.match(token.strip())
    try:
        if match is None:
            raise ValueError(token)
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise UserError(
            "alert.until_bad", token=clip(token), example=ALERT_UNTIL_EXAMPLE
        ) from None


def parse_alert_request(
    args: Sequence[str], universe: Universe, known_symbols: Sequence[str]
) -> AlertRequest:
    """`/alert TARGET METRIC OP VALUE [once|every] [until YYYY-MM-DD]`; `until DATE` may
    stand anywhere after the target."""
    tokens = [a for a in args if a]
    marks = [index for index, token in enumerate(tokens) if token.lower() == "until"]
    if not marks:
        return AlertRequest(parse_alert(tokens, universe, known_symbols))
    at = marks[0]
    if len(marks) > 1 or at + 1 >= len(tokens):
        raise UserError("alert.until_missing", example=ALERT_UNTIL_EXAMPLE)
    until = parse_until(tokens[at + 1])
    rest = tokens[:at] + tokens[at + 2 :]
    return AlertRequest(parse_alert(rest, universe, known_symbols), until)


def parse_alerts(args: Sequence[str]) -> bool:
    """/alerts [history]: True when the chat's firing history is asked for."""
    if not args:
        return False
    if len(args) == 1 and args[0].lower() == "history":
        return True
    raise UserError("alerts.usage")


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
        raise UserError("alert.return_pct", token=clip(token), example=ALERT_EXAMPLE)
    return "pct"
