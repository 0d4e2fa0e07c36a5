"""Client configuration → adapter. Vendor code stays in adapters/; this only picks one."""

from __future__ import annotations

import httpx

from concierge.adapters.deluge import DelugeClient
from concierge.adapters.qbittorrent import QBittorrentClient
from concierge.adapters.transmission import TransmissionClient
from concierge.skills.downloads.client_url import ClientConfig
from concierge.skills.downloads.ports import TorrentClient

CLIENT_TIMEOUT_SECONDS = 15.0


def default_factory(
    config: ClientConfig, transport: httpx.AsyncBaseTransport | None = None
) -> TorrentClient:
    """``transport``: the pinned one for a client a user configured (None: the operator's)."""
    timeout = CLIENT_TIMEOUT_SECONDS
    if config.kind == "transmission":
        return TransmissionClient(
            config.url, config.username, config.password, timeout=timeout, transport=transport
        )
    if config.kind == "qbittorrent":
        return QBittorrentClient(
            config.url, config.username, config.password, timeout=timeout, transport=transport
        )
    return DelugeClient(config.url, config.password, timeout=timeout, transport=transport)
