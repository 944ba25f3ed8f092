"""`rallybot refresh` and `report` on the Yahoo path, against a fake Yahoo at the HTTP layer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path

import pytest
import redis

from bot.cli import main
from bot.core.universe import load_universe
from bot.sources.yahoo import CountingSession
from bot.storage.keys import Keys
from tests.support.fake_yahoo import FakeYahooSession, YahooWorld, install_fake_yahoo
from tests.support.yahoo_world import market_paths, yahoo_world

REQUESTS = re.compile(r"with (\d+) requests")


@pytest.fixture
def world(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, key_prefix: str, tmp_path: Path
) -> YahooWorld:
    """MARKET_DATA=yahoo on the test server, Yahoo played by a fake as of the real now."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MARKET_DATA", "yahoo")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("RALLYBOT_REDIS_PREFIX", key_prefix)
    monkeypatch.setenv("COLUMNS", "160")
    universe = load_universe().without_source("akshare")
    paths = asyncio.run(market_paths(universe))
    world = yahoo_world(universe, paths, dt.datetime.now(dt.UTC))
    session = install_fake_yahoo(world, tmp_path / "yf")
    # The CLI builds its own provider: give it the fake where it would open a real session.
    monkeypatch.setattr(CountingSession, "create", staticmethod(lambda: session))
    monkeypatch.setattr(
        "bot.sources.factory.AkshareProvider.available", staticmethod(lambda: False)
    )
    return world


def sent(world: YahooWorld) -> int:
    return world.count()


def test_refresh_prints_the_requests_it_made(
    world: YahooWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["refresh"]) == 0
    first = capsys.readouterr().out
    symbols = len(load_universe().without_source("akshare").all_symbols)
    first_load = int(REQUESTS.search(first).group(1))  # type: ignore[union-attr]
    # One chart per symbol, one batched quote, the cookie and the crumb; no timezone lookups.
    assert first_load == sent(world) == symbols + 1 + 2
    assert main(["refresh"]) == 0
    again = capsys.readouterr().out
    incremental = int(REQUESTS.search(again).group(1))  # type: ignore[union-attr]
    assert incremental == symbols  # share counts are a day fresh: charts only


def test_report_shows_the_stored_data_with_a_warning_when_yahoo_is_down(
    world: YahooWorld, capsys: pytest.CaptureFixture[str], redis_url: str, key_prefix: str
) -> None:
    assert main(["refresh"]) == 0
    capsys.readouterr()
    # An hour later Yahoo cannot be reached.
    client = redis.Redis.from_url(redis_url)
    key = Keys(key_prefix).refresh_status()
    status = json.loads(client.get(key))  # type: ignore[arg-type]
    finished = dt.datetime.fromisoformat(status["finished_at"]) - dt.timedelta(hours=1)
    status["finished_at"] = finished.isoformat()
    client.set(key, json.dumps(status))
    client.close()
    world.down = True

    assert main(["report", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["provider"] == "yahoo"
    assert report["baskets"]["china_ai"]["value_usd"] > 0
    assert "Warning: yahoo returned no data" in captured.err
    assert "could not reach Yahoo" in captured.err


def test_report_with_nothing_stored_and_yahoo_down_says_so(
    world: YahooWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    world.down = True
    assert main(["report"]) == 1
    assert "No market data is stored yet" in capsys.readouterr().err


def test_refresh_with_yahoo_down_exits_with_the_reason(
    world: YahooWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    world.down = True
    assert main(["refresh"]) == 1
    err = capsys.readouterr().err
    assert "could not reach Yahoo" in err
    assert "the stored data is unchanged" in err


def test_the_session_is_the_fake(world: YahooWorld) -> None:
    assert isinstance(CountingSession.create(), FakeYahooSession)
