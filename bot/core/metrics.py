"""What the bot counts and times, for Prometheus (`RALLYBOT_METRICS_PORT` serves them)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter(
    "rallybot_updates_total", "Commands and button presses handled, by command.", ["command"]
)
REPLY_SECONDS = Histogram(
    "rallybot_reply_seconds",
    "From an update reaching a handler to its reply sent, by command.",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SENDS = Counter(
    "rallybot_sends_total",
    "Messages sent, by outcome (sent, maybe, failed, gone) and what Telegram answered.",
    ["outcome"],
)
RATE_LIMITED = Counter("rallybot_telegram_429_total", "429 answers from Telegram.")
REFRESHES = Counter(
    "rallybot_refreshes_total", "Market refreshes, by source and result.", ["source", "result"]
)
REFRESH_SECONDS = Histogram(
    "rallybot_refresh_seconds",
    "How long a market refresh took, by source.",
    ["source"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
SYMBOL_FAILURES = Counter(
    "rallybot_symbol_failures_total", "Symbols a refresh could not fetch, by source.", ["source"]
)
SNAPSHOT_AGE = Gauge(
    "rallybot_snapshot_age_seconds", "Age of the newest snapshot this process knows."
)
DIGESTS = Counter("rallybot_digests_sent_total", "Digests that may have arrived.")
ALERTS_FIRED = Counter("rallybot_alerts_fired_total", "Alert messages that may have arrived.")
CLAIMS_HELD = Gauge(
    "rallybot_digest_claims_held", "Digest claims this process is working through."
)
POLLING = Gauge("rallybot_polling", "1 while this process polls Telegram.")
