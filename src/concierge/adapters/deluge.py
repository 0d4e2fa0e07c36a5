"""Deluge 2 through deluge-web's JSON-RPC (``POST <base>/json``) over httpx.

The web UI is a proxy: ``auth.login`` sets a session cookie, then the web UI must
be connected to a daemon from its host list (``web.get_hosts`` →
``web.get_host_status`` → ``web.connect``) before ``core.*`` methods work.
"""

from __future__ import annotations

import asyncio
import base64
from itertools import count
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

VENDOR = "Deluge"
KEYS = [
    "name", "state", "progress", "total_wanted", "total_done", "download_payload_rate",
    "upload_payload_rate", "eta", "save_path", "message", "is_finished",
]  # fmt: skip
NOT_AUTHENTICATED = 1
CONNECT_WAIT_SECONDS = 10.0


class DelugeClient:
    kind = "deluge"

    def __init__(
        self,
        url: str,
        password: str = "",
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``url`` is the web UI root, e.g. ``http://host:8112`` (a ``--base`` path is kept)."""
        self._endpoint = url.rstrip("/") + "/json"
        self._password = password
        self._http = http_client(timeout, transport=transport)
        self._ids = count(1)
        self._ready = False
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def _rpc(self, method: str, *params: Any) -> Any:
        body = {"method": method, "params": list(params), "id": next(self._ids)}
        response = await send(self._http, VENDOR, "POST", self._endpoint, json=body)
        if response.status_code != 200:
            raise ClientConnectionError(f"Deluge web answered HTTP {response.status_code}")
        try:
            payload = response.json()
            error, result = payload.get("error"), payload["result"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ClientConnectionError("the URL does not answer like Deluge's web UI") from exc
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            if code == NOT_AUTHENTICATED:
                self._ready = False
                raise ClientAuthError("Deluge web session is not authenticated")
            detail = str(error.get("message", "")) if isinstance(error, dict) else ""
            log.warning("deluge_rpc_error", method=method, code=code, detail=detail[:200])
            raise ClientRejected(f"Deluge refused {method}")
        return result

    async def _ensure_ready(self) -> None:
        async with self._lock:
            if self._ready:
                return
            if await self._rpc("auth.login", self._password) is not True:
                raise ClientAuthError("Deluge refused the password")
            if not await self._rpc("web.connected"):
                await self._connect_daemon()
            self._ready = True

    async def _connect_daemon(self) -> None:
        hosts = await self._rpc("web.get_hosts") or []
        for host in hosts:
            host_id = host[0]
            status = await self._rpc("web.get_host_status", host_id)
            if not status or status[1] not in ("Online", "Connected"):
                continue
            await self._rpc("web.connect", host_id)
            deadline = asyncio.get_running_loop().time() + CONNECT_WAIT_SECONDS
            while not await self._rpc("web.connected"):
                if asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.1)
            else:
                return
        raise ClientConnectionError("Deluge web is up but no daemon in its host list is online")

    async def _call(self, method: str, *params: Any) -> Any:
        """A core call; an expired web session logs in again once."""
        for attempt in range(2):
            await self._ensure_ready()
            try:
                return await self._rpc(method, *params)
            except ClientAuthError:
                if attempt == 1:
                    raise
        raise ClientAuthError("Deluge refused the session")

    async def test_connection(self) -> str:
        version = await self._call("daemon.get_version")
        return f"Deluge {version}"

    async def _add(self, method: str, info_hash: str, name: str, *params: Any) -> AddedTorrent:
        try:
            torrent_id = await self._call(method, *params)
        except ClientRejected:
            torrent_id = None  # "Torrent already in session" is an error in Deluge
        if not torrent_id:
            existing = await self._find(info_hash)
            if existing is None:
                raise ClientRejected("Deluge rejected the torrent")
            return AddedTorrent(info_hash, existing.name or name)
        return AddedTorrent(str(torrent_id).lower(), name)

    @staticmethod
    def _options(download_dir: str | None) -> dict[str, Any]:
        return {"download_location": download_dir} if download_dir else {}

    async def add_magnet(
        self, magnet: str, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        """Deluge has labels only through a plugin, so ``category`` is not applied."""
        identity = parse_magnet(magnet)
        return await self._add(
            "core.add_torrent_magnet",
            identity.info_hash,
            identity.name,
            magnet,
            self._options(download_dir),
        )

    async def add_torrent_file(
        self, data: bytes, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        identity = parse_torrent(data)
        return await self._add(
            "core.add_torrent_file",
            identity.info_hash,
            identity.name,
            f"{identity.info_hash}.torrent",
            base64.b64encode(data).decode(),
            self._options(download_dir),
        )

    async def _statuses(self, filter_dict: dict[str, Any]) -> list[TorrentStatus]:
        found = await self._call("core.get_torrents_status", filter_dict, KEYS)
        if not isinstance(found, dict):
            raise TorrentClientError("Deluge sent a malformed torrent list")
        return [_status(torrent_id, row) for torrent_id, row in found.items()]

    async def _find(self, info_hash: str) -> TorrentStatus | None:
        found = await self._statuses({"id": [info_hash.lower()]})
        return found[0] if found else None

    async def list(self) -> list[TorrentStatus]:
        return await self._statuses({})

    async def status(self, info_hash: str) -> TorrentStatus:
        return one_torrent(await self._statuses({"id": [info_hash.lower()]}), VENDOR)

    async def pause(self, info_hash: str) -> None:
        await self.status(info_hash)
        await self._call("core.pause_torrent", info_hash.lower())

    async def resume(self, info_hash: str) -> None:
        await self.status(info_hash)
        await self._call("core.resume_torrent", info_hash.lower())

    async def remove(self, info_hash: str, *, delete_data: bool = False) -> None:
        await self.status(info_hash)
        await self._call("core.remove_torrent", info_hash.lower(), delete_data)


def _status(torrent_id: str, row: dict[str, Any]) -> TorrentStatus:
    raw = str(row.get("state", ""))
    progress = float(row.get("progress") or 0.0) / 100.0
    finished = bool(row.get("is_finished")) or progress >= 1.0
    if raw == "Paused":
        state = TorrentState.COMPLETED if finished else TorrentState.PAUSED
    elif raw == "Seeding":
        state = TorrentState.SEEDING
    elif raw in ("Checking", "Allocating"):
        state = TorrentState.CHECKING
    elif raw == "Queued":
        state = TorrentState.SEEDING if finished else TorrentState.QUEUED
    elif raw == "Error":
        state = TorrentState.ERROR
    else:
        state = TorrentState.DOWNLOADING
    eta = int(row.get("eta") or 0)
    return TorrentStatus(
        info_hash=torrent_id.lower(),
        name=str(row.get("name", "")),
        state=state,
        progress=min(progress, 1.0),
        size_bytes=int(row.get("total_wanted") or 0),
        downloaded_bytes=int(row.get("total_done") or 0),
        download_rate=int(row.get("download_payload_rate") or 0),
        upload_rate=int(row.get("upload_payload_rate") or 0),
        eta_seconds=eta if eta > 0 else None,
        save_path=str(row.get("save_path", "")),
        error=str(row.get("message")) if state is TorrentState.ERROR else None,
    )
