"""The chat-ops parsers (/subscribe, /settings, /unalert, times and zones), in tables.

Every error is checked word for word in English, and in Chinese where the words differ.
"""

from __future__ import annotations

import pytest

from bot.commands.parsing import (
    SETTINGS_EXAMPLE,
    SUBSCRIBE_EXAMPLE,
    SettingsChange,
    SubscribeRequest,
    UnalertRequest,
    parse_settings,
    parse_subscribe,
    parse_time,
    parse_unalert,
    resolve_timezone,
)
from bot.core.errors import UserError

# ---- /subscribe arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ("16:30", None, False)),
        (["08:00", "Europe/London"], ("08:00", "Europe/London", False)),
        (["europe/london", "8.05"], ("08:05", "Europe/London", False)),
        (["7:15"], ("07:15", None, False)),
        (["utc"], ("16:30", "UTC", False)),
        (["every", "day"], ("16:30", None, True)),
        (["EVERY", "DAY"], ("16:30", None, True)),
        (["daily"], ("16:30", None, True)),
        (["everyday"], ("16:30", None, True)),
        (["08:00", "Europe/London", "every", "day"], ("08:00", "Europe/London", True)),
        (["21h00", "america/new_york", "daily"], ("21:00", "America/New_York", True)),
        (["", "09:30", ""], ("09:30", None, False)),
    ],
)
def test_parse_subscribe(args: list[str], expected: tuple[str, str | None, bool]) -> None:
    assert parse_subscribe(args) == SubscribeRequest(*expected)


@pytest.mark.parametrize(
    ("args", "english"),
    [
        (
            ["25:00"],
            f"“25:00” is not a time of day: write HH:MM in 24-hour time, e.g. {SUBSCRIBE_EXAMPLE}",
        ),
        (
            ["0800"],
            f"“0800” is not a time of day: write HH:MM in 24-hour time, e.g. {SUBSCRIBE_EXAMPLE}",
        ),
        (
            ["Mars/Base"],
            "“Mars/Base” is not a time zone. Use an IANA name like Asia/Shanghai, "
            f"Europe/London or UTC, e.g. {SUBSCRIBE_EXAMPLE}",
        ),
        (
            ["08:00", "x" * 300],
            f"“{'x' * 39}…” is not a time zone. Use an IANA name like Asia/Shanghai, "
            f"Europe/London or UTC, e.g. {SUBSCRIBE_EXAMPLE}",
        ),
        (
            ["08:00", "Europe/London", "now"],
            f"Usage: /subscribe [HH:MM] [TIMEZONE] [every day], e.g. {SUBSCRIBE_EXAMPLE}",
        ),
        (
            ["every"],
            "“every” is not a time zone. Use an IANA name like Asia/Shanghai, "
            f"Europe/London or UTC, e.g. {SUBSCRIBE_EXAMPLE}",
        ),
    ],
)
def test_parse_subscribe_rejects_bad_input(args: list[str], english: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_subscribe(args)
    assert str(caught.value) == english


def test_parse_subscribe_errors_in_chinese() -> None:
    with pytest.raises(UserError) as caught:
        parse_subscribe(["25:00"])
    assert caught.value.render("zh") == (
        f"“25:00” 不是有效时间：请用 24 小时制 时:分，例如 {SUBSCRIBE_EXAMPLE}"
    )


@pytest.mark.parametrize("token", ["Europe", "America", "Etc"])
def test_a_zone_directory_name_is_a_user_error(token: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_subscribe(["08:00", token])
    assert caught.value.key == "tz.unknown"


def test_two_times_are_rejected() -> None:
    with pytest.raises(UserError):
        parse_subscribe(["08:00", "09:00"])


# ---- parse_time and resolve_timezone ----------------------------------------------------
@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("08:00", "08:00"),
        ("8:05", "08:05"),
        ("08.05", "08:05"),
        ("8h05", "08:05"),
        (" 09:30 ", "09:30"),
        ("00:00", "00:00"),
        ("23:59", "23:59"),
        ("24:00", None),
        ("25:00", None),
        ("12:60", None),
        ("0930", None),
        ("9:5", None),
        ("9:30pm", None),
        ("", None),
    ],
)
def test_parse_time(token: str, expected: str | None) -> None:
    assert parse_time(token) == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("EUROPE/LONDON", "Europe/London"),
        ("asia/hong_kong", "Asia/Hong_Kong"),
        ("america/new_york", "America/New_York"),
        (" Asia/Shanghai ", "Asia/Shanghai"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("z", "UTC"),
        ("Etc/UTC", "Etc/UTC"),
        ("Mars/Base", None),
        ("", None),
        ("../etc/passwd", None),
        ("Asia/", None),
    ],
)
def test_resolve_timezone(token: str, expected: str | None) -> None:
    assert resolve_timezone(token) == expected


# ---- /settings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], None),
        (["tz", "europe/london"], SettingsChange("tz", "Europe/London")),
        (["TZ", "utc"], SettingsChange("tz", "UTC")),
        (["lang", "ZH"], SettingsChange("lang", "zh")),
        (["lang", "en"], SettingsChange("lang", "en")),
        (["lang", "auto"], SettingsChange("lang", "")),
        (["who", "Everyone"], SettingsChange("who", "everyone")),
        (["who", "admins"], SettingsChange("who", "admins")),
    ],
)
def test_parse_settings(args: list[str], expected: SettingsChange | None) -> None:
    assert parse_settings(args) == expected


USAGE_EN = (
    f"Usage: /settings [tz ZONE | lang en|zh | who everyone|admins], e.g. {SETTINGS_EXAMPLE}"
)


@pytest.mark.parametrize(
    ("args", "english"),
    [
        (["tz"], USAGE_EN),
        (["lang", "fr"], USAGE_EN),
        (["who", "anyone"], USAGE_EN),
        (["colour", "red"], USAGE_EN),
        (["tz", "a", "b"], USAGE_EN),
        (
            ["tz", "Mars/Base"],
            "“Mars/Base” is not a time zone. Use an IANA name like Asia/Shanghai, "
            f"Europe/London or UTC, e.g. {SETTINGS_EXAMPLE}",
        ),
    ],
)
def test_parse_settings_rejects_bad_input(args: list[str], english: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_settings(args)
    assert str(caught.value) == english
    assert caught.value.render("zh") != english  # every error has its Chinese words


# ---- /unalert -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["3"], UnalertRequest(3)),
        (["#12"], UnalertRequest(12)),
        (["ALL"], UnalertRequest(None)),
    ],
)
def test_parse_unalert(args: list[str], expected: UnalertRequest) -> None:
    assert parse_unalert(args) == expected


@pytest.mark.parametrize("args", [[], ["3", "4"], ["x"], ["-1"], ["1" * 13], ["#"]])
def test_parse_unalert_rejects_bad_input(args: list[str]) -> None:
    with pytest.raises(UserError) as caught:
        parse_unalert(args)
    assert str(caught.value) == "Usage: /unalert ID or /unalert all, e.g. /unalert 12"
    assert caught.value.render("zh") == "用法：/unalert 编号 或 /unalert all，例如 /unalert 12"
