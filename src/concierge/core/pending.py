"""Questions awaiting the user's next message (e.g. "send the password").

Stored as rows so a restart in the middle of a wizard loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from concierge.storage.db import Database
from concierge.storage.models import PendingInputRow, utcnow

DEFAULT_TTL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class PendingInput:
    action: str
    payload: dict[str, Any]


class PendingInputs:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def expect(
        self, user_id: int, action: str, payload: dict[str, Any], ttl: timedelta | None = None
    ) -> None:
        async with self._db.session() as s:
            row = await s.get(PendingInputRow, user_id)
            expires = utcnow() + (ttl or DEFAULT_TTL)
            if row is None:
                s.add(
                    PendingInputRow(
                        user_id=user_id, action=action, payload=payload, expires_at=expires
                    )
                )
            else:
                row.action, row.payload, row.expires_at = action, payload, expires

    async def take(self, user_id: int) -> PendingInput | None:
        """The live question for this user, removed so it is answered once."""
        async with self._db.session() as s:
            row = await s.get(PendingInputRow, user_id)
            if row is None:
                return None
            await s.delete(row)
            expires = row.expires_at
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=utcnow().tzinfo)
            if expires < utcnow():
                return None
            return PendingInput(row.action, dict(row.payload))

    async def cancel(self, user_id: int) -> bool:
        async with self._db.session() as s:
            result = await s.execute(
                delete(PendingInputRow).where(PendingInputRow.user_id == user_id)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
