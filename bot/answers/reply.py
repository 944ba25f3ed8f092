"""What an answer is: HTML text, maybe a chart described as data, maybe buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.analytics.periods import PERIODS, DateRange
from bot.commands.callbacks import ButtonAction, encode
from bot.text.i18n import t
from charts.model import ChartSpec


@dataclass(frozen=True)
class Button:
    """An inline button: its label and its callback data (at most 64 bytes), or, for a Share
    button, the inline query it puts after @bot in the chat the user picks."""

    text: str
    data: str = ""
    switch_inline_query: str | None = None


@dataclass(frozen=True)
class Chart:
    """A chart to attach: a cache name unique per snapshot version, and what to draw."""

    name: str
    spec: ChartSpec


@dataclass(frozen=True)
class Reply:
    """Everything one answer sends: HTML text (a caption when there is a chart)."""

    text: str
    chart: Chart | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()


def share_button(query: str, lang: str) -> tuple[Button, ...]:
    """A row with one Share button that asks `query` inline in a chat the user picks."""
    return (Button(t(lang, "button.share"), switch_inline_query=query),)


def period_buttons(action: ButtonAction) -> tuple[tuple[Button, ...], ...]:
    """One row of 1D · 5D · MTD · YTD · 1Y buttons for `action`; its period is marked.

    An answer over a date range gets a second row with that range, marked, when its
    callback data fits in 64 bytes (two long symbols compared may not leave room).
    """
    rows = [
        tuple(
            Button(f"• {p} •" if p == action.period else p, encode(action.with_period(p)))
            for p in PERIODS
        )
    ]
    if isinstance(action.period, DateRange):
        try:
            data = encode(action.with_period(action.period))
        except ValueError:
            return tuple(rows)
        rows.append((Button(f"• {range_button_label(action.period)} •", data),))
    return tuple(rows)


def range_button_label(date_range: DateRange) -> str:
    """A range as its button shows it: '2025-01-27 →' or '2025-04-01 → 2025-12-31'."""
    end = date_range.end.isoformat() if date_range.end else ""
    return f"{date_range.start.isoformat()} → {end}".rstrip()
