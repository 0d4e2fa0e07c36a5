"""Messages the bot starts itself (approval prompts, download notices).

Front-ends register a sender for their platform; skills call ``Notifier.send``
with a stored user and never know which platform it goes to.
"""

from __future__ import annotations

from typing import Protocol

import structlog

from concierge.core.messages import Reply
from concierge.storage.repos import UserRecord, UserRepo

log = structlog.get_logger(__name__)


class RecipientUnreachable(RuntimeError):
    """The platform says this user can't be messaged (e.g. they blocked the bot)."""


class DeliveryFailed(RuntimeError):
    """The message did not go out this time; retrying later may work."""


class PlatformSender(Protocol):
    async def send_to_user(self, platform_user_id: int, reply: Reply) -> None: ...


class Notifier:
    def __init__(self, users: UserRepo) -> None:
        self._users = users
        self._senders: dict[str, PlatformSender] = {}

    def register(self, platform: str, sender: PlatformSender) -> None:
        self._senders[platform] = sender

    def unregister(self, platform: str) -> None:
        self._senders.pop(platform, None)

    def can_reach(self, user: UserRecord) -> bool:
        return user.platform in self._senders and not user.unreachable

    async def send(self, user: UserRecord, reply: Reply) -> None:
        """Deliver or raise ``DeliveryFailed``/``RecipientUnreachable`` (caller retries)."""
        sender = self._senders.get(user.platform)
        if sender is None:
            raise DeliveryFailed(f"no front-end for platform {user.platform} is running")
        try:
            await sender.send_to_user(user.platform_id, reply)
        except RecipientUnreachable:
            await self._users.set_unreachable(user.id)
            log.warning("recipient_unreachable", user=user.key)
            raise
