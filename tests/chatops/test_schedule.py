"""Digest timing: local times across DST and trading-day checks.

Expected instants are hand-computed from the zones' rules: Europe/London is GMT (+0) in
winter and BST (+1) from 01:00 UTC on 29 March 2026 to 01:00 UTC on 25 October 2026;
America/New_York is EST (-5) in winter and EDT (-4) from 2026-03-08 02:00 local to
2026-11-01 02:00 local. Asia/Hong_Kong is +8 all year.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.chatops.schedule import market_traded_since, next_due


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware UTC instant."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


# ---- next_due across DST -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("local_time", "tz", "after", "expected"),
    [
        # London, spring forward on Sunday 2026-03-29 (01:00 GMT -> 02:00 BST).
        ("08:00", "Europe/London", utc(2026, 3, 27, 9), utc(2026, 3, 28, 8)),  # Sat, GMT
        ("08:00", "Europe/London", utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),  # Sun, BST
        ("08:00", "Europe/London", utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)),
        ("00:30", "Europe/London", utc(2026, 3, 28, 12), utc(2026, 3, 29, 0, 30)),  # GMT still
        ("02:30", "Europe/London", utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),  # BST already
        # 01:30 does not exist that day: it is taken with the offset before the change,
        # i.e. 01:30 UTC, which the clock shows as 02:30 BST.
        ("01:30", "Europe/London", utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),
        ("01:30", "Europe/London", utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)),
        # London, fall back on Sunday 2026-10-25 (02:00 BST -> 01:00 GMT).
        ("08:00", "Europe/London", utc(2026, 10, 24, 8), utc(2026, 10, 25, 8)),
        ("08:00", "Europe/London", utc(2026, 10, 23, 8), utc(2026, 10, 24, 7)),  # Sat, BST
        # 01:30 happens twice: the first reading (BST, 00:30 UTC) counts...
        ("01:30", "Europe/London", utc(2026, 10, 24, 12), utc(2026, 10, 25, 0, 30)),
        # ...and the second reading (GMT, 01:30 UTC) is not a second digest.
        ("01:30", "Europe/London", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        ("01:30", "Europe/London", utc(2026, 10, 25, 1), utc(2026, 10, 26, 1, 30)),
        # New York, spring forward on 2026-03-08 (02:00 EST -> 03:00 EDT).
        ("16:30", "America/New_York", utc(2026, 3, 7, 12), utc(2026, 3, 7, 21, 30)),
        ("16:30", "America/New_York", utc(2026, 3, 7, 21, 30), utc(2026, 3, 8, 20, 30)),
        ("02:30", "America/New_York", utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 30)),  # gap
        ("08:00", "America/New_York", utc(2026, 3, 8, 12, 1), utc(2026, 3, 9, 12)),
        # New York, fall back on 2026-11-01 (02:00 EDT -> 01:00 EST).
        ("16:30", "America/New_York", utc(2026, 10, 31, 21), utc(2026, 11, 1, 21, 30)),
        ("16:30", "America/New_York", utc(2026, 10, 30, 21), utc(2026, 10, 31, 20, 30)),
        ("01:30", "America/New_York", utc(2026, 10, 31, 12), utc(2026, 11, 1, 5, 30)),
        ("01:30", "America/New_York", utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),
        # Hong Kong has no DST; a due time exactly at `after` is not "after".
        ("16:30", "Asia/Hong_Kong", utc(2026, 11, 20, 8, 29), utc(2026, 11, 20, 8, 30)),
        ("16:30", "Asia/Hong_Kong", utc(2026, 11, 20, 8, 30), utc(2026, 11, 21, 8, 30)),
        # `after` late in the UTC day is already the next local day in Hong Kong.
        ("07:00", "Asia/Hong_Kong", utc(2026, 11, 20, 22), utc(2026, 11, 20, 23)),
        ("00:00", "UTC", utc(2026, 12, 31, 23, 59), utc(2027, 1, 1)),
    ],
)
def test_next_due_across_dst(
    local_time: str, tz: str, after: dt.datetime, expected: dt.datetime
) -> None:
    due = next_due(local_time, tz, after)
    assert due == expected
    assert due.utcoffset() == dt.timedelta(0)


def test_next_due_is_stable_across_the_repeated_hour() -> None:
    """Stepping from each due time never yields two digests on the fall-back day."""
    after = utc(2026, 10, 23, 12)
    dues = []
    for _ in range(4):
        after = next_due("01:30", "Europe/London", after)
        dues.append(after)
    assert dues == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
        utc(2026, 10, 27, 1, 30),
    ]


# ---- trading days: does a digest go out? --------------------------------------------------------
# A digest at 16:30 Asia/Hong_Kong is 08:30 UTC. Hong Kong and Shanghai open at 09:30 local
# (01:30 UTC); New York opens at 09:30 EST (14:30 UTC), after the Hong Kong digest.
FRI_DIGEST = utc(2026, 11, 20, 8, 30)
SAT_DIGEST = utc(2026, 11, 21, 8, 30)
THU_DIGEST = utc(2026, 11, 19, 8, 30)


@pytest.mark.parametrize(
    ("markets", "since", "sends"),
    [
        # Friday: Hong Kong and Shanghai traded Friday morning, after Thursday's digest.
        pytest.param(
            {"XHKG": "2026-11-20", "XSHG": "2026-11-20", "XNYS": "2026-11-19"},
            THU_DIGEST,
            True,
            id="friday",
        ),
        # Saturday: only New York's Friday session (14:30 UTC Fri) is newer than Friday's
        # digest (08:30 UTC Fri).
        pytest.param(
            {"XHKG": "2026-11-20", "XSHG": "2026-11-20", "XNYS": "2026-11-20"},
            FRI_DIGEST,
            True,
            id="saturday-new-york-friday",
        ),
        # Without New York's Friday bar, Saturday would have nothing new.
        pytest.param(
            {"XHKG": "2026-11-20", "XSHG": "2026-11-20", "XNYS": "2026-11-19"},
            FRI_DIGEST,
            False,
            id="saturday-without-new-york",
        ),
        # Sunday: nothing opened since Saturday's digest.
        pytest.param(
            {"XHKG": "2026-11-20", "XSHG": "2026-11-20", "XNYS": "2026-11-20"},
            SAT_DIGEST,
            False,
            id="sunday",
        ),
        # Monday: Hong Kong opened Monday 01:30 UTC, after Saturday's (last sent) digest.
        pytest.param(
            {"XHKG": "2026-11-23", "XSHG": "2026-11-23", "XNYS": "2026-11-20"},
            SAT_DIGEST,
            True,
            id="monday",
        ),
        # FX bars are not a market session: a newer FX date alone sends nothing.
        pytest.param(
            {"FX": "2026-11-23", "XHKG": "2026-11-20", "XNYS": "2026-11-20"},
            SAT_DIGEST,
            False,
            id="fx-ignored",
        ),
        # Unknown exchange names are ignored too.
        pytest.param({"XLON": "2026-11-23"}, SAT_DIGEST, False, id="unknown-exchange"),
        # The first digest always goes out.
        pytest.param({}, None, True, id="first-digest"),
        pytest.param({"XHKG": "2026-11-20"}, None, True, id="first-digest-with-markets"),
        # Lunar New Year 2026: Hong Kong shut 17-19 Feb (half day on the 16th), Shanghai shut
        # 16-23 Feb, New York shut Monday 16 Feb (Presidents' Day). Tuesday's digest (17 Feb)
        # sees nothing newer than Monday's digest (08:30 UTC 16 Feb): no send.
        pytest.param(
            {"XHKG": "2026-02-16", "XSHG": "2026-02-13", "XNYS": "2026-02-13"},
            utc(2026, 2, 16, 8, 30),
            False,
            id="lunar-new-year-tuesday",
        ),
        # Wednesday: New York traded Tuesday 17 Feb (14:30 UTC), after Monday's digest, the
        # last one sent.
        pytest.param(
            {"XHKG": "2026-02-16", "XSHG": "2026-02-13", "XNYS": "2026-02-17"},
            utc(2026, 2, 16, 8, 30),
            True,
            id="lunar-new-year-wednesday",
        ),
        # Hong Kong's half day on the 16th opened 01:30 UTC, before that day's digest went out
        # at 08:30 UTC, but after Friday's.
        pytest.param(
            {"XHKG": "2026-02-16", "XSHG": "2026-02-13", "XNYS": "2026-02-13"},
            utc(2026, 2, 14, 8, 30),
            True,
            id="lunar-new-year-eve-half-day",
        ),
    ],
)
def test_market_traded_since(
    markets: dict[str, str], since: dt.datetime | None, sends: bool
) -> None:
    # every_day subscriptions skip this check entirely; that bypass is ChatOpsService's job
    # (_digest_one: `subscription.every_day or market_traded_since(...)`), not tested here.
    assert market_traded_since(markets, since) is sends


def test_weekend_sequence_for_a_hong_kong_digest() -> None:
    """Fri sends, Sat sends (New York's Friday), Sun does not, Mon does."""
    friday_bars = {"XHKG": "2026-11-20", "XSHG": "2026-11-20", "XNYS": "2026-11-19"}
    weekend_bars = {"XHKG": "2026-11-20", "XSHG": "2026-11-20", "XNYS": "2026-11-20"}
    monday_bars = {"XHKG": "2026-11-23", "XSHG": "2026-11-23", "XNYS": "2026-11-20"}
    last_sent = THU_DIGEST
    outcomes = []
    for day, bars in (
        (20, friday_bars),
        (21, weekend_bars),
        (22, weekend_bars),
        (23, monday_bars),
    ):
        digest_at = next_due("16:30", "Asia/Hong_Kong", utc(2026, 11, day))
        assert digest_at == utc(2026, 11, day, 8, 30)
        sends = market_traded_since(bars, last_sent)
        outcomes.append(sends)
        if sends:
            last_sent = digest_at
    assert outcomes == [True, True, False, True]
