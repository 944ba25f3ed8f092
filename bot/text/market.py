"""Telegram HTML for every answer: pure functions of the snapshot, escaped, within limits."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.analytics.model import Basket, Snapshot
from bot.analytics.periods import PERIODS, DateRange, Period, period_key
from bot.core.universe import EXCHANGE_LABEL, Universe
from bot.text.formatting import fmt_pct, fmt_pp, fmt_price, fmt_usd
from bot.text.i18n import CATALOGUE, t

CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096
_MARKET_SHORT = ("XSHG", "XHKG", "XNYS")
_SOURCES = {"demo": "source.demo", "yahoo": "source.yahoo", "csv": "source.csv"}
_TAG = re.compile(r"<[^>]+>")


def esc(value: object) -> str:
    """Escape anything for Telegram's HTML parse mode."""
    return html.escape(str(value), quote=False)


def source_line(provider: str, lang: str = "en") -> str:
    """Where the numbers come from; demo data always says so."""
    key = _SOURCES.get(provider)
    return t(lang, key) if key else t(lang, "source.other", provider=esc(provider))


def chart_source(provider: str, lang: str = "en") -> str:
    """The source line printed on charts."""
    return t(lang, "chart.source_demo") if provider == "demo" else source_line(provider, lang)


def sector_name(sector: str, lang: str = "en") -> str:
    """A sector key's display name in `lang`; the key itself when the catalogue has none."""
    key = f"sector.{sector}"
    return t(lang, key) if key in CATALOGUE else sector.replace("_", " ").capitalize()


def heatmap_caption(name: str, period: Period, lang: str = "en") -> str:
    """The /heatmap caption's first line (HTML)."""
    return t(lang, "heatmap.caption", name=esc(name), period=period_label(period, lang))


def sector_line(changes: Sequence[tuple[str, float]], lang: str = "en") -> str:
    """'By sector: Chips and equipment +$12.0B · Platforms −$3.1B' (HTML)."""
    parts = [f"{esc(sector_name(sector, lang))} {fmt_usd(change)}" for sector, change in changes]
    return t(lang, "basket.sectors", sectors=" · ".join(parts))


def period_name(period: Period, lang: str = "en") -> str:
    """A period as people read it, plain text: 'YTD', 'since DeepSeek R1 shock (2025-01-27)'."""
    if not isinstance(period, DateRange):
        return period
    start = period.start.isoformat()
    if period.end is not None:
        return t(lang, "period.range", start=start, end=period.end.isoformat())
    if period.label:
        return t(lang, "period.since_event", name=period.label, start=start)
    return t(lang, "period.since", start=start)


def period_label(period: Period, lang: str = "en") -> str:
    """`period_name` escaped for Telegram HTML (an event's name comes from a user's file)."""
    return esc(period_name(period, lang))


def market_dates(snapshot: Snapshot, lang: str = "en") -> str:
    """'SH/SZ 11-25 · HK 11-25 · NY 11-24' from each market's newest bar; '' before any."""
    markets = snapshot.markets
    return " · ".join(
        f"{t(lang, f'market.short.{exchange}')} {markets[exchange][5:]}"
        for exchange in _MARKET_SHORT
        if exchange in markets
    )


def markets_line(snapshot: Snapshot, lang: str = "en") -> str:
    """'as of SH/SZ 11-25 · HK 11-25 · NY 11-24' from each market's newest bar."""
    dates = market_dates(snapshot, lang)
    return t(lang, "as_of", when=dates) if dates else t(lang, "markets.none")


def exchange_label(exchange: str, lang: str = "en") -> str:
    """An exchange's display name in `lang` ('Hong Kong' / '香港')."""
    key = f"market.{exchange}"
    return t(lang, key) if key in CATALOGUE else EXCHANGE_LABEL.get(exchange, exchange)


def coverage_line(basket: Basket, lang: str = "en") -> str | None:
    """One short HTML line when not every member of a basket has a fresh close, else None."""
    coverage = basket.coverage
    if coverage.complete:
        return None
    parts = [t(lang, "coverage.fresh", fresh=coverage.fresh, members=basket.members)]
    carried = coverage.carried
    if carried:
        shown = ", ".join(f"{esc(c.symbol)} {esc(c.date[5:])}" for c in carried[:4])
        more = f" +{len(carried) - 4}" if len(carried) > 4 else ""
        parts.append(t(lang, "coverage.carried", count=len(carried), symbols=shown + more))
    missing = coverage.missing
    if missing:
        shown = ", ".join(esc(symbol) for symbol in missing[:4])
        more = f" +{len(missing) - 4}" if len(missing) > 4 else ""
        parts.append(t(lang, "coverage.missing", count=len(missing), symbols=shown + more))
    return "⏳ " + " · ".join(parts)


def ratio_withheld_line(snapshot: Snapshot, universe: Universe, lang: str = "en") -> str | None:
    """Why the China/US AI cap ratio is not shown (a basket misses >10% of its value)."""
    rally = universe.rally
    if snapshot.ratios.get(f"{rally.basket}/{rally.compare_basket}") is not None:
        return None
    for key in (rally.basket, rally.compare_basket):
        basket = snapshot.basket(key)
        if basket is None or not basket.coverage.missing or not basket.ratio_problem():
            continue
        share = basket.coverage.missing_share
        return t(
            lang,
            "rally.ratio_withheld",
            name=esc(basket.name),
            symbols=esc(", ".join(basket.coverage.missing[:5])),
            share="?" if share is None else f"{share:.0%}",
        )
    return None


def visible_length(text: str) -> int:
    """Length of an HTML message after Telegram strips tags and decodes entities."""
    # Telegram measures in UTF-16 code units: an emoji flag counts four, not two.
    return len(html.unescape(_TAG.sub("", text)).encode("utf-16-le")) // 2


def fit(lines: Sequence[str], limit: int) -> str:
    """Join lines, dropping optional ones (prefixed '~') from the end until within limit."""
    kept = list(lines)
    while visible_length("\n".join(x.lstrip("~") for x in kept)) > limit:
        optional = [i for i, line in enumerate(kept) if line.startswith("~")]
        if not optional:
            break
        kept.pop(optional[-1])
    text = "\n".join(x.lstrip("~") for x in kept)
    if visible_length(text) > limit:
        text = esc(html.unescape(text)[: limit - 1]) + "…"
    return text


def _verdict(spread: float | None, lang: str) -> str:
    if spread is not None and spread > 0:
        return t(lang, "rally.beating")
    if spread is not None and spread < 0:
        return t(lang, "rally.lagging")
    return ""  # level, or unknown (None or NaN)


def rally_caption(
    snapshot: Snapshot,
    universe: Universe,
    period: Period,
    warnings: Sequence[str] = (),
    *,
    lang: str = "en",
) -> str:
    """The /rally caption: boards vs benchmark, basket value change, top 3, ratio, as-of."""
    rally = universe.rally
    bench_key = rally.benchmark
    bench_name = universe.indices[bench_key].name
    lines = [f"<b>{t(lang, 'rally.title', period=period_label(period, lang))}</b>"]
    period = period_key(period)
    if snapshot.is_demo:
        lines[0] += " · <b>DEMO</b>"
    lines.append(
        t(
            lang,
            "rally.benchmark",
            name=esc(bench_name),
            change=fmt_pct(snapshot.period_return(universe.indices[bench_key].symbol, period)),
        )
    )
    for key in rally.boards:
        spread = snapshot.spread(key, bench_key, period)
        lines.append(
            t(
                lang,
                "rally.board",
                name=esc(universe.indices[key].name),
                change=fmt_pct(snapshot.period_return(universe.indices[key].symbol, period)),
                spread=fmt_pp(spread),
                bench=esc(_short(bench_name)),
                verdict=_verdict(spread, lang),
            )
        )
    basket = snapshot.basket(rally.basket)
    if basket:
        stats = basket.stats(period)
        lines.append("")
        lines.append(
            t(
                lang,
                "rally.basket",
                name=esc(basket.name),
                change=fmt_usd(stats.value_change_usd),
                cap=fmt_pct(stats.cap),
                included=stats.included,
                members=basket.members,
            )
        )
        top = basket.top(period, 3)
        if top:
            movers = " · ".join(f"{esc(m.name)} {fmt_usd(m.value_change_usd)}" for m in top)
            lines.append(t(lang, "rally.top", movers=movers))
        coverage = coverage_line(basket, lang)
        if coverage:
            lines.append(coverage)
    withheld = ratio_withheld_line(snapshot, universe, lang)
    if withheld:
        lines.append(withheld)
    ratio_key = f"{rally.basket}/{rally.compare_basket}"
    ratio = snapshot.ratios.get(ratio_key)
    compare = snapshot.basket(rally.compare_basket)
    if ratio is not None and basket and compare:
        lines.append(
            t(
                lang,
                "rally.ratio",
                ratio=f"{ratio * 100:.1f}%",
                china=fmt_usd(basket.value_usd, signed=False),
                us=fmt_usd(compare.value_usd, signed=False),
            )
        )
    lines.append("")
    lines.extend(f"~⚠️ {esc(w)}" for w in warnings)
    lines.append(f"<i>{markets_line(snapshot, lang)}</i>")
    lines.append(source_line(snapshot.provider, lang))
    return fit(lines, CAPTION_LIMIT)


def _short(name: str) -> str:
    return {"Nasdaq 100": "NDX"}.get(name, name)


def index_caption(
    snapshot: Snapshot, universe: Universe, key: str, period: Period, *, lang: str = "en"
) -> str:
    """The /index caption: last close and every period's return, the chosen one in bold.

    A date range is a period of its own: its return comes after the fixed ones, in bold.
    """
    spec = universe.indices[key]
    info = snapshot.instrument(spec.symbol)
    lines = [f"<b>{esc(spec.name)}</b> ({esc(spec.symbol)}) · {period_label(period, lang)}"]
    extra = [] if isinstance(period, str) else [period.key]
    shown = {period_key(period): period_label(period, lang)}
    period = period_key(period)
    if info is None:
        lines.append(t(lang, "index.no_data"))
    else:
        lines.append(
            t(
                lang,
                "index.close",
                price=fmt_price(info.close),
                currency=esc(info.currency),
                date=esc(info.date),
            )
        )
        cells = []
        for p in (*PERIODS, *extra):
            value = fmt_pct(info.period_return(p))
            name = shown.get(p, p)
            cells.append(f"<b>{name} {value}</b>" if p == period else f"{name} {value}")
        lines.append(" · ".join(cells))
        bench = universe.rally.benchmark
        spread = snapshot.spread(key, bench, period)
        if spread is not None:
            lines.append(
                t(lang, "index.vs", name=esc(universe.indices[bench].name), spread=fmt_pp(spread))
            )
    lines.append(source_line(snapshot.provider, lang))
    return fit(lines, CAPTION_LIMIT)


def basket_page(
    snapshot: Snapshot,
    key: str,
    period: Period,
    page: int,
    per_page: int,
    *,
    lang: str = "en",
    sectors: Sequence[tuple[str, float]] = (),
) -> tuple[str, int]:
    """One page of /basket: members sorted by USD contribution; returns (html, page count)."""
    basket = snapshot.baskets[key]
    title = period_label(period, lang)
    period = period_key(period)
    stats = basket.stats(period)
    moves = basket.moves[period]
    pages = max(1, -(-len(moves) // per_page))
    page = min(max(page, 0), pages - 1)
    excluded = t(lang, "basket.excluded", excluded=stats.excluded) if stats.excluded else ""
    lines = [
        f"<b>{esc(basket.name)} · {title}</b>",
        t(
            lang,
            "basket.value_change",
            change=fmt_usd(stats.value_change_usd),
            cap=fmt_pct(stats.cap),
            equal=fmt_pct(stats.equal),
        ),
        t(
            lang,
            "basket.value_now",
            value=fmt_usd(basket.value_usd, signed=False),
            included=stats.included,
            members=basket.members,
        )
        + excluded,
    ]
    if sectors:
        lines.append(sector_line(sectors, lang))
    coverage = coverage_line(basket, lang)
    if coverage:
        lines.append(coverage)
    lines.append("")
    start = page * per_page
    for rank, move in enumerate(moves[start : start + per_page], start=start + 1):
        lines.append(
            f"{rank}. {esc(_clip_name(move.name))} <code>{esc(move.symbol)}</code> "
            f"{fmt_usd(move.value_change_usd)} ({fmt_pct(move.period_return)})"
        )
    lines.append("")
    footer = t(
        lang, "basket.footer", page=page + 1, pages=pages, markets=markets_line(snapshot, lang)
    )
    lines.append(f"<i>{footer}</i>")
    lines.append(source_line(snapshot.provider, lang))
    # Every page is a photo caption: page one is sent with the chart, the others edit it.
    return fit(lines, CAPTION_LIMIT), pages


def _clip_name(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def compare_caption(
    names: tuple[str, str],
    labels: tuple[str, str],
    returns: tuple[float | None, float | None],
    period: Period,
    provider: str,
    as_of: str,
    *,
    lang: str = "en",
) -> str:
    """The /compare caption: both returns and the spread in pp."""
    spread = None if None in returns else returns[0] - returns[1]  # type: ignore[operator]
    first, second = esc(labels[0]), esc(labels[1])
    label = period_label(period, lang)
    lines = [
        f"<b>{t(lang, 'compare.title', first=first, second=second, period=label)}</b>",
        f"{first} {fmt_pct(returns[0])} · {second} {fmt_pct(returns[1])}",
        t(lang, "compare.spread", spread=fmt_pp(spread)),
        f"<i>{t(lang, 'as_of', when=esc(as_of))}</i>",
        source_line(provider, lang),
    ]
    return fit(lines, CAPTION_LIMIT)


def chart_caption(
    labels: Sequence[str], period: Period, provider: str, as_of: str, *, lang: str = "en"
) -> str:
    """The /chart caption."""
    joined = " · ".join(esc(label) for label in labels)
    lines = [
        t(lang, "chart.caption", labels=joined, period=period_label(period, lang)),
        f"<i>{t(lang, 'as_of', when=esc(as_of))}</i>",
        source_line(provider, lang),
    ]
    return fit(lines, CAPTION_LIMIT)


def status_text(
    snapshot: Snapshot | None,
    refresh: Mapping[str, Any] | None,
    open_now: Mapping[str, bool],
    next_refresh: str | None,
    provider: str,
    *,
    failure: Mapping[str, Any] | None = None,
    lang: str = "en",
) -> str:
    """The /status message: refreshes, what failed and why, markets, the snapshot."""
    lines = [
        f"<b>{t(lang, 'status.title')}</b>",
        t(lang, "status.provider", provider=esc(provider)),
    ]
    if refresh:
        lines.append(
            t(
                lang,
                "status.last_refresh",
                at=esc(refresh["finished_at"]),
                symbols=refresh["symbols"],
                failed=len(refresh.get("failures", {})),
            )
        )
        lines.extend(_refresh_problems(refresh, lang))
    else:
        lines.append(t(lang, "status.never"))
    if failure:
        lines.append(
            t(lang, "status.last_good", at=esc(failure["at"]), reason=esc(failure["reason"]))
        )
    when = esc(next_refresh) if next_refresh else t(lang, "status.not_scheduled")
    lines.append(t(lang, "status.next_refresh", at=when))
    markets = snapshot.markets if snapshot else {}
    for exchange in EXCHANGE_LABEL:
        state = t(lang, "status.open" if open_now.get(exchange) else "status.closed")
        newest = esc(markets[exchange]) if exchange in markets else t(lang, "status.none")
        lines.append(
            t(
                lang,
                "status.market",
                market=esc(exchange_label(exchange, lang)),
                state=state,
                newest=newest,
            )
        )
    if snapshot:
        lines.append(
            t(
                lang,
                "status.snapshot",
                version=snapshot.version or "?",
                as_of=esc(snapshot.as_of),
            )
        )
        lines.append(source_line(snapshot.provider, lang))
    return fit(lines, MESSAGE_LIMIT)


def _refresh_problems(refresh: Mapping[str, Any], lang: str) -> list[str]:
    """What the last good refresh could not do: failed symbols, set-aside ones, share counts."""
    lines = []
    if refresh.get("requests"):
        lines.append(t(lang, "status.requests", requests=refresh["requests"]))
    failures = refresh.get("failing", refresh.get("failures", {}))
    if failures:
        items = "; ".join(f"{s} ({reason})" for s, reason in sorted(failures.items())[:8])
        lines.append(t(lang, "status.failed_symbols", symbols=esc(items)))
    set_aside = refresh.get("set_aside", {})
    if set_aside:
        lines.append(t(lang, "status.set_aside", symbols=esc(", ".join(sorted(set_aside)))))
    mismatches = refresh.get("share_mismatches", [])
    if mismatches:
        items = ", ".join(f"{m['symbol']} ×{m['ratio']:.2f}" for m in mismatches[:8])
        lines.append(t(lang, "status.shares", items=esc(items)))
    return lines
