"""What the downloads skill needs from a torrent client, whatever its vendor.

Adapters (``adapters/transmission.py``, ``qbittorrent.py``, ``deluge.py``) implement
``TorrentClient`` and raise only the errors below, so callers can tell a wrong password
from a daemon that is down without knowing which daemon it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class TorrentClientError(RuntimeError):
    """The client did not do what was asked; the message never holds secrets."""


class ClientAuthError(TorrentClientError):
    """The client refused the username or password."""


class ClientConnectionError(TorrentClientError):
    """The client could not be reached (refused, timed out, TLS, DNS)."""


class ClientRejected(TorrentClientError):
    """The client answered but refused the request (e.g. not a valid torrent)."""


class TorrentNotFound(TorrentClientError):
    """No torrent with that info-hash is in the client."""


class TorrentState(StrEnum):
    DOWNLOADING = "downloading"
    SEEDING = "seeding"  # complete and sharing
    COMPLETED = "completed"  # complete and stopped
    PAUSED = "paused"  # incomplete and stopped
    CHECKING = "checking"
    QUEUED = "queued"
    METADATA = "metadata"  # magnet waiting for the torrent's info
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TorrentStatus:
    info_hash: str  # lower-case hex, 40 characters (v1)
    name: str
    state: TorrentState
    progress: float  # 0.0 … 1.0
    size_bytes: int = 0
    downloaded_bytes: int = 0
    download_rate: int = 0  # bytes per second
    upload_rate: int = 0
    eta_seconds: int | None = None
    save_path: str = ""
    error: str | None = None

    @property
    def complete(self) -> bool:
        """Every wanted byte is on disk and verified."""
        return self.progress >= 1.0 and self.state in (TorrentState.SEEDING, TorrentState.COMPLETED)


@dataclass(frozen=True, slots=True)
class AddedTorrent:
    info_hash: str
    name: str


class TorrentClient(Protocol):
    """One torrent daemon. Every call has a timeout and raises ``TorrentClientError``s."""

    kind: str  # "transmission" | "qbittorrent" | "deluge"

    async def test_connection(self) -> str:
        """Log in and return the daemon's version; raises on bad credentials or no route."""
        ...

    async def add_magnet(
        self, magnet: str, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent: ...

    async def add_torrent_file(
        self, data: bytes, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent: ...

    async def list(self) -> list[TorrentStatus]: ...

    async def status(self, info_hash: str) -> TorrentStatus:
        """Raises ``TorrentNotFound`` when the client no longer has it."""
        ...

    async def pause(self, info_hash: str) -> None: ...

    async def resume(self, info_hash: str) -> None: ...

    async def remove(self, info_hash: str, *, delete_data: bool = False) -> None: ...

    async def close(self) -> None: ...
