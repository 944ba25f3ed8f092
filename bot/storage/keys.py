"""Every Redis key rallybot uses, built in one place.

Market keys share the hash tag `{m}` and chat keys the tag `{c}`, so the keys a Lua
script or transaction touches together live in one Redis Cluster slot. Market keys
expire; chat keys never do. Leases (`{p}`) are single keys that expire unless renewed.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKET_TTL_SECONDS = 14 * 24 * 3600
CHART_TTL_SECONDS = 2 * 24 * 3600


@dataclass(frozen=True)
class Keys:
    """Key builders under one configurable prefix (default `rally`)."""

    prefix: str = "rally"

    def _market(self, *parts: str) -> str:
        return ":".join((self.prefix, "{m}", *parts))

    def _chat(self, *parts: str) -> str:
        return ":".join((self.prefix, "{c}", *parts))

    def lease(self, name: str) -> str:
        """A lease one process holds at a time (`poller`: who polls Telegram)."""
        return ":".join((self.prefix, "{p}", "lease", name))

    def bars(self, symbol: str) -> str:
        """Hash of ISO date -> close for one symbol."""
        return self._market("bars", symbol)

    def meta(self, symbol: str) -> str:
        """Hash of name, currency, exchange, shares for one symbol."""
        return self._market("meta", symbol)

    def bars_format(self) -> str:
        """Hash of symbol -> the price definition its stored bars follow (reload if other)."""
        return self._market("bars-format")

    def actions_seen(self) -> str:
        """Hash of symbol -> the day of the newest split or dividend its bars already reflect."""
        return self._market("actions-seen")

    def symbol_health(self) -> str:
        """Hash of symbol -> JSON of its consecutive fetch failures and next attempt."""
        return self._market("symbol-health")

    def last_values(self) -> str:
        """Hash of basket member -> its last known USD market value (for coverage)."""
        return self._market("last-values")

    def refresh_failure(self) -> str:
        """JSON of the last refresh attempt that stored nothing, cleared by a good one."""
        return self._market("refresh-failure")

    def symbols(self) -> str:
        """Set of every symbol with stored bars."""
        return self._market("symbols")

    def snapshot(self) -> str:
        """The latest snapshot as JSON."""
        return self._market("snapshot")

    def snapshot_version(self) -> str:
        """Counter bumped with every new snapshot; charts are cached per version."""
        return self._market("snapshot-version")

    def refresh_status(self) -> str:
        """JSON of the last refresh: when, what it stored, what failed."""
        return self._market("refresh-status")

    def refresh_lock(self) -> str:
        """Held while one process refreshes, so replicas don't fetch twice."""
        return self._market("refresh-lock")

    def chart(self, name: str) -> str:
        """PNG bytes of a rendered chart, `name` already includes its version."""
        return self._market("chart", name)

    def chart_file_id(self, name: str) -> str:
        """Telegram file_id of an uploaded chart, so it is never uploaded twice."""
        return self._market("chart-file-id", name)

    def chat(self, chat_id: int) -> str:
        """Hash of one chat's settings (tz, lang, who)."""
        return self._chat("settings", str(chat_id))

    def settings_generation(self) -> str:
        """Counter bumped whenever any chat's settings change: replicas drop their copies."""
        return self._chat("settings-generation")

    def alerts(self) -> str:
        """Hash of alert id -> its definition JSON (condition, when made), every chat."""
        return self._chat("alerts")

    def chat_alerts(self, chat_id: int) -> str:
        """Set of one chat's alert ids."""
        return self._chat("chat-alerts", str(chat_id))

    def alert_column(self, name: str) -> str:
        """One column of every alert row, fixed-width binary (see bot.chatops.table)."""
        return self._chat("alert-col", name)

    def alert_generation(self) -> str:
        """Counter bumped by every change to the alert columns (add, remove, state)."""
        return self._chat("alert-generation")

    def alert_rows(self) -> str:
        """Hash of alert id -> its row in the columns."""
        return self._chat("alert-rows")

    def alert_free_rows(self) -> str:
        """List of rows freed by removed alerts, reused by new ones."""
        return self._chat("alert-free")

    def alert_group_index(self) -> str:
        """Hash of a watched (kind, target, metric) as JSON -> its group index."""
        return self._chat("alert-group-index")

    def alert_group_keys(self) -> str:
        """List of the watched (kind, target, metric) as JSON, by group index."""
        return self._chat("alert-group-keys")

    def alert_group_previous(self) -> str:
        """Hash of group index -> its value at the last evaluation that knew it."""
        return self._chat("alert-group-prev")

    def alert_ids(self) -> str:
        """Counter for alert ids."""
        return self._chat("alert-id")

    def alert_firings(self) -> str:
        """Hash of alert id -> snapshot version of its last recorded firing, as firings were
        recorded before the `recorded` column; no longer written, only cleaned."""
        return self._chat("alert-fired")

    def alert_sending(self) -> str:
        """Sorted set of alert ids whose recorded firing was not sent yet, by lease end, as
        firings were held before batches; a survivor adopts the lapsed ones as a batch."""
        return self._chat("alert-sending")

    def alert_batches(self) -> str:
        """Sorted set of firing batches (one per alert pass that recorded firings) with an
        unsent firing, by lease end: a survivor sends the unsent ones of a lapsed batch."""
        return self._chat("alert-batches")

    def alert_batch(self, batch: str) -> str:
        """The alert ids of one batch's firings, packed little-endian int64; a firing's
        position here is its position in the batch."""
        return self._chat("alert-batch", batch)

    def alert_staging(self, token: str) -> str:
        """A value written in pieces before it replaces another key in one step (a whole
        column, a batch); expires unless moved."""
        return self._chat("alert-staging", token)

    def alert_batch_sent(self, batch: str) -> str:
        """Bitmap of one batch's firings already sent (or that may have arrived), by position."""
        return self._chat("alert-batch-sent", batch)

    def fired_log(self, chat_id: int) -> str:
        """List of alert texts fired since the chat's last digest."""
        return self._chat("fired-log", str(chat_id))

    def alert_history(self, chat_id: int) -> str:
        """List of one chat's last alert firings as JSON, newest first (capped)."""
        return self._chat("alert-history", str(chat_id))

    def subscriptions(self) -> str:
        """Sorted set of chat id scored by its next digest time (UTC epoch seconds)."""
        return self._chat("digest-due")

    def digest_claims(self) -> str:
        """Hash of chat id -> original due time of a digest claimed and not yet finished."""
        return self._chat("digest-claims")

    def subscription(self, chat_id: int) -> str:
        """One chat's digest subscription (JSON)."""
        return self._chat("digest", str(chat_id))


def text(value: bytes | str) -> str:
    """A Redis reply as str (clients here return bytes)."""
    return value.decode() if isinstance(value, bytes) else value
