"""Webhook updates as jobs in a per-user lane: in order across replicas (``TELEGRAM_QUEUE_UPDATES``).

With several web replicas behind one webhook, a user's consecutive updates can reach
different processes; the dispatcher's lanes are per process, so the second could be
answered before the first. Here the web replica only writes the update into the job
queue (before it answers Telegram's POST, so an update Telegram saw accepted is never
lost) with the user as the job's *lane*: the engine runs one lane's jobs one at a time
in enqueue order, on whichever worker takes them, and different users in parallel. A
redelivered update finds its live job under the same dedupe key; one that comes after
its job finished is dropped by the dispatcher's update log.

Delivery is at-least-once: a worker killed while handling an update leaves the job to
be run again, and the rerun releases the update log's claim so the update is answered
rather than skipped (a reply that had already gone out may then go out twice).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel
from telegram import Update

from concierge.core.jobs import JobContext, JobKind, Jobs, Retry
from concierge.frontends.telegram.convert import PLATFORM

if TYPE_CHECKING:
    from concierge.frontends.telegram.app import TelegramFrontend

log = structlog.get_logger(__name__)

KIND = "telegram.update"


class QueuedUpdate(BaseModel):
    update: dict[str, Any]
    correlation: str | None = None  # logged by the web replica and the worker alike


def lane_of(data: dict[str, Any]) -> str | None:
    """The user an update comes from (their lane), else its chat; None when neither."""
    for key, value in data.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return f"telegram:user:{sender['id']}"
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return f"telegram:chat:{chat['id']}"
    return None


class UpdateQueue:
    """Puts webhook updates on the job queue and handles them on a worker."""

    def __init__(self, jobs: Jobs, frontend: TelegramFrontend) -> None:
        self.jobs = jobs
        self.frontend = frontend
        self.kind: JobKind[QueuedUpdate] = JobKind(
            name=KIND,
            payload=QueuedUpdate,
            handler=self._run,
            retry=Retry(max_attempts=5, base=timedelta(seconds=1), cap=timedelta(seconds=30)),
        )
        jobs.register(self.kind)

    async def accept(self, data: dict[str, Any]) -> None:
        """Queue one update (the webhook answers 200 once this returns)."""
        correlation = f"tg-{data['update_id']}-{uuid.uuid4().hex[:8]}"
        log.info("telegram_update_queued", update_id=data["update_id"], correlation=correlation)
        await self.jobs.enqueue(
            self.kind,
            QueuedUpdate(update=data, correlation=correlation),
            dedupe_key=f"telegram:update:{data['update_id']}",
            lane=lane_of(data),
        )

    async def _run(self, ctx: JobContext, payload: QueuedUpdate) -> None:
        data = payload.update
        try:
            update = Update.de_json(data, self.frontend.application.bot)
        except Exception as exc:  # unreadable: retrying cannot help, and Telegram got its 200
            log.warning(
                "telegram_update_unreadable", update_id=data.get("update_id"), error=str(exc)
            )
            return
        with structlog.contextvars.bound_contextvars(correlation=payload.correlation):
            if ctx.attempt > 1:  # the attempt before died mid-way: answer it, don't skip it
                await self.frontend.dispatcher.updates.release(PLATFORM, str(update.update_id))
            await self.frontend.receive(update)
            log.info("telegram_update_handled", update_id=update.update_id, attempt=ctx.attempt)
