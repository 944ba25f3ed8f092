"""The command list: /help's text and what setMyCommands registers, from one table."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text.market import esc


@dataclass(frozen=True)
class CommandInfo:
    """One command: its name, a short description per language, and a working example."""

    name: str
    en: str
    zh: str
    example: str


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo(
        "rally",
        "China tech rally at a glance, with a chart; a period or since a date",
        "中国科技股行情速览（附图）；可选区间或起始日期",
        "/rally ytd",
    ),
    CommandInfo(
        "index", "One index: close and returns", "单个指数：收盘价与涨跌幅", "/index star50 mtd"
    ),
    CommandInfo(
        "basket",
        "AI basket members by USD contribution",
        "AI 篮子成分股美元市值贡献",
        "/basket china_ai ytd",
    ),
    CommandInfo(
        "heatmap",
        "Basket heatmap: members by sector, sized by value",
        "篮子热力图：按行业分组，按市值大小",
        "/heatmap china_ai ytd",
    ),
    CommandInfo(
        "chart",
        "Chart up to 6 series rebased to 100",
        "最多 6 条走势（以 100 为基准）",
        "/chart star50 hstech ndx ytd",
    ),
    CommandInfo(
        "compare",
        "Spread of A minus B in pp",
        "A 与 B 的涨幅差（百分点）",
        "/compare star50 ndx since deepseek",
    ),
    CommandInfo(
        "status", "Data source, refreshes, markets open", "数据来源、刷新与开市状态", "/status"
    ),
    CommandInfo("digest", "Today's digest, now", "立即发送今日摘要", "/digest"),
    CommandInfo(
        "subscribe",
        "Daily digest at your local time (admins)",
        "订阅每日摘要（管理员）",
        "/subscribe 08:00 Europe/London",
    ),
    CommandInfo(
        "unsubscribe", "Stop the daily digest (admins)", "停止每日摘要（管理员）", "/unsubscribe"
    ),
    CommandInfo(
        "alert",
        "Alert when a threshold is crossed, optionally until a day (admins)",
        "设置阈值提醒，可设截止日期（管理员）",
        "/alert star50 mtd > 10% until 2026-12-31",
    ),
    CommandInfo(
        "alerts",
        "This chat's alerts; history: the last 20 firings",
        "本群的提醒列表；history：最近 20 次触发",
        "/alerts history",
    ),
    CommandInfo("unalert", "Remove an alert, or all (admins)", "删除提醒（管理员）", "/unalert 3"),
    CommandInfo(
        "settings",
        "Time zone, language, who may change things",
        "时区、语言、修改权限",
        "/settings tz Asia/Shanghai",
    ),
    CommandInfo("help", "Every command with an example", "全部命令及示例", "/help"),
)


def help_text(lang: str, universe_keys: str) -> str:
    """The /help message: every command with a description and an example."""
    title = "<b>rallybot commands</b>" if lang != "zh" else "<b>rallybot 命令</b>"
    lines = [title]
    example = "例如" if lang == "zh" else "e.g."
    for command in COMMANDS:
        description = command.zh if lang == "zh" else command.en
        lines.append(f"/{command.name} — {esc(description)}")
        lines.append(f"  {example} <code>{esc(command.example)}</code>")
    periods = (
        "Periods: 1D, 5D, MTD, YTD, 1Y (default MTD), since a date or an event "
        "(since 2025-01-27, since deepseek) or START..END (2025-04-01..2025-12-31)."
    )
    if lang == "zh":
        periods = (
            "区间：1D、5D、MTD、YTD、1Y（默认 MTD），since 日期或事件"
            "（since 2025-01-27、since deepseek），或 开始..结束（2025-04-01..2025-12-31）。"
        )
    lines.append("")
    lines.append(esc(periods))
    lines.append(esc(universe_keys))
    return "\n".join(lines)
