"""Voice notes, audio files and video notes → the text the user said, shown first.

The ``VoiceProcessor`` is an ``AttachmentProcessor``: the dispatcher hands it the
attachment after the access check. Where the platform's front-end can fetch the file
again by its id (``core/relay.py``), the note becomes a ``voice.transcribe`` job in the
user's lane (``jobs.py``): the update only shows the progress message and queues it, so
a restart or ``kill -9`` loses nothing, and the job hands the transcript back to the
dispatcher as typed text. Elsewhere (a front-end that cannot, or no job engine) the note
is heard inline in the update, and its text routed with the message as before. Either
way the text is handled exactly as if typed: a command, an open flow such as a retro
step, or the agent.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import timedelta

import structlog

from concierge.core.deps import CoreServices
from concierge.core.dispatch import CANCEL_ACTION
from concierge.core.inbound import ProcessingFailed
from concierge.core.messages import Attachment, AttachmentKind, Button, Text, rows
from concierge.core.metrics import Metrics
from concierge.core.skill import Context
from concierge.services.transcriber import Transcriber
from concierge.services.voice import AudioWorkshop
from concierge.skills.voice import jobs
from concierge.skills.voice.models import TranscriptionLog
from concierge.skills.voice.notes import VoiceNotes
from concierge.skills.voice.transcription import Progress, Transcription

log = structlog.get_logger(__name__)

AUDIO_EXTENSIONS = (".ogg", ".oga", ".opus", ".mp3", ".m4a", ".wav", ".flac", ".aac", ".webm")


def wants(attachment: Attachment) -> bool:
    """Voice notes, audio, video notes and videos, and documents that claim to be audio."""
    if attachment.kind in (AttachmentKind.VOICE, AttachmentKind.AUDIO, AttachmentKind.VIDEO):
        return True
    if attachment.kind is not AttachmentKind.DOCUMENT:
        return False
    mime = (attachment.mime_type or "").lower()
    name = (attachment.filename or "").lower()
    return mime.startswith("audio/") or name.endswith(AUDIO_EXTENSIONS)


class NoteQueue:
    """Turns a note into a stored row, a progress message and a ``voice.transcribe`` job."""

    def __init__(self, core: CoreServices, notes: VoiceNotes) -> None:
        self.core = core
        self.notes = notes

    def serves(self, platform: str) -> bool:
        """Whether a job can hear this platform's notes (fetch again, answer in the chat)."""
        return self.core.relay.bound and self.core.notifier.channel(platform) is not None

    async def submit(self, ctx: Context, attachment: Attachment) -> None:
        inbound = ctx.inbound
        note = await self.notes.add(
            user_id=ctx.user.id,
            chat=inbound.chat,
            message_id=inbound.message_id,
            attachment=attachment,
            lang=ctx.lang,
            handle=None,
        )
        cancel = await ctx.button(
            ctx.t("voice.cancel"), jobs.CANCEL_ACTION, {"note_id": note.id}, timedelta(days=2)
        )
        handle = await ctx.reply(Text(ctx.t("voice.queued"), buttons=rows(cancel)))
        if handle is not None:
            await self.notes.set(note.id, handle=handle)
        job_id = await self.core.jobs.enqueue(
            jobs.KIND,
            jobs.TranscribePayload(note_id=note.id),
            dedupe_key=note.route_key,
            lane=f"voice:{ctx.user.id}",
            user_id=ctx.user.id,
        )
        await self.notes.set(note.id, job_id=job_id)
        log.info("voice_queued", user=ctx.user.key, note=note.id, job=job_id)


class VoiceProcessor:
    name = "voice"

    def __init__(
        self,
        *,
        workshop: AudioWorkshop,
        transcriber: Transcriber | None,
        usage: TranscriptionLog,
        metrics: Metrics,
        queue: NoteQueue | None = None,
    ) -> None:
        self.work = Transcription(
            workshop=workshop, transcriber=transcriber, usage=usage, metrics=metrics
        )
        self.queue = queue

    @property
    def transcriber(self) -> Transcriber | None:
        return self.work.transcriber

    def accepts(self, attachment: Attachment) -> bool:
        return wants(attachment)

    async def process(self, ctx: Context, attachment: Attachment) -> str | None:
        if self.work.transcriber is None:
            raise ProcessingFailed("voice.off")
        self.work.workshop.check_declared(attachment.size, attachment.duration)
        if self.queue is not None and self.queue.serves(ctx.inbound.chat.platform):
            await self.queue.submit(ctx, attachment)
            return None  # the job answers when it has heard the note
        return await self._inline(ctx, attachment)

    async def _inline(self, ctx: Context, attachment: Attachment) -> str:
        """Heard within the update; *Cancel* (``core.cancel``) cancels the update itself."""

        async def cancel_button() -> Button:
            return await ctx.button(ctx.t("voice.cancel"), CANCEL_ACTION, {"what": "voice"})

        async def fetch() -> bytes:
            if attachment.fetch is None:
                raise OSError("the front-end gave no way to fetch this file")
            return await attachment.fetch()

        progress = Progress(ctx.outbox, ctx.t, cancel_button, ctx.user.key)
        try:
            return await self.work.run(
                user_id=ctx.user.id,
                lang=ctx.lang,
                fetch=fetch,
                declared_seconds=attachment.duration,
                progress=progress,
            )
        except asyncio.CancelledError:
            with suppress(Exception):  # say so before the cancellation goes on
                await asyncio.shield(progress.show(ctx.t("voice.cancelled"), cancellable=False))
            log.info("voice_cancelled", user=ctx.user.key)
            raise
        except ProcessingFailed:
            await progress.remove()
            raise
