"""The one settings object, read from the environment and `.env`.

Plain dataclasses rather than pydantic-settings: two dozen flat settings do not need a
validation framework, and that one cost every process about 13 MB of memory.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs
from dotenv import dotenv_values

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
ENV_FILE = Path(".env")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LogFormat = Literal["text", "json"]


class SettingsError(ValueError):
    """A setting has a value rallybot cannot use; `name` is its environment variable."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


class Secret:
    """A string kept out of reprs, f-strings and logs; `get_secret_value()` reads it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The value in clear, for the one place that needs it."""
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"Secret('{self}')"


def default_data_dir() -> Path:
    """Per-user data directory where the embedded Valkey keeps its files."""
    return Path(platformdirs.user_data_dir("rallybot"))


def _text(value: str) -> str:
    return value


def _integer(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _number(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


def _env(name: str, parse: Callable[[str], Any]) -> dict[str, Any]:
    """Field metadata: the setting is read from the environment variable `name`."""
    return {"env": name, "parse": parse}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting of rallybot; `.env.example` documents each one."""

    telegram_bot_token: Secret = field(
        default=Secret(""), metadata=_env("TELEGRAM_BOT_TOKEN", Secret)
    )
    telegram_api_base_url: str = field(
        default=DEFAULT_API_BASE_URL, metadata=_env("TELEGRAM_API_BASE_URL", _text)
    )
    redis_url: str | None = field(default=None, metadata=_env("REDIS_URL", _text))
    redis_prefix: str = field(default="rally", metadata=_env("RALLYBOT_REDIS_PREFIX", _text))
    market_data: str = field(default="yahoo", metadata=_env("MARKET_DATA", _text))
    data_dir: Path = field(
        default_factory=default_data_dir, metadata=_env("RALLYBOT_DATA_DIR", Path)
    )
    universe_path: Path | None = field(default=None, metadata=_env("RALLYBOT_UNIVERSE", Path))
    refresh_seconds: int = field(default=300, metadata=_env("RALLYBOT_REFRESH_SECONDS", _integer))
    demo_seed: int = field(default=20260113, metadata=_env("RALLYBOT_DEMO_SEED", _integer))
    history_days: int = field(default=800, metadata=_env("RALLYBOT_HISTORY_DAYS", _integer))
    digest_tick_seconds: float = field(
        default=5.0, metadata=_env("RALLYBOT_DIGEST_TICK_SECONDS", _number)
    )
    stale_after_minutes: int = field(
        default=60, metadata=_env("RALLYBOT_STALE_AFTER_MINUTES", _integer)
    )
    telegram_read_timeout: float = field(
        default=5.0, metadata=_env("TELEGRAM_READ_TIMEOUT_SECONDS", _number)
    )
    webhook_url: str | None = field(default=None, metadata=_env("WEBHOOK_URL", _text))
    webhook_secret: Secret | None = field(default=None, metadata=_env("WEBHOOK_SECRET", Secret))
    webhook_listen: str = field(default="127.0.0.1", metadata=_env("WEBHOOK_LISTEN", _text))
    webhook_port: int = field(default=8443, metadata=_env("WEBHOOK_PORT", _integer))
    metrics_port: int | None = field(
        default=None, metadata=_env("RALLYBOT_METRICS_PORT", _integer)
    )
    metrics_listen: str = field(
        default="127.0.0.1", metadata=_env("RALLYBOT_METRICS_LISTEN", _text)
    )
    inline_upload_chat_id: int | None = field(
        default=None, metadata=_env("RALLYBOT_INLINE_UPLOAD_CHAT_ID", _integer)
    )
    poll_lease_seconds: float = field(
        default=6.0, metadata=_env("RALLYBOT_POLL_LEASE_SECONDS", _number)
    )
    log_level: LogLevel = field(
        default="INFO",
        metadata=_env("RALLYBOT_LOG_LEVEL", _one_of("DEBUG", "INFO", "WARNING", "ERROR")),
    )
    log_format: LogFormat = field(
        default="text", metadata=_env("RALLYBOT_LOG_FORMAT", _one_of("text", "json"))
    )

    def __post_init__(self) -> None:
        _at_least("RALLYBOT_REFRESH_SECONDS", self.refresh_seconds, 10)
        _at_least("RALLYBOT_HISTORY_DAYS", self.history_days, 30)
        _at_least("RALLYBOT_STALE_AFTER_MINUTES", self.stale_after_minutes, 1)
        _at_least("RALLYBOT_POLL_LEASE_SECONDS", self.poll_lease_seconds, 1.0)
        _positive("RALLYBOT_DIGEST_TICK_SECONDS", self.digest_tick_seconds)
        _positive("TELEGRAM_READ_TIMEOUT_SECONDS", self.telegram_read_timeout)
        market = self.market_data
        if not (market in {"yahoo", "demo"} or (market.startswith("csv:") and len(market) > 4)):
            raise SettingsError("MARKET_DATA", "must be 'yahoo', 'demo' or 'csv:DIR'")
        if self.webhook_url and not (
            self.webhook_secret and self.webhook_secret.get_secret_value()
        ):
            raise SettingsError(
                "WEBHOOK_SECRET", "WEBHOOK_URL is set, so WEBHOOK_SECRET must be set too"
            )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = ENV_FILE
    ) -> Settings:
        """Settings from `environ` (default: the process environment) over `env_file`.

        Names are matched case-insensitively and empty values count as unset, so a copied
        `.env.example` with blanks keeps every default.
        """
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values |= _upper_keys(dotenv_values(env_file, encoding="utf-8"))
        values |= _upper_keys(os.environ if environ is None else environ)
        chosen: dict[str, Any] = {}
        for setting in dataclasses.fields(cls):
            name = setting.metadata["env"]
            raw = values.get(name)
            if raw is None or raw == "":
                continue
            try:
                chosen[setting.name] = setting.metadata["parse"](raw)
            except ValueError as error:
                raise SettingsError(name, str(error)) from None
        return cls(**chosen)

    @classmethod
    def env_names(cls) -> frozenset[str]:
        """Every environment variable a setting is read from."""
        return frozenset(setting.metadata["env"] for setting in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (field names, typed values), checked like any settings."""
        return dataclasses.replace(self, **changes)

    @property
    def provider_name(self) -> str:
        """The provider's short name: yahoo, demo or csv."""
        return self.market_data.split(":", 1)[0]

    @property
    def token(self) -> str:
        """The bot token in clear, for the one place that needs it."""
        return self.telegram_bot_token.get_secret_value()


def _upper_keys(values: Mapping[str, str | None]) -> dict[str, str]:
    return {key.upper(): value for key, value in values.items() if value is not None}


def _at_least(name: str, value: float, least: float) -> None:
    if value < least:
        raise SettingsError(name, f"must be at least {least:g}")


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise SettingsError(name, "must be greater than 0")
