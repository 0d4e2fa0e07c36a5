"""/letterboxd, the export-ZIP upload and the feed poll job (thin over ``Letterboxd``).

``/letterboxd name`` follows a member's public diary (checked by reading it once);
``/letterboxd off`` stops; an export ZIP sent as a document is imported. The
poll job runs on a schedule and visits every user who follows a feed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from pydantic import BaseModel
from sqlalchemy import select

from concierge.adapters.errors import ExternalServiceError, NotFound
from concierge.core.inbound import ProcessingFailed
from concierge.core.jobs import JobContext, JobKind
from concierge.core.messages import Attachment, AttachmentKind, Text, literal, rows
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Context
from concierge.skills.memory.letterboxd import MAX_ZIP_BYTES, Letterboxd, NotAnExport, read_export
from concierge.skills.memory.models import ProfileRow
from concierge.skills.memory.profile import ProfileStore
from concierge.storage.db import Database

log = structlog.get_logger(__name__)

POLL = "memory.letterboxd_poll"
UNFOLLOW = "memory.letterboxd.off"
MAX_LISTED = 60


class PollPayload(BaseModel):
    """The poll visits every follower; it needs no arguments."""


class LetterboxdFlows:
    name = "letterboxd-export"

    def __init__(self, service: Letterboxd, profiles: ProfileStore, db: Database) -> None:
        self.service = service
        self.profiles = profiles
        self._db = db

    # --- /letterboxd -----------------------------------------------------------------

    async def command(self, ctx: Context) -> None:
        args = ctx.inbound.args.strip().lstrip("@")
        if not args:
            profile = await self.profiles.get(ctx.user.id)
            if profile.letterboxd is None:
                await ctx.reply(ctx.t("memory.letterboxd.usage"))
                return
            off = await ctx.button(ctx.t("memory.letterboxd.unfollow"), UNFOLLOW, {})
            text = ctx.t("memory.letterboxd.following", member=literal(profile.letterboxd))
            await ctx.reply(Text(text, buttons=rows(off)))
            return
        if args.lower() in ("off", "stop", "выкл"):
            await self.on_unfollow(ctx, {})
            return
        await self.follow(ctx, args)

    async def follow(self, ctx: Context, member: str) -> None:
        try:
            added = await self.service.poll(ctx.user.id, member)
        except NotFound:
            await ctx.reply(ctx.t("memory.letterboxd.no_member", member=literal(member)))
            return
        except ExternalServiceError as exc:
            await ctx.reply(ctx.t("memory.letterboxd.unreachable", reason=exc.kind))
            return
        await self.profiles.update(ctx.user.id, letterboxd=member)
        await ctx.reply(ctx.t("memory.letterboxd.followed", member=literal(member), count=added))

    async def on_unfollow(self, ctx: Context, _payload: dict[str, Any]) -> None:
        await self.profiles.update(ctx.user.id, letterboxd=None)
        await ctx.reply(ctx.t("memory.letterboxd.unfollowed"))

    # --- the export ZIP (an attachment processor) ----------------------------------

    def accepts(self, attachment: Attachment) -> bool:
        name = (attachment.filename or "").lower()
        return attachment.kind is AttachmentKind.DOCUMENT and name.endswith(".zip")

    async def process(self, ctx: Context, attachment: Attachment) -> str | None:
        if attachment.size and attachment.size > MAX_ZIP_BYTES:
            raise ProcessingFailed("memory.letterboxd.too_large")
        if attachment.fetch is None or not self.service.matcher.available:
            raise ProcessingFailed("memory.letterboxd.cannot_import")
        data = await attachment.fetch()
        try:
            export = read_export(data)
        except NotAnExport as exc:
            log.info("letterboxd_export_refused", reason=str(exc))
            raise ProcessingFailed("memory.letterboxd.not_export") from exc
        await ctx.reply(ctx.t("memory.letterboxd.importing", rows=len(export)))
        try:
            report = await self.service.import_rows(ctx.user.id, export)
        except ExternalServiceError as exc:
            raise ProcessingFailed("memory.letterboxd.unreachable", reason=exc.kind) from exc
        lines = [
            ctx.t(
                "memory.letterboxd.imported",
                rows=report.rows,
                films=report.films,
                watched=report.watched,
                rated=report.rated,
                watchlist=report.watchlist,
            )
        ]
        if report.unmatched:
            lines.append(ctx.t("memory.letterboxd.unmatched", count=len(report.unmatched)))
            lines.extend(f"• {literal(name)}" for name in report.unmatched[:MAX_LISTED])
            if len(report.unmatched) > MAX_LISTED:
                lines.append(
                    ctx.t("memory.letterboxd.more", count=len(report.unmatched) - MAX_LISTED)
                )
        await ctx.reply("\n".join(lines))
        return None

    # --- the poll job ----------------------------------------------------------------

    async def run_poll(self, _ctx: JobContext, _payload: PollPayload) -> None:
        async with self._db.session() as s:
            followers = (
                await s.execute(
                    select(ProfileRow.user_id, ProfileRow.letterboxd).where(
                        ProfileRow.letterboxd.is_not(None)
                    )
                )
            ).all()
        added = 0
        for user_id, member in followers:
            try:
                added += await self.service.poll(int(user_id), str(member))
            except ExternalServiceError:
                continue  # logged by the HTTP client; the next tick tries again
        if added:
            log.info("letterboxd_polled", followers=len(followers), added=added)

    def job(self) -> JobKind[PollPayload]:
        return JobKind(POLL, PollPayload, self.run_poll, concurrency=1)

    def schedule(self, minutes: int) -> Schedule:
        return Schedule(POLL, POLL, Every(timedelta(minutes=minutes)), dedupe_key=POLL)
