"""Chat-ops throughput: 100k-alert evaluation, and digest fan-out under Telegram's limits.

Run: .venv/bin/python bench/chatops_bench.py [--alerts 100000] [--chats 5000] [--runs 5]

(a) `evaluate_alerts` over the default universe's demo snapshot (median of --runs runs), and
    loading the same alerts from an embedded Valkey with ChatStore.all_alerts.
(b) --chats subscribed chats, all due, dispatched through the real bot (DemoSession with the
    production RateLimits(): 30/s overall, 20/min per group) to a local Bot API server that
    enforces Telegram's limits and answers 429 when they are exceeded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

import redis.asyncio as redis
from pydantic import SecretStr

from bot.analytics.model import Snapshot
from bot.analytics.periods import PERIODS
from bot.analytics.snapshot import compute_snapshot
from bot.chatops.alerts import evaluate_alerts
from bot.chatops.conditions import OPERATORS, Condition, TargetKind, Unit, current_value
from bot.chatops.records import AlertRecord, Subscription
from bot.chatops.service import DIGEST_LEASE_SECONDS, ChatOpsService
from bot.core.config import Settings
from bot.core.universe import Universe, load_universe
from bot.sandbox.localapi import LocalBotApi
from bot.sandbox.session import DemoSession
from bot.sources.demo import DemoProvider
from bot.storage.chats import ChatStore
from bot.storage.embedded import EmbeddedValkey
from bot.storage.keys import Keys
from bot.telegram.app import RateLimits
from bot.telegram.jobs import DIGEST_JOB

NOW = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # a Wednesday, Asia in session
START = dt.date(2024, 11, 20)
TELEGRAM_OVERALL_PER_SECOND = 30


# ---- (a) alert evaluation ----------------------------------------------------------------------
async def demo_snapshot(universe: Universe) -> Snapshot:
    """The default universe's snapshot on two years of demo closes."""
    provider = DemoProvider(universe, seed=7, clock=lambda: NOW)
    closes = provider.closes_at(universe.all_symbols, START, NOW.date(), NOW).closes
    meta = (await provider.fetch_meta(universe.price_symbols)).meta
    return compute_snapshot(closes, meta, universe, NOW.date(), NOW, "demo")


def condition_shapes(universe: Universe) -> list[tuple[str, TargetKind, str, Unit]]:
    """Every (target, kind, metric, unit) an alert can name in this universe."""
    shapes: list[tuple[str, TargetKind, str, Unit]] = []
    stocks = sorted({m for b in universe.baskets.values() for m in b.members})
    for key in universe.indices:
        shapes.append((key, "index", "price", "price"))
        shapes.extend((key, "index", p, "pct") for p in PERIODS)
    for symbol in stocks:
        shapes.append((symbol, "symbol", "price", "price"))
        shapes.extend((symbol, "symbol", p, "pct") for p in PERIODS)
    for key in universe.baskets:
        shapes.extend((key, "basket", p, "pct") for p in PERIODS)
        shapes.extend((key, "basket", f"value:{p}", "usd") for p in PERIODS)
    for first in universe.indices:
        for second in universe.indices:
            if first != second:
                shapes.extend((f"{first}-{second}", "spread", p, "pp") for p in PERIODS)
    return shapes


def make_alerts(
    count: int, universe: Universe, snapshot: Snapshot, seed: int = 7
) -> list[AlertRecord]:
    """`count` alerts over every target, metric and operator, thresholds near today's values."""
    rng = random.Random(seed)
    shapes = condition_shapes(universe)
    records = []
    for alert_id in range(1, count + 1):
        target, kind, metric, unit = shapes[alert_id % len(shapes)]
        probe = Condition(target, kind, metric, ">", 0.0, unit)
        value = current_value(probe, snapshot, universe)
        base = value if value is not None else 0.05
        scale = abs(base) if unit in {"price", "usd"} else 0.05
        threshold = base + rng.uniform(-0.1, 0.1) * max(scale, 1e-6)
        condition = Condition(
            target,
            kind,
            metric,
            rng.choice(OPERATORS),
            threshold,
            unit,
            "every" if alert_id % 3 == 0 else "once",
        )
        last = None if value is None or alert_id % 5 == 0 else value * rng.uniform(0.97, 1.03)
        records.append(
            AlertRecord(
                alert_id,
                alert_id // 20 + 1,
                condition.to_json(),
                "2026-11-01T00:00:00+00:00",
                last_value=last,
            )
        )
    return records


async def bench_alerts(count: int, runs: int, url: str) -> None:
    """Print evaluation and Redis load times for `count` alerts."""
    universe = load_universe()
    snapshot = await demo_snapshot(universe)
    records = make_alerts(count, universe, snapshot)
    groups = {(r.condition["kind"], r.condition["target"], r.condition["metric"]) for r in records}
    evaluate_alerts(records, snapshot, universe, NOW)  # warm-up
    timings, firings = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        outcome = evaluate_alerts(records, snapshot, universe, NOW)
        timings.append(time.perf_counter() - started)
        firings = len(outcome.firings)
    median = statistics.median(timings)
    print(
        f"(a) evaluate_alerts: {count:,} alerts in {len(groups)} (target, metric) groups, "
        f"{len(snapshot.instruments)} instruments"
    )
    print(
        f"    median {median * 1000:.1f} ms over {runs} runs "
        f"(min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f}) "
        f"-> {count / median:,.0f} alerts/s; {firings:,} fire on this snapshot"
    )

    client = redis.Redis.from_url(url)
    try:
        store = ChatStore(client, Keys(f"bench-{uuid.uuid4().hex[:8]}"))
        for chunk in range(0, count, 5000):
            mapping: dict[Any, Any] = {
                str(r.id): json.dumps(asdict(r)) for r in records[chunk : chunk + 5000]
            }
            await client.hset(store.keys.alerts(), mapping=mapping)
        loads = []
        for _ in range(runs):
            started = time.perf_counter()
            loaded = await store.all_alerts()
            loads.append(time.perf_counter() - started)
        assert len(loaded) == count
        load = statistics.median(loads)
        print(
            f"    ChatStore.all_alerts from Valkey: median {load * 1000:.1f} ms over {runs} "
            f"runs -> {count / load:,.0f} alerts/s; "
            f"load + evaluate {(load + median) * 1000:.1f} ms"
        )
        await client.delete(store.keys.alerts())
    finally:
        await client.aclose()


# ---- (b) digest fan-out ------------------------------------------------------------------------
def bench_settings(url: str) -> Settings:
    """A demo bot on the bench's Valkey under a fresh prefix; its digest job never ticks."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=SecretStr("123456:BENCH-TOKEN"),
        REDIS_URL=url,
        RALLYBOT_REDIS_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
        MARKET_DATA="demo",
        RALLYBOT_DIGEST_TICK_SECONDS=86_400,
    )


async def subscribe_chats(
    server: LocalBotApi, chatops: ChatOpsService, chats: int, group_every: int
) -> list[int]:
    """Create the chats on the server and subscribe each, due now; their ids."""
    ids = []
    for n in range(chats):
        chat_id = 10_000 + n
        if group_every and n % group_every == 0:
            server.group_chat(-chat_id, f"Group {n}")
            ids.append(-chat_id)
        else:
            server.private_chat(chat_id, f"User{n}")
            ids.append(chat_id)
    for chunk in range(0, len(ids), 50):  # stay well inside redis-py's 100-connection pool
        await asyncio.gather(
            *(
                chatops.chats.subscribe(chat_id, Subscription(), NOW.timestamp())
                for chat_id in ids[chunk : chunk + 50]
            )
        )
    return ids


async def dispatch_until_done(chatops: ChatOpsService, bot: Any, chats: int) -> tuple[int, int]:
    """Run the dispatcher until a round sends nothing; (digests sent, rounds that sent)."""
    started = time.perf_counter()
    sent, rounds = 0, 0
    while done := await chatops.dispatch_digests(bot):
        rounds += 1
        sent += done
        print(
            f"    round {rounds}: {done} digests, {sent}/{chats} after "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return sent, rounds


async def bench_digests(chats: int, group_every: int, url: str, pool_size: int | None) -> None:
    """Subscribe `chats` chats, all due now, and time their digests through the real bot."""
    limits = RateLimits()
    server = LocalBotApi(bot_username="rallybot", enforce_rate_limits=True)
    await server.start()
    try:
        async with DemoSession.open(
            bench_settings(url),
            clock=lambda: NOW,
            rate_limits=limits,
            schedule_refresh=False,
            server=server,
        ) as session:
            jobs = session.application.job_queue
            assert jobs is not None
            for job in jobs.get_jobs_by_name(DIGEST_JOB):
                job.schedule_removal()  # this bench drives the dispatcher itself
            chatops: ChatOpsService = session.application.bot_data.services.chatops
            pool: Any = session.runtime.redis.connection_pool
            if pool_size:
                pool.max_connections = pool_size  # works around the pool limit; see the notes
            ids = await subscribe_chats(server, chatops, chats, group_every)
            calls_before, limited_before = len(server.calls), server.rate_limited_count
            started = time.perf_counter()
            sent, rounds = await dispatch_until_done(chatops, session.application.bot, chats)
            elapsed = time.perf_counter() - started
            leased = await session.runtime.redis.zcount(
                chatops.chats.keys.subscriptions(),
                NOW.timestamp() + DIGEST_LEASE_SECONDS,
                NOW.timestamp() + DIGEST_LEASE_SECONDS,
            )
            wanted = set(ids)
            photos = [
                c
                for c in server.calls[calls_before:]
                if c.method == "sendPhoto" and c.ok and c.params.get("chat_id") in wanted
            ]
            uploads = sum(1 for c in photos if c.files)
            rate = sent / elapsed if elapsed else float("inf")
            print(
                f"(b) digest fan-out: {chats:,} chats ({sum(i < 0 for i in ids):,} groups), "
                f"production RateLimits() {limits.overall_per_second:g}/s overall, "
                f"{limits.group_per_period:g}/{limits.group_period_seconds:g}s per group; "
                f"Redis pool max_connections {pool.max_connections}"
            )
            print(
                f"    {sent:,} digests in {elapsed:.1f} s over {rounds} dispatch rounds "
                f"-> {rate:.1f} msg/s vs {TELEGRAM_OVERALL_PER_SECOND}/s allowed "
                f"({rate / TELEGRAM_OVERALL_PER_SECOND:.0%})"
            )
            print(
                f"    distinct chats delivered: {len({c.params['chat_id'] for c in photos}):,}; "
                f"photo uploads {uploads:,}, re-sent by file_id {len(photos) - uploads:,}"
            )
            print(
                f"    429 answers from the server: {server.rate_limited_count - limited_before:,}"
            )
            print(f"    claimed but never sent (left leased until the lease lapses): {leased:,}")
    finally:
        await server.stop()


async def main_async(args: argparse.Namespace) -> None:
    """Start one embedded Valkey and run both parts against it."""
    with tempfile.TemporaryDirectory(prefix="chatops-bench-") as directory:
        valkey = EmbeddedValkey(Path(directory))
        url = valkey.start()
        try:
            if args.alerts:
                await bench_alerts(args.alerts, args.runs, url)
            if args.chats:
                await bench_digests(args.chats, args.group_every, url, args.pool_size)
        finally:
            valkey.stop()


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=100_000, help="alerts to evaluate (0: skip)")
    parser.add_argument("--chats", type=int, default=5000, help="digest chats (0: skip)")
    parser.add_argument("--group-every", type=int, default=10, help="every Nth chat is a group")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        help="raise the bot's Redis pool limit (redis-py's default is 100) to bench sends alone",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
