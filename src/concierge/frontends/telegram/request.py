"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

Every reply costs two or three Bot API calls ("typing…", a draft, the message), and
on the fake Bot API a call through PTB's default ``HTTPXRequest`` took 2–4 ms of the
bot's CPU against 0.5 ms through aiohttp (issue 15, P1): the HTTP client was most of
a reply's cost. aiohttp is installed already (discord.py is built on it).

Same contract as ``HTTPXRequest``: form-encoded parameters, multipart uploads streamed
from open file handles (rewound before every attempt, so a retried upload sends the
whole file again), ``TimedOut`` for timeouts and ``NetworkError`` for other failures,
proxies from ``HTTPS_PROXY``/``ALL_PROXY`` like httpx. A handle is never closed here: its
owner closes it, as with httpx.
"""

from __future__ import annotations

import contextlib
from typing import IO, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.payload import IOBasePayload
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# httpx's escaping of a multipart file name (WHATWG): quotes and line breaks, not UTF-8
_FILENAME_ESCAPES = str.maketrans({'"': "%22", "\r": "%0D", "\n": "%0A"})


class AiohttpRequest(BaseRequest):
    """``BaseRequest`` for one PTB bot (or its ``getUpdates``) over an aiohttp session.

    Timeouts mean what they mean to ``HTTPXRequest``; aiohttp has no write timeout, so the
    whole exchange is bounded by the sum of all four (no call can hang forever).
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    def _proxy(self, url: str) -> str | None:
        """The environment's proxy for ``url`` (HTTPS_PROXY, ALL_PROXY, NO_PROXY, as httpx
        reads them), looked up once per host: aiohttp's ``trust_env`` asks a worker thread
        twice on every request."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            import urllib.request  # stdlib, but not needed before the first call

            proxies = urllib.request.getproxies()
            found = proxies.get(parts.scheme) or proxies.get("all")
            if found and urllib.request.proxy_bypass(key[1]):
                found = None
            self._proxies[key] = found
        return self._proxies[key]

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()  # PTB may call before initialize(), as httpx allows
        assert self._session is not None
        uploads = request_data is not None and request_data.contains_files
        read = _value(read_timeout, self._read_timeout)
        write = _value(write_timeout, self._media_write_timeout if uploads else self._write_timeout)
        connect = _value(connect_timeout, self._connect_timeout)
        pool = _value(pool_timeout, self._pool_timeout)
        parts = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p or 0.0 for p in parts),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts subclass it
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _value(given: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(given, DefaultValue) else given


def _body(request_data: RequestData | None) -> dict[str, str] | aiohttp.FormData | None:
    """Parameters form-encoded, or everything as multipart when files go along."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(
            name,
            _rewound(content, mimetype),
            filename=filename.translate(_FILENAME_ESCAPES),
            content_type=mimetype,
        )
    return form


class _OwnedFile(IOBasePayload):
    """A file part streamed from a handle its owner closes (aiohttp would close it after
    the first attempt, and a retried upload found it closed)."""

    def _close(self) -> None:
        return None


def _rewound(content: bytes | IO[bytes], mimetype: str) -> Any:
    """A file handle from its start: a retried upload sends the whole file again."""
    if isinstance(content, bytes | bytearray):
        return content
    with contextlib.suppress(OSError, AttributeError, ValueError):
        content.seek(0)
    return _OwnedFile(content, content_type=mimetype)  # FormData sets its disposition
