"""Buttons: short opaque ids ↔ a stored action + payload, pressable only by their owner.

Payloads live in storage with an expiry, so buttons survive restarts and the id
stays far below Telegram's 64-byte ``callback_data`` limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

DEFAULT_TTL = timedelta(days=30)
ID_BYTES = 9  # 12 url-safe characters


@dataclass(frozen=True, slots=True)
class StoredButton:
    id: str
    owner_user_id: int
    action: str
    payload: dict[str, Any]


class ButtonStore(Protocol):
    async def create(
        self,
        *,
        owner_user_id: int,
        action: str,
        payload: dict[str, Any],
        ttl: timedelta | None = None,
    ) -> str: ...

    async def get(self, button_id: str) -> StoredButton | None:
        """The live button, or None when unknown or expired."""
        ...

    async def prune_expired(self) -> int: ...
