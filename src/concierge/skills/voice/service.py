"""Voice notes, audio files and video notes → the text the user said, shown first.

The ``VoiceProcessor`` is an ``AttachmentProcessor``: the dispatcher hands it the
attachment after the access check, and the text it returns is routed exactly as if the
user had typed it (a command, an open flow such as a retro step, or the agent). One
progress message is edited as the work goes (downloading → converting → transcribing,
with an estimate → "🎙 <transcript>"); its *Cancel* button (``core.cancel``) makes the
dispatcher cancel this update, which kills ffmpeg and stops the transcriber at its next
segment. Audio lives only in temporary files removed in every case; transcripts are
never logged.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass

import structlog

from concierge.core.dispatch import CANCEL_ACTION
from concierge.core.inbound import ProcessingFailed
from concierge.core.messages import (
    Attachment,
    AttachmentKind,
    ButtonRows,
    MessageHandle,
    Text,
    literal,
    rows,
)
from concierge.core.metrics import Metrics
from concierge.core.skill import Context
from concierge.services.transcriber import Transcriber
from concierge.services.voice import AudioWorkshop
from concierge.skills.voice.models import TranscriptionLog

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


def clock_face(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass
class Progress:
    """The one progress message of a transcription, edited in place."""

    ctx: Context
    handle: MessageHandle | None = None

    async def show(self, text: str, *, cancellable: bool = True) -> None:
        buttons: ButtonRows = ()
        if cancellable:
            cancel = await self.ctx.button(
                self.ctx.t("voice.cancel"), CANCEL_ACTION, {"what": "voice"}
            )
            buttons = rows(cancel)
        reply = Text(text, buttons=buttons)
        try:
            if self.handle is None:
                self.handle = await self.ctx.outbox.send(reply)
            else:
                self.handle = await self.ctx.outbox.edit(self.handle, reply)
        except asyncio.CancelledError:
            raise
        except Exception:  # a progress edit is cosmetic: the transcription goes on
            log.warning("voice_progress_edit_failed", user=self.ctx.user.key, exc_info=True)

    async def remove(self) -> None:
        """Take the progress message away (the reason for a failure follows it)."""
        if self.handle is None:
            return
        try:
            if not await self.ctx.outbox.delete_message(self.handle):
                await self.ctx.outbox.edit(self.handle, Text(self.ctx.t("voice.failed")))
        except Exception:
            log.warning("voice_progress_remove_failed", user=self.ctx.user.key, exc_info=True)


class VoiceProcessor:
    name = "voice"

    def __init__(
        self,
        *,
        workshop: AudioWorkshop,
        transcriber: Transcriber | None,
        usage: TranscriptionLog,
        metrics: Metrics,
    ) -> None:
        self.workshop = workshop
        self.transcriber = transcriber
        self.usage = usage
        self.metrics = metrics

    def accepts(self, attachment: Attachment) -> bool:
        return wants(attachment)

    async def process(self, ctx: Context, attachment: Attachment) -> str:
        if self.transcriber is None:
            raise ProcessingFailed("voice.off")
        self.workshop.check_declared(attachment.size, attachment.duration)
        progress = Progress(ctx)
        started = time.monotonic()
        try:
            text = await self._work(ctx, attachment, progress, self.transcriber, started)
        except asyncio.CancelledError:
            with suppress(Exception):  # say so before the cancellation goes on
                await asyncio.shield(progress.show(ctx.t("voice.cancelled"), cancellable=False))
            log.info("voice_cancelled", user=ctx.user.key)
            raise
        except ProcessingFailed as exc:
            await progress.remove()
            self.metrics.transcriptions.labels(self.transcriber.name, exc.key).inc()
            raise
        return text

    async def _work(
        self,
        ctx: Context,
        attachment: Attachment,
        progress: Progress,
        transcriber: Transcriber,
        started: float,
    ) -> str:
        await progress.show(ctx.t("voice.downloading"))
        data = await self._download(ctx, attachment)
        async with self.workshop.workspace() as base:
            await progress.show(ctx.t("voice.converting"))
            wav, probe = await self.workshop.prepare(data, base)
            del data
            seconds = probe.seconds or float(attachment.duration or 0)
            estimate = max(1, round(transcriber.estimate(seconds)))
            await progress.show(
                ctx.t("voice.transcribing", minutes=clock_face(seconds), seconds=estimate)
            )
            transcribing = time.monotonic()
            try:
                transcript = await transcriber.transcribe(wav, audio_seconds=seconds, hint=ctx.lang)
            except ProcessingFailed as exc:
                await self._record(ctx, transcriber, seconds, transcribing, 0.0, exc.key)
                raise
        await self._record(ctx, transcriber, seconds, transcribing, transcript.cost, "ok")
        if not transcript.text.strip():
            raise ProcessingFailed("voice.no_speech")
        shown = ctx.t("voice.heard", text=literal(transcript.text))
        if transcript.stopped_early:
            shown += "\n" + ctx.t("voice.cut_short")
        await progress.show(shown, cancellable=False)
        log.info(
            "voice_transcribed",
            user=ctx.user.key,
            provider=transcriber.name,
            audio_seconds=round(seconds, 1),
            seconds=round(time.monotonic() - started, 2),
            language=transcript.language,
            words=len(transcript.text.split()),
        )
        return transcript.text

    async def _download(self, ctx: Context, attachment: Attachment) -> bytes:
        if attachment.fetch is None:
            raise ProcessingFailed("voice.download_failed")
        try:
            return await attachment.fetch()
        except (RuntimeError, OSError) as exc:  # the front-end's typed download errors
            log.warning("voice_download_failed", user=ctx.user.key, error=str(exc)[:200])
            raise ProcessingFailed("voice.download_failed") from exc

    async def _record(
        self,
        ctx: Context,
        transcriber: Transcriber,
        seconds: float,
        since: float,
        cost: float,
        outcome: str,
    ) -> None:
        provider = transcriber.name
        if outcome == "ok":  # failures are counted once, where they surface (``process``)
            self.metrics.transcriptions.labels(provider, outcome).inc()
            self.metrics.transcribed_seconds.labels(provider).inc(seconds)
            self.metrics.transcription_cost.labels(provider).inc(cost)
        await self.usage.record(
            user_id=ctx.user.id,
            provider=provider,
            model=transcriber.model_name,
            audio_seconds=seconds,
            processing_seconds=time.monotonic() - since,
            cost=cost,
            outcome=outcome,
        )
