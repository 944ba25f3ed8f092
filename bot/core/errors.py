"""The exception types whose messages are safe to show to a person."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or an unavailable answer, shown to the user in their language.

    `key` names a message in bot.text.i18n's catalogue; `params` fill it in. str() gives
    the English text, for logs and the terminal.
    """

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def render(self, lang: str = "en") -> str:
        """The message in `lang` (English when the catalogue has no translation)."""
        from bot.text.i18n import t  # noqa: PLC0415 - i18n imports nothing back; keep errors light

        return t(lang, self.key, **self.params)

    def __str__(self) -> str:
        return self.render("en")


class ConfigError(Exception):
    """A configuration or universe problem; the message names the offending key."""


class DataError(Exception):
    """Market data could not be fetched or read; the message says what and why."""
