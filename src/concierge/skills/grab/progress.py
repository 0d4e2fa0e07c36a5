"""One progress message per grab, edited in place: queued → downloading → … → done.

The message was sent when the link was accepted; its handle lives on the grab row, so
a job that runs after a restart edits the same message. Edits go at most every
``interval`` (injected clock) and only when the text changed; the final state always
goes out. A failed edit never fails the download: the file still gets delivered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import update

from concierge.core.buttons import ButtonStore
from concierge.core.clock import Clock
from concierge.core.messages import Button, MessageHandle, Text
from concierge.core.notify import DeliveryFailed, MessageGone, Notifier, RecipientUnreachable
from concierge.skills.grab.models import GrabRow
from concierge.skills.grab.render import CANCEL_ACTION, Words
from concierge.storage.db import Database

log = structlog.get_logger(__name__)

EDIT_INTERVAL = timedelta(seconds=3)


class ProgressMessage:
    def __init__(
        self,
        *,
        db: Database,
        notifier: Notifier,
        buttons: ButtonStore,
        clock: Clock,
        words: Words,
        grab_id: int,
        user_id: int,
        handle: dict[str, Any] | None,
        interval: timedelta = EDIT_INTERVAL,
    ) -> None:
        self._db = db
        self._notifier = notifier
        self._buttons = buttons
        self._clock = clock
        self._words = words
        self._grab_id = grab_id
        self._user_id = user_id
        self._handle = MessageHandle.from_dict(handle) if handle else None
        self._interval = interval
        self._shown: str | None = None
        self._last: datetime | None = None
        self._cancel: Button | None = None
        self.edits = 0

    async def cancel_button(self) -> Button:
        if self._cancel is None:
            button_id = await self._buttons.create(
                owner_user_id=self._user_id,
                action=CANCEL_ACTION,
                payload={"grab_id": self._grab_id},
                ttl=timedelta(days=2),
            )
            self._cancel = Button(self._words.t("grab.button.cancel"), id=button_id)
        return self._cancel

    async def show(self, text: str, *, final: bool = False) -> None:
        if self._handle is None or text == self._shown:
            return
        now = self._clock.now()
        if not final and self._last is not None and now - self._last < self._interval:
            return
        buttons = () if final else ((await self.cancel_button(),),)
        try:
            edited = await self._notifier.edit(self._handle, Text(text, buttons=buttons))
        except (MessageGone, DeliveryFailed, RecipientUnreachable) as exc:
            log.info("grab_progress_edit_failed", grab=self._grab_id, error=str(exc))
            return
        self._shown, self._last = text, now
        self.edits += 1
        if edited != self._handle:
            self._handle = edited
            async with self._db.session() as s:
                await s.execute(
                    update(GrabRow)
                    .where(GrabRow.id == self._grab_id)
                    .values(handle=edited.to_dict())
                )
