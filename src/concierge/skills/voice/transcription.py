"""One transcription: fetch → ffmpeg → Transcriber, shown in one progress message.

Shared by the two ways a note is heard: the ``voice.transcribe`` job (a platform whose
front-end can fetch the file again by id, so the note survives a restart) and inline in
the update (a platform that cannot). The progress message is edited in place
(downloading → converting → transcribing, with an estimate → "🎙 <transcript>"); its
*Cancel* button stops ffmpeg (killed) and the transcriber (at its next segment). Audio
lives only in temporary files removed in every case; transcripts are never logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from concierge.core.inbound import ProcessingFailed
from concierge.core.messages import Button, ButtonRows, MessageHandle, Reply, Text, literal, rows
from concierge.core.metrics import Metrics
from concierge.core.relay import AttachmentGone
from concierge.services.transcriber import Transcriber
from concierge.services.voice import AudioWorkshop
from concierge.skills.voice.models import TranscriptionLog

log = structlog.get_logger(__name__)

Translate = Callable[..., str]


class RetryLater(Exception):
    """The file could not be fetched this time (front-end down, network): try again later."""


class MessageSink(Protocol):
    """Where the progress message goes: a chat's ``Outbox``, or the ``Notifier`` from a job."""

    async def send(self, reply: Reply) -> MessageHandle | None: ...

    async def edit(self, handle: MessageHandle, reply: Text) -> MessageHandle: ...

    async def delete_message(self, handle: MessageHandle) -> bool: ...


def clock_face(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass
class Progress:
    """The one progress message of a transcription, edited in place."""

    sink: MessageSink
    t: Translate
    cancel_button: Callable[[], Awaitable[Button]]
    user_key: str
    handle: MessageHandle | None = None
    on_handle: Callable[[MessageHandle], Awaitable[None]] | None = None  # keep a new handle
    _cancel: Button | None = None

    async def show(self, text: str, *, cancellable: bool = True) -> None:
        buttons: ButtonRows = ()
        if cancellable:
            if self._cancel is None:
                self._cancel = await self.cancel_button()
            buttons = rows(self._cancel)
        reply = Text(text, buttons=buttons)
        try:
            before = self.handle
            if self.handle is None:
                self.handle = await self.sink.send(reply)
            else:
                self.handle = await self.sink.edit(self.handle, reply)
            if self.handle is not None and self.handle != before and self.on_handle is not None:
                await self.on_handle(self.handle)
        except asyncio.CancelledError:
            raise
        except Exception:  # a progress edit is cosmetic: the transcription goes on
            log.warning("voice_progress_edit_failed", user=self.user_key, exc_info=True)

    async def remove(self) -> None:
        """Take the progress message away (the reason for a failure follows it)."""
        if self.handle is None:
            return
        try:
            if not await self.sink.delete_message(self.handle):
                await self.sink.edit(self.handle, Text(self.t("voice.failed")))
        except Exception:
            log.warning("voice_progress_remove_failed", user=self.user_key, exc_info=True)


class Transcription:
    """The voice skill's work on one note, whichever way it is run."""

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

    async def run(
        self,
        *,
        user_id: int,
        lang: str,
        fetch: Callable[[], Awaitable[bytes]],
        declared_seconds: int | None,
        progress: Progress,
    ) -> str:
        """The words spoken; ``ProcessingFailed`` (counted) says why not."""
        transcriber = self.transcriber
        if transcriber is None:
            raise ProcessingFailed("voice.off")
        try:
            return await self._work(
                user_id, lang, fetch, declared_seconds, progress, transcriber, time.monotonic()
            )
        except ProcessingFailed as exc:
            self.metrics.transcriptions.labels(transcriber.name, exc.key).inc()
            raise

    async def _work(
        self,
        user_id: int,
        lang: str,
        fetch: Callable[[], Awaitable[bytes]],
        declared_seconds: int | None,
        progress: Progress,
        transcriber: Transcriber,
        started: float,
    ) -> str:
        t = progress.t
        await progress.show(t("voice.downloading"))
        data = await self._download(progress.user_key, fetch)
        async with self.workshop.workspace() as base:
            await progress.show(t("voice.converting"))
            wav, probe = await self.workshop.prepare(data, base)
            del data
            seconds = probe.seconds or float(declared_seconds or 0)
            estimate = max(1, round(transcriber.estimate(seconds)))
            await progress.show(
                t("voice.transcribing", minutes=clock_face(seconds), seconds=estimate)
            )
            transcribing = time.monotonic()
            try:
                transcript = await transcriber.transcribe(wav, audio_seconds=seconds, hint=lang)
            except ProcessingFailed as exc:
                await self._record(user_id, transcriber, seconds, transcribing, 0.0, exc.key)
                raise
        await self._record(user_id, transcriber, seconds, transcribing, transcript.cost, "ok")
        if not transcript.text.strip():
            raise ProcessingFailed("voice.no_speech")
        shown = t("voice.heard", text=literal(transcript.text))
        if transcript.stopped_early:
            shown += "\n" + t("voice.cut_short")
        await progress.show(shown, cancellable=False)
        log.info(
            "voice_transcribed",
            user=progress.user_key,
            provider=transcriber.name,
            audio_seconds=round(seconds, 1),
            seconds=round(time.monotonic() - started, 2),
            language=transcript.language,
            words=len(transcript.text.split()),
        )
        return transcript.text

    async def _download(self, user_key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        try:
            return await fetch()
        except (AttachmentGone, RuntimeError, OSError) as exc:  # the front-end's typed errors
            log.warning("voice_download_failed", user=user_key, error=str(exc)[:200])
            raise ProcessingFailed("voice.download_failed") from exc

    async def _record(
        self,
        user_id: int,
        transcriber: Transcriber,
        seconds: float,
        since: float,
        cost: float,
        outcome: str,
    ) -> None:
        provider = transcriber.name
        if outcome == "ok":  # failures are counted once, where they surface (``run``)
            self.metrics.transcriptions.labels(provider, outcome).inc()
            self.metrics.transcribed_seconds.labels(provider).inc(seconds)
            self.metrics.transcription_cost.labels(provider).inc(cost)
        await self.usage.record(
            user_id=user_id,
            provider=provider,
            model=transcriber.model_name,
            audio_seconds=seconds,
            processing_seconds=time.monotonic() - since,
            cost=cost,
            outcome=outcome,
        )
