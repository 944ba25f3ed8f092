"""A local Telegram Bot API server so the real PTB Application can run without Telegram."""

from bot.sandbox.localapi._errors import ApiError
from bot.sandbox.localapi._html import parse_html
from bot.sandbox.localapi._ratelimit import RateLimits
from bot.sandbox.localapi._server import LocalBotApi, RecordedCall
from bot.sandbox.localapi._spec import ApiSpec, load_spec
from bot.sandbox.localapi._world import SimChat, SimUser

__all__ = [
    "ApiError",
    "ApiSpec",
    "LocalBotApi",
    "RateLimits",
    "RecordedCall",
    "SimChat",
    "SimUser",
    "load_spec",
    "parse_html",
]
