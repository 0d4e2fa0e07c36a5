"""A streamed answer in one Discord channel: one message edited as the text grows.

Edits go out at most once per ``stream_interval`` (about a second, well inside Discord's
per-channel edit limits) and only when the text changed; the final text replaces the
preview, cut into 2,000-character messages, with any buttons on the last.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord

from concierge.core.messages import ButtonRows
from concierge.core.notify import MessageGone, RecipientUnreachable
from concierge.frontends.discord.render import EMPTY_TEXT, Out, split
from concierge.frontends.preview import Previews

if TYPE_CHECKING:
    from concierge.frontends.discord.outbox import DiscordOutbox


class DiscordStream:
    def __init__(self, outbox: DiscordOutbox) -> None:
        self._outbox = outbox
        self._buffer = ""
        self._messages: list[tuple[int, str]] = []  # what each message shows
        self._lock = asyncio.Lock()
        self._previews = Previews(
            self._preview,
            interval=outbox.delivery.stream_interval,
            tolerated=(discord.HTTPException, RecipientUnreachable, MessageGone),
            name="discord-stream",
        )
        self._finished = False

    async def delta(self, text: str) -> None:
        if self._finished or not text:
            return
        self._buffer += text
        self._previews.request()

    async def finish(self, text: str, buttons: ButtonRows = ()) -> None:
        self._finished = True
        await self.cancel_pending()
        pieces = split(text) or ([EMPTY_TEXT] if buttons else [])
        async with self._lock:
            await self._sync(pieces, buttons)

    async def cancel_pending(self) -> None:
        """Drop a scheduled preview; one already on its way is let through (no duplicates)."""
        await self._previews.cancel()

    async def _preview(self) -> None:
        async with self._lock:
            if not self._finished:
                await self._sync(split(self._buffer), ())

    async def _sync(self, pieces: list[str], buttons: ButtonRows) -> None:
        """Make the messages show ``pieces`` (buttons on the last), posting or deleting."""
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            out = Out(piece, buttons=buttons if last else ())
            if i >= len(self._messages):
                self._messages.append((await self._outbox.post(out), piece))
                continue
            message_id, shown = self._messages[i]
            if shown != piece or out.buttons:
                await self._outbox.edit_message(message_id, out)
                self._messages[i] = (message_id, piece)
        for message_id, _ in self._messages[len(pieces) :]:
            await self._outbox.delete(message_id)
        del self._messages[len(pieces) :]
