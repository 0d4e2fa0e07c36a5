"""Downloads: which client serves a user, sending torrents to it, and the rows that track them."""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from concierge.adapters.pinned import pinned_transport
from concierge.core.access import Role
from concierge.core.torrents import (
    MAX_TORRENT_BYTES,
    InvalidTorrent,
    parse_magnet,
    parse_torrent,
)
from concierge.core.urlguard import Resolver, check_url, system_resolver
from concierge.skills.downloads.client_url import ClientConfig
from concierge.skills.downloads.models import DownloadRow
from concierge.skills.downloads.ports import (
    AddedTorrent,
    TorrentClient,
    TorrentNotFound,
    TorrentStatus,
)
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.repos import UserRecord

log = structlog.get_logger(__name__)

CREDENTIAL_NAME = "downloads.client"
TORRENT_FETCH_SECONDS = 30.0  # the whole .torrent download, however slowly it trickles in
GLOBAL = "global"
# (config, transport): the transport is the pinned one for a client a user configured
ClientFactory = Callable[[ClientConfig, httpx.AsyncBaseTransport | None], TorrentClient]


class NoClientConfigured(LookupError):
    """This user has no client of their own and may not use the operator's."""


class DownloadNotFound(LookupError):
    """No such download among this user's."""


def normalize_name(name: str) -> str:
    """``The.Matrix.1999.1080p`` → ``the matrix 1999 1080p``: for matching names across tools."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name
    return re.sub(r"[^0-9a-zа-яё]+", " ", folded.lower()).strip()


@dataclass(frozen=True, slots=True)
class ClientChoice:
    key: str  # "global" | "user:<id>"
    config: ClientConfig
    seedbox: bool  # completed downloads wait for the NAS companion to copy them
    # a user's own client: every connection re-checks its address (private ones only if
    # the user was allowed them when saving); None: the operator's, trusted as configured
    private_ok: bool | None = None


@dataclass(frozen=True, slots=True)
class DownloadView:
    id: int
    name: str
    info_hash: str
    status: str
    live: TorrentStatus | None  # None when the client could not be asked


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """Operator settings about clients (from Settings, via bootstrap)."""

    global_client: ClientConfig | None = None
    global_is_seedbox: bool = False
    global_users: frozenset[tuple[str, int]] = frozenset()
    allow_private_urls: bool = False


class DownloadService:
    def __init__(
        self,
        *,
        db: Database,
        credentials: CredentialStore,
        factory: ClientFactory,
        policy: ClientPolicy,
        resolver: Resolver = system_resolver,
        fetch_seconds: float = TORRENT_FETCH_SECONDS,
    ) -> None:
        self._db = db
        self._fetch_seconds = fetch_seconds
        self._credentials = credentials
        self._factory = factory
        self.policy = policy
        self._resolver = resolver

    # --- which client -------------------------------------------------------------

    def may_use_global(self, user: UserRecord) -> bool:
        return self.policy.global_client is not None and (
            user.role is Role.OWNER or (user.platform, user.platform_id) in self.policy.global_users
        )

    def may_use_private_urls(self, user: UserRecord) -> bool:
        return self.policy.allow_private_urls or user.role.allows(Role.ADMIN)

    async def own_client(self, user_id: int) -> ClientChoice | None:
        raw = await self._credentials.get(user_id, CREDENTIAL_NAME)
        if raw is None:
            return None
        config, seedbox, private_ok = _decode(raw)
        return ClientChoice(f"user:{user_id}", config, seedbox, private_ok)

    async def client_for(self, user: UserRecord) -> ClientChoice | None:
        own = await self.own_client(user.id)
        if own is not None:
            return own
        if self.may_use_global(user) and self.policy.global_client is not None:
            return ClientChoice(GLOBAL, self.policy.global_client, self.policy.global_is_seedbox)
        return None

    async def choice_by_key(self, key: str) -> ClientChoice | None:
        if key == GLOBAL:
            if self.policy.global_client is None:
                return None
            return ClientChoice(GLOBAL, self.policy.global_client, self.policy.global_is_seedbox)
        return await self.own_client(int(key.split(":", 1)[1]))

    def open(self, choice: ClientChoice) -> TorrentClient:
        """The adapter for ``choice``; a user's own client connects only to checked addresses."""
        if choice.private_ok is None:
            return self._factory(choice.config, None)
        allow = choice.private_ok or self.policy.allow_private_urls
        return self._factory(
            choice.config, pinned_transport(allow_private=allow, resolver=self._resolver)
        )

    async def check_and_test(self, user: UserRecord, config: ClientConfig) -> str:
        """URL guard for this user's role, then a real login; returns the client's version.

        Raises ``UnsafeURL`` or a ``TorrentClientError``; nothing is stored.
        """
        allow = self.may_use_private_urls(user)
        await check_url(config.url, allow_private=allow, resolver=self._resolver)
        client = self._factory(
            config, pinned_transport(allow_private=allow, resolver=self._resolver)
        )
        try:
            return await client.test_connection()
        finally:
            await client.close()

    async def save_client(self, user: UserRecord, config: ClientConfig, *, seedbox: bool) -> str:
        version = await self.check_and_test(user, config)
        private_ok = self.may_use_private_urls(user)
        await self._credentials.put(user.id, CREDENTIAL_NAME, _encode(config, seedbox, private_ok))
        log.info("client_saved", user=user.key, kind=config.kind, seedbox=seedbox)
        return version

    async def forget_client(self, user: UserRecord) -> None:
        await self._credentials.delete(user.id, CREDENTIAL_NAME)

    # --- sending ------------------------------------------------------------------

    async def send(
        self,
        user: UserRecord,
        chat_key: str,
        *,
        magnet: str | None = None,
        torrent: bytes | None = None,
        name: str | None = None,
    ) -> AddedTorrent:
        """Add to the user's client and record the download. Raises ``NoClientConfigured``,
        ``InvalidTorrent`` or a ``TorrentClientError``."""
        if magnet is None and torrent is None:
            raise InvalidTorrent("neither a magnet link nor a .torrent file")
        identity = parse_torrent(torrent) if torrent is not None else parse_magnet(magnet or "")
        choice = await self.client_for(user)
        if choice is None:
            raise NoClientConfigured
        client = self.open(choice)
        try:
            if torrent is not None:
                added = await client.add_torrent_file(torrent)
            else:
                added = await client.add_magnet(magnet or "")
        finally:
            await client.close()
        shown = added.name if added.name != added.info_hash else (name or identity.name)
        await self._record(user, chat_key, choice, added.info_hash, shown)
        log.info("download_sent", user=user.key, client=choice.key, info_hash=added.info_hash)
        return AddedTorrent(added.info_hash, shown)

    async def _record(
        self, user: UserRecord, chat_key: str, choice: ClientChoice, info_hash: str, name: str
    ) -> None:
        try:
            async with self._db.session() as s:
                existing = await s.scalar(
                    select(DownloadRow).where(
                        DownloadRow.user_id == user.id,
                        DownloadRow.client_key == choice.key,
                        DownloadRow.info_hash == info_hash,
                    )
                )
                if existing is not None:  # sent again: track it again from where it is
                    if existing.status in ("removed", "missing"):
                        existing.status = "active"
                    existing.chat_key = chat_key
                    return
                s.add(
                    DownloadRow(
                        user_id=user.id,
                        client_key=choice.key,
                        client_kind=choice.config.kind,
                        info_hash=info_hash,
                        name=name[:500],
                        normalized_name=normalize_name(name)[:500],
                        chat_key=chat_key[:64],
                        status="active",
                        progress=0.0,
                        size_bytes=0,
                        save_path="",
                        sync_state="none",
                    )
                )
        except IntegrityError:
            log.info("download_already_recorded", user=user.key, info_hash=info_hash)

    async def fetch_torrent(self, url: str, user: UserRecord, *, timeout: float = 15.0) -> bytes:
        """A result's .torrent file, fetched for ``user``: private addresses (an indexer on
        the LAN) under the same rule as client URLs. Raises ``InvalidTorrent``/``UnsafeURL``."""
        await check_url(url, allow_private=self.may_use_private_urls(user), resolver=self._resolver)
        data = bytearray()
        try:
            async with (
                asyncio.timeout(self._fetch_seconds),
                httpx.AsyncClient(
                    timeout=timeout,
                    follow_redirects=False,
                    transport=pinned_transport(
                        allow_private=self.may_use_private_urls(user), resolver=self._resolver
                    ),
                ) as http,
                http.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise InvalidTorrent(f"the tracker answered HTTP {response.status_code}")
                async for chunk in response.aiter_raw():  # as sent: no decompression bomb
                    data += chunk
                    if len(data) > MAX_TORRENT_BYTES:
                        raise InvalidTorrent("the .torrent file is too large")
        except TimeoutError as exc:
            raise InvalidTorrent("the .torrent took too long to download") from exc
        except httpx.HTTPError as exc:
            raise InvalidTorrent(f"could not fetch the .torrent ({type(exc).__name__})") from exc
        parse_torrent(bytes(data))
        return bytes(data)

    # --- the user's downloads -------------------------------------------------------

    async def rows_for(self, user_id: int, *, limit: int = 20) -> list[DownloadRow]:
        async with self._db.session() as s:
            found = await s.scalars(
                select(DownloadRow)
                .where(
                    DownloadRow.user_id == user_id, DownloadRow.status.in_(("active", "complete"))
                )
                .order_by(DownloadRow.id.desc())
                .limit(limit)
            )
            return list(found)

    async def views_for(self, user: UserRecord) -> list[DownloadView]:
        """The user's downloads with live figures from their client where it answers.

        Raises a ``TorrentClientError`` when the client can't be asked at all.
        """
        rows = await self.rows_for(user.id)
        if not rows:
            return []
        live: dict[tuple[str, str], TorrentStatus] = {}
        for key in {row.client_key for row in rows}:
            choice = await self.choice_by_key(key)
            if choice is None:
                continue
            client = self.open(choice)
            try:
                for status in await client.list():
                    live[(key, status.info_hash)] = status
            finally:
                await client.close()
        return [
            DownloadView(row.id, row.name, row.info_hash, row.status,
                         live.get((row.client_key, row.info_hash)))
            for row in rows
        ]  # fmt: skip

    async def _owned(self, user: UserRecord, download_id: int) -> DownloadRow:
        async with self._db.session() as s:
            row = await s.get(DownloadRow, download_id)
        if row is None or row.user_id != user.id:
            raise DownloadNotFound
        return row

    async def control(self, user: UserRecord, download_id: int, action: str) -> DownloadRow:
        """``pause`` / ``resume`` / ``remove`` / ``remove_data`` one of the user's downloads."""
        row = await self._owned(user, download_id)
        choice = await self.choice_by_key(row.client_key)
        if choice is None:
            raise NoClientConfigured
        client = self.open(choice)
        try:
            if action == "pause":
                await client.pause(row.info_hash)
            elif action == "resume":
                await client.resume(row.info_hash)
            elif action in ("remove", "remove_data"):
                try:
                    await client.remove(row.info_hash, delete_data=action == "remove_data")
                except TorrentNotFound:
                    log.info("remove_already_gone", info_hash=row.info_hash)
                await self._set_status(row.id, "removed")
            else:
                raise ValueError(f"unknown action {action!r}")
        finally:
            await client.close()
        return row

    async def _set_status(self, download_id: int, status: str) -> None:
        async with self._db.session() as s:
            row = await s.get(DownloadRow, download_id)
            if row is not None:
                row.status = status


def _encode(config: ClientConfig, seedbox: bool, private_ok: bool) -> str:
    return json.dumps({"config": config.to_json(), "seedbox": seedbox, "private_ok": private_ok})


def _decode(raw: str) -> tuple[ClientConfig, bool, bool]:
    """Records saved before ``private_ok`` existed get public addresses only (re-save
    with /client as an admin to point at a LAN address again)."""
    data = json.loads(raw)
    config = ClientConfig.from_json(str(data["config"]))
    return config, bool(data.get("seedbox", False)), bool(data.get("private_ok", False))
