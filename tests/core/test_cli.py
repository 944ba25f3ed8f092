"""The `rallybot` command: report (table and fixed JSON schema), refresh, ask."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

PERIODS = {"1D", "5D", "MTD", "YTD", "1Y"}
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "csv_sample"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, redis_url: str, key_prefix: str, tmp_path: Path) -> None:
    """A demo market on the test server, nothing read from a developer's .env."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MARKET_DATA", "demo")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("RALLYBOT_REDIS_PREFIX", key_prefix)
    monkeypatch.setenv("COLUMNS", "160")


def test_report_json_follows_the_fixed_schema(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {
        "as_of",
        "provider",
        "generated_at",
        "instruments",
        "baskets",
        "spreads",
        "ratios",
    }
    assert report["provider"] == "demo"
    star = report["instruments"]["000688.SS"]
    assert set(star) >= {"name", "date", "close", "currency", "returns"}
    assert set(star["returns"]) == PERIODS
    basket = report["baskets"]["china_ai"]
    assert basket["members"] == 33
    for period in PERIODS:
        stats = basket["returns"][period]
        assert set(stats) >= {"equal", "cap", "value_change_usd", "included", "excluded"}
        assert stats["included"] + stats["excluded"] == 33
        assert all(
            set(m) >= {"symbol", "value_change_usd"} for m in basket["top_contributors"][period]
        )
    # Zhipu and MiniMax list in January 2026: no 1Y base, so excluded there and counted.
    assert basket["returns"]["1Y"]["excluded"] >= 2
    assert set(report["spreads"]) == {"star50-ndx", "chinext-ndx", "hstech-ndx"}
    assert 0 < report["ratios"]["china_ai/us_ai"] < 1


def test_report_as_of_a_sunday_uses_each_markets_last_close(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--json", "--as-of", "2026-10-04"]) == 0
    report = json.loads(capsys.readouterr().out)
    # Golden Week: Shanghai last traded on 30 September, Hong Kong and New York on the 2nd.
    assert report["instruments"]["000688.SS"]["date"] == "2026-09-30"
    assert report["instruments"]["^NDX"]["date"] == "2026-10-02"
    assert report["as_of"] == "2026-10-02"


def test_report_table_is_labelled_demo(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "DEMO DATA" in out
    assert "China AI 33 (rallybot default)" in out
    assert "star50-ndx" in out


def test_refresh_prints_what_it_stored(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refresh"]) == 0
    out = capsys.readouterr().out
    assert "Stored" in out
    assert "from demo" in out
    assert "newest bar XHKG" in out


def test_report_from_csv_files(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARKET_DATA", f"csv:{SAMPLE}")
    assert main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["provider"] == "csv"
    assert "0700.HK" in report["instruments"]


def test_a_bad_setting_is_one_clear_line(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARKET_DATA", "bloomberg")
    assert main(["report"]) == 2
    err = capsys.readouterr().err
    assert err == "rallybot: bad setting MARKET_DATA: must be 'yahoo', 'demo' or 'csv:DIR'\n"


def test_ask_prints_the_reply_and_writes_the_chart(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "/rally ytd", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "China tech rally · YTD · DEMO" in out
    chart = tmp_path / "out" / "reply-1.png"
    assert f"chart: {chart}" in out
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_report_range_adds_its_key_in_the_same_shape_as_of_its_end(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--json", "--range", "2025-04-01..2025-12-31"]) == 0
    report = json.loads(capsys.readouterr().out)
    key = "2025-04-01..2025-12-31"
    star = report["instruments"]["000688.SS"]
    assert set(star["returns"]) == {*PERIODS, key}
    assert star["date"] == "2025-12-31"
    assert report["as_of"] == "2025-12-31"
    basket = report["baskets"]["china_ai"]
    assert set(basket["returns"][key]) >= {"equal", "cap", "value_change_usd", "included"}
    assert basket["top_contributors"][key]
    assert set(report["spreads"]["star50-ndx"]) == {*PERIODS, key}


def test_report_since_an_event_and_its_table_show_the_range(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--since", "deepseek"]) == 0
    assert "2025-01-27.." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "moonlanding"], "I know no event “moonlanding”"),
        (["--range", "2025-12-31..2025-04-01"], "The range ends (2025-04-01) before it starts"),
        (["--since", "2001-01-01"], "The stored data begins on"),
    ],
)
def test_report_with_a_bad_range_says_why_and_exits_2(
    env: None, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["report", "--json", *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err.replace("\n", " ")
    assert captured.out == ""
