"""The secret filter: messages, arguments, tracebacks and stacks lose every secret."""

from __future__ import annotations

import io
import logging

from bot.core.logs import LOG_FORMAT, SecretFilter

TOKEN = "111:secret-token"


def logged(emit: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(SecretFilter([(TOKEN, "token"), ("", "empty is ignored")]))
    logger = logging.getLogger("test.secrets")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        emit(logger)  # type: ignore[operator]
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_message_and_arguments_are_redacted() -> None:
    text = logged(lambda log: log.debug("POST https://api/bot%s/getMe", TOKEN))
    assert TOKEN not in text
    assert "https://api/bot[token]/getMe" in text


def test_a_traceback_quoting_the_token_is_redacted() -> None:
    def fail(log: logging.Logger) -> None:
        try:
            raise RuntimeError(f"cannot reach https://api/bot{TOKEN}/sendMessage")
        except RuntimeError:
            log.exception("send failed")

    text = logged(fail)
    assert TOKEN not in text
    assert "RuntimeError: cannot reach https://api/bot[token]/sendMessage" in text


def test_a_record_without_secrets_is_left_alone() -> None:
    assert logged(lambda log: log.info("%d updates", 3)).endswith("test.secrets: 3 updates\n")
