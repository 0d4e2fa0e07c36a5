"""qBittorrent Web API v2 over httpx: cookie login, add, info, pause/resume, delete.

Written against the documented API (4.1+) rather than through qbittorrent-api,
which is synchronous; Web API 2.11 (qBittorrent 5) renamed pause/resume to
stop/start, and both spellings are handled.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import structlog

from concierge.adapters._torrent_http import http_client, one_torrent, send
from concierge.core.torrents import parse_magnet, parse_torrent
from concierge.skills.downloads.ports import (
    AddedTorrent,
    ClientAuthError,
    ClientConnectionError,
    ClientRejected,
    TorrentClientError,
    TorrentState,
    TorrentStatus,
)

log = structlog.get_logger(__name__)

VENDOR = "qBittorrent"
INFINITE_ETA = 8_640_000  # qBittorrent's "never" (100 days)
_STATES = {
    "error": TorrentState.ERROR,
    "missingFiles": TorrentState.ERROR,
    "uploading": TorrentState.SEEDING,
    "stalledUP": TorrentState.SEEDING,
    "forcedUP": TorrentState.SEEDING,
    "queuedUP": TorrentState.SEEDING,
    "pausedUP": TorrentState.COMPLETED,
    "stoppedUP": TorrentState.COMPLETED,
    "checkingUP": TorrentState.CHECKING,
    "checkingDL": TorrentState.CHECKING,
    "checkingResumeData": TorrentState.CHECKING,
    "allocating": TorrentState.DOWNLOADING,
    "moving": TorrentState.DOWNLOADING,
    "downloading": TorrentState.DOWNLOADING,
    "stalledDL": TorrentState.DOWNLOADING,
    "forcedDL": TorrentState.DOWNLOADING,
    "metaDL": TorrentState.METADATA,
    "forcedMetaDL": TorrentState.METADATA,
    "queuedDL": TorrentState.QUEUED,
    "pausedDL": TorrentState.PAUSED,
    "stoppedDL": TorrentState.PAUSED,
}
APPEAR_WAIT_SECONDS = 5.0


class QBittorrentClient:
    kind = "qbittorrent"

    def __init__(
        self,
        url: str,
        username: str = "",
        password: str = "",
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``url`` is the Web UI root, e.g. ``http://host:8080`` (a sub-path is kept)."""
        self._base = url.rstrip("/") + "/api/v2"
        self._username, self._password = username, password
        self._http = http_client(timeout, transport=transport)
        self._logged_in = False
        self._login_lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await send(self._http, VENDOR, method, self._base + path, **kwargs)

    async def _login(self) -> None:
        async with self._login_lock:
            if self._logged_in:
                return
            response = await self._send(
                "POST",
                "/auth/login",
                data={"username": self._username, "password": self._password},
                headers={"Referer": self._base},
            )
            _login_outcome(response)
            self._logged_in = True

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request with a live session; an expired cookie (403) logs in once more."""
        for attempt in range(2):
            await self._login()
            response = await self._send(method, path, **kwargs)
            if response.status_code == 403 and attempt == 0:
                self._logged_in = False
                continue
            if response.status_code == 403:
                raise ClientAuthError("qBittorrent refused the session")
            return response
        raise ClientAuthError("qBittorrent refused the session")

    async def test_connection(self) -> str:
        response = await self._call("GET", "/app/version")
        if response.status_code != 200:
            raise ClientConnectionError(f"qBittorrent answered HTTP {response.status_code}")
        return f"qBittorrent {response.text.strip()[:32]}"

    async def _add(
        self,
        info_hash: str,
        name: str,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None,
        download_dir: str | None,
        category: str | None,
    ) -> AddedTorrent:
        if download_dir:
            data["savepath"] = download_dir
        if category:
            data["category"] = category
        response = await self._call("POST", "/torrents/add", data=data, files=files)
        if response.status_code == 415 or response.text.strip() == "Fails.":
            existing = await self._find(info_hash)  # "Fails." also means "already added"
            if existing is None:
                raise ClientRejected("qBittorrent rejected the torrent")
            return AddedTorrent(info_hash, existing.name or name)
        if not response.is_success:
            raise ClientRejected(f"qBittorrent answered HTTP {response.status_code} to add")
        # Adding is asynchronous in qBittorrent: wait until the torrent is listed.
        deadline = asyncio.get_running_loop().time() + APPEAR_WAIT_SECONDS
        while (found := await self._find(info_hash)) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise ClientRejected("qBittorrent accepted the torrent but does not list it")
            await asyncio.sleep(0.1)
        return AddedTorrent(info_hash, found.name or name)

    async def add_magnet(
        self, magnet: str, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        identity = parse_magnet(magnet)
        return await self._add(
            identity.info_hash, identity.name, {"urls": magnet}, None, download_dir, category
        )

    async def add_torrent_file(
        self, data: bytes, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        identity = parse_torrent(data)
        files = {"torrents": ("upload.torrent", data, "application/x-bittorrent")}
        return await self._add(identity.info_hash, identity.name, {}, files, download_dir, category)

    async def _info(self, params: dict[str, str]) -> list[TorrentStatus]:
        response = await self._call("GET", "/torrents/info", params=params)
        if response.status_code != 200:
            raise ClientConnectionError(f"qBittorrent answered HTTP {response.status_code}")
        try:
            rows = response.json()
            return [_status(row) for row in rows]
        except (ValueError, TypeError, KeyError) as exc:
            raise TorrentClientError("qBittorrent sent a malformed torrent list") from exc

    async def _find(self, info_hash: str) -> TorrentStatus | None:
        found = await self._info({"hashes": info_hash.lower()})
        return found[0] if found else None

    async def list(self) -> list[TorrentStatus]:
        return await self._info({})

    async def status(self, info_hash: str) -> TorrentStatus:
        return one_torrent(await self._info({"hashes": info_hash.lower()}), VENDOR)

    async def _act(self, paths: tuple[str, ...], info_hash: str, **extra: str) -> None:
        await self.status(info_hash)  # the API answers 200 for unknown hashes
        for path in paths:
            response = await self._call("POST", path, data={"hashes": info_hash.lower(), **extra})
            if response.status_code == 404:  # renamed in a newer Web API; try the next name
                continue
            if not response.is_success:  # 200, or 204 from 5.2 on
                raise ClientRejected(f"qBittorrent answered HTTP {response.status_code}")
            return
        raise ClientRejected("qBittorrent supports none of " + ", ".join(paths))

    async def pause(self, info_hash: str) -> None:
        await self._act(("/torrents/pause", "/torrents/stop"), info_hash)

    async def resume(self, info_hash: str) -> None:
        await self._act(("/torrents/resume", "/torrents/start"), info_hash)

    async def remove(self, info_hash: str, *, delete_data: bool = False) -> None:
        await self._act(
            ("/torrents/delete",), info_hash, deleteFiles="true" if delete_data else "false"
        )


def _login_outcome(response: httpx.Response) -> None:
    """Until 5.2 a login answers 200 "Ok." or 200 "Fails."; from 5.2 (Web API 2.14) it
    answers 204 or 401. A server error is not a wrong password."""
    status = response.status_code
    if status == 204 or (status == 200 and response.text.strip() == "Ok."):
        return
    if status == 403:
        raise ClientAuthError("qBittorrent refused the login (too many failures ban?)")
    if status == 404:
        raise ClientConnectionError("the URL does not answer like qBittorrent's Web UI")
    if status in (200, 401):
        raise ClientAuthError("qBittorrent refused the username or password")
    raise ClientConnectionError(f"qBittorrent answered HTTP {status} to the login")


def _status(row: dict[str, Any]) -> TorrentStatus:
    raw_state = str(row.get("state", ""))
    progress = float(row.get("progress") or 0.0)
    eta = int(row.get("eta") or 0)
    size = int(row.get("size") or row.get("total_size") or 0)
    return TorrentStatus(
        info_hash=str(row["hash"]).lower(),
        name=str(row.get("name", "")),
        state=_STATES.get(raw_state, TorrentState.DOWNLOADING),
        progress=progress,
        size_bytes=size,
        downloaded_bytes=int(row.get("completed") or row.get("downloaded") or 0),
        download_rate=int(row.get("dlspeed") or 0),
        upload_rate=int(row.get("upspeed") or 0),
        eta_seconds=eta if 0 <= eta < INFINITE_ETA else None,
        save_path=str(row.get("save_path", "")),
        error="qBittorrent reports an error" if raw_state in ("error", "missingFiles") else None,
    )
