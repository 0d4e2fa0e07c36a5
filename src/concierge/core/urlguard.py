"""Is a user-supplied URL safe for the server to connect to? (SSRF guard)

Every address the host resolves to is checked, not just the first, so a name that
resolves to both a public and an internal address is refused. Always refused:
link-local (169.254/16, fe80::/10, which includes cloud metadata at 169.254.169.254),
known metadata hosts and addresses, unspecified (0.0.0.0, ::), multicast. Loopback,
private and other non-global ranges are allowed only when the caller says so
(owner/admin, or the operator's ALLOW_PRIVATE_CLIENT_URLS).

Checking before connecting leaves a window for DNS rebinding; callers that need
more should connect to the returned addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
RESOLVE_TIMEOUT = 5.0


class Refusal(StrEnum):
    """Why a URL was refused; each has a user-facing text ``urlguard.<value>``."""

    MALFORMED = "malformed"
    SCHEME = "scheme"
    UNRESOLVABLE = "unresolvable"
    METADATA = "metadata"
    LINK_LOCAL = "link_local"
    UNSPECIFIED = "unspecified"
    MULTICAST = "multicast"
    PRIVATE = "private"  # loopback, RFC 1918, ULA, CGNAT, reserved …


class UnsafeURL(ValueError):
    def __init__(self, refusal: Refusal, detail: str = "") -> None:
        super().__init__(f"URL refused: {refusal.value}{f' ({detail})' if detail else ''}")
        self.refusal = refusal


@dataclass(frozen=True, slots=True)
class CheckedURL:
    url: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
    )
    return [str(info[4][0]) for info in infos]


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv4-mapped or NAT64 IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.scope_id:
            return ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address


def classify(address: IPAddress, *, allow_private: bool) -> Refusal | None:
    """Why this one address is refused, or None when it is acceptable."""
    address = _unwrap(address)
    if address in METADATA_ADDRESSES:
        return Refusal.METADATA
    if address.is_link_local:
        return Refusal.LINK_LOCAL
    if address.is_unspecified:
        return Refusal.UNSPECIFIED
    if address.is_multicast:
        return Refusal.MULTICAST
    if not address.is_global and not allow_private:
        return Refusal.PRIVATE
    return None


def check_addresses(
    addresses: Iterable[IPAddress], *, allow_private: bool
) -> tuple[IPAddress, ...]:
    found = tuple(addresses)
    if not found:
        raise UnsafeURL(Refusal.UNRESOLVABLE)
    for address in found:
        refusal = classify(address, allow_private=allow_private)
        if refusal is not None:
            raise UnsafeURL(refusal, str(address))
    return found


async def check_url(
    url: str,
    *,
    allow_private: bool,
    schemes: Iterable[str] = ("http", "https"),
    resolver: Resolver = system_resolver,
) -> CheckedURL:
    """Resolve ``url``'s host and check every address; raises ``UnsafeURL``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(Refusal.MALFORMED) from exc
    if parts.scheme.lower() not in set(schemes):
        raise UnsafeURL(Refusal.SCHEME, parts.scheme)
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeURL(Refusal.MALFORMED)
    if host in METADATA_HOSTS:
        raise UnsafeURL(Refusal.METADATA, host)
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        raw = [str(literal)]
    else:
        try:
            raw = await resolver(host, port)
        except (OSError, TimeoutError, UnicodeError) as exc:
            raise UnsafeURL(Refusal.UNRESOLVABLE, host) from exc
    try:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in raw]
    except ValueError as exc:
        raise UnsafeURL(Refusal.UNRESOLVABLE, host) from exc
    return CheckedURL(url, host, port, check_addresses(addresses, allow_private=allow_private))
