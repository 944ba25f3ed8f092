"""Chat ops end to end: admins, digests exactly once (two processes, restarts), 403, migration."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import CallbackContext

from bot.answers.views import VERSION_RECHECK_SECONDS
from bot.chatops import service as chatops_service
from bot.chatops.records import Subscription
from bot.chatops.service import DIGEST_CONCURRENCY, DIGEST_LEASE_SECONDS
from bot.commands.parsing import SettingsChange
from bot.core.config import Settings
from bot.refresh import refresh_market
from bot.runtime import open_runtime
from bot.sandbox.localapi import LocalBotApi
from bot.sandbox.session import DemoSession
from bot.storage.chats import SETTINGS_RECHECK_SECONDS
from bot.telegram.app import build_application
from bot.telegram.jobs import Jobs
from tests.e2e.conftest import FAST_LIMITS, FIXED_NOW, MutableClock, make_settings

GROUP = -100500
ADMIN, MEMBER, CREATOR = 8, 7, 9
ADMINS_ONLY = "Only this group's admins can do that."

# The digest and alert dispatchers must behave the same on one server and on a cluster.
pytestmark = pytest.mark.on_each_redis_topology


def fast_digests(settings: Settings) -> Settings:
    """Dispatch digests every 0.1 s so tests wait for ticks, not minutes."""
    return settings.replace(digest_tick_seconds=0.1)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(FIXED_NOW)


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(bot_username="rallybot") as api:
        api.group_chat(GROUP, "Rally fans")
        for user_id, name in ((ADMIN, "Ada"), (MEMBER, "Max"), (CREATOR, "Cy")):
            api.user(user_id, name)
        api.set_member_status(GROUP, ADMIN, "administrator")
        api.set_member_status(GROUP, CREATOR, "creator")
        api.set_member_status(GROUP, MEMBER, "member")
        yield api


@pytest.fixture
def settings(redis_url: str, key_prefix: str) -> Settings:
    return fast_digests(make_settings(redis_url, key_prefix))


@contextlib.asynccontextmanager
async def running(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> AsyncIterator[DemoSession]:
    async with DemoSession.open(
        settings, clock=clock, rate_limits=FAST_LIMITS, schedule_refresh=False, server=server
    ) as session:
        yield session


@contextlib.asynccontextmanager
async def second_process(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> AsyncIterator[Any]:
    """Another bot process on the same Redis: its own client and jobs, no polling."""
    settings = settings.replace(telegram_api_base_url=server.base_url)
    async with open_runtime(settings, clock) as runtime:
        application = build_application(runtime, FAST_LIMITS, schedule_refresh=False)
        async with application:
            await application.start()
            try:
                yield application
            finally:
                await application.stop()


def texts_to(server: LocalBotApi, chat_id: int, start: int = 0) -> list[str]:
    """Visible text of every message the server accepted for a chat since `start`."""
    return [
        str(call.result.get("text") or call.result.get("caption") or "")
        for call in server.calls[start:]
        if call.method in {"sendMessage", "sendPhoto"}
        and call.ok
        and str(call.params.get("chat_id")) == str(chat_id)
    ]


def digests_to(server: LocalBotApi, chat_id: int) -> list[str]:
    return [t for t in texts_to(server, chat_id) if "Digest" in t.split("\n", 1)[0]]


def refused(server: LocalBotApi) -> list[Any]:
    """Photo sends Telegram answered 429."""
    return [c for c in server.calls if c.method == "sendPhoto" and c.status == 429]


async def settle(seconds: float = 0.8) -> None:
    """Let several dispatcher ticks pass, so a duplicate would have time to appear."""
    await asyncio.sleep(seconds)


async def wait_until(predicate: Any, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


async def test_only_admins_change_a_group_and_everyone_reads(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        group = server.world.resolve_chat(GROUP)
        member = server.user(MEMBER)
        for command in (
            "/subscribe@rallybot",
            "/alert@rallybot star50 mtd > 10%",
            "/unalert@rallybot all",
            "/settings@rallybot who everyone",
            "/unsubscribe@rallybot",
        ):
            replies = await bot.ask(command, chat=group, user=member)
            assert [r.text for r in replies] == [ADMINS_ONLY], command
        assert await bot.runtime.chats.subscription(GROUP) is None
        assert await bot.runtime.chats.count_alerts(GROUP) == 0

        replies = await bot.ask("/alerts@rallybot", chat=group, user=member)
        assert "No alerts yet" in replies[0].text
        replies = await bot.ask("/settings@rallybot", chat=group, user=member)
        assert "Who may change things: admins" in replies[0].text

        replies = await bot.ask("/subscribe@rallybot", chat=group, user=server.user(ADMIN))
        assert "Daily digest at 16:30 Asia/Hong_Kong" in replies[0].text
        assert "Next: Wed 25 Nov 16:30 HKT" in replies[0].text
        replies = await bot.ask(
            "/alert@rallybot star50 mtd > 10%", chat=group, user=server.user(CREATOR)
        )
        assert replies[0].text.startswith("✅ Alert #")
        assert "STAR 50 MTD return > +10.0%" in replies[0].text

        # An admin may open changes to everyone.
        await bot.ask("/settings@rallybot who everyone", chat=group, user=server.user(ADMIN))
        replies = await bot.ask("/unsubscribe@rallybot", chat=group, user=member)
        assert replies[0].text == "📭 Daily digest stopped."


async def test_an_anonymous_admin_can_subscribe(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        start = len(server.calls)
        update_id = server.send_text(
            GROUP, None, "/subscribe@rallybot 09:15 Asia/Shanghai", sender_chat=GROUP
        )
        replies = await bot.replies_to(update_id, GROUP, start)
        assert "Daily digest at 09:15 Asia/Shanghai" in replies[0].text
        assert await bot.runtime.chats.subscription(GROUP) is not None


async def test_a_digest_a_minute_ahead_arrives_exactly_once(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        replies = await bot.ask("/subscribe 15:01")  # 15:00 in Hong Kong now
        assert "Next: Wed 25 Nov 15:01 HKT" in replies[0].text
        await settle()
        assert digests_to(server, bot.chat.id) == []  # not due yet
        clock.advance(minutes=1, seconds=5)
        await wait_until(lambda: digests_to(server, bot.chat.id))
        await settle()
        clock.advance(hours=2)
        await settle()
        digests = digests_to(server, bot.chat.id)
        assert len(digests) == 1
        assert digests[0].startswith("📰 Digest · 2026-11-25")
        due = await bot.runtime.chats.due_at(bot.chat.id)
        assert due == (FIXED_NOW.replace(hour=7, minute=1)).timestamp() + 86400


async def test_two_processes_send_each_digest_and_each_firing_once(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    chats = [server.private_chat(5000 + i, f"P{i}").id for i in range(6)]
    async with (
        running(settings, clock, server) as bot,
        second_process(settings, clock, server) as other,
    ):
        for chat_id in chats:
            await bot.runtime.chats.subscribe(
                chat_id, Subscription("15:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 1
            )
        await wait_until(lambda: all(digests_to(server, c) for c in chats))
        await settle()
        assert [len(digests_to(server, c)) for c in chats] == [1] * len(chats)

        replies = await bot.ask("/alert ndx price > 1")  # true already
        assert replies[0].text.startswith("✅ Alert #")
        start = len(server.calls)
        both = [bot.application.bot_data.services, other.bot_data.services]
        views = [await services.views.current() for services in both]
        sent = await asyncio.gather(
            both[0].chatops.run_alerts(bot.application.bot, views[0]),
            both[1].chatops.run_alerts(other.bot, views[1]),
        )
        assert sorted(sent) == [0, 1]
        fired = [t for t in texts_to(server, bot.chat.id, start) if t.startswith("Alert #")]
        assert len(fired) == 1
        assert "Nasdaq 100 price > 1" in fired[0]


async def test_a_firing_recorded_by_a_process_that_stopped_is_sent_after_its_lease(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    """Recorded (claimed) and never sent: held for the lease, then sent once by the ticks."""
    async with running(settings, clock, server) as bot:
        replies = await bot.ask("/alert ndx price > 1")  # true already
        assert replies[0].text.startswith("✅ Alert #")
        services = bot.application.bot_data.services
        start = len(server.calls)
        # A process records the firing, then dies before sending it.
        checked = await services.chatops.record_alerts(await services.views.current())
        assert len(checked.claimed) == 1
        await settle()
        assert not [t for t in texts_to(server, bot.chat.id, start) if t.startswith("Alert #")]

        clock.advance(seconds=DIGEST_LEASE_SECONDS + 1)  # the dead process's lease lapses
        await wait_until(lambda: texts_to(server, bot.chat.id, start))
        await settle()
        fired = [t for t in texts_to(server, bot.chat.id, start) if t.startswith("Alert #")]
        assert len(fired) == 1
        assert "Nasdaq 100 price > 1" in fired[0]
        # The same snapshot evaluated again records nothing more: it went out once.
        assert await run_alerts(bot) == 0


def alert_ids_sent(server: LocalBotApi, chat_id: int, start: int) -> list[int]:
    """The alert ids of the alert messages a chat got since `start`, in order."""
    texts = texts_to(server, chat_id, start)
    return [int(m.group(1)) for t in texts if (m := re.match(r"Alert #(\d+) ", t))]


async def test_a_partly_sent_batch_a_stopped_process_left_goes_out_once_each(
    settings: Settings, clock: MutableClock, server: LocalBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pass's firings are one batch: a process that sent part of it and stopped leaves
    the rest held; after its lease the ticks send only the unsent ones, each once, a few a
    tick, and evaluating the same snapshot again records nothing more."""
    monkeypatch.setattr(chatops_service, "RESEND_LIMIT", 2)  # the rest spans ticks
    async with running(settings, clock, server) as bot:
        for threshold in range(1, 8):
            replies = await bot.ask(f"/alert ndx price > {threshold}")  # true already
            assert replies[0].text.startswith("✅ Alert #")
        services = bot.application.bot_data.services
        start = len(server.calls)
        checked = await services.chatops.record_alerts(await services.views.current())
        batch = checked.batch
        assert len(batch) == 7
        # The process sent three of them (marked sent as the sender does), then stopped.
        ids = batch.alert_ids.tolist()
        await services.chats.alerts.mark_sent(batch.id, [0, 3, 6])
        unsent = sorted(ids[n] for n in (1, 2, 4, 5))
        await settle()
        assert alert_ids_sent(server, bot.chat.id, start) == []

        clock.advance(seconds=DIGEST_LEASE_SECONDS + 1)  # the stopped process's lease lapses
        await wait_until(lambda: len(alert_ids_sent(server, bot.chat.id, start)) >= len(unsent))
        await settle()
        assert sorted(alert_ids_sent(server, bot.chat.id, start)) == unsent
        assert await run_alerts(bot) == 0
        [history] = await bot.ask("/alerts history")
        assert all(history.text.count(f"#{alert_id} ") == 1 for alert_id in unsent)


async def test_a_firing_whose_alert_was_removed_before_sending_is_dropped(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        for threshold in (1, 2):
            await bot.ask(f"/alert ndx price > {threshold}")  # true already
        services = bot.application.bot_data.services
        start = len(server.calls)
        view = await services.views.current()
        checked = await services.chatops.record_alerts(view)
        kept, removed = checked.batch.alert_ids.tolist()
        await bot.ask(f"/unalert {removed}")
        assert await services.chatops.send_firings(bot.application.bot, view, checked) == 1
        assert alert_ids_sent(server, bot.chat.id, start) == [kept]
        clock.advance(seconds=DIGEST_LEASE_SECONDS + 1)
        await settle()  # nothing left held: no tick sends the removed one
        assert alert_ids_sent(server, bot.chat.id, start) == [kept]
        assert await services.chats.alerts.take_lapsed(clock().timestamp(), 0.0) == []


async def test_a_stopping_process_hands_the_unsent_firings_of_its_batch_back_at_once(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    """On SIGTERM the alert messages under way finish; the batch's unsent firings are due at
    once for another process, not after the lease, and none of them went out."""
    async with running(settings, clock, server) as bot:
        store, services = bot.runtime.chats, bot.application.bot_data.services
        count = DIGEST_CONCURRENCY + 8  # more than go out at once
        for threshold in range(count):
            condition = {
                "target": "ndx",
                "kind": "index",
                "metric": "price",
                "op": ">",
                "threshold": float(threshold),
                "unit": "price",
            }
            await store.add_alert(bot.chat.id, condition, "now")
        view = await services.views.current()
        checked = await services.chatops.record_alerts(view)
        assert len(checked.batch) == count
        start = len(server.calls)
        server.answer_late("sendMessage", 0.5, count=count)
        sending = asyncio.create_task(
            services.chatops.send_firings(bot.application.bot, view, checked)
        )
        await asyncio.sleep(0.2)  # sends under way
        assert await services.chatops.drain(patience=10)
        arrived = await sending

        positions, unsent = await store.alerts.unsent(checked.batch.id)
        assert arrived + len(positions) == count
        assert len(positions) >= count - DIGEST_CONCURRENCY
        sent = alert_ids_sent(server, bot.chat.id, start)
        assert sorted(sent + unsent.tolist()) == sorted(checked.batch.alert_ids.tolist())
        now = clock().timestamp()  # not advanced: due at once, no lease to wait for
        assert await store.alerts.take_lapsed(now, now + 10) == [checked.batch.id]


async def run_alerts(bot: DemoSession) -> int:
    """Evaluate every alert on the session's latest view, as the refresh job does."""
    services = bot.application.bot_data.services
    return await services.chatops.run_alerts(bot.application.bot, await services.views.current())


async def test_the_refresh_job_leaves_alert_messages_to_a_task_of_their_own(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        await bot.ask("/alert ndx price > 1")
        services = bot.application.bot_data.services
        jobs = Jobs(bot.runtime, services.views, services.chatops)
        server.answer_late("sendMessage", 1.0)  # Telegram slow to confirm the alert message
        clock.advance(minutes=5)  # the next refresh is due
        version = (await services.views.current()).version

        await jobs.refresh(CallbackContext(bot.application))

        assert (await services.views.current()).version > version  # it did refresh
        # Done while the alert message was still on its way: a big batch takes minutes at
        # 30 a second, and the next refresh must not wait for it.
        assert await services.chats.fired_log(bot.chat.id) == []
        for _ in range(100):  # then the task finishes it: answered, logged for the digest
            if await services.chats.fired_log(bot.chat.id):
                break
            await asyncio.sleep(0.05)
        [carried] = await services.chats.fired_log(bot.chat.id)
        assert carried.startswith("Alert #1 🔔 Nasdaq 100 price &gt; 1.")
        await settle()
        assert len(alert_ids_sent(server, bot.chat.id, 0)) == 1


async def test_a_restart_sends_nothing_twice_and_keeps_state(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        await bot.ask("/subscribe 15:00")
        await bot.ask("/alert ndx price > 1 every")
        await bot.ask("/alert star50 mtd > 50%")
        await bot.runtime.chats.subscribe(
            bot.chat.id, Subscription("15:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 1
        )
        await wait_until(lambda: digests_to(server, bot.chat.id))
        assert await run_alerts(bot) == 1
        chat_id = bot.chat.id
    sent_before = len(texts_to(server, chat_id))

    clock.advance(minutes=5)
    async with running(settings, clock, server) as bot:
        await settle()
        assert await run_alerts(bot) == 0
        assert len(texts_to(server, chat_id)) == sent_before
        listing = (await bot.ask("/alerts"))[0].text
        assert "Nasdaq 100 price > 1" in listing
        assert "STAR 50 MTD return > +50.0%" in listing
        assert await bot.runtime.chats.subscription(chat_id) is not None


async def test_a_chat_answering_403_is_forgotten_while_others_get_digests(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    blocked, fine = (server.private_chat(6001, "Gone").id, server.private_chat(6002, "Here").id)
    async with running(settings, clock, server) as bot:
        store = bot.runtime.chats
        await store.add_alert(
            blocked,
            {
                "target": "ndx",
                "kind": "index",
                "metric": "price",
                "op": ">",
                "threshold": 1e9,
                "unit": "price",
            },
            "now",
        )
        server.block_chat(blocked)
        for chat_id in (blocked, fine):
            await store.subscribe(
                chat_id, Subscription("15:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 1
            )
        await wait_until(lambda: digests_to(server, fine))
        await settle()
        assert await store.subscription(blocked) is None
        assert await store.count_alerts(blocked) == 0
        assert len(digests_to(server, fine)) == 1
        forbidden = [c for c in server.calls if c.status == 403]
        assert forbidden, "the blocked chat was never tried"


async def test_a_digest_telegram_keeps_refusing_with_429_goes_out_once_it_relents(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    """A 429 outlasting the limiter's waits was refused, not maybe-sent: it comes back soon."""
    chat_id = server.private_chat(6003, "Patient").id
    # The limiter tries a send four times; the fifth refusal falls on the next attempt.
    server.fail_next("sendPhoto", chat_id, status=429, retry_after=1, count=5)
    async with running(settings, clock, server) as bot:
        await bot.runtime.chats.log_fired(chat_id, "Alert #41 fired: STAR 50 above 1,000")
        await bot.runtime.chats.subscribe(
            chat_id, Subscription("15:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 1
        )
        await wait_until(lambda: len(refused(server)) == 4, timeout=30)
        await settle()
        assert digests_to(server, chat_id) == []
        clock.advance(seconds=2)  # past the wait Telegram asked for
        await wait_until(lambda: digests_to(server, chat_id), timeout=30)
        await settle()
        [digest] = digests_to(server, chat_id)
        assert len(refused(server)) == 5
        # The retry still carries what fired since the last digest; then it is cleared.
        assert "Alert #41 fired" in digest
        assert await bot.runtime.chats.fired_log(chat_id) == []


async def test_an_alert_message_refused_with_429_goes_out_once_later(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    """Refused is not sent: held, and sent again after the lease, logged in history once."""
    async with running(settings, clock, server) as bot:
        replies = await bot.ask("/alert ndx price > 1")  # true already
        assert replies[0].text.startswith("✅ Alert #")
        start = len(server.calls)
        # Every try of the limiter is refused: the message stays held for another go.
        server.fail_next("sendMessage", bot.chat, status=429, retry_after=1, count=4)
        assert await run_alerts(bot) == 0
        assert not [t for t in texts_to(server, bot.chat.id, start) if t.startswith("Alert #")]

        clock.advance(seconds=DIGEST_LEASE_SECONDS + 1)
        await wait_until(
            lambda: [t for t in texts_to(server, bot.chat.id, start) if t.startswith("Alert #")]
        )
        await settle()
        fired = [t for t in texts_to(server, bot.chat.id, start) if t.startswith("Alert #")]
        assert len(fired) == 1
        [history] = await bot.ask("/alerts history")
        assert history.text.count("Nasdaq 100 price > 1") == 1


async def test_a_migrated_group_keeps_its_alerts_and_gets_its_digest(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    new_id = -1009990001
    async with running(settings, clock, server) as bot:
        group = server.world.resolve_chat(GROUP)
        await bot.ask("/alert@rallybot star50-ndx mtd > 5pp", chat=group, user=server.user(ADMIN))
        await bot.runtime.chats.subscribe(
            GROUP, Subscription("15:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() + 3600
        )
        server.migrate_group(GROUP, new_id, announce=False)
        # The next digest to the old id meets "group chat was upgraded": state moves, then sends.
        clock.advance(hours=1, seconds=1)
        await wait_until(lambda: digests_to(server, new_id))
        assert await bot.runtime.chats.count_alerts(GROUP) == 0
        assert await bot.runtime.chats.count_alerts(new_id) == 1
        assert await bot.runtime.chats.subscription(new_id) is not None
        supergroup = server.world.resolve_chat(new_id)
        listing = await bot.ask("/alerts@rallybot", chat=supergroup, user=server.user(MEMBER))
        assert "STAR 50 − Nasdaq 100 MTD spread > +5.0 pp" in listing[0].text


async def test_the_migration_service_message_moves_state(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    new_id = -1009990002
    async with running(settings, clock, server) as bot:
        group = server.world.resolve_chat(GROUP)
        await bot.ask(
            "/alert@rallybot hstech price crosses 7", chat=group, user=server.user(ADMIN)
        )
        server.migrate_group(GROUP, new_id, announce=True)
        store = bot.runtime.chats
        for _ in range(100):
            if await store.count_alerts(new_id) == 1:
                break
            await asyncio.sleep(0.05)
        assert await store.count_alerts(new_id) == 1
        assert await store.count_alerts(GROUP) == 0


async def test_a_digest_missed_in_downtime_goes_out_once_if_under_three_hours_late(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    late, too_late = server.private_chat(7001, "Late").id, server.private_chat(7002, "Old").id
    async with running(settings, clock, server) as bot:
        store = bot.runtime.chats
        hour = 3600
        await store.subscribe(
            late, Subscription("13:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 2 * hour
        )
        await store.subscribe(
            too_late, Subscription("11:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 4 * hour
        )
        await wait_until(lambda: digests_to(server, late))
        await settle()
        assert len(digests_to(server, late)) == 1
        assert digests_to(server, too_late) == []
        # Both are scheduled for their next local time tomorrow.
        assert await store.due_at(too_late) == FIXED_NOW.timestamp() - 4 * hour + 86400
        assert await store.due_at(late) == FIXED_NOW.timestamp() - 2 * hour + 86400


async def test_a_chat_is_capped_at_fifty_alerts(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        condition = {
            "target": "ndx",
            "kind": "index",
            "metric": "price",
            "op": ">",
            "threshold": 1e9,
            "unit": "price",
        }
        for _ in range(50):
            await bot.runtime.chats.add_alert(bot.chat.id, condition, "2026-11-25T07:00:00")
        replies = await bot.ask("/alert star50 mtd > 10%")
        assert replies[0].text == (
            "This chat already has 50 alerts, the most it can have. Remove some with /unalert ID."
        )
        assert await bot.runtime.chats.count_alerts(bot.chat.id) == 50


async def test_a_digest_fan_out_uploads_its_chart_once(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    chats = [server.private_chat(8000 + i, f"F{i}").id for i in range(12)]
    async with running(settings, clock, server) as bot:
        for chat_id in chats:
            await bot.runtime.chats.subscribe(
                chat_id, Subscription("15:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 1
            )
        await wait_until(lambda: all(digests_to(server, c) for c in chats))
        photos = [c for c in server.calls_to("sendPhoto") if c.ok]
        assert len(photos) == len(chats)
        assert sum(1 for c in photos if c.files) == 1  # the rest re-use its file_id


async def test_digest_charts_are_drawn_before_they_are_due_one_per_language(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    english, chinese = (server.private_chat(8100 + i, f"P{i}").id for i in range(2))
    async with running(settings, clock, server) as bot:
        services = bot.application.bot_data.services
        await services.chats.update_settings(chinese, lang="zh")
        due = FIXED_NOW.timestamp() + 20
        for chat_id in (english, chinese):
            await services.chats.subscribe(chat_id, Subscription("15:00", "UTC"), due)
        view = await services.views.latest()
        assert view is not None
        names = [services.market.rally_chart(view, "1D", lang).name for lang in ("en", "zh")]

        async def drawn() -> list[bool]:
            return [await bot.runtime.store.has_chart(name) for name in names]

        for _ in range(200):  # the digest job, ticking every 0.1 s, draws them
            if all(await drawn()):
                break
            await asyncio.sleep(0.05)
        assert await drawn() == [True, True]
        assert texts_to(server, english) == texts_to(server, chinese) == []
        clock.advance(seconds=20)
        await wait_until(lambda: texts_to(server, english) and texts_to(server, chinese))
        assert digests_to(server, english)
        # Sent at once with the chart drawn ahead: no "sending a photo…" while one is drawn.
        assert server.calls_to("sendChatAction") == []
        assert sum(1 for c in server.calls_to("sendPhoto") if c.files) == 2


async def test_a_digest_whose_send_times_out_is_never_sent_twice(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    # Telegram carries out the first sendPhotos but answers after the bot stopped waiting.
    settings = settings.replace(telegram_read_timeout=0.3)
    chats = [server.private_chat(8100 + i, f"T{i}").id for i in range(10)]
    server.answer_late("sendPhoto", 0.6, count=4)
    async with running(settings, clock, server) as bot:
        for chat_id in chats:
            await bot.runtime.chats.subscribe(
                chat_id, Subscription("15:00", "Asia/Hong_Kong"), FIXED_NOW.timestamp() - 1
            )
        await wait_until(lambda: all(digests_to(server, c) for c in chats))
        await settle(1.5)  # time for a repeat, a retry or a second claim to show up
        assert [len(digests_to(server, c)) for c in chats] == [1] * len(chats)
        assert len(server.calls_to("sendPhoto")) == len(chats)
        for chat_id in chats:  # each counts as sent: none is due again today
            subscription = await bot.runtime.chats.subscription(chat_id)
            assert subscription is not None
            assert subscription.last_slot == FIXED_NOW.timestamp() - 1


async def test_a_second_process_change_shows_here_within_a_second(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    """Answers keep settings and the snapshot in memory, yet another replica's language
    change and new snapshot show here within the recheck interval."""
    async with (
        running(settings, clock, server) as bot,
        second_process(settings, clock, server) as other,
    ):
        assert (await bot.ask("/rally"))[0].text.startswith("China tech rally")
        version = await bot.runtime.store.snapshot_version()
        assert f"Snapshot v{version} " in (await bot.ask("/status"))[0].text

        # The other process: /settings lang zh there, and a refresh with its own stores.
        theirs = other.bot_data.services
        await theirs.chatops.settings(bot.chat.id, SettingsChange("lang", "zh"), "en")
        clock.advance(minutes=5)
        async with open_runtime(settings, clock) as their_runtime:
            await refresh_market(
                their_runtime.provider,
                their_runtime.store,
                their_runtime.universe,
                clock(),
                settings.history_days,
            )
        await asyncio.sleep(max(SETTINGS_RECHECK_SECONDS, VERSION_RECHECK_SECONDS) + 0.1)

        assert (await bot.ask("/rally"))[0].text.startswith("中国科技股行情")
        assert f"快照 v{version + 1}，" in (await bot.ask("/status"))[0].text
