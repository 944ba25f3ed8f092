"""`/healthz` and Prometheus `/metrics` on RALLYBOT_METRICS_PORT, for the operator.

aiohttp serves them (it is imported only when the port is set). /healthz answers 200 when
Redis answers, else 503, and says how old the last good refresh is and whether this
process polls; stale market data alone never makes a process unhealthy (the source may be
down, the bot still answers from what it has).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from redis.exceptions import RedisError

from bot.answers.views import MarketViews
from bot.core.metrics import SNAPSHOT_AGE
from bot.runtime import Runtime

REDIS_TIMEOUT_SECONDS = 1.0


async def health(runtime: Runtime) -> tuple[int, dict[str, Any]]:
    """The /healthz status code and body."""
    body: dict[str, Any] = {"polling": REGISTRY.get_sample_value("rallybot_polling") == 1}
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            await runtime.redis.ping()
            status = await runtime.store.load_refresh_status()
        body["redis"] = True
    except (RedisError, TimeoutError, OSError) as error:
        body.update(redis=False, error=type(error).__name__)
        return 503, {"status": "unhealthy", **body}
    age = None
    if status:
        finished = dt.datetime.fromisoformat(status["finished_at"])
        age = round((runtime.clock() - finished).total_seconds())
    body["last_refresh_age_seconds"] = age
    return 200, {"status": "ok", **body}


@contextlib.asynccontextmanager
async def health_server(
    runtime: Runtime, views: MarketViews, listen: str, port: int
) -> AsyncIterator[None]:
    """Serve /healthz and /metrics while the bot runs."""
    from aiohttp import web  # noqa: PLC0415 - only processes that expose metrics load it

    def snapshot_age() -> float:
        view = views.held
        if view is None:
            return float("nan")
        generated = dt.datetime.fromisoformat(view.snapshot.generated_at)
        return (runtime.clock() - generated).total_seconds()

    SNAPSHOT_AGE.set_function(snapshot_age)

    async def healthz(_: web.Request) -> web.Response:
        code, body = await health(runtime)
        return web.json_response(body, status=code)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, listen, port).start()
    try:
        yield
    finally:
        await runner.cleanup()
