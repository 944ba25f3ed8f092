"""How requests reach Telegram: parameters as one JSON body, files as multipart."""

from __future__ import annotations

import json

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

Timeout = float | None | object
"""A timeout as PTB passes it: seconds, None for no limit, or BaseRequest.DEFAULT_NONE."""


class JsonBodyRequest(HTTPXRequest):
    """PTB's httpx transport, sending a request without files as one JSON body.

    PTB form-encodes every request, and percent-encoding a long HTML caption and a keyboard,
    byte by byte in Python, took longer than the rest of building a warm /rally's photo
    send; the Bot API takes JSON bodies as well. Uploads still go as multipart, through PTB.
    Failures are reported as PTB reports them (a pool timeout says so: it never left).
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`."""
        if request_data is None or request_data.multipart_data:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,  # type: ignore[arg-type]
                write_timeout,  # type: ignore[arg-type]
                connect_timeout,  # type: ignore[arg-type]
                pool_timeout,  # type: ignore[arg-type]
            )
        defaults = self._client.timeout
        timeout = httpx.Timeout(
            connect=_chosen(connect_timeout, defaults.connect),
            read=_chosen(read_timeout, defaults.read),
            write=_chosen(write_timeout, defaults.write),
            pool=_chosen(pool_timeout, defaults.pool),
        )
        try:
            response = await self._client.request(
                method=method,
                url=url,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                timeout=timeout,
                content=json.dumps(request_data.parameters),
            )
        except httpx.PoolTimeout as error:
            raise TimedOut("Pool timeout: no free connection, the request was not sent") from error
        except httpx.TimeoutException as error:
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{type(error).__name__}: {error}") from error
        return response.status_code, response.content


def _chosen(timeout: Timeout, default: float | None) -> float | None:
    """A call's own timeout, or the transport's when the call left it at PTB's default."""
    return timeout if timeout is None or isinstance(timeout, int | float) else default
