"""Buttons as rows: short opaque ids ↔ stored action + payload (see ``core/buttons.py``)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from concierge.core.buttons import DEFAULT_TTL, ID_BYTES, StoredButton
from concierge.storage.db import Database
from concierge.storage.models import ButtonRow, as_utc, utcnow


class SqlButtonStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        owner_user_id: int,
        action: str,
        payload: dict[str, Any],
        ttl: timedelta | None = None,
    ) -> str:
        button_id = secrets.token_urlsafe(ID_BYTES)
        async with self._db.session() as s:
            s.add(
                ButtonRow(
                    id=button_id,
                    owner_user_id=owner_user_id,
                    action=action,
                    payload=payload,
                    expires_at=utcnow() + (ttl or DEFAULT_TTL),
                )
            )
        return button_id

    async def get(self, button_id: str) -> StoredButton | None:
        """The live button, or None when unknown or expired."""
        if len(button_id) > 64:
            return None
        async with self._db.session() as s:
            row = await s.get(ButtonRow, button_id)
            if row is None:
                return None
            if as_utc(row.expires_at) < utcnow():
                return None
            return StoredButton(row.id, row.owner_user_id, row.action, dict(row.payload))

    async def prune_expired(self) -> int:
        async with self._db.session() as s:
            result = await s.execute(delete(ButtonRow).where(ButtonRow.expires_at < utcnow()))
            return int(result.rowcount)  # type: ignore[attr-defined]
