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
    "period.invalid_or_range": {
        "en": "“{token}” is not a period. Use one of {periods}, since DATE|EVENT or "
        "START..END, e.g. {example}",
        "zh": "“{token}” 不是有效的区间。可用：{periods}、since 日期|事件 或 开始..结束，"
        "例如 {example}",
    },
    # Custom periods: `since DATE|EVENT` and `A..B`.
    "range.bad_date": {
        "en": "“{token}” is not a date. Write days as YYYY-MM-DD, e.g. {example}",
        "zh": "“{token}” 不是有效日期。日期格式为 YYYY-MM-DD，例如 {example}",
    },
    "range.end_before_start": {
        "en": "The range ends ({end}) before it starts ({start}). Write START..END, "
        "e.g. 2025-04-01..2025-12-31",
        "zh": "区间结束日（{end}）早于开始日（{start}）。请写成 开始..结束，"
        "例如 2025-04-01..2025-12-31",
    },
    "range.future": {
        "en": "{start} is after today ({today}): a period can only start in the past.",
        "zh": "{start} 晚于今天（{today}）：区间只能从过去开始。",
    },
    "range.unknown_event": {
        "en": "I know no event “{token}”. Use a date (since 2025-01-27) or one of: {events}",
        "zh": "没有名为 “{token}” 的事件。请用日期（since 2025-01-27）或以下之一：{events}",
    },
    "range.since_missing": {
        "en": "Since when? Give a date (since 2025-01-27) or an event: {events}",
        "zh": "从何时起？请给出日期（since 2025-01-27）或事件：{events}",
    },
    "range.before_data": {
        "en": "The stored data begins on {first}: a period starting {start} has no base "
        "close. Start later, e.g. {example}",
        "zh": "已存数据从 {first} 开始：从 {start} 起的区间没有基准收盘价。请晚一些开始，"
        "例如 {example}",
    },
    "period.since": {"en": "since {start}", "zh": "{start} 以来"},
    "period.since_event": {"en": "since {name} ({start})", "zh": "{name}（{start}）以来"},
    "period.range": {"en": "{start} to {end}", "zh": "{start} 至 {end}"},
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
    "heatmap.too_many": {
        "en": "/heatmap takes a basket and a period, e.g. {example}",
        "zh": "/heatmap 接受一个篮子和一个区间，例如 {example}",
    },
    "heatmap.no_values": {
        "en": "No member of {name} has a market value yet.",
        "zh": "{name} 的成分股暂无市值数据。",
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
    "button.share": {"en": "↗ Share", "zh": "↗ 分享"},
    # Inline mode (@bot QUERY in any chat).
    "inline.title.rally": {"en": "China tech rally · {period}", "zh": "中国科技股行情 · {period}"},
    "inline.as_chart": {"en": "Chart with the summary", "zh": "图表与摘要"},
    "inline.as_text": {"en": "The summary as text", "zh": "仅文字摘要"},
    "inline.unknown": {
        "en": "I don't understand “{token}”.",
        "zh": "无法理解 “{token}”。",
    },
    "inline.help.title": {
        "en": "How to ask: @bot star50 · rally ytd",
        "zh": "用法：@bot star50 · rally ytd",
    },
    "inline.help.syntax": {
        "en": "Inline, type a command without its slash, or just an index or basket key and "
        "a period (1D, 5D, MTD, YTD, 1Y, since DATE|EVENT or START..END), e.g. {examples}. "
        "Nothing after @bot gives /rally.",
        "zh": "内联模式：输入不带斜杠的命令，或指数/篮子代码加区间（1D、5D、MTD、YTD、1Y、"
        "since 日期|事件 或 开始..结束），例如 {examples}。@bot 后不输入内容即为 /rally。",
    },
    # /start and /help.
    "start.intro": {
        "en": "👋 I track the China tech rally: STAR 50, ChiNext and Hang Seng TECH against the "
        "Nasdaq 100, and a China AI basket's USD market value. Try /rally.",
        "zh": "👋 我跟踪中国科技股行情：科创50、创业板指、恒生科技对比纳斯达克100，"
        "以及中国 AI 篮子的美元市值。试试 /rally。",
    },
    "help.keys": {
        "en": "Indices: {indices}. Baskets: {baskets}. Symbols like 0700.HK work too. "
        "Events for since: {events}.",
        "zh": "指数：{indices}。篮子：{baskets}。也可以直接用 0700.HK 这样的代码。"
        "可用于 since 的事件：{events}。",
    },
    # Markets and sources.
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
    "basket.sectors": {"en": "By sector: {sectors}", "zh": "分行业：{sectors}"},
    # Sectors of basket members (keys of [baskets.KEY.sectors] in the universe file).
    "sector.platforms": {"en": "Platforms", "zh": "互联网平台"},
    "sector.cloud": {"en": "Cloud and data centres", "zh": "云与数据中心"},
    "sector.chips": {"en": "Chips and equipment", "zh": "芯片与设备"},
    "sector.optical": {"en": "Optical and PCB", "zh": "光模块与PCB"},
    "sector.robotics": {"en": "Robotics and autonomy", "zh": "机器人与自动驾驶"},
    "sector.apps": {"en": "Apps and models", "zh": "应用与大模型"},
    "sector.all": {"en": "All members", "zh": "全部成分股"},
    # /heatmap
    "heatmap.caption": {
        "en": "<b>{name} · {period}</b> heatmap: tiles sized by USD market value, "
        "coloured by the period's return",
        "zh": "<b>{name} · {period}</b> 热力图：方块大小为美元市值，颜色为区间涨跌幅",
    },
    # Words drawn on charts.
    "chart.rebased": {"en": "rebased = 100", "zh": "基准 = 100"},
    "chart.percentage_points": {"en": "percentage points", "zh": "百分点"},
    "chart.close": {"en": "close", "zh": "收盘价"},
    "chart.no_data": {"en": "No data for this period", "zh": "该区间暂无数据"},
    "chart.demo": {"en": "DEMO DATA", "zh": "DEMO 演示数据"},
    "chart.source_demo": {"en": "Source: DEMO synthetic data", "zh": "数据来源：DEMO 合成数据"},
    "chart.rally_movers": {
        "en": "{name}: biggest USD value changes",
        "zh": "{name}：美元市值变化最大的成分股",
    },
    "chart.basket_bars": {
        "en": "USD market-value change by member",
        "zh": "各成分股美元市值变化",
    },
    "chart.spread_title": {
        "en": "{first} minus {second} · {period}",
        "zh": "{first} 减 {second} · {period}",
    },
    "chart.heatmap_title": {"en": "{name} heatmap · {period}", "zh": "{name} 热力图 · {period}"},
    "chart.heatmap_scale": {
        "en": "{period} return (colours capped at ±{cap})",
        "zh": "{period} 涨跌幅（颜色上限 ±{cap}）",
    },
    # /compare and /chart
    "compare.title": {
        "en": "{first} vs {second} · {period}",
        "zh": "{first} 对比 {second} · {period}",
    },
    "compare.spread": {"en": "Spread: <b>{spread}</b>", "zh": "涨幅差：<b>{spread}</b>"},
    "chart.joiner": {"en": " vs ", "zh": " 对比 "},
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
    # ---- chat operations: subscriptions, digests, alerts, settings ----
    # /alert parsing
    "alert.usage": {
        "en": "Usage: /alert TARGET METRIC OP VALUE [once|every], e.g. {example}",
        "zh": "用法：/alert 目标 指标 运算符 数值 [once|every]，例如 {example}",
    },
    "alert.no_ranges": {
        "en": "Alerts watch the fixed periods {periods}, not since-dates or ranges, "
        "e.g. {example}",
        "zh": "提醒只支持固定区间 {periods}，不支持 since 日期或日期范围，例如 {example}",
    },
    "alert.target_unknown": {
        "en": "I don't know “{token}”. Use an index ({indices}), a basket ({baskets}), a "
        "symbol like 9988.HK or a spread like star50-ndx, e.g. {example}",
        "zh": "找不到 “{token}”。可用指数（{indices}）、篮子（{baskets}）、股票代码（如 9988.HK）"
        "或差值（如 star50-ndx），例如 {example}",
    },
    "alert.spread_same": {
        "en": "A spread needs two different indices, e.g. {example}",
        "zh": "差值需要两个不同的指数，例如 {example}",
    },
    "alert.metric_bad": {
        "en": "“{token}” is not a metric. Use price, 1d, 5d, mtd, ytd, 1y or value PERIOD, "
        "e.g. {example}",
        "zh": "“{token}” 不是有效指标。可用 price、1d、5d、mtd、ytd、1y 或 value 区间，"
        "例如 {example}",
    },
    "alert.op_bad": {
        "en": "“{token}” is not a comparison. Use one of {ops}, e.g. {example}",
        "zh": "“{token}” 不是有效的比较符。可用：{ops}，例如 {example}",
    },
    "alert.value_bad": {
        "en": "“{token}” is not a value. Write 6000, 12%, -5%, 5pp, 800B or 1.2T, e.g. {example}",
        "zh": "“{token}” 不是有效数值。可写 6000、12%、-5%、5pp、800B 或 1.2T，例如 {example}",
    },
    "alert.value_needs_basket": {
        "en": "Value changes are for baskets only, e.g. {example}",
        "zh": "市值变化只适用于篮子，例如 {example}",
    },
    "alert.value_needs_usd": {
        "en": "“{token}” is not a dollar amount: write 500B or 1.2T, e.g. {example}",
        "zh": "“{token}” 不是美元金额：请写 500B 或 1.2T，例如 {example}",
    },
    "alert.no_price": {
        "en": "Baskets and spreads have no price: use a return like mtd, e.g. {example}",
        "zh": "篮子和差值没有价格：请使用 mtd 等涨跌幅，例如 {example}",
    },
    "alert.price_plain": {
        "en": "A price is a level, not “{token}”: write a number, e.g. {example}",
        "zh": "价格是点位，不能写 “{token}”：请写数字，例如 {example}",
    },
    "alert.spread_pp": {
        "en": "Spreads are in percentage points: write “{token}” as e.g. 5pp, e.g. {example}",
        "zh": "差值以百分点计：请把 “{token}” 写成 5pp 这样的形式，例如 {example}",
    },
    "alert.return_pct": {
        "en": "Returns are in percent: write “{token}” with %, e.g. {example}",
        "zh": "涨跌幅以百分比计：请在 “{token}” 后加 %，例如 {example}",
    },
    "alert.until_bad": {
        "en": "“{token}” is not a date: write until YYYY-MM-DD, e.g. {example}",
        "zh": "“{token}” 不是有效日期：请写 until 年-月-日，例如 {example}",
    },
    "alert.until_missing": {
        "en": "Give the alert's last day once, after until, e.g. {example}",
        "zh": "请在 until 后写一次提醒的最后一天，例如 {example}",
    },
    "alert.until_far": {
        "en": "{date} is too far ahead: an alert can last until {latest} at most, e.g. {example}",
        "zh": "{date} 太远了：提醒最多持续到 {latest}，例如 {example}",
    },
    "alert.until_past": {
        "en": "{date} has already passed here (today is {today} in {tz}). Pick today or a "
        "later day, e.g. {example}",
        "zh": "{date} 已经过去（{tz} 今天是 {today}）。请选今天或之后的日期，例如 {example}",
    },
    "alert.until": {"en": "Until {date}.", "zh": "有效期至 {date}。"},
    "alert.expires": {"en": "until {date}", "zh": "有效至 {date}"},
    "alerts.usage": {
        "en": "Usage: /alerts for the list, /alerts history for the last firings",
        "zh": "用法：/alerts 查看列表，/alerts history 查看最近的触发记录",
    },
    "alert.history_title": {
        "en": "<b>Last alert firings in this chat</b> (newest first)",
        "zh": "<b>本群最近的提醒触发</b>（最新在前）",
    },
    "alert.history_empty": {
        "en": "No alert has fired in this chat yet. See /alerts for the ones set.",
        "zh": "本群还没有提醒触发过。发送 /alerts 查看已设置的提醒。",
    },
    "alert.history_line": {
        "en": "{when} · #{id} {condition} · was {value}",
        "zh": "{when} · #{id} {condition} · 当时 {value}",
    },
    "alert.cap": {
        "en": "This chat already has {limit} alerts, the most it can have. Remove some with "
        "/unalert ID.",
        "zh": "本群已有 {limit} 个提醒，已达上限。请用 /unalert 编号 删除一些。",
    },
    "alert.created": {
        "en": "✅ Alert #{id} set: {condition}. Now: {value}. {repeat}",
        "zh": "✅ 已设置提醒 #{id}：{condition}。当前：{value}。{repeat}",
    },
    "alert.repeat_once": {"en": "It fires once.", "zh": "触发一次后停用。"},
    "alert.repeat_every": {
        "en": "It fires each time the condition becomes true again, at most once an hour.",
        "zh": "条件每次重新成立时触发，每小时最多一次。",
    },
    "alert.fired": {
        "en": "Alert #{id} 🔔 {condition}. Now {value}.",
        "zh": "提醒 #{id} 🔔 {condition}。当前 {value}。",
    },
    "alert.expired": {
        "en": "Expired and removed: {ids}.",
        "zh": "已过期并删除：{ids}。",
    },
    "alert.list_title": {"en": "<b>Alerts in this chat</b>", "zh": "<b>本群提醒</b>"},
    "alert.list_empty": {
        "en": "No alerts yet. Set one, e.g. {example}",
        "zh": "还没有提醒。设置一个，例如 {example}",
    },
    "alert.state_armed": {"en": "armed", "zh": "待触发"},
    "alert.state_fired": {"en": "fired", "zh": "已触发"},
    "alert.state_waiting": {"en": "waiting to re-arm", "zh": "等待重新启用"},
    "alert.last_fired": {"en": "last fired {when}", "zh": "上次触发 {when}"},
    "alert.never_fired": {"en": "never fired", "zh": "尚未触发"},
    "unalert.usage": {
        "en": "Usage: /unalert ID or /unalert all, e.g. /unalert 12",
        "zh": "用法：/unalert 编号 或 /unalert all，例如 /unalert 12",
    },
    "unalert.missing": {
        "en": "This chat has no alert #{id}. See /alerts for the list.",
        "zh": "本群没有提醒 #{id}。发送 /alerts 查看列表。",
    },
    "unalert.done": {"en": "🗑 Removed alert #{id}.", "zh": "🗑 已删除提醒 #{id}。"},
    "unalert.all": {"en": "🗑 Removed {count} alerts.", "zh": "🗑 已删除 {count} 个提醒。"},
    # metric and operator words used in conditions
    "metric.price": {"en": "price", "zh": "价格"},
    "metric.return": {"en": "{period} return", "zh": "{period} 涨跌幅"},
    "metric.basket_return": {
        "en": "{period} cap-weighted return",
        "zh": "{period} 市值加权涨跌幅",
    },
    "metric.value": {"en": "{period} value change", "zh": "{period} 市值变化"},
    "metric.spread": {"en": "{period} spread", "zh": "{period} 涨幅差"},
    "op.>": {"en": ">", "zh": "高于"},
    "op.<": {"en": "<", "zh": "低于"},
    "op.>=": {"en": "≥", "zh": "不低于"},
    "op.<=": {"en": "≤", "zh": "不高于"},
    "op.crosses": {"en": "crosses", "zh": "穿越"},
    "op.crosses_up": {"en": "crosses above", "zh": "向上突破"},
    "op.crosses_down": {"en": "crosses below", "zh": "向下跌破"},
    # subscriptions
    "subscribe.usage": {
        "en": "Usage: /subscribe [HH:MM] [TIMEZONE] [every day], e.g. {example}",
        "zh": "用法：/subscribe [时:分] [时区] [every day]，例如 {example}",
    },
    "subscribe.time_bad": {
        "en": "“{token}” is not a time of day: write HH:MM in 24-hour time, e.g. {example}",
        "zh": "“{token}” 不是有效时间：请用 24 小时制 时:分，例如 {example}",
    },
    "tz.unknown": {
        "en": "“{token}” is not a time zone. Use an IANA name like Asia/Shanghai, "
        "Europe/London or UTC, e.g. {example}",
        "zh": "“{token}” 不是有效时区。请用 IANA 名称，如 Asia/Shanghai、Europe/London 或 UTC，"
        "例如 {example}",
    },
    "subscribe.done": {
        "en": "📬 Daily digest at {time} {tz}{days}. Next: {next}.",
        "zh": "📬 每日摘要时间：{tz} {time}{days}。下一次：{next}。",
    },
    "subscribe.trading_days": {
        "en": " on days a covered market traded",
        "zh": "（仅在所跟踪市场有交易的日子）",
    },
    "subscribe.every_day": {"en": ", every day", "zh": "（每天）"},
    "unsubscribe.done": {"en": "📭 Daily digest stopped.", "zh": "📭 已停止每日摘要。"},
    "unsubscribe.none": {
        "en": "This chat has no daily digest. Start one with /subscribe 16:30 Asia/Hong_Kong",
        "zh": "本群没有订阅每日摘要。发送 /subscribe 16:30 Asia/Hong_Kong 开始订阅",
    },
    # digest
    "digest.title": {"en": "📰 <b>Digest</b> · {date}", "zh": "📰 <b>每日摘要</b> · {date}"},
    "digest.movers": {"en": "Movers today: {movers}", "zh": "今日异动：{movers}"},
    "digest.fired": {"en": "Alerts since the last digest:", "zh": "上次摘要以来触发的提醒："},
    "digest.board": {
        "en": "{name} 1D {day} · MTD {month} · {spread} vs {bench}",
        "zh": "{name} 1D {day} · MTD {month} · 较{bench} {spread}",
    },
    "digest.basket": {
        "en": "💰 {name}: 1D {day} · MTD {month}",
        "zh": "💰 {name}：1D {day} · MTD {month}",
    },
    # settings and permissions
    "settings.show": {
        "en": "<b>Settings</b>\nTime zone: {tz}\nLanguage: {language}\n"
        "Who may change things: {who}\n"
        "Change with /settings tz Asia/Shanghai, /settings lang zh, /settings who everyone",
        "zh": "<b>设置</b>\n时区：{tz}\n语言：{language}\n可修改设置的人：{who}\n"
        "修改示例：/settings tz Asia/Shanghai、/settings lang en、/settings who admins",
    },
    "settings.usage": {
        "en": "Usage: /settings [tz ZONE | lang en|zh | who everyone|admins], e.g. {example}",
        "zh": "用法：/settings [tz 时区 | lang en|zh | who everyone|admins]，例如 {example}",
    },
    "settings.saved": {"en": "✅ Saved. {summary}", "zh": "✅ 已保存。{summary}"},
    "who.admins": {"en": "admins", "zh": "管理员"},
    "who.everyone": {"en": "everyone", "zh": "所有人"},
    "lang.auto": {"en": "each user's Telegram language", "zh": "跟随用户的 Telegram 语言"},
    "admins.only": {
        "en": "Only this group's admins can do that.",
        "zh": "只有本群管理员可以这样做。",
    },
    "forbidden.private": {
        "en": "That works in groups and private chats only.",
        "zh": "此命令只能在群组和私聊中使用。",
    },
}


def t(lang: str, key: str, **params: Any) -> str:
    """The catalogue message `key` in `lang` (English fallback), filled with `params`."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**params)
