"""The connect-time URL guard inside a download's child process.

yt-dlp and gallery-dl follow redirects and fetch embedded media on their own, so the
check before a job is accepted is not enough: a public page can point at 127.0.0.1 or
169.254.169.254, and a name can resolve differently a minute later. Every connection
either library (or anything else in the child) opens resolves its host through
``socket.getaddrinfo``; this wraps it so a name or literal address that resolves to a
refused address raises before any socket connects. The child is a process of its own,
so patching the socket module there touches nothing else.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from concierge.core.urlguard import METADATA_HOSTS, classify

refused: list[str] = []  # what this process refused, so the child can name the reason


class GuardRefused(OSError):
    """A connection to a non-public address was refused before it was made."""


def install(*, allow_private: bool, trusted: frozenset[str] = frozenset()) -> None:
    real = socket.getaddrinfo

    def guarded(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name.rstrip(".").lower() in METADATA_HOSTS:
            refused.append(name)
            raise GuardRefused(f"refused to connect to {name}")
        infos = real(host, port, *args, **kwargs)
        if f"{name}:{port}" in trusted:
            return infos
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            reason = classify(address, allow_private=allow_private)
            if reason is not None:
                refused.append(f"{name} ({address}: {reason.value})")
                raise GuardRefused(f"refused to connect to {name}: {reason.value}")
        return infos

    socket.getaddrinfo = guarded
