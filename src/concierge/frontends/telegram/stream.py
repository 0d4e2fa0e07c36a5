"""A streamed answer in one Telegram chat: drafts or edited messages as text arrives.

Split from the chat's outbox (outbox.py), whose rate-limited ``call`` and
``post`` every preview and final message goes through.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

import structlog
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, InvalidToken, TelegramError

from concierge.core.messages import ButtonRows
from concierge.core.notify import MessageGone, RecipientUnreachable
from concierge.frontends.preview import Previews
from concierge.frontends.telegram.edits import edit_text
from concierge.frontends.telegram.markdown import Rendered, render_markdown, split
from concierge.frontends.telegram.render import EMPTY_TEXT, TextOut, keyboard

if TYPE_CHECKING:
    from concierge.frontends.telegram.outbox import TelegramOutbox

log = structlog.get_logger(__name__)


class TelegramStream:
    """An answer that appears as it is generated.

    Private chats get ``sendMessageDraft`` previews and one final message;
    elsewhere (or when drafts are refused) a message is edited, at most once
    per ``stream_interval`` and only when its text changed.
    """

    def __init__(self, outbox: TelegramOutbox, *, use_draft: bool) -> None:
        self._outbox = outbox
        self._use_draft = use_draft
        self._draft_id = secrets.randbelow(2**31 - 2) + 1
        self._buffer = ""
        self._shown_draft: Rendered | None = None
        self._messages: list[tuple[int, Rendered]] = []  # edit mode: what each message shows
        self._lock = asyncio.Lock()
        self._previews = Previews(
            self._flush,
            interval=outbox.delivery.stream_interval,
            tolerated=(TelegramError, RecipientUnreachable, MessageGone),
            name="telegram-stream",
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
        final = split(render_markdown(text))
        markup = keyboard(buttons)
        if not final and markup is not None:
            final = [Rendered(EMPTY_TEXT)]
        async with self._lock:
            if self._messages:
                await self._sync(final, markup)
                return
            for i, piece in enumerate(final):
                last = i == len(final) - 1
                await self._outbox.post(
                    TextOut(piece.text, piece.entities, markup if last else None)
                )

    async def cancel_pending(self) -> None:
        """Drop a scheduled preview; one already on its way is let through (no duplicates)."""
        await self._previews.cancel()

    async def _flush(self) -> None:
        async with self._lock:
            if self._finished:
                return
            pieces = split(render_markdown(self._buffer))
            if not pieces:
                return
            drafting = self._use_draft and self._outbox.delivery.drafts_enabled
            if drafting and await self._draft(pieces[-1]):
                return
            await self._sync(pieces, None)

    async def _draft(self, piece: Rendered) -> bool:
        """Show ``piece`` as a draft; False when the API refuses drafts."""
        if piece == self._shown_draft:
            return True
        bot = self._outbox.delivery.bot
        try:
            await self._outbox.call(
                lambda chat: bot.send_message_draft(
                    chat, self._draft_id, piece.text, entities=list(piece.entities) or None
                )
            )
        except (BadRequest, EndPointNotFound, InvalidToken) as exc:
            log.info("telegram_drafts_refused", error=str(exc))
            self._outbox.delivery.drafts_enabled = False
            self._use_draft = False
            return False
        self._shown_draft = piece
        return True

    async def _sync(self, pieces: list[Rendered], markup: InlineKeyboardMarkup | None) -> None:
        """Make the edited messages show ``pieces`` (keyboard on the last)."""
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            out = TextOut(piece.text, piece.entities, markup if last else None)
            if i >= len(self._messages):
                message = await self._outbox.post(out)
                self._messages.append((message.message_id, piece))
                continue
            message_id, shown = self._messages[i]
            if shown != piece or out.markup is not None:
                await self._edit(message_id, out)
                self._messages[i] = (message_id, piece)
        for message_id, _ in self._messages[len(pieces) :]:
            await self._delete(message_id)
        del self._messages[len(pieces) :]

    async def _edit(self, message_id: int, out: TextOut) -> None:
        await edit_text(self._outbox, message_id, out)

    async def _delete(self, message_id: int) -> None:
        bot = self._outbox.delivery.bot
        await self._outbox.call(lambda chat: bot.delete_message(chat, message_id))
