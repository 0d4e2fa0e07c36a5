"""Connections to user-supplied hosts go only to addresses that were checked.

A URL checked once and then resolved again to connect can be rebound (DNS answers a
public address to the check and 127.0.0.1 to the connection). Here the network
backend itself resolves the host, checks every address with the URL guard, and
connects to a checked address; TLS still names the original host (SNI and
certificate) and the request keeps its Host header, because httpcore does those from
the URL, not from the socket. Used by every adapter that talks to a host a user typed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import httpcore
import httpx

from concierge.core.urlguard import Refusal, Resolver, UnsafeURL, check_addresses, system_resolver


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, *, allow_private: bool, resolver: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            raw = [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            try:
                raw = await self._resolver(host, port)
            except (OSError, TimeoutError, UnicodeError) as exc:
                raise httpcore.ConnectError(str(UnsafeURL(Refusal.UNRESOLVABLE, host))) from exc
        try:
            addresses = check_addresses(
                [ipaddress.ip_address(a.split("%", 1)[0]) for a in raw],
                allow_private=self._allow_private,
            )
        except (UnsafeURL, ValueError) as exc:
            raise httpcore.ConnectError(f"refused to connect: {exc}") from exc
        return await self._inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("refused to connect: unix sockets are not for user URLs")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pinned_transport(
    *, allow_private: bool, resolver: Resolver = system_resolver
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection passes the URL guard (no proxies)."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx builds its pool without a backend parameter; ours replaces the default
    transport._pool._network_backend = GuardedBackend(  # private: no public hook
        allow_private=allow_private, resolver=resolver
    )
    return transport
