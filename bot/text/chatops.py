"""Chat-ops HTML: conditions in words, alert messages, lists, confirmations, the digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.analytics.model import Snapshot
from bot.chatops.conditions import Condition
from bot.chatops.records import AlertFiring, AlertRecord
from bot.core.universe import Universe
from bot.text.formatting import fmt_pct, fmt_pp, fmt_price, fmt_usd
from bot.text.i18n import t
from bot.text.market import CAPTION_LIMIT, coverage_line, esc, fit, markets_line, source_line


def target_label(condition: Condition, universe: Universe, snapshot: Snapshot | None) -> str:
    """A person's name for the alert's target: 'STAR 50', 'STAR 50 − Nasdaq 100', 'Alibaba'."""
    if condition.kind == "index":
        return universe.indices[condition.target].name
    if condition.kind == "basket":
        return universe.baskets[condition.target].name
    if condition.kind == "spread":
        first, _, second = condition.target.partition("-")
        return f"{universe.indices[first].name} − {universe.indices[second].name}"
    info = snapshot.instrument(condition.target) if snapshot else None
    if info and info.name and info.name != condition.target:
        return f"{info.name} ({condition.target})"
    return condition.target


def format_value(value: float | None, condition: Condition, threshold: bool = False) -> str:
    """A metric's value in the condition's unit; thresholds print as typed (6,000 not 6,000.00)."""
    if condition.unit == "pct":
        return fmt_pct(value)
    if condition.unit == "pp":
        return fmt_pp(value)
    if condition.unit == "usd":
        return fmt_usd(value)
    if threshold and value is not None:
        return f"{value:,.10g}"
    return fmt_price(value)


def describe(
    condition: Condition, universe: Universe, snapshot: Snapshot | None, lang: str
) -> str:
    """The condition in words (escaped HTML): 'STAR 50 MTD return > +10.0%'."""
    period = condition.period or ""
    if condition.metric == "price":
        metric = t(lang, "metric.price")
    elif condition.metric.startswith("value:"):
        metric = t(lang, "metric.value", period=period)
    elif condition.kind == "spread":
        metric = t(lang, "metric.spread", period=period)
    elif condition.kind == "basket":
        metric = t(lang, "metric.basket_return", period=period)
    else:
        metric = t(lang, "metric.return", period=period)
    label = target_label(condition, universe, snapshot)
    op = t(lang, f"op.{condition.op}")
    return esc(f"{label} {metric} {op} {format_value(condition.threshold, condition, True)}")


def alert_created(
    record: AlertRecord,
    condition: Condition,
    value: float | None,
    universe: Universe,
    snapshot: Snapshot | None,
    lang: str,
    until: dt.date | None = None,
) -> str:
    """The confirmation of a new alert, with the value now (and its last day, if any)."""
    repeat = t(lang, "alert.repeat_every" if condition.repeat == "every" else "alert.repeat_once")
    if until is not None:
        repeat += " " + t(lang, "alert.until", date=until.isoformat())
    return t(
        lang,
        "alert.created",
        id=record.id,
        condition=describe(condition, universe, snapshot, lang),
        value=esc(format_value(value, condition)),
        repeat=esc(repeat),
    )


def last_day(expires_at: str, tz: str) -> dt.date:
    """The `until` day of an alert that expires at `expires_at` (the end of that day in
    the chat's zone)."""
    end = dt.datetime.fromisoformat(expires_at).astimezone(ZoneInfo(tz))
    return (end - dt.timedelta(seconds=1)).date()


def alert_fired(
    record: AlertRecord,
    condition: Condition,
    value: float,
    universe: Universe,
    snapshot: Snapshot | None,
    lang: str,
) -> str:
    """The message a firing sends; starts with 'Alert' in English."""
    return t(
        lang,
        "alert.fired",
        id=record.id,
        condition=describe(condition, universe, snapshot, lang),
        value=esc(format_value(value, condition)),
    )


def alert_list(
    records: Sequence[AlertRecord],
    universe: Universe,
    snapshot: Snapshot | None,
    lang: str,
    tz: str = "UTC",
    expired: Sequence[int] = (),
) -> str:
    """/alerts: each alert with its id, state, when it last fired and its last day; the
    ids of alerts that expired and were just removed."""
    gone = (
        [esc(t(lang, "alert.expired", ids=", ".join(f"#{i}" for i in expired)))] if expired else []
    )
    if not records:
        return "\n".join(
            [*gone, esc(t(lang, "alert.list_empty", example="/alert star50 mtd > 10%"))]
        )
    lines = [t(lang, "alert.list_title")]
    for record in records:
        condition = Condition.from_json(record.condition)
        if record.armed:
            state = t(lang, "alert.state_armed")
        elif condition.repeat == "every":
            state = t(lang, "alert.state_waiting")
        else:
            state = t(lang, "alert.state_fired")
        fired = (
            t(lang, "alert.last_fired", when=record.last_fired_at.replace("T", " ")[:16])
            if record.last_fired_at
            else t(lang, "alert.never_fired")
        )
        until = (
            " · " + esc(t(lang, "alert.expires", date=last_day(record.expires_at, tz)))
            if record.expires_at
            else ""
        )
        lines.append(
            f"#{record.id} {describe(condition, universe, snapshot, lang)}"
            f"{' (every)' if condition.repeat == 'every' else ''} · {esc(state)} · {esc(fired)}"
            f"{until}"
        )
    return "\n".join([*lines, *gone])


def alert_history(
    firings: Sequence[AlertFiring],
    universe: Universe,
    snapshot: Snapshot | None,
    lang: str,
    tz: str,
) -> str:
    """/alerts history: each firing, newest first, with the value that fired it and when
    (in the chat's zone)."""
    if not firings:
        return esc(t(lang, "alert.history_empty"))
    lines = [t(lang, "alert.history_title")]
    for firing in firings:
        condition = Condition.from_json(firing.condition)
        when = dt.datetime.fromisoformat(firing.fired_at).astimezone(ZoneInfo(tz))
        lines.append(
            t(
                lang,
                "alert.history_line",
                when=esc(when.strftime("%Y-%m-%d %H:%M ") + (when.tzname() or tz)),
                id=firing.alert_id,
                condition=describe(condition, universe, snapshot, lang),
                value=esc(format_value(firing.value, condition)),
            )
        )
    return "\n".join(lines)


def local_time_text(moment: dt.datetime, tz: str) -> str:
    """'Wed 25 Nov 16:30 HKT' in the chat's zone."""
    local = moment.astimezone(ZoneInfo(tz))
    return local.strftime("%a %d %b %H:%M ") + (local.tzname() or tz)


def subscribed(time: str, tz: str, every_day: bool, next_at: dt.datetime, lang: str) -> str:
    """The /subscribe confirmation: time, zone and the next delivery in the chat's local time."""
    days = t(lang, "subscribe.every_day" if every_day else "subscribe.trading_days")
    return esc(
        t(lang, "subscribe.done", time=time, tz=tz, days=days, next=local_time_text(next_at, tz))
    )


def digest_caption(snapshot: Snapshot, universe: Universe, fired: Sequence[str], lang: str) -> str:
    """The digest: 1D with MTD alongside, the basket, today's movers, alerts since last time."""
    rally = universe.rally
    bench = universe.indices[rally.benchmark]
    lines = [t(lang, "digest.title", date=esc(snapshot.as_of))]
    if snapshot.is_demo:
        lines[0] += " · <b>DEMO</b>"
    lines.append(
        f"{esc(bench.name)} 1D {fmt_pct(snapshot.period_return(bench.symbol, '1D'))} · MTD "
        f"{fmt_pct(snapshot.period_return(bench.symbol, 'MTD'))}"
    )
    for key in rally.boards:
        spec = universe.indices[key]
        spread = snapshot.spread(key, rally.benchmark, "1D")
        lines.append(
            esc(
                t(
                    lang,
                    "digest.board",
                    name=spec.name,
                    day=fmt_pct(snapshot.period_return(spec.symbol, "1D")),
                    month=fmt_pct(snapshot.period_return(spec.symbol, "MTD")),
                    spread=fmt_pp(spread),
                    bench="NDX",
                )
            )
        )
    basket = snapshot.basket(rally.basket)
    if basket:
        day, month = basket.stats("1D"), basket.stats("MTD")
        lines.append("")
        lines.append(
            esc(
                t(
                    lang,
                    "digest.basket",
                    name=basket.name,
                    day=f"{fmt_usd(day.value_change_usd)} ({fmt_pct(day.cap)})",
                    month=f"{fmt_usd(month.value_change_usd)} ({fmt_pct(month.cap)})",
                )
            )
        )
        moves = basket.moves["1D"]
        picked = moves[:3] + tuple(m for m in moves[-2:] if m not in moves[:3])
        if picked:
            movers = " · ".join(f"{m.name} {fmt_usd(m.value_change_usd)}" for m in picked)
            lines.append(esc(t(lang, "digest.movers", movers=movers)))
        coverage = coverage_line(basket, lang)
        if coverage:
            lines.append(coverage)
    if fired:
        lines.append("")
        lines.append(esc(t(lang, "digest.fired")))
        lines.extend(f"~• {line}" for line in fired)
    lines.append("")
    lines.append(f"<i>{markets_line(snapshot, lang)}</i>")
    lines.append(source_line(snapshot.provider, lang))
    return fit(lines, CAPTION_LIMIT)
