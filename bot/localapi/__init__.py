"""A local Telegram Bot API server so the real PTB Application can run without Telegram."""

from bot.localapi._errors import ApiError
from bot.localapi._html import parse_html
from bot.localapi._ratelimit import RateLimits
from bot.localapi._server import LocalBotApi, RecordedCall
from bot.localapi._spec import ApiSpec, load_spec
from bot.localapi._world import SimChat, SimUser

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
