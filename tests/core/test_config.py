"""Settings come from the environment over `.env`, checked, with the secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import DEFAULT_API_BASE_URL, Secret, Settings, SettingsError


def test_no_values_give_every_default() -> None:
    settings = Settings.from_env({}, env_file=None)

    assert settings.token == ""
    assert settings.telegram_api_base_url == DEFAULT_API_BASE_URL
    assert settings.redis_url is None
    assert (settings.refresh_seconds, settings.digest_tick_seconds) == (300, 5.0)
    assert settings.log_level == "INFO"


def test_the_environment_wins_over_env_file_and_empty_values_count_as_unset(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a copied .env.example\nMARKET_DATA=demo\nRALLYBOT_REFRESH_SECONDS=60\n"
        "REDIS_URL=\nexport RALLYBOT_REDIS_PREFIX='from-file'\n",
        encoding="utf-8",
    )

    settings = Settings.from_env({"rallybot_refresh_seconds": "90", "WEBHOOK_URL": ""}, env_file)

    assert settings.market_data == "demo"  # from the file
    assert settings.refresh_seconds == 90  # the environment, matched case-insensitively
    assert settings.redis_url is None  # empty in the file: the default
    assert settings.webhook_url is None
    assert settings.redis_prefix == "from-file"


def test_typed_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "RALLYBOT_DATA_DIR": "/srv/rallybot",
            "RALLYBOT_DIGEST_TICK_SECONDS": "0.5",
            "RALLYBOT_METRICS_PORT": "9108",
            "RALLYBOT_LOG_FORMAT": "json",
        },
        env_file=None,
    )

    assert settings.data_dir == Path("/srv/rallybot")
    assert settings.digest_tick_seconds == 0.5
    assert settings.metrics_port == 9108
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("RALLYBOT_REFRESH_SECONDS", "5", "must be at least 10"),
        ("RALLYBOT_REFRESH_SECONDS", "often", "'often' is not a whole number"),
        ("RALLYBOT_DIGEST_TICK_SECONDS", "soon", "'soon' is not a number"),
        ("RALLYBOT_DIGEST_TICK_SECONDS", "0", "must be greater than 0"),
        ("MARKET_DATA", "bloomberg", "must be 'yahoo', 'demo' or 'csv:DIR'"),
        ("MARKET_DATA", "csv:", "must be 'yahoo', 'demo' or 'csv:DIR'"),
        ("RALLYBOT_LOG_LEVEL", "LOUD", "must be one of DEBUG, INFO, WARNING, ERROR"),
        ("WEBHOOK_URL", "https://bot.example/hook", "WEBHOOK_SECRET must be set too"),
    ],
)
def test_a_bad_value_names_its_variable_and_the_problem(
    name: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({name: value}, env_file=None)

    assert caught.value.name in {name, "WEBHOOK_SECRET"}
    assert problem in caught.value.problem


def test_replace_checks_the_new_values_too() -> None:
    settings = Settings.from_env({}, env_file=None)

    assert settings.replace(market_data="demo").provider_name == "demo"
    with pytest.raises(SettingsError, match="RALLYBOT_HISTORY_DAYS"):
        settings.replace(history_days=7)


def test_secrets_never_show_in_a_repr_or_a_string() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123456:very-secret",
            "WEBHOOK_URL": "https://bot.example/hook",
            "WEBHOOK_SECRET": "hook-secret",
        },
        env_file=None,
    )

    shown = f"{settings!r} {settings} {settings.telegram_bot_token} {settings.webhook_secret}"
    assert "very-secret" not in shown
    assert "hook-secret" not in shown
    assert settings.token == "123456:very-secret"
    assert settings.webhook_secret == Secret("hook-secret")
