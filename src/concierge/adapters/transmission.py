"""Transmission RPC (spec: transmission/docs/rpc-spec.md) over httpx.

Talks the protocol directly rather than through transmission-rpc, which is
synchronous and puts the URL, credentials included, into its error messages.
The daemon answers 409 with an ``X-Transmission-Session-Id`` header until a request
carries it; the id is kept and refreshed whenever the daemon rotates it.
"""

from __future__ import annotations

import asyncio
import base64
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

VENDOR = "Transmission"
SESSION_HEADER = "X-Transmission-Session-Id"
FIELDS = [
    "hashString", "name", "status", "percentDone", "sizeWhenDone", "leftUntilDone",
    "rateDownload", "rateUpload", "eta", "downloadDir", "error", "errorString",
    "metadataPercentComplete",
]  # fmt: skip
# tr_torrent_activity: 0 stopped, 1 check-wait, 2 checking, 3 download-wait,
# 4 downloading, 5 seed-wait, 6 seeding.
_ACTIVITY = {
    1: TorrentState.CHECKING,
    2: TorrentState.CHECKING,
    3: TorrentState.QUEUED,
    4: TorrentState.DOWNLOADING,
    5: TorrentState.QUEUED,
    6: TorrentState.SEEDING,
}


class TransmissionClient:
    kind = "transmission"

    def __init__(
        self,
        url: str,
        username: str = "",
        password: str = "",
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``url`` is the RPC endpoint, e.g. ``http://host:9091/transmission/rpc``."""
        self._url = url
        self._session_id = ""
        auth = httpx.BasicAuth(username, password) if username or password else None
        self._http = http_client(timeout, auth, transport)

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"method": method, "arguments": arguments or {}}
        for _attempt in range(3):
            headers = {SESSION_HEADER: self._session_id}
            response = await send(self._http, VENDOR, "POST", self._url, json=body, headers=headers)
            if response.status_code == 409 and SESSION_HEADER in response.headers:
                self._session_id = response.headers[SESSION_HEADER]
                continue
            if response.status_code in (401, 403):
                raise ClientAuthError("Transmission refused the username or password")
            if response.status_code != 200:
                raise ClientConnectionError(
                    f"Transmission RPC answered HTTP {response.status_code}; is the URL the RPC path?"
                )
            try:
                payload = response.json()
                result, args = payload["result"], payload.get("arguments", {})
            except (ValueError, KeyError, TypeError) as exc:
                raise ClientConnectionError(
                    "the URL does not answer like Transmission RPC"
                ) from exc
            if result != "success":
                log.warning("transmission_rpc_error", method=method, result=str(result)[:200])
                raise ClientRejected(f"Transmission refused {method}")
            return dict(args)
        raise ClientConnectionError("Transmission kept rejecting the session id")

    async def test_connection(self) -> str:
        args = await self._call("session-get", {"fields": ["version", "rpc-version"]})
        return f"Transmission {args.get('version', '?')}"

    async def _add(self, arguments: dict[str, Any], expected_hash: str, name: str) -> AddedTorrent:
        try:
            args = await self._call("torrent-add", arguments)
        except ClientRejected as exc:
            raise ClientRejected("Transmission rejected the torrent") from exc
        added = args.get("torrent-added") or args.get("torrent-duplicate") or {}
        info_hash = str(added.get("hashString") or expected_hash).lower()
        return AddedTorrent(info_hash, str(added.get("name") or name))

    async def add_magnet(
        self, magnet: str, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        identity = parse_magnet(magnet)
        arguments: dict[str, Any] = {"filename": magnet}
        if download_dir:
            arguments["download-dir"] = download_dir
        added = await self._add(arguments, identity.info_hash, identity.name)
        await self._label(added.info_hash, category)
        return added

    async def add_torrent_file(
        self, data: bytes, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        identity = parse_torrent(data)
        arguments: dict[str, Any] = {"metainfo": base64.b64encode(data).decode()}
        if download_dir:
            arguments["download-dir"] = download_dir
        added = await self._add(arguments, identity.info_hash, identity.name)
        await self._label(added.info_hash, category)
        return added

    async def _label(self, info_hash: str, category: str | None) -> None:
        """Labels exist from RPC 16 (Transmission 3.00); older daemons just skip them."""
        if not category:
            return
        try:
            await self._call("torrent-set", {"ids": [info_hash], "labels": [category]})
        except ClientRejected:
            log.info("transmission_labels_unsupported", info_hash=info_hash)

    async def _get(self, ids: list[str] | None) -> list[TorrentStatus]:
        arguments: dict[str, Any] = {"fields": FIELDS}
        if ids is not None:
            arguments["ids"] = ids
        args = await self._call("torrent-get", arguments)
        return [_status(t) for t in args.get("torrents", [])]

    async def list(self) -> list[TorrentStatus]:
        return await self._get(None)

    async def status(self, info_hash: str) -> TorrentStatus:
        return one_torrent(await self._get([info_hash.lower()]), VENDOR)

    async def _act(self, method: str, info_hash: str, **extra: Any) -> None:
        await self.status(info_hash)  # unknown ids are silently ignored by the daemon
        await self._call(method, {"ids": [info_hash.lower()], **extra})

    async def pause(self, info_hash: str) -> None:
        """Stop, and make sure it took: Transmission 3 can drop a stop that arrives while
        it is still setting up a just-added magnet, so the torrent would keep running."""
        for _attempt in range(PAUSE_ATTEMPTS):
            await self._act("torrent-stop", info_hash)
            for _check in range(5):
                if (await self.status(info_hash)).state in _STOPPED:
                    return
                await asyncio.sleep(0.1)
        log.warning("transmission_pause_unconfirmed", info_hash=info_hash)

    async def resume(self, info_hash: str) -> None:
        await self._act("torrent-start", info_hash)

    async def remove(self, info_hash: str, *, delete_data: bool = False) -> None:
        await self._act("torrent-remove", info_hash, **{"delete-local-data": delete_data})


PAUSE_ATTEMPTS = 4
_STOPPED = frozenset({TorrentState.PAUSED, TorrentState.COMPLETED})


def _status(t: dict[str, Any]) -> TorrentStatus:
    try:
        size = int(t.get("sizeWhenDone") or 0)
        left = int(t.get("leftUntilDone") or 0)
        progress = float(t.get("percentDone") or 0.0)
        activity = int(t.get("status") or 0)
        error_code = int(t.get("error") or 0)
    except (TypeError, ValueError) as exc:
        raise TorrentClientError("Transmission sent a malformed torrent record") from exc
    if error_code in (2, 3):  # 1 is a tracker warning, which doesn't stop the download
        state = TorrentState.ERROR
    elif activity == 0:
        state = TorrentState.COMPLETED if progress >= 1.0 else TorrentState.PAUSED
    elif float(t.get("metadataPercentComplete", 1.0) or 0.0) < 1.0:
        state = TorrentState.METADATA
    else:
        state = _ACTIVITY.get(activity, TorrentState.DOWNLOADING)
    raw_eta = t.get("eta")
    eta = raw_eta if isinstance(raw_eta, int) else -1  # -1 unknown, -2 never
    return TorrentStatus(
        info_hash=str(t.get("hashString", "")).lower(),
        name=str(t.get("name", "")),
        state=state,
        progress=progress,
        size_bytes=size,
        downloaded_bytes=max(size - left, 0),
        download_rate=int(t.get("rateDownload") or 0),
        upload_rate=int(t.get("rateUpload") or 0),
        eta_seconds=eta if eta >= 0 else None,
        save_path=str(t.get("downloadDir", "")),
        error=str(t.get("errorString")) if error_code in (2, 3) else None,
    )
