"""The chat-ops strings (subscriptions, digests, alerts, settings) in English and Chinese."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # /alert parsing
    "alert.usage": {
        "en": "Usage: /alert TARGET METRIC OP VALUE [once|every], e.g. {example}",
        "zh": "用法：/alert 目标 指标 运算符 数值 [once|every]，例如 {example}",
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
