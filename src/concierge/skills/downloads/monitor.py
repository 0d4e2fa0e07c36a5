"""Completion monitor: a job that polls clients, records finished downloads, owes notices.

A schedule enqueues ``downloads.poll`` (deduplicated, so ticks never pile up); the job
polls every client with active downloads at once. A finished download and the notice
it owes are written in one transaction; the notice then goes out as a ``notify.send``
job keyed by the notice (retries, back-off and pacing are the job engine's), so a
restart or a replica neither loses nor repeats one.
"""

from __future__ import annotations

import asyncio

import structlog
from pydantic import BaseModel
from sqlalchemy import select, update

from concierge.core.i18n import Catalog, resolve_language
from concierge.core.jobs import JobContext, JobKind, Jobs, Retry
from concierge.core.messages import Text, literal
from concierge.core.notify import Notifier
from concierge.skills.downloads.models import DownloadNoticeRow, DownloadRow
from concierge.skills.downloads.ports import TorrentClientError, TorrentStatus
from concierge.skills.downloads.service import DownloadService
from concierge.storage.db import Database
from concierge.storage.models import utcnow
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

BATCH = 100
POLL_KIND = "downloads.poll"


class PollPayload(BaseModel):
    """A poll needs no arguments: it looks at every active download."""


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
        jobs: Jobs,
    ) -> None:
        self._jobs = jobs
        self._db = db
        self._service = service
        self._users = users
        self._notifier = notifier
        self._catalog = catalog
        self._default_language = default_language

    def job_kind(self) -> JobKind[PollPayload]:
        return JobKind(POLL_KIND, PollPayload, self._run_job, retry=Retry(max_attempts=3))

    async def _run_job(self, _ctx: JobContext, _payload: PollPayload) -> None:
        await self.run()

    async def run(self) -> None:
        """Poll every client with active downloads, then queue what's owed."""
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
        return sum(await asyncio.gather(*(self._poll_client(key) for key in keys)))

    async def _poll_client(self, key: str) -> int:
        choice = await self._service.choice_by_key(key)
        if choice is None:
            log.warning("download_client_gone", client=key)
            return 0
        client = self._service.open(choice)
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
            s.add(DownloadNoticeRow(download_id=download_id, kind="complete"))
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
                s.add(DownloadNoticeRow(download_id=download_id, kind=kind))

    async def deliver(self) -> int:
        """Hand every owed notice to the notifier's jobs; returns how many were queued.

        The job's key is the notice's id: queueing one again (a crash before ``queued_at``
        was written) is a no-op while it waits and is skipped by its record once it went out.
        """
        async with self._db.session() as s:
            owed = list(
                await s.scalars(
                    select(DownloadNoticeRow)
                    .where(DownloadNoticeRow.queued_at.is_(None))
                    .order_by(DownloadNoticeRow.id)
                    .limit(BATCH)
                )
            )
        for notice in owed:
            await self._queue(notice)
        return len(owed)

    async def _queue(self, notice: DownloadNoticeRow) -> None:
        async with self._db.session() as s:
            download = await s.get(DownloadRow, notice.download_id)
        user = await self._users.get(download.user_id) if download is not None else None
        if download is not None and user is not None:
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
            await self._notifier.enqueue(user, Text(text), key=f"downloads.notice:{notice.id}")
            log.info("download_notice_queued", notice=notice.id, user=user.key, kind=notice.kind)
        async with self._db.session() as s:
            await s.execute(
                update(DownloadNoticeRow)
                .where(DownloadNoticeRow.id == notice.id)
                .values(queued_at=utcnow())
            )
