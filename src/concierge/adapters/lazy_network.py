"""The network under the adapters' clients, built at their first request (issue 15, P7).

``httpx.AsyncHTTPTransport()`` reads and parses the whole CA bundle into a new TLS
context as it is built: ~50 ms and ~1 MB each on the shared 2-core machine, and bootstrap
builds a client per configured source, most of which a given session never calls (a
``concierge chat`` that only asks for its watchlist calls none). Here the transport is
httpx's own, with the same defaults, made when a request first needs it; the clients of
one factory share one TLS context (the same ``httpx.create_ssl_context()`` each would
have built, so ``SSL_CERT_FILE``/``SSL_CERT_DIR`` still apply), which is safe to share
between connection pools.
"""

from __future__ import annotations

import ssl

import httpx


class SharedTls:
    """One TLS context for many transports, made at first use."""

    def __init__(self) -> None:
        self._context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = httpx.create_ssl_context()
        return self._context


class LazyNetwork(httpx.AsyncBaseTransport):
    """``httpx.AsyncHTTPTransport`` with its defaults, built at the first request over
    ``tls``'s context (the client above still mounts proxies from the environment)."""

    def __init__(self, tls: SharedTls) -> None:
        self._tls = tls
        self._inner: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = httpx.AsyncHTTPTransport(verify=self._tls.context())
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
