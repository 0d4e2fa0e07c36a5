"""Answering one interaction (slash command or button press) inside Discord's windows.

Discord wants an acknowledgement within 3 seconds and accepts follow-ups for 15 minutes.
The first reply that is ready before ``deadline`` becomes the response itself; otherwise
the interaction is deferred at the deadline (a "thinking…" message for a command, a
silent update for a button) and the first reply fills it in. Short notices about the
press or the user (expired button, someone else's, not approved yet, an error) go out
ephemeral, to the presser alone, when they are the response or a follow-up; one that
comes after a "thinking…" defer replaces that message (Discord fixed its visibility when
it was deferred). Past the token's life ``post`` returns None and the
outbox posts to the channel instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from enum import Enum

import discord
import structlog

from concierge.frontends.discord.render import Out, view

log = structlog.get_logger(__name__)

TOKEN_MARGIN = timedelta(seconds=60)  # stop using the token a minute before it expires


class _State(Enum):
    OPEN = "open"  # nothing sent to Discord yet
    THINKING = "thinking"  # deferred with a "thinking…" message the first reply replaces
    DEFERRED = "deferred"  # a button press acknowledged without a message
    ANSWERED = "answered"  # the response message exists; more replies are follow-ups


class InteractionReply:
    def __init__(
        self,
        interaction: discord.Interaction[discord.Client],
        ephemeral_texts: frozenset[str],
        deadline: float,
    ) -> None:
        self.interaction = interaction
        self._ephemeral_texts = ephemeral_texts
        self._deadline = deadline
        self._state = _State.OPEN
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self.acknowledged = asyncio.Event()

    @property
    def is_command(self) -> bool:
        return self.interaction.type is discord.InteractionType.application_command

    def arm(self) -> None:
        self._timer = asyncio.create_task(self._defer_late(), name="discord-interaction-deadline")

    def ephemeral(self, out: Out) -> bool:
        return out.embed is None and out.file is None and out.content in self._ephemeral_texts

    def usable(self) -> bool:
        expires = self.interaction.expires_at - TOKEN_MARGIN
        return discord.utils.utcnow() < expires

    async def _defer_late(self) -> None:
        await asyncio.sleep(self._deadline)
        async with self._lock:
            if self._state is _State.OPEN:
                await self._defer()

    async def _defer(self) -> None:
        thinking = self.is_command
        await self.interaction.response.defer(thinking=thinking)
        self._state = _State.THINKING if thinking else _State.DEFERRED
        self.acknowledged.set()

    async def post(self, out: Out, file: discord.File | None) -> int | None:
        """Send ``out`` as part of the interaction; its message id, or None past the token."""
        if not self.usable():
            return None
        hidden = self.ephemeral(out)
        async with self._lock:
            content = out.content or None
            shown = view(out.buttons)
            if self._state is _State.OPEN:
                return await self._respond(out, content, shown, file, hidden)
            if self._state is _State.THINKING:  # its ephemerality was fixed when deferred
                message = await self.interaction.edit_original_response(
                    content=content,
                    embeds=[out.embed] if out.embed else [],
                    view=shown,
                    attachments=[file] if file else [],
                )
                self._state = _State.ANSWERED
                return message.id
            sent = await self.interaction.followup.send(
                content=content or "",
                embeds=[out.embed] if out.embed else [],
                view=shown or discord.utils.MISSING,
                file=file or discord.utils.MISSING,
                ephemeral=hidden,
                wait=True,
            )
            return sent.id

    async def _respond(
        self,
        out: Out,
        content: str | None,
        shown: discord.ui.View | None,
        file: discord.File | None,
        hidden: bool,
    ) -> int:
        response = await self.interaction.response.send_message(
            content=content,
            embed=out.embed or discord.utils.MISSING,
            view=shown or discord.utils.MISSING,
            file=file or discord.utils.MISSING,
            ephemeral=hidden,
        )
        self._state = _State.ANSWERED
        self.acknowledged.set()
        if response.message_id is not None:
            return response.message_id
        return (await self.interaction.original_response()).id

    async def done(self) -> None:
        """The update is handled: acknowledge it if nothing did, drop an unused "thinking…"."""
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        async with self._lock:
            try:
                if self._state is _State.OPEN and not self.is_command:
                    await self._defer()
                elif self._state is _State.OPEN:
                    await self.interaction.response.defer(ephemeral=True, thinking=True)
                    self._state = _State.THINKING
                    self.acknowledged.set()
                if self._state is _State.THINKING:  # try even near expiry: a miss only logs
                    await self.interaction.delete_original_response()
            except discord.HTTPException as exc:
                log.warning("discord_interaction_close_failed", status=exc.status, error=exc.text)
