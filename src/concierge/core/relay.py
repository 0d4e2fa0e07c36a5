"""Work a job finishes in a chat after its update is gone: fetch a file, answer as if typed.

A voice note becomes a job (``voice.transcribe``); when it runs, maybe after a restart,
the update that brought it is long gone. Two seams let such a job act like the update:

- ``ChatChannel``: a front-end's sender (registered with the ``Notifier``) that can also
  fetch an attachment again by its storable id and open an ``Outbox`` on a chat.
- ``Relay``: the dispatcher reached through a port, so a skill built before the
  dispatcher can hand text back to it (``dispatch_as_typed``): a command, an open flow
  or the agent takes it exactly as if the user had typed it. Each hand-back is recorded
  under its ``key`` like a platform update id, so a job that runs again after a crash
  never routes the same text twice.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

from concierge.core.messages import ChatRef, Outbox


class AttachmentGone(RuntimeError):
    """The platform will not give this file (deleted, too big, refused): retrying is useless."""


@runtime_checkable
class ChatChannel(Protocol):
    """What a front-end offers jobs besides bot-initiated messages (``PlatformSender``)."""

    async def fetch_attachment(self, file_id: str) -> bytes:
        """The file's bytes; ``AttachmentGone`` for good, ``DeliveryFailed`` for now."""
        ...

    def open_chat(self, chat: ChatRef) -> AbstractAsyncContextManager[Outbox]:
        """An outbox on ``chat`` for as long as the block runs (closed after it)."""
        ...


class TypedDispatch(Protocol):
    async def dispatch_as_typed(
        self, user_id: int, chat: ChatRef, text: str, *, key: str, message_id: int | None = None
    ) -> None: ...


class Relay:
    """The late-bound way back to the dispatcher; ``bootstrap`` binds it once built."""

    def __init__(self) -> None:
        self._target: TypedDispatch | None = None

    def bind(self, target: TypedDispatch) -> None:
        self._target = target

    @property
    def bound(self) -> bool:
        return self._target is not None

    async def dispatch_as_typed(
        self, user_id: int, chat: ChatRef, text: str, *, key: str, message_id: int | None = None
    ) -> None:
        """Route ``text`` from ``user_id`` in ``chat`` as typed, once per ``key``."""
        if self._target is None:
            raise RuntimeError("Relay.bind was not called")
        await self._target.dispatch_as_typed(user_id, chat, text, key=key, message_id=message_id)
