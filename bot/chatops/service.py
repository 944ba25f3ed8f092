"""Chat operations: subscriptions, digests, alerts and settings, and the jobs that send them."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Container,
    Iterable,
    Sequence,
)
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from telegram import Bot

from bot.analytics.view import MarketView
from bot.answers.market import MarketAnswers
from bot.answers.reply import Reply
from bot.answers.views import MarketViews
from bot.chatops.conditions import Condition, current_value
from bot.chatops.records import AlertFiring, AlertRecord, ChatSettings, Subscription
from bot.chatops.schedule import (
    market_traded_since,
    next_due,
)
from bot.chatops.table import AlertTable, evaluate_table, expired_rows, group_values
from bot.commands.parsing import (
    ALERT_UNTIL_EXAMPLE,
    AlertRequest,
    SettingsChange,
    SubscribeRequest,
    UnalertRequest,
)
from bot.core.errors import UserError
from bot.core.metrics import CLAIMS_HELD
from bot.core.universe import Universe
from bot.sources.base import Clock
from bot.storage.alerts import FiringBatch
from bot.storage.chats import MAX_ALERTS_PER_CHAT, ChatStore
from bot.telegram.outbound import Outbound
from bot.text import chatops as chat_texts
from bot.text.i18n import LANGUAGES, t
from bot.text.market import esc

logger = logging.getLogger(__name__)

DIGEST_LEASE_SECONDS = 10.0
"""How long a claimed digest is held unrenewed: a dead process's rest moves on after it."""
DIGEST_HEARTBEAT_SECONDS = 3.0
DIGEST_RETRY_SECONDS = 300.0
"""When a digest Telegram certainly did not get is tried again (Telegram down, say)."""
DIGEST_RETRY_MIN_SECONDS = 1.0
"""The soonest it is tried again, even when Telegram's 429 asked for less."""
DIGEST_CONCURRENCY = 32
DIGEST_PREPARE_AHEAD_SECONDS = 30.0
"""How far ahead the digest chart is drawn: a fan-out starts sending at its due moment,
not a cold chart (and, in a new process, matplotlib's import) later."""
DIGEST_PREPARE_SAMPLE = 200
"""Chats due soon whose languages decide which digest charts are drawn ahead; a language
only the rest use is drawn at its first send, as without preparing."""
SEND_CHUNK = 1024
"""Firings of a batch made ready (definitions read, texts' records built) at a time."""
RESEND_LIMIT = 500
"""Firings a digest tick sends of batches other processes left; the rest wait a tick."""
RenewClaims = Callable[[Iterable[int], float, float], Awaitable[list[int]]]
"""A store's renewal: hold these ids (still at the old lease end) to a new lease end; the
ids still held."""
MAX_DIGEST_LATENESS = dt.timedelta(hours=3)
ALERT_UNTIL_MAX = dt.timedelta(days=10 * 366)
"""How far ahead an alert's `until` day may be (and no date arithmetic overflows)."""


class ChatOpsService:
    """Subscriptions, alerts and settings per chat; the digest and alert jobs."""

    def __init__(
        self,
        chats: ChatStore,
        views: MarketViews,
        market: MarketAnswers,
        outbound: Outbound,
        universe: Universe,
        clock: Clock,
    ) -> None:
        self.chats = chats
        self.views = views
        self.market = market
        self.outbound = outbound
        self.universe = universe
        self.clock = clock
        self._stopping = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # ---- settings -------------------------------------------------------------------------
    async def chat_settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings."""
        return await self.chats.settings(chat_id)

    async def settings(self, chat_id: int, change: SettingsChange | None, lang: str) -> Reply:
        """/settings: show, or change tz, lang or who."""
        if change is not None:
            await self.chats.update_settings(chat_id, **{change.name: change.value})
            if change.name == "lang":
                lang = change.value or lang
        current = await self.chats.settings(chat_id)
        summary = t(
            lang,
            "settings.show",
            tz=esc(current.tz),
            language=esc(current.lang or t(lang, "lang.auto")),
            who=t(lang, f"who.{current.who}"),
        )
        return Reply(t(lang, "settings.saved", summary=summary) if change else summary)

    # ---- subscriptions --------------------------------------------------------------------
    async def subscribe(
        self, chat_id: int, request: SubscribeRequest, lang: str, thread_id: int | None = None
    ) -> Reply:
        """/subscribe: save the digest time and say when the next one comes.

        A chat has one digest, sent to the forum topic it was last subscribed from
        (`thread_id`; None: the chat itself or a forum's General): a group with topics
        "A-shares" and "US" wants the digest once, in the topic it picked, and moves it by
        subscribing from another topic.
        """
        time, every_day = request.time, request.every_day
        zone = request.zone or (await self.chats.settings(chat_id)).tz
        now = self.clock()
        due = next_due(time, zone, now)
        existing = await self.chats.subscription(chat_id)
        subscription = Subscription(
            time=time,
            tz=zone,
            every_day=every_day,
            last_sent_at=existing.last_sent_at if existing else None,
            last_slot=existing.last_slot if existing else None,
            thread_id=thread_id,
        )
        await self.chats.subscribe(chat_id, subscription, due.timestamp())
        return Reply(chat_texts.subscribed(time, zone, every_day, due, lang))

    async def unsubscribe(self, chat_id: int, lang: str) -> Reply:
        """/unsubscribe."""
        removed = await self.chats.unsubscribe(chat_id)
        return Reply(esc(t(lang, "unsubscribe.done" if removed else "unsubscribe.none")))

    async def digest(self, chat_id: int, lang: str) -> Reply:
        """/digest: the digest now (the alerts it lists stay for the scheduled one)."""
        return self._digest(await self.views.current(), [], lang)

    def _digest(self, view: MarketView, fired: Sequence[str], lang: str) -> Reply:
        """The digest: caption plus the 1D rally chart."""
        caption = chat_texts.digest_caption(view.snapshot, self.universe, fired, lang)
        return Reply(caption, self.market.rally_chart(view, "1D", lang))

    # ---- alerts ---------------------------------------------------------------------------
    async def add_alert(
        self, chat_id: int, request: AlertRequest, lang: str, thread_id: int | None = None
    ) -> Reply:
        """/alert: check the cap and the `until` day, store, confirm with the value now.

        Each alert belongs to the forum topic it was set in (`thread_id`) and fires there;
        with `until DAY` it expires at the end of that day in the chat's time zone.
        """
        condition = request.condition
        now = self.clock()
        expires_at = None
        if request.until is not None:
            latest = now.date() + ALERT_UNTIL_MAX
            if request.until > latest:
                raise UserError(
                    "alert.until_far",
                    date=request.until.isoformat(),
                    latest=latest.isoformat(),
                    example=ALERT_UNTIL_EXAMPLE,
                )
            zone = (await self.chats.settings(chat_id)).tz
            end = dt.datetime.combine(
                request.until + dt.timedelta(days=1), dt.time(), ZoneInfo(zone)
            )
            if end <= now:
                raise UserError(
                    "alert.until_past",
                    date=request.until.isoformat(),
                    today=now.astimezone(ZoneInfo(zone)).date().isoformat(),
                    tz=zone,
                    example=ALERT_UNTIL_EXAMPLE,
                )
            expires_at = end.timestamp()
        if await self.chats.count_alerts(chat_id) >= MAX_ALERTS_PER_CHAT:
            raise UserError("alert.cap", limit=MAX_ALERTS_PER_CHAT)
        snapshot = (await self.views.current()).snapshot
        value = current_value(condition, snapshot, self.universe)
        created = now.isoformat(timespec="seconds")
        # Its value now is where its first crossing starts from, if nothing watched it yet.
        record = await self.chats.add_alert(
            chat_id, condition.to_json(), created, value, thread_id, expires_at
        )
        return Reply(
            chat_texts.alert_created(
                record, condition, value, self.universe, snapshot, lang, request.until
            )
        )

    async def list_alerts(self, chat_id: int, lang: str) -> Reply:
        """/alerts: the chat's alerts; expired ones are removed first and named."""
        view = await self.views.latest()  # names for labels; none before the first refresh
        records = await self.chats.chat_alerts(chat_id)
        now = self.clock()
        expired = [
            r.id
            for r in records
            if r.expires_at and dt.datetime.fromisoformat(r.expires_at) <= now
        ]
        if expired:
            await self.chats.alerts.remove(chat_id, expired)
            records = [r for r in records if r.id not in expired]
        snapshot = view.snapshot if view else None
        tz = (await self.chats.settings(chat_id)).tz
        return Reply(chat_texts.alert_list(records, self.universe, snapshot, lang, tz, expired))

    async def alert_history(self, chat_id: int, lang: str) -> Reply:
        """/alerts history: the chat's last firings, newest first, in its time zone."""
        view = await self.views.latest()
        firings = await self.chats.alert_history(chat_id)
        tz = (await self.chats.settings(chat_id)).tz
        snapshot = view.snapshot if view else None
        return Reply(chat_texts.alert_history(firings, self.universe, snapshot, lang, tz))

    async def remove_alert(self, chat_id: int, request: UnalertRequest, lang: str) -> Reply:
        """/unalert ID | all."""
        if request.alert_id is None:
            count = await self.chats.remove_all_alerts(chat_id)
            return Reply(esc(t(lang, "unalert.all", count=count)))
        if not await self.chats.remove_alert(chat_id, request.alert_id):
            raise UserError("unalert.missing", id=request.alert_id)
        return Reply(esc(t(lang, "unalert.done", id=request.alert_id)))

    async def chat_language(self, chat_id: int) -> str:
        """The chat's language for messages nobody asked for (digests, alerts)."""
        chosen = (await self.chats.settings(chat_id)).lang
        return chosen if chosen in LANGUAGES else "en"

    # ---- the digest job -------------------------------------------------------------------
    async def dispatch_digests(self, bot: Bot) -> int:
        """Send every due digest exactly once; returns how many went out.

        The claims are held by a short lease renewed while this process works through
        them: if it dies, another process takes the rest over within one lease.
        """
        if self._stopping:
            return 0
        now = self.clock()
        claims = await self.chats.claim_due(now.timestamp(), DIGEST_LEASE_SECONDS)
        if not claims:
            return 0
        view = await self.views.latest()  # one view for the whole fan-out
        lease = ClaimLease(now.timestamp() + DIGEST_LEASE_SECONDS, {c for c, _ in claims})
        # Bounded, so a large fan-out neither exhausts Redis connections nor floods the
        # limiter's queue; the limiter paces the sends themselves.
        slots = asyncio.Semaphore(DIGEST_CONCURRENCY)

        async def one(chat_id: int, due: float) -> bool:
            async with slots:
                if self._stopping:  # left claimed, handed back below
                    return False
                if chat_id not in lease.pending:  # the lease lapsed: another process has it
                    return False
                return await self._digest_one(bot, view, chat_id, due, lease, now)

        heartbeat = asyncio.create_task(self._hold_claims(lease, self.chats.renew_claims))
        CLAIMS_HELD.inc(len(claims))
        try:
            async with self._sending():
                results = await asyncio.gather(
                    *(one(chat_id, due) for chat_id, due in claims), return_exceptions=True
                )
                if self._stopping:
                    await self._hand_back(lease)
        finally:
            heartbeat.cancel()
            CLAIMS_HELD.dec(len(claims))
        for (chat_id, _), result in zip(claims, results, strict=True):
            if isinstance(result, BaseException):
                logger.error("Digest for chat %s failed", chat_id, exc_info=result)
        return sum(1 for r in results if r is True)

    async def prepare_digests(self) -> int:
        """Draw the charts of the digests due within DIGEST_PREPARE_AHEAD_SECONDS (one per
        language among them) that are not drawn yet; how many were drawn.

        Only earlier, never extra: each is the chart the first of those digests would draw,
        unless a new snapshot lands first.
        """
        if self._stopping:
            return 0
        until = self.clock().timestamp() + DIGEST_PREPARE_AHEAD_SECONDS
        chat_ids = await self.chats.due_before(until, DIGEST_PREPARE_SAMPLE)
        if not chat_ids:
            return 0
        view = await self.views.latest()
        if view is None:
            return 0
        languages = {await self.chat_language(chat_id) for chat_id in chat_ids}
        drawn = 0
        for lang in sorted(languages):
            drawn += await self.outbound.prepare(self.market.rally_chart(view, "1D", lang))
        return drawn

    async def drain(self, patience: float) -> bool:
        """Stop starting digests and wait up to `patience` s for the sends under way (digests
        and alert messages); True when they all finished. Digests claimed and not started,
        and firings not sent, are handed back for another process."""
        self._stopping = True
        try:
            async with asyncio.timeout(patience):
                await self._idle.wait()
        except TimeoutError:
            logger.warning("Stopping with sends still under way after %.0f s", patience)
            return False
        return True

    @contextlib.asynccontextmanager
    async def _sending(self) -> AsyncIterator[None]:
        """Marks a fan-out under way, so a shutdown waits for it rather than cutting it off."""
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def _hand_back(self, lease: ClaimLease) -> None:
        async with lease.lock:
            released = await self.chats.release_claims(lease.pending, lease.end)
            lease.pending.clear()
        if released:
            logger.info(
                "Stopping: %d digests not started are due again for another process", released
            )

    async def _hold_claims(self, lease: ClaimLease, renew: RenewClaims) -> None:
        """Renew the unfinished claims every DIGEST_HEARTBEAT_SECONDS."""
        while lease.pending:
            await asyncio.sleep(DIGEST_HEARTBEAT_SECONDS)
            await self._renew(lease, renew)

    async def _renew(self, lease: ClaimLease, renew: RenewClaims) -> None:
        """Push the lease end on; a claim that lapsed meanwhile is another process's now,
        and is dropped from this one's work."""
        async with lease.lock:
            new_end = self.clock().timestamp() + DIGEST_LEASE_SECONDS
            if new_end <= lease.end:
                return
            held = await renew(lease.pending, lease.end, new_end)
            lost = lease.pending.difference(held)
            if lost:
                logger.warning("%d claims lapsed before renewal; left to others", len(lost))
            lease.pending.intersection_update(held)
            lease.end = new_end

    async def _digest_one(
        self,
        bot: Bot,
        view: MarketView | None,
        chat_id: int,
        due: float,
        lease: ClaimLease,
        now: dt.datetime,
    ) -> bool:
        subscription = await self.chats.subscription(chat_id)
        if subscription is None:
            lease.pending.discard(chat_id)
            await self.chats.unsubscribe(chat_id)
            return False
        due_at = dt.datetime.fromtimestamp(due, dt.UTC)
        following = next_due(subscription.time, subscription.tz, max(now, due_at))
        if subscription.last_slot == due:
            # Delivered before a crash or lapse left the entry due: just reschedule.
            await self._finish(chat_id, lease, following)
            return False
        if now - due_at > MAX_DIGEST_LATENESS:
            logger.warning(
                "Skipping chat %s's digest due %s: %s late", chat_id, due_at, now - due_at
            )
            await self._mark(chat_id, subscription, due, None, lease, following)
            return False
        last_sent = (
            dt.datetime.fromisoformat(subscription.last_sent_at)
            if subscription.last_sent_at
            else None
        )
        if view is None or not (
            subscription.every_day or market_traded_since(view.snapshot.markets, last_sent)
        ):
            logger.info("No market traded since chat %s's last digest; skipping", chat_id)
            await self._mark(chat_id, subscription, due, None, lease, following)
            return False
        # The fired alerts are read, and cleared only once the digest carrying them is out:
        # a retry after a refusal carries them again.
        fired = await self.chats.fired_log(chat_id)
        reply = self._digest(view, fired, await self.chat_language(chat_id))
        delivered = await self.outbound.deliver(
            bot, chat_id, reply, thread_id=subscription.thread_id
        )
        if delivered.may_have_arrived:
            await self.chats.clear_fired_log(delivered.chat_id, fired)
        else:
            # Telegram certainly did not get it: keep the claim, retried once it lapses;
            # soon when Telegram only asked the bot to slow down.
            wait = DIGEST_RETRY_SECONDS if delivered.retry_after is None else delivered.retry_after
            async with lease.lock:
                lease.pending.discard(chat_id)
                retry_at = self.clock().timestamp() + max(wait, DIGEST_RETRY_MIN_SECONDS)
                await self.chats.renew_claims([chat_id], lease.end, retry_at)
            return False
        # Marked even when the send timed out: it may have arrived, and twice is worse.
        await self._mark(delivered.chat_id, subscription, due, now, lease, following)
        lease.pending.discard(chat_id)
        return True

    async def _mark(
        self,
        chat_id: int,
        subscription: Subscription,
        due: float,
        sent_at: dt.datetime | None,
        lease: ClaimLease,
        following: dt.datetime,
    ) -> None:
        subscription.last_slot = due
        if sent_at is not None:
            subscription.last_sent_at = sent_at.isoformat(timespec="seconds")
        await self.chats.save_subscription(chat_id, subscription)
        await self._finish(chat_id, lease, following)

    async def _finish(self, chat_id: int, lease: ClaimLease, following: dt.datetime) -> None:
        # A migrated chat's entry moved with its claim score, so this finishes it too; it
        # fails only when the lease lapsed and another process took the digest over.
        async with lease.lock:  # never while a heartbeat moves the lease end
            lease.pending.discard(chat_id)
            if not await self.chats.finish_claim(chat_id, lease.end, following.timestamp()):
                logger.warning("Chat %s's digest claim lapsed before it finished", chat_id)

    # ---- the alert job --------------------------------------------------------------------
    async def run_alerts(self, bot: Bot, view: MarketView) -> int:
        """Evaluate every alert on a new view's snapshot; send each firing exactly once."""
        checked = await self.record_alerts(view)
        return await self.send_firings(bot, view, checked)

    async def record_alerts(self, view: MarketView) -> AlertPass:
        """Load, evaluate and write back every alert, and record its firings for this
        snapshot version, so each is sent by exactly one process.

        The columns load in one round trip and evaluate off the event loop; only the rows
        whose state changed are written back, in the same step that records the firings
        (one batch, held for this process to send by one lease).
        """
        store = self.chats.alerts
        started = time.perf_counter()
        table = await store.load()
        loaded = time.perf_counter()
        values = group_values(table.groups, view.snapshot, self.universe)
        now = self.clock()
        outcome = await asyncio.to_thread(evaluate_table, table, values, now)
        evaluated = time.perf_counter()
        lease_end = self.clock().timestamp() + DIGEST_LEASE_SECONDS
        batch = await store.record(
            table, outcome.changed, outcome.state, outcome.fired, view.version, lease_end
        )
        recorded = time.perf_counter()
        await store.save_previous(outcome.previous)
        await self._remove_expired(table, now)
        written = time.perf_counter()
        checked = AlertPass(
            table,
            values,
            batch,
            {
                "load": loaded - started,
                "evaluate": evaluated - loaded,
                "record": recorded - evaluated,
                "write_back": written - recorded,
            },
        )
        logger.info(
            "Alerts: %d rows, %d fire, %d changed, %d recorded; load %.0f ms, evaluate %.0f ms, "
            "record %.0f ms, write back %.0f ms",
            len(table),
            len(outcome.fired),
            len(outcome.changed),
            len(batch),
            *(seconds * 1000 for seconds in checked.seconds.values()),
        )
        return checked

    async def _remove_expired(self, table: AlertTable, now: dt.datetime) -> None:
        """Remove the alerts past their `until` day (they did not fire in this pass)."""
        rows = expired_rows(table, now)
        by_chat: dict[int, list[int]] = {}
        for chat_id, alert_id in zip(
            table.columns["chats"][rows].tolist(), table.columns["ids"][rows].tolist(), strict=True
        ):
            by_chat.setdefault(chat_id, []).append(alert_id)
        for chat_id, ids in by_chat.items():
            await self.chats.alerts.remove(chat_id, ids)
        if by_chat:
            logger.info("Removed %d expired alerts", len(rows))

    async def send_firings(self, bot: Bot, view: MarketView, checked: AlertPass) -> int:
        """Send the firings this process recorded; how many may have arrived."""
        batch, table, values = checked.batch, checked.table, checked.values
        if not len(batch):
            return 0
        lease = ClaimLease(batch.lease_end, set(range(len(batch))))

        async def chunks() -> AsyncGenerator[list[Firing]]:
            for start in range(0, len(batch), SEND_CHUNK):
                positions = list(range(start, min(start + SEND_CHUNK, len(batch))))
                ids = batch.alert_ids[positions].tolist()
                rows = batch.rows[positions]
                definitions = await self.chats.alerts.definitions(ids)
                await self._forget_removed(batch.id, lease, positions, ids, definitions)
                chats = table.columns["chats"][rows].tolist()
                threads = table.columns["threads"][rows].tolist()
                fired_values = values[table.columns["groups"][rows]].tolist()
                yield [
                    Firing(
                        AlertRecord(
                            alert_id,
                            chat_id,
                            definitions[alert_id].condition,
                            definitions[alert_id].created_at,
                            thread_id=thread_id or None,
                        ),
                        value,
                        position,
                    )
                    for alert_id, chat_id, thread_id, value, position in zip(
                        ids, chats, threads, fired_values, positions, strict=True
                    )
                    if alert_id in definitions
                ]

        return await self._send_batch(bot, view, batch.id, lease, chunks())

    async def resend_lapsed_firings(self, bot: Bot) -> int:
        """Send the recorded firings whose sender stopped before sending them (its lease
        lapsed), valued in the latest snapshot; how many may have arrived.

        At most RESEND_LIMIT a tick: a batch with more unsent is handed back, due at once,
        for the next tick (of this process or another) to go on with.
        """
        if self._stopping:
            return 0
        view = await self.views.latest()
        if view is None:  # nothing to value them in yet: left for a later tick
            return 0
        alerts = self.chats.alerts
        budget, arrived = RESEND_LIMIT, 0
        while budget > 0 and not self._stopping:
            now = self.clock().timestamp()
            lease = ClaimLease(now + DIGEST_LEASE_SECONDS, set())
            taken = await alerts.take_lapsed(now, lease.end)
            if not taken:
                break
            [batch] = taken
            unsent, unsent_ids = await alerts.unsent(batch)
            positions, ids = unsent[:budget].tolist(), unsent_ids[:budget].tolist()
            more = len(unsent) > budget
            budget -= max(len(positions), 1)
            if not positions:  # all sent meanwhile (or gone): nothing to hold
                await alerts.mark_sent(batch, [])
                continue
            lease.pending.update(positions)
            records = {record.id: record for record in await alerts.records(ids)}
            await self._forget_removed(batch, lease, positions, ids, records)
            firings = [
                Firing(
                    record,
                    current_value(
                        Condition.from_json(record.condition), view.snapshot, self.universe
                    ),
                    position,
                )
                for alert_id, position in zip(ids, positions, strict=True)
                if (record := records.get(alert_id)) is not None
            ]
            logger.info(
                "Sending %d alert messages another process recorded and left", len(firings)
            )
            arrived += await self._send_batch(bot, view, batch, lease, _one_chunk(firings))
            if more:  # due again at once, unless this lease lapsed meanwhile
                await alerts.renew_batch(batch, lease.end, 0.0)
        return arrived

    async def _forget_removed(
        self,
        batch: str,
        lease: ClaimLease,
        positions: Sequence[int],
        ids: Sequence[int],
        found: Container[int],
    ) -> None:
        """Mark the firings of alerts removed since they fired (not in `found`) as sent:
        there is nothing to send for them, now or later."""
        gone = [p for p, alert_id in zip(positions, ids, strict=True) if alert_id not in found]
        if gone:
            async with lease.lock:
                lease.pending.difference_update(gone)
                await self.chats.alerts.mark_sent(batch, gone)

    def _batch_renewal(self, batch: str) -> RenewClaims:
        """Renewal of one batch's lease, as a claims renewal: its pending firings are held
        together, or all lost together."""

        async def renew(
            pending: Iterable[int], lease_end: float, new_lease_end: float
        ) -> list[int]:
            held = await self.chats.alerts.renew_batch(batch, lease_end, new_lease_end)
            return list(pending) if held else []

        return renew

    async def _send_batch(
        self,
        bot: Bot,
        view: MarketView,
        batch: str,
        lease: ClaimLease,
        chunks: AsyncGenerator[Sequence[Firing]],
    ) -> int:
        """Send each firing of `batch` in `chunks` once, the batch held by `lease` (renewed
        meanwhile) while any of `lease.pending` (positions) is unsent; how many may have
        arrived. A chunk goes out once the one before has; a message Telegram certainly did
        not get stays unsent, for a survivor to send once the lease lapses."""
        alerts = self.chats.alerts
        renew = self._batch_renewal(batch)
        slots = asyncio.Semaphore(DIGEST_CONCURRENCY)
        fired_at = self.clock().isoformat(timespec="seconds")

        async def send(firing: Firing) -> bool:
            record = firing.record
            condition = Condition.from_json(record.condition)
            value = math.nan if firing.value is None else firing.value
            async with slots:
                if self._stopping:  # handed back below, for another process
                    return False
                if firing.position not in lease.pending:  # lapsed: another process has it
                    return False
                lang = await self.chat_language(record.chat_id)
                text = chat_texts.alert_fired(
                    record, condition, value, self.universe, view.snapshot, lang
                )
                delivered = await self.outbound.deliver(
                    bot, record.chat_id, Reply(text), thread_id=record.thread_id
                )
            if delivered.may_have_arrived:  # logged once, whatever retries came before
                await self.chats.log_fired(delivered.chat_id, text)
                await self.chats.log_firing(
                    delivered.chat_id, AlertFiring(record.id, record.condition, value, fired_at)
                )
            async with lease.lock:
                lease.pending.discard(firing.position)
                if not delivered.retryable:
                    await alerts.mark_sent(batch, [firing.position])
                # Certainly not received (429, Telegram unreachable): left unsent, so it goes
                # again once the lease lapses.
            return delivered.may_have_arrived

        # Recorded a while ago (a big pass takes seconds): hold them afresh before sending.
        await self._renew(lease, renew)
        heartbeat = asyncio.create_task(self._hold_claims(lease, renew))
        arrived = 0
        try:
            async with self._sending(), contextlib.aclosing(chunks):
                async for chunk in chunks:
                    if self._stopping or not lease.pending:
                        break
                    results = await asyncio.gather(
                        *(send(firing) for firing in chunk), return_exceptions=True
                    )
                    for result in results:
                        if isinstance(result, BaseException):
                            logger.error("An alert message failed", exc_info=result)
                    arrived += sum(1 for r in results if r is True)
                if self._stopping and lease.pending:
                    async with lease.lock:  # due at once for another process
                        await renew(lease.pending, lease.end, 0.0)
                        lease.pending.clear()
        finally:
            heartbeat.cancel()
        return arrived


async def _one_chunk(firings: Sequence[Firing]) -> AsyncGenerator[Sequence[Firing]]:
    """`firings` as the one chunk of a send."""
    yield firings


@dataclass(frozen=True)
class Firing:
    """A recorded firing to send: the alert, the value that fired it, and its position in
    its batch."""

    record: AlertRecord
    value: float | None
    position: int


@dataclass(frozen=True)
class AlertPass:
    """One evaluation of every alert: the table, each group's value, the firings this process
    recorded (one batch), and how long each phase took (seconds)."""

    table: AlertTable
    values: np.ndarray
    batch: FiringBatch
    """The firings recorded, held for this process to send until the batch's lease end
    (renewed while it sends); a survivor sends the ones still unsent after it lapses."""
    seconds: dict[str, float]

    @property
    def claimed(self) -> np.ndarray:
        """The alert ids of the firings this process recorded."""
        return self.batch.alert_ids


@dataclass
class ClaimLease:
    """The lease end this process holds its claims (digests or firings) to, and the ones
    unfinished."""

    end: float
    pending: set[int]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
