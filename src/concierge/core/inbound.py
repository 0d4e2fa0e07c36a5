"""The inbound pipeline: attachments turned into text before anything routes the message.

A skill contributes ``AttachmentProcessor`` s (voice → transcript, say). After the
access check, the dispatcher gives each attachment to the first processor that
accepts it; their text joins the message's own, so commands, open flows and the
agent all see one text message. A processor may report progress through
``ctx`` (edit a "transcribing…" message) and is cancelled with the update by
``/cancel``. Attachments nobody accepts keep today's polite answer.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

import structlog

from concierge.core.messages import Attachment

if TYPE_CHECKING:
    from concierge.core.skill import Context

log = structlog.get_logger(__name__)


class ProcessingFailed(Exception):
    """An attachment that could not be turned into text; ``key`` explains it to the user."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class AttachmentProcessor(Protocol):
    name: str

    def accepts(self, attachment: Attachment) -> bool: ...

    async def process(self, ctx: Context, attachment: Attachment) -> str | None:
        """The attachment's content as text (raise ``ProcessingFailed`` to explain why not);
        None when the processor answered the user itself (an imported file)."""
        ...


async def process_attachments(ctx: Context, processors: list[AttachmentProcessor]) -> bool:
    """Replace ``ctx.inbound`` by its text form; False when a failure was already explained."""
    inbound = ctx.inbound
    texts = [inbound.text] if inbound.text.strip() else []
    kept: list[Attachment] = []
    answered = False
    for attachment in inbound.attachments:
        processor = next((p for p in processors if p.accepts(attachment)), None)
        if processor is None:
            kept.append(attachment)
            continue
        try:
            content = await processor.process(ctx, attachment)
        except ProcessingFailed as exc:
            log.info("attachment_not_processed", processor=processor.name, reason=exc.key)
            await ctx.reply(ctx.t(exc.key, **exc.values))
            return False
        if content is None:
            answered = True
        else:
            texts.append(content)
    if answered and not texts and not kept:
        return False  # nothing left to route: the processor has answered
    ctx.inbound = dataclasses.replace(inbound, text="\n".join(texts), attachments=tuple(kept))
    return True
