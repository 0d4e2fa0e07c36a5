"""Messages the bot starts itself (approval prompts, download notices, progress messages).

Front-ends register a sender for their platform; skills call ``Notifier`` with a stored
user and never know which platform it goes to. A send returns a ``MessageHandle`` that
can be stored and used to edit or delete the message later, from any job, also after a
restart.

Notices that must not be lost go through a job (``Notifier.enqueue``, kind
``notify.send``). Delivery rule: at-least-once. The job first looks for its key in
``sent_notices``; if absent it sends, then writes the row with the handle. A duplicate
therefore needs a crash (or a lost answer) between the platform accepting the message and
that row being written; every other retry is a no-op.
"""

from __future__ import annotations

from typing import Any, Protocol

import structlog
from pydantic import BaseModel

from concierge.core.jobs import JobContext, JobKind, Jobs, PermanentJobError, Retry
from concierge.core.messages import Card, MessageHandle, Reply, Text
from concierge.core.relay import ChatChannel
from concierge.core.reply_codec import reply_from_dict, reply_to_dict
from concierge.storage.repos import UserRecord, UserRepo
from concierge.storage.sent_notices import SentNotices

log = structlog.get_logger(__name__)

NOTIFY_SEND = "notify.send"


class RecipientUnreachable(RuntimeError):
    """The platform says this user can't be messaged (e.g. they blocked the bot)."""


class DeliveryFailed(RuntimeError):
    """The message did not go out this time; retrying later may work."""


class MessageGone(RuntimeError):
    """The message to edit or delete no longer exists (deleted, or too old to touch)."""


class PlatformSender(Protocol):
    """One platform's way to reach a user outside a conversation."""

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle: ...

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        """Unchanged content counts as edited; raises ``MessageGone`` when it is gone."""
        ...

    async def delete_message(self, handle: MessageHandle) -> bool: ...


class NoticePayload(BaseModel):
    """``notify.send``: whom, what (``reply_to_dict``), and the idempotency key."""

    user_id: int
    reply: dict[str, Any]
    key: str


class Notifier:
    def __init__(self, users: UserRepo) -> None:
        self._users = users
        self._senders: dict[str, PlatformSender] = {}
        self._served: set[str] = set()  # platforms this process has had a front-end for
        self._jobs: Jobs | None = None
        self._notices: SentNotices | None = None

    def register(self, platform: str, sender: PlatformSender) -> None:
        self._senders[platform] = sender
        self._served.add(platform)

    def unregister(self, platform: str) -> None:
        self._senders.pop(platform, None)

    def can_reach(self, user: UserRecord) -> bool:
        return user.platform in self._senders and not user.unreachable

    def can_queue_for(self, user: UserRecord) -> bool:
        """A queued notice will reach ``user``: its front-end runs, or ran and is only
        stopping (the job waits in the queue and goes out after the restart)."""
        if self._jobs is None:
            return self.can_reach(user)
        return user.platform in self._served and not user.unreachable

    def channel(self, platform: str) -> ChatChannel | None:
        """The running front-end's way to fetch files and open chats from a job, if it has one."""
        sender = self._senders.get(platform)
        return sender if isinstance(sender, ChatChannel) else None

    def _sender(self, platform: str) -> PlatformSender:
        sender = self._senders.get(platform)
        if sender is None:
            raise DeliveryFailed(f"no front-end for platform {platform} is running")
        return sender

    # --- direct ----------------------------------------------------------------------

    async def send(self, user: UserRecord, reply: Reply) -> MessageHandle:
        """Deliver or raise ``DeliveryFailed``/``RecipientUnreachable`` (caller retries)."""
        sender = self._sender(user.platform)
        try:
            return await sender.send_to_user(user.platform_id, reply)
        except RecipientUnreachable:
            await self._users.set_unreachable(user.id)
            log.warning("recipient_unreachable", user=user.key)
            raise

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        """Show ``reply`` in place of the message; the returned handle replaces ``handle``.

        Raises ``MessageGone``, ``RecipientUnreachable`` or ``DeliveryFailed``.
        """
        return await self._sender(handle.platform).edit(handle, reply)

    async def delete(self, handle: MessageHandle) -> bool:
        """Remove the message; False when the platform refuses (too old, already gone)."""
        return await self._sender(handle.platform).delete_message(handle)

    # --- through jobs ------------------------------------------------------------------

    def use_jobs(self, jobs: Jobs, notices: SentNotices) -> None:
        """Send queued notices with ``jobs`` (registers ``notify.send``); bootstrap calls it."""
        self._jobs = jobs
        self._notices = notices
        jobs.register(self.job_kind())

    def job_kind(self) -> JobKind[NoticePayload]:
        return JobKind(
            NOTIFY_SEND,
            NoticePayload,
            self.run_notice,
            retry=Retry(max_attempts=8),
        )

    @property
    def has_jobs(self) -> bool:
        return self._jobs is not None

    @property
    def jobs(self) -> Jobs:
        if self._jobs is None:
            raise RuntimeError("Notifier.use_jobs was not called")
        return self._jobs

    async def enqueue(self, user: UserRecord, reply: Reply, *, key: str) -> int:
        """Queue ``reply`` for ``user`` once per ``key`` (e.g. "grab:42:progress"); the job id."""
        if self._jobs is None:
            raise RuntimeError("Notifier.use_jobs was not called")
        payload = NoticePayload(user_id=user.id, reply=reply_to_dict(reply), key=key)
        return await self._jobs.enqueue(NOTIFY_SEND, payload, dedupe_key=key, user_id=user.id)

    async def sent(self, key: str) -> MessageHandle | None:
        """The handle of the notice queued under ``key``, once it went out."""
        return await self._store().get(key)

    async def edit_sent(self, key: str, reply: Text | Card) -> MessageHandle:
        """Edit the notice sent under ``key`` and keep its (possibly grown) handle."""
        handle = await self.sent(key)
        if handle is None:
            raise MessageGone(f"no notice was sent under {key!r}")
        edited = await self.edit(handle, reply)
        if edited != handle:
            await self._store().replace(key, edited)
        return edited

    async def run_notice(self, ctx: JobContext, payload: NoticePayload) -> None:
        """The ``notify.send`` handler: send unless the key's record says it went out."""
        notices = self._store()
        if await notices.get(payload.key) is not None:
            log.info("notice_already_sent", key=payload.key, job=ctx.job_id)
            return
        user = await self._users.get(payload.user_id)
        if user is None:
            raise PermanentJobError(f"user {payload.user_id} no longer exists")
        if user.unreachable:
            raise PermanentJobError(f"user {user.key} can't be messaged")
        try:
            reply = reply_from_dict(payload.reply)
        except (ValueError, KeyError) as exc:
            raise PermanentJobError(f"stored reply is unreadable: {exc}") from exc
        try:
            handle = await self.send(user, reply)
        except RecipientUnreachable as exc:
            raise PermanentJobError(str(exc)) from exc
        await notices.record(payload.key, user.id, handle)

    def _store(self) -> SentNotices:
        if self._notices is None:
            raise RuntimeError("Notifier.use_jobs was not called")
        return self._notices
