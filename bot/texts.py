"""Telegram HTML for every answer: pure functions of the snapshot, escaped, within limits."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bot.analytics.periods import PERIODS
from bot.analytics.snapshot import Snapshot
from bot.formatting import fmt_pct, fmt_pp, fmt_price, fmt_usd
from bot.universe import EXCHANGE_LABEL, Universe

CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096
_MARKET_SHORT = {"XSHG": "SH/SZ", "XHKG": "HK", "XNYS": "NY"}


def esc(value: object) -> str:
    """Escape anything for Telegram's HTML parse mode."""
    return html.escape(str(value), quote=False)


def source_line(provider: str) -> str:
    """Where the numbers come from; demo data always says so."""
    if provider == "demo":
        return "⚠️ DEMO data: synthetic prices, not real quotes"
    return {"yahoo": "Source: Yahoo Finance", "csv": "Source: your CSV files"}.get(
        provider, f"Source: {esc(provider)}"
    )


def chart_source(provider: str) -> str:
    """The source line printed on charts."""
    return "Source: DEMO synthetic data" if provider == "demo" else source_line(provider)


def markets_line(snapshot: Snapshot) -> str:
    """'as of SH/SZ 11-25 · HK 11-25 · NY 11-24' from each market's newest bar."""
    markets = snapshot.get("markets", {})
    parts = [
        f"{short} {markets[exchange][5:]}"
        for exchange, short in _MARKET_SHORT.items()
        if exchange in markets
    ]
    return "as of " + " · ".join(parts) if parts else "no data yet"


def _instrument(snapshot: Snapshot, universe: Universe, key: str) -> Mapping[str, Any] | None:
    spec = universe.indices.get(key)
    return snapshot["instruments"].get(spec.symbol) if spec else None


def _ret(info: Mapping[str, Any] | None, period: str) -> float | None:
    return None if info is None else info["returns"].get(period)


def visible_length(text: str) -> int:
    """Length of an HTML message after Telegram strips tags and decodes entities."""
    import re  # noqa: PLC0415

    return len(html.unescape(re.sub(r"<[^>]+>", "", text)))


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


def rally_caption(
    snapshot: Snapshot, universe: Universe, period: str, warnings: Sequence[str] = ()
) -> str:
    """The /rally caption: boards vs benchmark, basket value change, top 3, ratio, as-of."""
    rally = universe.rally
    bench_key = rally.benchmark
    bench = _instrument(snapshot, universe, bench_key)
    bench_name = universe.indices[bench_key].name
    lines = [f"<b>China tech rally · {period}</b>"]
    if snapshot["provider"] == "demo":
        lines[0] += " · <b>DEMO</b>"
    lines.append(f"{esc(bench_name)} {fmt_pct(_ret(bench, period))} (benchmark)")
    for key in rally.boards:
        info = _instrument(snapshot, universe, key)
        spread = snapshot["spreads"].get(f"{key}-{bench_key}", {}).get(period)
        verdict = ""
        if spread is not None:
            verdict = " ▲ beating" if spread > 0 else " ▼ lagging" if spread < 0 else ""
        lines.append(
            f"{esc(universe.indices[key].name)} <b>{fmt_pct(_ret(info, period))}</b> · "
            f"{fmt_pp(spread)} vs NDX{verdict}".replace("NDX", esc(_short(bench_name)))
        )
    basket = snapshot["baskets"].get(rally.basket)
    if basket:
        stats = basket["returns"][period]
        lines.append("")
        lines.append(
            f"💰 {esc(basket['name'])}: <b>{fmt_usd(stats['value_change_usd'])}</b> "
            f"(cap-weighted {fmt_pct(stats['cap'])}, {stats['included']}/{basket['members']} "
            "members)"
        )
        top = basket["top_contributors"][period][:3]
        if top:
            movers = " · ".join(f"{esc(m['name'])} {fmt_usd(m['value_change_usd'])}" for m in top)
            lines.append(f"Top: {movers}")
    ratio_key = f"{rally.basket}/{rally.compare_basket}"
    ratio = snapshot["ratios"].get(ratio_key)
    compare = snapshot["baskets"].get(rally.compare_basket)
    if ratio is not None and basket and compare:
        lines.append(
            f"🇨🇳/🇺🇸 AI market cap: <b>{ratio * 100:.1f}%</b> "
            f"({fmt_usd(basket['value_usd'], signed=False)} vs "
            f"{fmt_usd(compare['value_usd'], signed=False)})"
        )
    lines.append("")
    lines.extend(f"~⚠️ {esc(w)}" for w in warnings)
    lines.append(f"<i>{markets_line(snapshot)}</i>")
    lines.append(source_line(snapshot["provider"]))
    return fit(lines, CAPTION_LIMIT)


def _short(name: str) -> str:
    return {"Nasdaq 100": "NDX"}.get(name, name)


def index_caption(snapshot: Snapshot, universe: Universe, key: str, period: str) -> str:
    """The /index caption: last close and every period's return, the chosen one in bold."""
    spec = universe.indices[key]
    info = snapshot["instruments"].get(spec.symbol)
    lines = [f"<b>{esc(spec.name)}</b> ({esc(spec.symbol)}) · {period}"]
    if info is None:
        lines.append("No data yet.")
    else:
        lines.append(f"Close {fmt_price(info['close'])} {esc(info['currency'])} on {info['date']}")
        cells = []
        for p in PERIODS:
            value = fmt_pct(info["returns"].get(p))
            cells.append(f"<b>{p} {value}</b>" if p == period else f"{p} {value}")
        lines.append(" · ".join(cells))
        bench = universe.rally.benchmark
        spread = snapshot["spreads"].get(f"{key}-{bench}", {}).get(period)
        if spread is not None:
            lines.append(f"vs {esc(universe.indices[bench].name)}: {fmt_pp(spread)}")
    lines.append(source_line(snapshot["provider"]))
    return fit(lines, CAPTION_LIMIT)


def basket_page(
    snapshot: Snapshot, key: str, period: str, page: int, per_page: int
) -> tuple[str, int]:
    """One page of /basket: members sorted by USD contribution; returns (html, page count)."""
    basket = snapshot["baskets"][key]
    stats = basket["returns"][period]
    moves = basket["moves"][period]
    pages = max(1, -(-len(moves) // per_page))
    page = min(max(page, 0), pages - 1)
    lines = [
        f"<b>{esc(basket['name'])} · {period}</b>",
        f"Value change <b>{fmt_usd(stats['value_change_usd'])}</b> · "
        f"cap-weighted {fmt_pct(stats['cap'])} · equal-weighted {fmt_pct(stats['equal'])}",
        f"Value now {fmt_usd(basket['value_usd'], signed=False)} · {stats['included']} of "
        f"{basket['members']} members included"
        + (f" ({stats['excluded']} without a base close or share count)"
           if stats["excluded"] else ""),
        "",
    ]
    start = page * per_page
    for rank, move in enumerate(moves[start : start + per_page], start=start + 1):
        lines.append(
            f"{rank}. {esc(move['name'])} <code>{esc(move['symbol'])}</code> "
            f"{fmt_usd(move['value_change_usd'])} ({fmt_pct(move['return'])})"
        )
    lines.append("")
    lines.append(f"<i>Page {page + 1}/{pages} · shares are latest reported · "
                 f"{markets_line(snapshot)}</i>")
    lines.append(source_line(snapshot["provider"]))
    return fit(lines, MESSAGE_LIMIT), pages


def compare_caption(
    names: tuple[str, str], labels: tuple[str, str], returns: tuple[float | None, float | None],
    period: str, provider: str, as_of: str,
) -> str:
    """The /compare caption: both returns and the spread in pp."""
    spread = None if None in returns else returns[0] - returns[1]  # type: ignore[operator]
    lines = [
        f"<b>{esc(labels[0])} vs {esc(labels[1])} · {period}</b>",
        f"{esc(labels[0])} {fmt_pct(returns[0])} · {esc(labels[1])} {fmt_pct(returns[1])}",
        f"Spread: <b>{fmt_pp(spread)}</b>",
        f"<i>as of {esc(as_of)}</i>",
        source_line(provider),
    ]
    return fit(lines, CAPTION_LIMIT)


def chart_caption(labels: Sequence[str], period: str, provider: str, as_of: str) -> str:
    """The /chart caption."""
    lines = [
        f"<b>{' · '.join(esc(label) for label in labels)}</b> · {period}, rebased to 100",
        f"<i>as of {esc(as_of)}</i>",
        source_line(provider),
    ]
    return fit(lines, CAPTION_LIMIT)


def status_text(
    snapshot: Snapshot | None,
    refresh: Mapping[str, Any] | None,
    open_now: Mapping[str, bool],
    next_refresh: str | None,
    provider: str,
) -> str:
    """The /status message."""
    lines = ["<b>rallybot status</b>", f"Provider: {esc(provider)}"]
    if refresh:
        lines.append(
            f"Last refresh: {esc(refresh['finished_at'])} ({refresh['symbols']} symbols, "
            f"{len(refresh.get('failures', {}))} failed)"
        )
    else:
        lines.append("Last refresh: never")
    lines.append(f"Next refresh: {esc(next_refresh or 'not scheduled')}")
    markets = (snapshot or {}).get("markets", {})
    for exchange, label in EXCHANGE_LABEL.items():
        state = "open" if open_now.get(exchange) else "closed"
        newest = markets.get(exchange, "none")
        lines.append(f"{esc(label)}: {state} · newest bar {esc(newest)}")
    if snapshot:
        lines.append(f"Snapshot v{snapshot.get('version', '?')} as of {esc(snapshot['as_of'])}")
        lines.append(source_line(snapshot["provider"]))
    return fit(lines, MESSAGE_LIMIT)
