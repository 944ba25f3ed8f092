"""Inline-button callback data: one encoder and one decoder, within Telegram's 64 bytes.

The wire forms are `rally:P`, `index:KEY:P`, `basket:KEY:P`, `basket:KEY:P:PAGE` and
`compare:A:B:P`; buttons of messages sent before a change keep working as long as these
stay. P is a fixed period key (`YTD`) or a date range: `20250127-` (since that day) or
`20250401-20251231` (both days included).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from bot.analytics.periods import PERIODS, DateRange, Period

CALLBACK_DATA_LIMIT = 64
"""Telegram's limit on callback data, in bytes."""

KINDS = ("rally", "index", "basket", "compare", "heatmap")
_WIRE_RANGE = re.compile(r"^(\d{8})-(\d{8})?$")


@dataclass(frozen=True)
class ButtonAction:
    """What pressing a button asks for: an answer kind, its names, a period, a page."""

    kind: str
    period: Period
    names: tuple[str, ...] = ()
    """The index or basket key, or the two names compared."""
    page: int | None = None

    def with_period(self, period: Period) -> ButtonAction:
        """The same answer for another period (from its first page)."""
        return dataclasses.replace(self, period=period, page=None)


def encode(action: ButtonAction) -> str:
    """The callback data of `action`; ValueError when it would not fit in 64 bytes."""
    parts = [action.kind, *action.names, encode_period(action.period)]
    if action.page is not None:
        parts.append(str(action.page))
    data = ":".join(parts)
    if len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def encode_period(period: Period) -> str:
    """A period on the wire: its key, or a range's days as `YYYYMMDD-[YYYYMMDD]`."""
    if isinstance(period, str):
        return period
    end = period.end.strftime("%Y%m%d") if period.end else ""
    return f"{period.start.strftime('%Y%m%d')}-{end}"


def decode_period(token: str) -> Period | None:
    """The period behind `encode_period`'s form; None when it is neither."""
    if token in PERIODS:
        return token
    match = _WIRE_RANGE.match(token)
    if match is None:
        return None
    try:
        start = dt.datetime.strptime(match.group(1), "%Y%m%d").date()
        end = dt.datetime.strptime(match.group(2), "%Y%m%d").date() if match.group(2) else None
    except ValueError:
        return None
    if end is not None and end < start:
        return None  # no button of ours says so: forged or garbled
    return DateRange(start, end)


def decode(data: str) -> ButtonAction | None:
    """The action behind callback data; None for data this version does not understand."""
    parts = data.split(":")
    kind = parts[0]
    names_count = {"rally": 0, "index": 1, "basket": 1, "compare": 2, "heatmap": 1}.get(kind)
    if names_count is None:
        return None
    page: int | None = None
    if kind == "basket" and len(parts) == 4:
        if not parts[3].isdigit() or len(parts[3]) > 4:
            return None
        page = int(parts[3])
        parts = parts[:3]
    if len(parts) != names_count + 2:
        return None
    period = decode_period(parts[-1])
    names = tuple(parts[1:-1])
    if period is None or any(not name for name in names):
        return None
    return ButtonAction(kind, period, names, page)
