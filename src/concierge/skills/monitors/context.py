"""A ``Context`` for a user outside any conversation: how a job builds their push.

Cards, buttons and other skills' button factories all take a ``Context``; a push is
built in a job, where no message came in. This one speaks the user's language,
creates buttons the user owns (stored, so they work after a restart) and collects
what would have been sent, so the job queues it through the notifier instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from concierge.core.buttons import ButtonStore
from concierge.core.flows import FlowStore
from concierge.core.i18n import Catalog, resolve_language
from concierge.core.messages import (
    ButtonRows,
    Card,
    ChatRef,
    Inbound,
    MessageHandle,
    Reply,
    Stream,
    Text,
    UserRef,
)
from concierge.core.skill import Context
from concierge.storage.repos import UserRecord


class _Collected:
    """A stream that keeps only its final text."""

    def __init__(self, outbox: CollectingOutbox) -> None:
        self._outbox = outbox

    async def delta(self, text: str) -> None:
        return None

    async def finish(self, text: str, buttons: ButtonRows = ()) -> None:
        await self._outbox.send(Text(text, buttons=buttons))


@dataclass
class CollectingOutbox:
    """Replies meant for a chat, kept in order for the job to queue."""

    replies: list[Reply] = field(default_factory=list)

    async def send(self, reply: Reply) -> MessageHandle | None:
        self.replies.append(reply)
        return None

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        return handle

    async def delete_message(self, handle: MessageHandle) -> bool:
        return False

    def stream(self) -> Stream:
        return _Collected(self)

    async def typing(self) -> None:
        return None

    async def delete(self, message_id: int) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class UserContexts:
    """Builds contexts for stored users (the core's catalogue, buttons and flows)."""

    catalog: Catalog
    buttons: ButtonStore
    flows: FlowStore
    default_language: str

    def language(self, user: UserRecord) -> str:
        return resolve_language(user.language, user.platform_language, self.default_language)

    def for_user(self, user: UserRecord) -> tuple[Context, CollectingOutbox]:
        outbox = CollectingOutbox()
        ref = UserRef(user.platform, user.platform_id, user.display_name, user.platform_language)
        ctx = Context(
            inbound=Inbound(user=ref, chat=ChatRef(user.platform, user.platform_id)),
            user=user,
            lang=self.language(user),
            outbox=outbox,
            catalog=self.catalog,
            button_store=self.buttons,
            flows=self.flows,
        )
        return ctx, outbox
