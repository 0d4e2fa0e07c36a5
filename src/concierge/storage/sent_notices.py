"""Rows saying a bot-initiated message went out, keyed by its idempotency key.

The ``notify.send`` job checks here before sending and writes here after, so a retried
job does not message the user twice; the stored handle lets later jobs edit the message.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from concierge.core.messages import MessageHandle
from concierge.storage.db import Database
from concierge.storage.models import SentNoticeRow


class SentNotices:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> MessageHandle | None:
        async with self._db.session() as s:
            raw = await s.scalar(select(SentNoticeRow.handle).where(SentNoticeRow.key == key))
        return MessageHandle.from_dict(raw) if raw is not None else None

    async def record(self, key: str, user_id: int, handle: MessageHandle) -> bool:
        """Remember the sent message; False when ``key`` was already recorded (first wins)."""
        try:
            async with self._db.session() as s:
                s.add(SentNoticeRow(key=key, user_id=user_id, handle=handle.to_dict()))
        except IntegrityError:
            return False
        return True

    async def replace(self, key: str, handle: MessageHandle) -> None:
        """Keep the handle an edit returned (a longer text may span more messages)."""
        async with self._db.session() as s:
            await s.execute(
                update(SentNoticeRow)
                .where(SentNoticeRow.key == key)
                .values(handle=handle.to_dict())
            )
