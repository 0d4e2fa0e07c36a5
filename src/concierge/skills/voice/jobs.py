"""``voice.transcribe``: a voice note heard in the user's job lane, surviving restarts.

The update only sends the progress message, stores the note (``voice_notes``) and
queues this job. The job fetches the file again through the platform's front-end by its
storable id, edits the same progress message, and hands the transcript to the
dispatcher as if the user had typed it. Delivery is at-least-once: a run after a crash
transcribes again, but the hand-back is recorded under ``voice:<note id>`` (like an
update id), so the text is routed once.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from pydantic import BaseModel

from concierge.core.buttons import ButtonStore
from concierge.core.deps import CoreServices
from concierge.core.i18n import resolve_language
from concierge.core.inbound import ProcessingFailed
from concierge.core.jobs import JobContext, JobKind, PermanentJobError, Retry
from concierge.core.messages import Button, MessageHandle, Reply, Text
from concierge.core.notify import DeliveryFailed, Notifier
from concierge.core.skill import Context
from concierge.skills.voice.notes import FINISHED, VoiceNote, VoiceNotes
from concierge.skills.voice.transcription import Progress, RetryLater, Transcription
from concierge.storage.repos import UserRecord

log = structlog.get_logger(__name__)

KIND = "voice.transcribe"
CANCEL_ACTION = "voice.cancel"
RETRY = Retry(max_attempts=4, base=timedelta(seconds=5))
BACKSTOP_SECONDS = 3600.0  # ffmpeg and the transcriber have their own, shorter limits


class TranscribePayload(BaseModel):
    note_id: int


@dataclass(frozen=True, slots=True)
class NotifierSink:
    """The progress message from a job: edited by its stored handle through the Notifier."""

    notifier: Notifier
    user: UserRecord

    async def send(self, reply: Reply) -> MessageHandle | None:
        return await self.notifier.send(self.user, reply)

    async def edit(self, handle: MessageHandle, reply: Text) -> MessageHandle:
        return await self.notifier.edit(handle, reply)

    async def delete_message(self, handle: MessageHandle) -> bool:
        return await self.notifier.delete(handle)


class TranscribeJob:
    def __init__(
        self, core: CoreServices, notes: VoiceNotes, buttons: ButtonStore, work: Transcription
    ) -> None:
        self.core = core
        self.notes = notes
        self.buttons = buttons
        self.work = work

    def kind(self) -> JobKind[TranscribePayload]:
        return JobKind(KIND, TranscribePayload, self.run, retry=RETRY, timeout=BACKSTOP_SECONDS)

    async def run(self, ctx: JobContext, payload: TranscribePayload) -> None:
        note = await self.notes.get(payload.note_id)
        if note is None:
            raise PermanentJobError(f"voice note {payload.note_id} is gone")
        if note.status in FINISHED:
            return  # finished before a crash hid it from the engine
        user = await self.core.users.get(note.user_id)
        if user is None:
            raise PermanentJobError(f"user {note.user_id} no longer exists")
        lang = resolve_language(user.language, user.platform_language, note.lang)
        progress = self._progress(note, user, lang)
        await self.notes.set(note.id, status="running")
        # the words are not stored (they are the user's): a run after a crash transcribes
        # again, and the route key below keeps the text from being handled twice
        text = await self._transcribe(ctx, note, user, lang, progress)
        await self.notes.set(note.id, status="transcribed")
        await self.core.relay.dispatch_as_typed(
            user.id, note.chat, text, key=note.route_key, message_id=note.message_id
        )
        await self.notes.set(note.id, status="done")

    async def _transcribe(
        self, ctx: JobContext, note: VoiceNote, user: UserRecord, lang: str, progress: Progress
    ) -> str:
        def t(key: str, **values: object) -> str:
            return self.core.catalog.t(key, lang, **values)

        async def fetch() -> bytes:
            channel = self.core.notifier.channel(note.chat.platform)
            if channel is None:
                raise RetryLater(f"no {note.chat.platform} front-end is running")
            try:
                return await channel.fetch_attachment(note.file_id)
            except DeliveryFailed as exc:
                raise RetryLater(str(exc)) from exc

        try:
            self.work.workshop.check_declared(note.size, note.duration)
            return await self.work.run(
                user_id=user.id,
                lang=lang,
                fetch=fetch,
                declared_seconds=note.duration,
                progress=progress,
            )
        except asyncio.CancelledError:
            if await ctx.cancel_requested():  # the Cancel button, not a shutdown
                await self.notes.set(note.id, status="cancelled")
                with suppress(Exception):
                    await asyncio.shield(progress.show(t("voice.cancelled"), cancellable=False))
                log.info("voice_cancelled", user=user.key, note=note.id)
            raise
        except RetryLater as exc:
            if ctx.attempt < RETRY.max_attempts:
                log.info("voice_fetch_later", note=note.id, attempt=ctx.attempt, error=str(exc))
                raise
            return await self._fail(note, progress, t, ProcessingFailed("voice.download_failed"))
        except ProcessingFailed as exc:
            return await self._fail(note, progress, t, exc)
        except Exception:  # unexpected (the engine logs it and retries): the last try says so
            if ctx.attempt >= RETRY.max_attempts:
                await self.notes.set(note.id, status="failed")
                await progress.show(t("voice.failed"), cancellable=False)
            raise

    async def _fail(
        self, note: VoiceNote, progress: Progress, t: Any, exc: ProcessingFailed
    ) -> str:
        """Say why in the progress message itself, and end the job failed (no retry)."""
        await self.notes.set(note.id, status="failed")
        await progress.show(t(exc.key, **exc.values), cancellable=False)
        raise PermanentJobError(f"voice note {note.id}: {exc.key}") from exc

    def _progress(self, note: VoiceNote, user: UserRecord, lang: str) -> Progress:
        async def cancel_button() -> Button:
            button_id = await self.buttons.create(
                owner_user_id=user.id,
                action=CANCEL_ACTION,
                payload={"note_id": note.id},
                ttl=timedelta(days=2),
            )
            return Button(self.core.catalog.t("voice.cancel", lang), id=button_id)

        async def keep(handle: MessageHandle) -> None:
            await self.notes.set(note.id, handle=handle)

        return Progress(
            NotifierSink(self.core.notifier, user),
            lambda key, **values: self.core.catalog.t(key, lang, **values),
            cancel_button,
            user.key,
            handle=note.handle,
            on_handle=keep,
        )

    async def cancel(self, ctx: Context, payload: dict[str, Any]) -> None:
        """The progress message's *Cancel*: stop the job (queued: now; running: its
        ffmpeg is killed and the transcriber stops at its next segment)."""
        note = await self.notes.get(int(payload.get("note_id", 0)))
        if note is None or note.user_id != ctx.user.id or note.job_id is None:
            await ctx.reply(ctx.t("buttons.expired"))
            return
        before = await self.core.jobs.get(note.job_id)
        if not await self.core.jobs.cancel(note.job_id):
            log.info("voice_cancel_too_late", note=note.id, status=note.status)
            return  # finished already: its transcript is shown
        if before is not None and before.state.value == "queued":  # never started: say so
            await self.notes.set(note.id, status="cancelled")
            if note.handle is not None:
                with suppress(Exception):
                    await ctx.outbox.edit(note.handle, Text(ctx.t("voice.cancelled")))
        log.info("voice_cancel_asked", user=ctx.user.key, note=note.id)
