"""Whether stored history still matches the source: corporate actions, revised closes,
and fallback bars that may only extend it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd

from bot.sources.base import (
    CorporateAction,
    FetchResult,
)

MISMATCH_TOLERANCE = 5e-4
"""Relative difference above which a re-fetched close is a revision, not rounding."""


def history_revisions(
    result: FetchResult,
    stored: pd.DataFrame,
    windows: Mapping[str, dt.date],
    history_start: dt.date,
    seen: Mapping[str, dt.date],
) -> dict[str, list[CorporateAction]]:
    """Per symbol whose stored history no longer matches the source, the actions why.

    A split or dividend counts once: the stored bars of a symbol already reflect every
    action on or before its `seen` day. A changed overlapping close counts always (an
    empty list of actions).
    """
    revised: dict[str, list[CorporateAction]] = {}
    for symbol in result.closes.columns:
        if symbol in result.append_only or symbol not in stored.columns:
            continue
        if windows[symbol] == history_start:
            continue  # fetched whole anyway
        reflected = seen.get(symbol, dt.date.min)
        new = [a for a in result.events.get(symbol, []) if a.day > reflected]
        if new:
            revised[symbol] = new
        elif _closes_changed(stored[symbol], result.closes[symbol]):
            revised[symbol] = []
    return revised


def actions_reflected(result: FetchResult, seen: Mapping[str, dt.date]) -> dict[str, dt.date]:
    """The newest action each stored symbol's bars now reflect, where it moved on."""
    moved: dict[str, dt.date] = {}
    for symbol, actions in result.events.items():
        if symbol not in result.closes.columns or symbol in result.append_only or not actions:
            continue
        newest = max(a.day for a in actions)
        if newest > seen.get(symbol, dt.date.min):
            moved[symbol] = newest
    return moved


def _closes_changed(stored: pd.Series, fetched: pd.Series) -> bool:
    """Whether any overlapping settled day's close changed at the source.

    The newest stored bar is left out: it may have been taken while its market traded.
    """
    old = stored.dropna().iloc[:-1]
    both = pd.concat({"old": old, "new": fetched.dropna()}, axis=1, join="inner")
    change = (both["new"] / both["old"] - 1.0).abs()
    return bool((change > MISMATCH_TOLERANCE).any())


def keep_extending_bars(result: FetchResult, stored: pd.DataFrame) -> set[str]:
    """Cut a fallback's bars (not split-adjusted) to the days that extend stored history.

    They are kept only after the newest stored close, and only when both sources agree on
    that close; otherwise the symbol counts as failed. Returns the symbols extended: a split
    after the checked day could still hide in their new bars, so their whole history is to
    be fetched again from the first source as soon as it answers.
    """
    extended: set[str] = set()
    for symbol in [s for s in result.closes.columns if s in result.append_only]:
        old = stored[symbol].dropna() if symbol in stored.columns else pd.Series(dtype=float)
        new = result.closes[symbol].dropna()
        if old.empty or old.index[-1] not in new.index:
            reason = "fallback source has no day in common with stored history"
        elif abs(new[old.index[-1]] / old.iloc[-1] - 1.0) > MISMATCH_TOLERANCE:
            reason = "fallback source disagrees with stored history (a split?)"
        else:
            result.closes.loc[result.closes.index <= old.index[-1], symbol] = math.nan
            extended.add(symbol)
            continue
        result.closes = result.closes.drop(columns=symbol)
        result.failures[symbol] = reason
    return extended
