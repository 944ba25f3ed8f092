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
}


def t(lang: str, key: str, **params: Any) -> str:
    """The catalogue message `key` in `lang` (English fallback), filled with `params`."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**params)
