"""Sending a grab's files: as video, photo, audio or document (pictures and videos of a
gallery as albums of up to 10); too big → fit or link.

Each file goes out under the key ``grab:<id>:file:<n>`` (``sent_notices``: checked
before, written after), so a job run again after a crash sends only what did not go
out yet. A video over the platform's upload limit is re-encoded to fit when the bitrate
that fits stays watchable; otherwise (or with ``GRAB_LINKS=always``) the user gets a
signed, expiring link served by the HTTP app, or, without ``PUBLIC_BASE_URL``, a
plain "too big".
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from concierge.core.messages import (
    MAX_ALBUM,
    Album,
    Button,
    File,
    FileKind,
    MessageHandle,
    Reply,
    Text,
)
from concierge.core.notify import DeliveryFailed, Notifier
from concierge.skills.grab import reencode
from concierge.skills.grab.cache import CachedFile
from concierge.skills.grab.links import Links
from concierge.skills.grab.render import Words
from concierge.skills.grab.settings import GrabConfig
from concierge.storage.repos import UserRecord
from concierge.storage.sent_notices import SentNotices

log = structlog.get_logger(__name__)

_KINDS: dict[str, FileKind] = {"video": "video", "photo": "photo", "audio": "audio"}
MAX_PHOTO = 10 * 1024 * 1024  # a bigger picture goes as a document, outside an album


class DeliveryRetry(Exception):
    """The platform did not take the file this time; the queue retries the job."""


@dataclass(frozen=True, slots=True)
class Delivery:
    notifier: Notifier
    notices: SentNotices
    config: GrabConfig
    links: Links

    async def send(
        self,
        grab_id: int,
        user: UserRecord,
        words: Words,
        files: list[CachedFile],
        converting: Callable[[], Awaitable[None]],
    ) -> int:
        """Send every file not sent yet; the bytes delivered (for the daily quota)."""
        size = 0
        for unit in self._units(files):
            key = f"grab:{grab_id}:file:{unit[0]}"
            group = [files[n] for n in unit]
            if await self.notices.get(key) is None:  # else it went out before a restart
                reply: Reply
                if len(group) > 1:
                    reply = Album(
                        tuple(File(f.path.name, path=f.path, kind=_KINDS[f.kind]) for f in group)
                    )
                else:
                    reply = await self._reply(group[0], words, converting)
                handle = await self._send(user, reply)
                await self.notices.record(key, user.id, handle)
            size += sum(f.path.stat().st_size for f in group)
        return size

    def _units(self, files: list[CachedFile]) -> list[list[int]]:
        """Indexes sent together: photos and videos that fit go as albums of up to 10."""
        units: list[list[int]] = []
        group: list[int] = []
        for n, cached in enumerate(files):
            size = cached.path.stat().st_size
            fits = size <= self.config.upload_limit and (
                cached.kind == "video" or (cached.kind == "photo" and size <= MAX_PHOTO)
            )
            if fits:
                group.append(n)
                if len(group) == MAX_ALBUM:
                    units.append(group)
                    group = []
                continue
            if group:
                units.append(group)
                group = []
            units.append([n])
        if group:
            units.append(group)
        return units

    async def _send(self, user: UserRecord, reply: Reply) -> MessageHandle:
        try:
            return await self.notifier.send(user, reply)
        except DeliveryFailed as exc:
            raise DeliveryRetry(str(exc)) from exc

    async def _reply(
        self, cached: CachedFile, words: Words, converting: Callable[[], Awaitable[None]]
    ) -> Reply:
        path, limit = cached.path, self.config.upload_limit
        kind = _KINDS.get(cached.kind, "document")
        if path.stat().st_size <= limit:
            return File(path.name, path=path, kind=kind)
        if kind == "video" and self.config.links_mode != "always":
            await converting()
            fitted = await reencode.fit(
                path,
                limit,
                min_video_kbps=self.config.min_video_kbps,
                timeout=self.config.timeout,
            )
            if fitted is not None:
                os.replace(fitted, path)  # the cache keeps the version that fits
                log.info("grab_reencoded", size=path.stat().st_size, limit=limit)
                return File(path.name, path=path, kind=kind)
        size = words.size(path.stat().st_size)
        if not self.links.enabled:
            return Text(words.t("grab.error.upload_too_big", name=path.name, size=size))
        url, _ = self.links.url_for(path)
        hours = max(int(self.links.ttl.total_seconds() // 3600), 1)
        text = words.t("grab.link.offer", name=path.name, size=size, hours=hours)
        return Text(text, buttons=((Button(words.t("grab.link.button"), url=url),),))
