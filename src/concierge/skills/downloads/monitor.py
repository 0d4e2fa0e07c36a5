"""Completion monitor: polls clients, records finished downloads, delivers notices once.

A finished download and its notice are written in one transaction, and a notice is
marked sent only after the front-end accepted it, so a restart neither loses nor
repeats one. A notice is claimed (``claimed_until``) before it is sent, so two
replicas never send the same one; a failed delivery is retried with back-off.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy import or_, select, update

from concierge.core.i18n import Catalog, resolve_language
from concierge.core.messages import Text, literal
from concierge.core.notify import DeliveryFailed, Notifier, RecipientUnreachable
from concierge.skills.downloads.models import DownloadNoticeRow, DownloadRow
from concierge.skills.downloads.ports import TorrentClientError, TorrentStatus
from concierge.skills.downloads.service import DownloadService
from concierge.storage.db import Database
from concierge.storage.models import utcnow
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

CLAIM = timedelta(minutes=5)  # how long a sender may take before another may retry
MAX_BACKOFF = timedelta(hours=1)
BATCH = 100


class CompletionMonitor:
    def __init__(
        self,
        *,
        db: Database,
        service: DownloadService,
        users: UserRepo,
        notifier: Notifier,
        catalog: Catalog,
        default_language: str,
        retry_base: timedelta = timedelta(seconds=30),
    ) -> None:
        self._retry_base = retry_base
        self._db = db
        self._service = service
        self._users = users
        self._notifier = notifier
        self._catalog = catalog
        self._default_language = default_language

    async def run(self) -> None:
        """The periodic job: poll every client with active downloads, then send what's owed."""
        await self.poll()
        await self.deliver()

    async def poll(self) -> int:
        """Returns how many downloads were found finished in this pass."""
        async with self._db.session() as s:
            keys = list(
                await s.scalars(
                    select(DownloadRow.client_key).where(DownloadRow.status == "active").distinct()
                )
            )
        finished = 0
        for key in keys:
            finished += await self._poll_client(key)
        return finished

    async def _poll_client(self, key: str) -> int:
        choice = await self._service.choice_by_key(key)
        if choice is None:
            log.warning("download_client_gone", client=key)
            return 0
        client = self._service.open(choice.config)
        try:
            statuses = {status.info_hash: status for status in await client.list()}
        except TorrentClientError as exc:
            log.warning(
                "download_poll_failed", client=key, kind=choice.config.kind, reason=str(exc)
            )
            return 0
        finally:
            await client.close()
        async with self._db.session() as s:
            rows = list(
                await s.scalars(
                    select(DownloadRow).where(
                        DownloadRow.client_key == key, DownloadRow.status == "active"
                    )
                )
            )
        finished = 0
        for row in rows:
            status = statuses.get(row.info_hash)
            if status is None:
                await self._mark(row.id, status="missing")
                log.info("download_missing_from_client", download=row.id, client=key)
            elif status.complete:
                finished += await self._finish(row.id, status, seedbox=choice.seedbox)
            else:
                await self._mark(row.id, progress=status.progress, size_bytes=status.size_bytes)
        return finished

    async def _mark(self, download_id: int, **values: object) -> None:
        async with self._db.session() as s:
            await s.execute(
                update(DownloadRow)
                .where(DownloadRow.id == download_id, DownloadRow.status == "active")
                .values(**values)
            )

    async def _finish(self, download_id: int, status: TorrentStatus, *, seedbox: bool) -> int:
        async with self._db.session() as s:
            result = await s.execute(
                update(DownloadRow)
                .where(DownloadRow.id == download_id, DownloadRow.status == "active")
                .values(
                    status="complete",
                    progress=1.0,
                    size_bytes=status.size_bytes,
                    save_path=status.save_path[:1000],
                    completed_at=utcnow(),
                    sync_state="pending" if seedbox else "none",
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return 0  # another replica got there first
            s.add(DownloadNoticeRow(download_id=download_id, kind="complete", attempts=0))
        log.info("download_complete", download=download_id, seedbox=seedbox)
        return 1

    async def add_notice(self, download_id: int, kind: str) -> None:
        """Owe the user a notice (idempotent per download and kind)."""
        async with self._db.session() as s:
            exists = await s.scalar(
                select(DownloadNoticeRow.id).where(
                    DownloadNoticeRow.download_id == download_id, DownloadNoticeRow.kind == kind
                )
            )
            if exists is None:
                s.add(DownloadNoticeRow(download_id=download_id, kind=kind, attempts=0))

    async def deliver(self) -> int:
        """Send every notice that is owed and not being sent elsewhere; returns how many went."""
        now = utcnow()
        async with self._db.session() as s:
            due = list(
                await s.scalars(
                    select(DownloadNoticeRow.id)
                    .where(
                        DownloadNoticeRow.sent_at.is_(None),
                        or_(
                            DownloadNoticeRow.claimed_until.is_(None),
                            DownloadNoticeRow.claimed_until < now,
                        ),
                    )
                    .order_by(DownloadNoticeRow.id)
                    .limit(BATCH)
                )
            )
        sent = 0
        for notice_id in due:
            sent += await self._deliver_one(notice_id)
        return sent

    async def _claim(self, notice_id: int) -> DownloadNoticeRow | None:
        now = utcnow()
        async with self._db.session() as s:
            result = await s.execute(
                update(DownloadNoticeRow)
                .where(
                    DownloadNoticeRow.id == notice_id,
                    DownloadNoticeRow.sent_at.is_(None),
                    or_(
                        DownloadNoticeRow.claimed_until.is_(None),
                        DownloadNoticeRow.claimed_until < now,
                    ),
                )
                .values(claimed_until=now + CLAIM)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return await s.get(DownloadNoticeRow, notice_id)

    async def _deliver_one(self, notice_id: int) -> int:
        notice = await self._claim(notice_id)
        if notice is None:
            return 0
        async with self._db.session() as s:
            download = await s.get(DownloadRow, notice.download_id)
        user = await self._users.get(download.user_id) if download is not None else None
        if download is None or user is None:
            await self._settle(notice_id, error="download or user no longer exists", sent=True)
            return 0
        lang = resolve_language(user.language, user.platform_language, self._default_language)
        key = {
            "ready": "downloads.notice.synced",
            "complete": (
                "downloads.notice.on_seedbox"
                if download.sync_state == "pending"
                else "downloads.notice.ready"
            ),
        }.get(notice.kind, "downloads.notice.ready")
        text = self._catalog.t(key, lang, name=literal(download.name))
        try:
            await self._notifier.send(user, Text(text))
        except (DeliveryFailed, RecipientUnreachable) as exc:
            reason = str(exc) or type(exc).__name__
            log.warning(
                "download_notice_undelivered",
                notice=notice_id,
                user=user.key,
                attempt=notice.attempts + 1,
                reason=reason,
            )
            await self._settle(notice_id, error=reason, sent=False, attempts=notice.attempts + 1)
            return 0
        await self._settle(notice_id, error=None, sent=True)
        log.info("download_notice_sent", notice=notice_id, user=user.key, kind=notice.kind)
        return 1

    async def _settle(
        self, notice_id: int, *, error: str | None, sent: bool, attempts: int | None = None
    ) -> None:
        values: dict[str, object] = {"last_error": error[:300] if error else None}
        if sent:
            values["sent_at"] = utcnow()
        else:
            backoff = min(self._retry_base * 2 ** min((attempts or 1) - 1, 10), MAX_BACKOFF)
            values.update(attempts=attempts, claimed_until=utcnow() + backoff)
        async with self._db.session() as s:
            await s.execute(
                update(DownloadNoticeRow).where(DownloadNoticeRow.id == notice_id).values(**values)
            )
