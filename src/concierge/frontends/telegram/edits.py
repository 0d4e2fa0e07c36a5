"""Editing messages the bot sent: a progress notice, a card whose buttons changed.

Every call goes through the chat outbox's rate-limited ``call``. Telegram answers an edit
that changes nothing with "message is not modified": that is success here. A message
that is gone (deleted, or too old to edit) raises ``MessageGone``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest

from concierge.core.messages import Card, MessageHandle, Text
from concierge.core.notify import MessageGone
from concierge.frontends.telegram.markdown import (
    MAX_CAPTION,
    Rendered,
    head_and_rest,
    render_markdown,
    split,
)
from concierge.frontends.telegram.render import EMPTY_TEXT, TextOut, card_markdown, keyboard

if TYPE_CHECKING:
    from concierge.frontends.telegram.outbox import TelegramOutbox

_Call = Callable[[int], Awaitable[object]]
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


async def edit_reply(
    outbox: TelegramOutbox, handle: MessageHandle, reply: Text | Card
) -> MessageHandle:
    """Make ``handle``'s messages show ``reply``; the handle of what shows it now.

    A Text with empty text keeps the message and replaces only its buttons. A longer
    text may need more messages (sent after the last) and a shorter one fewer (the
    surplus is deleted), so the returned handle can differ from ``handle``.
    """
    if isinstance(reply, Text) and not reply.text.strip():
        await edit_markup(outbox, handle.message_ids[-1], keyboard(reply.buttons))
        return handle
    source = card_markdown(reply) if isinstance(reply, Card) else reply.text
    rendered = render_markdown(source)
    markup = keyboard(reply.buttons)
    ids = list(handle.message_ids)
    if handle.kind == "media":
        head, rest = head_and_rest(rendered, MAX_CAPTION)
        await edit_caption(outbox, ids[0], head, markup if rest is None else None)
        pieces = split(rest) if rest is not None else []
        kept = [ids[0], *await _sync(outbox, ids[1:], pieces, markup)]
    else:
        pieces = split(rendered) or [Rendered(EMPTY_TEXT)]
        kept = await _sync(outbox, ids, pieces, markup)
    return MessageHandle(handle.platform, outbox.chat_id, tuple(kept), handle.kind)


async def _sync(
    outbox: TelegramOutbox,
    ids: list[int],
    pieces: list[Rendered],
    markup: InlineKeyboardMarkup | None,
) -> list[int]:
    """Edit ``ids`` to show ``pieces`` (keyboard on the last); the ids now showing them."""
    kept: list[int] = []
    for i, piece in enumerate(pieces):
        out = TextOut(piece.text, piece.entities, markup if i == len(pieces) - 1 else None)
        if i < len(ids):
            await edit_text(outbox, ids[i], out)
            kept.append(ids[i])
        else:
            kept.append((await outbox.post(out)).message_id)
    for surplus in ids[len(pieces) :]:
        await outbox.delete(surplus)
    return kept


async def edit_text(outbox: TelegramOutbox, message_id: int, out: TextOut) -> None:
    bot = outbox.delivery.bot
    await _edit(
        outbox,
        message_id,
        lambda chat: bot.edit_message_text(
            out.text,
            chat_id=chat,
            message_id=message_id,
            entities=list(out.entities) or None,
            reply_markup=out.markup,
        ),
    )


async def edit_caption(
    outbox: TelegramOutbox, message_id: int, caption: Rendered, markup: InlineKeyboardMarkup | None
) -> None:
    bot = outbox.delivery.bot
    await _edit(
        outbox,
        message_id,
        lambda chat: bot.edit_message_caption(
            chat_id=chat,
            message_id=message_id,
            caption=caption.text,
            caption_entities=list(caption.entities) or None,
            reply_markup=markup,
        ),
    )


async def edit_markup(
    outbox: TelegramOutbox, message_id: int, markup: InlineKeyboardMarkup | None
) -> None:
    bot = outbox.delivery.bot
    await _edit(
        outbox,
        message_id,
        lambda chat: bot.edit_message_reply_markup(
            chat_id=chat, message_id=message_id, reply_markup=markup
        ),
    )


async def _edit(outbox: TelegramOutbox, message_id: int, make: _Call) -> None:
    try:
        await outbox.call(make)
    except BadRequest as exc:
        reason = exc.message.lower()
        if "not modified" in reason:
            return
        if any(gone in reason for gone in _GONE):
            raise MessageGone(
                f"telegram message {message_id} in {outbox.chat_id}: {exc.message}"
            ) from exc
        raise
