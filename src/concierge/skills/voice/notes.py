"""A voice note waiting for or under transcription: the row its ``voice.transcribe`` job reads.

The row holds what the job needs after the update is gone (and after a restart): the
platform's storable file id to fetch the audio again, the chat to answer in, the
progress message's handle, and how far it got. No audio and no transcript are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, update
from sqlalchemy.orm import Mapped, mapped_column

from concierge.core.clock import Clock
from concierge.core.messages import Attachment, ChatRef, MessageHandle
from concierge.storage.db import Database
from concierge.storage.models import Base

FINISHED = ("done", "failed", "cancelled")


class VoiceNoteRow(Base):
    __tablename__ = "voice_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    chat_kind: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    file_id: Mapped[str] = mapped_column(String(300))
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    duration: Mapped[int | None] = mapped_column(Integer, default=None)
    lang: Mapped[str] = mapped_column(String(8))
    handle: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    job_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # queued → running → transcribed (text handed on) → done | failed | cancelled
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


@dataclass(frozen=True, slots=True)
class VoiceNote:
    id: int
    user_id: int
    chat: ChatRef
    message_id: int | None
    file_id: str
    size: int | None
    duration: int | None
    lang: str
    handle: MessageHandle | None
    job_id: int | None
    status: str

    @property
    def route_key(self) -> str:
        """The once-only key its transcript is handed to the dispatcher under."""
        return f"voice:{self.id}"


def _note(row: VoiceNoteRow) -> VoiceNote:
    return VoiceNote(
        id=row.id,
        user_id=row.user_id,
        chat=ChatRef(row.platform, row.chat_id, "group" if row.chat_kind == "group" else "private"),
        message_id=row.message_id,
        file_id=row.file_id,
        size=row.size,
        duration=row.duration,
        lang=row.lang,
        handle=MessageHandle.from_dict(row.handle) if row.handle else None,
        job_id=row.job_id,
        status=row.status,
    )


class VoiceNotes:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def add(
        self,
        *,
        user_id: int,
        chat: ChatRef,
        message_id: int | None,
        attachment: Attachment,
        lang: str,
        handle: MessageHandle | None,
    ) -> VoiceNote:
        async with self._db.session() as s:
            row = VoiceNoteRow(
                user_id=user_id,
                platform=chat.platform,
                chat_id=chat.id,
                chat_kind=chat.kind,
                message_id=message_id,
                file_id=attachment.file_id[:300],
                size=attachment.size,
                duration=attachment.duration,
                lang=lang[:8],
                handle=handle.to_dict() if handle is not None else None,
                created_at=self._clock.now(),
            )
            s.add(row)
            await s.flush()
            return _note(row)

    async def get(self, note_id: int) -> VoiceNote | None:
        async with self._db.session() as s:
            row = await s.get(VoiceNoteRow, note_id)
            return _note(row) if row is not None else None

    async def set(self, note_id: int, **values: object) -> None:
        if values.get("status") in FINISHED:
            values["finished_at"] = self._clock.now()
        handle = values.get("handle")
        if isinstance(handle, MessageHandle):
            values["handle"] = handle.to_dict()
        async with self._db.session() as s:
            await s.execute(update(VoiceNoteRow).where(VoiceNoteRow.id == note_id).values(**values))
