"""Every user-facing string, in English and Simplified Chinese."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"

CATALOGUE: dict[str, dict[str, str]] = {
    # Errors from argument parsing.
    "period.invalid": {
        "en": "“{token}” is not a period. Use one of {periods}, e.g. {example}",
        "zh": "“{token}” 不是有效的区间。可用：{periods}，例如 {example}",
    },
    "rally.too_many": {
        "en": "/rally takes at most a period, e.g. {example}",
        "zh": "/rally 最多接受一个区间参数，例如 {example}",
    },
    "name.unknown": {
        "en": "I don't know “{token}”. Try /help for the list.",
        "zh": "找不到 “{token}”。发送 /help 查看列表。",
    },
    "name.unknown_hint": {
        "en": "I don't know “{token}”. Did you mean {names}?",
        "zh": "找不到 “{token}”。您是不是要找 {names}？",
    },
    "index.missing": {
        "en": "Which index? One of {keys}, e.g. {example}",
        "zh": "请指定指数：{keys}，例如 {example}",
    },
    "index.too_many": {
        "en": "/index takes an index and a period, e.g. {example}",
        "zh": "/index 接受一个指数和一个区间，例如 {example}",
    },
    "index.unknown": {
        "en": "“{token}” is not an index. Indices: {keys}, e.g. {example}",
        "zh": "“{token}” 不是指数。可用指数：{keys}，例如 {example}",
    },
    "basket.too_many": {
        "en": "/basket takes a basket and a period, e.g. {example}",
        "zh": "/basket 接受一个篮子和一个区间，例如 {example}",
    },
    "basket.unknown": {
        "en": "“{token}” is not a basket. Baskets: {keys}, e.g. {example}",
        "zh": "“{token}” 不是篮子。可用篮子：{keys}，例如 {example}",
    },
    "chart.missing": {
        "en": "What should I chart? Give up to {limit} names, e.g. {example}",
        "zh": "要画哪些？最多 {limit} 个名称，例如 {example}",
    },
    "chart.too_many": {
        "en": "At most {limit} series in one chart, e.g. {example}",
        "zh": "一张图最多 {limit} 条线，例如 {example}",
    },
    "chart.bad_token": {
        "en": "“{token}” is not a symbol or key, e.g. {example}",
        "zh": "“{token}” 不是代码或键名，例如 {example}",
    },
    "compare.arity": {
        "en": "/compare needs two names and an optional period, e.g. {example}",
        "zh": "/compare 需要两个名称和可选的区间，例如 {example}",
    },
    "compare.same": {
        "en": "Compare two different things, e.g. {example}",
        "zh": "请比较两个不同的对象，例如 {example}",
    },
    "compare.basket": {
        "en": "/compare works on indices and symbols, e.g. {example}",
        "zh": "/compare 只支持指数和股票代码，例如 {example}",
    },
    # Service answers.
    "data.not_ready": {
        "en": "Market data is not loaded yet. Try again in a minute.",
        "zh": "行情数据尚未加载，请一分钟后再试。",
    },
    "data.no_series": {
        "en": "No data for {names} over {period} yet.",
        "zh": "{names} 在 {period} 区间内暂无数据。",
    },
    "command.unknown": {
        "en": "I don't know {command}. Send /help for what I can do.",
        "zh": "不认识命令 {command}。发送 /help 查看可用命令。",
    },
    "error.internal": {
        "en": "Sorry, something went wrong on my side. Please try again shortly.",
        "zh": "抱歉，处理时出错了，请稍后再试。",
    },
    # Buttons and callback answers.
    "button.expired": {
        "en": "This button has expired; send the command again.",
        "zh": "此按钮已失效，请重新发送命令。",
    },
    "button.prev": {"en": "◀ prev", "zh": "◀ 上一页"},
    "button.next": {"en": "next ▶", "zh": "下一页 ▶"},
    # /start and /help.
    "start.intro": {
        "en": "👋 I track the China tech rally: STAR 50, ChiNext and Hang Seng TECH against the "
        "Nasdaq 100, and a China AI basket's USD market value. Try /rally.",
        "zh": "👋 我跟踪中国科技股行情：科创50、创业板指、恒生科技对比纳斯达克100，"
        "以及中国 AI 篮子的美元市值。试试 /rally。",
    },
    "help.keys": {
        "en": "Indices: {indices}. Baskets: {baskets}. Symbols like 0700.HK work too.",
        "zh": "指数：{indices}。篮子：{baskets}。也可以直接用 0700.HK 这样的代码。",
    },
    # Markets and sources (answer text; charts stay English, their font has no CJK glyphs).
    "market.XSHG": {"en": "Shanghai/Shenzhen", "zh": "沪深"},
    "market.XHKG": {"en": "Hong Kong", "zh": "香港"},
    "market.XNYS": {"en": "New York", "zh": "纽约"},
    "market.short.XSHG": {"en": "SH/SZ", "zh": "沪深"},
    "market.short.XHKG": {"en": "HK", "zh": "港股"},
    "market.short.XNYS": {"en": "NY", "zh": "美股"},
    "as_of": {"en": "as of {when}", "zh": "截至 {when}"},
    "markets.none": {"en": "no data yet", "zh": "暂无数据"},
    "market.stale": {
        "en": "{market} is open but data is {minutes} min old",
        "zh": "{market}正在交易，但数据已滞后 {minutes} 分钟",
    },
    "source.demo": {
        "en": "⚠️ DEMO data: synthetic prices, not real quotes",
        "zh": "⚠️ DEMO 演示数据：合成价格，非真实行情",
    },
    "source.yahoo": {"en": "Source: Yahoo Finance", "zh": "数据来源：Yahoo Finance"},
    "source.csv": {"en": "Source: your CSV files", "zh": "数据来源：您的 CSV 文件"},
    "source.other": {"en": "Source: {provider}", "zh": "数据来源：{provider}"},
    # /rally (HTML: parameters arrive escaped).
    "rally.title": {"en": "China tech rally · {period}", "zh": "中国科技股行情 · {period}"},
    "rally.benchmark": {"en": "{name} {change} (benchmark)", "zh": "{name} {change}（基准）"},
    "rally.board": {
        "en": "{name} <b>{change}</b> · {spread} vs {bench}{verdict}",
        "zh": "{name} <b>{change}</b> · 相对 {bench} {spread}{verdict}",
    },
    "rally.beating": {"en": " ▲ beating", "zh": " ▲ 跑赢"},
    "rally.lagging": {"en": " ▼ lagging", "zh": " ▼ 跑输"},
    "rally.basket": {
        "en": "💰 {name}: <b>{change}</b> (cap-weighted {cap}, {included}/{members} members)",
        "zh": "💰 {name}：市值变化 <b>{change}</b>"
        "（按市值加权 {cap}，成分股 {included}/{members}）",
    },
    "rally.top": {"en": "Top: {movers}", "zh": "贡献前三：{movers}"},
    "rally.ratio": {
        "en": "🇨🇳/🇺🇸 AI market cap: <b>{ratio}</b> ({china} vs {us})",
        "zh": "🇨🇳/🇺🇸 AI 市值之比：<b>{ratio}</b>（{china} 对 {us}）",
    },
    "rally.ratio_withheld": {
        "en": "🇨🇳/🇺🇸 AI market cap: withheld, {name} misses {symbols} ({share} of its value)",
        "zh": "🇨🇳/🇺🇸 AI 市值之比：暂不显示，{name} 缺少 {symbols}（占其市值 {share}）",
    },
    # Basket coverage, shown when not every member has a fresh close (HTML).
    "coverage.fresh": {"en": "{fresh}/{members} fresh", "zh": "{fresh}/{members} 只为最新"},
    "coverage.carried": {
        "en": "{count} from an earlier day ({symbols})",
        "zh": "{count} 只沿用前日收盘（{symbols}）",
    },
    "coverage.missing": {
        "en": "{count} missing ({symbols})",
        "zh": "{count} 只缺失（{symbols}）",
    },
    # /index
    "index.no_data": {"en": "No data yet.", "zh": "暂无数据。"},
    "index.close": {
        "en": "Close {price} {currency} on {date}",
        "zh": "{date} 收盘 {price} {currency}",
    },
    "index.vs": {"en": "vs {name}: {spread}", "zh": "相对 {name}：{spread}"},
    # /basket
    "basket.value_change": {
        "en": "Value change <b>{change}</b> · cap-weighted {cap} · equal-weighted {equal}",
        "zh": "市值变化 <b>{change}</b> · 按市值加权 {cap} · 等权 {equal}",
    },
    "basket.value_now": {
        "en": "Value now {value} · {included} of {members} members included",
        "zh": "当前市值 {value} · 计入成分股 {included}/{members}",
    },
    "basket.excluded": {
        "en": " ({excluded} without a base close or share count)",
        "zh": "（{excluded} 只缺少基期收盘价或股本数据）",
    },
    "basket.footer": {
        "en": "Page {page}/{pages} · shares are latest reported · {markets}",
        "zh": "第 {page}/{pages} 页 · 股本为最新披露 · {markets}",
    },
    # /compare and /chart
    "compare.title": {
        "en": "{first} vs {second} · {period}",
        "zh": "{first} 对比 {second} · {period}",
    },
    "compare.spread": {"en": "Spread: <b>{spread}</b>", "zh": "涨幅差：<b>{spread}</b>"},
    "chart.caption": {
        "en": "<b>{labels}</b> · {period}, rebased to 100",
        "zh": "<b>{labels}</b> · {period}，以 100 为基准",
    },
    # /status
    "status.title": {"en": "rallybot status", "zh": "rallybot 状态"},
    "status.provider": {"en": "Provider: {provider}", "zh": "数据源：{provider}"},
    "status.last_refresh": {
        "en": "Last refresh: {at} ({symbols} symbols, {failed} failed)",
        "zh": "上次刷新：{at}（{symbols} 个代码，{failed} 个失败）",
    },
    "status.never": {"en": "Last refresh: never", "zh": "上次刷新：尚未刷新"},
    "status.next_refresh": {"en": "Next refresh: {at}", "zh": "下次刷新：{at}"},
    "status.not_scheduled": {"en": "not scheduled", "zh": "未安排"},
    "status.market": {
        "en": "{market}: {state} · newest bar {newest}",
        "zh": "{market}：{state} · 最新行情 {newest}",
    },
    "status.open": {"en": "open", "zh": "开市"},
    "status.closed": {"en": "closed", "zh": "休市"},
    "status.none": {"en": "none", "zh": "无"},
    "status.last_good": {
        "en": "Last attempt {at} failed: {reason}",
        "zh": "最近一次刷新 {at} 失败：{reason}",
    },
    "status.requests": {
        "en": "Requests in the last refresh: {requests}",
        "zh": "上次刷新请求数：{requests}",
    },
    "status.failed_symbols": {
        "en": "Failing: {symbols}",
        "zh": "获取失败：{symbols}",
    },
    "status.set_aside": {
        "en": "Set aside (retried hourly): {symbols}",
        "zh": "暂缓（每小时重试）：{symbols}",
    },
    "status.shares": {
        "en": "Share counts off the source's market cap: {items}",
        "zh": "股本与数据源市值不符：{items}",
    },
    "status.snapshot": {
        "en": "Snapshot v{version} as of {as_of}",
        "zh": "快照 v{version}，截至 {as_of}",
    },
}


def t(lang: str, key: str, **params: Any) -> str:
    """The catalogue message `key` in `lang` (English fallback), filled with `params`."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**params)


from bot.chatops.messages import MESSAGES as _CHATOPS_MESSAGES  # noqa: E402 - appended catalogue

CATALOGUE.update(_CHATOPS_MESSAGES)
