"""Voice skill: any voice note, audio file or video note becomes text, handled as if typed.

``bootstrap.py`` builds the transcriber (``adapters/assembly.py`` picks it from
``STT_PROVIDER``) and the audio workshop from settings and passes them in; the skill
contributes the attachment processor, the ``voice.transcribe`` job that hears a note
(surviving restarts), its *Cancel* button, the usage figures ``/stats`` reads, and an
hourly job removing temporary files a killed process left behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog
from pydantic import BaseModel

from concierge.core.deps import CoreServices
from concierge.core.jobs import JobContext, JobKind
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Skill
from concierge.services.transcriber import Transcriber
from concierge.services.voice import AudioWorkshop
from concierge.skills.voice import jobs
from concierge.skills.voice.models import TranscriptionLog
from concierge.skills.voice.notes import VoiceNotes
from concierge.skills.voice.service import NoteQueue, VoiceProcessor

__all__ = ["SWEEP_KIND", "VoiceDeps", "build"]

log = structlog.get_logger(__name__)

SWEEP_KIND = "voice.sweep"
ORPHAN_AGE = timedelta(hours=1)  # far longer than any conversion or transcription


@dataclass(frozen=True, slots=True)
class VoiceDeps:
    core: CoreServices
    workshop: AudioWorkshop
    transcriber: Transcriber | None  # None: STT_PROVIDER=off


class SweepPayload(BaseModel):
    """The sweep needs no arguments; removing files twice is harmless (idempotent)."""


def build(deps: VoiceDeps) -> Skill:
    core = deps.core
    notes = VoiceNotes(core.db, core.clock)
    processor = VoiceProcessor(
        workshop=deps.workshop,
        transcriber=deps.transcriber,
        usage=TranscriptionLog(core.db, core.clock),
        metrics=core.metrics,
        queue=NoteQueue(core, notes),
    )
    transcribe = jobs.TranscribeJob(core, notes, core.buttons, processor.work)

    async def sweep(_ctx: JobContext, _payload: SweepPayload) -> None:
        removed = deps.workshop.sweep(ORPHAN_AGE.total_seconds())
        if removed:
            log.info("voice_orphans_removed", files=removed)

    return Skill(
        name="voice",
        processors=[processor],
        buttons={jobs.CANCEL_ACTION: transcribe.cancel},
        job_kinds=[transcribe.kind(), JobKind(SWEEP_KIND, SweepPayload, sweep)],
        schedules=[
            Schedule(SWEEP_KIND, SWEEP_KIND, Every(timedelta(hours=1)), catch_up=timedelta(hours=1))
        ],
        home=Path(__file__).resolve().parent,
    )
