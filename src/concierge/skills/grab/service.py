"""Grab: a link becomes a queued job; the job downloads it in a child and delivers it.

Delivery is at-least-once like every job: each file goes out under the key
``grab:<id>:file:<n>`` in ``sent_notices`` (checked before, written after sending), so a
job that runs again after a crash or ``kill -9`` sends only what did not go out yet.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import structlog
from pydantic import BaseModel
from sqlalchemy import select, update

from concierge.core.access import Role
from concierge.core.buttons import ButtonStore
from concierge.core.deps import CoreServices
from concierge.core.i18n import resolve_language
from concierge.core.jobs import JobContext, JobKind, PermanentJobError, Retry
from concierge.core.messages import MessageHandle, Text
from concierge.core.urlguard import UnsafeURL, check_url
from concierge.skills.grab import render, router
from concierge.skills.grab.admission import KIND, Admission, Refused
from concierge.skills.grab.cache import FileCache, url_key
from concierge.skills.grab.delivery import Delivery
from concierge.skills.grab.links import Links
from concierge.skills.grab.metrics import GrabMetrics
from concierge.skills.grab.models import GrabRow
from concierge.skills.grab.progress import ProgressMessage
from concierge.skills.grab.protocol import ChildSpec, Event
from concierge.skills.grab.runner import ChildPool, run_child
from concierge.skills.grab.settings import GrabConfig
from concierge.storage.repos import UserRecord
from concierge.storage.sent_notices import SentNotices

log = structlog.get_logger(__name__)

SendReply = Callable[[Text], Awaitable[MessageHandle | None]]


class GrabPayload(BaseModel):
    grab_id: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """One run of a grab's job: what its steps share."""

    ctx: JobContext
    row: GrabRow
    user: UserRecord
    words: render.Words
    progress: ProgressMessage
    folder: Path


class GrabError(Exception):
    """A transient failure: the queue tries again later."""


def _endpoint(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{parts.hostname}:{port}"


def _fresh(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


class GrabService:
    def __init__(self, core: CoreServices, config: GrabConfig, links: Links) -> None:
        self.core = core
        self.config = config
        self.admission = Admission(core.db, core.jobs, core.clock, config.limits)
        self.cache = FileCache(core.db, config.work_dir / "cache", core.clock, config.storage_bytes)
        self.notices = SentNotices(core.db)
        self.buttons: ButtonStore = core.buttons
        self._routes = dict(config.routes)
        self.delivery = Delivery(core.notifier, self.notices, config, links)
        self.metrics = GrabMetrics(core.metrics)
        self._router_lock = asyncio.Lock()
        self.children = ChildPool(config.spare_children)

    def job_kind(self) -> JobKind[GrabPayload]:
        return JobKind(
            KIND,
            GrabPayload,
            self.run,
            retry=Retry(max_attempts=4),
            concurrency=self.config.limits.max_running,
            timeout=self.config.timeout + 600,  # the child has its own timeout; this is a backstop
        )

    def may_reach_private(self, user: UserRecord) -> bool:
        return self.config.allow_private or user.role.allows(Role.ADMIN)

    # --- accepting a link ----------------------------------------------------------

    async def submit(self, user: UserRecord, lang: str, url: str, reply: SendReply) -> str:
        """Check, reply with the queue position, queue. The reply's text, for the model."""
        words = render.Words(self.core.catalog, lang)
        try:
            if _endpoint(url) not in self.config.trusted_endpoints:
                await check_url(
                    url, allow_private=self.may_reach_private(user), resolver=self.config.resolver
                )
        except UnsafeURL as exc:
            log.info("grab_url_refused", user=user.key, refusal=exc.refusal.value)
            text = words.t(f"grab.unsafe.{exc.refusal.value}")
            await reply(Text(text))
            return text
        slot = await self.admission.check(user.id)
        if isinstance(slot, Refused):
            log.info("grab_limit", user=user.key, limit=slot.limit)
            text = render.refused(words, slot.limit, slot.value)
            await reply(Text(text))
            return text
        text = render.queued(words, url, slot.position)
        handle = await reply(Text(text))
        async with self.core.db.session() as s:
            row = GrabRow(
                user_id=user.id,
                url=url,
                url_key=url_key(url),
                lang=lang,
                handle=handle.to_dict() if handle is not None else None,
                created_at=self.core.clock.now(),
            )
            s.add(row)
            await s.flush()
            grab_id = row.id
        job_id = await self.core.jobs.enqueue(
            KIND,
            GrabPayload(grab_id=grab_id),
            dedupe_key=f"grab:{grab_id}",
            lane=slot.lane,
            priority=slot.priority,
            user_id=user.id,
        )
        await self._set(grab_id, job_id=job_id)
        self.metrics.queue_depth.set(len(await self.admission.waiting()))
        log.info("grab_queued", user=user.key, grab=grab_id, job=job_id, position=slot.position)
        return text

    async def _set(self, grab_id: int, **values: object) -> None:
        async with self.core.db.session() as s:
            await s.execute(update(GrabRow).where(GrabRow.id == grab_id).values(**values))

    async def get(self, grab_id: int) -> GrabRow | None:
        async with self.core.db.session() as s:
            return await s.get(GrabRow, grab_id)

    # --- the job ---------------------------------------------------------------------

    async def run(self, ctx: JobContext, payload: GrabPayload) -> None:
        row = await self.get(payload.grab_id)
        if row is None:
            raise PermanentJobError(f"grab {payload.grab_id} is gone")
        if row.status in ("done", "failed", "cancelled"):
            return  # finished before a crash hid it from the engine
        user = await self.core.users.get(row.user_id)
        if user is None:
            raise PermanentJobError(f"user {row.user_id} no longer exists")
        lang = resolve_language(user.language, user.platform_language, row.lang)
        words = render.Words(self.core.catalog, lang)
        progress = self._progress(row, words)
        await self._set(row.id, status="running")
        folder = self.config.work_dir / "jobs" / str(row.id)
        try:
            await self._run(Attempt(ctx, row, user, words, progress, folder))
        except asyncio.CancelledError:
            if await ctx.cancel_requested():
                await self._finish(row.id, "cancelled")
                await progress.show(words.t("grab.progress.cancelled"), final=True)
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _progress(self, row: GrabRow, words: render.Words) -> ProgressMessage:
        return ProgressMessage(
            db=self.core.db,
            notifier=self.core.notifier,
            buttons=self.buttons,
            clock=self.core.clock,
            words=words,
            grab_id=row.id,
            user_id=row.user_id,
            handle=row.handle,
        )

    async def _run(self, a: Attempt) -> None:
        row, user, words, progress, folder = a.row, a.user, a.words, a.progress, a.folder
        cached = await self.cache.get(row.url_key)
        if cached is None:
            await asyncio.to_thread(_fresh, folder)  # a fresh folder for every attempt
            downloaded = await self._download(a)
            cached = await self.cache.put(row.url_key, downloaded)
            from_cache = False
        else:
            log.info("grab_cache_hit", grab=row.id)
            from_cache = True
        await progress.show(render.phase(words, "uploading", row.url), final=True)
        size = await self.delivery.send(
            row.id,
            user,
            words,
            cached,
            lambda: progress.show(render.phase(words, "converting", row.url), final=True),
        )
        await self._finish(row.id, "done", size_bytes=size)
        self.metrics.bytes.inc(size)
        await progress.show(render.done(words, row.url, len(cached), size, from_cache), final=True)

    async def _download(self, a: Attempt) -> list[tuple[Path, str]]:
        ctx, row, user, words, progress, folder = (
            a.ctx,
            a.row,
            a.user,
            a.words,
            a.progress,
            a.folder,
        )
        tool = await self._route(row.url)
        await self._set(row.id, tool=tool)
        spec = ChildSpec(
            url=row.url,
            folder=str(folder),
            tool=tool,
            allow_private=self.may_reach_private(user),
            trusted=sorted(self.config.trusted_endpoints),
            max_bytes=self.config.max_file_bytes,
            max_duration=self.config.max_duration,
            cookies=self._cookies(row.url),
            memory_mb=self.config.memory_mb,
        )
        await progress.show(render.phase(words, "starting", row.url), final=True)

        async def on_event(event: Event) -> None:
            if event.type == "progress":
                text = render.downloading(
                    words,
                    row.url,
                    done=event.downloaded or 0,
                    total=event.total,
                    speed=event.speed,
                    eta=event.eta,
                    items=event.total is None and (event.downloaded or 0) < 1000,
                )
                await progress.show(text)
            elif event.type == "phase" and event.phase == "converting":
                await progress.show(render.phase(words, "converting", row.url), final=True)
            elif event.type == "route" and event.tool:
                await self._set(row.id, tool=event.tool)

        self.metrics.queue_depth.set(len(await self.admission.waiting()))
        started = time.monotonic()
        with self.metrics.active.track_inprogress():
            result = await run_child(
                spec, on_event, timeout=self.config.timeout, pool=self.children
            )
        if result.error is None:
            got = sum(path.stat().st_size for path, _ in result.files)
            self.metrics.speed.observe(got / max(time.monotonic() - started, 1e-3))
            return result.files
        reason = result.error
        self.metrics.failures.labels(reason.value).inc()
        log.warning(
            "grab_failed", grab=row.id, reason=reason.value, attempt=ctx.attempt, tool=result.tool
        )
        if reason.transient and ctx.attempt < self.job_kind().retry.max_attempts:
            await progress.show(
                words.t("grab.progress.retrying", url=render.shown_url(row.url)), final=True
            )
            raise GrabError(f"{reason.value}: {result.detail[:300]}")
        await self._finish(row.id, "failed", reason=reason.value)
        await progress.show(render.failed(words, row.url, reason.value), final=True)
        raise PermanentJobError(f"{reason.value}: {result.detail[:300]}")

    async def sweep_orphans(self) -> int:
        """Remove job folders no live grab owns (left by a crash); how many."""
        jobs = self.config.work_dir / "jobs"
        if not jobs.is_dir():
            return 0
        async with self.core.db.session() as s:
            live = {
                str(i)
                for i in await s.scalars(
                    select(GrabRow.id).where(GrabRow.status.in_(("queued", "running")))
                )
            }
        removed = 0
        for folder in jobs.iterdir():
            if folder.name not in live:
                await asyncio.to_thread(shutil.rmtree, folder, True)
                removed += 1
        return removed

    async def _route(self, url: str) -> str:
        """The tool for ``url``; the first call builds the libraries' extractor lists."""
        async with self._router_lock:
            return await asyncio.to_thread(router.choose, url, self._routes)

    def _cookies(self, url: str) -> str | None:
        """The operator's cookie file for this URL's host (or a parent domain), if any."""
        folder = self.config.cookies_dir
        host = (urlsplit(url).hostname or "").lower()
        while folder is not None and host:
            candidate = folder / f"{host}.txt"
            if candidate.is_file():
                return str(candidate)
            host = host.partition(".")[2]
        return None

    async def _finish(self, grab_id: int, status: str, **values: object) -> None:
        await self._set(grab_id, status=status, finished_at=self.core.clock.now(), **values)

    # --- the user's queue ----------------------------------------------------------------

    async def cancel(self, user: UserRecord, grab_id: int) -> str:
        """ "cancelled" (was waiting), "stopping" (running: the job stops its child), or
        "gone" (finished, or not this user's)."""
        row = await self.get(grab_id)
        if row is None or row.job_id is None:
            return "gone"
        if row.user_id != user.id and not user.role.allows(Role.ADMIN):
            return "gone"
        before = await self.core.jobs.get(row.job_id)
        if before is None or not await self.core.jobs.cancel(row.job_id):
            return "gone"
        if before.state.value == "queued":
            after = await self.core.jobs.get(row.job_id)
            if after is not None and after.state.value == "cancelled":
                await self._finish(grab_id, "cancelled")
                words = render.Words(self.core.catalog, row.lang)
                message = self._progress(row, words)
                await message.show(words.t("grab.progress.cancelled"), final=True)
                return "cancelled"
        return "stopping"
