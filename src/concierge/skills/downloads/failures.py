"""Which message tells the user why a downloads action failed: one table per flow.

Commands and agent tools catch ``flow.errors`` and reply ``flow.text(ctx, exc)``,
so every entry point explains the same failure in the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from concierge.core.skill import Context
from concierge.core.torrents import InvalidTorrent
from concierge.skills.downloads.ports import (
    ClientAuthError,
    ClientConnectionError,
    TorrentClientError,
    TorrentNotFound,
)
from concierge.skills.downloads.service import DownloadNotFound, NoClientConfigured


@dataclass(frozen=True, slots=True)
class Failures:
    """Exception types mapped to catalogue keys; the first matching entry wins."""

    keys: Sequence[tuple[type[Exception], str]]

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        return tuple(kind for kind, _ in self.keys)

    def key(self, exc: Exception) -> str:
        for kind, key in self.keys:
            if isinstance(exc, kind):
                return key
        raise TypeError(f"no message for {type(exc).__name__}") from exc

    def text(self, ctx: Context, exc: Exception, **values: object) -> str:
        """``{reason}`` is the error's own text: adapters keep secrets and URLs out of it."""
        return ctx.t(self.key(exc), reason=str(exc), **values)


SEND = Failures(
    (
        (InvalidTorrent, "downloads.send.invalid"),
        (ClientAuthError, "downloads.send.failed_auth"),
        (ClientConnectionError, "downloads.send.failed_connection"),
        (TorrentClientError, "downloads.send.failed_rejected"),
    )
)

CONTROL = Failures(
    (
        (DownloadNotFound, "downloads.control.not_found"),
        (TorrentNotFound, "downloads.control.not_found"),
        (NoClientConfigured, "downloads.client.none"),
        (ClientAuthError, "downloads.send.failed_auth"),
        (ClientConnectionError, "downloads.send.failed_connection"),
        (TorrentClientError, "downloads.control.failed"),
    )
)

CLIENT_SETUP = Failures(
    (
        (ClientAuthError, "downloads.client.failed_auth"),
        (ClientConnectionError, "downloads.client.failed_connection"),
        (TorrentClientError, "downloads.client.failed_other"),
    )
)
