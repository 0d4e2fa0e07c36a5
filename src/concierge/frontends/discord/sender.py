"""Bot-initiated messages for the Notifier: a DM to the user, edited or deleted by handle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import discord

from concierge.core.messages import Card, MessageHandle, Reply, Text, UserRef
from concierge.core.notify import DeliveryFailed
from concierge.frontends.discord.convert import PLATFORM
from concierge.frontends.discord.outbox import DM_UPLOAD_LIMIT, DiscordOutbox

if TYPE_CHECKING:
    from concierge.frontends.discord.app import DiscordFrontend


class DiscordSender:
    def __init__(self, frontend: DiscordFrontend) -> None:
        self._frontend = frontend

    def _outbox(self, channel_id: int, recipient: int | None) -> DiscordOutbox:
        front = self._frontend
        return DiscordOutbox(
            front.delivery,
            channel_id,
            upload_limit=front._upload_limit or DM_UPLOAD_LIMIT,
            lang=front.language_source(UserRef(PLATFORM, recipient or 0)),
            recipient=recipient,
        )

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        async with self._errors():
            channel = await self._frontend.client.create_dm(discord.Object(platform_user_id))
            outbox = self._outbox(channel.id, platform_user_id)
            handle = await outbox.send(reply)
        if handle is None:
            raise ValueError("nothing to send: the reply is empty")
        return handle

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        async with self._errors():
            return await self._outbox(handle.chat_id, None).edit(handle, reply)

    async def delete_message(self, handle: MessageHandle) -> bool:
        async with self._errors():
            return await self._outbox(handle.chat_id, None).delete_message(handle)

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        """Discord's other refusals as the Notifier's DeliveryFailed (retried later)."""
        try:
            yield
        except discord.HTTPException as exc:
            raise DeliveryFailed(
                f"Discord delivery failed: {exc.status} {self._frontend.redact(exc.text)}"
            ) from exc
