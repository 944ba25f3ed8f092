"""The one settings object, read from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"


def default_data_dir() -> Path:
    """Per-user data directory where the embedded Valkey keeps its files."""
    return Path(platformdirs.user_data_dir("rallybot"))


class Settings(BaseSettings):
    """Every setting of rallybot; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    telegram_bot_token: SecretStr = Field(default=SecretStr(""), alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default=DEFAULT_API_BASE_URL, alias="TELEGRAM_API_BASE_URL")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    redis_prefix: str = Field(default="rally", alias="RALLYBOT_REDIS_PREFIX")
    market_data: str = Field(default="yahoo", alias="MARKET_DATA")
    data_dir: Path = Field(default_factory=default_data_dir, alias="RALLYBOT_DATA_DIR")
    universe_path: Path | None = Field(default=None, alias="RALLYBOT_UNIVERSE")
    refresh_seconds: int = Field(default=300, ge=10, alias="RALLYBOT_REFRESH_SECONDS")
    demo_seed: int = Field(default=20260113, alias="RALLYBOT_DEMO_SEED")
    history_days: int = Field(default=800, ge=30, alias="RALLYBOT_HISTORY_DAYS")
    digest_tick_seconds: float = Field(default=5.0, gt=0, alias="RALLYBOT_DIGEST_TICK_SECONDS")
    stale_after_minutes: int = Field(default=60, ge=1, alias="RALLYBOT_STALE_AFTER_MINUTES")
    telegram_read_timeout: float = Field(default=5.0, gt=0, alias="TELEGRAM_READ_TIMEOUT_SECONDS")
    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="WEBHOOK_SECRET")
    webhook_listen: str = Field(default="127.0.0.1", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, alias="WEBHOOK_PORT")
    metrics_port: int | None = Field(default=None, alias="RALLYBOT_METRICS_PORT")
    metrics_listen: str = Field(default="127.0.0.1", alias="RALLYBOT_METRICS_LISTEN")
    inline_upload_chat_id: int | None = Field(default=None, alias="RALLYBOT_INLINE_UPLOAD_CHAT_ID")
    poll_lease_seconds: float = Field(default=6.0, ge=1.0, alias="RALLYBOT_POLL_LEASE_SECONDS")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="RALLYBOT_LOG_LEVEL"
    )
    log_format: Literal["text", "json"] = Field(default="text", alias="RALLYBOT_LOG_FORMAT")

    @field_validator("market_data")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        if value in {"yahoo", "demo"} or (value.startswith("csv:") and len(value) > 4):
            return value
        raise ValueError("MARKET_DATA must be 'yahoo', 'demo' or 'csv:DIR'")

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not (
            self.webhook_secret and self.webhook_secret.get_secret_value()
        ):
            raise ValueError("WEBHOOK_URL is set, so WEBHOOK_SECRET must be set too")
        return self

    @property
    def provider_name(self) -> str:
        """The provider's short name: yahoo, demo or csv."""
        return self.market_data.split(":", 1)[0]

    @property
    def token(self) -> str:
        """The bot token in clear, for the one place that needs it."""
        return self.telegram_bot_token.get_secret_value()
