"""Chat-ops at scale: a million alerts as columns, and digest fan-out at Telegram's limits.

Run: .venv/bin/python bench/chatops_bench.py [--alerts 1000000] [--chats 1000] [--runs 5] [--json]

(a) --alerts alerts stored as columns in a running bot's Valkey; the real alert pass
    (ChatOpsService.record_alerts: load, evaluate, record the changed state and the firings
    as one batch held for sending, write back the groups' values; the sends are left out)
    on --runs new snapshot versions, while /rally requests keep coming; the event loop's lag
    is sampled every 5 ms during the passes. evaluate_ms_p50 is the pure numpy evaluation of
    every alert.
(b) --chats subscribed chats, all due, dispatched through the real bot (DemoSession with the
    production RateLimits(): 30/s overall, 20/min per group) to a local Bot API server that
    enforces Telegram's limits and answers 429 when they are exceeded.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import logging
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import redis.asyncio as redis

from bot.analytics.model import Snapshot
from bot.analytics.periods import PERIODS
from bot.chatops.conditions import OPERATORS, TargetKind, Unit
from bot.chatops.records import Subscription
from bot.chatops.service import DIGEST_LEASE_SECONDS, ChatOpsService
from bot.chatops.table import COLUMNS, AlertTable, evaluate_table, group_values
from bot.core.config import Settings
from bot.core.universe import Universe
from bot.sandbox.localapi import LocalBotApi
from bot.sandbox.session import DemoSession
from bot.storage.embedded import EmbeddedValkey
from bot.storage.keys import Keys
from bot.telegram.app import RateLimits
from bot.telegram.jobs import DIGEST_JOB

NOW = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # a Wednesday, Asia in session
START = dt.date(2024, 11, 20)
TELEGRAM_OVERALL_PER_SECOND = 30
UNPACED = RateLimits(overall_per_second=1000, group_per_period=1000, group_period_seconds=1)


# ---- (a) alerts as columns ---------------------------------------------------------------------
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


def make_table(count: int, universe: Universe, snapshot: Snapshot, seed: int = 7) -> AlertTable:
    """`count` alerts over every target, metric and operator, thresholds within 10% of
    today's values (so a first pass fires many), a third of them `every`."""
    rng = np.random.default_rng(seed)
    shapes = condition_shapes(universe)
    groups = [(kind, target, metric) for target, kind, metric, _ in shapes]
    values = group_values(groups, snapshot, universe)
    pct = np.array([unit in {"pct", "pp"} for *_, unit in shapes])
    base = np.where(np.isnan(values), 0.05, values)
    scale = np.where(pct, 0.05, np.maximum(np.abs(base), 1e-6))
    group = np.arange(count) % len(shapes)
    columns = {
        "ids": np.arange(1, count + 1),
        "chats": np.arange(count) // 20 + 1,
        "groups": group,
        "ops": rng.integers(0, len(OPERATORS), count),
        "thresholds": base[group] + rng.uniform(-0.1, 0.1, count) * scale[group],
        "every": (np.arange(count) % 3 == 0),
        "alive": np.ones(count),
        "armed": np.ones(count),
        "last_fired": np.full(count, np.nan),
        "fired_count": np.zeros(count),
        "threads": np.zeros(count),
        "expires": np.zeros(count),
    }
    typed = {name: np.asarray(columns[name], dtype=dtype) for name, dtype in COLUMNS.items()}
    return AlertTable(typed, groups, np.full(len(groups), np.nan))


async def store_table(client: redis.Redis, keys: Keys, table: AlertTable) -> None:
    """Write a table straight into the store's keys (the bench's shortcut: adding a million
    alerts one script call at a time would take a minute)."""
    async with client.pipeline(transaction=False) as pipe:
        for name, column in table.columns.items():
            pipe.set(keys.alert_column(name), column.tobytes())
        encoded = [json.dumps(list(group)) for group in table.groups]
        pipe.rpush(keys.alert_group_keys(), *encoded)
        pipe.hset(keys.alert_group_index(), mapping={g: i for i, g in enumerate(encoded)})
        pipe.set(keys.alert_ids(), len(table))
        await pipe.execute()


class LoopLag:
    """How late the event loop wakes a 5 ms sleeper, sampled while `sampling` is set."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.sampling = False
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(0.005)
            if self.sampling:
                self.samples.append(loop.time() - started - 0.005)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def keep_asking(session: DemoSession, stop: asyncio.Event, latencies: list[float]) -> None:
    """/rally again and again from one chat until `stop`; each answer's round trip."""
    server = session.server
    while not stop.is_set():
        after = len(server.calls)
        started = time.perf_counter()
        server.send_text(session.chat, session.user, "/rally")
        await server.wait_for_call("sendPhoto", lambda c: c.ok, after=after, timeout=30)
        latencies.append(time.perf_counter() - started)


async def bench_alerts(count: int, runs: int, url: str) -> dict[str, Any]:
    """`count` alerts in the store of a running bot; time the real alert pass (load, evaluate,
    record state and firings, write back) on `runs` new snapshot versions while /rally requests
    keep coming, and sample the event loop's lag during the passes."""
    server = LocalBotApi(bot_username="rallybot")
    await server.start()
    try:
        async with DemoSession.open(
            bench_settings(url),
            clock=lambda: NOW,
            rate_limits=UNPACED,  # the /rally requests measure the bot, not the send pacer
            schedule_refresh=False,
            server=server,
        ) as session:
            services = session.application.bot_data.services
            view = await services.views.current()
            universe = services.universe
            table = make_table(count, universe, view.snapshot)
            await store_table(session.runtime.redis, services.chats.keys, table)
            await session.ask("/rally")  # the chart is uploaded once; later answers reuse it

            stop, rally = asyncio.Event(), []
            asking = asyncio.create_task(keep_asking(session, stop, rally))
            passes = []
            with LoopLag() as lag:
                for run in range(runs):
                    fresh = dataclasses.replace(view.snapshot, version=view.version + run + 1)
                    lag.sampling = True
                    passes.append(
                        await services.chatops.record_alerts(
                            dataclasses.replace(view, snapshot=fresh)
                        )
                    )
                    lag.sampling = False
                    await asyncio.sleep(0.2)
            stop.set()
            await asking
            pure = []
            loaded = await services.chats.alerts.load()
            values = group_values(loaded.groups, view.snapshot, universe)
            for _ in range(runs):
                started = time.perf_counter()
                evaluate_table(loaded, values, NOW)
                pure.append(time.perf_counter() - started)
    finally:
        await server.stop()

    def median_ms(*phases: str) -> float:
        return round(
            statistics.median(sum(p.seconds[f] for f in phases) for p in passes) * 1000, 1
        )

    lags = sorted(lag.samples) or [0.0]
    return {
        "alerts": count,
        "groups": len(table.groups),
        "runs": runs,
        "fired_first_pass": len(passes[0].claimed),
        "fired_later_passes": [len(p.claimed) for p in passes[1:]],
        "evaluate_ms_p50": round(statistics.median(pure) * 1000, 1),
        "evaluate_in_pass_ms_p50": median_ms("evaluate"),
        "load_ms_p50": median_ms("load"),
        "record_ms_p50": median_ms("record", "write_back"),
        "record_first_pass_ms": round(
            (passes[0].seconds["record"] + passes[0].seconds["write_back"]) * 1000, 1
        ),
        "state_and_firings_first_pass_ms": round(passes[0].seconds["record"] * 1000, 1),
        "write_back_first_pass_ms": round(passes[0].seconds["write_back"] * 1000, 1),
        "pass_ms_p50": round(statistics.median(sum(p.seconds.values()) for p in passes) * 1000, 1),
        "pass_first_ms": round(sum(passes[0].seconds.values()) * 1000, 1),
        "loop_lag_ms_p99": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))] * 1000, 2),
        "loop_lag_ms_max": round(lags[-1] * 1000, 2),
        "loop_lag_samples": len(lag.samples),
        "rally_answered_during_passes": len(rally),
        "rally_ms_p50": round(statistics.median(rally) * 1000, 2) if rally else None,
    }


def print_alerts(result: dict[str, Any]) -> None:
    """The alert figures as lines."""
    print(
        f"(a) alerts as columns: {result['alerts']:,} alerts in {result['groups']} groups; "
        f"{result['runs']} passes, each on a new snapshot version"
    )
    print(
        f"    evaluate {result['evaluate_ms_p50']} ms (in the pass, off the loop: "
        f"{result['evaluate_in_pass_ms_p50']} ms); load {result['load_ms_p50']} ms; "
        f"record {result['record_ms_p50']} ms (first pass {result['record_first_pass_ms']} ms: "
        f"state and {result['fired_first_pass']:,} firings in one step "
        f"{result['state_and_firings_first_pass_ms']} ms, groups' values and expiries "
        f"{result['write_back_first_pass_ms']} ms; firings in later passes "
        f"{result['fired_later_passes']})"
    )
    print(
        f"    load + evaluate + record: median {result['pass_ms_p50']} ms, first pass "
        f"{result['pass_first_ms']} ms"
    )
    print(
        f"    event-loop lag during the passes: p99 {result['loop_lag_ms_p99']} ms, max "
        f"{result['loop_lag_ms_max']} ms ({result['loop_lag_samples']} samples); /rally "
        f"answered {result['rally_answered_during_passes']} times meanwhile, median "
        f"{result['rally_ms_p50']} ms"
    )


# ---- (b) digest fan-out ------------------------------------------------------------------------
def bench_settings(url: str) -> Settings:
    """A demo bot on the bench's Valkey under a fresh prefix; its digest job never ticks."""
    return Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123456:BENCH-TOKEN",
            "REDIS_URL": url,
            "RALLYBOT_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
            "MARKET_DATA": "demo",
            "RALLYBOT_DIGEST_TICK_SECONDS": "86400",
        },
        env_file=None,
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


def arrival_times(server: LocalBotApi) -> list[float]:
    """A list that fills with the moment each accepted message arrives at the server."""
    stamps: list[float] = []
    flood = server._flood
    check = flood.check

    def recording(chat_id: int | None) -> int | None:
        retry_after = check(chat_id)
        if retry_after is None:
            stamps.append(flood.clock())
        return retry_after

    flood.check = recording  # type: ignore[method-assign]
    return stamps


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
            file=sys.stderr,  # progress, so --json prints one object on stdout
            flush=True,
        )
    return sent, rounds


async def bench_digests(
    chats: int, group_every: int, url: str, pool_size: int | None
) -> dict[str, Any]:
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
            sent_at = arrival_times(server)
            # What the digest job does in the ticks before these digests are due.
            preparing = time.perf_counter()
            prepared = await chatops.prepare_digests()
            prepare_seconds = time.perf_counter() - preparing
            started = time.monotonic()  # the local Bot API's clock, which stamps arrivals
            sent, rounds = await dispatch_until_done(chatops, session.application.bot, chats)
            finished = time.monotonic()
            elapsed = finished - started
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
            stamps = sorted(sent_at)
            span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
            return {
                "chats": chats,
                "groups": sum(i < 0 for i in ids),
                "digests_sent": sent,
                "dispatch_rounds": rounds,
                "fanout_seconds": round(elapsed, 2),
                "fanout_msgs_per_s": round(sent / elapsed, 2) if elapsed else None,
                "fanout_fraction_of_allowed": round(
                    sent / elapsed / TELEGRAM_OVERALL_PER_SECOND, 4
                )
                if elapsed
                else None,
                "fanout_fraction_of_allowed_first_to_last_send": round(
                    (len(stamps) - 1) / span / TELEGRAM_OVERALL_PER_SECOND, 4
                )
                if span
                else None,
                "fanout_429s": server.rate_limited_count - limited_before,
                "digest_charts_drawn_ahead": prepared,
                "digest_charts_drawn_ahead_ms": round(prepare_seconds * 1000, 1),
                "fanout_first_send_after_s": round(stamps[0] - started, 3) if stamps else None,
                "fanout_done_after_last_send_s": round(finished - stamps[-1], 3)
                if stamps
                else None,
                "distinct_chats_delivered": len({c.params["chat_id"] for c in photos}),
                "uploads": uploads,
                "resent_by_file_id": len(photos) - uploads,
                "claimed_never_sent": leased,
                "redis_pool_max_connections": pool.max_connections,
            }
    finally:
        await server.stop()


def print_digests(result: dict[str, Any]) -> None:
    """The fan-out figures as lines."""
    print(
        f"(b) digest fan-out: {result['chats']:,} chats ({result['groups']:,} groups), "
        "production RateLimits() 30/s overall, 20/60s per group; Redis pool max_connections "
        f"{result['redis_pool_max_connections']}"
    )
    print(
        f"    {result['digests_sent']:,} digests in {result['fanout_seconds']} s over "
        f"{result['dispatch_rounds']} dispatch rounds -> {result['fanout_msgs_per_s']} msg/s "
        f"vs {TELEGRAM_OVERALL_PER_SECOND}/s allowed ({result['fanout_fraction_of_allowed']:.1%}"
        "; first to last message at the server: "
        f"{result['fanout_fraction_of_allowed_first_to_last_send']:.1%})"
    )
    print(
        f"    digest charts drawn ahead (as the digest job does before they are due): "
        f"{result['digest_charts_drawn_ahead']} in {result['digest_charts_drawn_ahead_ms']} ms; "
        f"first message {result['fanout_first_send_after_s']} s after the dispatch began"
    )
    print(
        f"    distinct chats delivered: {result['distinct_chats_delivered']:,}; photo uploads "
        f"{result['uploads']:,}, re-sent by file_id {result['resent_by_file_id']:,}"
    )
    print(f"    429 answers from the server: {result['fanout_429s']:,}")
    print(
        "    claimed but never sent (left leased until the lease lapses): "
        f"{result['claimed_never_sent']:,}"
    )


async def main_async(args: argparse.Namespace) -> None:
    """Start one embedded Valkey and run both parts against it."""
    result: dict[str, Any] = dict.fromkeys(
        [
            "alerts",
            "evaluate_ms_p50",
            "load_ms_p50",
            "record_ms_p50",
            "loop_lag_ms_p99",
            "loop_lag_ms_max",
            "fanout_fraction_of_allowed",
            "fanout_429s",
            "uploads",
        ]
    )
    with tempfile.TemporaryDirectory(prefix="chatops-bench-") as directory:
        valkey = EmbeddedValkey(Path(directory))
        url = valkey.start()
        try:
            if args.alerts:
                alerts = await bench_alerts(args.alerts, args.runs, url)
                result.update(alerts)
                if not args.json:
                    print_alerts(alerts)
            if args.chats:
                digests = await bench_digests(args.chats, args.group_every, url, args.pool_size)
                result.update(digests)
                if not args.json:
                    print_digests(digests)
        finally:
            valkey.stop()
    if args.json:
        print(json.dumps(result))


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=1_000_000, help="alerts (0: skip)")
    parser.add_argument("--chats", type=int, default=1000, help="digest chats (0: skip)")
    parser.add_argument("--group-every", type=int, default=10, help="every Nth chat is a group")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        help="raise the bot's Redis pool limit (redis-py's default is 100) to bench sends alone",
    )
    args, _ = parser.parse_known_args()  # ./run bench passes every script the same flags
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
