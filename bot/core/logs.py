"""Logging for the process: one format, and secrets kept out of every record.

python-telegram-bot logs the Bot API URL (which holds the token) and setWebhook's
parameters (which hold the webhook secret) at DEBUG, httpx logs URLs at INFO, and an
exception's traceback may quote either. A filter on every handler rewrites each record
before it is written, so no level and no library can print them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretFilter(logging.Filter):
    """Replaces each secret in a record's message, traceback and stack with its name."""

    def __init__(self, secrets: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted(
            ((value, name) for value, name in secrets if value), key=lambda s: -len(s[0])
        )

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by [its name]."""
        for value, name in self.secrets:
            text = text.replace(value, f"[{name}]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def use_format(kind: str) -> None:
    """Switch every root handler to plain text or JSON lines."""
    formatter = JsonFormatter() if kind == "json" else logging.Formatter(LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)


def keep_secrets_out(secrets: Iterable[tuple[str, str]]) -> SecretFilter:
    """Put a SecretFilter on every handler of the root logger; returns it."""
    redactor = SecretFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    return redactor
