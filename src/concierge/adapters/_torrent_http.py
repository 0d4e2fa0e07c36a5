"""What the three torrent-client adapters share: one HTTP client shape and its failures.

Every daemon is reached the same way (a bounded timeout, no redirects that could
carry credentials elsewhere), fails the same way when it is down or slow, and has
the same answer for a hash it doesn't know. Vendor protocol stays in each adapter.
"""

from __future__ import annotations

from typing import Any

import httpx

from concierge.skills.downloads.ports import ClientConnectionError, TorrentNotFound, TorrentStatus


def http_client(
    timeout: float,
    auth: httpx.Auth | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """Redirects are not followed: a daemon that redirects is misconfigured, not a hop.

    ``transport``: the pinned one (``adapters/pinned.py``) for a URL a user typed.
    """
    return httpx.AsyncClient(
        timeout=timeout, auth=auth, follow_redirects=False, transport=transport
    )


async def send(
    http: httpx.AsyncClient, vendor: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """One request; a timeout or transport failure becomes ``ClientConnectionError``.

    The message names only the vendor and the exception type: never the URL,
    which may carry credentials.
    """
    try:
        return await http.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ClientConnectionError(f"{vendor} did not answer in time") from exc
    except httpx.HTTPError as exc:
        raise ClientConnectionError(f"cannot reach {vendor} ({type(exc).__name__})") from exc


def one_torrent(statuses: list[TorrentStatus], vendor: str) -> TorrentStatus:
    """The one torrent a by-hash query returned, or ``TorrentNotFound``."""
    if not statuses:
        raise TorrentNotFound(f"{vendor} has no such torrent")
    return statuses[0]
