"""The core's Outbox for one Discord channel (a DM or a guild channel), optionally
answering an interaction.

Messages go through discord.py, whose per-route buckets and global 429 handling pace
them; this outbox awaits each message before the next, so a burst arrives in order.
A 403 "cannot send messages to this user" marks the recipient unreachable and raises
``RecipientUnreachable``. Edits and deletes of sent messages go by channel and message
id, so a stored ``MessageHandle`` works from any job and after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import discord
import structlog

from concierge.core.frontend import FileTooLarge, LangSource
from concierge.core.i18n import Catalog
from concierge.core.messages import Card, HandleKind, MessageHandle, Reply, Text
from concierge.core.notify import MessageGone, RecipientUnreachable
from concierge.frontends.discord.interaction import InteractionReply
from concierge.frontends.discord.render import (
    EMPTY_TEXT,
    Out,
    render_card,
    render_reply,
    split,
    view,
)
from concierge.frontends.discord.stream import DiscordStream

log = structlog.get_logger(__name__)

PLATFORM = "discord"
CANNOT_MESSAGE_USER = 50007
UNKNOWN_MESSAGE = 10008
UNKNOWN_CHANNEL = 10003
MB = 1024 * 1024
TOO_MANY_REQUESTS = 429
RATE_LIMIT_ATTEMPTS = 4  # each after discord.py's own five
MAX_RETRY_AFTER = 60.0
T = TypeVar("T")
DM_UPLOAD_LIMIT = 10 * MB  # what Discord allows bots in DMs (and unboosted guilds)


@dataclass(slots=True)
class Delivery:
    """What every channel's outbox shares."""

    client: discord.Client
    catalog: Catalog
    on_unreachable: Callable[[int], Awaitable[None]]  # a DM recipient's user id
    stream_interval: float = 1.0
    typing_interval: float = 8.0  # Discord shows "typing…" for ~10 s per call


class DiscordOutbox:
    def __init__(
        self,
        delivery: Delivery,
        channel_id: int,
        *,
        upload_limit: int,
        lang: LangSource,
        recipient: int | None = None,  # the user of a DM channel
        interaction: InteractionReply | None = None,
        reply_to: int | None = None,  # in a guild, the first reply quotes the user's message
    ) -> None:
        self.delivery = delivery
        self.chat_id = channel_id
        self.upload_limit = upload_limit
        self.recipient = recipient
        self.interaction = interaction
        self._reply_to = reply_to
        self._lang = lang
        self._typing_sent = -1e9
        self._streams: list[DiscordStream] = []
        self.channel = delivery.client.get_partial_messageable(channel_id)

    # --- Outbox protocol ---------------------------------------------------------

    async def send(self, reply: Reply) -> MessageHandle | None:
        try:
            outgoing = render_reply(reply, self.upload_limit)
        except FileTooLarge as exc:
            log.warning("discord_upload_refused", chat=self.chat_id, size=exc.size)
            text = await self.t(
                "discord.upload_too_big", name=exc.filename, size=_mb(exc.size),
                limit=_mb(exc.limit),
            )  # fmt: skip
            outgoing = render_reply(Text(text), self.upload_limit)
        ids = [await self.post(out) for out in outgoing]
        if not ids:
            return None
        kind: HandleKind = "media" if outgoing[0].file is not None else "text"
        return MessageHandle(PLATFORM, self.chat_id, tuple(ids), kind)

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        """Show ``reply`` in the messages of ``handle``; more or fewer as it needs."""
        ids = list(handle.message_ids)
        if isinstance(reply, Text) and not reply.text.strip():
            await self.edit_message(ids[-1], Out(buttons=reply.buttons), keep_text=True)
            return handle
        if isinstance(reply, Card):
            outs = render_card(reply)
        else:
            outs = [Out(p) for p in split(reply.text)] or [Out(EMPTY_TEXT)]
            outs[-1] = Out(outs[-1].content, buttons=reply.buttons)
        kept: list[int] = []
        for i, out in enumerate(outs):
            if i < len(ids):
                await self.edit_message(ids[i], out)
                kept.append(ids[i])
            else:
                kept.append(await self.post(out))
        for surplus in ids[len(outs) :]:
            await self.delete(surplus)
        return MessageHandle(handle.platform, self.chat_id, tuple(kept), handle.kind)

    async def delete_message(self, handle: MessageHandle) -> bool:
        return all([await self.delete(message_id) for message_id in handle.message_ids])

    def stream(self) -> DiscordStream:
        stream = DiscordStream(self)
        self._streams.append(stream)
        return stream

    async def typing(self) -> None:
        """Show "typing…" while tools work (callers repeat it; throttled here)."""
        now = time.monotonic()
        if now - self._typing_sent < self.delivery.typing_interval:
            return
        self._typing_sent = now
        try:
            await self.delivery.client.http.send_typing(self.chat_id)
        except discord.HTTPException as exc:  # cosmetic: never fail over it
            log.info("discord_typing_failed", chat=self.chat_id, error=exc.text)

    async def delete(self, message_id: int) -> bool:
        """Remove a message; False when Discord won't (no right, already gone)."""
        try:
            await self.channel.get_partial_message(message_id).delete()
        except (discord.Forbidden, discord.NotFound) as exc:
            log.info("discord_delete_refused", chat=self.chat_id, error=exc.text)
            return False
        return True

    # --- helpers -----------------------------------------------------------------

    async def t(self, key: str, **values: object) -> str:
        return self.delivery.catalog.t(key, await self._lang(), **values)

    async def close(self) -> None:
        for stream in self._streams:
            await stream.cancel_pending()

    async def post(self, out: Out) -> int:
        """Send one message (in the interaction while its token lives); its id."""
        return await _paced(lambda: self._post_once(out), self.chat_id)

    async def _post_once(self, out: Out) -> int:
        reader = out.file.open() if out.file is not None else None
        try:
            upload = None
            if reader is not None and out.file is not None:  # streamed from the open reader
                upload = discord.File(cast(io.BufferedIOBase, reader), out.file.filename)
            async with self._errors():
                if self.interaction is not None:
                    sent = await self.interaction.post(out, upload)
                    if sent is not None:
                        return sent
                quoted = self._reference()
                extra: dict[str, Any] = {"reference": quoted} if quoted is not None else {}
                message = await self.channel.send(
                    content=out.content or None,
                    embed=out.embed or discord.utils.MISSING,
                    view=view(out.buttons) or discord.utils.MISSING,
                    file=upload or discord.utils.MISSING,
                    **extra,
                )
                self._reply_to = None  # only the first message quotes
                return message.id
        finally:
            if reader is not None:
                reader.close()

    def _reference(self) -> discord.MessageReference | None:
        if self._reply_to is None:
            return None
        return discord.MessageReference(
            message_id=self._reply_to, channel_id=self.chat_id, fail_if_not_exists=False
        )

    async def edit_message(self, message_id: int, out: Out, *, keep_text: bool = False) -> None:
        """Make one message show ``out`` (``keep_text``: only its buttons change)."""
        message = self.channel.get_partial_message(message_id)

        async def edit() -> None:
            shown = view(out.buttons)
            async with self._errors():
                if keep_text:
                    await message.edit(view=shown)
                else:
                    await message.edit(
                        content=out.content or None,
                        embeds=[out.embed] if out.embed else [],
                        view=shown,
                    )

        try:
            await _paced(edit, self.chat_id)
        except discord.NotFound as exc:
            raise MessageGone(f"discord message {message_id} in {self.chat_id}") from exc

    def _errors(self) -> _Refusals:
        return _Refusals(self)


class _Refusals:
    """Discord's "cannot send messages to this user" as the core's RecipientUnreachable."""

    def __init__(self, outbox: DiscordOutbox) -> None:
        self._outbox = outbox

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, discord.Forbidden) and exc.code == CANNOT_MESSAGE_USER:
            outbox = self._outbox
            if outbox.recipient is not None:
                await outbox.delivery.on_unreachable(outbox.recipient)
            raise RecipientUnreachable(f"discord channel {outbox.chat_id}: {exc.text}") from exc


async def _paced(make: Callable[[], Awaitable[T]], chat_id: int) -> T:
    """Run one Discord call; past discord.py's own 429 retries, wait and try again.

    discord.py honours each 429's ``retry_after`` (and the global limit) but gives up
    after five tries; a reply must not be lost to a long burst, so it gets more here.
    """
    for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
        try:
            return await make()
        except discord.HTTPException as exc:
            if exc.status != TOO_MANY_REQUESTS or attempt == RATE_LIMIT_ATTEMPTS:
                raise
            delay = _retry_after(exc)
            log.warning("discord_rate_limited", chat=chat_id, retry_after=delay, attempt=attempt)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def _retry_after(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", {}) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        with contextlib.suppress(TypeError, ValueError):
            return min(MAX_RETRY_AFTER, max(0.0, float(str(headers.get(name)))))
    return 1.0


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"
